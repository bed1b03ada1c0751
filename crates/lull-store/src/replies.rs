//! Availability replies: each one owed is a row written in the transaction that held the
//! message it answers, sent by the engine's replier after the commit and marked once the mail
//! server took it, or given up after failing. The user's reply settings (templates, how often)
//! are one JSON document.
//!
//! "Once per sender" counts replies sent and still owed, not ones given up: a sender whose
//! reply never left is not treated as told.

use chrono::{DateTime, Utc};
use lull_core::autoreply::{ReplyPlan, ReplySettings};
use lull_core::model::{ChannelId, ClientId, MessageId};
use lull_core::phrase::Phrase;
use rusqlite::{OptionalExtension, Row, params};

use crate::channels::stored_phrase;
use crate::{Db, Result, StoreError, Tx, from_ms, to_ms};

/// A reply as stored, for the inbox and the replier.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyRow {
    pub id: i64,
    pub message_id: MessageId,
    pub channel_id: ChannelId,
    pub client_id: Option<ClientId>,
    pub recipient: String,
    pub plan: ReplyPlan,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    /// `Some(true)` sent, `Some(false)` given up, `None` still owed.
    pub sent: Option<bool>,
    /// The text that was sent.
    pub text: Option<String>,
    pub last_error: Option<Phrase>,
}

/// How one channel's replies fare, for its health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplyCounts {
    pub sent: u64,
    pub queued: u64,
    pub failed: u64,
    pub last_error: Option<Phrase>,
    pub last_error_at: Option<DateTime<Utc>>,
}

pub(crate) const REPLY_COLUMNS: &str =
    "rp.id, rp.message_id, rp.channel_id, rp.client_id, rp.recipient, rp.plan, rp.created_at, rp.attempts, rp.next_attempt_at,
     rp.done_at, rp.outcome, rp.text, rp.last_error";

/// Reads a reply from [`REPLY_COLUMNS`] starting at column `at`; `None` when the row has none
/// (a LEFT JOIN that found nothing).
pub(crate) fn reply_row_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<Option<ReplyRow>>> {
    let Some(id) = r.get::<_, Option<i64>>(at)? else { return Ok(Ok(None)) };
    let plan: String = r.get(at + 5)?;
    let outcome: Option<String> = r.get(at + 10)?;
    let plan = match serde_json::from_str(&plan) {
        Ok(p) => p,
        Err(e) => return Ok(Err(StoreError::Decode(format!("reply plan: {e}")))),
    };
    Ok(Ok(Some(ReplyRow {
        id,
        message_id: r.get(at + 1)?,
        channel_id: r.get(at + 2)?,
        client_id: r.get(at + 3)?,
        recipient: r.get(at + 4)?,
        plan,
        created_at: from_ms(r.get(at + 6)?),
        attempts: r.get(at + 7)?,
        next_attempt_at: from_ms(r.get(at + 8)?),
        done_at: r.get::<_, Option<i64>>(at + 9)?.map(from_ms),
        sent: outcome.map(|o| o == "sent"),
        text: r.get(at + 11)?,
        last_error: r.get::<_, Option<String>>(at + 12)?.map(|e| stored_phrase(&e)),
    })))
}

fn rows(stmt: &mut rusqlite::CachedStatement<'_>, args: impl rusqlite::Params) -> Result<Vec<ReplyRow>> {
    let found = stmt.query_map(args, |r| reply_row_at(r, 0))?;
    let mut out = Vec::new();
    for row in found {
        if let Some(reply) = row?? {
            out.push(reply);
        }
    }
    Ok(out)
}

const SETTINGS_KEY: &str = "replies";

impl Db<'_> {
    /// The user's reply settings (the defaults until changed).
    pub fn reply_settings(&self) -> Result<ReplySettings> {
        Ok(self.setting(SETTINGS_KEY)?.unwrap_or_default())
    }

    /// When `recipient` was last told (a reply sent or still owed). A reply owed a moment ago,
    /// in the same batch, counts: its time may be after the message's arrival.
    pub fn last_reply_to(&self, recipient: &str) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(created_at) FROM replies WHERE recipient = ?1 AND (outcome IS NULL OR outcome = 'sent')")?
            .query_row([recipient], |r| r.get(0))?;
        Ok(at.map(from_ms))
    }

    /// When the last digest before `at` was released: the start of the hold period `at` is in.
    pub fn last_release_before(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> = self
            .conn
            .prepare_cached("SELECT max(released_at) FROM digests WHERE released_at <= ?1")?
            .query_row([to_ms(at)], |r| r.get(0))?;
        Ok(ms.map(from_ms))
    }

    /// Replies owed whose next attempt has come, oldest first.
    pub fn due_replies(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<ReplyRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {REPLY_COLUMNS} FROM replies rp WHERE rp.done_at IS NULL AND rp.next_attempt_at <= ?1 ORDER BY rp.next_attempt_at, rp.id LIMIT ?2"
        ))?;
        rows(&mut stmt, params![to_ms(now), limit])
    }

    /// When the next owed reply is due, if any is owed.
    pub fn next_reply_due(&self) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> =
            self.conn.prepare_cached("SELECT min(next_attempt_at) FROM replies WHERE done_at IS NULL")?.query_row([], |r| r.get(0))?;
        Ok(ms.map(from_ms))
    }

    /// The reply that answers a message, if one was owed.
    pub fn reply_for(&self, message: MessageId) -> Result<Option<ReplyRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {REPLY_COLUMNS} FROM replies rp WHERE rp.message_id = ?1"))?;
        Ok(rows(&mut stmt, [message])?.into_iter().next())
    }

    /// How a channel's replies fare.
    pub fn reply_counts(&self, channel: ChannelId) -> Result<ReplyCounts> {
        let (sent, queued, failed): (i64, i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT count(*) FILTER (WHERE outcome = 'sent'), count(*) FILTER (WHERE done_at IS NULL),
                        count(*) FILTER (WHERE outcome = 'failed')
                 FROM replies WHERE channel_id = ?1",
            )?
            .query_row([channel], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let last: Option<(String, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT last_error, coalesce(done_at, next_attempt_at) FROM replies
                 WHERE channel_id = ?1 AND last_error IS NOT NULL AND (outcome IS NULL OR outcome = 'failed')
                   AND id > coalesce((SELECT max(id) FROM replies WHERE channel_id = ?1 AND outcome = 'sent'), 0)
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([channel], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(ReplyCounts {
            sent: sent as u64,
            queued: queued as u64,
            failed: failed as u64,
            last_error: last.as_ref().map(|(e, _)| stored_phrase(e)),
            last_error_at: last.and_then(|(_, at)| at.map(from_ms)),
        })
    }

    /// Replies sent in `[from, to)`, and to how many distinct clients.
    pub fn replies_sent_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(u32, u32)> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*), count(DISTINCT client_id) FROM replies WHERE outcome = 'sent' AND done_at >= ?1 AND done_at < ?2",
            )?
            .query_row(params![to_ms(from), to_ms(to)], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }
}

impl Tx<'_> {
    pub fn set_reply_settings(&self, settings: &ReplySettings) -> Result<()> {
        self.put_setting(SETTINGS_KEY, settings)
    }

    /// Owes a reply to a message (in the transaction that stores and holds it).
    pub fn enqueue_reply(
        &self,
        message: MessageId,
        channel: ChannelId,
        client: Option<ClientId>,
        plan: &ReplyPlan,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let text = serde_json::to_string(plan).map_err(|e| StoreError::Decode(format!("reply plan: {e}")))?;
        self.conn()
            .prepare_cached(
                "INSERT INTO replies (message_id, channel_id, client_id, recipient, plan, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            )?
            .execute(params![message, channel, client, plan.to, text, to_ms(now)])?;
        Ok(self.conn().last_insert_rowid())
    }

    /// The mail server took the reply; `text` is what was sent.
    pub fn reply_sent(&self, id: i64, text: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE replies SET done_at = ?2, outcome = 'sent', text = ?3, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            )?
            .execute(params![id, to_ms(now), text])?;
        Ok(())
    }

    /// An attempt failed: try again at `next`, or give up (`next` is `None`).
    pub fn reply_failed(&self, id: i64, error: &Phrase, next: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<()> {
        let error = serde_json::to_string(error).map_err(|e| StoreError::Decode(e.to_string()))?;
        match next {
            Some(next) => self
                .conn()
                .prepare_cached("UPDATE replies SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 WHERE id = ?1")?
                .execute(params![id, to_ms(next), error])?,
            None => self
                .conn()
                .prepare_cached(
                    "UPDATE replies SET attempts = attempts + 1, done_at = ?2, outcome = 'failed', last_error = ?3 WHERE id = ?1",
                )?
                .execute(params![id, to_ms(now), error])?,
        };
        Ok(())
    }
}
