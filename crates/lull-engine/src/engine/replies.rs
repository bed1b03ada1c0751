//! Sending availability replies: each one owed was written in the transaction that held the
//! message it answers (see [`super::ingest`]); here it is worded in the client's language from
//! the user's template, sent through the channel's mail server, and marked.
//!
//! - **Once.** A reply is marked as soon as the server took it; only a crash between the two
//!   can send it again.
//! - **Retried, then reported.** A server that is down or refuses for now is tried again with
//!   back-off ([`RETRY_DELAYS`]); the failures show in the channel's health. A reply that would
//!   arrive after the held message is read (its first reading time), one still owed when that
//!   time has come (Lull was stopped), or one the server refuses for good, is given up. The
//!   held message itself is never affected.
//!
//! The replier sleeps until the next retry is due or ingest queues a reply; it does not poll.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lull_channels::smtp::{OutgoingMail, SendError};
use lull_core::phrase::{Phrase, Said};
use lull_store::{ReplyRow, StoreError};
use lull_words::reply_words;
use tokio::sync::watch;

use super::Shared;
use crate::connectors::secret_source;

/// Waits before the second, third, … attempt; after the last, the reply is given up.
pub(crate) const RETRY_DELAYS: &[i64] = &[30, 120, 300, 900, 1800];
/// With nothing owed, the replier still looks again this often.
const IDLE: Duration = Duration::hours(1);

impl Shared {
    /// Sends every reply due now; returns when the next one still owed is due.
    pub(super) async fn send_due_replies(self: &Arc<Self>) -> Result<Option<DateTime<Utc>>, StoreError> {
        let now = self.clock.now();
        let due = self.store.read(move |db| db.due_replies(now, 32)).await?;
        for reply in due {
            // Owed while Lull was stopped, past the time it announces: saying "I read messages
            // at 13:00" at 15:00 would be wrong; given up instead.
            if reply.plan.reading.first().is_some_and(|first| now >= *first) {
                let late = Phrase::new("reply.too_late");
                tracing::info!(reply = reply.id, "availability reply given up: the message is read by now");
                self.store.write(move |tx| tx.reply_failed(reply.id, &late, None, now)).await?;
                continue;
            }
            let outcome = self.send_reply(&reply).await;
            let now = self.clock.now();
            match outcome {
                Ok(text) => {
                    tracing::info!(reply = reply.id, message = reply.message_id, "availability reply sent");
                    self.store.write(move |tx| tx.reply_sent(reply.id, &text, now)).await?;
                }
                Err(e) => {
                    let next = retry_at(&reply, &e, now);
                    tracing::warn!(reply = reply.id, error = %lull_words::english().phrase(&e.problem), retry = next.is_some(), "availability reply not sent");
                    self.store.write(move |tx| tx.reply_failed(reply.id, &e.problem, next, now)).await?;
                }
            }
            let _ = self.events.send(lull_api::events::EngineEvent::ChannelsChanged);
        }
        self.store.read(|db| db.next_reply_due()).await
    }

    /// Words and sends one reply; returns the text sent.
    async fn send_reply(&self, reply: &ReplyRow) -> Result<String, SendError> {
        let channel_id = reply.channel_id;
        let (row, settings) = self
            .store
            .read(move |db| Ok((db.channels()?.into_iter().find(|c| c.id == channel_id), db.reply_settings()?)))
            .await
            .map_err(|e| SendError { problem: e.phrase(), permanent: false })?;
        let Some(row) = row else {
            return Err(SendError { problem: Phrase::new("reply.channel_gone"), permanent: true });
        };
        let Some(from) = row.settings.mail_sender() else {
            return Err(SendError { problem: Phrase::new("smtp.not_set"), permanent: true });
        };
        let plan = &reply.plan;
        let now = self.clock.now();
        let text = reply_words(plan.lang).reply_text(plan, settings.template(plan.lang), now);
        let mail = OutgoingMail {
            from,
            to: plan.to.clone(),
            subject: plan.subject.clone(),
            body: text.clone(),
            lang: plan.lang,
            in_reply_to: plan.in_reply_to.clone(),
            references: plan.references.clone(),
            date: now,
        };
        let password = (secret_source(&self.dir, &row))()
            .await
            .map_err(|e| SendError { permanent: matches!(e, lull_channels::ConnectorError::Config(_)), problem: e.phrase() })?;
        lull_channels::kind::of(row.kind()).send_mail(&row.settings, password, mail).await?;
        Ok(text)
    }
}

/// When to try again, or `None` to give up: after a permanent refusal, after the last attempt,
/// or when the next attempt would come after the held message is read.
fn retry_at(reply: &ReplyRow, error: &SendError, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if error.permanent {
        return None;
    }
    let delay = RETRY_DELAYS.get(reply.attempts as usize)?;
    let next = now + Duration::seconds(*delay);
    let read_at = reply.plan.reading.first().copied()?;
    (next < read_at).then_some(next)
}

/// The replier's loop: sends what is due, then sleeps until the next retry or a new reply.
pub(super) async fn replier(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        let next = match shared.send_due_replies().await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "sending availability replies; trying again shortly");
                Some(shared.clock.now() + Duration::seconds(5))
            }
        };
        let deadline = next.unwrap_or_else(|| shared.clock.now() + IDLE);
        tokio::select! {
            _ = shared.clock.sleep_until(deadline) => {}
            () = shared.replies_wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
}
