//! Channel faults, each connector under the supervisor that runs it in Lull: IMAP connections
//! cut mid-response again and again while mail keeps arriving, a feed server answering errors,
//! truncated and oversized bodies between good polls, and the session bus restarted under the
//! desktop monitor. Each time nothing is lost or stored twice, the connector recovers by
//! itself, and its health said what happened in the meantime.
//!
//! The other faults of the suite live with their channel: a Dovecot restart mid-sync and a
//! UIDVALIDITY change (`imap.rs`), the phone and its daemon going away (`phone.rs`).
//! `LULL_FAULT_ROUNDS` sets how many faults each test makes (the long run uses 100).

// The suite reports what it did (connections cut, requests, messages): that is its output.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{IMAP_PASSWORD as PASSWORD, IMAP_USER as USER, MemoryHost, deliver, on_bus, said};
use lull_channels::imap::{self, ImapSettings, Password};
use lull_channels::{Backoff, Health, IngestSink, desktop, feed, supervise};
use lull_core::channel::{DesktopSettings, TlsMode};
use lull_testkit::proxy::CuttingProxy;
use lull_testkit::{Dovecot, PrivateBus, RecordingServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn rounds(short: usize) -> usize {
    std::env::var("LULL_FAULT_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(short)
}

fn quick() -> Backoff {
    Backoff { first: Duration::from_millis(100), max: Duration::from_millis(400), healthy_after: Duration::from_secs(60) }
}

/// The errors the supervisor reported while retrying, as they read in English.
fn retry_errors(host: &MemoryHost) -> Vec<String> {
    host.health
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|(_, h)| match h {
            Health::Retrying { error, .. } => Some(said(error)),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// IMAP: connections cut mid-response

fn mail(n: usize) -> Vec<u8> {
    // A body of a few kilobytes, so cuts land inside FETCH responses, not only between them.
    let body = format!("Line {n} of the brief, with enough words to fill a response.\r\n").repeat(40);
    format!(
        "Message-ID: <cut{n}@acme.example>\r\nFrom: Jane <jane@acme.example>\r\nTo: me@example.com\r\nSubject: Mail {n}\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

async fn deliver_mails(server: &Dovecot, from: usize, to: usize) {
    deliver(server, &(from..to).map(mail).collect::<Vec<_>>(), None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn imap_connections_cut_mid_response_lose_and_duplicate_nothing() {
    let cuts_wanted = rounds(12) as u64;
    let server = Dovecot::start(&[(USER, PASSWORD)]).expect("dovecot");
    deliver_mails(&server, 0, 150).await;
    // Every connection through the proxy dies after 1 to 60 KB from the server: inside the
    // greeting, the STARTTLS handshake, the login, a FETCH or an IDLE.
    let proxy = CuttingProxy::start(([127, 0, 0, 1], server.imap_port).into(), 1, 60_000, 0xC0FFEE).await.expect("proxy");
    let mut s = ImapSettings::new("127.0.0.1", Some(proxy.port), USER, TlsMode::Starttls, vec!["INBOX".into()]).expect("settings");
    s.ca_file = Some(server.ca_file().display().to_string());
    let host = MemoryHost::new();
    let sink: Arc<dyn IngestSink> = host.clone();
    let supervised = {
        let sink = sink.clone();
        tokio::spawn(supervise(1, "mail".into(), sink.clone(), quick(), move || {
            imap::run(1, s.clone(), Password(PASSWORD.into()), sink.clone())
        }))
    };
    // Mail keeps arriving while connections are being cut.
    let mut delivered = 150;
    while proxy.cuts() < cuts_wanted {
        deliver_mails(&server, delivered, delivered + 5).await;
        delivered += 5;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(delivered < 150 + 5 * 40 * cuts_wanted as usize, "the proxy cut only {} connections", proxy.cuts());
    }
    proxy.stop_cutting();
    let want = delivered;
    host.wait("every mail, once the line is good again", Duration::from_secs(60), |h| {
        h.messages.lock().expect("lock").len() >= want && h.last_health() == Some(Health::Ok)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(host.titles_and_distinct(), (want, want), "each mail stored once");
    let errors = retry_errors(&host);
    assert!(!errors.is_empty(), "the cuts were reported");
    // Said as what happened, in the user's words: no library's chain of causes.
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("the connection to the mail server was lost during ") || e.contains("closed the connection before")),
        "each cut is said as a lost connection: {errors:#?}"
    );
    println!("imap: {} connections, {} cut, {want} mails stored once", proxy.connections(), proxy.cuts());
    supervised.abort();
}

// ---------------------------------------------------------------------------------------------
// Feeds: errors, truncated and oversized bodies between good polls

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    ServerError,
    Unavailable,
    Truncated,
    Huge,
    NotAFeed,
}

const FAULTS: [Fault; 5] = [Fault::ServerError, Fault::Unavailable, Fault::Truncated, Fault::Huge, Fault::NotAFeed];

impl Fault {
    /// What the channel's health must say about it.
    fn said(self) -> &'static str {
        match self {
            Fault::ServerError => "500",
            Fault::Unavailable => "503",
            Fault::Truncated => "the connection was cut before all of",
            Fault::Huge => "is larger than 5 MiB; Lull reads feeds up to that size",
            Fault::NotAFeed => "is not a valid RSS, Atom or JSON feed",
        }
    }
}

#[derive(Default)]
struct FeedServer {
    items: usize,
    faults: VecDeque<Fault>,
    requests: usize,
}

fn rss(items: usize) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Acme status</title>");
    for n in (0..items).rev() {
        out.push_str(&format!(
            "<item><title>Incident {n}</title><guid>incident-{n}</guid><pubDate>Thu, 26 Nov 2026 09:{:02}:00 +0000</pubDate><description>Update {n}</description></item>",
            n % 60
        ));
    }
    out.push_str("</channel></rss>");
    out
}

/// An HTTP server written by hand, so it can lie: a body shorter than its Content-Length.
async fn feed_server(st: Arc<Mutex<FeedServer>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/status.rss", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let st = st.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tcp.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let (fault, body) = {
                    let mut st = st.lock().expect("lock");
                    st.requests += 1;
                    (st.faults.pop_front(), rss(st.items))
                };
                let ok = |body: &str| {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let reply = match fault {
                    None => ok(&body),
                    Some(Fault::ServerError) => {
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
                    }
                    Some(Fault::Unavailable) => {
                        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned()
                    }
                    Some(Fault::Truncated) => {
                        let whole = ok(&body);
                        whole[..whole.len() - body.len() / 2].to_owned()
                    }
                    Some(Fault::Huge) => {
                        ok(&format!("{}{}", &body[..body.len() - "</channel></rss>".len()], "<!-- padding -->".repeat(400_000)))
                    }
                    Some(Fault::NotAFeed) => ok("<html><body>We'll be right back</body></html>"),
                };
                let _ = tcp.write_all(reply.as_bytes()).await;
                let _ = tcp.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_server_failing_in_every_way_between_good_polls_loses_and_duplicates_nothing() {
    let st = Arc::new(Mutex::new(FeedServer { items: 3, ..FeedServer::default() }));
    let url = feed_server(st.clone()).await;
    let host = MemoryHost::new();
    let sink: Arc<dyn IngestSink> = host.clone();
    let settings = feed::FeedSettings { url, every_secs: 1 };
    let supervised = {
        let sink = sink.clone();
        tokio::spawn(supervise(2, "status".into(), sink.clone(), quick(), move || feed::run(2, settings.clone(), sink.clone())))
    };
    host.wait("the first poll", Duration::from_secs(10), |h| h.messages.lock().expect("lock").len() == 3).await;
    for round in 0..rounds(10) {
        let fault = FAULTS[round % FAULTS.len()];
        host.health.lock().expect("lock").clear();
        // New items appear while the server is failing.
        {
            let mut st = st.lock().expect("lock");
            st.items += 2;
            st.faults.push_back(fault);
        }
        host.wait(&format!("the {fault:?} reported"), Duration::from_secs(10), |h| !retry_errors(h).is_empty()).await;
        let errors = retry_errors(&host);
        assert!(errors[0].contains(fault.said()), "{fault:?} is said as what it is: {errors:?}");
        let items = st.lock().expect("lock").items;
        host.wait(&format!("recovery after {fault:?}"), Duration::from_secs(10), |h| {
            h.messages.lock().expect("lock").len() >= items && h.last_health() == Some(Health::Ok)
        })
        .await;
        assert_eq!(host.titles_and_distinct(), (items, items), "after {fault:?}");
    }
    println!("feed: {} requests, {} items stored once", st.lock().expect("lock").requests, host.titles().len());
    supervised.abort();
}

// ---------------------------------------------------------------------------------------------
// Desktop: the session bus restarted (a new login, a crashed dbus-daemon)

fn notify_send(bus: &PrivateBus, summary: &str) {
    on_bus(bus, "notify-send", &["-a", "Slack", summary, "body"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_monitor_comes_back_after_the_session_bus_restarts() {
    let mut bus = PrivateBus::start().expect("private dbus-daemon");
    let address = bus.address().to_owned();
    let mut daemon = RecordingServer::start(&address).await.expect("notification daemon");
    let host = MemoryHost::new();
    let sink: Arc<dyn IngestSink> = host.clone();
    let supervised = {
        let (sink, address) = (sink.clone(), address.clone());
        let settings = DesktopSettings { ignore_apps: vec![], gatekeeper: false };
        tokio::spawn(supervise(3, "desktop".into(), sink.clone(), quick(), move || {
            desktop::run(3, settings.clone(), Some(address.clone()), sink.clone())
        }))
    };
    let rounds = rounds(4);
    for round in 0..rounds {
        host.wait("the monitor", Duration::from_secs(10), |h| h.last_health() == Some(Health::Ok)).await;
        // Each bus numbers its messages from 1 again: the same serials come back every round.
        notify_send(&bus, &format!("Before restart {round}"));
        notify_send(&bus, &format!("Second before restart {round}"));
        host.wait("this round's notifications", Duration::from_secs(10), |h| h.messages.lock().expect("lock").len() == 2 * (round + 1))
            .await;
        drop(daemon);
        bus.restart().expect("the bus again");
        host.wait("the lost bus reported", Duration::from_secs(10), |h| matches!(h.last_health(), Some(Health::Retrying { .. }))).await;
        daemon = RecordingServer::start(&address).await.expect("notification daemon again");
    }
    host.wait("the monitor after the last restart", Duration::from_secs(10), |h| h.last_health() == Some(Health::Ok)).await;
    notify_send(&bus, "After the last restart");
    host.wait("the last notification", Duration::from_secs(10), |h| h.titles().iter().any(|t| t == "After the last restart")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(host.titles_and_distinct(), (2 * rounds + 1, 2 * rounds + 1));
    let errors = retry_errors(&host);
    assert_eq!(errors.len(), rounds, "one failure reported per restart: {errors:#?}");
    supervised.abort();
}
