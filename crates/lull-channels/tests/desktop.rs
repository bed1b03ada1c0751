//! Desktop notification capture on a private session bus, with real senders: `notify-send`
//! (libnotify) and `gdbus call`, while a notification daemon (the test recorder) owns the
//! service name as on any desktop.

mod common;

use std::process::Command;
use std::time::Duration;

use common::MemoryHost;
use lull_channels::Health;
use lull_channels::desktop::{self, DesktopSettings};
use lull_testkit::{PrivateBus, RecordingServer};

fn on_bus(bus: &PrivateBus, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()
        .unwrap_or_else(|e| panic!("run {program} ({e}); scripts/install-deps.sh --test installs it"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
}

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
    let settings = DesktopSettings { ignore_apps: vec!["update-notifier".into()] };
    let task = tokio::spawn(desktop::run(7, settings, Some(bus.address().to_owned()), host.clone()));
    host.wait("the monitor", Duration::from_secs(10), |h| h.last_health() == Some(Health::Ok)).await;

    on_bus(&bus, "notify-send", &["-a", "Slack", "Jane Doe (Acme workspace)", "Can we move <b>the call</b> to 3pm &amp; review?"]);
    gdbus_notify(&bus, "Thunderbird", "Invoice 2026-114", "From billing@globex.example");
    // Neither Lull's own notifications nor ignored apps are taken.
    on_bus(&bus, "notify-send", &["-a", "Lull", "13:00 digest: 2 messages", "x"]);
    on_bus(&bus, "notify-send", &["-a", "update-notifier", "Updates available", "x"]);
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
    assert_eq!(daemon.notifications().len(), 5);

    // The bus going away is a transient failure, for the supervisor to retry.
    drop(bus);
    let ended = tokio::time::timeout(Duration::from_secs(10), task).await.expect("ends").expect("no panic");
    assert!(matches!(ended, Err(lull_channels::ConnectorError::Transient(_))), "{ended:?}");
}
