//! A channel kind as one unit: everything Lull does with one kind of channel, behind one trait
//! ([`Kind`]), and the registry the engine asks ([`of`], [`all`]).
//!
//! A kind is a module of this crate with a unit struct implementing [`Kind`]: its name, its
//! typed settings (a variant of [`ChannelSettings`], defined in `lull_core::channel`), how they
//! are checked, what `channel test` checks, and the connector it runs. The engine never names a
//! kind: it validates, tests, starts and restarts channels through [`AnyKind`], whatever their
//! kind. Adding a kind is a new module, declared and registered in the crate's root
//! (ARCHITECTURE.md, "Adding a channel kind").

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use lull_core::channel::{ChannelKind, ChannelSettings, WebhookPreset};
use lull_core::model::ChannelId;
use lull_core::phrase::Phrase;

use crate::gatekeeper::Popups;
use crate::sink::IngestSink;
use crate::smtp::{OutgoingMail, SendError};
use crate::supervisor::{Backoff, ConnectorError, supervise};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A channel's password, read when it is needed (at each start of its connector, at each test),
/// so a password changed in the keyring is picked up.
pub type SecretSource = Arc<dyn Fn() -> BoxFuture<'static, Result<String, ConnectorError>> + Send + Sync>;

/// Settings that cannot be used, the field at fault, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The settings field, as named in JSON (`url`, `host`, `map`, …).
    pub field: &'static str,
    pub problem: Phrase,
}

impl Invalid {
    pub fn new(field: &'static str, problem: Phrase) -> Invalid {
        Invalid { field, problem }
    }
}

/// What checking a channel (`channel test`) can use.
#[derive(Clone)]
pub struct CheckContext {
    pub name: String,
    /// Where the engine's server receives (`http://127.0.0.1:7707/`).
    pub server_url: String,
    /// The desktop session bus, when one is given.
    pub bus: Option<String>,
    /// Whether the channel's connector is running and up to date right now.
    pub running_ok: bool,
    /// The channel's password, for kinds that keep one.
    pub secret: Option<SecretSource>,
}

/// What `channel test` found: the steps checked, and what works or what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub steps: Vec<Phrase>,
    pub outcome: Result<Phrase, Phrase>,
}

/// What a connector gets from the engine.
#[derive(Clone)]
pub struct RunContext {
    pub channel: ChannelId,
    pub name: String,
    /// Where it delivers messages and reports its health.
    pub sink: Arc<dyn IngestSink>,
    /// The desktop session bus, when one is given.
    pub bus: Option<String>,
    /// The channel's password, for kinds that keep one.
    pub secret: Option<SecretSource>,
    /// Where notifications are shown when Lull is the desktop's notification daemon.
    pub popups: Arc<dyn Popups>,
}

impl std::fmt::Debug for CheckContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckContext").field("name", &self.name).field("secret", &self.secret.is_some()).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RunContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunContext").field("channel", &self.channel).field("name", &self.name).finish_non_exhaustive()
    }
}

/// Starts one attempt of a connector; the supervisor calls it again after each failure.
pub type Start = Box<dyn FnMut() -> BoxFuture<'static, Result<(), ConnectorError>> + Send>;

/// Everything Lull does with one kind of channel.
pub trait Kind: Send + Sync + 'static {
    /// The kind's settings: the payload of its variant of [`ChannelSettings`].
    type Settings: Clone + Send + Sync + 'static;
    /// Its name, as in `lull channel add <kind>`.
    const KIND: ChannelKind;
    /// Whether its channels keep a password (in the keyring, or a private file when asked).
    const SECRET: bool = false;
    /// Whether its channels bring the phone's notifications (counted apart in the weekly
    /// statistics: what Lull kept off the phone).
    const PHONE: bool = false;
    /// Whether its channels receive over the engine's server (`POST /hooks/<name>`) with a
    /// bearer token of their own, instead of running a connector.
    const RECEIVES: bool = false;

    /// The settings, when they are this kind's.
    fn settings(settings: &ChannelSettings) -> Option<&Self::Settings>;
    fn wrap(settings: Self::Settings) -> ChannelSettings;
    /// Checks settings as a user gave them, and completes them (defaults, trimming).
    fn validate(settings: Self::Settings) -> Result<Self::Settings, Invalid>;
    /// One line saying what a channel called `name` with these settings listens to, as a
    /// phrase the edges word (`about.<kind>…`).
    fn describe(name: &str, settings: &Self::Settings) -> Phrase;
    /// Whether a channel whose settings change from `old` to `new` starts afresh: what its
    /// watermark says about the old source means nothing for the new one.
    fn restarts_afresh(_old: &Self::Settings, _new: &Self::Settings) -> bool {
        false
    }
    /// Webhooks: the senders whose payloads Lull knows.
    fn presets() -> Vec<WebhookPreset> {
        Vec::new()
    }
    /// What `channel test` checks, step by step; stores nothing.
    fn check(settings: Self::Settings, ctx: CheckContext) -> BoxFuture<'static, Checked>;
    /// Whether this kind's channels record the desktop notifications of `app` (desktop entry
    /// `entry`) themselves, so the desktop channel leaves them alone.
    fn claims(_settings: &Self::Settings, _app: &str, _entry: Option<&str>) -> bool {
        false
    }
    /// Answers a message of this kind with `text`, through the reply handle its connector
    /// stored with it (`Incoming::reply`); kinds that cannot answer refuse.
    fn reply(_handle: &str, _text: &str, _bus: Option<String>) -> BoxFuture<'static, Result<(), Phrase>> {
        Box::pin(std::future::ready(Err(Phrase::new("channel.cannot_reply").with("kind", Self::KIND))))
    }
    /// Sends an availability reply through this kind's mail server, when it has one.
    fn send_mail(_settings: &Self::Settings, _password: String, _mail: OutgoingMail) -> BoxFuture<'static, Result<(), SendError>> {
        Box::pin(std::future::ready(Err(SendError { problem: Phrase::new("smtp.not_set"), permanent: true })))
    }
    /// The connector to run, or `None` when nothing runs.
    fn start(settings: Self::Settings, ctx: RunContext) -> Option<Start>;
}

/// A kind whatever its settings' type: what the engine holds.
pub trait AnyKind: Send + Sync {
    fn kind(&self) -> ChannelKind;
    fn secret(&self) -> bool;
    fn receives(&self) -> bool;
    fn phone(&self) -> bool;
    fn presets(&self) -> Vec<WebhookPreset>;
    fn validate(&self, settings: ChannelSettings) -> Result<ChannelSettings, Invalid>;
    fn describe(&self, name: &str, settings: &ChannelSettings) -> Phrase;
    fn restarts_afresh(&self, old: &ChannelSettings, new: &ChannelSettings) -> bool;
    fn check(&self, settings: &ChannelSettings, ctx: CheckContext) -> BoxFuture<'static, Checked>;
    fn reply(&self, handle: &str, text: &str, bus: Option<String>) -> BoxFuture<'static, Result<(), Phrase>>;
    fn send_mail(&self, settings: &ChannelSettings, password: String, mail: OutgoingMail) -> BoxFuture<'static, Result<(), SendError>>;
    fn claims(&self, settings: &ChannelSettings, app: &str, entry: Option<&str>) -> bool;
    /// The supervised connector task, or `None` when nothing runs.
    fn connector(&self, settings: &ChannelSettings, ctx: RunContext) -> Option<BoxFuture<'static, ()>>;
}

/// A kind as the registry holds it ([`crate::KINDS`]).
pub(crate) struct Unit<K>(PhantomData<fn() -> K>);

impl<K> Unit<K> {
    pub(crate) const NEW: Unit<K> = Unit(PhantomData);
}

impl<K: Kind> Unit<K> {
    fn own(settings: &ChannelSettings) -> Result<K::Settings, Invalid> {
        K::settings(settings)
            .cloned()
            .ok_or_else(|| Invalid::new("kind", Phrase::new("channel.other_kind").with("kind", settings.kind()).with("expected", K::KIND)))
    }
}

impl<K: Kind> AnyKind for Unit<K> {
    fn kind(&self) -> ChannelKind {
        K::KIND
    }
    fn secret(&self) -> bool {
        K::SECRET
    }
    fn receives(&self) -> bool {
        K::RECEIVES
    }
    fn phone(&self) -> bool {
        K::PHONE
    }
    fn presets(&self) -> Vec<WebhookPreset> {
        K::presets()
    }
    fn validate(&self, settings: ChannelSettings) -> Result<ChannelSettings, Invalid> {
        K::validate(Self::own(&settings)?).map(K::wrap)
    }
    fn describe(&self, name: &str, settings: &ChannelSettings) -> Phrase {
        match K::settings(settings) {
            Some(s) => K::describe(name, s),
            None => Phrase::new("channel.other_kind").with("kind", settings.kind()).with("expected", K::KIND),
        }
    }
    fn restarts_afresh(&self, old: &ChannelSettings, new: &ChannelSettings) -> bool {
        match (K::settings(old), K::settings(new)) {
            (Some(old), Some(new)) => K::restarts_afresh(old, new),
            _ => true,
        }
    }
    fn check(&self, settings: &ChannelSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        match Self::own(settings) {
            Ok(settings) => K::check(settings, ctx),
            Err(e) => Box::pin(std::future::ready(Checked { steps: Vec::new(), outcome: Err(e.problem) })),
        }
    }
    fn reply(&self, handle: &str, text: &str, bus: Option<String>) -> BoxFuture<'static, Result<(), Phrase>> {
        K::reply(handle, text, bus)
    }
    fn send_mail(&self, settings: &ChannelSettings, password: String, mail: OutgoingMail) -> BoxFuture<'static, Result<(), SendError>> {
        match K::settings(settings) {
            Some(s) => K::send_mail(s, password, mail),
            None => Box::pin(std::future::ready(Err(SendError { problem: Phrase::new("smtp.not_set"), permanent: true }))),
        }
    }
    fn claims(&self, settings: &ChannelSettings, app: &str, entry: Option<&str>) -> bool {
        K::settings(settings).is_some_and(|s| K::claims(s, app, entry))
    }
    fn connector(&self, settings: &ChannelSettings, ctx: RunContext) -> Option<BoxFuture<'static, ()>> {
        let start = K::start(K::settings(settings)?.clone(), ctx.clone())?;
        Some(Box::pin(supervise(ctx.channel, ctx.name, ctx.sink, Backoff::default(), start)))
    }
}

/// A number of seconds as the international unit symbols write it, in any language: `90 s`,
/// `15 min`, `1 h`.
pub fn duration(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Every kind of channel, in the order the UI offers them (registered in the crate's root).
pub fn all() -> &'static [&'static dyn AnyKind] {
    crate::KINDS
}

/// The kind `kind`.
pub fn of(kind: ChannelKind) -> &'static dyn AnyKind {
    match all().iter().find(|k| k.kind() == kind) {
        Some(k) => *k,
        // Every kind is registered: `every_kind_is_registered` checks it.
        None => unreachable!("channel kind {kind} is not registered in lull_channels::kind::all"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once() {
        for kind in ChannelKind::ALL {
            assert_eq!(all().iter().filter(|k| k.kind() == *kind).count(), 1, "{kind}");
        }
        assert_eq!(all().len(), ChannelKind::ALL.len());
    }
}
