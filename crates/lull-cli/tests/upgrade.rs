//! Safe upgrades: a database from each earlier schema version, with the rows that version's
//! Lull stored (`crates/lull-store/tests/fixtures/schema-vN.sql`, in its own columns and
//! formats), is upgraded by the first command that opens it. Nothing is lost, the copy from
//! before is kept and named by `lull status`, and every command works on the result.

mod common;

use common::{Server, fails, ok, ok_json};

/// The data directory of a Lull of schema `version` that stored the fixture's rows.
fn older_lull(version: u32) -> tempfile::TempDir {
    let data = tempfile::tempdir().expect("temp dir");
    let conn = rusqlite::Connection::open(data.path().join("lull.db")).expect("create");
    for sql in &lull_store::schema::MIGRATIONS[..version as usize] {
        conn.execute_batch(sql).expect("that version's schema");
    }
    conn.pragma_update(None, "application_id", lull_store::schema::APPLICATION_ID).expect("id");
    conn.pragma_update(None, "user_version", version).expect("version");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../lull-store/tests/fixtures/schema-v{version}.sql"));
    let rows = std::fs::read_to_string(&fixture).expect("the fixture");
    conn.execute_batch(&format!("PRAGMA foreign_keys = ON; {rows}")).expect("that version's rows");
    data
}

// A plain test thread waits for the engine's start; no runtime is blocked.
#[allow(clippy::disallowed_methods)]
#[test]
fn every_earlier_schema_upgrades_with_nothing_lost_and_every_command_works() {
    let latest = lull_store::schema::latest_version();
    for version in 1..latest {
        let data = older_lull(version);
        let dir = data.path();
        // The first command upgrades, and says so until the engine has started after it.
        let status = ok(dir, &["status"]);
        let backup = dir.join(format!("lull.db.before-v{latest}"));
        assert!(status.contains(&format!("upgraded its database from schema {version} to {latest}")), "v{version}: {status}");
        assert!(status.contains(&backup.display().to_string()), "v{version}: {status}");
        let copy = rusqlite::Connection::open_with_flags(&backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the copy");
        let before: u32 = copy.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("its version");
        assert_eq!(before, version, "the copy is the database as it was");

        // Nothing lost.
        let clients = ok_json(dir, &["client", "list"]);
        let names: Vec<&str> = clients.as_array().expect("clients").iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(names, ["Acme", "Globex"], "v{version}");
        assert_eq!(clients[0]["matches"].as_array().map(Vec::len), Some(2), "v{version}: {clients:#}");
        assert_eq!(clients[1]["live_windows"][0], "mon,wed 09:00-10:00@client", "v{version}");
        let channels = ok_json(dir, &["channel", "list"]);
        assert_eq!(channels.as_array().map(Vec::len), Some(2), "v{version}: {channels:#}");
        let hooks = channels.as_array().and_then(|c| c.iter().find(|c| c["name"] == "hooks")).expect("the webhook");
        assert_eq!(
            (hooks["spec"]["kind"].as_str(), hooks["spec"]["preset"].as_str()),
            (Some("webhook"), Some("github")),
            "v{version}: {hooks:#}"
        );
        let mail = channels.as_array().and_then(|c| c.iter().find(|c| c["name"] == "mail")).expect("the mailbox");
        assert_eq!(
            (mail["spec"]["host"].as_str(), mail["spec"]["tls"].as_str()),
            (Some("imap.example.com"), Some("tls")),
            "v{version}: {mail:#}"
        );
        let inbox = ok_json(dir, &["inbox", "--search", "invoice"]);
        assert!(inbox["messages"].as_array().is_some_and(Vec::is_empty), "v{version}: the archived invoice is out of the inbox");
        let all = ok_json(dir, &["inbox", "--limit", "50"]);
        let titles: Vec<&str> = all["messages"].as_array().expect("messages").iter().filter_map(|m| m["title"].as_str()).collect();
        assert_eq!(titles, ["Our November news", "Staging is down", "Mockups v3"], "v{version}");
        assert_eq!(all["messages"][2]["rule"]["rule"], "focus_block", "v{version}");
        assert_eq!(all["messages"][2]["digest_id"], 1, "v{version}");
        let digests = ok_json(dir, &["digest", "list"]);
        assert_eq!((digests[0]["messages"].as_u64(), digests[0]["clients"].as_u64()), (Some(2), Some(1)), "v{version}: {digests:#}");
        assert!(ok(dir, &["digest", "show", "1"]).contains("Mockups v3"), "v{version}");
        let week = ok_json(dir, &["stats", "week", "--week", "2026-W47"]);
        assert_eq!(week["messages"], 4, "v{version}: {week:#}");
        assert_eq!((week["interruptions"]["live"].as_u64(), week["interruptions"]["digest"].as_u64()), (Some(1), Some(1)), "v{version}");
        assert!(week["focus_minutes"].as_u64().is_some_and(|m| m > 0), "v{version}: the focus sessions count");
        let schedule = ok_json(dir, &["schedule", "show"]);
        assert_eq!(schedule["tz"], "Europe/Paris", "v{version}");

        // And every command works on it.
        let explained = ok(dir, &["explain", "--from", "jane@acme.example", "--at", "2026-12-01T10:15:00+01:00"]);
        assert!(explained.contains("Acme"), "v{version}: {explained}");
        ok(dir, &["client", "add", "Initech", "--tz", "Asia/Tokyo", "--match", "domain:initech.example"]);
        ok(dir, &["client", "edit", "Acme", "--auto-reply", "--lang", "en"]);
        ok(dir, &["channel", "edit", "hooks", "--map", "title=/pull_request/title"]);
        ok(dir, &["focus", "start", "--for", "30m"]);
        ok(dir, &["focus", "stop"]);
        ok(dir, &["platform", "set", "Malt", "--respond-within", "12h"]);
        assert!(ok(dir, &["client", "charter", "Acme"]).starts_with("How to reach me, for Acme"), "v{version}");
        assert_eq!(ok_json(dir, &["client", "list"]).as_array().map(Vec::len), Some(3), "v{version}");
        ok(dir, &["digest", "now"]);
        ok(dir, &["push", "list"]);
        // Not upgraded twice; the notice stays until the engine has started, then goes.
        let copies = std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".before-v"))
            .count();
        assert_eq!(copies, 1, "v{version}");
        assert!(ok(dir, &["status"]).contains("upgraded its database from"), "v{version}: the notice stays until the engine starts");
        let serve = Server::start(dir, &[], &[]);
        let mut gone = false;
        for _ in 0..50 {
            if !ok(dir, &["status"]).contains("upgraded its database from") {
                gone = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        drop(serve);
        assert!(gone, "v{version}: the engine started, the notice is gone");
    }
}

/// A database from a newer Lull is refused, untouched and not copied.
#[test]
fn a_database_from_a_newer_lull_is_refused_untouched() {
    let data = older_lull(lull_store::schema::latest_version() - 1);
    let path = data.path().join("lull.db");
    ok(data.path(), &["status"]);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("a newer version");
    drop(conn);
    let before = std::fs::read(&path).expect("read");
    let refused = fails(data.path(), &["status"]);
    assert!(refused.contains("newer"), "{refused}");
    assert_eq!(std::fs::read(&path).expect("read"), before, "untouched");
    assert!(!data.path().join("lull.db.before-v99").exists() && !data.path().join("lull.db.before-v100").exists());
}
