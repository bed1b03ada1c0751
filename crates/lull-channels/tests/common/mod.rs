//! A channel host in memory for connector tests: it stores messages by (channel, key) like the
//! engine (a key stored twice is a duplicate), keeps watermarks, and records health reports.
//! And what the tests do to their peers: deliver mail to Dovecot, run a program on a bus.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lull_channels::sink::{BatchFuture, IngestFuture, StateFuture};
use lull_channels::{Health, IngestError, IngestReceipt, IngestSink};
use lull_core::Incoming;
use lull_core::model::{ChannelId, DecisionKind};
use lull_core::policy::{Decision, Rule};
use tokio::sync::Notify;

/// The mail user the IMAP tests' Dovecot is started with.
pub const IMAP_USER: &str = "alice";
pub const IMAP_PASSWORD: &str = "correct horse";

/// Delivers messages to `IMAP_USER`'s INBOX the way a mail server's delivery agent would end
/// up: APPEND (in the clear, on loopback).
pub async fn deliver(server: &lull_testkit::Dovecot, messages: &[Vec<u8>], date: Option<&str>) {
    use lull_channels::imap::{self, ImapSettings, Password};
    let mut s = ImapSettings::new("127.0.0.1", Some(server.imap_port), IMAP_USER, lull_core::channel::TlsMode::None, vec!["INBOX".into()])
        .expect("settings");
    s.ca_file = Some(server.ca_file().display().to_string());
    let mut session = imap::login(&s, &Password(IMAP_PASSWORD.into())).await.expect("login to deliver");
    for raw in messages {
        session.append("INBOX", None, date, raw).await.expect("append");
    }
    session.logout().await.expect("logout");
}

/// Runs `program` with `args` as a client of `bus`, and checks it succeeded.
pub fn on_bus(bus: &lull_testkit::PrivateBus, program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .output()
        .unwrap_or_else(|e| panic!("run {program} ({e}); scripts/install-deps.sh --test installs it"));
    assert!(out.status.success(), "{program} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The instant connector tests run at: Thursday 2026-11-26 10:00 UTC.
/// A phrase as it reads in English.
pub fn said(phrase: &lull_core::Phrase) -> String {
    lull_words::english().phrase(phrase)
}

pub fn test_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").expect("instant").with_timezone(&Utc)
}

#[derive(Debug)]
pub struct MemoryHost {
    pub messages: Mutex<Vec<(ChannelId, Incoming)>>,
    pub states: Mutex<HashMap<ChannelId, serde_json::Value>>,
    pub health: Mutex<Vec<(ChannelId, Health)>>,
    /// When set, batches fail as if the disk were full.
    pub fail_batches: Mutex<bool>,
    /// How long each batch takes to store (a slow disk), so tests can act mid-sync.
    pub batch_delay: Mutex<Duration>,
    /// The host's clock: fixed, so tests do not depend on the day they run.
    pub now: Mutex<DateTime<Utc>>,
    /// Desktop notifications from these apps are held (as in a focus block); the rest is live.
    pub hold_apps: Mutex<Vec<String>>,
    /// Messages dismissed at their source (by id).
    pub dismissed: Mutex<Vec<i64>>,
    /// Desktop entries another channel records itself (a phone channel claims KDE Connect's).
    pub claimed_entries: Mutex<Vec<String>>,
    changed: Notify,
}

impl MemoryHost {
    pub fn new() -> Arc<MemoryHost> {
        Arc::new(MemoryHost {
            messages: Mutex::default(),
            states: Mutex::default(),
            health: Mutex::default(),
            fail_batches: Mutex::default(),
            batch_delay: Mutex::default(),
            now: Mutex::new(test_now()),
            hold_apps: Mutex::default(),
            dismissed: Mutex::default(),
            claimed_entries: Mutex::default(),
            changed: Notify::new(),
        })
    }

    fn store(&self, channel: ChannelId, m: Incoming) -> IngestReceipt {
        self.store_or_revise(channel, m, false)
    }

    /// Stores a message; with `revise`, one already stored under its key takes its text.
    fn store_or_revise(&self, channel: ChannelId, m: Incoming, revise: bool) -> IngestReceipt {
        let held = m.app.as_ref().is_some_and(|a| self.hold_apps.lock().expect("lock").contains(a));
        let mut all = self.messages.lock().expect("lock");
        let existing = all.iter().position(|(c, x)| *c == channel && x.source_key == m.source_key);
        let duplicate = existing.is_some();
        if let (Some(i), true) = (existing, revise) {
            all[i].1.title = m.title.clone();
            all[i].1.body = m.body.clone();
        }
        let id = existing.unwrap_or_else(|| {
            all.push((channel, m));
            all.len() - 1
        });
        IngestReceipt {
            message_id: id as i64 + 1,
            duplicate,
            client: None,
            tz: chrono_tz::UTC,
            decision: if held {
                let until = self.now() + chrono::Duration::hours(2);
                Decision { kind: DecisionKind::Held, release_at: Some(until), rule: Rule::ManualFocus { until } }
            } else {
                Decision { kind: DecisionKind::Live, release_at: None, rule: Rule::Open }
            },
        }
    }

    pub fn titles(&self) -> Vec<String> {
        self.messages.lock().expect("lock").iter().map(|(_, m)| m.title.clone()).collect()
    }

    /// (messages stored, distinct titles among them): equal when nothing was stored twice.
    pub fn titles_and_distinct(&self) -> (usize, usize) {
        let titles = self.titles();
        let distinct: std::collections::HashSet<_> = titles.iter().collect();
        (titles.len(), distinct.len())
    }

    pub fn state(&self, channel: ChannelId) -> serde_json::Value {
        self.states.lock().expect("lock").get(&channel).cloned().unwrap_or_else(|| serde_json::json!({}))
    }

    pub fn last_health(&self) -> Option<Health> {
        self.health.lock().expect("lock").last().map(|(_, h)| h.clone())
    }

    /// Waits until `check` holds, or panics after `timeout` saying `what`.
    pub async fn wait(&self, what: &str, timeout: Duration, check: impl Fn(&MemoryHost) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.changed.notified();
            if check(self) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                assert!(check(self), "timed out waiting for {what}; health: {:?}", self.health.lock().expect("lock"));
                return;
            }
        }
    }
}

impl IngestSink for MemoryHost {
    fn ingest(&self, channel: ChannelId, incoming: Incoming) -> IngestFuture<'_> {
        let receipt = self.store(channel, incoming);
        self.changed.notify_waiters();
        Box::pin(async move { Ok(receipt) })
    }

    fn revise(&self, channel: ChannelId, incoming: Incoming) -> IngestFuture<'_> {
        let receipt = self.store_or_revise(channel, incoming, true);
        self.changed.notify_waiters();
        Box::pin(async move { Ok(receipt) })
    }

    fn dismissed(&self, message: lull_core::model::MessageId) {
        self.dismissed.lock().expect("lock").push(message);
        self.changed.notify_waiters();
    }

    fn ingest_batch(&self, channel: ChannelId, messages: Vec<Incoming>, sync_state: Option<serde_json::Value>) -> BatchFuture<'_> {
        Box::pin(async move {
            let delay = *self.batch_delay.lock().expect("lock");
            tokio::time::sleep(delay).await;
            if *self.fail_batches.lock().expect("lock") {
                return Err(IngestError::Unavailable(lull_core::Phrase::text("disk full (test)")));
            }
            let receipts = messages.into_iter().map(|m| Ok(self.store(channel, m))).collect();
            if let Some(state) = sync_state {
                self.states.lock().expect("lock").insert(channel, state);
            }
            self.changed.notify_waiters();
            Ok(receipts)
        })
    }

    fn sync_state(&self, channel: ChannelId) -> StateFuture<'_> {
        let state = self.state(channel);
        Box::pin(async move { Ok(state) })
    }

    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("lock")
    }

    fn claimed_elsewhere(&self, _channel: ChannelId, _app: &str, entry: Option<&str>) -> bool {
        entry.is_some_and(|e| self.claimed_entries.lock().expect("lock").iter().any(|c| c == e))
    }

    fn report(&self, channel: ChannelId, health: Health) {
        self.health.lock().expect("lock").push((channel, health));
        self.changed.notify_waiters();
    }
}
