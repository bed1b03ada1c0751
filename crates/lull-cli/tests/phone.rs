//! The phone as a user lives with it, end to end: a real `lull serve`, Debian's `kdeconnectd`
//! paired with a scripted phone, a desktop channel watching the same session bus, and a
//! recording notification daemon; all inside a private network namespace (the daemon binds
//! every address and broadcasts).

use std::time::Duration;

mod common;

use common::{Server, ok, ok_json};
use lull_testkit::kdeconnect::{KdeConnect, Posted, ScriptedPhone, pair};
use lull_testkit::netns::enter_private_network;
use lull_testkit::{PrivateBus, RecordingServer};

const PHONE: &str = "lulltestphone_e2e_0001";
const WAIT: Duration = Duration::from_secs(20);

/// Waits until `lull inbox --json` lists `n` messages.
async fn inbox_until(dir: &std::path::Path, n: usize) -> serde_json::Value {
    for _ in 0..100 {
        let inbox = ok_json(dir, &["inbox", "--limit", "50"]);
        if inbox["messages"].as_array().is_some_and(|m| m.len() >= n) {
            return inbox;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the inbox never had {n} messages: {}", ok_json(dir, &["inbox"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_phone_reaches_the_inbox_rings_through_lull_and_is_answered_from_it() {
    if !enter_private_network("the_phone_reaches_the_inbox_rings_through_lull_and_is_answered_from_it") {
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("notification daemon");
    let _daemon = KdeConnect::start(bus.address()).expect("kdeconnectd");
    let phone = ScriptedPhone::connect(PHONE).await.expect("the phone connects");
    pair(bus.address(), PHONE).await.expect("paired");

    // Focus all day: a VIP's urgent message breaks through; the rest waits for the digest.
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    ok(dir, &["client", "add", "Acme", "--tier", "vip", "--match", "app:WhatsApp:Acme"]);
    ok(dir, &["channel", "add", "phone", "phone", "--dismiss-held"]);
    ok(dir, &["channel", "add", "desktop", "screen"]);
    let server = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
    for _ in 0..100 {
        let channels = ok_json(dir, &["channel", "list"]);
        if channels.as_array().is_some_and(|c| c.iter().all(|c| c["state"] == "ok")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    phone.post(&Posted {
        id: "0|com.whatsapp|1|acme|1".into(),
        app: "WhatsApp".into(),
        title: "Acme team".into(),
        text: "URGENT: the shop is down, call me".into(),
        clearable: true,
        reply_id: Some("8a1d2c3b-4e5f-4a6b-9c7d-0e1f2a3b4c5d".into()),
        ..Posted::default()
    });
    phone.post(&Posted {
        id: "0|com.malt|2|null|2".into(),
        app: "Malt".into(),
        title: "Malt".into(),
        text: "Répondez sous 24 h pour garder votre badge".into(),
        clearable: true,
        ..Posted::default()
    });
    let inbox = inbox_until(dir, 2).await;
    let messages = inbox["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "KDE Connect's own pop-ups are left to the phone channel: {inbox}");
    let whatsapp = messages.iter().find(|m| m["app"] == "WhatsApp").expect("the WhatsApp message");
    assert_eq!((whatsapp["client"].as_str(), whatsapp["decision"].as_str()), (Some("Acme"), Some("bypass")), "{whatsapp}");
    assert_eq!((whatsapp["channel"].as_str(), whatsapp["can_reply"].as_bool()), (Some("phone"), Some(true)));
    let malt = messages.iter().find(|m| m["app"] == "Malt").expect("the Malt message");
    assert_eq!((malt["category"].as_str(), malt["decision"].as_str()), (Some("platform"), Some("held")));

    // The urgent one rang through Lull; the held one was taken off the phone.
    let shown = recorder.wait_for(1, WAIT).await;
    assert!(shown.iter().any(|n| n.app_name == "Lull" && n.summary == "Urgent \u{b7} Acme \u{b7} Acme team (WhatsApp)"), "{shown:?}");
    assert!(phone.wait_for("kdeconnect.notification.request", WAIT, |b| b["cancel"] == "0|com.malt|2|null|2").await.is_some());
    // kdeconnectd re-showed the WhatsApp notification on the desktop too; the desktop channel
    // saw it and left it to the phone channel (the inbox has each phone notification once).
    assert!(
        recorder.notifications().iter().any(|n| n.app_name == "KDE Connect" && n.summary == "WhatsApp"),
        "{:?}",
        recorder.notifications()
    );

    // Answered from Lull: the reply goes back through the phone.
    let id = whatsapp["id"].as_i64().expect("id").to_string();
    assert_eq!(ok(dir, &["reply", &id, "Calling you in 2 minutes"]).trim(), "Sent to the phone.");
    let reply = phone.wait_for("kdeconnect.notification.reply", WAIT, |b| b["message"] == "Calling you in 2 minutes").await;
    assert_eq!(reply.expect("the phone got it")["body"]["requestReplyId"], "8a1d2c3b-4e5f-4a6b-9c7d-0e1f2a3b4c5d");

    // The week counts the phone: what it brought, by app, and what Lull kept off it.
    for _ in 0..50 {
        if ok_json(dir, &["stats", "week", "--week", "this"])["phone"]["dismissed"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stats = ok_json(dir, &["stats", "week", "--week", "this"]);
    assert_eq!((stats["phone"]["notifications"].as_u64(), stats["phone"]["kept_off"].as_u64()), (Some(2), Some(1)), "{stats}");
    assert_eq!(stats["phone"]["dismissed"], 1);
    let text = ok(dir, &["stats", "week", "--week", "this"]);
    assert!(text.contains("2 notifications, 1 kept off your phone (1 dismissed there)"), "{text}");

    // A client's words relayed by the Malt app: the client's direct message, held with Malt's
    // response clock and taken off the phone; Lull rings it before the clock runs out.
    ok(dir, &["client", "edit", "Acme", "--match", "platform:Malt:Zoë Martin"]);
    phone.post(&Posted {
        id: "0|com.malt|3|null|3".into(),
        app: "Malt".into(),
        title: "Nouveau message de Zoë Martin".into(),
        text: "Bonjour, pouvez-vous me rappeler demain ?".into(),
        clearable: true,
        ..Posted::default()
    });
    let inbox = inbox_until(dir, 3).await;
    let relayed =
        inbox["messages"].as_array().and_then(|m| m.iter().find(|m| m["title"] == "Nouveau message de Zoë Martin")).expect("relayed");
    assert_eq!(
        (relayed["client"].as_str(), relayed["category"].as_str(), relayed["decision"].as_str()),
        (Some("Acme"), Some("direct"), Some("held")),
        "{relayed}"
    );
    assert_eq!(
        (relayed["clock"]["platform"].as_str(), relayed["clock"]["within_secs"].as_i64()),
        (Some("Malt"), Some(86_400)),
        "{relayed}"
    );
    assert!(relayed["clock"]["ring_at"].is_string(), "{relayed}");
    assert!(phone.wait_for("kdeconnect.notification.request", WAIT, |b| b["cancel"] == "0|com.malt|3|null|3").await.is_some());
    drop(server);
}
