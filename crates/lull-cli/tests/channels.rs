//! The channels as a user connects them, end to end through a real `lull serve`: a feed from a
//! local HTTP server, desktop notifications sent with `notify-send` on a private session bus
//! (where a notification daemon runs, as on any desktop), and a GitHub webhook read through its
//! preset; each attributed to a client by `feed:` and `app:` identities, with the channels'
//! health shown by `lull channel list` and checked by `lull channel test`.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
mod common;

use common::{Server, fails, find, lull, messages, ok, ok_json, until};
use lull_testkit::{PrivateBus, RecordingServer};
use serde_json::Value;

/// A status page feed with an incident from an hour ago and one from a month ago.
fn status_feed() -> String {
    let now = DateTime::<Utc>::from(SystemTime::now());
    let recent = (now - chrono::Duration::hours(1)).to_rfc2822();
    let old = (now - chrono::Duration::days(30)).to_rfc2822();
    format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Acme Status</title>
<item><title>Checkout API degraded</title><description>&lt;p&gt;Investigating&lt;/p&gt;</description><pubDate>{recent}</pubDate><guid>inc-2811</guid><link>https://status.acme.example/incidents/2811</link></item>
<item><title>An old incident</title><pubDate>{old}</pubDate><guid>inc-1500</guid></item>
</channel></rss>"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_desktop_notifications_and_mapped_webhooks_enter_the_inbox() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let _daemon = RecordingServer::start(bus.address()).await.expect("notification daemon");
    let feed: Arc<Mutex<String>> = Arc::new(Mutex::new(status_feed()));
    let app = Router::new()
        .route("/status.rss", get(|State(f): State<Arc<Mutex<String>>>| async move { f.lock().expect("lock").clone() }))
        .with_state(feed);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let feeds = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    ok(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    ok(
        dir,
        &[
            "client",
            "add",
            "Acme",
            "--match",
            "app:Slack:Acme workspace",
            "--match",
            "feed:acme-status",
            "--match",
            "email:jdoe@users.noreply.github.com",
        ],
    );
    ok(dir, &["channel", "add", "feed", "acme-status", &format!("{feeds}/status.rss"), "--every", "1m"]);
    ok(dir, &["channel", "add", "desktop", "desk", "--ignore-app", "update-notifier"]);
    let gh = ok_json(dir, &["channel", "add", "webhook", "gh", "--preset", "github", "--map", "from=/comment/user/email|/sender/login"]);
    let token = gh["token"].as_str().expect("token").to_owned();

    let serve = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
    let url = serve.url.clone();

    // The feed: the recent incident arrives, attributed by feed:, held by focus; the old one
    // is outside the first sync's window.
    let inbox =
        until(dir, &["inbox", "--limit", "100"], "the feed entry", |v| messages(v).iter().any(|m| m["title"] == "Checkout API degraded"))
            .await;
    let incident = messages(&inbox).into_iter().find(|m| m["title"] == "Checkout API degraded").expect("incident");
    assert_eq!(
        (incident["client"].as_str(), incident["channel"].as_str(), incident["decision"].as_str()),
        (Some("Acme"), Some("acme-status"), Some("held"))
    );
    assert_eq!(incident["body"], "Investigating");
    assert!(!messages(&inbox).iter().any(|m| m["title"] == "An old incident"));

    // Desktop: wait until the monitor is on the bus, then notify as Slack would.
    until(dir, &["channel", "list"], "the desktop channel", |v| v.as_array().is_some_and(|l| find(l, "desk")["state"] == "ok")).await;
    let sent = Command::new("notify-send")
        .args(["-a", "Slack", "Jane Doe (Acme workspace)", "Can we move the call?"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .status()
        .expect("notify-send (libnotify-bin)");
    assert!(sent.success());
    Command::new("notify-send")
        .args(["-a", "update-notifier", "Updates", "x"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .status()
        .expect("notify-send");
    let inbox =
        until(dir, &["inbox", "--limit", "100"], "the Slack notification", |v| messages(v).iter().any(|m| m["channel"] == "desk")).await;
    let slack: Vec<Value> = messages(&inbox).into_iter().filter(|m| m["channel"] == "desk").collect();
    assert_eq!(slack.len(), 1, "the ignored app is not taken: {slack:?}");
    assert_eq!(
        (slack[0]["client"].as_str(), slack[0]["title"].as_str(), slack[0]["decision"].as_str()),
        (Some("Acme"), Some("Jane Doe (Acme workspace)"), Some("held"))
    );

    // GitHub through its preset, with the delivery id as the key: a redelivery is a duplicate.
    let payload = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../lull-channels/tests/fixtures/webhooks/github-issue-comment.json"))
        .expect("fixture");
    let mut payload: Value = serde_json::from_slice(&payload).expect("json");
    payload["comment"]["user"]["email"] = "jdoe@users.noreply.github.com".into();
    for expect in ["stored", "duplicate"] {
        let resp = reqwest::Client::new()
            .post(format!("{url}hooks/gh"))
            .bearer_auth(&token)
            .header("X-GitHub-Event", "issue_comment")
            .header("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
            .json(&payload)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status().as_u16(), 200);
        let body: Value = resp.json().await.expect("json");
        assert_eq!((body["status"].as_str(), body["client"].as_str()), (Some(expect), Some("Acme")), "{body}");
    }

    // Health and tests.
    let list = ok_json(dir, &["channel", "list"]);
    let list = list.as_array().expect("list");
    assert_eq!(find(list, "acme-status")["state"], "ok");
    assert!(find(list, "acme-status")["last_sync_at"].is_string());
    assert_eq!(find(list, "gh")["state"], "listening");
    assert_eq!(find(list, "gh")["spec"]["preset"], "github");
    let text = ok(dir, &["channel", "list"]);
    assert!(text.contains("status.rss every 1 min") && text.contains("github payloads"), "{text}");
    let tested = ok(dir, &["channel", "test", "acme-status"]);
    assert!(tested.contains("RSS 2.0 (2 entries)") && tested.contains("the feed works"), "{tested}");
    let tested = ok(dir, &["channel", "test", "desk"]);
    assert!(tested.contains("notification daemon:") && !tested.contains("daemon: none"), "{tested}");

    // An edit restarts the connector with the new settings; a feed that is gone shows its
    // error and the next retry, while the other channels keep working.
    ok(dir, &["channel", "edit", "acme-status", "--url", &format!("{feeds}/moved.rss")]);
    let list = until(dir, &["channel", "list"], "the failing feed", |v| {
        v.as_array().is_some_and(|l| find(l, "acme-status")["state"] == "retrying")
    })
    .await;
    let failing = find(list.as_array().expect("list"), "acme-status").clone();
    assert!(failing["last_error"].as_str().is_some_and(|e| e.contains("404")), "{failing}");
    assert!(failing["next_retry_at"].is_string(), "{failing}");
    let out = lull(dir, &["channel", "test", "acme-status"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("404 Not Found"));
    Command::new("notify-send")
        .args(["-a", "Slack", "Acme workspace", "still here"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .status()
        .expect("notify-send");
    until(dir, &["inbox", "--limit", "100"], "the desktop channel still working", |v| {
        messages(v).iter().any(|m| m["body"] == "still here")
    })
    .await;
}

/// A private keyring: gnome-keyring-daemon on the test's own session bus, unlocked with a
/// throwaway password, its files in a temporary home.
struct Keyring {
    child: Child,
    home: tempfile::TempDir,
}

impl Keyring {
    fn start(bus: &PrivateBus) -> Keyring {
        let home = tempfile::tempdir().expect("home");
        std::fs::create_dir_all(home.path().join("run")).expect("run dir");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", home.path().join("run"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (scripts/install-deps.sh --test installs gnome-keyring)");
        use std::io::Write;
        child.stdin.take().expect("stdin").write_all(b"keyring-unlock-pw").expect("unlock");
        Keyring { child, home }
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `lull` with the test's session bus (and keyring home) in its environment, and `stdin`.
fn lull_on(bus: &PrivateBus, home: &Path, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let run = home.join("run");
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref()), ("HOME", home.as_os_str()), ("XDG_RUNTIME_DIR", run.as_os_str())];
    common::lull_with_stdin(dir, args, &env, stdin)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imap_account_with_its_password_in_the_keyring() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let keyring = Keyring::start(&bus);
    let home = keyring.home.path().to_owned();
    let server = lull_testkit::Dovecot::start(&[("alice", "imap-pw-42")]).expect("dovecot");
    // Three messages wait in the mailbox.
    let plain = lull_channels_settings(&server);
    let mut session = lull_channels::imap::login(&plain, &lull_channels::imap::Password("imap-pw-42".into())).await.expect("login");
    for (n, subject) in ["Kick-off agenda", "Budget v2", "Logo feedback"].iter().enumerate() {
        let raw = format!("Message-ID: <k{n}@acme.example>\r\nFrom: Jane <jane@acme.example>\r\nSubject: {subject}\r\n\r\nHello {n}\r\n");
        session.append("INBOX", None, None, raw).await.expect("append");
    }
    session.logout().await.expect("logout");
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);

    let ca = server.ca_file().display().to_string();
    let port = server.imaps_port.to_string();
    let add =
        ["channel", "add", "imap", "mail", "--host", "127.0.0.1", "--port", &port, "--user", "alice", "--password-stdin", "--ca-file", &ca];
    // Waiting for gnome-keyring to be on the bus: the first attempts may find no keyring yet.
    let deadline = Instant::now() + Duration::from_secs(15);
    let out = loop {
        let out = lull_on(&bus, &home, dir, &add, "imap-pw-42\n");
        if out.status.success() || Instant::now() > deadline {
            break out;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The password is in the keyring, not in Lull's files.
    let db = std::fs::read(dir.join("lull.db")).expect("database");
    assert!(!db.windows(10).any(|w| w == b"imap-pw-42"), "the password is not in the database");
    assert!(!dir.join("secrets").exists());

    let run = home.join("run");
    let _serve = Server::start(
        dir,
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref()), ("HOME", home.as_os_str()), ("XDG_RUNTIME_DIR", run.as_os_str())],
    );
    let inbox = until(dir, &["inbox", "--limit", "100"], "the mail", |v| messages(v).len() == 3).await;
    assert!(messages(&inbox).iter().all(|m| m["client"] == "Acme" && m["channel"] == "mail"), "{inbox:#}");
    let list =
        until(dir, &["channel", "list"], "the mailbox to be idle", |v| v.as_array().is_some_and(|l| find(l, "mail")["state"] == "ok"))
            .await;
    let mail = find(list.as_array().expect("list"), "mail");
    assert_eq!(mail["spec"]["secret_store"], "keyring");
    assert!(mail["spec"].get("password").is_none(), "the password is never sent back");
    let tested = lull_on(&bus, &home, dir, &["channel", "test", "mail"], "");
    let text = String::from_utf8_lossy(&tested.stdout);
    assert!(tested.status.success() && text.contains("INBOX: 3 messages") && text.contains("IDLE"), "{text}");

    // Where no keyring runs, Lull says so and offers the file, which it never picks by itself.
    let other = tempfile::tempdir().expect("temp dir");
    let lonely = PrivateBus::start().expect("a bus without a keyring");
    let refused = lull_on(&lonely, &home, other.path(), &add, "imap-pw-42\n");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && err.contains("no keyring answered") && err.contains("--secret-store file"), "{err}");
    let mut in_file = add.to_vec();
    in_file.extend(["--secret-store", "file"]);
    let stored = lull_on(&lonely, &home, other.path(), &in_file, "imap-pw-42\n");
    assert!(stored.status.success(), "{}", String::from_utf8_lossy(&stored.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(other.path().join("secrets/mail.secret")).expect("secret file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

fn lull_channels_settings(server: &lull_testkit::Dovecot) -> lull_channels::imap::ImapSettings {
    lull_channels::imap::ImapSettings::new("127.0.0.1", Some(server.imap_port), "alice", lull_core::channel::TlsMode::None, vec![])
        .expect("settings")
}

#[test]
fn gatekeeper_mode_is_set_and_unset_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    ok(d, &["channel", "add", "desktop", "screen", "--gatekeeper", "--ignore-app", "Power"]);
    let list = ok(d, &["channel", "list"]);
    assert!(list.contains("this desktop's notifications, as its notification daemon (gatekeeper"), "{list}");
    assert!(list.contains("except Power"), "{list}");
    let exported = ok_json(d, &["channel", "list"]);
    let screen = find(exported.as_array().expect("list"), "screen");
    assert_eq!(screen["spec"]["gatekeeper"], true, "{screen}");

    // Back to watching; the other settings stay.
    ok(d, &["channel", "edit", "screen", "--no-gatekeeper"]);
    let list = ok(d, &["channel", "list"]);
    assert!(list.contains("notifications shown on this desktop, except Power"), "{list}");
    assert!(fails(d, &["channel", "edit", "screen", "--gatekeeper", "--no-gatekeeper"]).contains("cannot be used with"));
    ok(d, &["channel", "edit", "screen", "--gatekeeper"]);
    assert!(ok(d, &["channel", "list"]).contains("as its notification daemon"));

    // Only desktop channels can be one.
    ok(d, &["channel", "add", "webhook", "hooks"]);
    let refused = fails(d, &["channel", "edit", "hooks", "--gatekeeper"]);
    assert!(refused.contains("--gatekeeper does not apply to webhook channels"), "{refused}");
}

/// Audit defect 1: keys of desktop notifications must be unique across buses and runs. A new
/// login is a new bus whose first connections get the same unique names, whose first calls
/// have the same serials, and a new Lull process: before, the second login's first
/// notification was taken for the first login's, and lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_login_never_takes_a_new_notification_for_an_old_one() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["channel", "add", "desktop", "desk"]);
    for (login, text) in [(1, "Lunch at noon?"), (2, "PROD IS DOWN call me")] {
        let bus = PrivateBus::start().expect("private dbus-daemon");
        let _daemon = RecordingServer::start(bus.address()).await.expect("notification daemon");
        let serve = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())]);
        until(dir, &["channel", "list"], "the desktop channel", |v| v.as_array().is_some_and(|l| find(l, "desk")["state"] == "ok")).await;
        let sent = Command::new("notify-send")
            .args(["-a", "Slack", "Jane Doe", text])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .status()
            .expect("notify-send");
        assert!(sent.success());
        let inbox = until(dir, &["inbox", "--limit", "10"], "the notification", |v| messages(v).iter().any(|m| m["body"] == text)).await;
        assert_eq!(messages(&inbox).len(), login, "{inbox:#}");
        drop(serve);
    }
}

/// Audit defect 8: a secret in a feed's address (`?token=…`, `user:pass@`) leaked into the
/// channel list, the configuration export and the errors. It is redacted wherever shown, and an
/// edit that sends the redacted address back keeps the real one.
#[tokio::test(flavor = "multi_thread")]
async fn secrets_in_feed_addresses_are_never_shown() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let asked: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route(
            "/private.rss",
            get(|State(seen): State<Arc<Mutex<Vec<String>>>>, axum::extract::RawQuery(q): axum::extract::RawQuery| async move {
                seen.lock().expect("lock").push(q.unwrap_or_default());
                (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down for maintenance")
            }),
        )
        .with_state(asked.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let feeds = format!("http://reader:hunter2@{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    ok(dir, &["channel", "add", "feed", "private", &format!("{feeds}/private.rss?token=s3cret-value&lang=fr"), "--every", "1m"]);
    let serve = Server::start(dir, &[], &[]);
    let list = until(dir, &["channel", "list"], "the feed's error", |v| {
        v.as_array().is_some_and(|l| !find(l, "private")["last_problem"].is_null())
    })
    .await;
    let token = std::fs::read_to_string(dir.join("api-token")).expect("token");
    let export = reqwest::Client::new()
        .post(format!("{}api", serve.url))
        .bearer_auth(token.trim())
        .json(&serde_json::json!({ "method": "config_export" }))
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("text");
    let shown = format!("{list} {} {export}", ok(dir, &["channel", "list"]));
    for secret in ["s3cret-value", "hunter2"] {
        assert!(!shown.contains(secret), "{secret} shown: {shown}");
    }
    assert!(shown.contains("token=•••") && shown.contains("lang=fr"), "{shown}");
    // Editing the interval sends the redacted address back: the real one is kept.
    ok(dir, &["channel", "edit", "private", "--every", "2m"]);
    until(dir, &["channel", "list"], "a poll after the edit", |_| asked.lock().expect("lock").len() >= 2).await;
    assert!(asked.lock().expect("lock").iter().all(|q| q == "token=s3cret-value&lang=fr"), "{:?}", asked.lock().expect("lock"));
    drop(serve);
}
