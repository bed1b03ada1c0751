//! Digest planning: which held messages a wake-up releases, and how missed slots merge.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A digest released later than this after its slot counts as caught up ("missed while away").
pub const LATE_AFTER: Duration = Duration::minutes(2);

/// What one wake-up releases: every held message whose release time has come, as one digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuePlan {
    /// The latest slot among the released messages; the digest is named after it.
    pub slot_at: DateTime<Utc>,
    /// How many distinct slots the digest covers; more than one when the machine was off or
    /// asleep through some of them.
    pub merged_slots: u32,
}

/// Plans the digest released at `now` from the release times of the pending held messages.
/// Returns `None` when nothing is due. Slots missed while the machine slept merge into one.
pub fn plan_due(pending_release_times: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DuePlan> {
    let due: BTreeSet<DateTime<Utc>> = pending_release_times.iter().copied().filter(|t| *t <= now).collect();
    let slot_at = *due.last()?;
    Some(DuePlan { slot_at, merged_slots: due.len() as u32 })
}

/// What a digest holds: its messages, from how many clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestCounts {
    pub messages: u32,
    /// Distinct clients, "Unknown" counting as one.
    pub clients: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    #[test]
    fn missed_slots_merge_into_one_digest() {
        let pending = [utc("2026-11-24T09:00:00Z"), utc("2026-11-24T13:00:00Z"), utc("2026-11-24T13:00:00Z"), utc("2026-11-24T17:00:00Z")];
        assert_eq!(plan_due(&pending, utc("2026-11-24T08:59:59Z")), None);
        assert_eq!(
            plan_due(&pending, utc("2026-11-24T09:00:00Z")),
            Some(DuePlan { slot_at: utc("2026-11-24T09:00:00Z"), merged_slots: 1 })
        );
        assert_eq!(
            plan_due(&pending, utc("2026-11-24T16:00:00Z")),
            Some(DuePlan { slot_at: utc("2026-11-24T13:00:00Z"), merged_slots: 2 })
        );
    }
}
