//! Channels: where messages come from, their settings, their live state and their checks.

use chrono::{DateTime, Utc};
use lull_core::channel::{ChannelHealth, ChannelKind, ChannelSettings, WebhookPreset};
use lull_core::phrase::Phrase;
use serde::{Deserialize, Deserializer, Serialize};

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
    type Err = Phrase;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "keyring" => Ok(SecretStore::Keyring),
            "file" => Ok(SecretStore::File),
            _ => Err(Phrase::new("value.unknown_secret_store").with("value", format!("{s:?}")).with("expected", "keyring file")),
        }
    }
}

/// A channel to add, or the new settings of one (edit): its name and its kind's settings, in
/// one JSON object (`{"name": "status", "kind": "feed", "url": "https://…", "every_secs": 900}`).
///
/// Reading is lenient with what older Lulls wrote (every kind's fields, empty for the other
/// kinds) and strict with the rest: a field of another kind that is set is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct ChannelSpec {
    pub name: String,
    #[serde(flatten)]
    pub settings: ChannelSettings,
    /// For kinds that keep a password (IMAP). Write-only: kept in the keyring (or a private
    /// file), never shown, never exported.
    #[serde(skip_serializing)]
    #[ts(optional)]
    pub password: Option<String>,
    /// Where to keep the password: `keyring` (default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub secret_store: Option<SecretStore>,
}

impl ChannelSpec {
    /// A channel called `name` with `settings`, no password.
    pub fn new(name: impl Into<String>, settings: ChannelSettings) -> ChannelSpec {
        ChannelSpec { name: name.into(), settings, password: None, secret_store: None }
    }

    pub fn kind(&self) -> ChannelKind {
        self.settings.kind()
    }
}

impl<'de> Deserialize<'de> for ChannelSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut object = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let mut take = |key: &str| object.remove(key).filter(|v| !v.is_null());
        let name = take("name").ok_or_else(|| D::Error::missing_field("name"))?;
        let name: String = serde_json::from_value(name).map_err(D::Error::custom)?;
        let password: Option<String> = take("password").map(serde_json::from_value).transpose().map_err(D::Error::custom)?;
        let secret_store = take("secret_store").map(serde_json::from_value).transpose().map_err(D::Error::custom)?;
        let kind: ChannelKind = match object.get("kind") {
            Some(kind) => serde_json::from_value(kind.clone()).map_err(D::Error::custom)?,
            None => return Err(D::Error::missing_field("kind")),
        };
        let own = ChannelSettings::fields(kind);
        let mut misplaced = None;
        object.retain(|key, value| {
            if key == "kind" || own.contains(&key.as_str()) {
                return true;
            }
            let of_another_kind = ChannelKind::ALL.iter().any(|k| ChannelSettings::fields(*k).contains(&key.as_str()));
            if of_another_kind && !is_empty(value) {
                misplaced.get_or_insert_with(|| key.clone());
            }
            false
        });
        if let Some(field) = misplaced {
            return Err(D::Error::custom(format!("`{field}` does not apply to {kind} channels")));
        }
        let settings = serde_json::from_value(serde_json::Value::Object(object)).map_err(D::Error::custom)?;
        Ok(ChannelSpec { name, settings, password, secret_store })
    }
}

/// What older Lulls wrote for the fields of other kinds.
fn is_empty(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A kind of channel this engine has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelKindView {
    pub kind: ChannelKind,
    /// Whether its channels keep a password (in the keyring).
    pub secret: bool,
    /// Whether its channels receive over Lull's server (`POST /hooks/<name>`) with a token.
    pub receives: bool,
    /// Webhooks: the senders whose payloads Lull knows (`--preset`).
    pub presets: Vec<WebhookPreset>,
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
    /// Nothing wrong, but its source is out of reach for now (`waiting_for` says which).
    Waiting,
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
    /// What works, or what is wrong and what to do.
    pub outcome: Phrase,
    /// What was checked, step by step.
    pub checks: Vec<Phrase>,
    /// `outcome` in English, for scripts.
    pub summary: String,
    /// `checks` in English, for scripts.
    pub steps: Vec<String>,
}

impl ChannelTestReport {
    /// The report of `name`'s checks, ending in `outcome` (an error when the channel cannot work).
    pub fn new(name: String, checks: Vec<Phrase>, outcome: Result<Phrase, Phrase>) -> ChannelTestReport {
        let english = lull_words::english();
        let (ok, outcome) = match outcome {
            Ok(p) => (true, p),
            Err(p) => (false, p),
        };
        ChannelTestReport {
            name,
            ok,
            summary: english.phrase(&outcome),
            steps: checks.iter().map(|c| english.phrase(c)).collect(),
            outcome,
            checks,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// Where a webhook channel receives, e.g. `/hooks/acme`.
    pub path: Option<String>,
    /// What the channel listens to.
    pub description: Phrase,
    /// `description` in English, for scripts.
    pub about: String,
    /// The settings, as `channel edit` takes them.
    pub spec: ChannelSpec,
    /// The last recorded health (kept across restarts).
    pub health: ChannelHealth,
    /// What the connector is doing now.
    pub state: ChannelState,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    /// What a waiting channel waits for ("the phone is out of reach").
    pub waiting_for: Option<Phrase>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// What went wrong last.
    pub last_problem: Option<Phrase>,
    /// `last_problem` in English, for scripts.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub messages: u64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// How its availability replies fare, when it sends them.
    pub replies: Option<ReplyHealth>,
}

/// A channel's availability replies: sent, waiting (new or retrying), given up, and the last
/// problem since the last one sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyHealth {
    /// The address they are sent from.
    pub from: String,
    pub sent: u64,
    pub queued: u64,
    pub failed: u64,
    pub last_problem: Option<Phrase>,
    /// `last_problem` in English, for scripts.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelCreated {
    pub channel: ChannelView,
    /// The webhook's bearer token. Shown once: Lull keeps only its hash.
    pub token: Option<String>,
}

#[cfg(test)]
mod tests {
    use lull_core::channel::{DesktopSettings, FeedSettings};
    use serde_json::json;

    use super::*;

    #[test]
    fn specs_are_the_name_beside_the_settings() {
        let spec = ChannelSpec::new("status", ChannelSettings::Feed(FeedSettings { url: "https://a.example/f".into(), every_secs: 900 }));
        let json = serde_json::to_value(&spec).expect("json");
        assert_eq!(json, json!({"name": "status", "kind": "feed", "url": "https://a.example/f", "every_secs": 900}));
        assert_eq!(serde_json::from_value::<ChannelSpec>(json).expect("back"), spec);
        let with_password = ChannelSpec { password: Some("hunter2".into()), ..spec };
        assert!(!serde_json::to_string(&with_password).expect("json").contains("hunter2"), "never sent back");
    }

    #[test]
    fn older_specs_are_read_and_misplaced_fields_refused() {
        // What Lull wrote before settings were typed: every kind's fields, empty for the others.
        let old = json!({"kind": "desktop", "name": "desk", "map": [], "ignore_apps": ["Power"], "gatekeeper": true, "folders": []});
        let spec: ChannelSpec = serde_json::from_value(old).expect("old spec");
        assert_eq!(spec.settings, ChannelSettings::Desktop(DesktopSettings { ignore_apps: vec!["Power".into()], gatekeeper: true }));
        let wrong = serde_json::from_value::<ChannelSpec>(json!({"kind": "webhook", "name": "x", "url": "https://a.example/f"}));
        assert!(wrong.expect_err("a feed address on a webhook").to_string().contains("does not apply to webhook channels"));
        assert!(serde_json::from_value::<ChannelSpec>(json!({"kind": "pigeon", "name": "x"})).is_err());
        let ignored = json!({"kind": "webhook", "name": "x", "comment": "fields no kind has are ignored"});
        assert!(serde_json::from_value::<ChannelSpec>(ignored).is_ok());
    }
}
