//! The freelancer's week: reading and changing the schedule.

use chrono::{DateTime, Utc};
use lull_core::Schedule;
use serde::{Deserialize, Serialize};

/// Changes to the schedule; fields left out keep their value. Ranges are written as on the
/// command line (`mon-fri 09:00-12:00`), times as `HH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScheduleUpdate {
    pub tz: Option<String>,
    pub focus: Option<Vec<String>>,
    pub work: Option<Vec<String>>,
    pub digests: Option<Vec<String>>,
    /// `fri 17:00`: when ratings and reviews are released.
    pub weekly_digest: Option<String>,
    pub urgent_words: Option<Vec<String>>,
    /// Whether senders no client is known by may break through focus by trying again.
    #[serde(default)]
    pub strangers_may_retry: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScheduleView {
    #[serde(flatten)]
    pub schedule: Schedule,
    pub next_digest: DateTime<Utc>,
    /// How many held messages moved to a new release time (after `schedule set`).
    pub replanned: u32,
}
