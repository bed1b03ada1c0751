//! Channels: where messages come from, their settings, their live state and their checks.

use chrono::{DateTime, Utc};
use lull_core::model::ChannelKind;
use serde::{Deserialize, Serialize};

/// Where a channel's password is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename_all = "snake_case")]
pub enum SecretStore {
    /// The OS keyring (the Secret Service on Linux).
    Keyring,
    /// A file in the data directory readable by the user alone, only when asked for.
    File,
}

impl std::str::FromStr for SecretStore {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "keyring" => Ok(SecretStore::Keyring),
            "file" => Ok(SecretStore::File),
            _ => Err(format!("unknown secret store {s:?}: use keyring or file")),
        }
    }
}

/// A channel to add, or the new settings of one (edit). Fields that do not apply to the
/// channel's kind are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelSpec {
    pub kind: ChannelKind,
    pub name: String,
    /// Feeds: the feed's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url: Option<String>,
    /// Feeds: seconds between polls (default 900, at least 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub every_secs: Option<u64>,
    /// Webhooks: a payload preset (github, gitlab, jira).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub preset: Option<String>,
    /// Webhooks: `FIELD=/json/pointer|…` mappings (fields: id, from, title, body, url, time,
    /// category).
    #[serde(default)]
    pub map: Vec<String>,
    /// Desktop: apps whose notifications are not taken.
    #[serde(default)]
    pub ignore_apps: Vec<String>,
    /// Desktop: be the desktop's notification daemon (for desktops without one: sway, i3),
    /// showing what passes and holding the rest, instead of watching another daemon.
    #[serde(default)]
    pub gatekeeper: bool,
    /// IMAP: the server, e.g. imap.fastmail.com.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub host: Option<String>,
    /// IMAP: the port (default 993 with TLS, 143 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub port: Option<u16>,
    /// IMAP: the user name, usually the email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user: Option<String>,
    /// IMAP: `tls` (default), `starttls` or `none` (only for a server on this machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tls: Option<String>,
    /// IMAP: the folders to watch (default INBOX).
    #[serde(default)]
    pub folders: Vec<String>,
    /// IMAP: a PEM file of certificate authorities to trust instead of the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ca_file: Option<String>,
    /// IMAP: the password. Write-only: kept in the keyring (or a private file), never shown,
    /// never exported.
    #[serde(default, skip_serializing)]
    #[ts(optional)]
    pub password: Option<String>,
    /// Where to keep the password: `keyring` (default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub secret_store: Option<SecretStore>,
}

impl Default for ChannelSpec {
    fn default() -> Self {
        ChannelSpec {
            kind: ChannelKind::Webhook,
            name: String::new(),
            url: None,
            every_secs: None,
            preset: None,
            map: vec![],
            ignore_apps: vec![],
            gatekeeper: false,
            host: None,
            port: None,
            user: None,
            tls: None,
            folders: vec![],
            ca_file: None,
            password: None,
            secret_store: None,
        }
    }
}

/// A kind of channel this engine has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelKindView {
    pub kind: ChannelKind,
    /// Whether its channels keep a password (in the keyring).
    pub secret: bool,
    /// Webhooks: the senders whose payloads Lull knows (`--preset`).
    pub presets: Vec<String>,
}

/// Checks a channel now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelTest {
    pub name: String,
}

/// What a channel's connector is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename_all = "snake_case")]
pub enum ChannelState {
    /// Webhooks: receiving when senders post; nothing runs.
    Listening,
    /// The connector is not running (Lull is not serving, or it is starting).
    Stopped,
    Connecting,
    Syncing,
    Ok,
    /// Failed; tried again at `next_retry_at`.
    Retrying,
    /// Cannot work as configured: edit the channel.
    Failed,
}

/// How far a sync has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncProgress {
    pub done: u64,
    pub total: Option<u64>,
}

/// What `channel test` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelTestReport {
    pub name: String,
    pub ok: bool,
    /// One line: what works, or what is wrong and what to do.
    pub summary: String,
    /// What was checked, step by step.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// Where a webhook channel receives, e.g. `/hooks/acme`.
    pub path: Option<String>,
    /// One line saying what the channel listens to.
    pub about: String,
    /// The settings, as `channel edit` takes them.
    pub spec: ChannelSpec,
    /// The last recorded health: `ok` or `error` (kept across restarts).
    pub health: String,
    /// What the connector is doing now.
    pub state: ChannelState,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub messages: u64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelCreated {
    pub channel: ChannelView,
    /// The webhook's bearer token. Shown once: Lull keeps only its hash.
    pub token: Option<String>,
}
