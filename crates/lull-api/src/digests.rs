//! Digests: the held messages released together, and their history.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::messages::MessageView;

/// The digests released, most recent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestList {
    pub limit: u32,
}

/// One digest with its messages, grouped by client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestShow {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestView {
    pub id: i64,
    pub slot_at: DateTime<Utc>,
    pub released_at: DateTime<Utc>,
    pub manual: bool,
    pub merged_slots: u32,
    pub messages: u32,
    pub clients: u32,
    pub summary: String,
    pub notified_at: Option<DateTime<Utc>>,
    pub notify_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestGroup {
    pub client: Option<String>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestDetail {
    pub digest: DigestView,
    pub groups: Vec<DigestGroup>,
}
