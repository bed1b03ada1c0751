//! Feed channels against a local HTTP server serving real-world feeds (RSS 2.0 from a status
//! page, GitHub's release Atom, RSS 1.0 from a forum, a JSON Feed, a hand-written feed without
//! guids) and broken ones, with ETag and Last-Modified handling like a real server's.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{MemoryHost, said, test_now};
use lull_channels::feed::{self, FeedSettings};
use lull_channels::{ConnectorError, Health};
use lull_testkit::netns::{add_address, enter_private_network};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

#[derive(Default)]
struct Served {
    /// Path → body; the ETag is the body's length and a version counter.
    files: HashMap<String, (Vec<u8>, u32)>,
    /// Path → where it redirects (302 Found).
    redirects: HashMap<String, String>,
    /// (path, If-None-Match, If-Modified-Since) of every request.
    requests: Vec<(String, Option<String>, Option<String>)>,
}

type Shared = Arc<Mutex<Served>>;

async fn serve_file(State(st): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let h = |n: header::HeaderName| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut st = st.lock().expect("lock");
    st.requests.push((name.clone(), h(header::IF_NONE_MATCH), h(header::IF_MODIFIED_SINCE)));
    if let Some(to) = st.redirects.get(&name) {
        return (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response();
    }
    let Some((body, version)) = st.files.get(&name).cloned() else { return StatusCode::NOT_FOUND.into_response() };
    let etag = format!("\"{}-{version}\"", body.len());
    let last_modified = format!("Thu, 26 Nov 2026 0{version}:00:00 GMT");
    if h(header::IF_NONE_MATCH).as_deref() == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    ([(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)], body).into_response()
}

async fn server(files: &[(&str, &str)]) -> (String, Shared) {
    server_on("127.0.0.1", files).await
}

/// A feed server on `ip` (any address of this machine's, e.g. one added in a private network).
async fn server_on(ip: &str, files: &[(&str, &str)]) -> (String, Shared) {
    let st: Shared = Arc::default();
    for (path, file) in files {
        st.lock().expect("lock").files.insert((*path).to_owned(), (fixture(file), 1));
    }
    let app = Router::new().route("/{name}", get(serve_file)).with_state(st.clone());
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, st)
}

fn settings(url: String) -> FeedSettings {
    // Tests poll every second; users are held to at least a minute.
    FeedSettings { url, every_secs: 1 }
}

#[tokio::test]
async fn a_status_page_feed_is_polled_with_etags_and_deduplicated() {
    let (base, st) = server(&[("status.rss", "status-rss2.xml")]).await;
    let host = MemoryHost::new();
    let task = tokio::spawn(feed::run(3, settings(format!("{base}/status.rss")), host.clone()));
    host.wait("the first poll", Duration::from_secs(10), |h| !h.messages.lock().expect("lock").is_empty()).await;
    // The incident from April is outside the first sync's 14 days.
    assert_eq!(host.titles(), ["Scheduled maintenance: database upgrade", "Checkout API degraded"]);
    let incident = host.messages.lock().expect("lock")[1].1.clone();
    assert_eq!(incident.source_key, "id:tag:status.acme.example,2005:Incident/2811");
    assert_eq!(incident.sender, "Acme Status");
    assert_eq!(incident.body, "Resolved - This incident has been resolved.\nCheckout latency is back to normal & orders are flowing.");
    assert_eq!(incident.url.as_deref(), Some("https://status.acme.example/incidents/x1y2z3"));
    assert_eq!(host.state(3)["etag"], "\"1491-1\"".replace("1491", &fixture("status-rss2.xml").len().to_string()));

    // The next polls send the ETag and get 304s: nothing new is stored.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    {
        let st = st.lock().expect("lock");
        assert!(st.requests.len() >= 2, "{:?}", st.requests);
        assert!(st.requests[1..].iter().all(|(_, etag, lm)| etag.is_some() && lm.is_some()), "{:?}", st.requests);
    }
    assert_eq!(host.messages.lock().expect("lock").len(), 2);

    // The feed changes: a new incident, and the April one, which is now taken (only the first
    // sync looks back 14 days).
    let mut body = String::from_utf8(fixture("status-rss2.xml")).expect("utf-8");
    body = body.replacen(
        "<item>",
        "<item><title>Login outage</title><pubDate>Thu, 26 Nov 2026 09:58:00 +0000</pubDate><guid>tag:status.acme.example,2005:Incident/2812</guid></item>\n<item>",
        1,
    );
    st.lock().expect("lock").files.insert("status.rss".into(), (body.into_bytes(), 2));
    host.wait("the new incident", Duration::from_secs(10), |h| h.titles().iter().any(|t| t == "Login outage")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let titles = host.titles();
    assert_eq!(titles.iter().filter(|t| *t == "Checkout API degraded").count(), 1, "stored once: {titles:?}");
    assert!(titles.contains(&"Old incident from last spring".to_owned()), "{titles:?}");
    task.abort();
}

#[tokio::test]
async fn atom_rss1_and_json_feed_and_feeds_without_guids() {
    let (base, _st) = server(&[
        ("releases.atom", "releases-atom.xml"),
        ("forum.rdf", "forum-rss1.rdf"),
        ("changelog.json", "changelog.json"),
        ("plain.rss", "no-guids.xml"),
    ])
    .await;
    let host = MemoryHost::new();
    let tasks: Vec<_> = ["releases.atom", "forum.rdf", "changelog.json", "plain.rss"]
        .iter()
        .enumerate()
        .map(|(i, path)| tokio::spawn(feed::run(i as i64 + 1, settings(format!("{base}/{path}")), host.clone())))
        .collect();
    host.wait("all four feeds", Duration::from_secs(10), |h| h.messages.lock().expect("lock").len() >= 5).await;
    let by_title = |t: &str| host.messages.lock().expect("lock").iter().find(|(_, m)| m.title == t).map(|(c, m)| (*c, m.clone())).expect(t);
    let (_, release) = by_title("v2.4.0");
    assert_eq!(release.sender, "octo-globex");
    assert_eq!(release.body, "What's changed\nNew invoice export");
    assert_eq!(release.url.as_deref(), Some("https://github.com/globex/portal/releases/tag/v2.4.0"));
    let (_, post) = by_title("TPS cover sheets — question");
    assert_eq!(post.sender, "Bill Lumbergh");
    assert_eq!(post.sent_at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-26T06:45:00+00:00"));
    let (_, change) = by_title("API keys now expire after 90 days");
    assert_eq!((change.source_key.as_str(), change.sender.as_str()), ("id:2026-11-26-api", "Umbrella Platform Team"));
    let (_, prices) = by_title("Price list updated");
    assert_eq!(prices.source_key, "link:https://hooli.example/prices");
    let (_, closed) = by_title("Office closed Friday");
    assert!(closed.source_key.starts_with("title:Office closed Friday|2026-11-26T07:00:00"), "{}", closed.source_key);
    assert!(host.messages.lock().expect("lock").iter().all(|(_, m)| m.received_at == test_now()));
    tasks.iter().for_each(tokio::task::JoinHandle::abort);
}

#[tokio::test]
async fn broken_feeds_fail_with_a_reason_and_store_nothing() {
    let (base, _st) = server(&[("cut.xml", "truncated.xml"), ("page.html", "not-a-feed.html")]).await;
    for (path, expect) in
        [("cut.xml", "is not a valid RSS, Atom or JSON feed"), ("page.html", "is not a valid"), ("missing.xml", "404 Not Found")]
    {
        let host = MemoryHost::new();
        let outcome = tokio::time::timeout(Duration::from_secs(10), feed::run(1, settings(format!("{base}/{path}")), host.clone()))
            .await
            .expect("fails promptly");
        match outcome {
            Err(ConnectorError::Transient(e)) => assert!(said(&e).contains(expect), "{path}: {e}"),
            other => panic!("{path}: {other:?}"),
        }
        assert!(host.messages.lock().expect("lock").is_empty());
        assert_eq!(host.state(1), serde_json::json!({}), "no watermark for {path}");
    }
    // Nothing listening: a connection error, retried later.
    let host = MemoryHost::new();
    let closed = feed::run(1, settings("http://127.0.0.1:9/feed.xml".into()), host.clone()).await;
    assert!(matches!(&closed, Err(ConnectorError::Transient(e)) if said(e).contains("cannot fetch")), "{closed:?}");
    assert!(matches!(host.last_health(), Some(Health::Syncing { .. })));
}

#[tokio::test]
async fn a_storage_failure_keeps_the_old_watermark() {
    let (base, _st) = server(&[("status.rss", "status-rss2.xml")]).await;
    let host = MemoryHost::new();
    *host.fail_batches.lock().expect("lock") = true;
    let outcome = feed::run(1, settings(format!("{base}/status.rss")), host.clone()).await;
    assert!(matches!(&outcome, Err(ConnectorError::Transient(e)) if said(e).contains("disk full")), "{outcome:?}");
    assert_eq!(host.state(1), serde_json::json!({}), "the ETag was not saved, so the next poll fetches everything again");
}

/// A feed on the internet must not become a way into this machine: here a "public" server on
/// 203.0.113.7 (added to loopback in a private network namespace) redirects to a service on
/// 127.0.0.1, by literal address, by name and in IPv6 clothing. None of it is followed, the
/// service is never asked, and the error says why; a redirect to another public address is
/// followed, and a feed the user put on this machine may redirect within it.
#[tokio::test]
async fn a_public_feed_cannot_lead_to_this_machine_or_a_private_network() {
    if !enter_private_network("a_public_feed_cannot_lead_to_this_machine_or_a_private_network") {
        return;
    }
    add_address("203.0.113.7".parse().expect("ip"));
    let (inside, inside_st) = server(&[("status.rss", "status-rss2.xml")]).await;
    let inside_port = inside.rsplit(':').next().expect("port").to_owned();
    let (public, public_st) = server_on("203.0.113.7", &[("releases.atom", "releases-atom.xml")]).await;
    {
        let mut st = public_st.lock().expect("lock");
        for (from, to) in [
            ("to-loopback", format!("{inside}/status.rss")),
            ("to-localhost", format!("http://localhost:{inside_port}/status.rss")),
            ("to-mapped", format!("http://[::ffff:127.0.0.1]:{inside_port}/status.rss")),
            ("to-metadata", "http://169.254.169.254/latest/meta-data/".to_owned()),
            ("to-public", format!("{public}/releases.atom")),
            ("loop", format!("{public}/loop")),
        ] {
            st.redirects.insert(from.to_owned(), to);
        }
    }
    for (path, expect) in [
        ("to-loopback", "redirected to http://127.0.0.1"),
        ("to-localhost", "led to localhost, which is on this machine or a private network"),
        ("to-mapped", "redirected to http://[::ffff:7f00:1]"),
        ("to-metadata", "redirected to http://169.254.169.254/latest/meta-data/"),
        ("loop", "redirected more than 10 times"),
    ] {
        let host = MemoryHost::new();
        let outcome = tokio::time::timeout(Duration::from_secs(10), feed::run(1, settings(format!("{public}/{path}")), host.clone()))
            .await
            .expect("fails promptly");
        match outcome {
            Err(ConnectorError::Transient(e)) => assert!(said(&e).contains(expect), "{path}: {}", said(&e)),
            other => panic!("{path}: {other:?}"),
        }
        assert!(host.messages.lock().expect("lock").is_empty(), "{path}: nothing stored");
        let probed = feed::probe(&format!("{public}/{path}")).await;
        assert!(probed.is_err(), "{path}: channel test refuses it too");
    }
    assert!(inside_st.lock().expect("lock").requests.is_empty(), "the service on this machine was never asked");

    // A redirect to another public address is followed.
    let host = MemoryHost::new();
    let poll = tokio::spawn(feed::run(1, settings(format!("{public}/to-public")), host.clone()));
    host.wait("the release feed", Duration::from_secs(10), |h| !h.messages.lock().expect("lock").is_empty()).await;
    poll.abort();

    // A feed on this machine may go anywhere on it: the user chose it.
    inside_st.lock().expect("lock").redirects.insert("moved".into(), format!("http://localhost:{inside_port}/status.rss"));
    let host = MemoryHost::new();
    let poll = tokio::spawn(feed::run(1, settings(format!("{inside}/moved")), host.clone()));
    host.wait("the status feed", Duration::from_secs(10), |h| !h.messages.lock().expect("lock").is_empty()).await;
    poll.abort();
}
