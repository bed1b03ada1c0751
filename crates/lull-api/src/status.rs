//! The engine's state at a glance (`lull status`, the tray, the top of the UI) and manual focus
//! sessions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Starts a manual focus session of `minutes` (at most 12 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FocusStart {
    pub minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FocusView {
    pub in_focus: bool,
    /// `session` (manual) or `block` (from the schedule).
    pub source: Option<String>,
    pub until: Option<DateTime<Utc>>,
    /// The schedule's block in force, e.g. `mon-fri 09:00-12:00`.
    pub block: Option<String>,
}

/// The engine's state for a glance (the tray, `lull status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StatusView {
    pub now: DateTime<Utc>,
    pub tz: String,
    pub focus: FocusView,
    pub held: u32,
    pub next_digest: DateTime<Utc>,
    /// Held messages the next digest will release, and from how many clients.
    pub next_digest_messages: u32,
    pub next_digest_clients: u32,
    pub bypasses_today: u32,
    /// The last notification error, if the last notification failed.
    pub notifications_error: Option<String>,
    /// One reassuring sentence: "In focus until 12:00. Nothing urgent. Next digest at 13:00: …".
    pub summary: String,
}
