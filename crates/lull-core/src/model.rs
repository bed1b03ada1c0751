//! The words of the domain: clients and their identities, categories, decisions, and the
//! `Incoming` message a channel hands to ingest. See docs/DESIGN.md, "Concepts".

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::phrase::{Phrase, Said};
use crate::week::{WeekParseError, WeeklyRange};

pub type ClientId = i64;
pub type ChannelId = i64;
pub type MessageId = i64;
pub type DigestId = i64;

/// A value outside a vocabulary (`what`: `tier`, `category`, …), with what it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl Said for UnknownValue {
    fn phrase(&self) -> Phrase {
        Phrase::new(&format!("value.unknown_{}", self.what.replace(' ', "_")))
            .with("value", crate::week::v_quoted(&self.value))
            .with("expected", self.expected.trim())
    }
}
crate::said_error!(UnknownValue, IdentityParseError);

/// Declares a closed vocabulary with its wire names, `FromStr`, `Display` and serde as strings.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
        #[ts(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::model::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::model::UnknownValue { what: $what, value: s.to_owned(), expected: concat!($($text, " "),+) }),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        /// Compares with the wire name, as scripts and tests read it.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool { self.as_str() == *other }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary!(
    /// How much a client may interrupt: VIPs can break through focus with an urgent keyword,
    /// low-tier clients only ever reach the freelancer in digests.
    Tier, "tier" { Vip = "vip", Normal = "normal", Low = "low" }
);

vocabulary!(
    /// What kind of message this is; its default fate is in docs/DESIGN.md, "Category".
    Category, "category" {
        Direct = "direct", Mention = "mention", Platform = "platform", Rating = "rating",
        Social = "social", Newsletter = "newsletter", System = "system",
    }
);

vocabulary!(
    /// The decision taken for a message at ingest.
    DecisionKind, "decision" { Live = "live", Held = "held", Bypass = "bypass", Muted = "muted" }
);

vocabulary!(
    /// A per-client override of the schedule.
    ClientMode, "mode" { Normal = "normal", DigestOnly = "digest_only", Muted = "muted" }
);

pub(crate) use vocabulary;

pub use crate::channel::{ChannelKind, validate_channel_name};

impl DecisionKind {
    /// Whether the decision shows a desktop notification on its own.
    pub fn interrupts(self) -> bool {
        matches!(self, DecisionKind::Live | DecisionKind::Bypass)
    }
}

/// A matcher that attributes a message to a client.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub enum Identity {
    /// An exact address, `email:jane@acme.com`.
    Email(String),
    /// A mail domain and its subdomains, `domain:acme.com`.
    Domain(String),
    /// Everything arriving on one channel, `channel:acme-hooks` (a client's own webhook).
    Channel(String),
    /// Desktop notifications from an app, optionally only those whose summary or body
    /// contains a text: `app:slack` or `app:slack:Acme workspace`. Stored as written after
    /// `app:`; matched without regard to case.
    App(String),
    /// Everything from one feed channel, `feed:acme-status`.
    Feed(String),
    /// A client's words relayed by a freelance platform, `platform:Malt:Jane Doe`: the
    /// platform's name and the person's name as the platform shows it. Stored as written after
    /// `platform:`; matched without regard to case.
    Platform(String),
}

impl Identity {
    pub fn kind(&self) -> &'static str {
        match self {
            Identity::Email(_) => "email",
            Identity::Domain(_) => "domain",
            Identity::Channel(_) => "channel",
            Identity::App(_) => "app",
            Identity::Feed(_) => "feed",
            Identity::Platform(_) => "platform",
        }
    }
    pub fn value(&self) -> &str {
        match self {
            Identity::Email(v)
            | Identity::Domain(v)
            | Identity::Channel(v)
            | Identity::App(v)
            | Identity::Feed(v)
            | Identity::Platform(v) => v,
        }
    }
    /// For `app:` identities: the app name and the text to look for, if any.
    pub fn app_parts(&self) -> Option<(&str, Option<&str>)> {
        match self {
            Identity::App(v) => Some(match v.split_once(':') {
                Some((app, text)) => (app, Some(text)),
                None => (v.as_str(), None),
            }),
            _ => None,
        }
    }
    /// For `platform:` identities: the platform and the person.
    pub fn platform_parts(&self) -> Option<(&str, &str)> {
        match self {
            Identity::Platform(v) => v.split_once(':'),
            _ => None,
        }
    }
    pub fn from_parts(kind: &str, value: &str) -> Result<Identity, IdentityParseError> {
        let value = value.trim();
        let bad = |why: IdentityProblem| IdentityParseError { input: format!("{kind}:{value}"), why };
        match kind.trim().to_ascii_lowercase().as_str() {
            "email" => {
                let v = value.to_lowercase();
                match v.split_once('@') {
                    Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.contains('@') => Ok(Identity::Email(v)),
                    _ => Err(bad(IdentityProblem::Email)),
                }
            }
            "domain" => {
                let v = value.trim_start_matches('@').to_lowercase();
                if v.contains('.') && !v.contains('@') && !v.contains(char::is_whitespace) {
                    Ok(Identity::Domain(v))
                } else {
                    Err(bad(IdentityProblem::Domain))
                }
            }
            "channel" if !value.is_empty() => Ok(Identity::Channel(value.to_owned())),
            "channel" => Err(bad(IdentityProblem::Channel)),
            "app" => match value.split_once(':') {
                Some((app, text)) if !app.trim().is_empty() && !text.trim().is_empty() => {
                    Ok(Identity::App(format!("{}:{}", app.trim(), text.trim())))
                }
                None if !value.is_empty() => Ok(Identity::App(value.to_owned())),
                _ => Err(bad(IdentityProblem::App)),
            },
            "feed" if !value.is_empty() => Ok(Identity::Feed(value.to_owned())),
            "feed" => Err(bad(IdentityProblem::Feed)),
            "platform" => match value.split_once(':') {
                Some((platform, person)) if !platform.trim().is_empty() && !person.trim().is_empty() => {
                    Ok(Identity::Platform(format!("{}:{}", platform.trim(), person.trim())))
                }
                _ => Err(bad(IdentityProblem::Platform)),
            },
            _ => Err(bad(IdentityProblem::Kind)),
        }
    }
}

/// An identity that cannot be read, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityParseError {
    pub input: String,
    pub why: IdentityProblem,
}

/// What an identity of each kind needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProblem {
    Email,
    Domain,
    Channel,
    App,
    Feed,
    Platform,
    /// None of the kinds.
    Kind,
}

impl Said for IdentityParseError {
    fn phrase(&self) -> Phrase {
        let phrase = match self.why {
            IdentityProblem::Email => Phrase::new("identity.needs_email"),
            IdentityProblem::Domain => Phrase::new("identity.needs_domain"),
            IdentityProblem::Channel => Phrase::new("identity.needs_channel"),
            IdentityProblem::App => Phrase::new("identity.needs_app"),
            IdentityProblem::Feed => Phrase::new("identity.needs_feed"),
            IdentityProblem::Platform => Phrase::new("identity.needs_platform"),
            IdentityProblem::Kind => Phrase::new("identity.unknown_kind"),
        };
        phrase.with("input", crate::week::v_quoted(&self.input))
    }
}

impl FromStr for Identity {
    type Err = IdentityParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((kind, value)) => Identity::from_parts(kind, value),
            None => Err(IdentityParseError { input: s.to_owned(), why: IdentityProblem::Kind }),
        }
    }
}
impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.value())
    }
}
impl Serialize for Identity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Identity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Whose clock a live window is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WindowZone {
    User,
    Client,
}

/// When a client may reach the freelancer live, e.g. `tue,thu 14:00-16:00` (the freelancer's
/// time) or `tue,thu 14:00-16:00@client` (the client's time).
#[derive(Clone, Copy, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct LiveWindow {
    pub range: WeeklyRange,
    pub zone: WindowZone,
}

impl FromStr for LiveWindow {
    type Err = WeekParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (range, zone) = match s.rsplit_once('@') {
            Some((range, "client")) => (range, WindowZone::Client),
            Some((range, "me" | "user" | "mine")) => (range, WindowZone::User),
            Some(_) => return Err(WeekParseError::WindowZone(s.to_owned())),
            None => (s, WindowZone::User),
        };
        Ok(LiveWindow { range: range.parse()?, zone })
    }
}
impl fmt::Display for LiveWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.zone {
            WindowZone::User => write!(f, "{}", self.range),
            WindowZone::Client => write!(f, "{}@client", self.range),
        }
    }
}
impl fmt::Debug for LiveWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LiveWindow({self})")
    }
}
impl Serialize for LiveWindow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for LiveWindow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The default number of bypasses a client gets per day.
pub const DEFAULT_BYPASS_QUOTA: u32 = 3;

/// A person or company the freelancer works for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub tz: Tz,
    pub tier: Tier,
    pub mode: ClientMode,
    pub bypass_quota: u32,
    pub identities: Vec<Identity>,
    pub live_windows: Vec<LiveWindow>,
    /// Whether held email from this client gets an availability reply, and in which language.
    #[serde(default)]
    pub auto_reply: Option<crate::autoreply::ReplyLang>,
}

impl Client {
    /// The time zone a live window is evaluated in.
    pub fn window_tz(&self, window: &LiveWindow, user_tz: Tz) -> Tz {
        match window.zone {
            WindowZone::User => user_tz,
            WindowZone::Client => self.tz,
        }
    }
}

/// A message as a channel delivers it, before attribution and decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incoming {
    /// Unique per channel; ingest is idempotent on (channel, source key).
    pub source_key: String,
    /// As the channel gives it: `Jane Doe <jane@acme.com>`, `jane@acme.com`, or a name.
    pub sender: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    /// `None` lets ingest choose (direct by default).
    pub category: Option<Category>,
    /// When the sender says it sent the message, if it says.
    pub sent_at: Option<DateTime<Utc>>,
    /// When Lull received it; decisions are taken at this instant.
    pub received_at: DateTime<Utc>,
    /// For desktop notifications: the app that sent it (`Slack`), which `app:` identities
    /// match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The source shows the message to the user itself (a desktop notification): when it
    /// passes, Lull records the interruption but does not notify a second time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shown_by_source: bool,
    /// The source marks it as not ringing (a phone notification posted silently, or posted
    /// again when the phone reconnects): stored and decided, never notified or pushed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub silent: bool,
    /// A client's words relayed by a freelance platform (a message notification from Malt,
    /// Upwork or Fiverr): whose, for `platform:` identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<crate::relay::Relay>,
    /// How to answer it from Lull, when its source offers that (a phone notification's quick
    /// reply): opaque to all but its channel kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// For email: what its headers say about answering it (availability replies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<crate::autoreply::MailFacts>,
}

/// A sender split into a display name and an address, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub display: String,
    pub address: Option<String>,
}

impl Sender {
    /// Reads `Jane Doe <jane@acme.com>`, `jane@acme.com` or a bare name.
    pub fn parse(raw: &str) -> Sender {
        let raw = raw.trim();
        if let (Some(open), true) = (raw.rfind('<'), raw.ends_with('>')) {
            let address = raw[open + 1..raw.len() - 1].trim().to_lowercase();
            let display = raw[..open].trim().trim_matches('"').trim();
            if address.contains('@') {
                let display = if display.is_empty() { address.clone() } else { display.to_owned() };
                return Sender { display, address: Some(address) };
            }
        }
        if raw.contains('@') && !raw.contains(char::is_whitespace) {
            return Sender { display: raw.to_owned(), address: Some(raw.to_lowercase()) };
        }
        Sender { display: raw.to_owned(), address: None }
    }

    /// The key that identifies "the same sender" for retry detection: the address, else the
    /// name, case-folded.
    pub fn key(&self) -> String {
        self.address.clone().unwrap_or_else(|| self.display.to_lowercase())
    }

    pub fn domain(&self) -> Option<&str> {
        self.address.as_deref().and_then(|a| a.rsplit_once('@')).map(|(_, d)| d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip_and_explain_errors() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(*c));
        }
        assert_eq!("digest-only".parse::<ClientMode>(), Ok(ClientMode::DigestOnly));
        let err = "urgentish".parse::<Category>().expect_err("unknown");
        assert!(err.to_string().contains("direct mention platform rating social newsletter system"), "{err}");
        assert_eq!(serde_json::to_string(&Tier::Vip).expect("json"), "\"vip\"");
    }

    #[test]
    fn identities_are_validated_and_normalised() {
        assert_eq!("email:Jane@Acme.com".parse(), Ok(Identity::Email("jane@acme.com".into())));
        assert_eq!("domain:@ACME.com".parse(), Ok(Identity::Domain("acme.com".into())));
        assert_eq!("channel:acme-hooks".parse(), Ok(Identity::Channel("acme-hooks".into())));
        assert!("email:jane".parse::<Identity>().is_err());
        assert!("phone:123".parse::<Identity>().is_err());
        assert!("acme.com".parse::<Identity>().is_err());
    }

    #[test]
    fn live_windows_know_their_zone() {
        let w: LiveWindow = "tue,thu 14:00-16:00@client".parse().expect("window");
        assert_eq!(w.zone, WindowZone::Client);
        assert_eq!(w.to_string(), "tue,thu 14:00-16:00@client");
        let w: LiveWindow = "tue,thu 14:00-16:00".parse().expect("window");
        assert_eq!(w.zone, WindowZone::User);
        assert!("tue 14:00-16:00@mars".parse::<LiveWindow>().is_err());
    }

    #[test]
    fn senders_are_split_into_name_and_address() {
        let s = Sender::parse("\"Jane Doe\" <Jane@Acme.com>");
        assert_eq!(s, Sender { display: "Jane Doe".into(), address: Some("jane@acme.com".into()) });
        assert_eq!(s.domain(), Some("acme.com"));
        assert_eq!(Sender::parse("bob@globex.io").key(), "bob@globex.io");
        assert_eq!(Sender::parse("Bob (Slack)").key(), "bob (slack)");
    }
}

/// An instant Lull can reason about: between 1970 and 2200. Beyond, adding a week or a day to
/// it overflows the calendar, so instants that come from outside (the API, a trace) are checked
/// at the edge instead.
pub fn plausible_instant(at: DateTime<Utc>) -> Result<DateTime<Utc>, ImplausibleInstant> {
    let year = chrono::Datelike::year(&at);
    if (1970..2200).contains(&year) { Ok(at) } else { Err(ImplausibleInstant { at: at.to_rfc3339() }) }
}

/// An instant outside what Lull reasons about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplausibleInstant {
    pub at: String,
}

impl Said for ImplausibleInstant {
    fn phrase(&self) -> Phrase {
        Phrase::new("input.implausible_instant").with("at", &self.at)
    }
}
crate::said_error!(ImplausibleInstant);
