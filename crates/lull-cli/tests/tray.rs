//! `lull serve --tray` on a private session bus with a tray host (a StatusNotifierWatcher):
//! the item registers, shows what is held, and its menu starts a focus session and releases a
//! digest in the running engine.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lull_testkit::{PrivateBus, RecordingServer, TrayHost};
use zbus::wire::OwnedVariant;

mod common;

use common::{Server, ok_json as lull_json};

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_shows_what_is_held_and_its_menu_acts_on_the_engine() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let host = TrayHost::start(bus.address()).await.expect("tray host");
    let _daemon = RecordingServer::start(bus.address()).await.expect("notification daemon");
    lull_json(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    let hook = lull_json(dir, &["channel", "add", "webhook", "hooks"]);
    let token = hook["token"].as_str().expect("token").to_owned();

    let config = tempfile::tempdir().expect("config dir");
    let mut server = Server::start(
        dir,
        &["--tray"],
        &[
            ("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref()),
            ("LANG", "en_GB.UTF-8".as_ref()),
            ("XDG_CONFIG_HOME", config.path().as_os_str()),
        ],
    );
    let url = server.url.clone();

    let deadline = Instant::now() + Duration::from_secs(10);
    while host.items().is_empty() {
        assert!(Instant::now() < deadline, "the tray item did not register");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let item = host.items()[0].clone();
    let conn = zbus::connection::Builder::address(bus.address()).build().await.expect("connection");
    let property = |name: &'static str| {
        let conn = conn.clone();
        let item = item.clone();
        async move {
            let reply = conn
                .call_method(
                    Some(item.as_str()),
                    "/StatusNotifierItem",
                    Some("org.freedesktop.DBus.Properties"),
                    "Get",
                    &("org.kde.StatusNotifierItem", name),
                )
                .await
                .expect("property");
            let value: OwnedVariant = reply.body().deserialize().expect("variant");
            value
        }
    };
    // A message arrives during focus: held, and the tray says so.
    let resp = reqwest::Client::new()
        .post(format!("{url}hooks/hooks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"id": "1", "from": "jane@acme.example", "title": "Mockups"}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(resp.status().as_u16(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let title = String::try_from(property("Title").await).expect("title");
        if title.starts_with("Lull · 1 held · next digest") {
            break;
        }
        assert!(Instant::now() < deadline, "the tray title did not update: {title}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The menu: find "Digest now" by its label and click it.
    let menu_path = zbus::OwnedObjectPath::try_from(property("Menu").await).expect("menu path");
    let ids: Vec<i32> = (1..30).collect();
    let reply = conn
        .call_method(
            Some(item.as_str()),
            menu_path.as_str(),
            Some("com.canonical.dbusmenu"),
            "GetGroupProperties",
            &(ids, vec!["label".to_owned()]),
        )
        .await
        .expect("menu items");
    let items: Vec<(i32, HashMap<String, OwnedVariant>)> = reply.body().deserialize().expect("items");
    let id_of = |label: &str| {
        items
            .iter()
            .find(|(_, p)| p.get("label").and_then(|v| String::try_from(v.try_clone().ok()?).ok()).as_deref() == Some(label))
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no menu item {label:?}"))
    };
    let click = |label: &'static str| {
        let id = id_of(label);
        let conn = conn.clone();
        let item = item.clone();
        let path = menu_path.clone();
        async move {
            conn.call_method(
                Some(item.as_str()),
                path.as_str(),
                Some("com.canonical.dbusmenu"),
                "Event",
                &(id, "clicked", zbus::Variant::from(0i32), 0u32),
            )
            .await
            .unwrap_or_else(|e| panic!("clicking {label:?}: {e}"));
        }
    };
    click("Digest now").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while lull_json(dir, &["digest", "list"]).as_array().is_none_or(Vec::is_empty) {
        assert!(Instant::now() < deadline, "Digest now did not release a digest");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    click("Focus 25 min").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while lull_json(dir, &["status"])["focus"]["source"] != "session" {
        assert!(Instant::now() < deadline, "Focus 25 min did not start a session");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Start at login: an XDG autostart entry for this engine and data directory, and gone again
    // when unticked.
    let entry = config.path().join("autostart/lull.desktop");
    click("Start at login").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !entry.is_file() {
        assert!(Instant::now() < deadline, "Start at login wrote no autostart entry");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = std::fs::read_to_string(&entry).expect("entry");
    assert!(text.contains(&format!("--data-dir \"{}\" serve --tray", dir.display())), "{text}");
    click("Start at login").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while entry.exists() {
        assert!(Instant::now() < deadline, "unticking Start at login left the entry");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Quit stops the engine.
    click("Quit Lull").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "Quit did not stop lull serve");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
