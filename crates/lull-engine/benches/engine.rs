//! Lull's benchmarks, each reported beside a baseline measured in the same run:
//!
//! - ingest throughput through the engine's ingest path and through the webhook endpoint,
//!   against raw rusqlite INSERTs of the same rows with the same durability (WAL,
//!   `synchronous=FULL`, one transaction per acknowledged message);
//! - policy decision latency (p50/p99);
//! - weekly statistics over a database of 1 million messages spread over a year, against a
//!   plain read of the same rows;
//! - push latency, from a live message's commit to the ntfy server receiving its push
//!   (through the outbox: the ring written with the decision, the courier woken, the push
//!   worded and posted, the mark written), against the same POST made directly to the same
//!   server (p50/p99).
//!
//! `cargo bench -p lull-engine` runs it in full (`scripts/bench.sh`); under `cargo test` it runs
//! a small smoke version so it keeps compiling and working.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, TimeZone, Utc};
use lull_api::channels::ChannelSpec;
use lull_api::clients::ClientSpec;
use lull_api::paths::DataDir;
use lull_api::schedule::ScheduleUpdate;
use lull_api::stats::StatsWeek;
use lull_api::{Request, Response};
use lull_channels::IngestSink;
use lull_core::model::{Category, ClientMode, DecisionKind, Tier};
use lull_core::policy::{MessageFacts, decide};
use lull_core::{Client, Incoming, Schedule};
use lull_engine::clock::ManualClock;
use lull_engine::notifier::MemoryNotifier;
use lull_engine::{Engine, EngineOptions, server};
use lull_store::{BaselineRow, NewMessage, NotificationRecord, Store, raw_insert_baseline};

struct Sizes {
    pushes: usize,
    flood: usize,
    ingest: usize,
    webhook: usize,
    decisions: usize,
    stats_messages: usize,
    stats_runs: usize,
}

/// A small deterministic random generator: the same corpus every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "invoice", "mockup", "deadline", "review", "call", "meeting", "draft", "budget", "logo", "feedback", "contract", "release", "bug",
    "design", "copy", "facture", "réunion", "maquette", "livrable", "urgent", "question", "tomorrow",
];
const DOMAINS: &[&str] = &["acme.com", "globex.io", "initech.fr", "umbrella.co.uk", "hooli.xyz", "example.org"];

fn text(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
}

fn corpus(n: usize, start: DateTime<Utc>) -> Vec<Incoming> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let domain = DOMAINS[rng.below(DOMAINS.len() as u64) as usize];
            Incoming {
                source_key: format!("m-{i}"),
                sender: format!("Person {} <p{}@{domain}>", rng.below(40), rng.below(40)),
                title: text(&mut rng, 6),
                body: text(&mut rng, 60),
                url: None,
                category: None,
                sent_at: None,
                received_at: start + Duration::seconds(i as i64 * 7),
                app: None,
                shown_by_source: false,
                silent: false,
                reply: None,
                mail: None,
                relay: None,
            }
        })
        .collect()
}

fn baseline_rows(msgs: &[Incoming]) -> Vec<BaselineRow> {
    msgs.iter()
        .map(|m| BaselineRow {
            source_key: m.source_key.clone(),
            sender: m.sender.clone(),
            title: m.title.clone(),
            body: m.body.clone(),
            received_at: m.received_at.timestamp_millis(),
        })
        .collect()
}

fn rate(n: usize, d: StdDuration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn percentile(sorted: &[StdDuration], p: f64) -> StdDuration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn open_engine(dir: &Path, now: DateTime<Utc>) -> Engine {
    Engine::open(EngineOptions {
        data_dir: DataDir::resolve(Some(dir.to_owned())).unwrap(),
        clock: Arc::new(ManualClock::new(now)),
        notifier: Arc::new(MemoryNotifier::new()),
        lang: lull_words::Lang::En,
    })
    .await
    .unwrap()
}

/// A new engine with the user in Paris and five clients, one VIP and one with a live window.
async fn engine_at(dir: &Path, now: DateTime<Utc>) -> Engine {
    let engine = open_engine(dir, now).await;
    engine.handle(Request::ScheduleSet(ScheduleUpdate { tz: Some("Europe/Paris".into()), ..Default::default() })).await.unwrap();
    for (i, domain) in DOMAINS.iter().take(5).enumerate() {
        let spec = ClientSpec {
            name: format!("Client {i}"),
            tier: Some(if i == 0 { Tier::Vip } else { Tier::Normal }),
            matches: vec![format!("domain:{domain}")],
            live: if i == 1 { vec!["tue,thu 14:00-16:00".into()] } else { vec![] },
            ..Default::default()
        };
        engine.handle(Request::ClientAdd(spec)).await.unwrap();
    }
    engine
}

async fn add_webhook(engine: &Engine, name: &str) -> (i64, String) {
    match engine
        .handle(Request::ChannelAdd(ChannelSpec::new(name, lull_core::channel::ChannelSettings::Webhook(Default::default()))))
        .await
        .unwrap()
    {
        Response::ChannelCreated(c) => (c.channel.id, c.token.unwrap()),
        other => panic!("unexpected {other:?}"),
    }
}

async fn bench_ingest(s: &Sizes, tmp: &Path) {
    let start = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let msgs = corpus(s.ingest, start);
    let rows = baseline_rows(&msgs);

    let raw = raw_insert_baseline(&tmp.join("raw.db"), &rows, 1, false).unwrap();
    let raw_fts = raw_insert_baseline(&tmp.join("raw-fts.db"), &rows, 1, true).unwrap();
    let raw_batched = raw_insert_baseline(&tmp.join("raw-batch.db"), &rows, 64, false).unwrap();

    // The engine's ingest path, one message at a time: each waits for its own commit.
    let dir = tmp.join("seq");
    let engine = engine_at(&dir, start).await;
    let (channel, _) = add_webhook(&engine, "bench").await;
    let t = Instant::now();
    for m in &msgs {
        engine.ingest(channel, m.clone()).await.unwrap();
    }
    let seq = t.elapsed();
    engine.shutdown().await;

    // The same, with 64 senders at once: the ingest writer commits them in groups.
    let dir = tmp.join("conc");
    let engine = engine_at(&dir, start).await;
    let (channel, _) = add_webhook(&engine, "bench").await;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for chunk in msgs.chunks(msgs.len().div_ceil(64)) {
        let engine = engine.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            for m in chunk {
                engine.ingest(channel, m).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let conc = t.elapsed();
    engine.shutdown().await;

    println!("\n## Ingest throughput ({} messages of ~450 bytes; WAL, synchronous=FULL)\n", msgs.len());
    println!("| path | messages/s | ratio to raw INSERT (1 row per transaction) |");
    println!("|---|---:|---:|");
    let base = rate(rows.len(), raw);
    for (name, n, d) in [
        ("raw INSERT, 1 row per transaction (baseline)", rows.len(), raw),
        ("raw INSERT + FTS5 index, 1 row per transaction", rows.len(), raw_fts),
        ("raw INSERT, 64 rows per transaction", rows.len(), raw_batched),
        ("engine ingest, one sender (1 message per commit)", msgs.len(), seq),
        ("engine ingest, 64 concurrent senders (group commit)", msgs.len(), conc),
    ] {
        println!("| {name} | {:.0} | {:.2} |", rate(n, d), rate(n, d) / base);
    }
}

/// A webhook channel named `name` on `engine`, served on an ephemeral loopback port.
struct WebhookServer {
    url: String,
    token: String,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl WebhookServer {
    async fn start(engine: &Engine, name: &str) -> WebhookServer {
        let (_, token) = add_webhook(engine, name).await;
        let listener = server::bind_loopback("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let url = format!("{}hooks/{name}", server::base_url(listener.local_addr().unwrap()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(server::run(engine.clone(), listener, "unused".into(), async move {
            let _ = stopped.await;
        }));
        WebhookServer { url, token, stop, served }
    }

    /// Posts every payload over `connections` concurrent connections, each expecting a 200;
    /// returns how long it took.
    async fn post_all(&self, payloads: &[serde_json::Value], connections: usize) -> StdDuration {
        let http = reqwest::Client::new();
        let t = Instant::now();
        let mut tasks = Vec::new();
        for chunk in payloads.chunks(payloads.len().div_ceil(connections).max(1)) {
            let (http, url, token, chunk) = (http.clone(), self.url.clone(), self.token.clone(), chunk.to_vec());
            tasks.push(tokio::spawn(async move {
                for p in chunk {
                    let r = http.post(&url).bearer_auth(&token).json(&p).send().await.unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        t.elapsed()
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.served.await.unwrap().unwrap();
    }
}

async fn bench_webhook(s: &Sizes, tmp: &Path) {
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 9, 15, 0).unwrap();
    let msgs = corpus(s.webhook, start);
    let rows = baseline_rows(&msgs);
    let raw = raw_insert_baseline(&tmp.join("raw-hook.db"), &rows, 1, false).unwrap();

    let dir = tmp.join("hook");
    let engine = engine_at(&dir, start).await;
    let hook = WebhookServer::start(&engine, "bench").await;
    let (http, url, token) = (reqwest::Client::new(), hook.url.clone(), hook.token.clone());
    let payloads: Vec<serde_json::Value> =
        msgs.iter().map(|m| serde_json::json!({ "id": m.source_key, "from": m.sender, "title": m.title, "body": m.body })).collect();
    let half = payloads.len() / 2;

    let t = Instant::now();
    for p in &payloads[..half] {
        let r = http.post(&url).bearer_auth(&token).json(p).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let seq = t.elapsed();

    // 16 connections, as a busy automation (n8n, Zapier) sends; the client runs in this process,
    // so on a small machine it takes its share of the cores from the server.
    let conc = hook.post_all(&payloads[half..], 16).await;
    hook.stop().await;
    engine.shutdown().await;

    let base = rate(rows.len(), raw);
    println!("\n## Webhook throughput (HTTP/1.1 on loopback, 2xx after commit)\n");
    println!("| path | messages/s | ratio to raw INSERT (1 row per transaction) |");
    println!("|---|---:|---:|");
    println!("| raw INSERT, 1 row per transaction (baseline) | {base:.0} | 1.00 |");
    println!("| webhook, one connection | {:.0} | {:.2} |", rate(half, seq), rate(half, seq) / base);
    println!(
        "| webhook, 16 concurrent connections | {:.0} | {:.2} |",
        rate(payloads.len() - half, conc),
        rate(payloads.len() - half, conc) / base
    );
}

/// One sender flooding against fifty alternating senders: the same number of webhook posts over
/// 16 connections, each run on a fresh engine on the wall clock (so the flood is minutes of one
/// sender's history, as in real life). A flood must cost what other traffic costs.
async fn bench_flood(s: &Sizes, tmp: &Path) {
    async fn run(tmp: &Path, name: &str, n: usize, sender: impl Fn(usize) -> String) -> StdDuration {
        let dir = tmp.join(name);
        let engine = Engine::open(EngineOptions {
            data_dir: DataDir::resolve(Some(dir.clone())).unwrap(),
            clock: Arc::new(lull_engine::clock::SystemClock),
            notifier: Arc::new(MemoryNotifier::new()),
            lang: lull_words::Lang::En,
        })
        .await
        .unwrap();
        let hook = WebhookServer::start(&engine, "flood").await;
        let payloads: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({ "id": format!("{name}-{i}"), "from": sender(i), "title": format!("Build {i} failed") }))
            .collect();
        let took = hook.post_all(&payloads, 16).await;
        hook.stop().await;
        engine.shutdown().await;
        took
    }
    let varied = run(tmp, "varied", s.flood, |i| format!("ci-{}@builds.example", i % 50)).await;
    let flood = run(tmp, "flood", s.flood, |_| "ci@builds.example".to_owned()).await;
    let (v, f) = (rate(s.flood, varied), rate(s.flood, flood));
    println!("\n## One sender flooding (webhook, 16 connections, {} messages each, wall clock)\n", s.flood);
    println!("| senders | messages/s | ratio to 50 alternating senders |");
    println!("|---|---:|---:|");
    println!("| 50 alternating senders (baseline) | {v:.0} | 1.00 |");
    println!("| one sender flooding | {f:.0} | {:.2} |", f / v);
}

fn bench_decisions(s: &Sizes) {
    let schedule = Schedule::default_in(chrono_tz::Europe::Paris);
    let clients: Vec<Client> = DOMAINS
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, d)| Client {
            id: i as i64 + 1,
            name: format!("Client {i}"),
            tz: chrono_tz::America::New_York,
            tier: if i == 0 { Tier::Vip } else { Tier::Normal },
            mode: ClientMode::Normal,
            bypass_quota: 3,
            identities: vec![format!("domain:{d}").parse().unwrap()],
            live_windows: vec!["tue,thu 09:00-11:00@client".parse().unwrap()],
            auto_reply: None,
        })
        .collect();
    let mut rng = Rng(42);
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let history: Vec<DateTime<Utc>> = Vec::new();
    let titles: Vec<String> = (0..64).map(|_| text(&mut rng, 6)).collect();
    let bodies: Vec<String> = (0..64).map(|_| text(&mut rng, 60)).collect();
    let mut times = Vec::with_capacity(s.decisions);
    let mut kinds = [0usize; 4];
    for _ in 0..s.decisions {
        let at = start + Duration::seconds(rng.below(365 * 86_400) as i64);
        let client = &clients[rng.below(clients.len() as u64) as usize];
        let facts = MessageFacts {
            received_at: at,
            client: Some(client),
            category: Category::ALL[rng.below(Category::ALL.len() as u64) as usize],
            sender: "someone@acme.com",
            title: &titles[rng.below(64) as usize],
            body: &bodies[rng.below(64) as usize],
            sender_history: &history,
            bypasses_today: rng.below(4) as u32,
        };
        let t = Instant::now();
        let d = decide(&schedule, &[], &facts);
        times.push(t.elapsed());
        kinds[d.kind as usize] += 1;
    }
    times.sort();
    println!("\n## Policy decision latency ({} random messages over 2026, Europe/Paris, clients in New York)\n", s.decisions);
    println!("| p50 | p99 | max |");
    println!("|---:|---:|---:|");
    println!("| {:?} | {:?} | {:?} |", percentile(&times, 0.5), percentile(&times, 0.99), times[times.len() - 1]);
    println!("\n(live {}, held {}, bypass {}, muted {})", kinds[0], kinds[1], kinds[2], kinds[3]);
    assert!(kinds.iter().filter(|k| **k > 0).count() >= 2, "the corpus exercises several outcomes");
}

/// A year of messages (a freelancer with a very busy inbox): stored once, reused by later runs.
async fn stats_database(n: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-stats-{n}-v3"));
    let marker = dir.join("complete");
    if marker.exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let engine = engine_at(&dir, start).await;
    let (channel, _) = add_webhook(&engine, "bulk").await;
    let clients: Vec<i64> = match engine.handle(Request::ClientList).await.unwrap() {
        Response::Clients(c) => c.iter().map(|c| c.id).collect(),
        other => panic!("unexpected {other:?}"),
    };
    engine.shutdown().await;
    let store = Store::open(&dir.join("lull.db")).unwrap();
    let year = 365 * 86_400;
    let t = Instant::now();
    let mut rng = Rng(7);
    let batch = 20_000;
    for b in 0..n.div_ceil(batch) {
        let mut rows = Vec::with_capacity(batch);
        for i in b * batch..((b + 1) * batch).min(n) {
            let at = start + Duration::seconds((i as i64 * year) / n as i64);
            let client = (rng.below(6) < 5).then(|| clients[rng.below(clients.len() as u64) as usize]);
            let kind = match rng.below(10) {
                0..=2 => DecisionKind::Live,
                3 => DecisionKind::Muted,
                4 => DecisionKind::Bypass,
                _ => DecisionKind::Held,
            };
            rows.push((i, at, client, kind, text(&mut rng, 5)));
        }
        store
            .write(move |tx| {
                for (i, at, client, kind, title) in rows {
                    let decision = lull_core::Decision {
                        kind,
                        release_at: (kind == DecisionKind::Held).then(|| at + Duration::hours(2)),
                        rule: lull_core::Rule::Open,
                    };
                    let id = tx.insert_message(&NewMessage {
                        channel_id: channel,
                        source_key: format!("b{i}"),
                        client_id: client,
                        sender: "bulk@acme.com".into(),
                        sender_key: "bulk@acme.com".into(),
                        title,
                        body: String::new(),
                        url: None,
                        category: Category::ALL[i % 5],
                        sent_at: None,
                        received_at: at,
                        decision,
                        app: None,
                        reply: None,
                        silent: false,
                        mail: None,
                        clock: None,
                        clock_ring_at: None,
                    })?;
                    if kind.interrupts() {
                        tx.insert_notification(&NotificationRecord {
                            shown_at: at,
                            kind: if kind == DecisionKind::Live {
                                lull_core::stats::InterruptionKind::Live
                            } else {
                                lull_core::stats::InterruptionKind::Bypass
                            },
                            message_id: Some(id),
                            digest_id: None,
                            client_id: client,
                            delivered: true,
                            error: None,
                        })?;
                    }
                }
                Ok(())
            })
            .await
            .unwrap();
    }
    store.close();
    println!("(built the {n}-message database in {:.0?}; kept in {} for later runs)", t.elapsed(), dir.display());
    std::fs::write(marker, b"ok").unwrap();
    dir
}

async fn bench_stats(s: &Sizes) {
    let dir = stats_database(s.stats_messages).await;
    let week = "2026-W26";
    let engine = open_engine(&dir, Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()).await;
    let store = engine.store().clone();
    let (from, to) = (Utc.with_ymd_and_hms(2026, 6, 15, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2026, 6, 29, 0, 0, 0).unwrap());
    // Warm the cache, then measure both the full statistics and the bare read of the same rows.
    let _ = engine.handle(Request::StatsWeek(StatsWeek { week: Some(week.into()) })).await.unwrap();
    let mut stats_times = Vec::new();
    let mut read_times = Vec::new();
    let mut rows = 0;
    for _ in 0..s.stats_runs {
        let t = Instant::now();
        let r = store.read(move |db| db.stats_messages(from, to)).await.unwrap();
        read_times.push(t.elapsed());
        rows = r.0.len();
        let t = Instant::now();
        let resp = engine.handle(Request::StatsWeek(StatsWeek { week: Some(week.into()) })).await.unwrap();
        stats_times.push(t.elapsed());
        assert!(matches!(resp, Response::Stats(ref st) if st.figures.messages > 0));
    }
    engine.shutdown().await;
    stats_times.sort();
    read_times.sort();
    println!(
        "\n## Weekly statistics over {} messages spread over a year (week {week} and the week before: {rows} messages)\n",
        s.stats_messages
    );
    println!("| what | p50 | p95 | ratio to the bare read |");
    println!("|---|---:|---:|---:|");
    let base = percentile(&read_times, 0.5).as_secs_f64();
    println!(
        "| bare read of the two weeks' rows, one query (baseline) | {:?} | {:?} | 1.00 |",
        percentile(&read_times, 0.5),
        percentile(&read_times, 0.95)
    );
    println!(
        "| `stats week` (read, attribute, compute, suggest) | {:?} | {:?} | {:.2} |",
        percentile(&stats_times, 0.5),
        percentile(&stats_times, 0.95),
        percentile(&stats_times, 0.5).as_secs_f64() / base
    );
}

/// Push latency: a live message's commit to the ntfy server receiving its push, against a
/// direct POST of the same push to the same server.
async fn bench_push(s: &Sizes, tmp: &Path) {
    use lull_core::push::{NtfySettings, PushSettings};
    let ntfy = lull_testkit::NtfyServer::start().await.unwrap();
    // Baseline: the POST alone, as Lull makes it (same headers, same body size).
    let http = reqwest::Client::new();
    let mut direct = Vec::with_capacity(s.pushes);
    for i in 0..s.pushes {
        let started = Instant::now();
        let answer = http
            .post(format!("{}/lull-bench", ntfy.url()))
            .header("X-Title", "Client 2 \u{b7} someone@initech.fr")
            .header("X-Priority", "4")
            .header("X-Tags", "speech_balloon")
            .body(format!("Hello {i}\nthe text of a message, about this long"))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
        direct.push(started.elapsed());
    }
    let baseline_count = ntfy.published().len();
    // Tuesday 24 November 2026, 12:30 in Paris: working hours, no focus: live.
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 11, 30, 0).unwrap();
    let engine = engine_at(&tmp.join("push"), now).await;
    engine.start_outbox();
    let settings = PushSettings::Ntfy(NtfySettings { server: ntfy.url(), topic: "lull-bench".into() });
    engine.handle(Request::PushAdd(lull_api::push::PushSpec::new("phone", settings))).await.unwrap();
    let (channel, _) = add_webhook(&engine, "bench").await;
    let mut through_lull = Vec::with_capacity(s.pushes);
    for i in 0..s.pushes {
        let incoming = Incoming {
            source_key: format!("p{i}"),
            sender: "someone@initech.fr".into(),
            title: format!("Hello {i}"),
            body: "the text of a message, about this long".into(),
            url: None,
            category: None,
            sent_at: None,
            received_at: now,
            app: None,
            shown_by_source: false,
            silent: false,
            reply: None,
            mail: None,
            relay: None,
        };
        let receipt = engine.ingest(channel, incoming).await.unwrap();
        assert_eq!(receipt.decision.kind, DecisionKind::Live);
        // The clock starts at the commit (the sender's answer).
        let committed = Instant::now();
        let got = ntfy.wait_for(baseline_count + i + 1, StdDuration::from_secs(10)).await;
        assert_eq!(got.len(), baseline_count + i + 1, "push {i} arrived");
        through_lull.push(committed.elapsed());
    }
    engine.shutdown().await;
    direct.sort();
    through_lull.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1000.0;
    println!("\n## Push latency ({} pushes to an ntfy stand-in on loopback, one at a time)", s.pushes);
    println!("| path | p50 | p99 |");
    println!("|---|---:|---:|");
    println!("| direct POST to the server (baseline) | {:.2} ms | {:.2} ms |", ms(percentile(&direct, 0.5)), ms(percentile(&direct, 0.99)));
    println!(
        "| commit to received, through the outbox | {:.2} ms ({:.1}×) | {:.2} ms ({:.1}×) |",
        ms(percentile(&through_lull, 0.5)),
        ms(percentile(&through_lull, 0.5)) / ms(percentile(&direct, 0.5)),
        ms(percentile(&through_lull, 0.99)),
        ms(percentile(&through_lull, 0.99)) / ms(percentile(&direct, 0.99)),
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes { pushes: 300, flood: 8_000, ingest: 2_000, webhook: 2_000, decisions: 200_000, stats_messages: 1_000_000, stats_runs: 30 }
    } else {
        Sizes { pushes: 10, flood: 64, ingest: 50, webhook: 40, decisions: 2_000, stats_messages: 5_000, stats_runs: 2 }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    println!("# Lull benchmarks ({})", if full { "full run" } else { "smoke run under cargo test" });
    // LULL_BENCH=ingest,stats runs a subset: ingest, webhook, flood, decisions, stats, push.
    let only = std::env::var("LULL_BENCH").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|w| w.trim() == name);
    runtime.block_on(async {
        if wanted("ingest") {
            bench_ingest(&sizes, tmp.path()).await;
        }
        if wanted("webhook") {
            bench_webhook(&sizes, tmp.path()).await;
        }
        if wanted("flood") {
            bench_flood(&sizes, tmp.path()).await;
        }
        if wanted("decisions") {
            bench_decisions(&sizes);
        }
        if wanted("stats") {
            bench_stats(&sizes).await;
        }
        if wanted("push") {
            bench_push(&sizes, tmp.path()).await;
        }
    });
}
