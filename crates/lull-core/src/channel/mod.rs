//! Channels as configured: which kind each one is, and its kind's settings as one typed value
//! ([`ChannelSettings`], tagged with `kind`). These plain values are what the API carries, what
//! the store keeps (as this JSON, read back typed), what the CLI builds from its flags and what
//! the web UI's forms edit. What each kind *does* (checking its settings, testing and running
//! its connector) is in `lull-channels`, one module per kind.
//!
//! Adding a kind starts here: a file with its settings, a variant in [`ChannelKind`] and in
//! [`ChannelSettings`] (ARCHITECTURE.md, "Adding a channel kind", has the rest).

mod desktop;
mod feed;
mod imap;
mod phone;
mod webhook;

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::phrase::{Phrase, Said};
pub use desktop::{DesktopSettings, OWN_APP_NAME};
pub use feed::{DEFAULT_FEED_EVERY_SECS, FeedSettings, FeedSettingsError};
pub use imap::{ImapSettings, ImapSettingsError, TlsMode, UnknownTlsMode, is_address, is_loopback, smtp_default_port};
pub use phone::{GSCONNECT_APP_ID, KDECONNECT_APP_NAME, KDECONNECT_DESKTOP_ENTRY, PhoneSettings, category_of_app, split_gsconnect};
pub use webhook::{WebhookPreset, WebhookSettings};

crate::model::vocabulary!(
    /// The kind of connector a channel runs.
    ChannelKind, "channel kind" { Webhook = "webhook", Imap = "imap", Desktop = "desktop", Feed = "feed", Phone = "phone" }
);

crate::model::vocabulary!(
    /// How a channel's connector last fared: `ok`, or `error` until it works again. Kept across
    /// restarts, unlike its live state.
    ChannelHealth, "channel health" { Ok = "ok", Error = "error" }
);

/// A channel's settings: one variant per kind, tagged with `kind` in JSON
/// (`{"kind": "feed", "url": "https://…", "every_secs": 900}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelSettings {
    Webhook(WebhookSettings),
    Imap(ImapSettings),
    Desktop(DesktopSettings),
    Feed(FeedSettings),
    Phone(PhoneSettings),
}

impl ChannelSettings {
    pub fn kind(&self) -> ChannelKind {
        match self {
            ChannelSettings::Webhook(_) => ChannelKind::Webhook,
            ChannelSettings::Imap(_) => ChannelKind::Imap,
            ChannelSettings::Desktop(_) => ChannelKind::Desktop,
            ChannelSettings::Feed(_) => ChannelKind::Feed,
            ChannelSettings::Phone(_) => ChannelKind::Phone,
        }
    }

    /// The address availability replies are sent from, when the channel sends them.
    pub fn mail_sender(&self) -> Option<String> {
        match self {
            ChannelSettings::Imap(s) => s.mail_sender(),
            _ => None,
        }
    }

    /// The settings as they may be shown, exported or logged: secrets in addresses redacted
    /// (a feed's `?token=…`, a password in `user:pass@`).
    pub fn redacted(&self) -> ChannelSettings {
        match self {
            ChannelSettings::Feed(f) => ChannelSettings::Feed(FeedSettings { url: crate::text::redact_url(&f.url), ..f.clone() }),
            other => other.clone(),
        }
    }

    /// New settings from an edit, with the secrets of `old` kept where the edit sent back their
    /// redacted form unchanged (the edit form shows redacted addresses).
    pub fn keeping_secrets_of(self, old: &ChannelSettings) -> ChannelSettings {
        match (self, old) {
            (ChannelSettings::Feed(new), ChannelSettings::Feed(old)) if new.url == crate::text::redact_url(&old.url) => {
                ChannelSettings::Feed(FeedSettings { url: old.url.clone(), ..new })
            }
            (new, _) => new,
        }
    }

    /// The names of `kind`'s settings fields, as in JSON.
    pub fn fields(kind: ChannelKind) -> &'static [&'static str] {
        match kind {
            ChannelKind::Webhook => field_names::<WebhookSettings>(),
            ChannelKind::Imap => field_names::<ImapSettings>(),
            ChannelKind::Desktop => field_names::<DesktopSettings>(),
            ChannelKind::Feed => field_names::<FeedSettings>(),
            ChannelKind::Phone => field_names::<PhoneSettings>(),
        }
    }
}

/// Why a channel name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelNameError {
    pub name: String,
}

impl Said for ChannelNameError {
    fn phrase(&self) -> Phrase {
        Phrase::new("channel.bad_name").with("name", crate::week::v_quoted(&self.name))
    }
}
crate::said_error!(ChannelNameError, FeedSettingsError, ImapSettingsError, UnknownTlsMode);

/// Checks a channel name: it appears in webhook URLs, so it is limited to lower-case letters,
/// digits, `-`, `_` and `.`, 1 to 64 characters.
pub fn validate_channel_name(name: &str) -> Result<(), ChannelNameError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if ok { Ok(()) } else { Err(ChannelNameError { name: name.to_owned() }) }
}

/// The field names a struct's derived `Deserialize` knows, read from the derive itself, so the
/// list cannot drift from the struct.
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(FieldNamesFound(Some(fields))) => fields,
        _ => &[],
    }
}

/// A deserializer that only asks a struct for its field names.
struct FieldNames;

#[derive(Debug)]
struct FieldNamesFound(Option<&'static [&'static str]>);

impl fmt::Display for FieldNamesFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl std::error::Error for FieldNamesFound {}
impl de::Error for FieldNamesFound {
    fn custom<T: fmt::Display>(_: T) -> Self {
        FieldNamesFound(None)
    }
}

impl<'de> Deserializer<'de> for FieldNames {
    type Error = FieldNamesFound;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(FieldNamesFound(None))
    }
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> Result<V::Value, Self::Error> {
        Err(FieldNamesFound(Some(fields)))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_tagged_with_their_kind() {
        let feed = ChannelSettings::Feed(FeedSettings { url: "https://status.acme.com/feed".into(), every_secs: 1800 });
        let json = serde_json::to_value(&feed).expect("json");
        assert_eq!(json, serde_json::json!({"kind": "feed", "url": "https://status.acme.com/feed", "every_secs": 1800}));
        assert_eq!(serde_json::from_value::<ChannelSettings>(json).expect("back"), feed);
        assert_eq!(feed.kind(), ChannelKind::Feed);
        let hook: ChannelSettings = serde_json::from_str(r#"{"kind": "webhook"}"#).expect("defaults");
        assert_eq!(hook, ChannelSettings::Webhook(WebhookSettings::default()));
    }

    #[test]
    fn every_kind_knows_its_fields() {
        assert_eq!(ChannelSettings::fields(ChannelKind::Feed), ["url", "every_secs"]);
        assert_eq!(ChannelSettings::fields(ChannelKind::Desktop), ["ignore_apps", "gatekeeper"]);
        for kind in ChannelKind::ALL {
            assert!(!ChannelSettings::fields(*kind).is_empty(), "{kind}");
        }
    }

    #[test]
    fn channel_names_fit_in_a_url() {
        assert!(validate_channel_name("acme-hooks.2").is_ok());
        for bad in ["", "Bad Name", ".hidden", "a/b", &"x".repeat(65)] {
            assert!(validate_channel_name(bad).is_err(), "{bad}");
        }
    }
}
