//! The phone as a channel: the notifications of a paired Android phone, as KDE Connect's
//! daemon (`kdeconnectd`) exposes them on the session bus, and as GSConnect (GNOME) posts them.
//!
//! KDE Connect, as Debian's 22.12 daemon really behaves (checked on the bus and in its source):
//! - each paired, reachable device has `/modules/kdeconnect/devices/<id>/notifications`
//!   (`activeNotifications()`, signals `notificationPosted`, `notificationRemoved`,
//!   `allNotificationsRemoved`), and each notification an object below it whose last path
//!   element is a counter that restarts when the phone reconnects or the daemon restarts: a
//!   notification is keyed by device and `internalId` (Android's own key), never by path;
//! - an update in place (a chat that grows) emits only `ready()` on the notification's object;
//! - when the phone drops off, its notifications vanish without `notificationRemoved`, and on
//!   reconnect every one is posted again with `silent` set, so `silent` also means "already on
//!   the phone": such a post is stored if new but never rings;
//! - `dismiss()` does nothing unless the notification is `dismissable`.
//!
//! GSConnect posts each phone notification through `org.gtk.Notifications.AddNotification`
//! under its own application id, with the Android app as the title and `"title: text"` as the
//! body; its notification id is `<device>|<android key>`, with `|<reply uuid>` appended (a new
//! one each time) for repliable ones. Android's key has `|` in it too
//! (`0|com.whatsapp|1|null|10123`), so the key is what follows the device, without a trailing
//! UUID.
//!
//! What the phone removes stays in Lull's inbox. A device out of reach is normal, not an
//! error: the channel says it waits for the phone.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::StreamExt;
use lull_core::Incoming;
use lull_core::channel::{
    ChannelKind, ChannelSettings, GSCONNECT_APP_ID, KDECONNECT_APP_NAME, KDECONNECT_DESKTOP_ENTRY, PhoneSettings, category_of_app,
    split_gsconnect,
};
use lull_core::model::{ChannelId, DecisionKind};
use lull_core::phrase::{Phrase, Said};
use serde::{Deserialize, Serialize};
use zbus::message::Type as MessageType;
use zbus::wire::OwnedVariant;
use zbus::{MatchRule, MessageStream};

use crate::desktop::plain;
use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, Start};
use crate::sink::{Health, IngestSink};
use crate::supervisor::ConnectorError;

const SERVICE: &str = "org.kde.kdeconnect";
const DAEMON_PATH: &str = "/modules/kdeconnect";
const DEVICES_PATH: &str = "/modules/kdeconnect/devices";
const DAEMON: &str = "org.kde.kdeconnect.daemon";
const DEVICE: &str = "org.kde.kdeconnect.device";
const NOTIFICATIONS: &str = "org.kde.kdeconnect.device.notifications";
const NOTIFICATION: &str = "org.kde.kdeconnect.device.notifications.notification";
/// GSConnect's own bus name, present while the GNOME Shell extension runs.
const GSCONNECT_SERVICE: &str = "org.gnome.Shell.Extensions.GSConnect";

/// The phone kind: its settings are a [`PhoneSettings`].
#[derive(Debug)]
pub struct Phone;

impl Kind for Phone {
    type Settings = PhoneSettings;
    const KIND: ChannelKind = ChannelKind::Phone;
    const PHONE: bool = true;

    fn settings(settings: &ChannelSettings) -> Option<&PhoneSettings> {
        match settings {
            ChannelSettings::Phone(s) => Some(s),
            _ => None,
        }
    }
    fn wrap(settings: PhoneSettings) -> ChannelSettings {
        ChannelSettings::Phone(settings)
    }
    fn validate(settings: PhoneSettings) -> Result<PhoneSettings, Invalid> {
        let device = settings.device.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if let Some(d) = &device
            && !d.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(Invalid::new("device", Phrase::new("phone.bad_device").with("device", format!("{d:?}"))));
        }
        Ok(PhoneSettings { device, ..settings })
    }
    fn describe(_: &str, settings: &PhoneSettings) -> Phrase {
        let phrase = match (&settings.device, settings.dismiss_held) {
            (None, false) => Phrase::new("about.phone"),
            (None, true) => Phrase::new("about.phone.dismiss"),
            (Some(_), false) => Phrase::new("about.phone.device"),
            (Some(_), true) => Phrase::new("about.phone.device_dismiss"),
        };
        phrase.with("device", settings.device.clone().unwrap_or_default())
    }
    fn check(settings: PhoneSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        Box::pin(async move {
            let mut steps = vec![match ctx.bus.as_deref() {
                Some(bus) => Phrase::new("check.desktop.bus").with("bus", bus),
                None => Phrase::new("check.desktop.default_bus"),
            }];
            let outcome = match survey(ctx.bus.as_deref(), &settings).await {
                Ok(found) => {
                    if found.gsconnect {
                        steps.push(Phrase::new("check.phone.gsconnect"));
                    }
                    match (&found.kdeconnect, found.gsconnect) {
                        (Some(devices), _) => {
                            steps.push(Phrase::new("check.phone.kdeconnect").with("count", devices.len()));
                            let reachable: Vec<String> = devices.iter().filter(|d| d.reachable).map(|d| d.name.clone()).collect();
                            if !reachable.is_empty() {
                                Ok(Phrase::new("check.phone.reachable").with("names", reachable.join(", ")))
                            } else if !devices.is_empty() {
                                Ok(Phrase::new("check.phone.out_of_reach")
                                    .with("names", devices.iter().map(|d| d.name.clone()).collect::<Vec<_>>().join(", ")))
                            } else if found.gsconnect {
                                Ok(Phrase::new("check.phone.gsconnect_only"))
                            } else {
                                Err(Phrase::new("check.phone.none_paired"))
                            }
                        }
                        (None, true) => Ok(Phrase::new("check.phone.gsconnect_only")),
                        (None, false) => Err(Phrase::new("check.phone.no_companion")),
                    }
                }
                Err(e) => Err(e.phrase()),
            };
            Checked { steps, outcome }
        })
    }
    fn start(settings: PhoneSettings, ctx: RunContext) -> Option<Start> {
        Some(Box::new(move || Box::pin(run(ctx.channel, settings.clone(), ctx.bus.clone(), ctx.sink.clone()))))
    }
    fn claims(_: &PhoneSettings, app: &str, entry: Option<&str>) -> bool {
        let bridges = [KDECONNECT_DESKTOP_ENTRY, GSCONNECT_APP_ID];
        entry.is_some_and(|e| bridges.contains(&e)) || app == KDECONNECT_APP_NAME || app == GSCONNECT_APP_ID
    }
    fn reply(handle: &str, text: &str, bus: Option<String>) -> BoxFuture<'static, Result<(), Phrase>> {
        let (handle, text) = (handle.to_owned(), text.to_owned());
        Box::pin(async move { send_reply(bus.as_deref(), &handle, &text).await.map_err(|e| e.phrase()) })
    }
}

/// The session bus KDE Connect and GSConnect are on.
async fn connect(address: Option<&str>) -> Result<zbus::Connection, ConnectorError> {
    crate::desktop::connect_or_say(address, "phone.no_bus").await
}

/// A paired device as KDE Connect knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub reachable: bool,
}

/// What is on the bus for the phone: KDE Connect's paired devices (when its daemon runs) and
/// whether GSConnect runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub kdeconnect: Option<Vec<Device>>,
    pub gsconnect: bool,
}

async fn has_owner(conn: &zbus::Connection, name: &str) -> bool {
    let Ok(dbus) = zbus::fdo::DBusProxy::new(conn).await else { return false };
    let Ok(name) = zbus::names::BusName::try_from(name) else { return false };
    dbus.name_has_owner(name).await.unwrap_or(false)
}

async fn call<R>(
    conn: &zbus::Connection,
    path: &str,
    interface: &str,
    method: &str,
    body: &(impl Serialize + zbus::zvariant::DynamicType),
) -> zbus::Result<R>
where
    R: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
{
    let reply = conn.call_method(Some(SERVICE), path, Some(interface), method, body).await?;
    reply.body().deserialize()
}

async fn property(conn: &zbus::Connection, path: &str, interface: &str, name: &str) -> Option<OwnedVariant> {
    call(conn, path, "org.freedesktop.DBus.Properties", "Get", &(interface, name)).await.ok()
}

fn as_string(v: &OwnedVariant) -> Option<String> {
    String::try_from(v.try_clone().ok()?).ok()
}

fn as_bool(v: &OwnedVariant) -> Option<bool> {
    bool::try_from(&**v).ok()
}

/// The paired devices this channel takes, with their names and reachability.
async fn devices(conn: &zbus::Connection, settings: &PhoneSettings) -> zbus::Result<Vec<Device>> {
    let ids: Vec<String> = call(conn, DAEMON_PATH, DAEMON, "devices", &(false, true)).await?;
    let mut out = Vec::new();
    for id in ids.into_iter().filter(|id| settings.takes(id)) {
        let path = format!("{DEVICES_PATH}/{id}");
        let name = property(conn, &path, DEVICE, "name").await.as_ref().and_then(as_string).unwrap_or_else(|| id.clone());
        let reachable = property(conn, &path, DEVICE, "isReachable").await.as_ref().and_then(as_bool).unwrap_or(false);
        out.push(Device { id, name, reachable });
    }
    Ok(out)
}

/// Looks at the bus: for `channel test` and for the connector's health.
pub async fn survey(bus: Option<&str>, settings: &PhoneSettings) -> Result<Survey, ConnectorError> {
    let conn = connect(bus).await?;
    let gsconnect = has_owner(&conn, GSCONNECT_SERVICE).await;
    let kdeconnect =
        if has_owner(&conn, SERVICE).await { Some(devices(&conn, settings).await.map_err(ConnectorError::transient)?) } else { None };
    Ok(Survey { kdeconnect, gsconnect })
}

/// A phone notification as KDE Connect exposes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneNotification {
    pub device: String,
    /// Android's own key for it (stable across reconnects, unlike its bus path).
    pub internal_id: String,
    pub app: String,
    /// The contact or conversation.
    pub title: String,
    pub text: String,
    pub ticker: String,
    pub silent: bool,
    pub dismissable: bool,
    /// The phone's quick-reply id, when the notification offers one.
    pub reply_id: String,
}

/// How to answer a phone message from Lull, stored with it (`Incoming::reply`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
enum ReplyHandle {
    Kdeconnect { device: String, reply_id: String },
}

impl PhoneNotification {
    /// The message Lull stores: the contact as sender (with the app, as desktop notifications
    /// are), the app for `app:` matching and the category.
    pub fn into_incoming(self, received_at: chrono::DateTime<chrono::Utc>) -> Incoming {
        let app = if self.app.trim().is_empty() { "Android".to_owned() } else { plain(&self.app) };
        let title = plain(&self.title);
        let text = plain(if self.text.trim().is_empty() { &self.ticker } else { &self.text });
        // A platform app relaying a client's message ("Nouveau message de Jane Doe"): the
        // client's words, a direct message.
        let relay = lull_core::relay::platform_of_app(&app)
            .and_then(|p| lull_core::relay::from_title(p, &title).or_else(|| lull_core::relay::from_title(p, &text)));
        let reply = (!self.reply_id.is_empty())
            .then(|| serde_json::to_string(&ReplyHandle::Kdeconnect { device: self.device.clone(), reply_id: self.reply_id.clone() }).ok())
            .flatten();
        Incoming {
            source_key: format!("kdeconnect:{}:{}", self.device, self.internal_id),
            // An SMS seen through GSConnect names no app: the contact is both. A relayed
            // message is from the person the platform names.
            sender: match (&relay, title.is_empty(), title == app) {
                (Some(r), _, _) => format!("{} ({app})", r.person),
                (None, true, _) => app.clone(),
                (None, false, true) => title.clone(),
                (None, false, false) => format!("{title} ({app})"),
            },
            title: if title.is_empty() { app.clone() } else { title },
            body: text,
            url: None,
            category: if relay.is_some() { None } else { Some(category_of_app(&app)) },
            sent_at: None,
            received_at,
            app: Some(app),
            shown_by_source: false,
            silent: self.silent,
            reply,
            mail: None,
            relay,
        }
    }
}

fn text(props: &HashMap<String, OwnedVariant>, key: &str) -> String {
    props.get(key).and_then(as_string).unwrap_or_default()
}

fn flag(props: &HashMap<String, OwnedVariant>, key: &str) -> bool {
    props.get(key).and_then(as_bool).unwrap_or(false)
}

/// Reads the notification at `path` (`…/devices/<device>/notifications/<n>`).
async fn read(conn: &zbus::Connection, device: &str, path: &str) -> zbus::Result<PhoneNotification> {
    let props: HashMap<String, OwnedVariant> = call(conn, path, "org.freedesktop.DBus.Properties", "GetAll", &(NOTIFICATION,)).await?;
    Ok(PhoneNotification {
        device: device.to_owned(),
        internal_id: text(&props, "internalId"),
        app: text(&props, "appName"),
        title: text(&props, "title"),
        text: text(&props, "text"),
        ticker: text(&props, "ticker"),
        silent: flag(&props, "silent"),
        dismissable: flag(&props, "dismissable"),
        reply_id: text(&props, "replyId"),
    })
}

/// The device and the notification number in a notification's path.
fn parse_path(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix(DEVICES_PATH)?.strip_prefix('/')?;
    let (device, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("notifications")?;
    match rest.strip_prefix('/') {
        Some(n) if !n.is_empty() && !n.contains('/') => Some((device, Some(n))),
        None if rest.is_empty() => Some((device, None)),
        _ => None,
    }
}

/// What the connector keeps between signals.
struct Watch {
    channel: ChannelId,
    settings: PhoneSettings,
    sink: Arc<dyn IngestSink>,
    conn: zbus::Connection,
    /// Devices whose active notifications were imported since they were last reachable.
    imported: HashSet<String>,
}

impl Watch {
    /// Stores one notification (or its new text, `revise`), and dismisses it on the phone when
    /// it is held and the channel says so.
    async fn take(&self, path: &str, device: &str, revise: bool) {
        let n = match read(&self.conn, device, path).await {
            Ok(n) if !n.internal_id.is_empty() => n,
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(path, error = %e, "a phone notification went away before it was read");
                return;
            }
        };
        let dismissable = n.dismissable;
        let incoming = n.into_incoming(self.sink.now());
        let stored = if revise { self.sink.revise(self.channel, incoming).await } else { self.sink.ingest(self.channel, incoming).await };
        match stored {
            Ok(receipt)
                if self.settings.dismiss_held && dismissable && !receipt.duplicate && receipt.decision.kind == DecisionKind::Held =>
            {
                match self.conn.call_method(Some(SERVICE), path, Some(NOTIFICATION), "dismiss", &()).await {
                    Ok(_) => self.sink.dismissed(receipt.message_id),
                    Err(e) => tracing::info!(error = %e, "a held notification could not be dismissed on the phone"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(channel = self.channel, error = %e, "a phone notification was not stored"),
        }
    }

    /// Imports what reachable devices show now (once per time they come in reach), and says
    /// whether the channel has a phone or waits for one.
    async fn sync(&mut self) -> Result<(), ConnectorError> {
        if !has_owner(&self.conn, SERVICE).await {
            self.imported.clear();
            let reason = if has_owner(&self.conn, GSCONNECT_SERVICE).await { None } else { Some(Phrase::new("phone.no_kdeconnect")) };
            self.sink.report(self.channel, reason.map_or(Health::Ok, |reason| Health::Waiting { reason }));
            return Ok(());
        }
        // A daemon that has just started owns its name a moment before it serves its objects:
        // give it that moment rather than failing the channel (and showing an error) for it.
        let mut tries = 0;
        let devices = loop {
            match devices(&self.conn, &self.settings).await {
                Ok(devices) => break devices,
                Err(_) if tries < 20 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(ConnectorError::transient(e)),
            }
        };
        let reachable: Vec<&Device> = devices.iter().filter(|d| d.reachable).collect();
        self.imported.retain(|id| reachable.iter().any(|d| &d.id == id));
        for device in &reachable {
            if self.imported.contains(&device.id) {
                continue;
            }
            let path = format!("{DEVICES_PATH}/{}/notifications", device.id);
            // The plugin is loaded a moment after the device becomes reachable.
            let Ok(active) = call::<Vec<String>>(&self.conn, &path, NOTIFICATIONS, "activeNotifications", &()).await else { continue };
            for n in active {
                self.take(&format!("{path}/{n}"), &device.id, false).await;
            }
            self.imported.insert(device.id.clone());
        }
        let health = if !reachable.is_empty() || has_owner(&self.conn, GSCONNECT_SERVICE).await {
            Health::Ok
        } else if devices.is_empty() {
            Health::Waiting { reason: Phrase::new("phone.none_paired") }
        } else {
            let names = devices.iter().map(|d| d.name.clone()).collect::<Vec<_>>().join(", ");
            Health::Waiting { reason: Phrase::new("phone.out_of_reach").with("names", names) }
        };
        self.sink.report(self.channel, health);
        Ok(())
    }
}

fn signal_rules() -> zbus::Result<Vec<MatchRule<'static>>> {
    let signal = |interface: &'static str| MatchRule::builder().msg_type(MessageType::Signal).interface(interface);
    Ok(vec![
        signal(NOTIFICATIONS).path_namespace(DEVICES_PATH).build()?,
        signal(NOTIFICATION).path_namespace(DEVICES_PATH).member("ready").build()?,
        signal(DEVICE).path_namespace(DEVICES_PATH).build()?,
        signal(DAEMON).path(DAEMON_PATH).build()?,
        signal("org.freedesktop.DBus").member("NameOwnerChanged").arg(0, SERVICE).build()?,
        signal("org.freedesktop.DBus").member("NameOwnerChanged").arg(0, GSCONNECT_SERVICE).build()?,
    ])
}

/// Watches KDE Connect (and GSConnect) and ingests each phone notification until the bus goes
/// away.
pub async fn run(
    channel: ChannelId,
    settings: PhoneSettings,
    bus: Option<String>,
    sink: Arc<dyn IngestSink>,
) -> Result<(), ConnectorError> {
    sink.report(channel, Health::Connecting);
    let conn = connect(bus.as_deref()).await?;
    let mut streams = Vec::new();
    for rule in signal_rules().map_err(ConnectorError::transient)? {
        streams
            .push(MessageStream::for_match_rule(rule, &conn, std::num::NonZeroUsize::new(1024)).await.map_err(ConnectorError::transient)?);
    }
    let mut signals = futures_util::stream::select_all(streams);
    let gsconnect = tokio::spawn(watch_gsconnect(channel, settings.clone(), bus.clone(), sink.clone()));
    let _stop_gsconnect = AbortOnDrop(gsconnect);
    let mut watch = Watch { channel, settings, sink, conn, imported: HashSet::new() };
    watch.sync().await?;
    while let Some(msg) = signals.next().await {
        let msg = msg.map_err(|e| ConnectorError::Transient(Phrase::new("desktop.cannot_read").with("detail", e)))?;
        let header = msg.header();
        let (Some(interface), Some(member), path) = (header.interface(), header.member(), header.path()) else { continue };
        let path = path.map(|p| p.as_str().to_owned()).unwrap_or_default();
        match (interface.as_str(), member.as_str(), parse_path(&path)) {
            (NOTIFICATIONS, "notificationPosted", Some((device, None))) if watch.settings.takes(device) => {
                let Ok((n,)) = msg.body().deserialize::<(String,)>() else { continue };
                let device = device.to_owned();
                watch.take(&format!("{path}/{n}"), &device, false).await;
            }
            // An update in place: the same notification with new text.
            (NOTIFICATION, "ready", Some((device, Some(_)))) if watch.settings.takes(device) => {
                let device = device.to_owned();
                watch.take(&path, &device, true).await;
            }
            // What the phone removes stays in the inbox.
            (NOTIFICATIONS, _, _) => {}
            _ => watch.sync().await?,
        }
    }
    Err(ConnectorError::Transient(Phrase::new("desktop.bus_closed")))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A notification GSConnect posted, as the phone message Lull stores.
pub fn gsconnect_incoming(id: &str, title: &str, body: &str, received_at: chrono::DateTime<chrono::Utc>) -> Option<(String, Incoming)> {
    let (device, rest) = id.split_once('|')?;
    let key = match rest.rsplit_once('|') {
        Some((key, last)) if is_uuid(last) => key,
        _ => rest,
    };
    if device.is_empty() || key.is_empty() {
        return None;
    }
    let (app, who, text) = split_gsconnect(&plain(title), &plain(body));
    let incoming =
        PhoneNotification { device: device.to_owned(), internal_id: key.to_owned(), app, title: who, text, ..PhoneNotification::default() }
            .into_incoming(received_at);
    Some((device.to_owned(), Incoming { source_key: format!("gsconnect:{device}:{key}"), ..incoming }))
}

/// `8-4-4-4-12` hexadecimal digits: the reply id Android gives a repliable notification.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// GSConnect's notifications: watched as a bus monitor for `org.gtk.Notifications` calls with
/// GSConnect's application id. Best effort: a bus that refuses monitors leaves KDE Connect.
async fn watch_gsconnect(channel: ChannelId, settings: PhoneSettings, bus: Option<String>, sink: Arc<dyn IngestSink>) {
    let watch = async {
        let conn = connect(bus.as_deref()).await?;
        let monitor = zbus::fdo::MonitoringProxy::new(&conn).await.map_err(ConnectorError::transient)?;
        let rule = MatchRule::builder()
            .msg_type(MessageType::MethodCall)
            .interface("org.gtk.Notifications")
            .member("AddNotification")
            .arg(0, GSCONNECT_APP_ID)
            .build()
            .map_err(ConnectorError::transient)?;
        monitor.become_monitor(&[rule], 0).await.map_err(ConnectorError::transient)?;
        let mut stream = MessageStream::from(&conn);
        while let Some(Ok(msg)) = stream.next().await {
            if msg.message_type() != MessageType::MethodCall {
                continue;
            }
            type Add = (String, String, HashMap<String, OwnedVariant>);
            let Ok((app_id, id, n)) = msg.body().deserialize::<Add>() else { continue };
            if app_id != GSCONNECT_APP_ID {
                continue;
            }
            let (title, body) = (text(&n, "title"), text(&n, "body"));
            let Some((device, incoming)) = gsconnect_incoming(&id, &title, &body, sink.now()) else { continue };
            if !settings.takes(&device) {
                continue;
            }
            if let Err(e) = sink.revise(channel, incoming).await {
                tracing::warn!(channel, error = %e, "a GSConnect notification was not stored");
            }
        }
        Ok::<(), ConnectorError>(())
    };
    if let Err(e) = watch.await {
        tracing::info!(channel, error = %e, "not watching GSConnect's notifications");
    }
}

/// Sends `text` as the quick reply a phone message offers.
pub async fn send_reply(bus: Option<&str>, handle: &str, text: &str) -> Result<(), ConnectorError> {
    let handle: ReplyHandle = serde_json::from_str(handle).map_err(|_| ConnectorError::Config(Phrase::new("phone.no_reply")))?;
    let ReplyHandle::Kdeconnect { device, reply_id } = handle;
    let conn = connect(bus).await?;
    if !has_owner(&conn, SERVICE).await {
        return Err(ConnectorError::Transient(Phrase::new("phone.no_kdeconnect")));
    }
    let path = format!("{DEVICES_PATH}/{device}/notifications");
    conn.call_method(Some(SERVICE), path.as_str(), Some(NOTIFICATIONS), "sendReply", &(reply_id.as_str(), text))
        .await
        .map_err(|e| ConnectorError::Transient(Phrase::new("phone.reply_failed").with("detail", e)))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_device_and_the_notification() {
        assert_eq!(parse_path("/modules/kdeconnect/devices/abc_1/notifications"), Some(("abc_1", None)));
        assert_eq!(parse_path("/modules/kdeconnect/devices/abc_1/notifications/12"), Some(("abc_1", Some("12"))));
        assert_eq!(parse_path("/modules/kdeconnect/devices/abc_1"), None);
        assert_eq!(parse_path("/modules/kdeconnect/devices/abc_1/battery"), None);
    }

    /// The Malt and Fiverr apps relaying a client's message: a direct message naming the person;
    /// their other notifications stay platform notifications.
    #[test]
    fn a_platform_app_relaying_a_client_is_the_clients_message() {
        let at = chrono::DateTime::from_timestamp(1_764_580_000, 0).expect("instant");
        let note = |app: &str, title: &str, text: &str| {
            PhoneNotification {
                device: "abc".into(),
                internal_id: "1".into(),
                app: app.into(),
                title: title.into(),
                text: text.into(),
                ..PhoneNotification::default()
            }
            .into_incoming(at)
        };
        let malt = note("Malt", "Nouveau message de Jane Doe", "Bonjour, pouvons-nous décaler ?");
        assert_eq!(malt.relay.as_ref().map(|r| (r.platform.as_str(), r.person.as_str())), Some(("Malt", "Jane Doe")));
        assert_eq!(malt.category, None, "direct");
        assert_eq!(malt.sender, "Jane Doe (Malt)");
        let fiverr = note("Fiverr", "Fiverr", "You have a new message from jane_doe");
        assert_eq!(fiverr.relay.as_ref().map(|r| r.person.as_str()), Some("jane_doe"));
        let other = note("Malt", "Malt", "Votre profil a été vu 12 fois");
        assert_eq!((other.relay, other.category), (None, Some(lull_core::Category::Platform)));
    }

    #[test]
    fn a_phone_notification_is_a_message_keyed_by_device_and_android_key() {
        let n = PhoneNotification {
            device: "abc".into(),
            internal_id: "0|com.whatsapp|1|null|10123".into(),
            app: "WhatsApp".into(),
            title: "Acme team".into(),
            text: "Can you call?".into(),
            ticker: "Acme team: Can you call?".into(),
            silent: true,
            dismissable: true,
            reply_id: "r-1".into(),
        };
        let m = n.into_incoming(chrono::DateTime::UNIX_EPOCH);
        assert_eq!(m.source_key, "kdeconnect:abc:0|com.whatsapp|1|null|10123");
        assert_eq!((m.sender.as_str(), m.title.as_str(), m.body.as_str()), ("Acme team (WhatsApp)", "Acme team", "Can you call?"));
        assert_eq!(m.app.as_deref(), Some("WhatsApp"));
        assert!(m.silent);
        assert_eq!(m.reply.as_deref(), Some(r#"{"via":"kdeconnect","device":"abc","reply_id":"r-1"}"#));
        let malt = PhoneNotification { app: "Malt".into(), title: "New mission".into(), ..PhoneNotification::default() };
        assert_eq!(malt.into_incoming(chrono::DateTime::UNIX_EPOCH).category, Some(lull_core::Category::Platform));
    }

    #[test]
    fn gsconnect_ids_key_on_device_and_android_key() {
        let id = "dev1|0|com.whatsapp|7|null|10|5b0c1f2e-93aa-4b7e-9d01-7c2f8e4b6a10";
        let (device, m) = gsconnect_incoming(id, "WhatsApp", "Acme: hello", chrono::DateTime::UNIX_EPOCH).expect("a phone notification");
        assert_eq!(device, "dev1");
        assert_eq!(m.source_key, "gsconnect:dev1:0|com.whatsapp|7|null|10");
        // The same notification posted again gets a new reply id, and the same key.
        let again = gsconnect_incoming(
            "dev1|0|com.whatsapp|7|null|10|0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
            "WhatsApp",
            "Acme: hi",
            chrono::DateTime::UNIX_EPOCH,
        );
        assert_eq!(again.map(|(_, m)| m.source_key), Some(m.source_key.clone()));
        assert_eq!((m.sender.as_str(), m.body.as_str()), ("Acme (WhatsApp)", "hello"));
        let (_, sms) = gsconnect_incoming("dev1|0|sms|1", "Jane Doe", "See you", chrono::DateTime::UNIX_EPOCH).expect("an SMS");
        assert_eq!((sms.sender.as_str(), sms.title.as_str()), ("Jane Doe", "Jane Doe"));
        assert!(gsconnect_incoming("no-separator", "t", "b", chrono::DateTime::UNIX_EPOCH).is_none());
    }
}
