//! Push targets: where Lull rings the user's phone, and the rules of the outbox that carries
//! every ring (desktop notifications and pushes alike).
//!
//! A target is [ntfy](https://docs.ntfy.sh/publish/) (a topic on a self-hosted server or
//! ntfy.sh, whose apps ring Android and iOS phones) or a program of the user's that gets each
//! push as JSON on its standard input (signal-cli, matrix-commander, a home script). What a
//! push says is worded at the edge; what is pure is here: which priority each interruption
//! rings with, how long a ring stays worth delivering, and how failed deliveries back off.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::phrase::{Phrase, Said};
use crate::stats::InterruptionKind;

pub type PushTargetId = i64;

/// A target's settings: one variant per kind, tagged with `kind` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PushSettings {
    Ntfy(NtfySettings),
    Command(CommandSettings),
}

crate::model::vocabulary!(
    /// The kind of a push target.
    PushKind, "push kind" { Ntfy = "ntfy", Command = "command" }
);

impl PushSettings {
    pub fn kind(&self) -> PushKind {
        match self {
            PushSettings::Ntfy(_) => PushKind::Ntfy,
            PushSettings::Command(_) => PushKind::Command,
        }
    }

    /// The settings as a user gave them, checked and trimmed; the error names the field at
    /// fault.
    pub fn validated(self) -> Result<PushSettings, PushSettingsError> {
        match self {
            PushSettings::Ntfy(n) => n.validated().map(PushSettings::Ntfy),
            PushSettings::Command(c) => c.validated().map(PushSettings::Command),
        }
    }
}

/// An ntfy topic: `POST {server}/{topic}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NtfySettings {
    /// The server's address, e.g. `https://ntfy.sh` or a self-hosted one.
    #[serde(default)]
    pub server: String,
    /// The topic the phone subscribes to. On a public server anyone who knows it can read it:
    /// choose one nobody will guess, or protect it with an access token.
    #[serde(default)]
    pub topic: String,
}

impl NtfySettings {
    fn validated(self) -> Result<NtfySettings, PushSettingsError> {
        let server = self.server.trim().trim_end_matches('/');
        let lower = server.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
        if rest.is_none_or(|host| host.is_empty() || host.contains(['?', '#', ' '])) {
            return Err(PushSettingsError::NotAServer { server: self.server.trim().to_owned() });
        }
        let topic = self.topic.trim();
        // ntfy's own rule for topic names.
        if topic.is_empty() || topic.len() > 64 || !topic.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(PushSettingsError::BadTopic { topic: topic.to_owned() });
        }
        Ok(NtfySettings { server: server.to_owned(), topic: topic.to_owned() })
    }

    /// Where pushes are posted.
    pub fn publish_url(&self) -> String {
        format!("{}/{}", self.server, self.topic)
    }
}

/// A program run once per push, with the push as JSON on its standard input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CommandSettings {
    /// The program (a path, or a name looked up in `PATH`).
    #[serde(default)]
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Killed, and the push retried later, when it runs longer than this.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

/// Programs get half a minute unless told otherwise.
pub const DEFAULT_COMMAND_TIMEOUT_SECS: u64 = 30;

fn default_timeout() -> u64 {
    DEFAULT_COMMAND_TIMEOUT_SECS
}

impl CommandSettings {
    fn validated(self) -> Result<CommandSettings, PushSettingsError> {
        let program = self.program.trim();
        if program.is_empty() {
            return Err(PushSettingsError::NoProgram);
        }
        if !(1..=600).contains(&self.timeout_secs) {
            return Err(PushSettingsError::Timeout { secs: self.timeout_secs });
        }
        Ok(CommandSettings { program: program.to_owned(), args: self.args, timeout_secs: self.timeout_secs })
    }
}

/// Why push settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushSettingsError {
    NotAServer { server: String },
    BadTopic { topic: String },
    NoProgram,
    Timeout { secs: u64 },
}

impl PushSettingsError {
    /// The settings field at fault, as in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            PushSettingsError::NotAServer { .. } => "server",
            PushSettingsError::BadTopic { .. } => "topic",
            PushSettingsError::NoProgram => "program",
            PushSettingsError::Timeout { .. } => "timeout_secs",
        }
    }
}

impl Said for PushSettingsError {
    fn phrase(&self) -> Phrase {
        match self {
            PushSettingsError::NotAServer { server } => Phrase::new("push.not_a_server").with("server", crate::week::v_quoted(server)),
            PushSettingsError::BadTopic { topic } => Phrase::new("push.bad_topic").with("topic", crate::week::v_quoted(topic)),
            PushSettingsError::NoProgram => Phrase::new("push.no_program"),
            PushSettingsError::Timeout { secs } => Phrase::new("push.bad_timeout").with("secs", secs),
        }
    }
}
crate::said_error!(PushSettingsError);

/// ntfy's priorities: 5 (max, may override Do Not Disturb where the user allows it) for what
/// broke through focus, 4 for a live message, 3 (default) for a digest.
pub fn priority(kind: InterruptionKind) -> u8 {
    match kind {
        InterruptionKind::Bypass => 5,
        InterruptionKind::Live => 4,
        InterruptionKind::Digest => 3,
    }
}

/// How late a message's ring may still be delivered. Past it, ringing would pull the user to
/// something already old: the ring is dropped and counted instead. Digests have no age limit;
/// a digest is dropped only once a newer one supersedes it.
pub fn expiry(kind: InterruptionKind, decided_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match kind {
        InterruptionKind::Live => Some(decided_at + Duration::minutes(30)),
        // What broke through focus stays worth knowing a little longer.
        InterruptionKind::Bypass => Some(decided_at + Duration::hours(2)),
        InterruptionKind::Digest => None,
    }
}

/// How long to wait before the next try after `attempts` failed ones: 5 s, 15 s, 45 s… at most
/// ten minutes apart.
pub fn retry_delay(attempts: u32) -> Duration {
    let secs = 5u64.saturating_mul(3u64.saturating_pow(attempts.saturating_sub(1).min(10)));
    Duration::seconds(secs.min(600) as i64)
}

/// A desktop notification that fails this many times is given up: a desktop without a
/// notification service fails every time, and pushes still ring the phone.
pub const DESKTOP_ATTEMPTS: u32 = 3;

/// Whether a push target name is acceptable: what the CLI types and the UI shows.
pub fn valid_target_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= 40 && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ntfy(server: &str, topic: &str) -> PushSettings {
        PushSettings::Ntfy(NtfySettings { server: server.into(), topic: topic.into() })
    }

    #[test]
    fn ntfy_settings_are_checked_and_trimmed() {
        let ok = ntfy(" https://ntfy.example.org/ ", " lull-7f3a ").validated().expect("valid");
        let PushSettings::Ntfy(n) = ok else { panic!("ntfy") };
        assert_eq!(n.publish_url(), "https://ntfy.example.org/lull-7f3a");
        assert_eq!(ntfy("ntfy.sh", "t").validated().expect_err("refused").field(), "server");
        assert_eq!(ntfy("https://", "t").validated().expect_err("refused").field(), "server");
        assert_eq!(ntfy("https://ntfy.sh", "a/b").validated().expect_err("refused").field(), "topic");
        assert_eq!(ntfy("https://ntfy.sh", "").validated().expect_err("refused").field(), "topic");
        assert_eq!(ntfy("https://ntfy.sh", &"x".repeat(65)).validated().expect_err("refused").field(), "topic");
    }

    #[test]
    fn command_settings_are_checked() {
        let cmd =
            |program: &str, timeout_secs| PushSettings::Command(CommandSettings { program: program.into(), args: vec![], timeout_secs });
        assert!(cmd("signal-cli", 30).validated().is_ok());
        assert_eq!(cmd("  ", 30).validated().expect_err("refused"), PushSettingsError::NoProgram);
        assert_eq!(cmd("x", 0).validated().expect_err("refused").field(), "timeout_secs");
        let defaulted: PushSettings = serde_json::from_str(r#"{"kind": "command", "program": "notify"}"#).expect("json");
        assert_eq!(defaulted, cmd("notify", DEFAULT_COMMAND_TIMEOUT_SECS));
    }

    #[test]
    fn retries_back_off_up_to_ten_minutes() {
        let secs: Vec<i64> = (1..=7).map(|n| retry_delay(n).num_seconds()).collect();
        assert_eq!(secs, [5, 15, 45, 135, 405, 600, 600]);
        assert_eq!(retry_delay(u32::MAX).num_seconds(), 600);
    }

    #[test]
    fn rings_expire_by_kind() {
        let t = DateTime::UNIX_EPOCH;
        assert_eq!(expiry(InterruptionKind::Live, t), Some(t + Duration::minutes(30)));
        assert!(expiry(InterruptionKind::Bypass, t) > expiry(InterruptionKind::Live, t));
        assert_eq!(expiry(InterruptionKind::Digest, t), None);
        assert_eq!([InterruptionKind::Bypass, InterruptionKind::Live, InterruptionKind::Digest].map(priority), [5, 4, 3]);
    }
}
