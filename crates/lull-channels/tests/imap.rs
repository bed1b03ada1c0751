//! IMAP against a real Dovecot started for the test: TLS and STARTTLS, a first sync limited to
//! recent mail with progress, delivery while idling, a server restart in the middle of a sync,
//! a UIDVALIDITY change, and real-world MIME including malformed messages. Nothing is lost and
//! nothing is stored twice.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{IMAP_PASSWORD as PASSWORD, IMAP_USER as USER, MemoryHost, deliver, said};
use lull_channels::imap::{self, ImapSettings, Password};
use lull_channels::{Backoff, ConnectorError, Health, IngestSink, supervise};
use lull_core::channel::TlsMode as Security;
use lull_testkit::Dovecot;

fn settings(server: &Dovecot, security: Security) -> ImapSettings {
    let port = if security == Security::Tls { server.imaps_port } else { server.imap_port };
    let mut s = ImapSettings::new("127.0.0.1", Some(port), USER, security, vec!["INBOX".into()]).expect("settings");
    s.ca_file = Some(server.ca_file().display().to_string());
    s
}

fn password() -> Password {
    Password(PASSWORD.into())
}

fn mail(n: usize, subject: &str) -> Vec<u8> {
    format!(
        "Message-ID: <m{n}.{}@acme.example>\r\nFrom: Jane <jane@acme.example>\r\nTo: me@example.com\r\nSubject: {subject}\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message {n}.\r\n",
        subject.len()
    )
    .into_bytes()
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures/mail", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> = std::fs::read_dir(&dir).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    names.sort();
    names.into_iter().map(|p| std::fs::read(p).expect("fixture")).collect()
}

fn count(host: &MemoryHost) -> usize {
    host.messages.lock().expect("lock").len()
}

fn mark(host: &MemoryHost, channel: i64) -> (u64, u64) {
    let s = host.state(channel);
    let m = &s["folders"]["INBOX"];
    (m["uidvalidity"].as_u64().unwrap_or(0), m["last_uid"].as_u64().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread")]
async fn first_sync_idle_delivery_and_a_uidvalidity_change() {
    let server = Dovecot::start(&[(USER, PASSWORD)]).expect("dovecot");
    // An old message outside the first sync's 14 days, then real-world MIME.
    deliver(&server, &[mail(0, "From last January")], Some("\"15-Jan-2026 10:00:00 +0000\"")).await;
    deliver(&server, &fixtures(), None).await;
    let host = MemoryHost::new();
    let sink: Arc<dyn IngestSink> = host.clone();
    let task = tokio::spawn(imap::run(1, settings(&server, Security::Tls), password(), sink.clone()));
    host.wait("the first sync", Duration::from_secs(20), |h| h.last_health() == Some(Health::Ok) && count(h) == 7).await;
    let titles = host.titles();
    assert!(titles.contains(&"Maquettes : dernière version".to_owned()) && titles.contains(&"Broken MIME".to_owned()), "{titles:?}");
    assert!(!titles.contains(&"From last January".to_owned()));
    assert!(
        host.health.lock().expect("lock").iter().any(|(_, h)| matches!(h, Health::Syncing { total: Some(7), .. })),
        "the first sync shows its progress"
    );
    let (validity, last) = mark(&host, 1);
    assert!(validity > 0);
    assert_eq!(last, 8, "the watermark covers every fetched message");

    // Mail delivered while Lull idles arrives at once.
    deliver(&server, &[mail(100, "While idling")], None).await;
    host.wait("the new message", Duration::from_secs(10), |h| h.titles().contains(&"While idling".to_owned())).await;
    assert_eq!(mark(&host, 1).1, 9);
    task.abort();

    // The server rebuilds its index: UIDVALIDITY changes, the recent mail is fetched again and
    // recognised, nothing is stored twice.
    server.change_uidvalidity(USER, "INBOX", 4242).expect("doveadm");
    let task = tokio::spawn(imap::run(1, settings(&server, Security::Tls), password(), sink.clone()));
    host.wait("the resync", Duration::from_secs(20), |h| mark(h, 1).0 == 4242).await;
    host.wait("the resync to finish", Duration::from_secs(20), |h| h.last_health() == Some(Health::Ok)).await;
    assert_eq!(count(&host), 8, "{:?}", host.titles());
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_restart_in_the_middle_of_a_sync_loses_and_duplicates_nothing() {
    let mut server = Dovecot::start(&[(USER, PASSWORD)]).expect("dovecot");
    let many: Vec<Vec<u8>> = (1..=400).map(|n| mail(n, &format!("Bulk {n}"))).collect();
    deliver(&server, &many, None).await;
    let host = MemoryHost::new();
    *host.batch_delay.lock().expect("lock") = Duration::from_millis(400);
    let sink: Arc<dyn IngestSink> = host.clone();
    let quick = Backoff { first: Duration::from_millis(200), max: Duration::from_secs(1), healthy_after: Duration::from_secs(60) };
    let s = settings(&server, Security::Starttls);
    let supervised =
        tokio::spawn(supervise(1, "mail".into(), sink.clone(), quick, move || imap::run(1, s.clone(), password(), sink.clone())));
    // Stop the server once part of the mail is stored.
    host.wait("part of the sync", Duration::from_secs(30), |h| count(h) >= 50).await;
    server.stop();
    let stored_at_stop = count(&host);
    let (_, mark_at_stop) = mark(&host, 1);
    assert!(mark_at_stop as usize <= stored_at_stop, "the watermark never runs ahead of what is stored");
    host.wait("the failure to be seen", Duration::from_secs(20), |h| matches!(h.last_health(), Some(Health::Retrying { .. }))).await;
    *host.batch_delay.lock().expect("lock") = Duration::ZERO;
    server.restart().expect("restart");
    host.wait("the sync to complete", Duration::from_secs(60), |h| count(h) == 400 && h.last_health() == Some(Health::Ok)).await;
    assert_eq!(host.titles_and_distinct(), (400, 400));
    assert_eq!(mark(&host, 1).1, 400);
    assert!(stored_at_stop < 400, "the server was stopped mid-sync ({stored_at_stop} stored)");
    supervised.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_folders_and_certificates_are_checked_with_clear_errors() {
    let server = Dovecot::start(&[(USER, PASSWORD)]).expect("dovecot");
    let probe = imap::probe(&settings(&server, Security::Starttls), &password()).await.expect("probe");
    assert!(probe.capabilities.contains(&"IDLE".to_owned()), "{probe:?}");
    assert_eq!(probe.folders, [("INBOX".to_owned(), Ok(0))]);

    let wrong = imap::probe(&settings(&server, Security::Tls), &Password("nope".into())).await.expect_err("wrong password");
    assert!(matches!(&wrong, ConnectorError::Config(e) if said(e).contains("refused the login for alice")), "{wrong:?}");

    // Without the test CA the server's certificate is not trusted.
    let mut untrusted = settings(&server, Security::Tls);
    untrusted.ca_file = None;
    let e = imap::probe(&untrusted, &password()).await.expect_err("untrusted");
    assert!(matches!(&e, ConnectorError::Config(m) if said(m).contains("certificate is not trusted")), "{e:?}");

    let mut missing = settings(&server, Security::Tls);
    missing.folders = vec!["Clients/Acme".into()];
    let host = MemoryHost::new();
    let e = imap::run(1, missing, password(), host.clone()).await.expect_err("no such folder");
    assert!(matches!(&e, ConnectorError::Config(m) if said(m).contains("\"Clients/Acme\" cannot be opened")), "{e:?}");

    let closed = ImapSettings::new("127.0.0.1", Some(9), USER, Security::None, vec![]).expect("settings");
    let e = imap::probe(&closed, &password()).await.expect_err("nothing listening");
    assert!(matches!(&e, ConnectorError::Transient(m) if said(m).contains("cannot connect")), "{e:?}");
}
