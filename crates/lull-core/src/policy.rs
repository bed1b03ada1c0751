//! The focus policy: for one message at one instant, decide `live | held | bypass | muted`, when
//! a held message is released, and why.
//!
//! The rules are ordered; the first that applies wins, and its [`Rule`] is kept with the
//! decision, with everything needed to say why, so `lull explain` and the UI can answer
//! "why?" in the user's language:
//!
//! 1. newsletters are muted; so is everything from a muted client;
//! 2. ratings and reviews wait for the weekly digest;
//! 3. the schedule decides: platform and social messages never interrupt, digest-only clients
//!    wait, a client's live window lets it through, focus (a session or a block) holds, outside
//!    working hours holds until the next working day, low-tier clients wait, otherwise live;
//! 4. a held direct message may still break through when it is urgent (a VIP using an urgent
//!    word, or a known client's third attempt within 15 minutes; a stranger's only when the
//!    schedule allows it), within the client's daily quota.
//!
//! Everything the policy needs, including the sender's recent history and the bypasses
//! already used today, is passed in: the policy reads no clock and no database.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{Category, Client, ClientMode, DEFAULT_BYPASS_QUOTA, DecisionKind, LiveWindow, Tier};
use crate::schedule::Schedule;
use crate::text::find_word;
use crate::week::WeeklyRange;

/// A message after this much silence from its sender counts as a new attempt to reach you.
pub const ATTEMPT_SILENCE: Duration = Duration::minutes(2);
/// Three attempts inside this window make a sender's message urgent.
pub const RETRY_WINDOW: Duration = Duration::minutes(15);
pub const RETRY_ATTEMPTS: usize = 3;
/// How far back the sender's history must reach for [`retry_attempts`] to be exact.
pub const HISTORY_WINDOW: Duration = Duration::minutes(17);

/// A manual focus session ("focus 90 min now"); a stopped session ends when it was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FocusSession {
    pub started_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// Everything about one message the policy looks at.
#[derive(Debug, Clone, Copy)]
pub struct MessageFacts<'a> {
    pub received_at: DateTime<Utc>,
    /// `None` for a message that matched no client ("Unknown").
    pub client: Option<&'a Client>,
    pub category: Category,
    /// The sender as shown to the user.
    pub sender: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// When earlier messages from the same sender arrived, within [`HISTORY_WINDOW`] before
    /// this one; any order.
    pub sender_history: &'a [DateTime<Utc>],
    /// Bypasses this message's client (or Unknown) already used in the user's local day.
    pub bypasses_today: u32,
}

/// Why a decision was taken; kept with the decision and worded at the edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    Newsletter,
    ClientMuted {
        client: String,
    },
    Rating,
    NeverInterrupts {
        category: Category,
    },
    DigestOnly {
        client: String,
    },
    LiveWindow {
        client: String,
        window: LiveWindow,
    },
    ManualFocus {
        until: DateTime<Utc>,
    },
    FocusBlock {
        block: WeeklyRange,
        until: DateTime<Utc>,
    },
    AfterHours,
    LowTier {
        client: String,
    },
    Open,
    /// A VIP's urgent word. `after_hours`: what it broke through was the end of the working
    /// day, not focus (older decisions, without it, were all through focus).
    Urgent {
        client: String,
        word: String,
        used: u32,
        quota: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        after_hours: bool,
    },
    Retry {
        sender: String,
        attempts: Vec<DateTime<Utc>>,
        used: u32,
        quota: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        #[ts(as = "Option<bool>", optional)]
        after_hours: bool,
    },
    QuotaExhausted {
        client: String,
        quota: u32,
        trigger: Trigger,
        held_by: Box<Rule>,
    },
}

/// What made a message urgent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    Word { word: String },
    Retry { attempts: usize },
}

impl Rule {
    /// A stable short name for the rule, for JSON output and statistics.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::Newsletter => "newsletter",
            Rule::ClientMuted { .. } => "client_muted",
            Rule::Rating => "rating",
            Rule::NeverInterrupts { .. } => "never_interrupts",
            Rule::DigestOnly { .. } => "digest_only",
            Rule::LiveWindow { .. } => "live_window",
            Rule::ManualFocus { .. } => "manual_focus",
            Rule::FocusBlock { .. } => "focus_block",
            Rule::AfterHours => "after_hours",
            Rule::LowTier { .. } => "low_tier",
            Rule::Open => "open",
            Rule::Urgent { .. } => "urgent",
            Rule::Retry { .. } => "retry",
            Rule::QuotaExhausted { .. } => "quota_exhausted",
        }
    }

    /// Whether a held message under this rule waits for the weekly ratings digest.
    pub fn is_weekly(&self) -> bool {
        matches!(self, Rule::Rating)
    }
}

/// The decision for one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub kind: DecisionKind,
    /// When a held message is released; `None` unless held.
    pub release_at: Option<DateTime<Utc>>,
    pub rule: Rule,
}

impl Decision {
    fn new(kind: DecisionKind, release_at: Option<DateTime<Utc>>, rule: Rule) -> Decision {
        Decision { kind, release_at, rule }
    }
}

/// Decides what happens to one message. `sessions` are the manual focus sessions that may be in
/// force at `facts.received_at`.
pub fn decide(schedule: &Schedule, sessions: &[FocusSession], facts: &MessageFacts<'_>) -> Decision {
    let at = facts.received_at;
    let client_name = facts.client.map_or("Unknown", |c| c.name.as_str());

    if facts.category == Category::Newsletter {
        return Decision::new(DecisionKind::Muted, None, Rule::Newsletter);
    }
    if let Some(c) = facts.client.filter(|c| c.mode == ClientMode::Muted) {
        return Decision::new(DecisionKind::Muted, None, Rule::ClientMuted { client: c.name.clone() });
    }
    if facts.category == Category::Rating {
        return Decision::new(DecisionKind::Held, Some(schedule.weekly_release(at)), Rule::Rating);
    }

    let base = schedule_rule(schedule, sessions, facts);
    let Some(held_by) = base else {
        return live(schedule, facts);
    };
    let release = schedule.hold_release(at);
    let may_break_through = matches!(facts.category, Category::Direct | Category::Mention | Category::System);
    let trigger = if may_break_through { urgency(schedule, facts) } else { None };
    let Some(trigger) = trigger else {
        return Decision::new(DecisionKind::Held, Some(release), held_by);
    };
    let quota = facts.client.map_or(DEFAULT_BYPASS_QUOTA, |c| c.bypass_quota);
    if facts.bypasses_today >= quota {
        let rule = Rule::QuotaExhausted { client: client_name.to_owned(), quota, trigger: trigger.0, held_by: Box::new(held_by) };
        return Decision::new(DecisionKind::Held, Some(release), rule);
    }
    let used = facts.bypasses_today + 1;
    // Said as it is: outside working hours with no focus on, it reaches you after hours; it
    // does not "break through focus".
    let after_hours = held_by == Rule::AfterHours;
    let rule = match trigger {
        (Trigger::Word { word }, _) => Rule::Urgent { client: client_name.to_owned(), word, used, quota, after_hours },
        (Trigger::Retry { .. }, attempts) => Rule::Retry { sender: facts.sender.to_owned(), attempts, used, quota, after_hours },
    };
    Decision::new(DecisionKind::Bypass, None, rule)
}

/// The rule that holds the message under the schedule, or `None` when it may interrupt.
fn schedule_rule(schedule: &Schedule, sessions: &[FocusSession], facts: &MessageFacts<'_>) -> Option<Rule> {
    let at = facts.received_at;
    if matches!(facts.category, Category::Platform | Category::Social) {
        return Some(Rule::NeverInterrupts { category: facts.category });
    }
    if let Some(c) = facts.client {
        if c.mode == ClientMode::DigestOnly {
            return Some(Rule::DigestOnly { client: c.name.clone() });
        }
        if live_window_at(c, schedule.tz, at).is_some() {
            return None;
        }
    }
    if let Some(s) = sessions.iter().filter(|s| s.started_at <= at && at < s.ends_at).max_by_key(|s| s.ends_at) {
        return Some(Rule::ManualFocus { until: s.ends_at });
    }
    if let Some((block, until)) = schedule.focus_block_at(at) {
        return Some(Rule::FocusBlock { block, until });
    }
    if !schedule.in_working_hours(at) {
        return Some(Rule::AfterHours);
    }
    if facts.client.is_some_and(|c| c.tier == Tier::Low) {
        return Some(Rule::LowTier { client: client_name(facts).to_owned() });
    }
    None
}

fn client_name<'a>(facts: &MessageFacts<'a>) -> &'a str {
    facts.client.map_or("Unknown", |c| c.name.as_str())
}

fn live(schedule: &Schedule, facts: &MessageFacts<'_>) -> Decision {
    let tz = schedule.tz;
    let rule = match facts.client.and_then(|c| live_window_at(c, tz, facts.received_at).map(|w| (c, w))) {
        Some((c, window)) => Rule::LiveWindow { client: c.name.clone(), window },
        None => Rule::Open,
    };
    Decision::new(DecisionKind::Live, None, rule)
}

/// The client's live window in force at `at`, if any.
pub fn live_window_at(client: &Client, user_tz: Tz, at: DateTime<Utc>) -> Option<LiveWindow> {
    client.live_windows.iter().find(|w| w.range.contains(client.window_tz(w, user_tz), at)).copied()
}

/// Whether the message is urgent, and the attempts that made it so (empty for a word).
fn urgency(schedule: &Schedule, facts: &MessageFacts<'_>) -> Option<(Trigger, Vec<DateTime<Utc>>)> {
    if facts.client.is_some_and(|c| c.tier == Tier::Vip) {
        let word = schedule.urgent_words.iter().find(|w| find_word(facts.title, w) || find_word(facts.body, w));
        if let Some(word) = word {
            return Some((Trigger::Word { word: word.clone() }, Vec::new()));
        }
    }
    // Trying again is a client's way through; a stranger's only where the user allows it.
    if facts.client.is_none() && !schedule.strangers_may_retry {
        return None;
    }
    retry_attempts(facts.sender_history, facts.received_at).map(|attempts| (Trigger::Retry { attempts: attempts.len() }, attempts))
}

/// The attempts within [`RETRY_WINDOW`] that end with a message at `now`, when `now` is itself an
/// attempt and there are at least [`RETRY_ATTEMPTS`] of them.
///
/// An attempt is a message after at least [`ATTEMPT_SILENCE`] of silence from the sender, so a
/// chat burst ("hey" / "quick question" / "are you around?" within a minute) is one attempt.
pub fn retry_attempts(history: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Vec<DateTime<Utc>>> {
    let mut times: Vec<DateTime<Utc>> = history.iter().copied().filter(|t| *t < now).collect();
    times.sort();
    if times.last().is_some_and(|last| now - *last < ATTEMPT_SILENCE) {
        return None; // part of a burst, not a new attempt
    }
    times.push(now);
    let attempts: Vec<DateTime<Utc>> = times
        .iter()
        .enumerate()
        .filter(|(i, t)| *i == 0 || **t - times[i - 1] >= ATTEMPT_SILENCE)
        .map(|(_, t)| *t)
        .filter(|t| now - *t <= RETRY_WINDOW)
        .collect();
    (attempts.len() >= RETRY_ATTEMPTS).then_some(attempts)
}

/// Re-plans a held message after the schedule changed: the release its rule gives under the new
/// schedule, but never in the past (then the next digest after `now`).
pub fn replan_release(schedule: &Schedule, rule: &Rule, received_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let planned = if rule.is_weekly() { schedule.weekly_release(received_at) } else { schedule.hold_release(received_at) };
    if planned > now {
        planned
    } else if rule.is_weekly() {
        schedule.weekly_release(now)
    } else {
        schedule.next_digest_after(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identity, WindowZone};
    use chrono_tz::Europe::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    fn client(name: &str, tier: Tier) -> Client {
        Client {
            id: 1,
            name: name.into(),
            tz: Paris,
            tier,
            mode: ClientMode::Normal,
            bypass_quota: 3,
            identities: vec![Identity::Domain("acme.com".into())],
            live_windows: vec![],
            auto_reply: None,
        }
    }

    fn facts<'a>(at: &str, client: Option<&'a Client>, history: &'a [DateTime<Utc>]) -> MessageFacts<'a> {
        MessageFacts {
            received_at: utc(at),
            client,
            category: Category::Direct,
            sender: "jane@acme.com",
            title: "Quick question",
            body: "Can you look at the mockups?",
            sender_history: history,
            bypasses_today: 0,
        }
    }

    #[test]
    fn focus_block_holds_until_next_digest() {
        let s = Schedule::default_in(Paris);
        let acme = client("Acme", Tier::Normal);
        let d = decide(&s, &[], &facts("2026-11-24T10:15:00+01:00", Some(&acme), &[]));
        assert_eq!(d.kind, DecisionKind::Held);
        assert_eq!(d.release_at, Some(utc("2026-11-24T13:00:00+01:00")));
        // How it reads: lull-words' `reasons_read_like_the_policy_decides`.
        assert_eq!(
            d.rule,
            Rule::FocusBlock { block: "mon-fri 09:00-12:00".parse().expect("block"), until: utc("2026-11-24T12:00:00+01:00") }
        );
    }

    #[test]
    fn outside_focus_in_working_hours_is_live() {
        let s = Schedule::default_in(Paris);
        let d = decide(&s, &[], &facts("2026-11-24T12:30:00+01:00", None, &[]));
        assert_eq!((d.kind, d.rule), (DecisionKind::Live, Rule::Open));
    }

    #[test]
    fn live_window_in_client_time_breaks_focus() {
        let s = Schedule::default_in(Paris);
        let mut globex = client("Globex", Tier::Normal);
        globex.tz = chrono_tz::America::New_York;
        globex.live_windows = vec!["tue,thu 09:00-10:00@client".parse().expect("window")];
        // 09:30 in New York is 15:30 in Paris, inside the afternoon focus block.
        let d = decide(&s, &[], &facts("2026-11-24T15:30:00+01:00", Some(&globex), &[]));
        assert_eq!(d.kind, DecisionKind::Live);
        assert!(matches!(d.rule, Rule::LiveWindow { window, .. } if window.zone == WindowZone::Client));
    }

    #[test]
    fn categories_newsletter_rating_platform() {
        let s = Schedule::default_in(Paris);
        let mut f = facts("2026-11-24T12:30:00+01:00", None, &[]);
        f.category = Category::Newsletter;
        assert_eq!(decide(&s, &[], &f).kind, DecisionKind::Muted);
        f.category = Category::Rating;
        let d = decide(&s, &[], &f);
        assert_eq!((d.kind, d.release_at), (DecisionKind::Held, Some(utc("2026-11-27T17:00:00+01:00"))));
        assert_eq!(d.rule, Rule::Rating);
        f.category = Category::Platform;
        let d = decide(&s, &[], &f);
        assert_eq!((d.kind, d.release_at), (DecisionKind::Held, Some(utc("2026-11-24T13:00:00+01:00"))));
    }

    /// The rule as stored (JSON), to check what travels with it.
    fn lull_words_free_reason(rule: &Rule) -> String {
        serde_json::to_string(rule).expect("json")
    }

    #[test]
    fn vip_urgent_word_bypasses_within_quota() {
        let s = Schedule::default_in(Paris);
        let vip = client("Acme", Tier::Vip);
        let mut f = facts("2026-11-24T10:15:00+01:00", Some(&vip), &[]);
        f.body = "Production is DOWN, need help ASAP";
        let d = decide(&s, &[], &f);
        assert_eq!(d.kind, DecisionKind::Bypass);
        assert_eq!(d.rule, Rule::Urgent { client: "Acme".into(), word: "asap".into(), used: 1, quota: 3, after_hours: false });
        // At 21:00, no focus on: it reaches the freelancer after hours, and is said so.
        let mut evening = facts("2026-11-24T21:00:00+01:00", Some(&vip), &[]);
        evening.body = "Production is DOWN, need help ASAP";
        let d = decide(&s, &[], &evening);
        assert_eq!(d.rule, Rule::Urgent { client: "Acme".into(), word: "asap".into(), used: 1, quota: 3, after_hours: true });
        let said = lull_words_free_reason(&d.rule);
        assert!(said.contains("\"after_hours\":true"), "{said}");
        // A decision stored before the field existed still reads (as through focus).
        let old: Rule = serde_json::from_str(r#"{"rule":"urgent","client":"Acme","word":"asap","used":1,"quota":3}"#).expect("old rule");
        assert!(matches!(old, Rule::Urgent { after_hours: false, .. }));
        f.bypasses_today = 3;
        let d = decide(&s, &[], &f);
        assert_eq!(d.kind, DecisionKind::Held);
        assert!(
            matches!(&d.rule, Rule::QuotaExhausted { client, quota: 3, trigger: Trigger::Word { word }, held_by }
                if client == "Acme" && word == "asap" && matches!(**held_by, Rule::FocusBlock { .. })),
            "{:?}",
            d.rule
        );
        // A normal client's "urgent" does not break through.
        let normal = client("Acme", Tier::Normal);
        let mut f = facts("2026-11-24T10:15:00+01:00", Some(&normal), &[]);
        f.title = "URGENT";
        assert_eq!(decide(&s, &[], &f).kind, DecisionKind::Held);
    }

    #[test]
    fn third_attempt_in_fifteen_minutes_bypasses_but_a_burst_does_not() {
        let s = Schedule::default_in(Paris);
        let acme = client("Acme", Tier::Normal);
        let h = [utc("2026-11-24T10:02:00+01:00"), utc("2026-11-24T10:07:00+01:00")];
        let d = decide(&s, &[], &facts("2026-11-24T10:12:00+01:00", Some(&acme), &h));
        assert_eq!(d.kind, DecisionKind::Bypass);
        assert!(
            matches!(&d.rule, Rule::Retry { sender, attempts, used: 1, quota: 3, after_hours: false } if sender == "jane@acme.com" && attempts.len() == 3)
        );
        // A chat burst: five lines within a minute, then one more line.
        let burst: Vec<_> = (0..5).map(|i| utc("2026-11-24T10:00:00+01:00") + Duration::seconds(10 * i)).collect();
        assert_eq!(decide(&s, &[], &facts("2026-11-24T10:00:55+01:00", Some(&acme), &burst)).kind, DecisionKind::Held);
        assert_eq!(decide(&s, &[], &facts("2026-11-24T10:03:00+01:00", Some(&acme), &burst)).kind, DecisionKind::Held);
    }

    /// Audit defect 6: three messages from a stranger three minutes apart broke through focus.
    #[test]
    fn a_stranger_trying_again_is_held_unless_the_user_allows_it() {
        let mut s = Schedule::default_in(Paris);
        let h = [utc("2026-11-24T10:02:00+01:00"), utc("2026-11-24T10:05:00+01:00")];
        let d = decide(&s, &[], &facts("2026-11-24T10:08:00+01:00", None, &h));
        assert_eq!((d.kind, d.rule), (DecisionKind::Held, Rule::FocusBlock { block: s.focus[0], until: utc("2026-11-24T12:00:00+01:00") }));
        s.strangers_may_retry = true;
        assert_eq!(decide(&s, &[], &facts("2026-11-24T10:08:00+01:00", None, &h)).kind, DecisionKind::Bypass);
        // An old schedule document, without the setting, keeps strangers out.
        let old: Schedule = serde_json::from_str(
            &serde_json::to_string(&Schedule::default_in(Paris)).expect("json").replace(",\"strangers_may_retry\":false", ""),
        )
        .expect("old schedule");
        assert!(!old.strangers_may_retry);
    }

    #[test]
    fn manual_session_holds_outside_blocks() {
        let s = Schedule::default_in(Paris);
        let session = FocusSession { started_at: utc("2026-11-24T12:10:00+01:00"), ends_at: utc("2026-11-24T13:40:00+01:00") };
        let d = decide(&s, &[session], &facts("2026-11-24T12:30:00+01:00", None, &[]));
        assert_eq!(d.kind, DecisionKind::Held);
        assert_eq!(d.rule, Rule::ManualFocus { until: utc("2026-11-24T13:40:00+01:00") });
    }

    #[test]
    fn replan_never_releases_in_the_past() {
        let mut s = Schedule::default_in(Paris);
        let received = utc("2026-11-24T10:15:00+01:00");
        s.digests = vec!["10:30".parse().expect("t"), "16:00".parse().expect("t")];
        let now = utc("2026-11-24T11:00:00+01:00");
        assert_eq!(replan_release(&s, &Rule::AfterHours, received, now), utc("2026-11-24T16:00:00+01:00"));
        let now = utc("2026-11-24T10:20:00+01:00");
        assert_eq!(replan_release(&s, &Rule::AfterHours, received, now), utc("2026-11-24T10:30:00+01:00"));
    }
}
