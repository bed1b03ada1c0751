//! The outbox as a user lives with it: a real `lull serve` rings the desktop (a recording
//! notification server on a private `dbus-daemon`) and the phone (a stand-in ntfy server
//! speaking ntfy's publish API, and a program of the user's), through failures (500, 429, a
//! refused connection, a request left hanging, a wrong token) and SIGKILLs at the worst
//! moments: between a decision's commit and its ring, and between a ring and its mark.
//!
//! What must hold: every ring due is delivered; a ring is delivered once, except the one a
//! kill interrupted between its delivery and its mark, which may come twice and never thrice.

use std::path::Path;
use std::time::Duration;

mod common;

use common::{Server, fails, lull_command, ok, ok_json};
use lull_testkit::ntfy::{Fault, NtfyServer, Published};
use lull_testkit::{PrivateBus, RecordingServer};
use serde_json::{Value, json};

async fn post(url: &str, token: &str, body: Value) -> Value {
    let resp = reqwest::Client::new().post(format!("{url}hooks/acme")).bearer_auth(token).json(&body).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.expect("json")
}

/// Focus all day: a VIP's urgent message breaks through (and rings), the rest waits.
fn set_up(dir: &Path) -> String {
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    ok(dir, &["client", "add", "Acme", "--tier", "vip", "--quota", "50", "--match", "domain:acme.com"]);
    ok_json(dir, &["channel", "add", "webhook", "acme"])["token"].as_str().expect("token").to_owned()
}

fn urgent(id: &str) -> Value {
    json!({"id": id, "from": "jane@acme.com", "title": format!("URGENT {id}"), "body": "Prod is down, call me", "url": "https://acme.com/incident"})
}

fn titled(published: &[Published], id: &str) -> usize {
    published.iter().filter(|p| p.message.contains(&format!("URGENT {id}"))).count()
}

/// Waits for a killed server to be gone.
fn reap(mut server: Server) {
    let _ = server.child.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn pushes_ring_the_phone_once_through_failures_and_kills() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("notification server");
    let mut ntfy = NtfyServer::start().await.expect("ntfy stand-in");
    let token = set_up(dir);
    let log = dir.join("pushes.jsonl");
    ok(dir, &["push", "add", "ntfy", "phone", "--server", &ntfy.url(), "--topic", "lull-test-7f3a"]);
    let script = format!("cat >> '{}'; echo >> '{}'", log.display(), log.display());
    ok(dir, &["push", "add", "command", "script", "--no-digests", "--", "sh", "-c", &script]);
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())];
    let server = Server::start(dir, &[], &env);

    // A 500, then a request left hanging past Lull's time limit: retried with back-off, then
    // delivered once.
    ntfy.fail_next([Fault::Status(500), Fault::Hang(Duration::from_secs(20))]);
    let body = post(&server.url, &token, urgent("a1")).await;
    assert_eq!(body["decision"], "bypass", "{body}");
    let started = std::time::Instant::now();
    let published = ntfy.wait_for(1, Duration::from_secs(90)).await;
    // 5 s after the 500, then 15 s after the time-out that ended the second try.
    assert!(started.elapsed() >= Duration::from_secs(30), "retried too early: {:?}", started.elapsed());
    assert_eq!(published.len(), 1);
    let p = &published[0];
    assert_eq!((p.topic.as_str(), p.priority), ("lull-test-7f3a", 5));
    assert_eq!(p.title.as_deref(), Some("Urgent \u{b7} Acme \u{b7} jane@acme.com"));
    assert_eq!(p.message, "URGENT a1\nProd is down, call me");
    assert_eq!(p.tags, ["rotating_light"]);
    assert_eq!(p.click.as_deref(), Some("https://acme.com/incident"));
    assert_eq!(ntfy.requests(), 3);
    let targets = ok_json(dir, &["push", "list"]);
    let phone = &targets.as_array().expect("list")[0];
    assert_eq!((phone["name"].as_str(), phone["sent"].as_u64(), phone["queued"].as_u64()), (Some("phone"), Some(1), Some(0)));
    assert!(phone["last_error"]["code"] == "push.timeout", "{phone}");

    // The server gone (connection refused) for a while: the push waits and goes once it is back.
    ntfy.pause();
    post(&server.url, &token, urgent("a2")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let listed = ok(dir, &["push", "list"]);
    assert!(listed.contains("1 waiting") && listed.contains("cannot reach"), "{listed}");
    ntfy.resume().await.expect("ntfy back");
    let published = ntfy.wait_for(2, Duration::from_secs(60)).await;
    assert_eq!(titled(&published, "a2"), 1);

    // Killed between the decision's commit and its push: pushed once after the restart.
    ntfy.fail_next([Fault::KillBefore(server.child.id())]);
    post(&server.url, &token, urgent("a3")).await;
    reap(server);
    let server = Server::start(dir, &[], &env);
    let published = ntfy.wait_for(3, Duration::from_secs(60)).await;
    assert_eq!(titled(&published, "a3"), 1, "{published:?}");

    // Killed after the server took the push, before Lull marked it: that one push may come
    // twice, never more.
    ntfy.fail_next([Fault::KillAfter(server.child.id())]);
    post(&server.url, &token, urgent("a4")).await;
    reap(server);
    let server = Server::start(dir, &[], &env);
    let published = ntfy.wait_for(5, Duration::from_secs(60)).await;
    assert_eq!(titled(&published, "a4"), 2, "{published:?}");
    drop(server);
    let server = Server::start(dir, &[], &env);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let published = ntfy.published();
    for (id, times) in [("a1", 1), ("a2", 1), ("a3", 1), ("a4", 2)] {
        assert_eq!(titled(&published, id), times, "{id}: {published:?}");
    }
    // The desktop showed each urgent message (a kill may repeat one), and the program got each.
    let shown = recorder.notifications();
    for id in ["a1", "a2", "a3", "a4"] {
        let n = shown.iter().filter(|n| n.body.contains(&format!("URGENT {id}"))).count();
        assert!((1..=2).contains(&n), "{id} shown {n} times: {shown:?}");
    }
    let lines = std::fs::read_to_string(&log).expect("the program ran");
    for id in ["a1", "a2", "a3", "a4"] {
        let n = lines.lines().filter(|l| l.contains(&format!("URGENT {id}"))).count();
        assert!((1..=2).contains(&n), "{id} given to the program {n} times:\n{lines}");
    }
    let first: Value = serde_json::from_str(lines.lines().next().expect("a line")).expect("json");
    assert_eq!((first["kind"].as_str(), first["priority"].as_u64(), first["client"].as_str()), (Some("bypass"), Some(5), Some("Acme")));

    // A digest is pushed to the phone (which wants digests), not to the program.
    post(&server.url, &token, json!({"id": "h1", "from": "jane@acme.com", "title": "Mockups", "body": "When you can."})).await;
    let released = ok_json(dir, &["digest", "now"]);
    assert_eq!(released["messages"], 1);
    let published = ntfy.wait_for(6, Duration::from_secs(30)).await;
    let digest = published.last().expect("digest push");
    assert_eq!(digest.priority, 3);
    assert!(digest.title.as_deref().is_some_and(|t| t.ends_with("digest: 1 message from 1 client")), "{digest:?}");
    assert_eq!(digest.message, "Acme 1");
    assert_eq!(digest.tags, ["inbox_tray"]);
    let lines = std::fs::read_to_string(&log).expect("log");
    assert!(!lines.contains("\"digest\""), "{lines}");

    // The test push says what the server answered; a wrong token says what went wrong.
    let tested = ok(dir, &["push", "test", "phone"]);
    assert!(tested.starts_with("phone: accepted (200 OK, id m"), "{tested}");
    ntfy.require_token("tk_right");
    let err = fails(dir, &["push", "test", "phone"]);
    assert!(err.contains("answered 403") && err.contains("forbidden"), "{err}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desktop_notification_is_shown_once_across_kills() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("notification server");
    let token = set_up(dir);
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.address().as_ref())];

    // Killed between the commit and the notification: shown once after the restart.
    let server = Server::start(dir, &[], &env);
    recorder.kill_at_next(server.child.id(), false);
    post(&server.url, &token, urgent("d1")).await;
    reap(server);
    assert!(recorder.notifications().is_empty());
    let server = Server::start(dir, &[], &env);
    let shown = recorder.wait_for(1, Duration::from_secs(20)).await;
    assert!(shown[0].body.starts_with("URGENT d1"), "{shown:?}");

    // A digest killed between its notification and its mark: shown again once, never more.
    post(&server.url, &token, json!({"id": "h1", "from": "jane@acme.com", "title": "Mockups"})).await;
    recorder.kill_at_next(server.child.id(), true);
    let out = lull_command().arg("--data-dir").arg(dir).args(["digest", "now"]).output().expect("run lull");
    assert!(!out.status.success(), "the server died mid-request");
    reap(server);
    let server = Server::start(dir, &[], &env);
    let shown = recorder.wait_for(3, Duration::from_secs(20)).await;
    let digests: Vec<_> = shown.iter().filter(|n| n.summary.contains("digest")).collect();
    assert_eq!(digests.len(), 2, "{shown:?}");
    drop(server);
    let _server = Server::start(dir, &[], &env);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.notifications().len(), 3, "{:?}", recorder.notifications());
    // Every interruption is counted once in the week's statistics.
    let stats = ok_json(dir, &["stats", "week", "--week", "this"]);
    assert_eq!((stats["interruptions"]["bypass"].as_u64(), stats["interruptions"]["digest"].as_u64()), (Some(1), Some(1)));
}
