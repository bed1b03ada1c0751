//! Delivering the outbox: every ring Lull owes the user (a desktop notification, a push to the
//! phone) was written in the transaction that decided it (see [`super::ingest`] and
//! [`super::release`]); here each is delivered and marked.
//!
//! - **Once.** A ring is marked in the store as soon as it was shown or its target accepted
//!   it. Only a crash between the delivery and the mark can repeat it, and only that one ring.
//! - **Never lost.** A ring that fails is retried with back-off ([`retry_delay`]); one left
//!   when Lull stopped is delivered at the next start.
//! - **Never late.** A ring past its use (a live message more than 30 minutes old, a digest a
//!   newer one superseded) is dropped and counted instead of ringing for something old.
//!
//! Each target is a lane: rings to one target go in order, one at a time; lanes run side by
//! side, so a slow push server never holds back the desktop. The courier sleeps until the next
//! retry is due or new rings are queued; it does not poll.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lull_channels::push::{Push, PushError, send};
use lull_core::model::{DecisionKind, Sender};
use lull_core::phrase::{Phrase, Said};
use lull_core::push::{DESKTOP_ATTEMPTS, priority, retry_delay};
use lull_core::stats::InterruptionKind;
use lull_store::{DigestRow, MessageRow, OutboxItem, Outcome, PushTargetRow, StoreError, Subject};
use lull_words::Words;
use tokio::sync::watch;

use super::release::DigestNews;
use super::{Shared, load_schedule};
use crate::notifier::Notice;
use crate::secrets::Secrets;

/// Rings read from the store at a time.
const PAGE: u32 = 256;
/// With nothing owed, the courier still looks again this often.
const IDLE: Duration = Duration::hours(1);

/// What a ring is about, read from the store when it is delivered.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    Message(Box<MessageRow>),
    Digest(DigestRow, DigestNews),
}

/// What happened to one delivery attempt.
#[derive(Debug)]
enum Verdict {
    Sent,
    Dropped(&'static str),
    /// Failed; try again at this time.
    Retry(Phrase, DateTime<Utc>),
    /// Failed for good.
    Failed(Phrase),
}

impl Shared {
    /// Shows a notice on this desktop; returns the error text if it could not be shown.
    /// Remembers the last error for `status`.
    pub(crate) async fn show(&self, notice: &Notice) -> Option<String> {
        let error = self.notifier.notify(notice).await.err().map(|e| e.0);
        if let Ok(mut last) = self.last_notify_error.lock() {
            // A missing notification service fails every notification the same way: say it
            // once, not once per message.
            match &error {
                Some(e) if last.as_ref() != Some(e) => tracing::warn!(error = %e, "notifications are not shown"),
                Some(e) => tracing::debug!(error = %e, "notification not shown"),
                None if last.is_some() => tracing::info!("notifications are shown again"),
                None => {}
            }
            last.clone_from(&error);
        }
        error
    }

    /// Delivers every ring due now (only this desktop's with `desktop_only`); returns when the
    /// next one still owed is due.
    pub(super) async fn deliver_due(self: &Arc<Self>, desktop_only: bool) -> Result<Option<DateTime<Utc>>, StoreError> {
        let _one_courier = self.outbox_lock.lock().await;
        loop {
            let now = self.clock.now();
            let mut due = self.store.read(move |db| db.outbox_due(now, PAGE)).await?;
            let full = due.len() == PAGE as usize;
            if desktop_only {
                due.retain(|i| i.target.is_none());
            }
            if due.is_empty() {
                break;
            }
            let targets: BTreeMap<i64, PushTargetRow> =
                self.store.read(|db| db.push_targets()).await?.into_iter().map(|t| (t.id, t)).collect();
            let mut lanes: BTreeMap<Option<i64>, Vec<OutboxItem>> = BTreeMap::new();
            for item in due {
                lanes.entry(item.target).or_default().push(item);
            }
            let runs = lanes.into_iter().map(|(target, items)| {
                let target = target.and_then(|id| targets.get(&id).cloned());
                self.deliver_lane(target, items)
            });
            futures_util::future::join_all(runs).await;
            if !full || desktop_only {
                break;
            }
        }
        self.store.read(|db| db.outbox_next_attempt()).await
    }

    /// Delivers one target's rings in order; after a failure, the rest of the lane waits for
    /// the same retry time (the target is likely down for all of them).
    async fn deliver_lane(self: &Arc<Self>, target: Option<PushTargetRow>, items: Vec<OutboxItem>) {
        let mut rest = items.into_iter();
        while let Some(item) = rest.next() {
            let verdict = self.deliver_one(target.as_ref(), &item).await;
            let now = self.clock.now();
            if let (Some(t), Verdict::Sent | Verdict::Retry(..) | Verdict::Failed(_)) = (&target, &verdict) {
                let error = match &verdict {
                    Verdict::Retry(e, _) | Verdict::Failed(e) => Some(e.clone()),
                    _ => None,
                };
                let id = t.id;
                if let Err(e) = self.store.write(move |tx| tx.push_target_result(id, now, error.as_ref())).await {
                    tracing::warn!(error = %e, "recording a push target's health");
                }
            }
            let postpone = match &verdict {
                Verdict::Retry(_, at) if target.is_some() => Some(*at),
                _ => None,
            };
            if let Err(e) = self.mark(&item, verdict, now).await {
                tracing::warn!(error = %e, ring = item.id, "marking a ring; it may be delivered again");
            }
            if let Some(at) = postpone {
                let ids: Vec<i64> = rest.by_ref().map(|i| i.id).collect();
                if let Err(e) = self.store.write(move |tx| tx.outbox_postpone(&ids, at)).await {
                    tracing::warn!(error = %e, "postponing pushes");
                }
                break;
            }
        }
    }

    async fn mark(&self, item: &OutboxItem, verdict: Verdict, now: DateTime<Utc>) -> Result<(), StoreError> {
        let item = item.clone();
        match verdict {
            Verdict::Sent => self.store.write(move |tx| tx.outbox_done(&item, now, Outcome::Sent, None)).await,
            Verdict::Dropped(why) => {
                tracing::info!(ring = item.id, why, "ring dropped: it would arrive too late");
                let why = Phrase::new("outbox.dropped").with("why", why);
                self.store.write(move |tx| tx.outbox_done(&item, now, Outcome::Dropped, Some(&why))).await
            }
            Verdict::Failed(error) => {
                tracing::warn!(ring = item.id, %error, "ring given up");
                self.store.write(move |tx| tx.outbox_done(&item, now, Outcome::Failed, Some(&error))).await
            }
            Verdict::Retry(error, at) => self.store.write(move |tx| tx.outbox_retry(item.id, at, &error)).await,
        }
    }

    async fn deliver_one(self: &Arc<Self>, target: Option<&PushTargetRow>, item: &OutboxItem) -> Verdict {
        let now = self.clock.now();
        if item.expires_at.is_some_and(|e| e < now) {
            return Verdict::Dropped("too late");
        }
        let subject = item.subject;
        let content = match self.store.read(move |db| content(db, subject)).await {
            Ok(Some(c)) => c,
            Ok(None) => return Verdict::Dropped("gone"),
            Err(e) => return Verdict::Retry(e.phrase(), now + retry_delay(item.attempts + 1)),
        };
        if let Content::Digest(row, _) = &content {
            let id = row.id;
            if self.store.read(move |db| db.digest_superseded(id)).await.unwrap_or(false) {
                return Verdict::Dropped("superseded");
            }
        }
        let attempts = item.attempts + 1;
        match (item.target, target) {
            (None, _) => match self.show(&notice(&content, item.kind, self.words, now)).await {
                None => Verdict::Sent,
                Some(e) if attempts >= DESKTOP_ATTEMPTS => Verdict::Failed(Phrase::text(e)),
                Some(e) => Verdict::Retry(Phrase::text(e), self.clock.now() + retry_delay(attempts)),
            },
            // The target was removed since the ring was read: its rings went with it.
            (Some(_), None) => Verdict::Dropped("target removed"),
            (Some(_), Some(t)) => {
                let push = push(&content, item.kind, t.private, self.words, now);
                match self.push_to(t, &push).await {
                    Ok(detail) => {
                        tracing::debug!(target = t.name, detail, "pushed");
                        Verdict::Sent
                    }
                    // The back-off counts from the failure, not from the start of a try that
                    // may have waited for a time-out.
                    Err(e) if e.retryable() => {
                        tracing::info!(target = t.name, error = %e, "push failed; retrying later");
                        Verdict::Retry(e.phrase(), self.clock.now() + retry_delay(attempts))
                    }
                    Err(e) => Verdict::Failed(e.phrase()),
                }
            }
        }
    }

    /// Sends one push to a target, with its access token from where it is kept.
    pub(crate) async fn push_to(&self, target: &PushTargetRow, push: &Push) -> Result<String, PushError> {
        let secret = match &target.secret_ref {
            Some(reference) => {
                let secrets = Secrets::new(self.dir.root());
                let (reference, key) = (reference.clone(), secret_key(&target.name));
                let got = tokio::task::spawn_blocking(move || secrets.get(&reference, &key)).await;
                match got {
                    Ok(Ok(s)) => Some(s),
                    Ok(Err(e)) => return Err(PushError::Config(e.phrase())),
                    Err(e) => return Err(PushError::Config(Phrase::new("push.no_secret").with("detail", e))),
                }
            }
            None => None,
        };
        send(&target.settings, secret.as_deref(), push).await.map(|a| a.detail)
    }
}

/// Where a push target's access token is kept, beside the channels' passwords.
pub(crate) fn secret_key(target: &str) -> String {
    format!("push:{target}")
}

/// What a ring is about, or `None` when it is gone (a message deleted meanwhile).
fn content(db: &lull_store::Db<'_>, subject: Subject) -> Result<Option<Content>, StoreError> {
    Ok(match subject {
        Subject::Message(id) => db.message(id)?.map(|m| Content::Message(Box::new(m))),
        Subject::Digest(id) => match db.digest(id)? {
            Some(row) => {
                let tz = load_schedule(db)?.tz;
                let members = db.digest_messages(id)?;
                let clients = db.clients()?;
                Some(Content::Digest(row, DigestNews::of(tz, members.iter().map(|m| m.client_id), &clients)))
            }
            None => None,
        },
    })
}

/// The desktop notification for a ring delivered at `now`.
fn notice(content: &Content, kind: InterruptionKind, words: Words, now: DateTime<Utc>) -> Notice {
    match content {
        Content::Message(m) => Notice::Message {
            message_id: m.id,
            client: m.client.clone(),
            sender: Sender::parse(&m.sender).display,
            title: m.title.clone(),
            body: m.body.clone(),
            urgent: kind == InterruptionKind::Bypass || m.decision.kind == DecisionKind::Bypass,
            note: clock_note(m, kind, words, now),
        },
        Content::Digest(row, news) => Notice::Digest {
            digest_id: row.id,
            summary: words.digest_summary(
                row.record.slot_at,
                news.tz,
                row.record.message_count,
                row.record.client_count,
                row.record.merged_slots,
            ),
            body: news.body(words),
        },
    }
}

/// Why a held message rings: its platform's clock is about to run out.
fn clock_note(m: &MessageRow, kind: InterruptionKind, words: Words, now: DateTime<Utc>) -> Option<String> {
    let clock = m.clock.as_ref().filter(|_| kind == InterruptionKind::Bypass && m.decision.kind == DecisionKind::Held)?;
    Some(words.clock_reason(clock, clock.reply_by - now))
}

/// The push for a ring. A private target gets only the client and what Lull decided, never
/// the message's text: ntfy is not end-to-end encrypted.
pub(crate) fn push(content: &Content, kind: InterruptionKind, private: bool, words: Words, now: DateTime<Utc>) -> Push {
    let n = notice(content, kind, words, now);
    let (tags, kind_name) = match kind {
        InterruptionKind::Bypass => (vec!["rotating_light"], "bypass"),
        InterruptionKind::Live => (vec!["speech_balloon"], "live"),
        InterruptionKind::Digest => (vec!["inbox_tray"], "digest"),
    };
    let (client, message_id, digest_id, url) = match content {
        Content::Message(m) => (m.client.clone(), Some(m.id), None, m.url.clone()),
        Content::Digest(row, _) => (None, None, Some(row.id), None),
    };
    let (title, body) = if private {
        match content {
            Content::Message(m) => {
                let who = m.client.clone().unwrap_or_else(|| words.t("push.private.someone", &[]));
                let key = if kind == InterruptionKind::Bypass { "push.private.urgent" } else { "push.private.live" };
                // The clock's reason names the platform and the time left, never the text.
                let said = words.t(key, &[("who", &who)]);
                match clock_note(m, kind, words, now) {
                    Some(note) => ("Lull".to_owned(), format!("{said}\n{note}")),
                    None => ("Lull".to_owned(), said),
                }
            }
            Content::Digest(..) => (n.summary(words), words.t("push.private.digest", &[])),
        }
    } else {
        let body = n.body();
        let body = if body.trim().is_empty() { n.summary(words) } else { body };
        (n.summary(words), body)
    };
    let click = if private { None } else { url.filter(|u| u.starts_with("https://") || u.starts_with("http://")) };
    Push {
        kind: kind_name,
        priority: priority(kind),
        title,
        body,
        tags,
        click,
        client: if private && message_id.is_none() { None } else { client },
        message_id,
        digest_id,
    }
}

/// The test push `lull push test` sends.
pub(crate) fn test_push(words: Words) -> Push {
    Push {
        kind: "test",
        priority: 3,
        title: words.t("push.test.title", &[]),
        body: words.t("push.test.body", &[]),
        tags: vec!["white_check_mark"],
        click: None,
        client: None,
        message_id: None,
        digest_id: None,
    }
}

/// Delivers rings until `stop` turns true: at start what a previous run left, then whenever
/// new rings are queued or a retry comes due.
pub(super) async fn courier(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let next = match shared.deliver_due(false).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "delivering rings; trying again shortly");
                Some(shared.clock.now() + Duration::seconds(5))
            }
        };
        let deadline = next.unwrap_or_else(|| shared.clock.now() + IDLE);
        tokio::select! {
            _ = shared.clock.sleep_until(deadline) => {}
            () = shared.outbox_wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
}
