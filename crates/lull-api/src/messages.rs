//! Messages: the inbox, triage, and "why was this held?".

use chrono::{DateTime, Utc};
use lull_core::Rule;
use lull_core::autoreply::{NoReply, ReplyLang};
use lull_core::model::{Category, DecisionKind};
use lull_core::phrase::Phrase;
use serde::{Deserialize, Serialize};

use crate::schedule::ScheduleUpdate;

/// "What would happen to such a message at that time?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExplainQuery {
    pub from: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub category: Option<Category>,
    /// The channel it would arrive on, for `channel:` identities.
    pub channel: Option<String>,
    /// The desktop app it would come from, for `app:` identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub app: Option<String>,
    /// Decide as if it came from this client, whatever `from` says (previews).
    #[serde(default)]
    pub client: Option<String>,
    /// Decide under this change of the schedule instead of the saved one (previews of edits).
    #[serde(default)]
    pub schedule: Option<ScheduleUpdate>,
    /// Word an availability reply with this template instead of the saved one (previews of
    /// edits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reply_template: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Explanation {
    pub at: DateTime<Utc>,
    pub client: Option<String>,
    /// The identity that attributed the message, e.g. `domain:acme.com`.
    pub matched: Option<String>,
    pub category: Category,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub rule: Rule,
    /// Whether an email like this one would get an availability reply, and its text.
    pub auto_reply: ReplyPreview,
}

/// An availability reply as it would be sent, or why none would be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyPreview {
    pub would_send: bool,
    pub why_not: Option<NoReply>,
    /// `why_not` in English, for scripts.
    pub reason: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    pub lang: Option<ReplyLang>,
    /// The reply's text, in the client's language.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxQuery {
    #[serde(default)]
    pub held_only: bool,
    /// A client name, or `Unknown`.
    pub client: Option<String>,
    pub search: Option<String>,
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub before: Option<Cursor>,
    /// Whether this listing is the user looking at the inbox (recorded as a check).
    #[serde(default)]
    pub record_check: bool,
    /// Only messages that interrupted (live and bypass).
    #[serde(default)]
    pub interruptions_only: bool,
    /// The archive instead of the inbox.
    #[serde(default)]
    pub archived: bool,
    /// Only snoozed messages (the Snoozed view).
    #[serde(default)]
    pub snoozed_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageView {
    pub id: i64,
    pub channel: String,
    pub client: Option<String>,
    pub sender: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub category: Category,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub rule: Rule,
    pub digest_id: Option<i64>,
    pub read: bool,
    pub archived: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The app that posted it (desktop and phone notifications).
    pub app: Option<String>,
    /// It can be answered from Lull (a phone notification with a quick reply).
    pub can_reply: bool,
    /// It never rang (posted silently on the phone).
    pub silent: bool,
    /// When it was dismissed on the phone, held.
    pub dismissed_at: Option<DateTime<Utc>>,
    /// The availability reply Lull sent (or owes) its sender: an outgoing message beside it.
    pub auto_reply: Option<AutoReplyView>,
    /// The response clock of the platform that relayed it.
    pub clock: Option<crate::platforms::ClockView>,
}

/// Where an availability reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AutoReplyState {
    /// Waiting to be sent (new, or retrying).
    Queued,
    Sent,
    /// Given up: the problem says why.
    Failed,
}

/// An availability reply, as the inbox shows it under the message it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AutoReplyView {
    pub to: String,
    pub subject: String,
    pub lang: ReplyLang,
    pub state: AutoReplyState,
    /// When it was sent or given up; when it was queued while it waits.
    pub at: DateTime<Utc>,
    /// The text that was sent.
    pub text: Option<String>,
    pub attempts: u32,
    pub problem: Option<Phrase>,
    /// `problem` in English, for scripts.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxPage {
    pub messages: Vec<MessageView>,
    pub next: Option<Cursor>,
}

/// The user opened Lull (`source`: where, e.g. `ui` or `inbox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct RecordOpen {
    pub source: String,
}

/// Marks messages read, or unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct MarkRead {
    pub ids: Vec<i64>,
    pub read: bool,
}

/// Archives messages, or brings them back to the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Archive {
    pub ids: Vec<i64>,
    pub archived: bool,
}

/// Answers a message from Lull, through its channel (a phone notification's quick reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Reply {
    pub id: i64,
    pub text: String,
}

/// Puts messages out of sight (into the Snoozed view) until `until`, or the next digest. A held
/// message goes in the first digest after its snooze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Snooze {
    pub ids: Vec<i64>,
    /// When they come back; the next digest when absent.
    #[serde(default)]
    #[ts(optional)]
    pub until: Option<DateTime<Utc>>,
}

/// How many messages a triage action changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Updated {
    pub count: u32,
}
