//! The phone channel against its real peers: Debian's `kdeconnectd` on a private session bus,
//! paired with a scripted phone speaking KDE Connect's protocol over 127.0.0.1:1716, inside a
//! private network namespace (the daemon binds every address and broadcasts: nothing may leave
//! the test); and GSConnect's shape through a real `gdbus call` to `org.gtk.Notifications`.

mod common;

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use common::{MemoryHost, said};
use lull_channels::Health;
use lull_channels::phone;
use lull_core::channel::PhoneSettings;
use lull_testkit::PrivateBus;
use lull_testkit::kdeconnect::{KdeConnect, Posted, ScriptedPhone, pair};
use lull_testkit::netns::enter_private_network;

const PHONE: &str = "lulltestphone_0123456789abcdef";
const WAIT: Duration = Duration::from_secs(20);

fn whatsapp() -> Posted {
    Posted {
        id: "0|com.whatsapp|1|acme|10123".into(),
        app: "WhatsApp".into(),
        title: "Acme team".into(),
        text: "Can you call?".into(),
        clearable: true,
        reply_id: Some("4f6c2a1e-0b7d-4c35-9a51-2e8f1d3b7c60".into()),
        ..Posted::default()
    }
}

fn malt() -> Posted {
    Posted {
        id: "0|com.malt|4|null|77".into(),
        app: "Malt".into(),
        title: "New mission".into(),
        text: "Logo redesign, 3 days".into(),
        clearable: true,
        ..Posted::default()
    }
}

fn messages(host: &MemoryHost) -> Vec<lull_core::Incoming> {
    host.messages.lock().expect("lock").iter().map(|(_, m)| m.clone()).collect()
}

/// How many notifications the daemon shows for the phone now.
async fn on_daemon(bus: &str) -> usize {
    let Ok(conn) = zbus::connection::Builder::address(bus).build().await else { return 0 };
    let path = format!("/modules/kdeconnect/devices/{PHONE}/notifications");
    let reply = conn
        .call_method(Some("org.kde.kdeconnect"), path.as_str(), Some("org.kde.kdeconnect.device.notifications"), "activeNotifications", &())
        .await;
    reply.ok().and_then(|r| r.body().deserialize::<Vec<String>>().ok()).map_or(0, |v| v.len())
}

async fn until_on_daemon(bus: &str, n: usize) {
    for _ in 0..200 {
        if on_daemon(bus).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the daemon never showed {n} notifications (it shows {})", on_daemon(bus).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn kde_connect_notifications_enter_the_inbox_once_and_stay() {
    if !enter_private_network("kde_connect_notifications_enter_the_inbox_once_and_stay") {
        return;
    }
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let address = bus.address().to_owned();
    let daemon = KdeConnect::start(&address).expect("kdeconnectd");
    let phone = ScriptedPhone::connect(PHONE).await.expect("the phone connects");
    pair(&address, PHONE).await.expect("paired");

    // Posted while Lull is not watching: imported once when it starts.
    phone.post(&whatsapp());
    until_on_daemon(&address, 1).await;
    let host = MemoryHost::new();
    host.hold_apps.lock().expect("lock").push("Malt".into());
    let settings = PhoneSettings { device: None, dismiss_held: true };
    let task = tokio::spawn(phone::run(3, settings.clone(), Some(address.clone()), host.clone()));
    host.wait("the notification already there", WAIT, |h| h.messages.lock().expect("lock").len() == 1).await;
    host.wait("a healthy channel", WAIT, |h| h.last_health() == Some(Health::Ok)).await;
    let m = &messages(&host)[0];
    assert_eq!(m.source_key, format!("kdeconnect:{PHONE}:0|com.whatsapp|1|acme|10123"));
    assert_eq!((m.sender.as_str(), m.title.as_str(), m.body.as_str()), ("Acme team (WhatsApp)", "Acme team", "Can you call?"));
    assert_eq!((m.app.as_deref(), m.category, m.silent), (Some("WhatsApp"), Some(lull_core::Category::Direct), false));

    // Posted while watching; the platform's notification is held, so it is dismissed on the
    // phone (its shade stops pulling) and recorded as such.
    phone.post(&malt());
    host.wait("the Malt notification", WAIT, |h| h.messages.lock().expect("lock").len() == 2).await;
    let cancel = phone.wait_for("kdeconnect.notification.request", WAIT, |b| b["cancel"] == malt().id).await;
    assert!(cancel.is_some(), "the held notification was dismissed on the phone: {:?}", phone.received());
    host.wait("the dismissal", WAIT, |h| h.dismissed.lock().expect("lock").len() == 1).await;
    assert_eq!(messages(&host)[1].category, Some(lull_core::Category::Platform));

    // Updated in place (the chat grows): one message, its text updated.
    phone.post(&Posted { text: "Can you call? It's about the launch.".into(), ..whatsapp() });
    host.wait("the new text", WAIT, |h| messages(h)[0].body == "Can you call? It's about the launch.").await;
    assert_eq!(messages(&host).len(), 2);

    // Removed on the phone: it stays in the inbox.
    phone.cancel(&whatsapp().id);
    until_on_daemon(&address, 0).await;
    assert_eq!(messages(&host).len(), 2);

    // The phone goes out of reach: the channel waits for it, nothing is wrong.
    phone.post(&whatsapp());
    host.wait("the re-post", WAIT, |h| h.messages.lock().expect("lock").len() == 2).await;
    let cert = phone.leave();
    host.wait("waiting for the phone", WAIT, |h| matches!(h.last_health(), Some(Health::Waiting { .. }))).await;
    let Some(Health::Waiting { reason }) = host.last_health() else { unreachable!() };
    assert_eq!(said(&reason), "Waiting for the phone: Test phone is out of reach (not on this network, or KDE Connect is closed on it).");
    // It comes back and posts everything again, silently: nothing new, nothing rings.
    let phone = ScriptedPhone::come_back(PHONE, cert).await.expect("the phone is back");
    host.wait("the phone back", WAIT, |h| h.last_health() == Some(Health::Ok)).await;
    phone.post(&Posted { silent: true, ..whatsapp() });
    phone.post(&Posted { silent: true, ..malt() });
    until_on_daemon(&address, 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(messages(&host).len(), 2, "{:#?}", messages(&host));
    // A new notification posted silently is stored, marked so it never rings.
    phone.post(&Posted {
        id: "0|com.android.systemui|9|null|1".into(),
        app: "Android System".into(),
        title: "USB debugging".into(),
        silent: true,
        ..Posted::default()
    });
    host.wait("the silent one", WAIT, |h| h.messages.lock().expect("lock").len() == 3).await;
    assert!(messages(&host)[2].silent);

    // A quick reply from Lull reaches the phone as the reply to that notification.
    let handle = messages(&host)[0].reply.clone().expect("the WhatsApp message can be answered");
    phone::send_reply(Some(&address), &handle, "On it, calling at 3").await.expect("reply sent");
    let reply = phone.wait_for("kdeconnect.notification.reply", WAIT, |b| b["message"] == "On it, calling at 3").await;
    assert_eq!(reply.expect("the phone got the reply")["body"]["requestReplyId"], whatsapp().reply_id.expect("id").as_str());

    // The daemon restarts (a new login): the channel waits, then the paired phone reconnects
    // and what it posts next enters the inbox.
    let cert = phone.leave();
    let daemon = daemon.restart(&address).expect("kdeconnectd again");
    host.wait("waiting while the daemon restarts", WAIT, |h| matches!(h.last_health(), Some(Health::Waiting { .. }))).await;
    let phone = ScriptedPhone::come_back(PHONE, cert).await.expect("the phone reconnects");
    host.wait("the phone back", WAIT, |h| h.last_health() == Some(Health::Ok)).await;
    phone.post(&Posted {
        id: "0|com.Slack|3|null|8".into(),
        app: "Slack".into(),
        title: "#acme-launch".into(),
        text: "Deploy at 5?".into(),
        ..Posted::default()
    });
    host.wait("a notification after the restart", WAIT, |h| h.messages.lock().expect("lock").len() == 4).await;
    assert_eq!(messages(&host)[3].sender, "#acme-launch (Slack)");
    drop(phone);
    drop(daemon);
    task.abort();
}

/// `org.gtk.Notifications` as GNOME Shell serves it, so `gdbus call` has someone to call.
struct GtkNotifications;

#[zbus::interface(name = "org.gtk.Notifications")]
impl GtkNotifications {
    #[allow(clippy::needless_pass_by_value)]
    fn add_notification(&self, _app_id: String, _id: String, _notification: HashMap<String, zbus::wire::OwnedVariant>) {}
    fn remove_notification(&self, _app_id: String, _id: String) {}
}

#[tokio::test(flavor = "multi_thread")]
async fn gsconnect_notifications_are_phone_messages() {
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let _shell = zbus::connection::Builder::address(bus.address())
        .name("org.gtk.Notifications")
        .serve_at("/org/gtk/Notifications", GtkNotifications)
        .build()
        .await
        .expect("a notification host");
    let host = MemoryHost::new();
    let settings = PhoneSettings::default();
    let task = tokio::spawn(phone::run(4, settings, Some(bus.address().to_owned()), host.clone()));
    host.wait("waiting (no KDE Connect, no GSConnect)", WAIT, |h| matches!(h.last_health(), Some(Health::Waiting { .. }))).await;
    // Give the GSConnect monitor its moment to start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let add = |id: &str, title: &str, body: &str| {
        let n = format!("{{'title': <'{title}'>, 'body': <'{body}'>}}");
        let out = Command::new("gdbus")
            .args(["call", "--session", "--dest", "org.gtk.Notifications", "--object-path", "/org/gtk/Notifications", "--method"])
            .args(["org.gtk.Notifications.AddNotification", "org.gnome.Shell.Extensions.GSConnect", id, &n])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .output()
            .expect("gdbus");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    add("dev9|0|com.whatsapp|1|null|5|0b7d4c35-9a51-4f6c-a2e1-2e8f1d3b7c60", "WhatsApp", "Acme team: Can you call?");
    add("dev9|0|com.google.android.apps.messaging|2|null|6", "Jane Doe", "See you at 3");
    // The same WhatsApp notification, updated: a new reply id each time, the same message.
    add("dev9|0|com.whatsapp|1|null|5|9c1e2d3b-4a5f-4e6d-8c7b-6a5f4e3d2c1b", "WhatsApp", "Acme team: Can you call? Urgent");
    host.wait("two messages", WAIT, |h| messages(h).iter().any(|m| m.body.ends_with("Urgent"))).await;
    let all = messages(&host);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!((all[0].sender.as_str(), all[0].app.as_deref()), ("Acme team (WhatsApp)", Some("WhatsApp")));
    assert_eq!(all[0].body, "Can you call? Urgent");
    // An SMS: GSConnect gives the contact as the title and the text alone.
    assert_eq!((all[1].sender.as_str(), all[1].body.as_str()), ("Jane Doe", "See you at 3"));
    task.abort();
}
