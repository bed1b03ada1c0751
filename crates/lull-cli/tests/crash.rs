//! Crash safety: senders post bursts and retry until acknowledged, as real senders do, while
//! `lull serve` is killed with SIGKILL at random moments and started again; digests are
//! released now and then through the API. Afterwards:
//!
//! - every acknowledged message is stored once (and nothing was acknowledged that is not);
//! - `PRAGMA integrity_check` is ok;
//! - no message is in two digests, and none is left held once a last digest is released;
//! - every digest's notification was shown (marked in the database), and the notification
//!   server saw each at most once more than there were kills (the one a kill interrupts between
//!   showing and marking may show twice).
//!
//! `LULL_CRASH_KILLS` sets the number of kills: 200 by default (CI), 1,000 for the long run
//! (RELIABILITY.md). `LULL_CRASH_SEED` replays a run.

// The suite reports what it did (kills, messages, digests): that is its output.
#![allow(clippy::print_stdout)]

use std::collections::{BTreeSet, HashMap};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

use common::{lull_command, ok, ok_json};
use lull_testkit::{PrivateBus, RecordingServer};
use serde_json::json;

/// A small deterministic generator: a failing run can be replayed from its seed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn start(dir: &Path, port: u16, bus: &str) -> Child {
    lull_command()
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("LULL_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start lull serve")
}

fn kill_hard(child: &mut Child) {
    let _ = Command::new("kill").args(["-9", &child.id().to_string()]).status();
    let _ = child.wait();
}

/// Posts `id` until the engine acknowledges it (200); a refused connection, a reset or a 503
/// is a restart in progress: wait a little and send the same message again.
async fn deliver(http: &reqwest::Client, url: &str, token: &str, id: &str, from: &str) {
    let body = json!({"id": id, "from": from, "title": format!("Message {id}"), "body": "Crash test"});
    loop {
        if let Ok(r) = http.post(url).bearer_auth(token).json(&body).timeout(Duration::from_secs(5)).send().await
            && r.status().as_u16() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn api(http: &reqwest::Client, base: &str, token: &str, request: serde_json::Value) -> Option<serde_json::Value> {
    let r = http.post(format!("{base}api")).bearer_auth(token).json(&request).timeout(Duration::from_secs(5)).send().await.ok()?;
    r.json().await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_messages_survive_sigkill_and_digests_are_released_and_shown_once() {
    let kills: usize = std::env::var("LULL_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let seed: u64 = std::env::var("LULL_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_C4A5);
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("notification server");
    // Focus all day: everything from a client is held for a digest (urgent words aside).
    ok(dir, &["schedule", "set", "--tz", "Europe/Paris", "--focus", "daily 00:00-24:00", "--work", "daily 00:00-24:00"]);
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
    let hook = ok_json(dir, &["channel", "add", "webhook", "crash"])["token"].as_str().expect("token").to_owned();
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
    let base = format!("http://127.0.0.1:{port}/");
    let url = format!("{base}hooks/crash");

    // Four senders, each a stream of bursts; what was acknowledged is recorded.
    let acked: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for s in 0..4 {
        let (http, url, hook, acked, stop) = (reqwest::Client::new(), url.clone(), hook.clone(), acked.clone(), stop.clone());
        senders.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for _ in 0..5 {
                    let id = format!("s{s}-{n}");
                    deliver(&http, &url, &hook, &id, &format!("dev{s}@acme.example")).await;
                    acked.lock().expect("lock").insert(id);
                    n += 1;
                }
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        }));
    }

    // The API token is made by the first server.
    let mut first = start(dir, port, bus.address());
    let deadline = Instant::now() + Duration::from_secs(20);
    let token = loop {
        if let Ok(t) = std::fs::read_to_string(dir.join("api-token"))
            && !t.trim().is_empty()
        {
            break t.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "no api-token");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    kill_hard(&mut first);
    let mut rng = Rng(seed);
    let http = reqwest::Client::new();
    let started = Instant::now();
    for k in 0..kills {
        let mut server = start(dir, port, bus.address());
        // Live for a random while, sometimes releasing a digest (notified, then maybe killed
        // between showing its notification and marking it).
        let live = Duration::from_millis(40 + rng.below(260));
        let until = Instant::now() + live;
        if rng.below(4) == 0 {
            tokio::time::sleep(Duration::from_millis(rng.below(150))).await;
            let _ = api(&http, &base, &token, json!({"method": "digest_now"})).await;
        }
        if let Some(left) = until.checked_duration_since(Instant::now()) {
            tokio::time::sleep(left).await;
        }
        kill_hard(&mut server);
        if k % 50 == 49 {
            let n = acked.lock().expect("lock").len();
            println!("{} kills, {n} messages acknowledged, {:.0} s", k + 1, started.elapsed().as_secs_f64());
        }
    }

    // A last, clean run: the senders finish, a last digest takes everything held, the
    // notifications owed are shown, and it stops normally.
    let mut server = start(dir, port, bus.address());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for s in senders {
        s.await.expect("sender");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while api(&http, &base, &token, json!({"method": "digest_now"})).await.is_none() {
        assert!(Instant::now() < deadline, "the engine did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let _ = server.wait();

    let acked = acked.lock().expect("lock").clone();
    let db = rusqlite::Connection::open_with_flags(dir.join("lull.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
    assert_eq!(integrity, "ok");
    // Every acknowledged message once; nothing stored twice.
    let mut stored: HashMap<String, u32> = HashMap::new();
    let mut stmt = db.prepare("SELECT source_key FROM messages").expect("prepare");
    for key in stmt.query_map([], |r| r.get::<_, String>(0)).expect("query") {
        *stored.entry(key.expect("row")).or_default() += 1;
    }
    let missing: Vec<&String> = acked.iter().filter(|id| !stored.contains_key(*id)).collect();
    assert!(missing.is_empty(), "{} acknowledged messages lost, e.g. {:?}", missing.len(), &missing[..missing.len().min(5)]);
    assert!(stored.values().all(|n| *n == 1), "a message was stored twice");
    // Nothing held without its digest after the last release; every digest notified.
    let held: i64 = db
        .query_row("SELECT count(*) FROM messages WHERE decision = 'held' AND digest_id IS NULL AND archived_at IS NULL", [], |r| r.get(0))
        .expect("held");
    assert_eq!(held, 0, "messages left held after the last digest");
    let digests: i64 = db.query_row("SELECT count(*) FROM digests", [], |r| r.get(0)).expect("digests");
    let unnotified: i64 = db.query_row("SELECT count(*) FROM digests WHERE notified_at IS NULL", [], |r| r.get(0)).expect("unnotified");
    assert_eq!(unnotified, 0, "{unnotified} of {digests} digests never notified");
    // The notification server saw each digest's notification, never more than once per kill.
    let shown = recorder.wait_for(digests as usize, Duration::from_secs(10)).await;
    let shown_digests = shown.iter().filter(|n| n.summary.contains("digest")).count() as i64;
    assert!(shown_digests >= digests, "{shown_digests} digest notifications shown for {digests} digests");
    assert!(shown_digests <= digests + kills as i64, "{shown_digests} digest notifications for {digests} digests and {kills} kills");
    println!(
        "crash suite: {kills} SIGKILLs in {:.0} s, {} messages acknowledged and stored once, {digests} digests ({} notifications shown, {} twice), integrity ok",
        started.elapsed().as_secs_f64(),
        acked.len(),
        shown_digests,
        shown_digests - digests,
    );
}
