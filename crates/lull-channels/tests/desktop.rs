//! Desktop notification capture on a private session bus, with real senders: `notify-send`
//! (libnotify) and `gdbus call`, while a notification daemon (the test recorder) owns the
//! service name as on any desktop.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{MemoryHost, on_bus, said};
use lull_channels::Health;
use lull_channels::desktop::{self, DesktopSettings};
use lull_channels::gatekeeper;
use lull_testkit::{PrivateBus, RecordingServer};

/// A Notify call made with `gdbus`, as a program using GLib's D-Bus directly would.
fn gdbus_notify(bus: &PrivateBus, app: &str, summary: &str, body: &str) {
    let method = "org.freedesktop.Notifications.Notify";
    let (dest, path) = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications");
    on_bus(
        bus,
        "gdbus",
        &["call", "--session", "--dest", dest, "--object-path", path, "--method", method, app, "0", "", summary, body, "[]", "{}", "5000"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_from_real_senders_enter_the_inbox() {
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let daemon = RecordingServer::start(bus.address()).await.expect("notification daemon");
    let host = MemoryHost::new();
    let settings = DesktopSettings { ignore_apps: vec!["update-notifier".into()], gatekeeper: false };
    let task = tokio::spawn(desktop::run(7, settings, Some(bus.address().to_owned()), host.clone()));
    host.wait("the monitor", Duration::from_secs(10), |h| h.last_health() == Some(Health::Ok)).await;

    on_bus(&bus, "notify-send", &["-a", "Slack", "Jane Doe (Acme workspace)", "Can we move <b>the call</b> to 3pm &amp; review?"]);
    gdbus_notify(&bus, "Thunderbird", "Invoice 2026-114", "From billing@globex.example");
    // Neither Lull's own notifications nor ignored apps are taken.
    on_bus(&bus, "notify-send", &["-a", "Lull", "13:00 digest: 2 messages", "x"]);
    on_bus(&bus, "notify-send", &["-a", "update-notifier", "Updates available", "x"]);
    // Nor the phone's notifications KDE Connect re-shows, when a phone channel records them.
    host.claimed_entries.lock().expect("lock").push("org.kde.kdeconnect.daemon".into());
    on_bus(&bus, "notify-send", &["-a", "KDE Connect", "-h", "string:desktop-entry:org.kde.kdeconnect.daemon", "WhatsApp", "Acme: hi"]);
    // notify-send refuses an empty summary; browsers send them.
    gdbus_notify(&bus, "Signal", "", "no summary");
    host.wait("three notifications", Duration::from_secs(10), |h| h.messages.lock().expect("lock").len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let messages: Vec<_> = host.messages.lock().expect("lock").iter().map(|(_, m)| m.clone()).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    let slack = messages.iter().find(|m| m.app.as_deref() == Some("Slack")).expect("slack");
    assert_eq!(slack.title, "Jane Doe (Acme workspace)");
    assert_eq!(slack.sender, "Jane Doe (Acme workspace) (Slack)");
    assert_eq!(slack.body, "Can we move the call to 3pm & review?", "markup is read as text");
    let mail = messages.iter().find(|m| m.app.as_deref() == Some("Thunderbird")).expect("thunderbird");
    assert_eq!((mail.title.as_str(), mail.body.as_str()), ("Invoice 2026-114", "From billing@globex.example"));
    let signal = messages.iter().find(|m| m.app.as_deref() == Some("Signal")).expect("signal");
    assert_eq!(signal.title, "Signal", "an empty summary falls back to the app");
    let keys: std::collections::HashSet<_> = messages.iter().map(|m| &m.source_key).collect();
    assert_eq!(keys.len(), 3, "each notification has its own key");
    // The desktop's own daemon still showed them all: observing hides nothing.
    assert_eq!(daemon.notifications().len(), 6);

    // The bus going away is a transient failure, for the supervisor to retry.
    drop(bus);
    let ended = tokio::time::timeout(Duration::from_secs(10), task).await.expect("ends").expect("no panic");
    assert!(matches!(ended, Err(lull_channels::ConnectorError::Transient(_))), "{ended:?}");
}

/// Popups kept in memory; the test plays the user through `events`.
#[derive(Default)]
struct MemoryPopups {
    shown: std::sync::Mutex<Vec<lull_api::popups::Popup>>,
    closed: std::sync::Mutex<Vec<u32>>,
    events: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<lull_api::popups::PopupEvent>>>,
    refuse: Option<lull_core::Phrase>,
}

impl gatekeeper::Popups for MemoryPopups {
    fn open(&self, events: tokio::sync::mpsc::UnboundedSender<lull_api::popups::PopupEvent>) -> Result<(), lull_core::Phrase> {
        if let Some(why) = &self.refuse {
            return Err(why.clone());
        }
        *self.events.lock().expect("lock") = Some(events);
        Ok(())
    }
    fn show(&self, popup: lull_api::popups::Popup) {
        self.shown.lock().expect("lock").push(popup);
    }
    fn close(&self, id: u32) {
        self.closed.lock().expect("lock").push(id);
    }
}

impl MemoryPopups {
    fn summaries(&self) -> Vec<String> {
        self.shown.lock().expect("lock").iter().map(|p| p.summary.clone()).collect()
    }
    fn id_of(&self, summary: &str) -> u32 {
        self.shown.lock().expect("lock").iter().find(|p| p.summary == summary).map(|p| p.id).expect("shown")
    }
}

/// `notify-send --print-id`: the id the daemon answered.
fn notify_send(bus: &PrivateBus, args: &[&str]) -> u32 {
    let out = Command::new("notify-send")
        .arg("--print-id")
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()
        .expect("notify-send (libnotify-bin)");
    assert!(out.status.success(), "notify-send failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("an id")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gatekeeper_shows_what_passes_and_holds_the_rest() {
    use futures_util::StreamExt;
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let host = MemoryHost::new();
    host.hold_apps.lock().expect("lock").push("Slack".into());
    let popups = std::sync::Arc::new(MemoryPopups::default());
    let settings = DesktopSettings { ignore_apps: vec!["update-notifier".into()], gatekeeper: true };
    let task = tokio::spawn(gatekeeper::run(7, "desk".into(), settings, Some(bus.address().to_owned()), host.clone(), popups.clone()));
    host.wait("the gatekeeper", Duration::from_secs(10), |h| h.last_health() == Some(Health::Ok)).await;
    let watcher = zbus::connection::Builder::address(bus.address()).build().await.expect("connect");
    let rule =
        zbus::MatchRule::builder().msg_type(zbus::message::Type::Signal).interface("org.freedesktop.Notifications").build().expect("rule");
    let mut signals = zbus::MessageStream::for_match_rule(rule, &watcher, None).await.expect("signals");

    // KDE Connect re-shows the phone's notifications; with a phone channel, they are its own.
    host.claimed_entries.lock().expect("lock").push("org.kde.kdeconnect.daemon".into());
    let phone = notify_send(&bus, &["-a", "KDE Connect", "-h", "string:desktop-entry:org.kde.kdeconnect.daemon", "WhatsApp", "Acme: hi"]);
    assert!(phone > 0);
    let invoice = notify_send(&bus, &["-a", "Thunderbird", "Invoice 2026-114", "From <b>billing</b>"]);
    let held = notify_send(&bus, &["-a", "Slack", "Jane Doe (Acme)", "Can we talk?"]);
    let call = notify_send(&bus, &["-a", "Slack", "-u", "critical", "Call from Jane", "ringing"]);
    let digest = notify_send(&bus, &["-a", "Lull", "13:00 digest: 2 messages", "Acme 2"]);
    let battery = notify_send(&bus, &["-a", "update-notifier", "Updates available", "3 packages"]);
    let ids = std::collections::HashSet::from([invoice, held, call, digest, battery]);
    assert_eq!(ids.len(), 5, "each notification has its own id");

    // Live, critical, Lull's own and ignored apps are shown; the held one is not.
    assert_eq!(
        popups.summaries(),
        ["Invoice 2026-114", "Call from Jane", "13:00 digest: 2 messages", "Updates available"],
        "shown in order, the held message not at all"
    );
    let invoice_popup = popups.shown.lock().expect("lock")[0].clone();
    assert_eq!((invoice_popup.app.as_str(), invoice_popup.body.as_str()), ("Thunderbird", "From billing"), "markup read as text");
    assert_eq!(invoice_popup.expire_ms, gatekeeper::DEFAULT_EXPIRE_MS);
    // Everything but Lull's own and ignored apps is recorded, the held one included.
    let stored: Vec<_> = host.messages.lock().expect("lock").iter().map(|(_, m)| (m.title.clone(), m.shown_by_source)).collect();
    assert_eq!(
        stored,
        [("Invoice 2026-114".into(), true), ("Jane Doe (Acme)".into(), true), ("Call from Jane".into(), true)],
        "recorded as shown by their source, so the engine does not notify again"
    );

    // The app replaces its notification: same id, the popup is replaced.
    let replaced = notify_send(&bus, &["-a", "Thunderbird", "-r", &invoice.to_string(), "Invoice 2026-114 (paid)", "x"]);
    assert_eq!(replaced, invoice);
    // The user clicks the call's popup: the app hears ActionInvoked, then NotificationClosed.
    let events = popups.events.lock().expect("lock").clone().expect("opened");
    events.send(lull_api::popups::PopupEvent::Action { id: popups.id_of("Call from Jane"), key: "default".into() }).expect("send");
    // The app closes its invoice notification itself.
    on_bus(
        &bus,
        "gdbus",
        &[
            "call",
            "--session",
            "--dest",
            "org.freedesktop.Notifications",
            "--object-path",
            "/org/freedesktop/Notifications",
            "--method",
            "org.freedesktop.Notifications.CloseNotification",
            &invoice.to_string(),
        ],
    );
    let mut seen = Vec::new();
    while seen.len() < 3 {
        let msg = tokio::time::timeout(Duration::from_secs(10), signals.next()).await.expect("a signal").expect("stream").expect("msg");
        let member = msg.header().member().map(|m| m.to_string()).unwrap_or_default();
        let args = match member.as_str() {
            "ActionInvoked" => {
                let (id, key): (u32, String) = msg.body().deserialize().expect("args");
                format!("{id} {key}")
            }
            _ => {
                let (id, reason): (u32, u32) = msg.body().deserialize().expect("args");
                format!("{id} {reason}")
            }
        };
        seen.push(format!("{member} {args}"));
    }
    assert_eq!(
        seen,
        [format!("ActionInvoked {call} default"), format!("NotificationClosed {call} 2"), format!("NotificationClosed {invoice} 3")]
    );
    assert_eq!(*popups.closed.lock().expect("lock"), [invoice], "the app's close takes the popup away");

    // It answers as a notification server.
    let info = Command::new("gdbus")
        .args(["call", "--session", "--dest", "org.freedesktop.Notifications", "--object-path", "/org/freedesktop/Notifications"])
        .args(["--method", "org.freedesktop.Notifications.GetServerInformation"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()
        .expect("gdbus");
    assert!(String::from_utf8_lossy(&info.stdout).starts_with("('Lull', 'Lull'"), "{}", String::from_utf8_lossy(&info.stdout));
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gatekeeper_never_takes_the_name_from_another_daemon() {
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let daemon = RecordingServer::start(bus.address()).await.expect("notification daemon");
    let host = MemoryHost::new();
    let popups = std::sync::Arc::new(MemoryPopups::default());
    let settings = DesktopSettings { gatekeeper: true, ..DesktopSettings::default() };
    let ended = gatekeeper::run(7, "desk".into(), settings.clone(), Some(bus.address().to_owned()), host.clone(), popups).await;
    let Err(lull_channels::ConnectorError::Config(why)) = ended else { panic!("refused as a configuration error: {ended:?}") };
    let (text, hint) = (said(&why), lull_words::english().t(&format!("hint.{}", why.code), &[("name", why.param("name"))]));
    assert!(text.contains("another notification daemon already shows this desktop's notifications"), "{text}");
    assert!(text.contains("pid"), "names the daemon: {text}");
    assert!(hint.contains("lull channel edit desk --no-gatekeeper"), "the command line says what to do: {hint}");
    // The daemon kept its name and still shows notifications.
    on_bus(&bus, "notify-send", &["-a", "Slack", "still shown", "x"]);
    assert_eq!(daemon.wait_for(1, Duration::from_secs(5)).await.len(), 1);

    // Without popups (no graphical session), it says so instead of swallowing notifications.
    let refusing =
        std::sync::Arc::new(MemoryPopups { refuse: Some(lull_core::Phrase::new("gatekeeper.no_display")), ..MemoryPopups::default() });
    let ended = gatekeeper::run(7, "desk".into(), settings, Some(bus.address().to_owned()), host, refusing).await;
    assert!(
        matches!(&ended, Err(lull_channels::ConnectorError::Config(w))
            if w.code == "gatekeeper.no_display" && w.param("name") == "desk" && said(w).contains("or let Lull watch notifications instead")),
        "{ended:?}"
    );
}
