//! What the engine tells listeners (the UI over server-sent events, the desktop window) as it
//! happens.

use chrono::{DateTime, Utc};
use lull_core::model::DecisionKind;
use serde::{Deserialize, Serialize};

use crate::digests::DigestView;
use crate::status::FocusView;

/// One thing that happened in the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    MessageIngested {
        id: i64,
        client: Option<String>,
        decision: DecisionKind,
        release_at: Option<DateTime<Utc>>,
    },
    DigestReleased {
        digest: DigestView,
    },
    FocusChanged {
        focus: FocusView,
    },
    ScheduleChanged,
    ClientsChanged,
    ChannelsChanged,
    /// Messages were read, archived or snoozed: what waits may have changed.
    MessagesTriaged {
        count: u32,
    },
}
