//! Load and soak: a real `lull serve` takes webhook posts at a steady rate from an open-loop
//! sender (each request leaves at its scheduled instant, whether or not the previous ones were
//! answered, so a slow server shows as latency instead of slowing the sender down), then keeps
//! taking them for a soak while its memory and open files are sampled from `/proc`.
//!
//! Reported: the acknowledgement latency's p50/p99/max, measured from each request's scheduled
//! instant, and the growth of resident memory and file descriptors after warm-up. Checked:
//! every post acknowledged, every acknowledged message stored exactly once, no file
//! descriptor left behind once the senders stop, and the engine's pools (database readers,
//! timers) within their bounds. Latency and memory are reported, not asserted:
//! a timed assertion would fail on a busy machine for no fault of Lull's.
//!
//! The CI setting is short (a few seconds, on the debug build). The long run, on a release
//! build, is `scripts/reliability.sh load`: `LULL_LOAD_RATE=1000 LULL_LOAD_SECS=60
//! LULL_SOAK_RATE=200 LULL_SOAK_SECS=600`.

// The suite reports its figures: that is its output.
#![allow(clippy::print_stdout)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, ok, ok_json};
use serde_json::json;

fn setting(name: &str, short: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(short)
}

/// (resident memory in KiB, open file descriptors) of a process.
fn footprint(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    (rss, descriptors(pid).len())
}

/// What a process's descriptors point at (`socket:[…]`, a path, `pipe:[…]`).
fn descriptors(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc fd")
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .map(|p| p.display().to_string())
        .collect()
}

/// The descriptors that come from bounded pools the engine fills as it needs them: database
/// connections (the writer and at most four readers, each with its `-wal`/`-shm` files) and the
/// `timerfd` of each loop that is waiting on the clock. They may appear at any time, so the soak
/// checks them against their bound, and everything else for growth.
fn pooled(descriptor: &str) -> bool {
    descriptor.contains("lull.db") || descriptor == "anon_inode:[timerfd]"
}

/// At most the writer and four readers, and one timer per engine loop.
const MAX_DATABASE_HANDLES: usize = 5;
const MAX_TIMERS: usize = 8;

fn unpooled(pid: u32) -> usize {
    descriptors(pid).iter().filter(|d| !pooled(d)).count()
}

fn sockets(pid: u32) -> usize {
    descriptors(pid).iter().filter(|d| d.starts_with("socket:")).count()
}

/// Waits for the senders' connections to be closed: the server has only its own sockets again.
async fn settled(pid: u32, idle_sockets: usize) -> usize {
    for _ in 0..100 {
        if sockets(pid) <= idle_sockets {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sockets(pid)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Posts `rate` messages a second for `secs` seconds, open loop; returns each latency, from the
/// request's scheduled instant to its acknowledgement. Every post must be acknowledged.
async fn open_loop(url: &str, token: &str, prefix: &str, rate: u64, secs: u64, mut sample: impl FnMut()) -> Vec<Duration> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().expect("client");
    let latencies = Arc::new(Mutex::new(Vec::with_capacity((rate * secs) as usize)));
    let start = Instant::now() + Duration::from_millis(50);
    let total = rate * secs;
    let mut tasks = Vec::with_capacity(total as usize);
    let mut next_sample = start;
    for i in 0..total {
        let due = start + Duration::from_nanos(i * 1_000_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        if Instant::now() >= next_sample {
            sample();
            next_sample += Duration::from_secs(10);
        }
        let (http, url, token, latencies) = (http.clone(), url.to_owned(), token.to_owned(), latencies.clone());
        let body =
            json!({"id": format!("{prefix}-{i}"), "from": format!("dev{}@acme.example", i % 50), "title": format!("Build {i} failed")});
        tasks.push(tokio::spawn(async move {
            let r = http.post(&url).bearer_auth(&token).json(&body).timeout(Duration::from_secs(30)).send().await.expect("post");
            assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap_or_default());
            latencies.lock().expect("lock").push(due.elapsed());
        }));
    }
    for t in tasks {
        t.await.expect("sender");
    }
    let mut all = std::mem::take(&mut *latencies.lock().expect("lock"));
    all.sort();
    all
}

fn report(what: &str, rate: u64, secs: u64, l: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: {} posts at {rate}/s for {secs} s: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        l.len(),
        ms(percentile(l, 0.50)),
        ms(percentile(l, 0.99)),
        ms(l[l.len() - 1])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_load_and_a_soak_are_taken_whole_without_leaking() {
    let (load_rate, load_secs) = (setting("LULL_LOAD_RATE", 200), setting("LULL_LOAD_SECS", 3));
    let (soak_rate, soak_secs) = (setting("LULL_SOAK_RATE", 100), setting("LULL_SOAK_SECS", 6));
    let data = tempfile::tempdir().expect("temp dir");
    let dir = data.path();
    ok(dir, &["client", "add", "Acme", "--match", "domain:acme.example"]);
    let token = ok_json(dir, &["channel", "add", "webhook", "load"])["token"].as_str().expect("token").to_owned();
    let server = Server::start(dir, &[], &[("DBUS_SESSION_BUS_ADDRESS", std::ffi::OsStr::new("unix:path=/nonexistent"))]);
    let pid = server.child.id();
    let url = format!("{}hooks/load", server.url);
    let idle = footprint(pid);
    let idle_sockets = sockets(pid);

    let load = open_loop(&url, &token, "load", load_rate, load_secs, || {}).await;
    report("load", load_rate, load_secs, &load);
    // The engine opens what it needs under load and keeps it: outside its pools (database
    // readers, timers), that is the level the soak must stay at.
    assert_eq!(settled(pid, idle_sockets).await, idle_sockets, "every sender connection closed: {:?}", descriptors(pid));
    let loaded = unpooled(pid);

    // The soak: sampled every 10 s (and at its start and end); the first fifth is warm-up.
    let samples = Arc::new(Mutex::new(vec![footprint(pid)]));
    let s = samples.clone();
    let soak = open_loop(&url, &token, "soak", soak_rate, soak_secs, move || s.lock().expect("lock").push(footprint(pid))).await;
    report("soak", soak_rate, soak_secs, &soak);
    let end = footprint(pid);
    let samples = samples.lock().expect("lock").clone();
    let warm = samples[(samples.len() / 5).min(samples.len() - 1)];
    let growth = |a: u64, b: u64| (b as f64 - a as f64) / a as f64 * 100.0;
    println!(
        "soak footprint: idle {} KiB / {} fds; after warm-up {} KiB / {} fds; end {} KiB / {} fds; growth after warm-up {:+.1}% memory, {:+} fds",
        idle.0,
        idle.1,
        warm.0,
        warm.1,
        end.0,
        end.1,
        growth(warm.0, end.0),
        end.1 as i64 - warm.1 as i64
    );

    // Once the senders have gone, their connections are closed and no descriptor is left.
    assert_eq!(settled(pid, idle_sockets).await, idle_sockets, "every sender connection closed: {:?}", descriptors(pid));
    let after = unpooled(pid);
    assert!(after <= loaded, "descriptors grew during the soak: {loaded} after the load, {after} after: {:?}", descriptors(pid));
    let open = descriptors(pid);
    let databases = open.iter().filter(|d| d.ends_with("lull.db")).count();
    let timers = open.iter().filter(|d| *d == "anon_inode:[timerfd]").count();
    assert!(
        databases <= MAX_DATABASE_HANDLES && timers <= MAX_TIMERS,
        "pools past their bounds: {databases} database handles, {timers} timers: {open:?}"
    );

    // Every acknowledged message stored exactly once.
    drop(server);
    let db = rusqlite::Connection::open_with_flags(dir.join("lull.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let (rows, keys): (i64, i64) =
        db.query_row("SELECT count(*), count(DISTINCT source_key) FROM messages", [], |r| Ok((r.get(0)?, r.get(1)?))).expect("count");
    let sent = (load_rate * load_secs + soak_rate * soak_secs) as i64;
    assert_eq!((rows, keys), (sent, sent), "every acknowledged message stored exactly once");
}
