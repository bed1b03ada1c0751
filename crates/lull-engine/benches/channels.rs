//! Channel benchmarks, each beside a baseline measured in the same run:
//!
//! - IMAP first-sync throughput from a local Dovecot (messages per second) through Lull's
//!   connector into a real engine (parse, attribute, decide, commit with the watermark),
//!   against a raw fetch of the same messages by the same IMAP library with the same commands
//!   and no processing;
//! - desktop notification capture latency, from launching `notify-send` to the committed
//!   decision (the engine's event after the commit), p50/p99, against the time `notify-send`
//!   itself takes to deliver to the notification daemon (the floor: a process start and a
//!   D-Bus round trip);
//! - in gatekeeper mode, where the app waits for Lull's answer and Lull answers after the
//!   commit: `notify-send` start to exit with Lull as the notification daemon, against the same
//!   floor;
//! - the phone path: a notification posted by a (scripted) phone to the real `kdeconnectd`,
//!   to its decision committed in the engine, p50/p99, against the time until the daemon itself
//!   announces it on the bus (`notificationPosted`, the floor: the phone's packet over TLS and
//!   the daemon's work). It runs in a private network namespace, as the daemon must.
//!
//! `cargo bench -p lull-engine --bench channels` runs it in full (`scripts/bench.sh`); under
//! `cargo test` it runs a small smoke version.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use lull_api::channels::ChannelSpec;
use lull_api::events::EngineEvent;
use lull_api::paths::DataDir;
use lull_api::{Request, Response};
use lull_channels::IngestSink;
use lull_channels::desktop::DesktopSettings;
use lull_channels::imap::{self, ImapSettings, Password};
use lull_core::channel::{ChannelSettings, DesktopSettings as DesktopChannel, TlsMode};
use lull_engine::clock::SystemClock;
use lull_engine::notifier::MemoryNotifier;
use lull_engine::{Engine, EngineOptions};
use lull_testkit::{Dovecot, PrivateBus, RecordingServer};

const USER: &str = "bench";
const PASSWORD: &str = "bench-pw";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn engine(dir: &std::path::Path) -> Engine {
    Engine::open(EngineOptions {
        data_dir: DataDir::resolve(Some(dir.to_owned())).unwrap(),
        clock: Arc::new(SystemClock),
        notifier: Arc::new(MemoryNotifier::new()),
        lang: lull_words::Lang::En,
    })
    .await
    .unwrap()
}

async fn add_channel(engine: &Engine, spec: ChannelSpec) -> i64 {
    match engine.handle(Request::ChannelAdd(spec)).await.unwrap() {
        Response::ChannelCreated(c) => c.channel.id,
        other => panic!("{other:?}"),
    }
}

/// A realistic message of about 4 KB: headers, a paragraph, a quoted reply.
fn message(n: usize) -> Vec<u8> {
    let para = "Thanks for the update on the homepage. Could you tighten the hero section and send the new mockups before Thursday? ";
    format!(
        "Message-ID: <bench-{n}@client{c}.example>\r\nFrom: Person {n} <p{n}@client{c}.example>\r\nTo: me@freelance.example\r\nSubject: Project update {n}\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\r\n> {}\r\n",
        para.repeat(16),
        para.repeat(14),
        c = n % 7
    )
    .into_bytes()
}

fn settings(server: &Dovecot) -> ImapSettings {
    ImapSettings::new("127.0.0.1", Some(server.imap_port), USER, TlsMode::None, vec!["INBOX".into()]).unwrap()
}

/// The same commands as the connector's first sync, with nothing done to what comes back.
async fn raw_fetch(server: &Dovecot) -> usize {
    let mut session = imap::login(&settings(server), &Password(PASSWORD.into())).await.unwrap();
    session.select("INBOX").await.unwrap();
    let mut uids: Vec<u32> = session.uid_search("SINCE 01-Jan-2020").await.unwrap().into_iter().collect();
    uids.sort_unstable();
    let mut bytes = 0;
    let mut n = 0;
    for chunk in uids.chunks(50) {
        let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let fetched: Vec<_> = session
            .uid_fetch(&set, format!("(UID RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{}>)", imap::MAX_TEXT_BYTES))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        n += fetched.len();
        bytes += fetched.iter().map(|f| f.header().map_or(0, <[u8]>::len) + f.text().map_or(0, <[u8]>::len)).sum::<usize>();
    }
    assert!(bytes > 0);
    session.logout().await.unwrap();
    n
}

async fn bench_imap(n: usize, runs: usize) {
    let server = Dovecot::start(&[(USER, PASSWORD)]).unwrap();
    let mut session = imap::login(&settings(&server), &Password(PASSWORD.into())).await.unwrap();
    for i in 0..n {
        session.append("INBOX", None, None, message(i)).await.unwrap();
    }
    session.logout().await.unwrap();
    let (mut raw, mut lull) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let start = Instant::now();
        assert_eq!(raw_fetch(&server).await, n);
        raw.push(n as f64 / start.elapsed().as_secs_f64());

        let dir = tempfile::tempdir().unwrap();
        let engine = engine(dir.path()).await;
        let spec = ChannelSpec {
            password: Some(PASSWORD.into()),
            // No keyring in a benchmark; the connector is driven directly below anyway.
            secret_store: Some(lull_api::channels::SecretStore::File),
            ..ChannelSpec::new("mail", ChannelSettings::Imap(settings(&server)))
        };
        let channel = add_channel(&engine, spec).await;
        let sink: Arc<dyn IngestSink> = Arc::new(engine.clone());
        let mut events = engine.subscribe();
        let start = Instant::now();
        let task = tokio::spawn(imap::run(channel, settings(&server), Password(PASSWORD.into()), sink));
        let mut stored = 0;
        while stored < n {
            if let Ok(EngineEvent::MessageIngested { .. }) = events.recv().await {
                stored += 1;
            }
        }
        lull.push(n as f64 / start.elapsed().as_secs_f64());
        task.abort();
        engine.shutdown().await;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (raw, lull) = (median(&mut raw), median(&mut lull));
    println!("imap first sync, {n} messages of ~4 KB from Dovecot (median of {runs} runs)");
    println!("  raw fetch, same library and commands: {raw:>8.0} msg/s");
    println!("  Lull (parse, decide, commit):         {lull:>8.0} msg/s   ratio {:.2}", lull / raw);
}

async fn bench_desktop(n: usize) {
    let bus = PrivateBus::start().unwrap();
    let daemon = RecordingServer::start(bus.address()).await.unwrap();
    let send = |i: usize| {
        Command::new("notify-send")
            .args(["-a", "Slack", &format!("Jane Doe (Acme) {i}"), "Can we move the call?"])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .status()
            .unwrap()
    };
    // The floor: notify-send alone, start to delivered.
    let mut floor = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        assert!(send(i).success());
        floor.push(start.elapsed());
    }
    assert!(daemon.notifications().len() >= n);

    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let channel = add_channel(&engine, ChannelSpec::new("desk", ChannelSettings::Desktop(DesktopChannel::default()))).await;
    let sink: Arc<dyn IngestSink> = Arc::new(engine.clone());
    let monitor = tokio::spawn(lull_channels::desktop::run(channel, DesktopSettings::default(), Some(bus.address().to_owned()), sink));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut events = engine.subscribe();
    let mut capture = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        assert!(send(n + i).success());
        loop {
            if let Ok(EngineEvent::MessageIngested { .. }) =
                tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("captured")
            {
                break;
            }
        }
        capture.push(start.elapsed());
    }
    monitor.abort();

    // Gatekeeper mode: Lull takes the name once the daemon is gone, and answers each Notify
    // after the decision is committed.
    daemon.release().await.unwrap();
    let address = bus.address().to_owned();
    let owner = || async { lull_channels::desktop::probe(Some(&address)).await.unwrap() };
    while owner().await.is_some() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let popups = Arc::new(CountingPopups::default());
    let sink: Arc<dyn IngestSink> = Arc::new(engine.clone());
    let settings = DesktopSettings { gatekeeper: true, ..DesktopSettings::default() };
    let gatekeeper = tokio::spawn(lull_channels::gatekeeper::run(
        channel,
        "desk".into(),
        settings,
        Some(bus.address().to_owned()),
        sink,
        popups.clone(),
    ));
    let ingested = engine.store().read(|db| db.message_count()).await.unwrap();
    let mut gated = Vec::with_capacity(n);
    while owner().await.is_none() {
        assert!(!gatekeeper.is_finished(), "the gatekeeper stopped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for i in 0..n {
        let start = Instant::now();
        assert!(send(2 * n + i).success());
        gated.push(start.elapsed());
    }
    let stored = engine.store().read(|db| db.message_count()).await.unwrap() - ingested;
    assert_eq!(stored, n as u64, "every notification was committed before notify-send returned");
    gatekeeper.abort();
    engine.shutdown().await;
    floor.sort();
    capture.sort();
    gated.sort();
    println!("desktop notification capture, {n} notify-send calls");
    println!(
        "  notify-send to the daemon (floor): p50 {:>6.1} ms  p99 {:>6.1} ms",
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.99))
    );
    println!(
        "  notify-send to committed decision:  p50 {:>6.1} ms  p99 {:>6.1} ms   (p50 {:.2}x the floor)",
        ms(percentile(&capture, 0.5)),
        ms(percentile(&capture, 0.99)),
        percentile(&capture, 0.5).as_secs_f64() / percentile(&floor, 0.5).as_secs_f64()
    );
    println!(
        "  gatekeeper: notify-send answered after the commit: p50 {:>6.1} ms  p99 {:>6.1} ms   (p50 {:.2}x the floor; {} shown)",
        ms(percentile(&gated, 0.5)),
        ms(percentile(&gated, 0.99)),
        percentile(&gated, 0.5).as_secs_f64() / percentile(&floor, 0.5).as_secs_f64(),
        popups.shown.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// Popups that are only counted: the benchmark measures the decision, not drawing.
#[derive(Default)]
struct CountingPopups {
    shown: std::sync::atomic::AtomicUsize,
    /// Kept open: a closed event channel means the popups stopped.
    events: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<lull_api::popups::PopupEvent>>>,
}

impl lull_channels::gatekeeper::Popups for CountingPopups {
    fn open(&self, events: tokio::sync::mpsc::UnboundedSender<lull_api::popups::PopupEvent>) -> Result<(), lull_core::Phrase> {
        *self.events.lock().unwrap() = Some(events);
        Ok(())
    }
    fn show(&self, _: lull_api::popups::Popup) {
        self.shown.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    fn close(&self, _: u32) {}
}

/// The phone path, inside a private network namespace (this bench runs itself again there).
async fn bench_phone(n: usize) {
    use lull_testkit::kdeconnect::{KdeConnect, Posted, ScriptedPhone, pair};
    const PHONE: &str = "lullbenchphone_0001";
    let bus = PrivateBus::start().unwrap();
    let address = bus.address().to_owned();
    let _daemon = KdeConnect::start(&address).unwrap();
    let phone = ScriptedPhone::connect(PHONE).await.unwrap();
    pair(&address, PHONE).await.unwrap();
    let post = |i: usize| {
        phone.post(&Posted {
            id: format!("0|com.whatsapp|{i}|null|{i}"),
            app: "WhatsApp".into(),
            title: "Acme team".into(),
            text: format!("Message {i}: can you call?"),
            clearable: true,
            ..Posted::default()
        });
    };
    // The floor: posted, to the daemon's own signal on the bus.
    let conn = zbus::connection::Builder::address(address.as_str()).build().await.unwrap();
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.kde.kdeconnect.device.notifications")
        .member("notificationPosted")
        .build()
        .unwrap();
    let mut posted = zbus::MessageStream::for_match_rule(rule, &conn, None).await.unwrap();
    let mut floor = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        post(i);
        tokio::time::timeout(Duration::from_secs(10), posted.try_next()).await.expect("posted").unwrap();
        floor.push(start.elapsed());
    }
    // Through Lull: posted, to the decision committed (the engine's event after the commit).
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let settings = lull_core::channel::PhoneSettings::default();
    let channel = add_channel(&engine, ChannelSpec::new("phone", ChannelSettings::Phone(settings.clone()))).await;
    let sink: Arc<dyn IngestSink> = Arc::new(engine.clone());
    let mut events = engine.subscribe();
    let watcher = tokio::spawn(lull_channels::phone::run(channel, settings, Some(address.clone()), sink));
    // What the phone already shows is imported first.
    for _ in 0..n {
        tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("imported").unwrap();
    }
    let mut through = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        post(n + i);
        loop {
            if let Ok(EngineEvent::MessageIngested { .. }) =
                tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("committed")
            {
                break;
            }
        }
        through.push(start.elapsed());
    }
    watcher.abort();
    engine.shutdown().await;
    floor.sort();
    through.sort();
    println!("phone notification, posted by the phone to the decision committed ({n} notifications, one at a time)");
    println!(
        "  kdeconnectd alone, to its notificationPosted signal: p50 {:>6.2} ms  p99 {:>6.2} ms",
        ms(percentile(&floor, 0.5)),
        ms(percentile(&floor, 0.99))
    );
    println!(
        "  Lull (read, attribute, decide, commit):            p50 {:>6.2} ms  p99 {:>6.2} ms   ratio p50 {:.2}",
        ms(percentile(&through, 0.5)),
        ms(percentile(&through, 0.99)),
        ms(percentile(&through, 0.5)) / ms(percentile(&floor, 0.5))
    );
}

/// Runs the phone bench in a private network namespace: this binary again, under `unshare -rn`.
fn phone_in_private_network(full: bool) {
    let exe = std::env::current_exe().unwrap();
    let mut run = Command::new("unshare");
    run.args(["-rn", "--"]).arg(exe).arg("--phone-inner");
    if full {
        run.arg("--bench");
    }
    assert!(run.status().unwrap().success(), "the phone bench failed in its private network namespace");
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    if std::env::args().any(|a| a == "--phone-inner") {
        assert!(Command::new("ip").args(["link", "set", "lo", "up"]).status().unwrap().success());
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(bench_phone(if full { 200 } else { 5 }));
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!("# Lull channel benchmarks ({})", if full { "full run" } else { "smoke run under cargo test" });
    runtime.block_on(async {
        if full {
            bench_imap(2_000, 3).await;
            bench_desktop(200).await;
        } else {
            bench_imap(60, 1).await;
            bench_desktop(5).await;
        }
    });
    phone_in_private_network(full);
}
