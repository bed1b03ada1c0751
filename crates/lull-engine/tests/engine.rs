//! The engine end to end, in-process: the HTTP server on a real loopback socket (webhooks, API,
//! events), the scheduler driven by a manual clock (digests exactly once, across restarts,
//! merged after sleep), and the typed API.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use lull_api::ErrorCode;
use lull_api::call::{Request, Response};
use lull_api::channels::*;
use lull_api::clients::*;
use lull_api::digests::*;
use lull_api::messages::*;
use lull_api::paths::DataDir;
use lull_api::schedule::*;
use lull_api::stats::*;
use lull_api::status::*;
use lull_channels::IngestSink as _;
use lull_core::channel::{ChannelSettings, FeedSettings, WebhookPreset, WebhookSettings};
use lull_engine::clock::ManualClock;
use lull_engine::notifier::{MemoryNotifier, Notice};
use lull_engine::{Engine, EngineOptions, server};
use serde_json::{Value, json};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
}

/// Tuesday 24 November 2026, 10:15 in Paris: inside the morning focus block.
const TUESDAY_1015: &str = "2026-11-24T10:15:00+01:00";

struct Harness {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    notifier: Arc<MemoryNotifier>,
    engine: Engine,
}

impl Harness {
    async fn new(at: &str) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        Harness::open(dir, Arc::new(ManualClock::new(utc(at)))).await
    }

    async fn open(dir: tempfile::TempDir, clock: Arc<ManualClock>) -> Harness {
        let notifier = Arc::new(MemoryNotifier::new());
        let engine = Engine::open(EngineOptions {
            data_dir: DataDir::resolve(Some(dir.path().to_owned())).expect("data dir"),
            clock: clock.clone(),
            notifier: notifier.clone(),
            lang: lull_words::Lang::En,
        })
        .await
        .expect("engine");
        engine.start_outbox();
        let h = Harness { dir, clock, notifier, engine };
        h.call(Request::ScheduleSet(ScheduleUpdate { tz: Some("Europe/Paris".into()), ..Default::default() })).await;
        h
    }

    /// Stops the engine and opens a new one on the same directory, as a restart does.
    async fn restart(self, at: &str) -> Harness {
        self.engine.shutdown().await;
        self.clock.set(utc(at));
        Harness::open(self.dir, self.clock).await
    }

    async fn call(&self, request: Request) -> Response {
        self.engine.handle(request).await.expect("request succeeds")
    }

    async fn add_webhook(&self, name: &str) -> (i64, String) {
        match self.call(Request::ChannelAdd(ChannelSpec::new(name, ChannelSettings::Webhook(WebhookSettings::default())))).await {
            Response::ChannelCreated(c) => (c.channel.id, c.token.expect("webhook token")),
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn add_client(&self, name: &str, tier: &str, matches: &[&str]) {
        self.call(Request::ClientAdd(ClientSpec {
            name: name.into(),
            tier: Some(tier.parse().expect("tier")),
            matches: matches.iter().map(|m| (*m).to_owned()).collect(),
            ..Default::default()
        }))
        .await;
    }

    async fn digests(&self) -> Vec<DigestView> {
        match self.call(Request::DigestList(DigestList { limit: 50 })).await {
            Response::Digests(d) => d,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// The digests, once the first `n` are recorded as notified (the record follows the
    /// notification by a moment).
    async fn notified_digests(&self, n: usize) -> Vec<DigestView> {
        for _ in 0..100 {
            let d = self.digests().await;
            if d.iter().filter(|d| d.notified_at.is_some()).count() >= n {
                return d;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        panic!("digests not notified in time: {:?}", self.digests().await);
    }

    async fn held(&self) -> u32 {
        match self.call(Request::Status).await {
            Response::Status(s) => s.held,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// A server on an ephemeral loopback port, stopped when the returned sender is dropped.
struct Served {
    base: String,
    api_token: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    http: reqwest::Client,
}

async fn serve(h: &Harness) -> Served {
    let listener = server::bind_loopback("127.0.0.1:0".parse().expect("addr")).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let api_token = h.engine.data_dir().api_token().expect("api token");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(h.engine.clone(), listener, api_token.clone(), async move {
        let _ = stopped.await;
    }));
    Served { base: server::base_url(addr), api_token, _stop: stop, http: reqwest::Client::new() }
}

impl Served {
    async fn hook(&self, channel: &str, token: &str, body: &Value) -> (u16, Value) {
        let resp = self.http.post(format!("{}hooks/{channel}", self.base)).bearer_auth(token).json(body).send().await.expect("request");
        (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
    }
}

fn message(id: &str, from: &str, title: &str) -> Value {
    json!({ "id": id, "from": from, "title": title, "body": "Could you have a look at the mockups?" })
}

#[tokio::test]
async fn webhook_stores_once_answers_with_the_decision_and_refuses_bad_requests() {
    let h = Harness::new(TUESDAY_1015).await;
    h.add_client("Acme", "normal", &["domain:acme.com"]).await;
    let (_, token) = h.add_webhook("acme").await;
    let s = serve(&h).await;

    let (status, body) = s.hook("acme", &token, &message("m-1", "Jane <jane@acme.com>", "Mockups")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "stored");
    assert_eq!(body["client"], "Acme");
    assert_eq!(body["decision"], "held");
    assert_eq!(body["release_at"], "2026-11-24T12:00:00Z");
    assert_eq!(body["reason"], "During focus (mon-fri 09:00-12:00, until 12:00): held until the 13:00 digest.");

    // The same id again: 200, the first decision, nothing stored twice.
    let (status, again) = s.hook("acme", &token, &message("m-1", "Jane <jane@acme.com>", "Mockups (retry)")).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(again["message_id"], body["message_id"]);
    assert_eq!(h.engine.store().read(|db| db.message_count()).await.expect("count"), 1);

    let post = |path: &str| s.http.post(format!("{}{path}", s.base));
    let status = |r: reqwest::Response| r.status().as_u16();
    // Wrong and missing tokens.
    assert_eq!(
        status(post("hooks/acme").bearer_auth("lull_wh_nope").json(&message("m-2", "a@b.io", "t")).send().await.expect("send")),
        401
    );
    assert_eq!(status(post("hooks/acme").json(&message("m-2", "a@b.io", "t")).send().await.expect("send")), 401);
    // Audit defect 10: channel names cannot be probed without a token. An unknown channel and
    // a wrong token get the very same answer.
    let answer = |r: reqwest::Response| async move { (r.status().as_u16(), r.text().await.expect("text")) };
    let unknown =
        answer(post("hooks/nope").bearer_auth("lull_wh_nope").json(&message("m-2", "a@b.io", "t")).send().await.expect("send")).await;
    let wrong =
        answer(post("hooks/acme").bearer_auth("lull_wh_nope").json(&message("m-2", "a@b.io", "t")).send().await.expect("send")).await;
    assert_eq!(unknown.0, 401);
    assert_eq!(unknown.1.replace("nope", "acme"), wrong.1, "the same answer, but for the name asked");
    assert!(unknown.1.contains("lull channel list"), "{}", unknown.1);
    // Not JSON.
    let r = post("hooks/acme").bearer_auth(&token).header("content-type", "text/plain").body("hello").send().await.expect("send");
    assert_eq!(r.status().as_u16(), 415);
    // Malformed JSON and missing fields say what is wrong.
    let r =
        post("hooks/acme").bearer_auth(&token).header("content-type", "application/json").body("{\"id\": 1,").send().await.expect("send");
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.expect("text").contains("not valid JSON"));
    let (code, err) = s.hook("acme", &token, &json!({ "id": "m-3", "title": "no sender" })).await;
    assert_eq!(code, 400);
    assert_eq!(err["error"]["message"], "\"from\" is missing");
    // Over 1 MiB.
    let big = json!({ "id": "m-4", "from": "a@b.io", "title": "t", "body": "x".repeat(1 << 20) });
    assert_eq!(s.hook("acme", &token, &big).await.0, 413);
    // A foreign Host (DNS rebinding) and a browser Origin are refused.
    let r = post("hooks/acme")
        .header("host", "evil.example:80")
        .bearer_auth(&token)
        .json(&message("m-5", "a@b.io", "t"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 403);
    let r = post("hooks/acme")
        .header("origin", "https://evil.example")
        .bearer_auth(&token)
        .json(&message("m-6", "a@b.io", "t"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 403);
    // Nothing of the above was stored; the malformed payload is on the channel's health.
    assert_eq!(h.engine.store().read(|db| db.message_count()).await.expect("count"), 1);
    let channels = match h.call(Request::ChannelList).await {
        Response::Channels(c) => c,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(channels[0].health, "error");
    assert_eq!(channels[0].last_error.as_deref(), Some("\"from\" is missing"));
    assert_eq!(channels[0].messages, 1);

    // A message with a link nobody should open is kept without it, and the answer says so.
    let (code, ok) = s
        .hook("acme", &token, &json!({ "id": "m-7", "from": "a@b.io", "title": "Invoice", "url": "javascript:fetch('//evil.example')" }))
        .await;
    assert_eq!(code, 200, "{ok}");
    assert_eq!(ok["status"], "stored");
    let note = ok["notes"][0].as_str().unwrap_or_default();
    assert!(note.starts_with("\"url\" was left out: it must start with https://, http:// or mailto:"), "{ok}");
    assert!(note.ends_with("the message was stored without its link"), "{ok}");
    let id = ok["message_id"].as_i64().expect("id");
    let stored = h.engine.store().read(move |db| db.message(id)).await.expect("read").expect("the message");
    assert_eq!((stored.title.as_str(), stored.url.as_deref()), ("Invoice", None));
    let (_, clean) = s.hook("acme", &token, &message("m-8", "a@b.io", "t")).await;
    assert_eq!(clean["notes"], json!([]), "{clean}");
}

#[tokio::test]
async fn live_and_bypass_messages_notify_one_by_one() {
    // 12:30 on Tuesday: working hours, no focus: live.
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    h.add_client("Acme", "vip", &["domain:acme.com"]).await;
    let (_, token) = h.add_webhook("acme").await;
    let s = serve(&h).await;
    let (_, body) = s.hook("acme", &token, &message("1", "jane@acme.com", "Lunch <b>today</b>?")).await;
    assert_eq!(body["decision"], "live");
    h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    // Back in focus, a VIP's urgent word breaks through.
    h.clock.set(utc("2026-11-24T14:30:00+01:00"));
    let (_, body) = s.hook("acme", &token, &json!({"id": "2", "from": "jane@acme.com", "title": "Prod is down", "body": "ASAP"})).await;
    assert_eq!(body["decision"], "bypass");
    let notices = h.notifier.wait_for(2, StdDuration::from_secs(5)).await;
    assert_eq!(notices.len(), 2);
    assert!(
        matches!(&notices[0], Notice::Message { client: Some(c), urgent: false, title, .. } if c == "Acme" && title == "Lunch <b>today</b>?")
    );
    assert!(matches!(&notices[1], Notice::Message { urgent: true, .. }));
    // Both are interruptions in the week's statistics.
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let stats = match h.call(Request::StatsWeek(StatsWeek { week: Some("this".into()) })).await {
        Response::Stats(s) => s,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(stats.figures.week.to_string(), "2026-W48");
    assert_eq!(stats.figures.interruptions.live, 1);
    assert_eq!(stats.figures.interruptions.bypass, 1);
    assert_eq!(stats.figures.interruptions.in_focus, 1);
    assert_eq!(stats.figures.bypasses_used, 1);
}

#[tokio::test]
async fn a_desktop_notification_that_passes_is_counted_but_not_shown_twice() {
    // 12:30 on Tuesday, no focus: live. The desktop (or the gatekeeper's popup) already shows
    // it; Lull must not add a second popup, but it still interrupted the user.
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    let (channel, _) = h.add_webhook("desk").await;
    use lull_channels::IngestSink;
    let at = utc("2026-11-24T12:30:00+01:00");
    let shown = lull_core::Incoming { app: Some("Slack".into()), shown_by_source: true, ..incoming("1", "Jane (Slack)", at) };
    let r = h.engine.ingest(channel, shown).await.expect("ingest");
    assert_eq!(r.decision.kind, lull_core::DecisionKind::Live);
    // A message from another source, for contrast: that one is notified.
    h.engine.ingest(channel, incoming("2", "amy@initech.fr", at)).await.expect("ingest");
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(h.notifier.notices().len(), 1, "{notices:?}");
    assert!(matches!(&notices[0], Notice::Message { sender, .. } if sender == "amy@initech.fr"));
    let stats = match h.call(Request::StatsWeek(StatsWeek { week: Some("this".into()) })).await {
        Response::Stats(s) => s,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(stats.figures.interruptions.live, 2, "both interrupted");
}

#[tokio::test]
async fn configuration_changes_reach_the_very_next_message() {
    // 12:30: no focus, so an Unknown sender is live.
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    let (channel, _) = h.add_webhook("mail").await;
    use lull_channels::IngestSink;
    let at = utc("2026-11-24T12:30:00+01:00");
    let r = h.engine.ingest(channel, incoming("1", "amy@initech.fr", at)).await.expect("ingest");
    assert_eq!((r.client, r.decision.kind), (None, lull_core::DecisionKind::Live));
    // The ingest writer keeps its context between messages; a new client must still count.
    h.add_client("Initech", "low", &["domain:initech.fr"]).await;
    let r = h.engine.ingest(channel, incoming("2", "amy@initech.fr", at)).await.expect("ingest");
    assert_eq!((r.client.as_deref(), r.decision.kind), (Some("Initech"), lull_core::DecisionKind::Held));
    // And so must a focus session started a moment ago, for an Unknown sender.
    h.call(Request::FocusStart(FocusStart { minutes: 25 })).await;
    let r = h.engine.ingest(channel, incoming("3", "bob@globex.io", at + chrono::Duration::seconds(1))).await.expect("ingest");
    assert_eq!(r.decision.rule.code(), "manual_focus");
}

#[tokio::test]
async fn a_message_is_searchable_as_soon_as_it_is_acknowledged() {
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("mail").await;
    use lull_channels::IngestSink;
    let mut m = incoming("1", "jane@acme.com", utc(TUESDAY_1015));
    m.body = "Pouvez-vous régler la facture de mars ?".into();
    h.engine.ingest(channel, m).await.expect("ingest");
    let query = InboxQuery {
        held_only: false,
        client: None,
        search: Some("regler FACT".into()),
        limit: None,
        before: None,
        record_check: false,
        interruptions_only: false,
        snoozed_only: false,
        archived: false,
    };
    let Response::Inbox(page) = h.call(Request::Inbox(query)).await else { panic!() };
    assert_eq!(page.messages.len(), 1, "accents and case are ignored, the last word is a prefix");
}

#[tokio::test]
async fn the_api_needs_its_token_and_streams_events() {
    let h = Harness::new(TUESDAY_1015).await;
    let (_, token) = h.add_webhook("hooks").await;
    let s = serve(&h).await;
    let api = |token: Option<&str>| {
        let mut r = s.http.post(format!("{}api", s.base)).json(&json!({ "method": "status" }));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };
    assert_eq!(api(None).send().await.expect("send").status().as_u16(), 401);
    assert_eq!(api(Some("lull_api_wrong")).send().await.expect("send").status().as_u16(), 401);
    let ok: Value = api(Some(&s.api_token)).send().await.expect("send").json().await.expect("json");
    assert_eq!(ok["type"], "status");
    assert_eq!(ok["data"]["focus"]["in_focus"], true);
    assert_eq!(ok["data"]["summary"], "In focus until 12:00. Nothing urgent. Next digest at 13:00: nothing waiting yet.");
    // A foreign page cannot use the API even with the token.
    let r = api(Some(&s.api_token)).header("origin", "https://evil.example").send().await.expect("send");
    assert_eq!(r.status().as_u16(), 403);
    // Errors carry a code and a message.
    let r = s
        .http
        .post(format!("{}api", s.base))
        .bearer_auth(&s.api_token)
        .json(&json!({ "method": "client_remove", "params": { "name": "Nobody" } }))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404);
    let err: Value = r.json().await.expect("json");
    assert_eq!(err["error"]["code"], "not_found");

    // Events: a webhook message shows up on the stream.
    let mut events = s.http.get(format!("{}api/events", s.base)).bearer_auth(&s.api_token).send().await.expect("events");
    assert_eq!(events.status().as_u16(), 200);
    s.hook("hooks", &token, &message("e-1", "bob@globex.io", "Hello")).await;
    let mut seen = String::new();
    while !seen.contains("message_ingested") {
        let chunk =
            tokio::time::timeout(StdDuration::from_secs(5), events.chunk()).await.expect("event in time").expect("chunk").expect("open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("\"decision\":\"held\""), "{seen}");
}

#[tokio::test]
async fn scheduler_releases_each_digest_once_also_across_a_restart() {
    let h = Harness::new(TUESDAY_1015).await;
    h.add_client("Acme", "normal", &["domain:acme.com"]).await;
    h.add_client("Globex", "normal", &["domain:globex.io"]).await;
    let (_, token) = h.add_webhook("mail").await;
    let s = serve(&h).await;
    for (i, from) in ["a@acme.com", "b@acme.com", "c@globex.io"].iter().enumerate() {
        let (_, body) = s.hook("mail", &token, &message(&format!("x{i}"), from, "Hi")).await;
        assert_eq!(body["decision"], "held");
    }
    assert_eq!(h.held().await, 3);

    // 12:59: nothing yet. 13:00: one digest, one notification.
    h.clock.set(utc("2026-11-24T12:59:00+01:00"));
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert!(h.digests().await.is_empty());
    h.clock.set(utc("2026-11-24T13:00:00+01:00"));
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(notices.len(), 1);
    match &notices[0] {
        Notice::Digest { summary, body, .. } => {
            assert_eq!(summary, "13:00 digest: 3 messages from 2 clients");
            assert_eq!(body, "Acme 2 \u{b7} Globex 1");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(h.held().await, 0);
    let digests = h.notified_digests(1).await;
    assert_eq!(digests.len(), 1);

    // One more held message in the afternoon focus, for 17:00; then the engine stops.
    h.clock.set(utc("2026-11-24T14:30:00+01:00"));
    s.hook("mail", &token, &message("y1", "a@acme.com", "Later")).await;
    drop(s);
    // Restarting at 16:00 changes nothing: the 13:00 digest is not released or shown again.

    let h = h.restart("2026-11-24T16:00:00+01:00").await;
    let s = serve(&h).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(h.notifier.notices().is_empty());
    assert_eq!(h.digests().await.len(), 1);
    drop(s);

    // Restarting the next morning: 17:00 was missed while Lull was off; it is released now.
    let h = h.restart("2026-11-25T08:30:00+01:00").await;
    let _s = serve(&h).await;
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let digests = h.digests().await;
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[0].summary, "17:00 digest: 1 message from 1 client");
    assert_eq!(digests[0].released_at, utc("2026-11-25T08:30:00+01:00"));
}

#[tokio::test]
async fn slots_missed_while_stopped_merge_into_one_digest() {
    // No server, hence no scheduler: messages are decided as they arrive, nothing is released.
    let h = Harness::new("2026-11-24T10:00:00+01:00").await;
    let (channel, _) = h.add_webhook("mail").await;
    let arrive = |key: &str, at: &str| {
        h.clock.set(utc(at));
        h.engine.ingest(channel, incoming(key, "x@acme.com", utc(at)))
    };
    use lull_channels::IngestSink;
    assert_eq!(arrive("a", "2026-11-24T10:00:00+01:00").await.expect("a").decision.release_at, Some(utc("2026-11-24T13:00:00+01:00")));
    assert_eq!(arrive("b", "2026-11-24T14:30:00+01:00").await.expect("b").decision.release_at, Some(utc("2026-11-24T17:00:00+01:00")));
    assert_eq!(arrive("c", "2026-11-24T19:00:00+01:00").await.expect("c").decision.release_at, Some(utc("2026-11-25T09:00:00+01:00")));
    // The engine starts its scheduler on Wednesday at 09:30: three slots are due; one digest.
    let h = h.restart("2026-11-25T09:30:00+01:00").await;
    let _s = serve(&h).await;
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(h.notifier.notices().len(), 1, "{notices:?}");
    let digests = h.digests().await;
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].merged_slots, 3);
    assert_eq!(digests[0].summary, "09:00 digest: 3 messages from 1 client (includes 2 earlier digests missed while away)");
    assert_eq!(h.held().await, 0);
}

#[tokio::test]
async fn a_clock_jump_while_running_releases_one_merged_digest() {
    let h = Harness::new("2026-11-24T10:00:00+01:00").await;
    let (_, token) = h.add_webhook("mail").await;
    let s = serve(&h).await;
    s.hook("mail", &token, &message("a", "x@acme.com", "one")).await; // Tuesday 13:00
    let (_, b) = s.hook("mail", &token, &json!({"id": "b", "from": "reviews@malt.fr", "title": "New review", "category": "rating"})).await;
    assert_eq!(b["release_at"], "2026-11-27T16:00:00Z", "ratings wait for Friday 17:00");
    // The laptop sleeps from Tuesday 10:00 to Saturday: tokio's timers would not notice; the
    // wall clock jumps and the scheduler re-plans at once.
    h.clock.set(utc("2026-11-28T10:00:00+01:00"));
    let _ = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    let notices = h.notifier.notices();
    assert_eq!(notices.len(), 1, "one digest, not one per missed slot: {notices:?}");
    let digests = h.digests().await;
    assert_eq!((digests.len(), digests[0].messages, digests[0].merged_slots), (1, 2, 2));
}

#[tokio::test]
async fn a_held_message_due_before_the_scheduler_planned_to_look_wakes_it() {
    // Tuesday 12:05, between the morning focus and the afternoon's: with nothing held, the
    // scheduler sleeps until 14:00. A digest-only client's message waits for the 13:00 digest,
    // before that, so its arrival has to wake the scheduler; the clock then moves a minute at
    // a time, which (unlike a jump) wakes nothing by itself.
    let h = Harness::new("2026-11-24T12:05:00+01:00").await;
    h.call(Request::ClientAdd(ClientSpec {
        name: "Acme".into(),
        mode: Some(lull_core::model::ClientMode::DigestOnly),
        matches: vec!["domain:acme.com".into()],
        ..Default::default()
    }))
    .await;
    let (channel, _) = h.add_webhook("mail").await;
    let _s = serve(&h).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let m = h.engine.ingest(channel, incoming("a", "x@acme.com", utc("2026-11-24T12:05:00+01:00"))).await.expect("ingest");
    assert_eq!((m.decision.kind, m.decision.release_at), (lull_core::DecisionKind::Held, Some(utc("2026-11-24T13:00:00+01:00"))));
    for _ in 0..55 {
        h.clock.advance(chrono::Duration::minutes(1));
        tokio::task::yield_now().await;
    }
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert!(matches!(&notices[..], [Notice::Digest { .. }]), "released at 13:00: {notices:?}");
    assert_eq!(h.digests().await[0].messages, 1);
}

fn incoming(key: &str, from: &str, at: DateTime<Utc>) -> lull_core::Incoming {
    lull_core::Incoming {
        source_key: key.into(),
        sender: from.into(),
        title: "Hello".into(),
        body: String::new(),
        url: None,
        category: None,
        sent_at: None,
        received_at: at,
        app: None,
        shown_by_source: false,
        silent: false,
        reply: None,
        mail: None,
        relay: None,
    }
}

#[tokio::test]
async fn a_digest_released_but_not_notified_is_notified_after_restart() {
    let h = Harness::new("2026-11-24T10:00:00+01:00").await;
    let (channel, _) = h.add_webhook("mail").await;
    use lull_channels::IngestSink;
    h.engine.ingest(channel, incoming("a", "x@acme.com", utc("2026-11-24T10:00:00+01:00"))).await.expect("ingest");
    // What a crash between the release's commit and its notification leaves behind: a digest
    // holding the message, its ring queued in the outbox and never delivered.
    h.engine
        .store()
        .write(|tx| {
            let due = tx.due_messages(None)?;
            let id = tx.insert_digest(&lull_store::DigestRecord {
                slot_at: utc("2026-11-24T13:00:00+01:00"),
                released_at: utc("2026-11-24T13:00:00+01:00"),
                manual: false,
                merged_slots: 1,
                message_count: 1,
                client_count: 1,
            })?;
            tx.assign_digest(id, &[due[0].id], utc("2026-11-24T13:00:00+01:00"))?;
            let subject = lull_store::Subject::Digest(id);
            tx.enqueue_rings(lull_core::stats::InterruptionKind::Digest, subject, None, true, utc("2026-11-24T13:00:00+01:00"))
        })
        .await
        .expect("release");
    let h = h.restart("2026-11-24T13:01:00+01:00").await;
    let s = serve(&h).await;
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert!(
        matches!(&notices[..], [Notice::Digest { summary, body, .. }] if summary == "13:00 digest: 1 message from 1 client" && body == "Unknown 1")
    );
    h.notified_digests(1).await;
    drop(s);
    // Once notified, never again.
    let h = h.restart("2026-11-24T13:02:00+01:00").await;
    let _s = serve(&h).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(h.notifier.notices().is_empty());
    assert!(h.digests().await[0].notified_at.is_some());
    // Nothing is left to release: "digest now" says so.
    assert!(matches!(h.call(Request::DigestNow).await, Response::DigestReleased(None)));
}

#[tokio::test]
async fn digest_now_releases_everything_held() {
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("mail").await;
    use lull_channels::IngestSink;
    h.engine.ingest(channel, incoming("a", "x@acme.com", utc(TUESDAY_1015))).await.expect("ingest");
    let mut rating = incoming("b", "reviews@malt.fr", utc(TUESDAY_1015));
    rating.category = Some(lull_core::Category::Rating);
    h.engine.ingest(channel, rating).await.expect("ingest");
    let Response::DigestReleased(Some(d)) = h.call(Request::DigestNow).await else { panic!("nothing released") };
    assert_eq!((d.messages, d.manual), (2, true));
    assert_eq!(d.summary, "10:15 digest: 2 messages from 1 client");
    assert_eq!(h.held().await, 0);
    let Response::Digest(detail) = h.call(Request::DigestShow(DigestShow { id: d.id })).await else { panic!() };
    assert_eq!(detail.groups.len(), 1);
    assert_eq!(detail.groups[0].messages.len(), 2);
    assert_eq!(h.notifier.notices().len(), 1);
}

#[tokio::test]
async fn changing_the_schedule_replans_held_messages() {
    let h = Harness::new(TUESDAY_1015).await;
    let (_, token) = h.add_webhook("mail").await;
    let s = serve(&h).await;
    s.hook("mail", &token, &message("a", "x@acme.com", "one")).await; // until 13:00
    let r = h.call(Request::ScheduleSet(ScheduleUpdate { digests: Some(vec!["11:00,16:00".into()]), ..Default::default() })).await;
    let Response::Schedule(view) = r else { panic!("unexpected {r:?}") };
    assert_eq!(view.replanned, 1);
    assert_eq!(view.next_digest, utc("2026-11-24T11:00:00+01:00"));
    let inbox = match h
        .call(Request::Inbox(InboxQuery {
            held_only: true,
            client: None,
            search: None,
            limit: None,
            before: None,
            record_check: false,
            interruptions_only: false,
            snoozed_only: false,
            archived: false,
        }))
        .await
    {
        Response::Inbox(p) => p,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(inbox.messages[0].release_at, Some(utc("2026-11-24T11:00:00+01:00")));
    assert!(inbox.messages[0].reason.ends_with("held until the 11:00 digest."), "{}", inbox.messages[0].reason);
    // The scheduler follows the new plan.
    h.clock.set(utc("2026-11-24T11:00:00+01:00"));
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert!(matches!(&notices[0], Notice::Digest { summary, .. } if summary == "11:00 digest: 1 message from 1 client"));
    // A bad schedule is refused with the option named, and nothing changes.
    let err = h
        .engine
        .handle(Request::ScheduleSet(ScheduleUpdate { focus: Some(vec!["mon-fry 09:00-12:00".into()]), ..Default::default() }))
        .await
        .expect_err("bad day");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    // The field is named for the edges to word (`--focus` on the command line, checked there).
    assert_eq!(err.field.as_deref(), Some("focus"));
    assert_eq!(err.problem.code, "input.value");
    assert!(err.message.starts_with("focus \"mon-fry 09:00-12:00\": unknown day \"fry\""), "{}", err.message);
}

#[tokio::test]
async fn explain_focus_sessions_and_quota() {
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    h.add_client("Acme", "vip", &["domain:acme.com"]).await;
    h.call(Request::ClientEdit(ClientEdit { name: "Acme".into(), bypass_quota: Some(1), ..Default::default() })).await;
    let explain = |at: &str, title: &str| {
        h.engine.handle(Request::Explain(ExplainQuery {
            from: "jane@acme.com".into(),
            at: utc(at),
            title: title.into(),
            body: String::new(),
            category: None,
            channel: None,
            app: None,
            client: None,
            schedule: None,
            reply_template: None,
        }))
    };
    let Response::Explanation(e) = explain("2026-11-24T12:30:00+01:00", "hi").await.expect("explain") else { panic!() };
    assert_eq!(
        (e.decision, e.client.as_deref(), e.matched.as_deref()),
        (lull_core::DecisionKind::Live, Some("Acme"), Some("domain:acme.com"))
    );
    // A manual focus session holds what would have been live.
    let Response::Focus(f) = h.call(Request::FocusStart(FocusStart { minutes: 30 })).await else { panic!() };
    assert_eq!(f.until, Some(utc("2026-11-24T13:00:00+01:00")));
    let Response::Explanation(e) = explain("2026-11-24T12:40:00+01:00", "hi").await.expect("explain") else { panic!() };
    assert_eq!(e.reason, "During your focus session (until 13:00): held until the 13:00 digest.");
    let Response::Explanation(e) = explain("2026-11-24T12:40:00+01:00", "URGENT").await.expect("explain") else { panic!() };
    assert_eq!(e.decision, lull_core::DecisionKind::Bypass);
    h.call(Request::FocusStop).await;
    let err = h.engine.handle(Request::FocusStop).await.expect_err("nothing running");
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(h.engine.handle(Request::FocusStart(FocusStart { minutes: 0 })).await.is_err());
}

#[tokio::test]
async fn the_demo_fills_every_screen_and_refuses_a_used_directory() {
    let h = Harness::new("2026-11-26T10:30:00+01:00").await;
    let Response::Demo(report) = h.call(Request::Demo).await else { panic!() };
    assert_eq!((report.clients, report.channels), (5, 5));
    assert!(report.messages > 400, "{report:?}");
    assert!(report.digests > 10, "{report:?}");
    let Response::Stats(stats) = h.call(Request::StatsWeek(StatsWeek { week: Some("this".into()) })).await else { panic!() };
    let f = &stats.figures;
    // A week in progress (Thursday 10:30) is compared with the same part of the week before.
    assert_eq!(stats.compared_until, Some(utc("2026-11-19T10:30:00+01:00")));
    let ratio = f64::from(f.messages) / f64::from(stats.previous.messages.max(1));
    assert!((0.5..2.0).contains(&ratio), "like with like: {} against {}", f.messages, stats.previous.messages);
    assert!(f.interruptions.digest > 0 && f.interruptions.live > 0);
    assert!(f.after_hours > 0 && f.ratings_contained > 0 && f.checks > 0);
    // By default: the last complete week, whole, against the whole week before it.
    let Response::Stats(last) = h.call(Request::StatsWeek(StatsWeek { week: None })).await else { panic!() };
    assert_eq!((last.figures.week, last.compared_until), (stats.previous.week, None));
    assert!(last.figures.messages > stats.previous.messages && last.figures.messages > f.messages, "the whole of last week");
    assert!(last.figures.bypasses_used + f.bypasses_used >= 2, "the retries and the emergency broke through");
    // No week to come.
    let future = h.engine.handle(Request::StatsWeek(StatsWeek { week: Some("2026-W49".into()) })).await;
    assert_eq!(future.expect_err("a week to come").field.as_deref(), Some("week"));
    // The phone: WhatsApp from two clients, the Malt app, LinkedIn, SMS; held ones kept off it.
    let p = &last.figures.phone;
    assert!(p.notifications > 30 && p.kept_off > 0 && p.dismissed == p.kept_off, "{p:?}");
    let apps: Vec<&str> = p.by_app.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(apps.first(), Some(&"WhatsApp"), "{apps:?}");
    assert!(["Malt", "LinkedIn", "Messages"].iter().all(|a| apps.contains(a)), "{apps:?}");
    assert!(last.figures.by_client.iter().any(|c| c.name == "Acme"));
    let Response::Clients(clients) = h.call(Request::ClientList).await else { panic!() };
    let zones: std::collections::BTreeSet<String> = clients.iter().map(|c| c.tz.clone()).collect();
    assert_eq!(zones.len(), 3, "{zones:?}");
    // Nothing popped up: the demo is history.
    assert!(h.notifier.notices().is_empty());
    let err = h.engine.handle(Request::Demo).await.expect_err("not twice");
    assert_eq!(err.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn triage_marks_archives_and_snoozes_until_the_next_digest() {
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("mail").await;
    use lull_channels::IngestSink;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(h.engine.ingest(channel, incoming(&i.to_string(), "a@b.io", utc(TUESDAY_1015))).await.expect("ingest").message_id);
    }
    let view = |held_only: bool, snoozed_only: bool, archived: bool| InboxQuery {
        held_only,
        client: None,
        search: None,
        limit: None,
        before: None,
        record_check: false,
        interruptions_only: false,
        snoozed_only,
        archived,
    };
    let inbox = |archived: bool| view(false, false, archived);
    assert!(matches!(h.call(Request::MarkRead(MarkRead { ids: vec![ids[0]], read: true })).await, Response::Updated(Updated { count: 1 })));
    assert!(matches!(
        h.call(Request::Archive(Archive { ids: vec![ids[1]], archived: true })).await,
        Response::Updated(Updated { count: 1 })
    ));
    assert!(matches!(h.call(Request::Snooze(Snooze { ids: vec![ids[2]], until: None })).await, Response::Updated(Updated { count: 1 })));
    let ids_of = |page: &InboxPage| page.messages.iter().map(|m| m.id).collect::<Vec<_>>();
    // All keeps the snoozed one (marked with its return); Waiting and the counts leave out
    // the archived and the snoozed ones; Snoozed has it; the archive has the archived one.
    let Response::Inbox(all) = h.call(Request::Inbox(inbox(false))).await else { panic!() };
    assert_eq!(ids_of(&all), [ids[2], ids[0]]);
    assert!(all.messages[0].snoozed_until.is_some());
    let Response::Inbox(waiting) = h.call(Request::Inbox(view(true, false, false))).await else { panic!() };
    assert_eq!(ids_of(&waiting), [ids[0]]);
    let Response::Inbox(snoozed) = h.call(Request::Inbox(view(false, true, false))).await else { panic!() };
    assert_eq!(ids_of(&snoozed), [ids[2]]);
    let Response::Inbox(archive) = h.call(Request::Inbox(inbox(true))).await else { panic!() };
    assert_eq!(ids_of(&archive), [ids[1]]);
    let Response::Status(status) = h.call(Request::Status).await else { panic!() };
    assert_eq!(status.held, 1, "the sidebar, the tray and `lull status` count what Waiting lists");
    // The next digest (12:00... 13:00) takes the waiting one and the one snoozed until then,
    // never the archived one.
    assert_eq!(status.next_digest_messages, 2);
    let Response::DigestReleased(Some(digest)) = h.call(Request::DigestNow).await else { panic!() };
    let Response::Digest(detail) = h.call(Request::DigestShow(DigestShow { id: digest.id })).await else { panic!() };
    let released: Vec<i64> = detail.groups.iter().flat_map(|g| g.messages.iter().map(|m| m.id)).collect();
    assert!(!released.contains(&ids[1]), "an archived message is not released: {released:?}");
    // The snoozed one comes back, unread, at the end of its snooze (the next digest, 13:00).
    h.clock.set(utc("2026-11-24T13:00:00+01:00"));
    let Response::Inbox(page) = h.call(Request::Inbox(inbox(false))).await else { panic!() };
    let back = page.messages.iter().find(|m| m.id == ids[2]).expect("back after the digest");
    assert!(!back.read);
}

#[tokio::test]
async fn a_snooze_ends_when_asked_and_moves_a_held_message_to_the_digest_after_it() {
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("acme").await;
    use lull_channels::IngestSink;
    let held = h.engine.ingest(channel, incoming("s1", "a@b.io", utc(TUESDAY_1015))).await.expect("ingest");
    assert_eq!(held.decision.kind, lull_core::model::DecisionKind::Held);
    let until = utc("2026-11-25T09:00:00+01:00");
    let snooze = Snooze { ids: vec![held.message_id], until: Some(until) };
    assert!(matches!(h.call(Request::Snooze(snooze)).await, Response::Updated(Updated { count: 1 })));
    let Response::Inbox(page) = h.call(Request::Inbox(InboxQuery { snoozed_only: true, ..Default::default() })).await else { panic!() };
    let m = &page.messages[0];
    assert_eq!(m.snoozed_until, Some(until));
    assert!(m.release_at.is_some_and(|r| r >= until), "released in the first digest after the snooze: {:?}", m.release_at);
    // Nothing waits now, and today's digests do not take it.
    let Response::Status(status) = h.call(Request::Status).await else { panic!() };
    assert_eq!((status.held, status.next_digest_messages), (0, 0));
    // A snooze into the past is refused, at its field.
    let past = Snooze { ids: vec![held.message_id], until: Some(utc("2026-11-24T08:00:00Z")) };
    let Err(e) = h.engine.handle(Request::Snooze(past)).await else { panic!("a past snooze was accepted") };
    assert_eq!(e.field.as_deref(), Some("until"));
}

#[tokio::test]
async fn configuration_exports_and_imports_and_previews_unsaved_schedules() {
    let h = Harness::new(TUESDAY_1015).await;
    h.add_client("Acme", "vip", &["domain:acme.com"]).await;
    h.add_webhook("acme").await;
    let Response::Config(doc) = h.call(Request::ConfigExport).await else { panic!() };
    assert_eq!(doc.format, "lull-config");
    assert_eq!(doc.clients[0].matches, ["domain:acme.com"]);

    let other = Harness::new(TUESDAY_1015).await;
    let Response::Imported(report) = other.call(Request::ConfigImport(doc.clone())).await else { panic!() };
    assert_eq!((report.clients_added, report.clients_updated, report.channels_added.len()), (1, 0, 1));
    assert!(report.channels_added[0].token.is_some(), "an imported webhook gets a new token");
    let Response::Imported(again) = other.call(Request::ConfigImport(doc)).await else { panic!() };
    assert_eq!(
        (again.clients_added, again.clients_updated, again.channels_added.len()),
        (0, 1, 0),
        "importing twice changes nothing twice"
    );

    // "If Acme writes Tuesday 10:15": held by focus now; with focus removed (not saved), live.
    let query = |schedule: Option<ScheduleUpdate>| ExplainQuery {
        from: String::new(),
        at: utc(TUESDAY_1015),
        title: String::new(),
        body: String::new(),
        category: None,
        channel: None,
        app: None,
        client: Some("Acme".into()),
        schedule,
        reply_template: None,
    };
    let q = query(None);
    let Response::Explanation(e) = h.engine.handle(Request::Explain(ExplainQuery { from: "preview".into(), ..q })).await.expect("explain")
    else {
        panic!()
    };
    assert_eq!((e.decision, e.client.as_deref()), (lull_core::DecisionKind::Held, Some("Acme")));
    let q = query(Some(ScheduleUpdate { focus: Some(vec![]), ..Default::default() }));
    let Response::Explanation(e) = h.engine.handle(Request::Explain(ExplainQuery { from: "preview".into(), ..q })).await.expect("explain")
    else {
        panic!()
    };
    assert_eq!(e.decision, lull_core::DecisionKind::Live);
    let Response::Schedule(saved) = h.call(Request::ScheduleShow).await else { panic!() };
    assert_eq!(saved.schedule.focus.len(), 2, "the preview saved nothing");
}

/// A connector's watermark is committed with the messages it covers, survives a restart, and
/// does not move when the messages could not be stored.
#[tokio::test]
async fn a_watermark_is_committed_with_its_messages() {
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("mail").await;
    let at = utc(TUESDAY_1015);
    assert_eq!(h.engine.sync_state(channel).await.expect("state"), serde_json::json!({}));
    let batch = vec![incoming("u1", "jane@acme.com", at), incoming("u2", "bob@acme.com", at)];
    let results = h.engine.ingest_batch(channel, batch, Some(serde_json::json!({"uid": 2}))).await.expect("batch");
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|r| !r.duplicate)), "{results:?}");
    // The same messages again (a reconnect re-fetching): duplicates, and the watermark moves on.
    let again = vec![incoming("u2", "bob@acme.com", at), incoming("u3", "ann@acme.com", at)];
    let results = h.engine.ingest_batch(channel, again, Some(serde_json::json!({"uid": 3}))).await.expect("batch");
    assert_eq!(results.iter().map(|r| r.as_ref().map(|r| r.duplicate).ok()).collect::<Vec<_>>(), [Some(true), Some(false)]);
    // A message for a channel that does not exist stores nothing and moves no watermark.
    let missing = h.engine.ingest_batch(999, vec![incoming("x", "a@b.io", at)], Some(serde_json::json!({"uid": 9}))).await.expect("batch");
    assert!(matches!(missing[0], Err(lull_channels::IngestError::UnknownChannel(999))));

    let h = h.restart(TUESDAY_1015).await;
    assert_eq!(h.engine.sync_state(channel).await.expect("state"), serde_json::json!({"uid": 3}));
    let Response::Inbox(page) = h
        .call(Request::Inbox(InboxQuery {
            held_only: false,
            client: None,
            search: None,
            limit: Some(10),
            before: None,
            record_check: false,
            interruptions_only: false,
            snoozed_only: false,
            archived: false,
        }))
        .await
    else {
        panic!()
    };
    assert_eq!(page.messages.len(), 3);
}

/// Feed and desktop channels keep their settings through export and import, and a channel's
/// settings are checked against its kind.
#[tokio::test]
async fn channel_settings_are_checked_and_travel_with_the_configuration() {
    let h = Harness::new(TUESDAY_1015).await;
    let feed = ChannelSpec::new(
        "status",
        ChannelSettings::Feed(FeedSettings { url: "https://status.acme.example/history.rss".into(), every_secs: 1800 }),
    );
    h.call(Request::ChannelAdd(feed.clone())).await;
    let hook = ChannelSpec::new(
        "gh",
        ChannelSettings::Webhook(WebhookSettings { preset: Some(WebhookPreset::Github), map: vec!["from=/sender/login".into()] }),
    );
    h.call(Request::ChannelAdd(hook.clone())).await;
    // Settings are typed: a webhook with a feed address cannot even be decoded from a request.
    let wrong = serde_json::from_value::<Request>(
        json!({"method": "channel_add", "params": {"kind": "webhook", "name": "x", "url": "https://a.example/f"}}),
    );
    assert!(wrong.expect_err("a webhook with a feed address").to_string().contains("does not apply to webhook channels"));
    let kind =
        h.engine.handle(Request::ChannelEdit(ChannelSpec::new("status", ChannelSettings::Webhook(WebhookSettings::default())))).await;
    assert!(kind.expect_err("kind change").message.contains("cannot change"));

    let Response::Config(doc) = h.call(Request::ConfigExport).await else { panic!() };
    assert!(doc.channels.contains(&feed), "{:?}", doc.channels);
    assert!(doc.channels.contains(&hook), "{:?}", doc.channels);
    let other = Harness::new(TUESDAY_1015).await;
    other.call(Request::ConfigImport(doc)).await;
    let Response::Channels(list) = other.call(Request::ChannelList).await else { panic!() };
    let status = list.iter().find(|c| c.name == "status").expect("imported feed");
    assert_eq!(status.spec, feed);
    assert_eq!(status.about, "https://status.acme.example/history.rss every 30 min");
    assert_eq!(status.state, ChannelState::Stopped, "connectors run only when the engine serves");
}

/// A push target on the ntfy stand-in, added through the API.
async fn add_ntfy(h: &Harness, name: &str, server: &str, digests: bool, private: bool) {
    use lull_core::push::{NtfySettings, PushSettings};
    let settings = PushSettings::Ntfy(NtfySettings { server: server.into(), topic: "lull-test".into() });
    let spec = lull_api::push::PushSpec { digests, private, ..lull_api::push::PushSpec::new(name, settings) };
    assert!(matches!(h.call(Request::PushAdd(spec)).await, Response::PushTarget(_)));
}

async fn push_targets(h: &Harness) -> Vec<lull_api::push::PushTargetView> {
    match h.call(Request::PushList).await {
        Response::PushTargets(t) => t,
        other => panic!("unexpected {other:?}"),
    }
}

/// Waits until the push targets are as `done` wants them (for at most five seconds).
async fn targets_until(h: &Harness, done: impl Fn(&lull_api::push::PushTargetView) -> bool) -> Vec<lull_api::push::PushTargetView> {
    for _ in 0..100 {
        let t = push_targets(h).await;
        if t.iter().all(&done) {
            return t;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    push_targets(h).await
}

#[tokio::test]
async fn a_ring_past_its_use_is_dropped_and_counted_not_sent_late() {
    // 12:30 on Tuesday, no focus: live. The phone's server is down.
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    let mut ntfy = lull_testkit::NtfyServer::start().await.expect("ntfy");
    ntfy.pause();
    add_ntfy(&h, "phone", &ntfy.url(), true, false).await;
    let (channel, _) = h.add_webhook("mail").await;
    h.engine.ingest(channel, incoming("1", "amy@initech.fr", utc("2026-11-24T12:30:00+01:00"))).await.expect("ingest");
    h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    let t = targets_until(&h, |t| t.last_error.is_some()).await;
    assert_eq!((t[0].sent, t[0].queued), (0, 1));
    assert_eq!(t[0].last_error.as_ref().map(|e| e.code.as_str()), Some("push.unreachable"));
    // The server is back 31 minutes later: a live message that old is no longer worth a ring.
    ntfy.resume().await.expect("resume");
    h.clock.set(utc("2026-11-24T13:01:00+01:00"));
    let t = targets_until(&h, |t| t.queued == 0).await;
    assert_eq!((t[0].sent, t[0].dropped, t[0].queued), (0, 1, 0));
    assert!(ntfy.published().is_empty());

    // Two digests while the server is down: the first is superseded, only the second is pushed.
    ntfy.pause();
    let (hooks, _) = h.add_webhook("hooks").await;
    h.call(Request::FocusStart(FocusStart { minutes: 120 })).await;
    h.engine.ingest(hooks, incoming("2", "bob@globex.io", h.engine.now())).await.expect("ingest");
    assert!(matches!(h.call(Request::DigestNow).await, Response::DigestReleased(Some(_))));
    h.engine.ingest(hooks, incoming("3", "bob@globex.io", h.engine.now())).await.expect("ingest");
    assert!(matches!(h.call(Request::DigestNow).await, Response::DigestReleased(Some(_))));
    ntfy.resume().await.expect("resume");
    h.clock.advance(chrono::Duration::seconds(10));
    let published = ntfy.wait_for(1, StdDuration::from_secs(10)).await;
    let t = targets_until(&h, |t| t.queued == 0).await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert!(published[0].title.as_deref().is_some_and(|t| t.contains("digest: 1 message from 1 client")), "{published:?}");
    assert_eq!((t[0].sent, t[0].dropped), (1, 2));
}

#[tokio::test]
async fn a_silent_phone_notification_is_kept_but_never_rings_and_an_update_replaces_its_text() {
    // 12:30 on Tuesday, no focus: live. The phone's server is up.
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    let ntfy = lull_testkit::NtfyServer::start().await.expect("ntfy");
    add_ntfy(&h, "phone", &ntfy.url(), true, false).await;
    let (channel, _) = h.add_webhook("pixel").await;
    let at = h.engine.now();
    let quiet =
        lull_core::Incoming { app: Some("Android System".into()), silent: true, ..incoming("k1", "USB debugging (Android System)", at) };
    let r = h.engine.ingest(channel, quiet).await.expect("ingest");
    assert_eq!(r.decision.kind, lull_core::DecisionKind::Live);
    // A chat that grows on the phone: the same key, new text, one message.
    let chat =
        |text: &str| lull_core::Incoming { app: Some("WhatsApp".into()), body: text.into(), ..incoming("k2", "Acme team (WhatsApp)", at) };
    let first = h.engine.ingest(channel, chat("Can you call?")).await.expect("ingest");
    let again = h.engine.revise(channel, chat("Can you call? It's about the launch.")).await.expect("revise");
    assert!(again.duplicate && again.message_id == first.message_id);
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    ntfy.wait_for(1, StdDuration::from_secs(5)).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(h.notifier.notices().len(), 1, "only the chat rang: {notices:?}");
    assert_eq!(ntfy.published().len(), 1);
    let Response::Inbox(page) = h.call(Request::Inbox(InboxQuery { limit: Some(10), ..InboxQuery::default() })).await else { panic!() };
    let bodies: Vec<(&str, bool)> = page.messages.iter().map(|m| (m.body.as_str(), m.silent)).collect();
    assert_eq!(bodies, [("Can you call? It's about the launch.", false), ("", true)]);
    let Response::Stats(stats) = h.call(Request::StatsWeek(StatsWeek { week: Some("this".into()) })).await else { panic!() };
    assert_eq!(stats.figures.interruptions.live, 1, "a silent notification is not an interruption");
}

/// Audit defect 2: 240 half-sent requests under a 256 file limit made `/health` time out, and
/// they stayed open over a minute. Now 1,000 slow connections are held while `/health`
/// answers within a second, and a slow client is closed after the header timeout.
#[tokio::test(flavor = "multi_thread")]
async fn the_listener_answers_while_slow_clients_hold_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let h = Harness::new(TUESDAY_1015).await;
    let s = serve(&h).await;
    let addr = s.base.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut slow = Vec::new();
    for _ in 0..1000 {
        let mut c = tokio::net::TcpStream::connect(&addr).await.expect("connect");
        // Half a request: the headers never end.
        c.write_all(format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").as_bytes()).await.expect("write");
        slow.push(c);
    }
    for _ in 0..3 {
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(StdDuration::from_secs(1), s.http.get(format!("{}health", s.base)).send()).await;
        assert!(matches!(&r, Ok(Ok(resp)) if resp.status().is_success()), "{r:?} after {:?}", started.elapsed());
    }
    // A slow client does not hold its connection for ever.
    let mut first = slow.remove(0);
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(server::HEADER_TIMEOUT + StdDuration::from_secs(5), first.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(_) | Err(_))), "still open after the header timeout");
}

/// Audit defect 9: an instant beyond the calendar's reach (`+262142-12-25`) overflowed deep in
/// the policy and answered a misleading 503; it is refused at the edge, naming the field.
#[tokio::test]
async fn instants_out_of_reach_are_refused_at_the_edge() {
    let h = Harness::new(TUESDAY_1015).await;
    let at = DateTime::parse_from_rfc3339("+262142-12-25T00:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let query = ExplainQuery {
        from: "jane@acme.com".into(),
        at,
        title: String::new(),
        body: String::new(),
        category: None,
        channel: None,
        app: None,
        client: None,
        schedule: None,
        reply_template: None,
    };
    let err = h.engine.handle(Request::Explain(query)).await.expect_err("refused");
    assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidInput, Some("at")), "{err:?}");
    let trace = vec![lull_core::simulate::TraceEntry {
        received_at: DateTime::<Utc>::MIN_UTC,
        from: "a@b.io".into(),
        title: "t".into(),
        body: String::new(),
        category: None,
        channel: None,
    }];
    let err = h.engine.handle(Request::Simulate(Simulate { trace, week: None })).await.expect_err("refused");
    assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidInput, Some("trace")));
    // The engine goes on.
    assert!(matches!(h.call(Request::Status).await, Response::Status(_)));
}

#[tokio::test]
async fn a_private_target_gets_the_client_and_the_decision_never_the_text() {
    let h = Harness::new("2026-11-24T12:30:00+01:00").await;
    let ntfy = lull_testkit::NtfyServer::start().await.expect("ntfy");
    add_ntfy(&h, "phone", &ntfy.url(), false, true).await;
    h.add_client("Acme", "vip", &["domain:acme.com"]).await;
    let (channel, _) = h.add_webhook("mail").await;
    let secret = lull_core::Incoming {
        title: "Contract: 12 000 €".into(),
        body: "The bank details are…".into(),
        ..incoming("1", "jane@acme.com", h.engine.now())
    };
    h.engine.ingest(channel, secret).await.expect("ingest");
    h.engine.ingest(channel, incoming("2", "amy@initech.fr", h.engine.now())).await.expect("ingest");
    let published = ntfy.wait_for(2, StdDuration::from_secs(10)).await;
    assert_eq!(published[0].title.as_deref(), Some("Lull"));
    assert_eq!(published[0].message, "Acme: new message, open Lull");
    assert_eq!(published[1].message, "Someone: new message, open Lull");
    assert!(published.iter().all(|p| p.click.is_none() && !p.message.contains("bank") && p.priority == 4));
    // No digests for this target.
    h.engine.ingest(channel, incoming("3", "amy@initech.fr", utc("2026-11-24T10:30:00+01:00"))).await.expect("ingest");
    h.call(Request::DigestNow).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(ntfy.published().len(), 2);
    // Bad settings are refused at the field; a second target of the same name too.
    use lull_core::push::{NtfySettings, PushSettings};
    let bad = lull_api::push::PushSpec::new("x", PushSettings::Ntfy(NtfySettings { server: "ntfy.sh".into(), topic: "t".into() }));
    let err = h.engine.handle(Request::PushAdd(bad)).await.expect_err("refused");
    assert_eq!(err.field.as_deref(), Some("server"));
    let dup = lull_api::push::PushSpec::new("Phone", PushSettings::Ntfy(NtfySettings { server: ntfy.url(), topic: "t".into() }));
    let err = h.engine.handle(Request::PushAdd(dup)).await.expect_err("taken");
    assert_eq!(err.code, ErrorCode::Conflict);
}

#[tokio::test]
async fn the_demo_is_removed_in_one_step_and_what_the_user_added_stays() {
    use lull_channels::IngestSink;
    let h = Harness::new("2026-11-26T10:30:00+01:00").await;
    let Response::Demo(seeded) = h.call(Request::Demo).await else { panic!() };
    let Response::Info(info) = h.call(Request::Info).await else { panic!() };
    assert!(info.demo);
    // The user adds a client and a channel of their own, and a message arrives on it.
    h.add_client("Mine", "normal", &["domain:mine.example"]).await;
    let (channel, _) = h.add_webhook("own").await;
    let own = h.engine.ingest(channel, incoming("own-1", "me@mine.example", utc("2026-11-26T10:31:00+01:00"))).await.expect("ingest");
    let Response::DemoRemoved(removed) = h.call(Request::DemoRemove).await else { panic!() };
    assert_eq!((removed.clients, removed.channels, removed.messages), (seeded.clients, seeded.channels, seeded.messages));
    let Response::Clients(clients) = h.call(Request::ClientList).await else { panic!() };
    assert_eq!(clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["Mine"]);
    let Response::Channels(channels) = h.call(Request::ChannelList).await else { panic!() };
    assert_eq!(channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["own"]);
    assert_eq!(h.engine.store().read(|db| db.message_count()).await.expect("count"), 1);
    assert!(h.engine.store().read(move |db| db.message(own.message_id)).await.expect("read").is_some());
    let Response::Info(info) = h.call(Request::Info).await else { panic!() };
    assert!(!info.demo);
    let Response::Stats(stats) = h.call(Request::StatsWeek(StatsWeek { week: None })).await else { panic!() };
    assert_eq!((stats.figures.messages, stats.figures.checks), (0, 0), "nothing of the demo is left in the statistics");
    let again = h.engine.handle(Request::DemoRemove).await.expect_err("no demo left");
    assert_eq!(again.code, ErrorCode::NotFound);
}

/// A sender flooding is one long burst: no message of it is a new attempt (each reads one index
/// probe of the sender's past, not the whole flood), and trying again after the flood still
/// counts, the flood being the first attempt.
#[tokio::test]
async fn a_flood_is_one_attempt_and_trying_again_after_it_still_breaks_through() {
    use lull_channels::IngestSink;
    let h = Harness::new(TUESDAY_1015).await;
    h.add_client("Acme", "normal", &["domain:acme.com"]).await;
    let (channel, _) = h.add_webhook("acme").await;
    let start = utc(TUESDAY_1015);
    for i in 0..300 {
        let at = start + chrono::Duration::seconds(i);
        h.clock.set(at);
        let r = h.engine.ingest(channel, incoming(&format!("f{i}"), "jane@acme.com", at)).await.expect("ingest");
        assert_eq!(r.decision.kind, lull_core::model::DecisionKind::Held, "flood message {i} is not an attempt");
    }
    // Three minutes of silence, twice: the second and third attempts in 15 minutes.
    let second = start + chrono::Duration::seconds(300 + 180);
    h.clock.set(second);
    let r = h.engine.ingest(channel, incoming("a2", "jane@acme.com", second)).await.expect("ingest");
    assert_eq!(r.decision.kind, lull_core::model::DecisionKind::Held);
    let third = second + chrono::Duration::seconds(180);
    h.clock.set(third);
    let r = h.engine.ingest(channel, incoming("a3", "jane@acme.com", third)).await.expect("ingest");
    assert_eq!(r.decision.kind, lull_core::model::DecisionKind::Bypass, "{:?}", r.decision.rule);
}

/// The listener under attack, in one place: cross-site tricks (a `text/plain` post a page can
/// send without a preflight, a preflight itself, a rebinding `Host`), a deeply nested body,
/// and a flood of requests, each refused with the right status while `/health` keeps
/// answering within a second. (Slow connections and oversize bodies: the tests above.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_refuses_attacks_and_health_keeps_answering() {
    let h = Harness::new(TUESDAY_1015).await;
    let (_, hook) = h.add_webhook("hooks").await;
    let s = serve(&h).await;
    let api = format!("{}api", s.base);
    let status = |r: reqwest::Response| r.status().as_u16();
    // A page's "simple" request: text/plain, no preflight. Refused, even with the token.
    let r = s
        .http
        .post(&api)
        .bearer_auth(&s.api_token)
        .header("content-type", "text/plain")
        .body(r#"{"method":"digest_now"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(status(r), 415);
    let r = s
        .http
        .post(format!("{}hooks/hooks", s.base))
        .header("content-type", "text/plain")
        .body(r#"{"id":"x","from":"a@b.c","title":"t"}"#)
        .send()
        .await
        .expect("send");
    assert!(matches!(status(r), 401 | 415), "a text/plain webhook is refused");
    // A preflight gets no permission to send anything.
    let r = s
        .http
        .request(reqwest::Method::OPTIONS, &api)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .send()
        .await
        .expect("send");
    assert!(r.headers().get("access-control-allow-origin").is_none(), "{:?}", r.headers());
    // DNS rebinding: a foreign Host, with the right token.
    let r = s.http.post(&api).bearer_auth(&s.api_token).header("host", "attacker.example").json(&json!({"method": "status"})).send().await;
    assert_eq!(status(r.expect("send")), 403);
    // A body nested 100,000 deep: a clear 400, not a crash.
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = s.http.post(&api).bearer_auth(&s.api_token).header("content-type", "application/json").body(nested.clone()).send().await;
    assert_eq!(status(r.expect("send")), 400);
    let r = s
        .http
        .post(format!("{}hooks/hooks", s.base))
        .bearer_auth(&hook)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await;
    assert_eq!(status(r.expect("send")), 400);
    // A flood of wrong-token requests on many connections, while /health is asked.
    let mut flood = Vec::new();
    for _ in 0..32 {
        let (http, api) = (reqwest::Client::new(), api.clone());
        flood.push(tokio::spawn(async move {
            let mut refused = 0;
            for _ in 0..100 {
                let r = http.post(&api).bearer_auth("lull_api_wrong").json(&json!({"method": "status"})).send().await;
                if r.is_ok_and(|r| r.status().as_u16() == 401) {
                    refused += 1;
                }
            }
            refused
        }));
    }
    let mut slowest = StdDuration::ZERO;
    for _ in 0..10 {
        let started = std::time::Instant::now();
        let r = tokio::time::timeout(StdDuration::from_secs(1), s.http.get(format!("{}health", s.base)).send()).await;
        assert!(matches!(&r, Ok(Ok(resp)) if resp.status().is_success()), "/health during the flood: {r:?}");
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let mut refused = 0;
    for f in flood {
        refused += f.await.expect("flooder");
    }
    assert_eq!(refused, 3_200, "every wrong-token request refused with 401");
    assert!(slowest < StdDuration::from_secs(1), "{slowest:?}");
    // And the engine still works for the right caller.
    let ok: Value = s
        .http
        .post(&api)
        .bearer_auth(&s.api_token)
        .json(&json!({"method": "status"}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(ok["type"], "status");
}

/// An email as the IMAP channel hands it over: from `from`, addressed to Lull's user.
fn mail(key: &str, from: &str, at: DateTime<Utc>, edit: impl FnOnce(&mut lull_core::autoreply::MailFacts)) -> lull_core::Incoming {
    let address = lull_core::Sender::parse(from).address.expect("an address");
    let mut facts = lull_core::autoreply::MailFacts {
        reply_to: Some(address),
        message_id: Some(format!("{key}@acme.example")),
        references: vec!["thread-start@acme.example".into()],
        recipients: vec!["alice@lull.example".into()],
        ..Default::default()
    };
    edit(&mut facts);
    lull_core::Incoming { title: format!("Invoice {key}"), sent_at: Some(at), mail: Some(facts), ..incoming(key, from, at) }
}

impl Harness {
    /// An IMAP channel whose availability replies go to `smtp` (no connector runs here).
    async fn add_mail_channel(&self, smtp: &lull_testkit::SmtpServer) -> i64 {
        let settings = lull_core::channel::ImapSettings {
            host: "127.0.0.1".into(),
            port: Some(1),
            user: "alice".into(),
            tls: lull_core::channel::TlsMode::None,
            smtp_host: Some("127.0.0.1".into()),
            smtp_port: Some(smtp.port),
            smtp_tls: Some(lull_core::channel::TlsMode::None),
            address: Some("alice@lull.example".into()),
            ..Default::default()
        };
        let spec = ChannelSpec {
            password: Some("smtp-pw".into()),
            secret_store: Some(SecretStore::File),
            ..ChannelSpec::new("mail", ChannelSettings::Imap(settings))
        };
        match self.call(Request::ChannelAdd(spec)).await {
            Response::ChannelCreated(c) => c.channel.id,
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn inbox(&self) -> Vec<MessageView> {
        match self.call(Request::Inbox(InboxQuery { limit: Some(100), ..Default::default() })).await {
            Response::Inbox(page) => page.messages,
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn reply_health(&self) -> ReplyHealth {
        match self.call(Request::ChannelList).await {
            Response::Channels(list) => {
                list.into_iter().find(|c| c.name == "mail").and_then(|c| c.replies).expect("the mail channel sends replies")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Waits until `check` holds of the inbox's message titled `title`.
    async fn until_message(&self, title: &str, what: &str, check: impl Fn(&MessageView) -> bool) -> MessageView {
        for _ in 0..200 {
            if let Some(m) = self.inbox().await.into_iter().find(|m| m.title == title && check(m)) {
                return m;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        panic!("{what}: {:#?}", self.inbox().await.into_iter().find(|m| m.title == title));
    }
}

async fn until_received(smtp: &lull_testkit::SmtpServer, n: usize) -> Vec<lull_testkit::smtp::Received> {
    for _ in 0..200 {
        let got = smtp.received();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("the SMTP server received {} messages, not {n}", smtp.received().len());
}

/// Issue 13: a held email from a client who opted in gets one availability reply through a
/// real SMTP server, in the client's language and time zone, threaded under the original and
/// marked as automatic; a second message in the same hold gets none; a server that is down is
/// retried; one that refuses for good is reported in the channel's health; and the held
/// messages stay held whatever happens to their replies.
#[tokio::test(flavor = "multi_thread")]
async fn availability_replies_go_out_once_and_survive_a_failing_server() {
    let mut smtp = lull_testkit::SmtpServer::start("alice", "smtp-pw", None).expect("SMTP server");
    // Tuesday 10:15 Paris: in the morning focus block (until 12:00), digests at 13:00 and 17:00.
    let h = Harness::new(TUESDAY_1015).await;
    let channel = h.add_mail_channel(&smtp).await;
    h.call(Request::ClientAdd(ClientSpec {
        name: "Acme".into(),
        tz: Some("America/New_York".into()),
        tier: Some("vip".parse().expect("tier")),
        matches: vec!["domain:acme.example".into()],
        auto_reply: Some(lull_core::autoreply::ReplySwitch::Fr),
        ..Default::default()
    }))
    .await;
    let at = h.engine.now();
    h.engine.ingest_batch(channel, vec![mail("m1", "Jane Doe <jane@acme.example>", at, |_| {})], None).await.expect("ingest");

    let got = until_received(&smtp, 1).await;
    let reply = &got[0];
    assert_eq!(reply.rcpt_tos, ["jane@acme.example"]);
    assert_eq!(reply.mail_from, "alice@lull.example");
    let parsed = mail_parser::MessageParser::default().parse(reply.raw.as_bytes()).expect("a readable reply");
    assert_eq!(parsed.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
    assert_eq!(parsed.in_reply_to().as_text(), Some("m1@acme.example"));
    assert_eq!(
        parsed.references().as_text_list().map(|l| l.iter().map(|r| r.to_string()).collect::<Vec<_>>()),
        Some(vec!["thread-start@acme.example".to_owned(), "m1@acme.example".to_owned()])
    );
    assert_eq!(parsed.subject(), Some("Re: Invoice m1"));
    let text = parsed.body_text(0).expect("a text").into_owned();
    // In French, in both clocks (Paris is six hours ahead of New York), with the urgent word a
    // VIP may use.
    assert!(text.starts_with("Bonjour Jane Doe,"), "{text}");
    assert!(text.contains("jusqu’à 12:00 (06:00 chez vous)"), "{text}");
    assert!(text.contains("à 13:00 et 17:00 (07:00 et 11:00 chez vous)"), "{text}");
    assert!(text.contains("écrivez URGENT dans l’objet"), "{text}");
    let m1 = h
        .until_message("Invoice m1", "the reply marked sent", |m| m.auto_reply.as_ref().is_some_and(|r| r.state == AutoReplyState::Sent))
        .await;
    assert_eq!(m1.decision, lull_core::DecisionKind::Held);
    assert_eq!(m1.auto_reply.as_ref().and_then(|r| r.text.as_deref()), Some(text.replace("\r\n", "\n").trim_end()));

    // The same sender in the same hold: told already.
    h.clock.advance(chrono::Duration::minutes(5));
    let at = h.engine.now();
    let never = vec![
        mail("m2", "Jane Doe <jane@acme.example>", at, |_| {}),
        mail("list", "Bob <bob@acme.example>", at, |f| f.list = true),
        mail("auto", "Carol <carol@acme.example>", at, |f| f.auto_submitted = Some("auto-replied".into())),
        mail("backlog", "Dan <dan@acme.example>", at, |f| f.backlog = true),
        mail("bcc", "Erin <erin@acme.example>", at, |f| f.recipients = vec!["team@acme.example".into()]),
        mail("noreply", "Acme <no-reply@acme.example>", at, |_| {}),
        mail("stranger", "Zed <zed@elsewhere.example>", at, |_| {}),
        // A VIP's urgent word breaks through: it reached the user, nothing to explain.
        lull_core::Incoming { title: "URGENT: the site is down".into(), ..mail("urgent", "Hank <hank@acme.example>", at, |_| {}) },
    ];
    h.engine.ingest_batch(channel, never, None).await.expect("ingest");
    let titles = [
        "Invoice m2",
        "Invoice list",
        "Invoice auto",
        "Invoice backlog",
        "Invoice bcc",
        "Invoice noreply",
        "Invoice stranger",
        "URGENT: the site is down",
    ];
    for title in titles {
        let m = h.until_message(title, "stored", |_| true).await;
        assert!(m.auto_reply.is_none(), "{title} gets no reply: {m:#?}");
    }

    // The server is down: the reply waits and the channel says why; it goes out once the
    // server is back and the retry comes.
    smtp.stop();
    h.engine.ingest_batch(channel, vec![mail("m3", "Frank <frank@acme.example>", h.engine.now(), |_| {})], None).await.expect("ingest");
    let m3 = h.until_message("Invoice m3", "a failed attempt", |m| m.auto_reply.as_ref().is_some_and(|r| r.attempts == 1)).await;
    assert_eq!(m3.auto_reply.as_ref().map(|r| r.state), Some(AutoReplyState::Queued));
    let health = h.reply_health().await;
    assert_eq!((health.sent, health.queued, health.failed), (1, 1, 0), "{health:?}");
    assert_eq!(health.last_problem.as_ref().map(|p| p.code.as_str()), Some("smtp.cannot_connect"), "{health:?}");
    smtp.restart().expect("SMTP server back");
    h.clock.advance(chrono::Duration::seconds(31));
    let got = until_received(&smtp, 2).await;
    assert!(got[1].raw.contains("Frank"), "{}", got[1].raw);
    h.until_message("Invoice m3", "sent on the retry", |m| m.auto_reply.as_ref().is_some_and(|r| r.state == AutoReplyState::Sent)).await;

    // Refused for good: given up at once and reported; the message itself is still held.
    smtp.set_mode("550");
    h.engine.ingest_batch(channel, vec![mail("m4", "Grace <grace@acme.example>", h.engine.now(), |_| {})], None).await.expect("ingest");
    let m4 = h.until_message("Invoice m4", "given up", |m| m.auto_reply.as_ref().is_some_and(|r| r.state == AutoReplyState::Failed)).await;
    assert_eq!(m4.decision, lull_core::DecisionKind::Held);
    assert!(m4.auto_reply.as_ref().and_then(|r| r.error.as_deref()).is_some_and(|e| e.contains("550")), "{m4:#?}");
    let health = h.reply_health().await;
    assert_eq!((health.sent, health.queued, health.failed), (2, 0, 1), "{health:?}");
    assert!(health.last_error.as_deref().is_some_and(|e| e.contains("refused the reply")), "{health:?}");
    assert_eq!(h.held().await, 10, "every message is still held");

    // The configuration export carries each client's choice and the reply settings, and an
    // import puts them back.
    let Response::Config(doc) = h.call(Request::ConfigExport).await else { panic!("a configuration") };
    let acme = doc.clients.iter().find(|c| c.name == "Acme").expect("Acme");
    assert_eq!(acme.auto_reply, Some(lull_core::autoreply::ReplySwitch::Fr));
    assert_eq!(doc.replies.as_ref().map(|r| r.interval_hours), Some(24));
    let mut changed = doc.clone();
    changed.replies = Some(lull_core::autoreply::ReplySettings { template_en: Some("Back at {until}.".into()), ..Default::default() });
    h.call(Request::ConfigImport(changed)).await;
    let Response::Replies(view) = h.call(Request::RepliesShow).await else { panic!("the reply settings") };
    assert_eq!(view.settings.template_en.as_deref(), Some("Back at {until}."));
    assert_eq!(view.clients, ["Acme"]);

    // Two mails from one sender in the same batch: one reply. Connectors stamp a message when
    // they read it, a moment before ingest owes the reply.
    smtp.set_mode("ok");
    let at = h.engine.now() - chrono::Duration::seconds(1);
    let twice = vec![mail("i1", "Ivy <ivy@acme.example>", at, |_| {}), mail("i2", "Ivy <ivy@acme.example>", at, |_| {})];
    h.engine.ingest_batch(channel, twice, None).await.expect("ingest");
    h.until_message("Invoice i1", "Ivy told", |m| m.auto_reply.as_ref().is_some_and(|r| r.state == AutoReplyState::Sent)).await;
    assert!(h.until_message("Invoice i2", "stored", |_| true).await.auto_reply.is_none());
    assert_eq!(until_received(&smtp, 3).await.len(), 3);

    // A reply still owed when the time it announces has come is given up, not sent late.
    smtp.stop();
    h.engine.ingest_batch(channel, vec![mail("j1", "Judy <judy@acme.example>", h.engine.now(), |_| {})], None).await.expect("ingest");
    h.until_message("Invoice j1", "a failed attempt", |m| m.auto_reply.as_ref().is_some_and(|r| r.attempts == 1)).await;
    smtp.restart().expect("SMTP server back");
    h.clock.set(utc("2026-11-24T13:30:00+01:00"));
    let late =
        h.until_message("Invoice j1", "given up", |m| m.auto_reply.as_ref().is_some_and(|r| r.state == AutoReplyState::Failed)).await;
    assert_eq!(late.auto_reply.and_then(|r| r.problem).map(|p| p.code), Some("reply.too_late".to_owned()));
    assert_eq!(smtp.received().len(), 3, "nothing was sent late");
}

#[tokio::test]
async fn a_platform_clock_rings_once_before_it_runs_out_and_is_counted_kept_or_missed() {
    use lull_api::platforms::PlatformSet;
    use lull_core::relay::Relay;
    use lull_core::response::ClockState;
    let h = Harness::new(TUESDAY_1015).await;
    h.add_client("Acme", "normal", &["platform:Fiverr:jane_doe"]).await;
    let (channel, _) = h.add_webhook("mail").await;
    let _s = serve(&h).await;
    // Fiverr's default clock is 24 h; Malt is given 2 h.
    let set = PlatformSet { platform: "malt".into(), within_secs: Some(7200), reset: false };
    let Response::Platforms(platforms) = h.call(Request::PlatformSet(set)).await else { panic!() };
    assert_eq!(
        platforms.iter().map(|p| (p.name.as_str(), p.within_secs)).collect::<Vec<_>>(),
        [("Fiverr", Some(86_400)), ("Malt", Some(7200)), ("Upwork", Some(86_400))]
    );
    let relayed = |key: &str, platform: &str, person: &str| lull_core::Incoming {
        sender: format!("{platform} <no-reply@{}.com>", platform.to_lowercase()),
        title: format!("You've received a message from {person}"),
        relay: Some(Relay { platform: platform.into(), person: person.into() }),
        ..incoming(key, "", utc(TUESDAY_1015))
    };
    // Jane's Fiverr message, held in the morning focus: reply by Wednesday 10:15, so it breaks
    // through at Wednesday's 09:00 digest, the last before.
    let jane = h.engine.ingest(channel, relayed("f1", "Fiverr", "jane_doe")).await.expect("ingest");
    assert_eq!(jane.client.as_deref(), Some("Acme"));
    assert_eq!(jane.decision.kind, lull_core::DecisionKind::Held);
    // Bob's Fiverr message is answered (archived) before its time: it never rings.
    let bob = h.engine.ingest(channel, relayed("f2", "Fiverr", "bob")).await.expect("ingest");
    h.call(Request::Archive(Archive { ids: vec![bob.message_id], archived: true })).await;
    // Malt's 2 h clock runs out at 12:15, before the 13:00 digest and any live window: it rings
    // at once.
    h.engine.ingest(channel, relayed("m1", "Malt", "Zoë")).await.expect("ingest");
    let notices = h.notifier.wait_for(1, StdDuration::from_secs(5)).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        matches!(&notices[0], Notice::Message { urgent: true, note: Some(n), .. } if n == "Malt rates replies within 2 h; 2 h left"),
        "{notices:?}"
    );
    let Response::Inbox(page) = h.call(Request::Inbox(InboxQuery { archived: false, ..Default::default() })).await else { panic!() };
    let jane_view = page.messages.iter().find(|m| m.id == jane.message_id).expect("jane's message");
    let clock = jane_view.clock.as_ref().expect("a clock");
    assert_eq!((clock.platform.as_str(), clock.reply_by), ("Fiverr", utc("2026-11-25T10:15:00+01:00")));
    assert_eq!(clock.ring_at, Some(utc("2026-11-25T09:00:00+01:00")));
    assert_eq!(clock.state, ClockState::Running);

    // 13:00: the digest releases Jane's message (still running) with the others.
    h.clock.set(utc("2026-11-24T13:00:00+01:00"));
    let notices = h.notifier.wait_for(2, StdDuration::from_secs(5)).await;
    assert!(matches!(&notices[1], Notice::Digest { .. }), "{notices:?}");
    // Wednesday 09:00: the morning digest is empty, and Jane's message rings, once.
    h.clock.set(utc("2026-11-25T09:00:00+01:00"));
    let notices = h.notifier.wait_for(3, StdDuration::from_secs(5)).await;
    assert!(
        matches!(&notices[2], Notice::Message { urgent: true, note: Some(n), message_id, .. }
            if n == "Fiverr rates replies within 24 h; 1 h 15 left" && *message_id == jane.message_id),
        "{notices:?}"
    );
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(h.notifier.notices().len(), 3);

    // A restart rings nothing again; by 11:00 on Wednesday every clock has run out: Bob's kept,
    // Jane's and Malt's missed.
    let h = h.restart("2026-11-25T11:00:00+01:00").await;
    let _s = serve(&h).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(h.notifier.notices().iter().all(|n| matches!(n, Notice::Digest { .. })), "{:?}", h.notifier.notices());
    let Response::Stats(stats) = h.call(Request::StatsWeek(StatsWeek { week: Some("this".into()) })).await else { panic!() };
    assert_eq!((stats.clocks.kept, stats.clocks.missed, stats.clocks.running), (1, 2, 0));
    // The rings are interruptions of the week.
    assert_eq!(stats.figures.interruptions.bypass, 2);
}

#[tokio::test]
async fn a_schedule_change_moves_a_clocks_breakthrough_to_the_new_last_reading_time() {
    use lull_core::relay::Relay;
    let h = Harness::new(TUESDAY_1015).await;
    let (channel, _) = h.add_webhook("mail").await;
    let relayed = lull_core::Incoming {
        title: "You've received a message from jordan_k".into(),
        relay: Some(Relay { platform: "Fiverr".into(), person: "jordan_k".into() }),
        ..incoming("f1", "Fiverr <noreply@fiverr.com>", utc(TUESDAY_1015))
    };
    h.engine.ingest(channel, relayed).await.expect("ingest");
    let ring_at = |h: &Harness| {
        let engine = h.engine.clone();
        async move {
            let Response::Inbox(page) = engine.handle(Request::Inbox(InboxQuery::default())).await.expect("inbox") else { panic!() };
            page.messages[0].clock.as_ref().and_then(|c| c.ring_at)
        }
    };
    // Reply by Wednesday 10:15: the last reading time before is Wednesday's 09:00 digest.
    assert_eq!(ring_at(&h).await, Some(utc("2026-11-25T09:00:00+01:00")));
    // Without a morning digest, the last one is Tuesday's 17:00.
    h.call(Request::ScheduleSet(ScheduleUpdate { digests: Some(vec!["13:00,17:00".into()]), ..Default::default() })).await;
    assert_eq!(ring_at(&h).await, Some(utc("2026-11-24T17:00:00+01:00")));
}
