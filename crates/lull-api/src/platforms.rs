//! Freelance platforms and their response clocks, as the API shows and changes them.

use chrono::{DateTime, Utc};
use lull_core::response::ClockState;
use serde::{Deserialize, Serialize};

/// A platform Lull reads relayed messages from, and the clock it watches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PlatformView {
    /// `Fiverr`, `Malt`, `Upwork`.
    pub name: String,
    /// How long the platform gives to answer, in seconds; `None`: Lull watches no clock.
    pub within_secs: Option<i64>,
    /// Lull's default for it, in seconds.
    pub default_secs: i64,
    /// Whether the clock is Lull's default (the user changed nothing).
    pub is_default: bool,
}

/// Changes one platform's clock: a length, none, or back to Lull's default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PlatformSet {
    pub platform: String,
    /// The clock in seconds (15 minutes to 14 days); `None` turns it off.
    pub within_secs: Option<i64>,
    /// Back to Lull's default (`within_secs` is then ignored).
    #[serde(default)]
    #[ts(optional, as = "Option<bool>")]
    pub reset: bool,
}

/// A relayed message's response clock, as the inbox shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClockView {
    pub platform: String,
    pub within_secs: i64,
    /// When the clock runs out.
    pub reply_by: DateTime<Utc>,
    /// When a held message breaks through for it, and whether it did.
    pub ring_at: Option<DateTime<Utc>>,
    pub rung_at: Option<DateTime<Utc>>,
    /// Kept (archived before it ran out), missed, or running, at the time of the answer.
    pub state: ClockState,
}

/// The week's response clocks: kept (the message archived in time), missed, still running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClockCounts {
    pub kept: u32,
    pub missed: u32,
    pub running: u32,
}
