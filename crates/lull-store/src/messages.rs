//! Messages, their decisions and the decision log, full-text search, and the rows the scheduler
//! and the statistics read.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use lull_core::autoreply::MailFacts;
use lull_core::model::{Category, ChannelId, ClientId, DecisionKind, DigestId, MessageId};
use lull_core::phrase::Phrase;
use lull_core::policy::{Decision, Rule};
use lull_core::response::ResponseClock;
use lull_core::stats::StatsMessage;
use rusqlite::{OptionalExtension, Row, params};

use crate::replies::{ReplyRow, reply_row_at};
use crate::{Db, Result, StoreError, Tx, from_ms, to_ms};

/// A message to store with the decision taken for it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub channel_id: ChannelId,
    pub source_key: String,
    pub client_id: Option<ClientId>,
    pub sender: String,
    /// Who "the same sender" is for retry detection (see `Sender::key`).
    pub sender_key: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub category: Category,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub decision: Decision,
    /// The app that posted it (desktop and phone notifications).
    pub app: Option<String>,
    /// How to answer it from Lull, opaque to all but its channel kind (a phone's quick reply).
    pub reply: Option<String>,
    /// It never rings (a silent phone notification).
    pub silent: bool,
    /// For email: what its headers say about answering it.
    pub mail: Option<MailFacts>,
    /// A platform's response clock, and when a held message breaks through for it.
    pub clock: Option<ResponseClock>,
    pub clock_ring_at: Option<DateTime<Utc>>,
}

/// The stored form of a decision; the same as the policy's.
pub type StoredDecision = Decision;

/// A stored message with its channel and client names.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: MessageId,
    pub channel_id: ChannelId,
    pub channel: String,
    pub client_id: Option<ClientId>,
    /// `None` for Unknown.
    pub client: Option<String>,
    pub sender: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub category: Category,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub decision: Decision,
    pub digest_id: Option<DigestId>,
    pub read_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub app: Option<String>,
    pub reply: Option<String>,
    pub silent: bool,
    /// When it was dismissed at its source (a held phone notification taken off the phone).
    pub dismissed_at: Option<DateTime<Utc>>,
    /// For email: what its headers say about answering it.
    pub mail: Option<MailFacts>,
    /// The availability reply that answers it, if one was owed.
    pub auto_reply: Option<ReplyRow>,
    /// A platform's response clock, for a message it relayed.
    pub clock: Option<ResponseClock>,
    /// When a held message breaks through for its clock, and when it did.
    pub clock_ring_at: Option<DateTime<Utc>>,
    pub clock_rung_at: Option<DateTime<Utc>>,
}

/// What "waiting" means, everywhere it is counted or listed (the inbox's Waiting view, the
/// sidebar, the top bar, the tray, `lull status`): held for a digest that has not come yet,
/// not archived, not snoozed at `?now`. Archived messages are never released in a digest.
const WAITING: &str = "m.decision = 'held' AND m.digest_id IS NULL AND m.archived_at IS NULL";

/// Which messages an inbox listing shows; newest first, paged by `before`. Archived messages
/// are left out unless asked for; the Waiting view leaves out snoozed ones, which have a view
/// of their own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InboxFilter {
    /// Only messages waiting for a digest (and not snoozed at `now`).
    pub held_only: bool,
    /// Only messages snoozed beyond `now`.
    pub snoozed_only: bool,
    /// Only the messages that interrupted: live and bypass.
    pub interruptions_only: bool,
    /// The archive instead of the inbox.
    pub archived: bool,
    /// The instant snoozes are judged at (the Waiting and Snoozed views).
    pub now: Option<DateTime<Utc>>,
    /// `Some(None)` selects Unknown.
    pub client: Option<Option<ClientId>>,
    /// Full-text search over sender, title and body; every word must match, the last as a
    /// prefix; accents and case are ignored. Covers the messages indexed so far (see
    /// [`Tx::index_pending`]).
    pub search: Option<String>,
    /// Continue after this `(received_at, id)` of the previous page.
    pub before: Option<(DateTime<Utc>, MessageId)>,
    pub limit: u32,
}

/// A held message as re-planning sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldMessage {
    pub id: MessageId,
    pub received_at: DateTime<Utc>,
    pub release_at: Option<DateTime<Utc>>,
    pub rule: Rule,
}

/// A held message the scheduler may release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueMessage {
    pub id: MessageId,
    pub client_id: Option<ClientId>,
    pub release_at: DateTime<Utc>,
}

const MESSAGE_COLUMNS: &str = "m.id, m.channel_id, ch.name, m.client_id, cl.name, m.sender, m.title, m.body, m.url, m.category,
     m.sent_at, m.received_at, m.decision, m.release_at, m.rule, m.digest_id, m.read_at, m.archived_at, m.snoozed_until,
     m.app, m.reply, m.silent, m.dismissed_at, m.mail,
     rp.id, rp.message_id, rp.channel_id, rp.client_id, rp.recipient, rp.plan, rp.created_at, rp.attempts, rp.next_attempt_at,
     rp.done_at, rp.outcome, rp.text, rp.last_error,
     m.clock, m.clock_ring_at, m.clock_rung_at";
const MESSAGE_FROM: &str = "messages m JOIN channels ch ON ch.id = m.channel_id LEFT JOIN clients cl ON cl.id = m.client_id
     LEFT JOIN replies rp ON rp.message_id = m.id";

fn category(s: &str) -> Result<Category> {
    Category::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| StoreError::Decode(format!("category {s:?}")))
}

fn decision_kind(s: &str) -> Result<DecisionKind> {
    DecisionKind::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| StoreError::Decode(format!("decision {s:?}")))
}

fn rule(json: &str) -> Result<Rule> {
    serde_json::from_str(json).map_err(|e| StoreError::Decode(format!("decision rule: {e}")))
}

fn message_row(r: &Row<'_>) -> rusqlite::Result<Result<MessageRow>> {
    let category_text: String = r.get(9)?;
    let decision_text: String = r.get(12)?;
    let rule_text: String = r.get(14)?;
    let partial = (
        r.get::<_, i64>(0)?,
        r.get::<_, i64>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, Option<i64>>(3)?,
        r.get::<_, Option<String>>(4)?,
        r.get::<_, String>(5)?,
        r.get::<_, String>(6)?,
        r.get::<_, String>(7)?,
        r.get::<_, Option<String>>(8)?,
    );
    let (sent_at, received_at, release_at): (Option<i64>, i64, Option<i64>) = (r.get(10)?, r.get(11)?, r.get(13)?);
    let (digest_id, read_at, archived_at): (Option<i64>, Option<i64>, Option<i64>) = (r.get(15)?, r.get(16)?, r.get(17)?);
    let snoozed_until: Option<i64> = r.get(18)?;
    let (app, reply, silent, dismissed_at): (Option<String>, Option<String>, bool, Option<i64>) =
        (r.get(19)?, r.get(20)?, r.get(21)?, r.get(22)?);
    let mail: Option<String> = r.get(23)?;
    let auto_reply = reply_row_at(r, 24)?;
    let (clock, clock_ring_at, clock_rung_at): (Option<String>, Option<i64>, Option<i64>) = (r.get(37)?, r.get(38)?, r.get(39)?);
    Ok((|| {
        let (id, channel_id, channel, client_id, client, sender, title, body, url) = partial;
        Ok(MessageRow {
            id,
            channel_id,
            channel,
            client_id,
            client,
            sender,
            title,
            body,
            url,
            category: category(&category_text)?,
            sent_at: sent_at.map(from_ms),
            received_at: from_ms(received_at),
            decision: Decision { kind: decision_kind(&decision_text)?, release_at: release_at.map(from_ms), rule: rule(&rule_text)? },
            digest_id,
            read_at: read_at.map(from_ms),
            archived_at: archived_at.map(from_ms),
            snoozed_until: snoozed_until.map(from_ms),
            app,
            reply,
            silent,
            dismissed_at: dismissed_at.map(from_ms),
            mail: mail.map(|m| serde_json::from_str(&m).map_err(|e| StoreError::Decode(format!("mail facts: {e}")))).transpose()?,
            auto_reply: auto_reply?,
            clock: clock.map(|c| serde_json::from_str(&c).map_err(|e| StoreError::Decode(format!("response clock: {e}")))).transpose()?,
            clock_ring_at: clock_ring_at.map(from_ms),
            clock_rung_at: clock_rung_at.map(from_ms),
        })
    })())
}

fn collect_rows(rows: impl Iterator<Item = rusqlite::Result<Result<MessageRow>>>) -> Result<Vec<MessageRow>> {
    rows.map(|r| r?).collect()
}

/// The words of a search as typed, without quotes, leaving out those with nothing to search.
fn search_words(input: &str) -> Vec<String> {
    input
        .split_whitespace()
        .map(|w| w.chars().filter(|c| *c != '"').collect::<String>())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

/// Turns what a person types into an FTS5 query that cannot be a syntax error: each word is
/// quoted, the last one matches as a prefix. `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words = search_words(input);
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == last { format!("\"{w}\"*") } else { format!("\"{w}\"") })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The inbox's row filters (everything but the search and the order) as SQL over `m`, with
/// positional `?` parameters in the order of the values returned.
fn inbox_where(filter: &InboxFilter) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = String::from(if filter.archived { "m.archived_at IS NOT NULL" } else { "m.archived_at IS NULL" });
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let now = filter.now.map_or(i64::MAX, to_ms);
    if filter.held_only {
        sql.push_str(" AND m.decision = 'held' AND m.digest_id IS NULL AND (m.snoozed_until IS NULL OR m.snoozed_until <= ?)");
        args.push(now.into());
    }
    if filter.snoozed_only {
        sql.push_str(" AND m.snoozed_until > ?");
        args.push(now.into());
    }
    if filter.interruptions_only {
        sql.push_str(" AND m.decision IN ('live', 'bypass')");
    }
    match filter.client {
        Some(Some(id)) => {
            sql.push_str(" AND m.client_id = ?");
            args.push(id.into());
        }
        Some(None) => sql.push_str(" AND m.client_id IS NULL"),
        None => {}
    }
    if let Some((at, id)) = filter.before {
        sql.push_str(" AND (m.received_at, m.id) < (?, ?)");
        args.push(to_ms(at).into());
        args.push(id.into());
    }
    (sql, args)
}

impl Db<'_> {
    pub fn message(&self, id: MessageId) -> Result<Option<MessageRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id = ?1"))?;
        stmt.query_row([id], message_row).optional()?.transpose()
    }

    /// The id of the message a channel already delivered under `source_key`, if any.
    pub fn message_id_by_source(&self, channel_id: ChannelId, source_key: &str) -> Result<Option<MessageId>> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM messages WHERE channel_id = ?1 AND source_key = ?2")?;
        Ok(stmt.query_row(params![channel_id, source_key], |r| r.get(0)).optional()?)
    }

    /// The message a channel already delivered under `source_key`: ingest is idempotent.
    pub fn message_by_source(&self, channel_id: ChannelId, source_key: &str) -> Result<Option<MessageRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.channel_id = ?1 AND m.source_key = ?2"))?;
        stmt.query_row(params![channel_id, source_key], message_row).optional()?.transpose()
    }

    /// When the last message from `sender_key` before `before` arrived (one index probe).
    pub fn sender_last(&self, sender_key: &str, before: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT received_at FROM messages WHERE sender_key = ?1 AND received_at < ?2 ORDER BY received_at DESC LIMIT 1",
        )?;
        Ok(stmt.query_row(params![sender_key, to_ms(before)], |r| r.get::<_, i64>(0)).optional()?.map(from_ms))
    }

    /// When messages from `sender_key` arrived in `[since, before)`.
    pub fn sender_history(&self, sender_key: &str, since: DateTime<Utc>, before: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT received_at FROM messages WHERE sender_key = ?1 AND received_at >= ?2 AND received_at < ?3")?;
        let rows = stmt.query_map(params![sender_key, to_ms(since), to_ms(before)], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(from_ms)).collect::<rusqlite::Result<_>>()?)
    }

    /// Bypasses granted to a client (`None`: Unknown) for messages received in `[since, before)`.
    pub fn bypasses_between(&self, client_id: Option<ClientId>, since: DateTime<Utc>, before: DateTime<Utc>) -> Result<u32> {
        let sql = match client_id {
            Some(_) => {
                "SELECT count(*) FROM messages WHERE decision = 'bypass' AND client_id = ?1 AND received_at >= ?2 AND received_at < ?3"
            }
            None => {
                "SELECT count(*) FROM messages WHERE decision = 'bypass' AND client_id IS NULL AND ?1 IS NULL AND received_at >= ?2 AND received_at < ?3"
            }
        };
        Ok(self.conn.prepare_cached(sql)?.query_row(params![client_id, to_ms(since), to_ms(before)], |r| r.get(0))?)
    }

    /// Bypasses granted to all clients for messages received in `[since, before)`.
    pub fn bypass_total(&self, since: DateTime<Utc>, before: DateTime<Utc>) -> Result<u32> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM messages WHERE decision = 'bypass' AND received_at >= ?1 AND received_at < ?2")?
            .query_row(params![to_ms(since), to_ms(before)], |r| r.get(0))?)
    }

    /// How many messages a client has, all time.
    pub fn client_message_count(&self, client_id: ClientId) -> Result<u64> {
        Ok(self.conn.prepare_cached("SELECT count(*) FROM messages WHERE client_id = ?1")?.query_row([client_id], |r| r.get::<_, i64>(0))?
            as u64)
    }

    pub fn inbox(&self, filter: &InboxFilter) -> Result<Vec<MessageRow>> {
        // A page is chosen from `messages` alone, then its rows are read with their joins: with
        // the joins in the same query SQLite drove it from the channels and sorted every message
        // (450 ms for the first page of 100,000; 0.3 ms this way).
        let (rows_where, args) = inbox_where(filter);
        let limit = i64::from(filter.limit.clamp(1, 1000));
        let page = match &filter.search {
            Some(search) => {
                let Some(q) = self.search_expression(search)? else { return Ok(Vec::new()) };
                self.search_page(&q, &rows_where, &args, filter.before.map(|(at, id)| (to_ms(at), id)), limit)?
            }
            None => self.times_and_ids(
                &format!("SELECT m.received_at, m.id FROM messages m WHERE {rows_where} ORDER BY m.received_at DESC, m.id DESC LIMIT ?"),
                args.into_iter().chain([limit.into()]),
            )?,
        };
        if page.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM json_each(?1) AS page CROSS JOIN {MESSAGE_FROM} WHERE m.id = page.value
             ORDER BY m.received_at DESC, m.id DESC"
        ))?;
        let ids = format!("[{}]", page.iter().map(|(_, id)| id.to_string()).collect::<Vec<_>>().join(","));
        collect_rows(rows.query_map([ids], message_row)?)
    }

    /// The `(received_at, id)` pairs a query over `m` selects, in its order.
    fn times_and_ids(&self, sql: &str, params: impl Iterator<Item = rusqlite::types::Value>) -> Result<Vec<(i64, MessageId)>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.query_map(rusqlite::params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?)
    }

    /// The FTS5 query for what a person typed: [`fts_query`]'s meaning, with the last word's
    /// prefix spelled out as the word itself or the few longer words in the index that begin
    /// with it. FTS5 gathers a prefix's every match into one list before it can hand out the
    /// newest (6 ms for a word in 90,000 of 100,000 messages); a word, or a handful of words
    /// joined by OR, it reads newest first and stops. The index's words are lowercase and
    /// unaccented, so only a last word in ASCII letters and digits is spelled out, where that
    /// folding is plain lowercasing; shorter than three letters, or with more than 16 longer
    /// words, it stays a prefix.
    fn search_expression(&self, input: &str) -> Result<Option<String>> {
        let words = search_words(input);
        let Some((last, rest)) = words.split_last() else { return Ok(None) };
        if last.len() >= 3 && last.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let word = last.to_ascii_lowercase();
            // The first string after every word that begins with `word`: its last character plus
            // one (an ASCII letter or digit, plus one, is still ASCII).
            let (stem, end) = word.split_at(word.len() - 1);
            let after = format!("{stem}{}", char::from(end.as_bytes()[0] + 1));
            let mut longer = self.conn.prepare_cached("SELECT term FROM temp.messages_fts_terms WHERE term > ?1 AND term < ?2 LIMIT 17")?;
            let longer = longer.query_map(params![word, after], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            if longer.len() <= 16 {
                let quote = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
                let either =
                    std::iter::once(word.as_str()).chain(longer.iter().map(String::as_str)).map(quote).collect::<Vec<_>>().join(" OR ");
                let all = rest.iter().map(|w| quote(w)).chain([format!("({either})")]).collect::<Vec<_>>().join(" AND ");
                return Ok(Some(all));
            }
        }
        Ok(fts_query(input))
    }

    /// A page of search results, `(received_at, id)` newest first, without sorting every match.
    ///
    /// FTS5 hands out matches in id order, and ids follow arrival almost exactly (the engine
    /// stamps `received_at` as a message comes in; concurrent senders and a clock set back are
    /// the exceptions). So the matches are read by id, newest first, from below the cursor's id,
    /// `limit` of them; then the few messages outside the ids read that could still belong on
    /// the page are looked up by time: those that arrived no earlier than the page's last and
    /// before the cursor. Sorting every match instead took 75 ms for a word found in 90,000 of
    /// 100,000 messages (README, Benchmarks).
    fn search_page(
        &self,
        q: &str,
        rows_where: &str,
        args: &[rusqlite::types::Value],
        cursor: Option<(i64, MessageId)>,
        limit: i64,
    ) -> Result<Vec<(i64, MessageId)>> {
        // CROSS JOIN keeps the index outermost, read in its own (id) order; the row filters are
        // checked on each match as it comes. The walk stays open to be taken further down.
        let mut newest = self.conn.prepare_cached(&format!(
            "SELECT m.received_at, m.id FROM messages_fts f CROSS JOIN messages m ON m.id = f.rowid
             WHERE messages_fts MATCH ? AND f.rowid < ? AND {rows_where} ORDER BY f.rowid DESC"
        ))?;
        let below = cursor.map_or(i64::MAX, |(_, id)| id);
        let params = [q.to_owned().into(), below.into()].into_iter().chain(args.iter().cloned());
        let mut walk = newest.query(rusqlite::params_from_iter(params))?;
        let mut page: Vec<(i64, MessageId)> = Vec::new();
        while page.len() < limit as usize {
            let Some(r) = walk.next()? else { break };
            page.push((r.get(0)?, r.get(1)?));
        }
        if page.len() < limit as usize {
            // Every match below the cursor's id has been read. Above it, on a last page, are
            // only those that arrived out of order; they are read from the index directly.
            drop(walk);
            if cursor.is_some() {
                page.extend(self.times_and_ids(
                    &format!(
                        "SELECT m.received_at, m.id FROM messages_fts f CROSS JOIN messages m ON m.id = f.rowid
                         WHERE messages_fts MATCH ? AND f.rowid >= ? AND {rows_where}"
                    ),
                    [q.to_owned().into(), below.into()].into_iter().chain(args.iter().cloned()),
                )?);
                page.sort_unstable_by(|a, b| b.cmp(a));
                page.truncate(limit as usize);
            }
            return Ok(page);
        }
        // Every match with an id in [lowest, below) has been read. Outside it, only a message
        // that arrived no earlier than the page's last can belong on the page: found by time (an
        // index range that holds about a page), then checked against the search. `+m.id` keeps
        // SQLite from walking the ids instead; INDEXED BY keeps the time index when a row filter
        // has an index of its own (the pending one, say).
        let lowest = page.last().map_or(0, |&(_, id)| id);
        page.sort_unstable_by(|a, b| b.cmp(a));
        let since = page.last().map_or(i64::MIN, |&(at, _)| at);
        let until = cursor.map_or(i64::MAX, |(at, _)| at);
        let (lower, higher): (Vec<_>, Vec<_>) = self
            .times_and_ids(
                &format!(
                    "SELECT m.received_at, m.id FROM messages m INDEXED BY messages_week
                     WHERE m.received_at >= ? AND m.received_at <= ? AND (+m.id < ? OR +m.id >= ?) AND {rows_where}"
                ),
                [since.into(), until.into(), lowest.into(), below.into()].into_iter().chain(args.iter().cloned()),
            )?
            .into_iter()
            .partition(|&(_, id)| id < lowest);
        // Those below: the walk goes on down to them.
        let lower: HashSet<(i64, MessageId)> = lower.into_iter().collect();
        if let Some(down_to) = lower.iter().map(|&(_, id)| id).min() {
            while let Some(r) = walk.next()? {
                let row: (i64, MessageId) = (r.get(0)?, r.get(1)?);
                if row.1 < down_to {
                    break;
                }
                if lower.contains(&row) {
                    page.push(row);
                }
            }
        }
        drop(walk);
        // Those above the cursor's id: one more read of the index over their ids.
        if let (Some(low), Some(high)) = (higher.iter().map(|c| c.1).min(), higher.iter().map(|c| c.1).max()) {
            let mut matching =
                self.conn.prepare_cached("SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3")?;
            let matching =
                matching.query_map(params![q, low, high], |r| r.get::<_, i64>(0))?.collect::<rusqlite::Result<HashSet<i64>>>()?;
            page.extend(higher.into_iter().filter(|c| matching.contains(&c.1)));
        }
        page.sort_unstable_by(|a, b| b.cmp(a));
        page.truncate(limit as usize);
        Ok(page)
    }

    /// How many messages wait at `now` (see [`WAITING`]), and the earliest release among
    /// everything a digest will take (snoozed messages included: a snooze moves their release).
    pub fn pending(&self, now: DateTime<Utc>) -> Result<(u32, Option<DateTime<Utc>>)> {
        let n: u32 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FILTER (WHERE m.snoozed_until IS NULL OR m.snoozed_until <= ?1) FROM messages m WHERE {WAITING}"
            ))?
            .query_row([to_ms(now)], |r| r.get(0))?;
        Ok((n, self.next_release()?))
    }

    /// The earliest release among everything a digest will take (snoozed messages included: a
    /// snooze moves their release), read from the pending index in order: the scheduler asks
    /// after each held message, and it must not cost what counting every waiting one does.
    pub fn next_release(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = self
            .conn
            .prepare_cached(&format!(
                "SELECT m.release_at FROM messages m WHERE {WAITING} AND m.release_at IS NOT NULL ORDER BY m.release_at LIMIT 1"
            ))?
            .query_row([], |r| r.get(0))
            .optional()?;
        Ok(at.map(from_ms))
    }

    /// Held messages not yet released whose release time is at or before `cutoff` (all of them
    /// for `None`), in release order.
    pub fn due_messages(&self, cutoff: Option<DateTime<Utc>>) -> Result<Vec<DueMessage>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT m.id, m.client_id, m.release_at FROM messages m
             WHERE m.decision = 'held' AND m.digest_id IS NULL AND m.archived_at IS NULL AND (?1 IS NULL OR m.release_at <= ?1)
             ORDER BY m.release_at, m.id",
        )?;
        let rows = stmt
            .query_map([cutoff.map(to_ms)], |r| Ok(DueMessage { id: r.get(0)?, client_id: r.get(1)?, release_at: from_ms(r.get(2)?) }))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Held, unreleased messages with what re-planning needs: arrival and rule.
    pub fn held_for_replan(&self) -> Result<Vec<HeldMessage>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, received_at, release_at, rule FROM messages WHERE decision = 'held' AND digest_id IS NULL")?;
        let rows =
            stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?, r.get::<_, String>(3)?)))?;
        rows.map(|row| {
            let (id, received, release, rule_text) = row?;
            Ok(HeldMessage { id, received_at: from_ms(received), release_at: release.map(from_ms), rule: rule(&rule_text)? })
        })
        .collect()
    }

    pub fn digest_messages(&self, digest_id: DigestId) -> Result<Vec<MessageRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.digest_id = ?1 ORDER BY cl.name IS NULL, cl.name, m.received_at"
        ))?;
        collect_rows(stmt.query_map([digest_id], message_row)?)
    }

    /// The statistics' view of the messages received in `[from, to)`; read from the covering
    /// index alone.
    /// Also returns the apps the messages name, which [`StatsMessage::app`] indexes.
    pub fn stats_messages(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(Vec<StatsMessage>, Vec<String>)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT received_at, client_id, channel_id, category, decision, app, silent, dismissed_at IS NOT NULL FROM messages
             WHERE received_at >= ?1 AND received_at < ?2",
        )?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        let mut out = Vec::new();
        let mut apps: Vec<String> = Vec::new();
        let mut app_ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        while let Some(r) = rows.next()? {
            let app = r.get_ref(5)?.as_str_or_null().map_err(rusqlite::Error::from)?.map(|name| match app_ids.get(name) {
                Some(id) => *id,
                None => {
                    let id = apps.len() as u32;
                    apps.push(name.to_owned());
                    app_ids.insert(name.to_owned(), id);
                    id
                }
            });
            out.push(StatsMessage {
                received_at: from_ms(r.get(0)?),
                client: r.get(1)?,
                channel: r.get(2)?,
                category: category(r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?)?,
                decision: decision_kind(r.get_ref(4)?.as_str().map_err(rusqlite::Error::from)?)?,
                app,
                silent: r.get(6)?,
                dismissed: r.get(7)?,
            });
        }
        Ok((out, apps))
    }

    pub fn message_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM messages", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

impl Tx<'_> {
    /// Stores a message with its decision. The caller checked `message_id_by_source` first, in
    /// the same transaction. The message becomes searchable at the next [`Tx::index_pending`].
    pub fn insert_message(&self, m: &NewMessage) -> Result<MessageId> {
        let rule_json = serde_json::to_string(&m.decision.rule).map_err(|e| StoreError::Decode(e.to_string()))?;
        self.conn()
            .prepare_cached(
                "INSERT INTO messages (channel_id, source_key, client_id, sender, sender_key, title, body, url, category,
                                       sent_at, received_at, decision, release_at, rule, app, reply, silent, mail, clock, clock_ring_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?
            .execute(params![
                m.channel_id,
                m.source_key,
                m.client_id,
                m.sender,
                m.sender_key,
                m.title,
                m.body,
                m.url,
                m.category.as_str(),
                m.sent_at.map(to_ms),
                to_ms(m.received_at),
                m.decision.kind.as_str(),
                m.decision.release_at.map(to_ms),
                rule_json,
                m.app,
                m.reply,
                m.silent,
                m.mail.as_ref().map(serde_json::to_string).transpose().map_err(|e| StoreError::Decode(e.to_string()))?,
                m.clock.as_ref().map(serde_json::to_string).transpose().map_err(|e| StoreError::Decode(e.to_string()))?,
                m.clock_ring_at.map(to_ms),
            ])
            .map_err(|e| crate::conflict(e, || Phrase::new("conflict.message_stored").with("key", format!("{:?}", m.source_key))))?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Replaces the text of a message a channel updated in place (a phone notification whose
    /// chat grew); its decision stays. Returns the message, or `None` if there is none under
    /// that key. The search index follows (a trigger).
    pub fn revise_message(
        &self,
        channel_id: ChannelId,
        source_key: &str,
        title: &str,
        body: &str,
        reply: Option<&str>,
    ) -> Result<Option<MessageId>> {
        let id = self.message_id_by_source(channel_id, source_key)?;
        if let Some(id) = id {
            self.conn()
                .prepare_cached(
                    "UPDATE messages SET title = ?2, body = ?3, reply = coalesce(?4, reply) WHERE id = ?1 AND (title <> ?2 OR body <> ?3 OR reply IS NOT ?4)",
                )?
                .execute(params![id, title, body, reply])?;
        }
        Ok(id)
    }

    /// Records that a message was dismissed at its source (taken off the phone while held).
    pub fn message_dismissed(&self, id: MessageId, at: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE messages SET dismissed_at = ?2 WHERE id = ?1 AND dismissed_at IS NULL")?
            .execute(params![id, to_ms(at)])?;
        Ok(())
    }

    /// Adds the messages stored since the last call to the full-text index, in one go; returns
    /// how many. Indexing in batches keeps each acknowledged ingest commit small.
    pub fn index_pending(&self) -> Result<usize> {
        let n = self
            .conn()
            .prepare_cached(
                "INSERT INTO messages_fts (rowid, sender, title, body)
             SELECT id, sender, title, body FROM messages WHERE id > (SELECT value FROM meta WHERE key = 'fts_indexed') ORDER BY id",
            )?
            .execute([])?;
        if n > 0 {
            self.conn().prepare_cached("UPDATE meta SET value = (SELECT max(id) FROM messages) WHERE key = 'fts_indexed'")?.execute([])?;
        }
        Ok(n)
    }

    fn log_decision(
        &self,
        message_id: MessageId,
        at: DateTime<Utc>,
        cause: &str,
        kind: &DecisionKind,
        release_at: Option<DateTime<Utc>>,
        rule_json: &str,
    ) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO decisions (message_id, decided_at, cause, decision, release_at, rule)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![message_id, to_ms(at), cause, kind.as_str(), release_at.map(to_ms), rule_json])?;
        Ok(())
    }

    /// Moves a held message's release after a schedule change, and logs it.
    pub fn replan_message(&self, id: MessageId, rule: &Rule, release_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE messages SET release_at = ?2 WHERE id = ?1 AND decision = 'held' AND digest_id IS NULL")?
            .execute(params![id, to_ms(release_at)])?;
        let rule_json = serde_json::to_string(rule).map_err(|e| StoreError::Decode(e.to_string()))?;
        self.log_decision(id, now, "replan", &DecisionKind::Held, Some(release_at), &rule_json)
    }

    /// Puts messages into a digest. Only messages still pending are taken, so a message is
    /// released exactly once; returns how many were taken.
    pub fn assign_digest(&self, digest_id: DigestId, ids: &[MessageId], now: DateTime<Utc>) -> Result<usize> {
        let mut update =
            self.conn().prepare_cached("UPDATE messages SET digest_id = ?1 WHERE id = ?2 AND decision = 'held' AND digest_id IS NULL")?;
        let mut log = self.conn().prepare_cached(
            "INSERT INTO decisions (message_id, decided_at, cause, decision, release_at, rule)
             SELECT id, ?2, 'release', decision, release_at, rule FROM messages WHERE id = ?1",
        )?;
        let mut taken = 0;
        for id in ids {
            if update.execute(params![digest_id, id])? == 1 {
                log.execute(params![id, to_ms(now)])?;
                taken += 1;
            }
        }
        Ok(taken)
    }

    /// Marks messages read (`Some(at)`) or unread (`None`); returns how many changed.
    pub fn set_read(&self, ids: &[MessageId], at: Option<DateTime<Utc>>) -> Result<usize> {
        self.set_marker(ids, "UPDATE messages SET read_at = ?2 WHERE id = ?1 AND read_at IS NOT ?2", at)
    }

    /// Archives messages (`Some(at)`) or brings them back (`None`).
    pub fn set_archived(&self, ids: &[MessageId], at: Option<DateTime<Utc>>) -> Result<usize> {
        self.set_marker(ids, "UPDATE messages SET archived_at = ?2 WHERE id = ?1 AND archived_at IS NOT ?2", at)
    }

    /// Hides messages until `until` (`None` wakes them now); they come back unread.
    pub fn set_snoozed(&self, ids: &[MessageId], until: Option<DateTime<Utc>>) -> Result<usize> {
        self.set_marker(ids, "UPDATE messages SET snoozed_until = ?2, read_at = NULL WHERE id = ?1 AND snoozed_until IS NOT ?2", until)
    }

    /// Moves the release of held, unreleased messages to `release_at` (a snoozed message goes
    /// in the first digest after its snooze, not the one it was due in).
    pub fn set_release(&self, ids: &[MessageId], release_at: DateTime<Utc>) -> Result<usize> {
        self.set_marker(
            ids,
            "UPDATE messages SET release_at = max(coalesce(release_at, ?2), ?2) WHERE id = ?1 AND decision = 'held' AND digest_id IS NULL",
            Some(release_at),
        )
    }

    fn set_marker(&self, ids: &[MessageId], sql: &str, at: Option<DateTime<Utc>>) -> Result<usize> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let mut n = 0;
        for id in ids {
            n += stmt.execute(params![id, at.map(to_ms)])?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;
    use crate::Store;

    /// The hot queries use their indexes: no full scan of `messages`, no temporary sort.
    #[test]
    fn hot_queries_use_their_indexes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("lull.db")).expect("open");
        let plans = store
            .read_blocking(|db| {
                let plan = |sql: &str| -> crate::Result<String> {
                    let mut stmt = db.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt.query_map([], |r| r.get::<_, String>(3))?;
                    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join("; "))
                };
                Ok(vec![
                    plan("SELECT received_at, client_id, channel_id, category, decision FROM messages WHERE received_at >= 1 AND received_at < 2")?,
                    plan("SELECT received_at FROM messages WHERE sender_key = 'a' AND received_at >= 1 AND received_at < 2")?,
                    plan("SELECT count(*), min(release_at) FROM messages WHERE decision = 'held' AND digest_id IS NULL")?,
                    plan("SELECT count(*) FROM messages WHERE decision = 'bypass' AND client_id = 1 AND received_at >= 1 AND received_at < 2")?,
                ])
            })
            .expect("plans");
        assert!(plans[0].contains("COVERING INDEX messages_week"), "{}", plans[0]);
        assert!(plans[1].contains("INDEX messages_sender"), "{}", plans[1]);
        assert!(plans[2].contains("messages_pending"), "{}", plans[2]);
        assert!(plans[3].contains("messages_bypass"), "{}", plans[3]);
        for p in &plans {
            // Scanning a (partial) index is fine; scanning the table is not.
            assert!(p.split("; ").all(|step| step != "SCAN messages") && !p.contains("TEMP B-TREE"), "{p}");
        }
    }

    #[test]
    fn search_input_never_breaks_fts_syntax() {
        assert_eq!(fts_query("invoice march").as_deref(), Some("\"invoice\" \"march\"*"));
        assert_eq!(fts_query("\"AND OR( *").as_deref(), Some("\"AND\" \"OR(\"*"));
        assert_eq!(fts_query("  -- ** "), None);
    }
}
