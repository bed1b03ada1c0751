//! Availability replies: the user's settings (how often one sender may be told, the templates
//! per language) and what Lull's own templates say.

use lull_core::autoreply::{ReplyLang, ReplySettings};
use serde::{Deserialize, Serialize};

/// The reply settings, with what the user needs to edit them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RepliesView {
    pub settings: ReplySettings,
    /// Lull's own template in each language (used where the user has none).
    pub defaults: Vec<ReplyTemplate>,
    /// The placeholders a template may use, without braces.
    pub placeholders: Vec<String>,
    /// The channels that send replies, and the address each sends from.
    pub senders: Vec<ReplySender>,
    /// The clients who get replies.
    pub clients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyTemplate {
    pub lang: ReplyLang,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplySender {
    pub channel: String,
    pub address: String,
}
