//! An IMAP channel's settings: the server, the user and the folders to watch. The password is
//! never here: it is kept in the keyring (or, when asked, a private file).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::phrase::{Phrase, Said};

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(rename_all = "snake_case")]
pub enum TlsMode {
    /// TLS from the first byte (port 993).
    #[default]
    Tls,
    /// Plain, then upgraded with STARTTLS before logging in (port 143).
    Starttls,
    /// No encryption: accepted only for a server on this machine.
    None,
}

impl TlsMode {
    pub const ALL: &'static [TlsMode] = &[TlsMode::Tls, TlsMode::Starttls, TlsMode::None];
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::Tls => "tls",
            TlsMode::Starttls => "starttls",
            TlsMode::None => "none",
        }
    }
}

/// A TLS mode that is none of `tls`, `starttls` or `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTlsMode(pub String);

impl Said for UnknownTlsMode {
    fn phrase(&self) -> Phrase {
        Phrase::new("imap.unknown_tls").with("value", crate::week::v_quoted(&self.0))
    }
}

impl FromStr for TlsMode {
    type Err = UnknownTlsMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Ok(TlsMode::Tls),
            "starttls" => Ok(TlsMode::Starttls),
            "none" | "plain" => Ok(TlsMode::None),
            _ => Err(UnknownTlsMode(s.to_owned())),
        }
    }
}
impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
impl Serialize for TlsMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for TlsMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImapSettings {
    /// The server, e.g. imap.fastmail.com.
    #[serde(default)]
    pub host: String,
    /// The port; by default 993 with TLS, 143 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub port: Option<u16>,
    /// The user name, usually the email address.
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub tls: TlsMode,
    /// The folders to watch (INBOX unless told otherwise).
    #[serde(default)]
    pub folders: Vec<String>,
    /// A PEM file of certificate authorities to trust instead of the system's (a self-hosted
    /// server with its own authority), as a full path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ca_file: Option<String>,
    /// How many days back the first sync goes (a tunable for tests, not offered in the UI).
    #[serde(default = "default_first_sync_days", skip_serializing_if = "is_default_first_sync_days")]
    #[ts(skip)]
    pub first_sync_days: u32,
    /// Seconds between checks when the server has no IDLE (a tunable, not offered in the UI).
    #[serde(default = "default_poll_secs", skip_serializing_if = "is_default_poll_secs")]
    #[ts(skip)]
    pub poll_secs: u64,
}

fn default_first_sync_days() -> u32 {
    14
}
fn is_default_first_sync_days(d: &u32) -> bool {
    *d == default_first_sync_days()
}
fn default_poll_secs() -> u64 {
    120
}
fn is_default_poll_secs(s: &u64) -> bool {
    *s == default_poll_secs()
}

/// Empty settings with the defaults: a base to fill in (not valid until a host and a user are
/// given).
impl Default for ImapSettings {
    fn default() -> Self {
        ImapSettings {
            host: String::new(),
            port: None,
            user: String::new(),
            tls: TlsMode::Tls,
            folders: Vec::new(),
            ca_file: None,
            first_sync_days: default_first_sync_days(),
            poll_secs: default_poll_secs(),
        }
    }
}

/// Why IMAP settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapSettingsError {
    /// No server given.
    NoHost,
    /// Not a host name.
    BadHost { host: String },
    /// No user name given.
    NoUser,
    /// No encryption to a server that is not on this machine: the password would travel in
    /// clear.
    ClearText { host: String },
}

impl Said for ImapSettingsError {
    fn phrase(&self) -> Phrase {
        match self {
            ImapSettingsError::NoHost => Phrase::new("imap.no_host"),
            ImapSettingsError::BadHost { host } => Phrase::new("imap.bad_host").with("host", crate::week::v_quoted(host)),
            ImapSettingsError::NoUser => Phrase::new("imap.no_user"),
            ImapSettingsError::ClearText { host } => Phrase::new("imap.clear_text").with("host", host),
        }
    }
}

impl ImapSettings {
    /// Settings for `host` and `user` with everything else as by default, checked.
    pub fn new(host: &str, port: Option<u16>, user: &str, tls: TlsMode, folders: Vec<String>) -> Result<ImapSettings, ImapSettingsError> {
        ImapSettings { host: host.to_owned(), port, user: user.to_owned(), tls, folders, ..ImapSettings::default() }.validated()
    }

    /// The settings as a user gave them, checked, trimmed and completed (the port, INBOX).
    pub fn validated(self) -> Result<ImapSettings, ImapSettingsError> {
        let host = self.host.trim().to_owned();
        if host.is_empty() {
            return Err(ImapSettingsError::NoHost);
        }
        if host.contains(['/', ' ', ':']) && !host.starts_with('[') {
            return Err(ImapSettingsError::BadHost { host });
        }
        if self.user.trim().is_empty() {
            return Err(ImapSettingsError::NoUser);
        }
        if self.tls == TlsMode::None && !is_loopback(&host) {
            return Err(ImapSettingsError::ClearText { host });
        }
        let folders: Vec<String> = self.folders.iter().map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect();
        Ok(ImapSettings {
            port: Some(self.port()),
            host,
            user: self.user.trim().to_owned(),
            folders: if folders.is_empty() { vec!["INBOX".into()] } else { folders },
            ca_file: self.ca_file.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
            ..self
        })
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(if self.tls == TlsMode::Tls { 993 } else { 143 })
    }
}

/// Whether `host` names this machine: `localhost`, or a loopback address written out. A name
/// that merely starts with `127.` (`127.evil.example`) is another machine; the connector also
/// checks where a name resolves before sending a password in clear.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_clear_text_to_other_machines() {
        let e = ImapSettings::new("imap.example.com", None, "me@example.com", TlsMode::None, vec![]).expect_err("clear text");
        assert_eq!(e, ImapSettingsError::ClearText { host: "imap.example.com".into() });
        let s = ImapSettings::new("127.0.0.1", Some(10143), "me", TlsMode::None, vec![]).expect("loopback");
        // Audit defect 10: a name that starts like a loopback address is not one.
        assert!(ImapSettings::new("127.evil.example", Some(143), "me", TlsMode::None, vec![]).is_err());
        assert!(ImapSettings::new("127.0.0.2", Some(143), "me", TlsMode::None, vec![]).is_ok());
        assert!(ImapSettings::new("[::1]", Some(143), "me", TlsMode::None, vec![]).is_ok());
        assert_eq!(s.folders, ["INBOX"]);
        assert_eq!(ImapSettings::new("imap.example.com", None, "me", TlsMode::Tls, vec![]).expect("tls").port(), 993);
        assert_eq!(ImapSettings::new("imap.example.com", None, "me", TlsMode::Starttls, vec!["Clients".into()]).expect("ok").port(), 143);
        assert!(ImapSettings::new("imap.example.com", None, " ", TlsMode::Tls, vec![]).is_err());
        assert_eq!("SSL".parse::<TlsMode>(), Ok(TlsMode::Tls));
        assert_eq!(serde_json::to_value(TlsMode::Starttls).expect("json"), "starttls");
    }
}
