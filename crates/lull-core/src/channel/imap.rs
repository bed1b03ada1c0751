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
    /// The mail server availability replies are sent through (SMTP submission); none: Lull
    /// sends no mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub smtp_host: Option<String>,
    /// By default 587 with STARTTLS, 465 with TLS, 25 without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub smtp_port: Option<u16>,
    /// STARTTLS by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub smtp_tls: Option<TlsMode>,
    /// The SMTP user when it is not the IMAP user (the password is the channel's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub smtp_user: Option<String>,
    /// The user's own address: the From of replies, and what a message's To or Cc must name
    /// to be answered. By default the user name, when it is an address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub address: Option<String>,
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
            smtp_host: None,
            smtp_port: None,
            smtp_tls: None,
            smtp_user: None,
            address: None,
        }
    }
}

/// Why IMAP settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapSettingsError {
    /// No server given.
    NoHost,
    /// Not a host name.
    BadHost {
        host: String,
    },
    /// No user name given.
    NoUser,
    /// No encryption to a server that is not on this machine: the password would travel in
    /// clear.
    ClearText {
        host: String,
    },
    /// The same two, for the SMTP server.
    SmtpBadHost {
        host: String,
    },
    SmtpClearText {
        host: String,
    },
    /// Replies would be sent but there is no address to send them from.
    NoAddress,
    /// Not an email address.
    BadAddress {
        address: String,
    },
}

impl Said for ImapSettingsError {
    fn phrase(&self) -> Phrase {
        match self {
            ImapSettingsError::NoHost => Phrase::new("imap.no_host"),
            ImapSettingsError::BadHost { host } => Phrase::new("imap.bad_host").with("host", crate::week::v_quoted(host)),
            ImapSettingsError::NoUser => Phrase::new("imap.no_user"),
            ImapSettingsError::ClearText { host } => Phrase::new("imap.clear_text").with("host", host),
            ImapSettingsError::SmtpBadHost { host } => Phrase::new("imap.bad_host").with("host", crate::week::v_quoted(host)),
            ImapSettingsError::SmtpClearText { host } => Phrase::new("imap.smtp_clear_text").with("host", host),
            ImapSettingsError::NoAddress => Phrase::new("imap.no_address"),
            ImapSettingsError::BadAddress { address } => Phrase::new("imap.bad_address").with("address", crate::week::v_quoted(address)),
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
        let trimmed = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let address = trimmed(self.address.clone()).map(|a| a.to_lowercase());
        if let Some(a) = &address
            && !is_address(a)
        {
            return Err(ImapSettingsError::BadAddress { address: a.clone() });
        }
        let smtp_host = trimmed(self.smtp_host.clone());
        let smtp = match smtp_host {
            None => (None, None, None, None),
            Some(h) => {
                if h.contains(['/', ' ', ':']) && !h.starts_with('[') {
                    return Err(ImapSettingsError::SmtpBadHost { host: h });
                }
                let tls = self.smtp_tls.unwrap_or(TlsMode::Starttls);
                if tls == TlsMode::None && !is_loopback(&h) {
                    return Err(ImapSettingsError::SmtpClearText { host: h });
                }
                if address.is_none() && !is_address(self.user.trim()) {
                    return Err(ImapSettingsError::NoAddress);
                }
                (Some(h), Some(self.smtp_port.unwrap_or(smtp_default_port(tls))), Some(tls), trimmed(self.smtp_user.clone()))
            }
        };
        Ok(ImapSettings {
            port: Some(self.port()),
            host,
            user: self.user.trim().to_owned(),
            folders: if folders.is_empty() { vec!["INBOX".into()] } else { folders },
            ca_file: self.ca_file.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
            smtp_host: smtp.0,
            smtp_port: smtp.1,
            smtp_tls: smtp.2,
            smtp_user: smtp.3,
            address,
            ..self
        })
    }

    /// The address replies are sent from, when this channel sends replies (an SMTP server is
    /// set).
    pub fn mail_sender(&self) -> Option<String> {
        self.smtp_host.as_ref()?;
        self.address.clone().or_else(|| is_address(&self.user).then(|| self.user.to_lowercase()))
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(if self.tls == TlsMode::Tls { 993 } else { 143 })
    }
}

/// The SMTP port for a TLS mode: 465 (TLS), 587 (STARTTLS, submission), 25 (none).
pub fn smtp_default_port(tls: TlsMode) -> u16 {
    match tls {
        TlsMode::Tls => 465,
        TlsMode::Starttls => 587,
        TlsMode::None => 25,
    }
}

/// Whether `s` looks like an email address: one `@` with something on both sides, no spaces.
pub fn is_address(s: &str) -> bool {
    s.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.contains('@')) && !s.contains(char::is_whitespace)
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

    #[test]
    fn smtp_settings_default_their_port_and_need_an_address() {
        let base = ImapSettings::new("imap.example.com", None, "me@example.com", TlsMode::Tls, vec![]).expect("imap");
        assert_eq!(base.mail_sender(), None);
        let with = |f: fn(&mut ImapSettings)| {
            let mut s = base.clone();
            s.smtp_host = Some("smtp.example.com".into());
            f(&mut s);
            s.validated()
        };
        let s = with(|_| {}).expect("smtp");
        assert_eq!((s.smtp_port, s.smtp_tls), (Some(587), Some(TlsMode::Starttls)));
        assert_eq!(s.mail_sender().as_deref(), Some("me@example.com"));
        assert_eq!(with(|s| s.smtp_tls = Some(TlsMode::Tls)).expect("tls").smtp_port, Some(465));
        assert_eq!(with(|s| s.smtp_tls = Some(TlsMode::None)), Err(ImapSettingsError::SmtpClearText { host: "smtp.example.com".into() }));
        assert_eq!(with(|s| s.user = "me".into()), Err(ImapSettingsError::NoAddress));
        let s = with(|s| {
            s.user = "me".into();
            s.address = Some(" Me@Example.com ".into());
        })
        .expect("address");
        assert_eq!(s.mail_sender().as_deref(), Some("me@example.com"));
        assert!(matches!(with(|s| s.address = Some("me".into())), Err(ImapSettingsError::BadAddress { .. })));
    }
}
