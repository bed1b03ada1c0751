//! Linux desktop notifications as a channel: what Slack, Teams, WhatsApp in a browser,
//! Thunderbird and others show on the desktop enters the inbox and the stats.
//!
//! Lull watches the session bus as a monitor (`BecomeMonitor`) for the three ways apps send
//! notifications: `org.freedesktop.Notifications.Notify` (libnotify, Electron apps, browsers),
//! `org.gtk.Notifications.AddNotification` (GNOME apps) and
//! `org.freedesktop.portal.Notification.AddNotification` (Flatpak apps). Watching is passive:
//! it cannot hide the popup the desktop's own notification daemon shows, so held messages are
//! still seen once; what Lull adds is the record, the digest and the statistics. Lull's own
//! notifications (app name "Lull") are ignored, or every digest would feed the next.
//!
//! The monitor connection can only listen, so a second connection would be needed for any
//! call; none is needed here. Desktops without a notification daemon can let Lull be theirs
//! and hold what the policy holds: see [`crate::gatekeeper`].

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::StreamExt;
use lull_core::Incoming;
pub use lull_core::channel::DesktopSettings;
use lull_core::channel::{ChannelKind, ChannelSettings};
use lull_core::model::ChannelId;
use lull_core::phrase::{Phrase, Said};
use zbus::message::Type as MessageType;
use zbus::wire::OwnedVariant;
use zbus::{MatchRule, MessageStream};

use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, Start};
use crate::sink::{Health, IngestSink};
use crate::supervisor::ConnectorError;

const MAX_TEXT_CHARS: usize = 4_000;

/// The desktop kind: its settings are a [`DesktopSettings`]; it watches the session bus, or, in
/// gatekeeper mode, is the desktop's notification daemon ([`crate::gatekeeper`]).
#[derive(Debug)]
pub struct Desktop;

impl Kind for Desktop {
    type Settings = DesktopSettings;
    const KIND: ChannelKind = ChannelKind::Desktop;

    fn settings(settings: &ChannelSettings) -> Option<&DesktopSettings> {
        match settings {
            ChannelSettings::Desktop(s) => Some(s),
            _ => None,
        }
    }
    fn wrap(settings: DesktopSettings) -> ChannelSettings {
        ChannelSettings::Desktop(settings)
    }
    fn validate(settings: DesktopSettings) -> Result<DesktopSettings, Invalid> {
        let ignore_apps = settings.ignore_apps.iter().map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect();
        Ok(DesktopSettings { ignore_apps, ..settings })
    }
    fn describe(_: &str, settings: &DesktopSettings) -> Phrase {
        let phrase = match (settings.gatekeeper, settings.ignore_apps.is_empty()) {
            (true, true) => Phrase::new("about.desktop.gatekeeper"),
            (true, false) => Phrase::new("about.desktop.gatekeeper_except"),
            (false, true) => Phrase::new("about.desktop"),
            (false, false) => Phrase::new("about.desktop.except"),
        };
        phrase.with("apps", settings.ignore_apps.join(", "))
    }
    fn check(settings: DesktopSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        Box::pin(async move {
            let mut steps = vec![match ctx.bus.as_deref() {
                Some(bus) => Phrase::new("check.desktop.bus").with("bus", bus),
                None => Phrase::new("check.desktop.default_bus"),
            }];
            let outcome = match probe(ctx.bus.as_deref()).await {
                Ok(daemon) => {
                    steps.push(match daemon.as_deref() {
                        Some(d) => Phrase::new("check.desktop.daemon").with("daemon", d),
                        None => Phrase::new("check.desktop.no_daemon"),
                    });
                    match (settings.gatekeeper, daemon) {
                        (false, _) => Ok(Phrase::new("check.desktop.watchable")),
                        (true, _) if ctx.running_ok => Ok(Phrase::new("check.desktop.gatekeeper_running")),
                        (true, None) => Ok(Phrase::new("check.desktop.gatekeeper_possible")),
                        (true, Some(other)) => Err(crate::gatekeeper::name_taken(&other, &ctx.name)),
                    }
                }
                Err(e) => Err(e.phrase()),
            };
            Checked { steps, outcome }
        })
    }
    fn start(settings: DesktopSettings, ctx: RunContext) -> Option<Start> {
        if settings.gatekeeper {
            return Some(Box::new(move || {
                Box::pin(crate::gatekeeper::run(
                    ctx.channel,
                    ctx.name.clone(),
                    settings.clone(),
                    ctx.bus.clone(),
                    ctx.sink.clone(),
                    ctx.popups.clone(),
                ))
            }));
        }
        Some(Box::new(move || Box::pin(run(ctx.channel, settings.clone(), ctx.bus.clone(), ctx.sink.clone()))))
    }
}

/// A notification as an app sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub app: String,
    pub summary: String,
    pub body: String,
    /// The `desktop-entry` hint, when the sender gave one (`org.kde.kdeconnect.daemon`).
    pub desktop_entry: Option<String>,
}

impl Observed {
    /// The notification in the arguments of a `Notify` call.
    pub fn from_notify(app: String, summary: String, body: String, hints: &HashMap<String, OwnedVariant>) -> Observed {
        // Browsers and Electron apps often send an empty app name but name themselves in the
        // desktop-entry hint.
        let desktop_entry = hint_string(hints, "desktop-entry");
        let app = if app.trim().is_empty() { desktop_entry.clone().unwrap_or_else(|| "Unknown app".into()) } else { app };
        Observed { app, summary, body, desktop_entry }
    }

    /// The message Lull stores for it. Summaries usually name the person or conversation
    /// ("Jane Doe", "#design · Acme"), so they are both the sender and the title.
    pub fn into_incoming(self, key: String, received_at: chrono::DateTime<chrono::Utc>) -> Incoming {
        let summary = plain(&self.summary);
        let body = plain(&self.body);
        Incoming {
            source_key: key,
            sender: if summary.is_empty() { self.app.clone() } else { format!("{summary} ({})", self.app) },
            title: if summary.is_empty() { self.app.clone() } else { summary },
            body,
            url: None,
            category: None,
            sent_at: None,
            received_at,
            app: Some(self.app),
            // The desktop shows the notification itself (or, in gatekeeper mode, Lull's popup
            // does): the engine records the interruption but does not notify a second time.
            shown_by_source: true,
            silent: false,
            reply: None,
            mail: None,
            relay: None,
        }
    }
}

/// What makes the keys of one watch unique across buses and runs. A sender's unique bus name
/// and a message's serial are unique only on one bus: a new login (a new bus) hands out the
/// same names and serials again, so each watch adds 64 random bits of its own.
pub(crate) fn run_id() -> String {
    lull_api::token::generate("")[..16].to_owned()
}

/// Notification bodies may carry the spec's small markup (`<b>`, `<a href>`, entities).
pub(crate) fn plain(s: &str) -> String {
    let text = if s.contains('<') || s.contains('&') { lull_core::text::html_to_text(s) } else { s.to_owned() };
    text.trim().chars().take(MAX_TEXT_CHARS).collect()
}

/// The notification in a monitored method call, if it is one.
pub fn observe(msg: &zbus::Message) -> Option<Observed> {
    let header = msg.header();
    let interface = header.interface()?.as_str().to_owned();
    let member = header.member()?.as_str().to_owned();
    match (interface.as_str(), member.as_str()) {
        ("org.freedesktop.Notifications", "Notify") => {
            type Notify = (String, u32, String, String, String, Vec<String>, HashMap<String, OwnedVariant>, i32);
            let (app, _, _, summary, body, _, hints, _): Notify = msg.body().deserialize().ok()?;
            Some(Observed::from_notify(app, summary, body, &hints))
        }
        ("org.gtk.Notifications", "AddNotification") => {
            let (app_id, _id, n): (String, String, HashMap<String, OwnedVariant>) = msg.body().deserialize().ok()?;
            Some(Observed {
                desktop_entry: Some(app_id.clone()),
                app: app_id,
                summary: hint_string(&n, "title").unwrap_or_default(),
                body: hint_string(&n, "body").unwrap_or_default(),
            })
        }
        ("org.freedesktop.portal.Notification", "AddNotification") => {
            let (_id, n): (String, HashMap<String, OwnedVariant>) = msg.body().deserialize().ok()?;
            // The portal knows the calling app from its sandbox, not from the call.
            let app = header.sender().map_or_else(|| "Flatpak app".to_owned(), |s| format!("Flatpak app {s}"));
            Some(Observed {
                app,
                summary: hint_string(&n, "title").unwrap_or_default(),
                body: hint_string(&n, "body").unwrap_or_default(),
                desktop_entry: None,
            })
        }
        _ => None,
    }
}

fn hint_string(hints: &HashMap<String, OwnedVariant>, key: &str) -> Option<String> {
    hints.get(key).and_then(|v| String::try_from(v.try_clone().ok()?).ok())
}

fn rules() -> zbus::Result<Vec<MatchRule<'static>>> {
    let rule = |interface: &'static str, member: &'static str| {
        MatchRule::builder().msg_type(MessageType::MethodCall).interface(interface).member(member).build()
    };
    Ok(vec![
        rule("org.freedesktop.Notifications", "Notify")?,
        rule("org.gtk.Notifications", "AddNotification")?,
        rule("org.freedesktop.portal.Notification", "AddNotification")?,
    ])
}

/// Where the session bus is: the address given, else `DBUS_SESSION_BUS_ADDRESS`.
pub async fn connect(address: Option<&str>) -> Result<zbus::Connection, ConnectorError> {
    connect_or_say(address, "desktop.no_bus").await
}

/// The session bus at `address` (else `DBUS_SESSION_BUS_ADDRESS`); when it cannot be reached,
/// a transient error worded by `unreachable` (with the bus's `detail`), so each kind says why
/// it needs the bus.
pub(crate) async fn connect_or_say(address: Option<&str>, unreachable: &'static str) -> Result<zbus::Connection, ConnectorError> {
    let builder = match address {
        Some(a) => zbus::connection::Builder::address(a),
        None => zbus::connection::Builder::session(),
    };
    builder.build().await.map_err(|e| ConnectorError::Transient(Phrase::new(unreachable).with("detail", e)))
}

/// Checks that the session bus can be watched; answers which program shows notifications
/// there, if one does (its bus name's owner).
pub async fn probe(address: Option<&str>) -> Result<Option<String>, ConnectorError> {
    let conn = connect(address).await?;
    let dbus = zbus::fdo::DBusProxy::new(&conn).await.map_err(ConnectorError::transient)?;
    let name = zbus::names::BusName::try_from("org.freedesktop.Notifications").map_err(ConnectorError::transient)?;
    let owner = match dbus.get_name_owner(name.clone()).await {
        Ok(owner) => Some(owner.to_string()),
        Err(_) => None,
    };
    let Some(owner) = owner else { return Ok(None) };
    let owner_name = zbus::names::BusName::try_from(owner.clone()).map_err(ConnectorError::transient)?;
    let pid = dbus.get_connection_unix_process_id(owner_name).await.ok();
    let program = pid.and_then(|p| std::fs::read_to_string(format!("/proc/{p}/comm")).ok()).map(|c| c.trim().to_owned());
    Ok(Some(match (program, pid) {
        (Some(p), Some(pid)) => format!("{p} (pid {pid})"),
        _ => owner,
    }))
}

/// Watches the session bus and ingests each notification until the bus goes away.
pub async fn run(
    channel: ChannelId,
    settings: DesktopSettings,
    bus: Option<String>,
    host: Arc<dyn IngestSink>,
) -> Result<(), ConnectorError> {
    host.report(channel, Health::Connecting);
    let conn = connect(bus.as_deref()).await?;
    let monitor = zbus::fdo::MonitoringProxy::new(&conn).await.map_err(ConnectorError::transient)?;
    let rules = rules().map_err(ConnectorError::transient)?;
    monitor.become_monitor(&rules, 0).await.map_err(|e| ConnectorError::Config(Phrase::new("desktop.cannot_watch").with("detail", e)))?;
    let mut stream = MessageStream::from(&conn);
    host.report(channel, Health::Ok);
    let run = run_id();
    while let Some(msg) = stream.next().await {
        let msg = match msg {
            Ok(m) => m,
            Err(e) => return Err(ConnectorError::Transient(Phrase::new("desktop.cannot_read").with("detail", e))),
        };
        if msg.message_type() != MessageType::MethodCall {
            continue;
        }
        let Some(observed) = observe(&msg) else { continue };
        // Another channel records these itself (the phone's, re-shown by KDE Connect).
        if settings.leaves_out(&observed.app) || host.claimed_elsewhere(channel, &observed.app, observed.desktop_entry.as_deref()) {
            continue;
        }
        let header = msg.header();
        let key =
            format!("{run}:{}:{}", header.sender().map(|s| s.as_str().to_owned()).unwrap_or_default(), msg.primary_header().serial_num());
        let incoming = observed.into_incoming(key, host.now());
        let host = host.clone();
        // Storing must not hold up reading the bus: a monitor that falls behind is dropped.
        tokio::spawn(async move {
            if let Err(e) = host.ingest(channel, incoming).await {
                tracing::warn!(channel, error = %e, "a desktop notification was not stored");
            }
        });
    }
    Err(ConnectorError::Transient(Phrase::new("desktop.bus_closed")))
}
