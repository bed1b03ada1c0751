//! A webhook channel's settings: how to read the JSON payloads posted to `/hooks/<name>`.

use serde::{Deserialize, Serialize};

crate::model::vocabulary!(
    /// A sender whose documented webhook payloads Lull knows how to read.
    WebhookPreset, "preset" { Github = "github", Gitlab = "gitlab", Jira = "jira" }
);

/// Without a preset or a mapping, a webhook reads Lull's own payload format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct WebhookSettings {
    /// Read a known sender's payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub preset: Option<WebhookPreset>,
    /// `FIELD=/json/pointer|…` for each field to read (id, from, title, body, url, time,
    /// category), over the preset's.
    #[serde(default)]
    pub map: Vec<String>,
}
