//! Push targets: where Lull rings the phone (an ntfy topic, a program of the user's), and how
//! their pushes fare.

use chrono::{DateTime, Utc};
use lull_core::phrase::Phrase;
use lull_core::push::{PushKind, PushSettings};
use serde::{Deserialize, Serialize};

use crate::channels::SecretStore;

/// A push target to add: its name, its kind's settings (flattened, tagged with `kind`) and
/// what it gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushSpec {
    pub name: String,
    #[serde(flatten)]
    pub settings: PushSettings,
    /// Push every digest too ("13:00 digest: 7 messages from 3 clients").
    #[serde(default = "yes")]
    pub digests: bool,
    /// Send only the client and the decision, never a message's text.
    #[serde(default)]
    pub private: bool,
    /// An ntfy access token (`Authorization: Bearer`). Write-only: kept in the keyring (or a
    /// private file), never shown.
    #[serde(default, skip_serializing)]
    #[ts(optional)]
    pub token: Option<String>,
    /// Where to keep the token: `keyring` (default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub secret_store: Option<SecretStore>,
}

fn yes() -> bool {
    true
}

impl PushSpec {
    pub fn new(name: impl Into<String>, settings: PushSettings) -> PushSpec {
        PushSpec { name: name.into(), settings, digests: true, private: false, token: None, secret_store: None }
    }
}

/// A push target and how its pushes fare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushTargetView {
    pub id: i64,
    pub name: String,
    pub kind: PushKind,
    pub settings: PushSettings,
    pub digests: bool,
    pub private: bool,
    /// An access token is kept for it.
    pub protected: bool,
    pub created_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// What went wrong last, as the target said it.
    pub last_error: Option<Phrase>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Pushes waiting to be sent (new, or retrying after a failure).
    pub queued: u64,
    pub sent: u64,
    /// Pushes dropped because they would have arrived too late.
    pub dropped: u64,
    /// Pushes given up (the target refused them).
    pub failed: u64,
}

/// Sends a test push now, outside the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushTest {
    pub name: String,
}

/// Removes a push target; the pushes it still owed go with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushRemove {
    pub name: String,
}

/// What the target answered a test push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PushTestReport {
    pub name: String,
    pub ok: bool,
    /// The target's answer ("200 OK, id …") or why it failed.
    pub answer: Phrase,
}
