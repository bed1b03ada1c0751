//! The outbox: every ring Lull owes the user (a desktop notification, a push to the phone),
//! written in the transaction that decided it and marked once delivered, dropped or given up;
//! and the push targets rings are sent to.
//!
//! A row is due while it is not done and its next attempt has come. Delivery is at least once
//! per row: the mark follows the delivery, so only a crash between the two can repeat one ring.

use chrono::{DateTime, Utc};
use lull_core::model::{DigestId, MessageId};
use lull_core::phrase::Phrase;
use lull_core::push::{PushSettings, PushTargetId, expiry};
use lull_core::stats::InterruptionKind;
use rusqlite::{OptionalExtension, Row, params};

use crate::channels::stored_phrase;
use crate::events::{kind_from_text, kind_text};
use crate::{Db, Result, StoreError, Tx, conflict, from_ms, to_ms};

/// What a ring is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Message(MessageId),
    Digest(DigestId),
}

/// A ring that is still owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// `None`: this desktop.
    pub target: Option<PushTargetId>,
    pub kind: InterruptionKind,
    pub subject: Subject,
    pub notification_id: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
}

/// How a ring ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Shown, or accepted by the push server.
    Sent,
    /// Given up after failing (the error says why).
    Failed,
    /// Too late to be worth ringing (a message past its expiry, a superseded digest).
    Dropped,
}

impl Outcome {
    fn text(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Failed => "failed",
            Outcome::Dropped => "dropped",
        }
    }
}

/// A push target to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPushTarget {
    pub name: String,
    pub settings: PushSettings,
    pub digests: bool,
    pub private: bool,
    pub secret_ref: Option<String>,
}

/// A push target as stored, with how its pushes fare.
#[derive(Debug, Clone, PartialEq)]
pub struct PushTargetRow {
    pub id: PushTargetId,
    pub name: String,
    pub settings: PushSettings,
    pub digests: bool,
    pub private: bool,
    pub secret_ref: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// What went wrong last, as the target said it.
    pub last_error: Option<Phrase>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Pushes waiting (new or retrying).
    pub queued: u64,
    pub sent: u64,
    /// Pushes dropped because they would have arrived too late.
    pub dropped: u64,
    pub failed: u64,
}

const TARGET_COLUMNS: &str = "t.id, t.name, t.settings, t.digests, t.private, t.secret_ref, t.created_at, t.last_success_at,
     t.last_error, t.last_error_at,
     (SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.done_at IS NULL),
     (SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.outcome = 'sent'),
     (SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.outcome = 'dropped'),
     (SELECT count(*) FROM outbox o WHERE o.target_id = t.id AND o.outcome = 'failed')";

fn target_row(r: &Row<'_>) -> rusqlite::Result<Result<PushTargetRow>> {
    let settings: String = r.get(2)?;
    let settings = match serde_json::from_str(&settings) {
        Ok(s) => s,
        Err(e) => return Ok(Err(StoreError::Decode(format!("push target settings: {e}")))),
    };
    Ok(Ok(PushTargetRow {
        id: r.get(0)?,
        name: r.get(1)?,
        settings,
        digests: r.get(3)?,
        private: r.get(4)?,
        secret_ref: r.get(5)?,
        created_at: from_ms(r.get(6)?),
        last_success_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
        last_error: r.get::<_, Option<String>>(8)?.map(|e| stored_phrase(&e)),
        last_error_at: r.get::<_, Option<i64>>(9)?.map(from_ms),
        queued: r.get::<_, i64>(10)? as u64,
        sent: r.get::<_, i64>(11)? as u64,
        dropped: r.get::<_, i64>(12)? as u64,
        failed: r.get::<_, i64>(13)? as u64,
    }))
}

const ITEM_COLUMNS: &str = "id, created_at, target_id, kind, message_id, digest_id, notification_id, expires_at, attempts, next_attempt_at";

fn item_row(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let subject = match (r.get::<_, Option<i64>>(4)?, r.get::<_, Option<i64>>(5)?) {
        (Some(m), _) => Subject::Message(m),
        (None, Some(d)) => Subject::Digest(d),
        // The schema's CHECK makes exactly one of them set.
        (None, None) => Subject::Digest(0),
    };
    Ok(OutboxItem {
        id: r.get(0)?,
        created_at: from_ms(r.get(1)?),
        target: r.get(2)?,
        kind: kind_from_text(r.get_ref(3)?.as_str()?),
        subject,
        notification_id: r.get(6)?,
        expires_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
        attempts: r.get(8)?,
        next_attempt_at: from_ms(r.get(9)?),
    })
}

impl Db<'_> {
    pub fn push_targets(&self) -> Result<Vec<PushTargetRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {TARGET_COLUMNS} FROM push_targets t ORDER BY t.name"))?;
        stmt.query_map([], target_row)?.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
    }

    pub fn push_target_by_name(&self, name: &str) -> Result<Option<PushTargetRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {TARGET_COLUMNS} FROM push_targets t WHERE t.name = ?1"))?;
        stmt.query_row([name.trim()], target_row).optional()?.transpose()
    }

    /// Rings due at `now`, oldest first.
    pub fn outbox_due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM outbox WHERE done_at IS NULL AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"
        ))?;
        Ok(stmt.query_map(params![to_ms(now), limit], item_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next ring still owed is due, if any is.
    pub fn outbox_next_attempt(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> =
            self.conn.prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE done_at IS NULL")?.query_row([], |r| r.get(0))?;
        Ok(next.map(from_ms))
    }

    /// Whether a digest newer than `id` was released: its ring is then no longer worth sending.
    pub fn digest_superseded(&self, id: DigestId) -> Result<bool> {
        let newer: bool = self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM digests WHERE id > ?1)")?.query_row([id], |r| r.get(0))?;
        Ok(newer)
    }
}

impl Tx<'_> {
    pub fn insert_push_target(&self, target: &NewPushTarget, now: DateTime<Utc>) -> Result<PushTargetId> {
        let settings = serde_json::to_string(&target.settings).map_err(|e| StoreError::Decode(e.to_string()))?;
        self.conn()
            .execute(
                "INSERT INTO push_targets (name, settings, digests, private, secret_ref, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![target.name.trim(), settings, target.digests, target.private, target.secret_ref, to_ms(now)],
            )
            .map_err(|e| conflict(e, || Phrase::new("conflict.push_exists").with("name", format!("{:?}", target.name.trim()))))?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Removes a target and the pushes it still owed.
    pub fn delete_push_target(&self, id: PushTargetId) -> Result<()> {
        self.conn().execute("DELETE FROM push_targets WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Records a push the server accepted (or the error of one it did not).
    pub fn push_target_result(&self, id: PushTargetId, at: DateTime<Utc>, error: Option<&Phrase>) -> Result<()> {
        let error = error.map(phrase_json).transpose()?;
        match error {
            None => {
                self.conn().prepare_cached("UPDATE push_targets SET last_success_at = ?2 WHERE id = ?1")?.execute(params![id, to_ms(at)])?
            }
            Some(e) => self
                .conn()
                .prepare_cached("UPDATE push_targets SET last_error = ?2, last_error_at = ?3 WHERE id = ?1")?
                .execute(params![id, e, to_ms(at)])?,
        };
        Ok(())
    }

    /// Queues the rings a decision owes, in the decision's transaction: one on this desktop
    /// (unless its source already showed it) and one per push target (digests only to targets
    /// that want them). `notification_id` is the interruption the desktop ring is counted as.
    pub fn enqueue_rings(
        &self,
        kind: InterruptionKind,
        subject: Subject,
        notification_id: Option<i64>,
        desktop: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (message_id, digest_id) = match subject {
            Subject::Message(id) => (Some(id), None),
            Subject::Digest(id) => (None, Some(id)),
        };
        let expires = expiry(kind, now).map(to_ms);
        let mut insert = self.conn().prepare_cached(
            "INSERT INTO outbox (created_at, target_id, kind, message_id, digest_id, notification_id, expires_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?1)",
        )?;
        if desktop {
            insert.execute(params![to_ms(now), None::<i64>, kind_text(kind), message_id, digest_id, notification_id, expires])?;
        }
        let digest = kind == InterruptionKind::Digest;
        let mut targets = self.conn().prepare_cached("SELECT id FROM push_targets WHERE digests = 1 OR NOT ?1 ORDER BY id")?;
        let ids = targets.query_map([digest], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        for target in ids {
            insert.execute(params![to_ms(now), target, kind_text(kind), message_id, digest_id, None::<i64>, expires])?;
        }
        Ok(())
    }

    /// Marks a ring done. A desktop ring also records on its interruption whether it was shown.
    pub fn outbox_done(&self, item: &OutboxItem, at: DateTime<Utc>, outcome: Outcome, error: Option<&Phrase>) -> Result<()> {
        let error = error.map(phrase_json).transpose()?;
        let error = error.as_deref();
        self.conn()
            .prepare_cached("UPDATE outbox SET done_at = ?2, outcome = ?3, last_error = ?4, attempts = attempts + ?5 WHERE id = ?1")?
            .execute(params![item.id, to_ms(at), outcome.text(), error, i64::from(outcome != Outcome::Dropped)])?;
        if let Some(n) = item.notification_id {
            self.conn().prepare_cached("UPDATE notifications SET delivered = ?2, error = ?3 WHERE id = ?1")?.execute(params![
                n,
                outcome == Outcome::Sent,
                error
            ])?;
        }
        if item.target.is_none()
            && let Subject::Digest(d) = item.subject
        {
            self.digest_notified(d, at, error)?;
        }
        Ok(())
    }

    /// Moves rings not tried yet to `at` (their target just failed another one).
    pub fn outbox_postpone(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        let mut stmt = self.conn().prepare_cached("UPDATE outbox SET next_attempt_at = max(next_attempt_at, ?2) WHERE id = ?1")?;
        for id in ids {
            stmt.execute(params![id, to_ms(at)])?;
        }
        Ok(())
    }

    /// A failed attempt to be tried again at `next`.
    pub fn outbox_retry(&self, id: i64, next: DateTime<Utc>, error: &Phrase) -> Result<()> {
        let error = phrase_json(error)?;
        self.conn()
            .prepare_cached("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1")?
            .execute(params![id, to_ms(next), error])?;
        Ok(())
    }
}

/// A phrase as stored: its JSON, worded when shown.
fn phrase_json(p: &Phrase) -> Result<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Decode(e.to_string()))
}
