//! The whole configuration as one document (export, import), the demo week, and where this
//! Lull keeps its data.

use lull_core::Schedule;
use serde::{Deserialize, Serialize};

use crate::channels::{ChannelCreated, ChannelSpec};
use crate::clients::ClientSpec;

/// Version and whereabouts of this Lull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InfoView {
    pub version: String,
    /// The commit this build was made from, when the build said (`git describe`).
    pub commit: Option<String>,
    pub data_dir: String,
    pub database: String,
    pub schema: u32,
    pub messages: u64,
    /// Where the engine's loopback server listens (webhooks post there), when it runs.
    pub server_url: Option<String>,
    /// The demo is in this data directory, and can be removed (`demo_remove`).
    pub demo: bool,
}

/// The `format` of a configuration document.
pub const CONFIG_FORMAT: &str = "lull-config";

/// Lull's whole configuration, for export and import (`format` is always `lull-config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ConfigDocument {
    pub format: String,
    pub version: u32,
    pub schedule: Schedule,
    pub clients: Vec<ClientSpec>,
    pub channels: Vec<ChannelSpec>,
    /// Availability replies' settings (templates, how often); left out by older exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub replies: Option<lull_core::autoreply::ReplySettings>,
    /// The platforms' response clocks the user changed; left out by older exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub response_clocks: Option<lull_core::response::ClockSettings>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportReport {
    pub clients_added: u32,
    pub clients_updated: u32,
    /// New channels, with their tokens (shown once).
    pub channels_added: Vec<ChannelCreated>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DemoReport {
    pub clients: u32,
    pub channels: u32,
    pub messages: u32,
    pub digests: u32,
}
