//! The engine's state at a glance (`lull status`, the tray, the top of the UI) and manual focus
//! sessions.

use chrono::{DateTime, Utc};
pub use lull_core::glance::StatusLine;
use serde::{Deserialize, Serialize};

/// Starts a manual focus session of `minutes` (at most 12 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FocusStart {
    pub minutes: u32,
}

/// Where focus comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename_all = "snake_case")]
pub enum FocusSource {
    /// A manual focus session ("focus 90 min now").
    Session,
    /// A focus block of the schedule.
    Block,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FocusView {
    pub in_focus: bool,
    pub source: Option<FocusSource>,
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
    /// What a glance says, line by line; worded at the edges.
    pub lines: Vec<StatusLine>,
    /// The same in English: "In focus until 12:00. Nothing urgent. Next digest at 13:00: …".
    pub summary: String,
    /// The last upgrade of the database, until the engine has started once after it.
    #[serde(default)]
    pub upgrade: Option<UpgradeView>,
}

/// An upgrade of the database: from which schema to which, when, and the copy kept from before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UpgradeView {
    pub from: u32,
    pub to: u32,
    pub at: DateTime<Utc>,
    /// The copy of the database from before it (`lull.db.before-vN`).
    pub backup: String,
}
