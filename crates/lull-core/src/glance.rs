//! What a glance at Lull says (`lull status`, the tray, the top of the window): whether focus is
//! on, whether anything urgent broke through, and what the next digest brings. As data, one
//! line at a time; the edges word the lines.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One line of the reassurance a glance gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum StatusLine {
    InFocus {
        until: DateTime<Utc>,
    },
    NotInFocus,
    NothingUrgent,
    /// Urgent messages broke through focus today.
    Urgent {
        count: u32,
    },
    NextDigest {
        at: DateTime<Utc>,
        messages: u32,
        clients: u32,
    },
    /// The next digest, with nothing waiting for it yet.
    NextDigestEmpty {
        at: DateTime<Utc>,
    },
}

/// What Lull's state comes to at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glance {
    /// When focus ends, if focus is on.
    pub focus_until: Option<DateTime<Utc>>,
    /// Urgent messages that broke through today.
    pub bypasses_today: u32,
    pub next_digest: DateTime<Utc>,
    /// What the next digest will release, and from how many clients.
    pub next_digest_messages: u32,
    pub next_digest_clients: u32,
}

impl Glance {
    /// The three lines: focus, urgency, the next digest.
    pub fn lines(&self) -> Vec<StatusLine> {
        let focus = match self.focus_until {
            Some(until) => StatusLine::InFocus { until },
            None => StatusLine::NotInFocus,
        };
        let urgent = match self.bypasses_today {
            0 => StatusLine::NothingUrgent,
            count => StatusLine::Urgent { count },
        };
        let next = match self.next_digest_messages {
            0 => StatusLine::NextDigestEmpty { at: self.next_digest },
            messages => StatusLine::NextDigest { at: self.next_digest, messages, clients: self.next_digest_clients },
        };
        vec![focus, urgent, next]
    }
}

impl StatusLine {
    /// One of each line, for checking that every edge words them all.
    pub fn samples(at: DateTime<Utc>) -> Vec<StatusLine> {
        vec![
            StatusLine::InFocus { until: at },
            StatusLine::NotInFocus,
            StatusLine::NothingUrgent,
            StatusLine::Urgent { count: 1 },
            StatusLine::Urgent { count: 2 },
            StatusLine::NextDigest { at, messages: 3, clients: 2 },
            StatusLine::NextDigestEmpty { at },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glance_is_focus_urgency_and_the_next_digest() {
        let at: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("instant");
        let calm = Glance { focus_until: None, bypasses_today: 0, next_digest: at, next_digest_messages: 0, next_digest_clients: 0 };
        assert_eq!(calm.lines(), vec![StatusLine::NotInFocus, StatusLine::NothingUrgent, StatusLine::NextDigestEmpty { at }]);
        let busy = Glance { focus_until: Some(at), bypasses_today: 2, next_digest: at, next_digest_messages: 5, next_digest_clients: 3 };
        assert_eq!(
            busy.lines(),
            vec![
                StatusLine::InFocus { until: at },
                StatusLine::Urgent { count: 2 },
                StatusLine::NextDigest { at, messages: 5, clients: 3 }
            ]
        );
    }
}
