//! Storage faults: a damaged database, one locked by another process, a full disk (a small
//! tmpfs in a private mount namespace), and a database from a newer Lull. Each gives a clear
//! error that says what to do, never a panic, and loses nothing: a damaged or newer file is
//! left exactly as it was; on a full disk, what was acknowledged is kept and Lull works again
//! once there is room.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::{Server, fails, lull, ok, ok_json};
use lull_testkit::mountns::{enter_private_mounts, tmpfs};
use serde_json::json;

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read the database")
}

#[test]
fn a_damaged_database_is_named_and_left_as_it_was() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
    let db = dir.join("lull.db");
    // Garbage where SQLite's header is: not a database any more.
    let mut bytes = digest(&db);
    bytes[..16].copy_from_slice(b"garbage garbage!");
    std::fs::write(&db, &bytes).expect("damage");
    let e = fails(dir, &["client", "list"]);
    assert!(e.contains("is damaged") && e.contains("the file was not changed") && e.contains("Move it aside"), "{e}");
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(digest(&db), bytes, "the damaged file is left exactly as it was");
}

#[test]
fn a_locked_database_is_said_busy_and_works_once_released() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "list"]);
    let conn = rusqlite::Connection::open(dir.join("lull.db")).expect("open");
    conn.execute_batch("BEGIN EXCLUSIVE").expect("lock");
    let started = Instant::now();
    let e = fails(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
    assert!(e.contains("the database is busy") && e.contains("try again"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15), "it said so within seconds, not never: {:?}", started.elapsed());
    conn.execute_batch("ROLLBACK").expect("unlock");
    drop(conn);
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
}

#[test]
fn a_database_from_a_newer_lull_is_refused_untouched() {
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "list"]);
    let conn = rusqlite::Connection::open(dir.join("lull.db")).expect("open");
    conn.execute_batch("PRAGMA user_version = 999").expect("bump");
    drop(conn);
    let before = digest(&dir.join("lull.db"));
    let e = fails(dir, &["client", "list"]);
    assert!(e.contains("newer") && e.contains("999"), "{e}");
    assert_eq!(digest(&dir.join("lull.db")), before);
}

/// A disk that fills while webhooks arrive: each post after that is refused with a 503 that
/// says the disk is full and what to do; every message acknowledged before is kept; once there
/// is room again, Lull takes messages again, and the database is sound.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_clearly_and_loses_nothing() {
    if !enter_private_mounts("a_full_disk_refuses_clearly_and_loses_nothing") {
        return;
    }
    let mount = tempfile::tempdir().expect("temp dir");
    tmpfs(mount.path(), "1200k");
    let dir = mount.path().join("lull");
    ok(&dir, &["schedule", "set", "--tz", "Europe/Paris"]);
    let token = ok_json(&dir, &["channel", "add", "webhook", "hooks"])["token"].as_str().expect("token").to_owned();
    let server = Server::start(&dir, &[], &[]);
    let http = reqwest::Client::new();
    let mut acked = Vec::new();
    let mut refused = None;
    for i in 0..2_000 {
        let body = json!({"id": format!("m{i}"), "from": "ci@builds.example", "title": format!("Build {i}"), "body": "x".repeat(2_000)});
        let r = http.post(format!("{}hooks/hooks", server.url)).bearer_auth(&token).json(&body).send().await.expect("post");
        match r.status().as_u16() {
            200 => acked.push(format!("m{i}")),
            503 => {
                refused = Some(r.text().await.unwrap_or_default());
                break;
            }
            other => panic!("post {i}: {other} {}", r.text().await.unwrap_or_default()),
        }
    }
    let refused = refused.expect("the disk filled up");
    assert!(refused.contains("is full") && refused.contains("free some space"), "{refused}");
    assert!(!acked.is_empty());
    drop(server);
    // Room again: what was acknowledged is all there, and new messages are taken.
    tmpfs(mount.path(), "64m");
    let listed = ok_json(&dir, &["inbox", "--limit", "5000"]);
    let ids: std::collections::BTreeSet<String> = listed["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["title"].as_str().map(|t| t.replace("Build ", "m")))
        .collect();
    for id in &acked {
        assert!(ids.contains(id), "{id} was acknowledged and is gone");
    }
    let server = Server::start(&dir, &[], &[]);
    let r = http
        .post(format!("{}hooks/hooks", server.url))
        .bearer_auth(&token)
        .json(&json!({"id": "after", "from": "ci@builds.example", "title": "After the disk was freed"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 200);
    drop(server);
    let conn = rusqlite::Connection::open(dir.join("lull.db")).expect("open");
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(integrity, "ok");
    let out = lull(&dir, &["status"]);
    assert!(out.status.success());
}

/// A data directory on a read-only disk: said as such, with what to do, not as an engine
/// that is "not answering yet"; the database is left as it was.
#[test]
fn a_read_only_data_directory_is_said_as_such() {
    if !enter_private_mounts("a_read_only_data_directory_is_said_as_such") {
        return;
    }
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
    let before = digest(&dir.join("lull.db"));
    lull_testkit::mountns::read_only(dir);
    for args in [&["client", "list"][..], &["client", "add", "Beta", "--match", "domain:beta.example"][..]] {
        let e = fails(dir, args);
        assert!(e.contains("Read-only file system") && e.contains("not mounted read-only"), "{args:?}: {e}");
        assert!(!e.contains("try again in a moment") && !e.contains("panicked"), "{args:?}: {e}");
    }
    assert_eq!(digest(&dir.join("lull.db")), before);
}
