//! The schedule document, digests, focus sessions, and the events the statistics need:
//! notifications issued and openings of Lull.

use chrono::{DateTime, Utc};
use lull_core::model::{ClientId, DigestId, MessageId};
use lull_core::policy::FocusSession;
use lull_core::schedule::Schedule;
use lull_core::stats::{Interruption, InterruptionKind};
use rusqlite::{OptionalExtension, Row, params};

use crate::{Db, Result, StoreError, Tx, from_ms, to_ms};

/// A digest to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRecord {
    pub slot_at: DateTime<Utc>,
    pub released_at: DateTime<Utc>,
    /// A digest the user asked for (`lull digest now`) rather than one from the schedule.
    pub manual: bool,
    pub merged_slots: u32,
    pub message_count: u32,
    pub client_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRow {
    pub id: DigestId,
    pub record: DigestRecord,
    pub notified_at: Option<DateTime<Utc>>,
    pub notify_error: Option<String>,
}

/// A notification Lull issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub shown_at: DateTime<Utc>,
    pub kind: InterruptionKind,
    pub message_id: Option<MessageId>,
    pub digest_id: Option<DigestId>,
    pub client_id: Option<ClientId>,
    /// Whether the desktop accepted it.
    pub delivered: bool,
    pub error: Option<String>,
}

pub(crate) fn kind_text(kind: InterruptionKind) -> &'static str {
    match kind {
        InterruptionKind::Live => "live",
        InterruptionKind::Bypass => "bypass",
        InterruptionKind::Digest => "digest",
    }
}

pub(crate) fn kind_from_text(text: &str) -> InterruptionKind {
    match text {
        "live" => InterruptionKind::Live,
        "bypass" => InterruptionKind::Bypass,
        _ => InterruptionKind::Digest,
    }
}

const DIGEST_COLUMNS: &str = "id, slot_at, released_at, kind, merged_slots, message_count, client_count, notified_at, notify_error";

fn digest_row(r: &Row<'_>) -> rusqlite::Result<DigestRow> {
    Ok(DigestRow {
        id: r.get(0)?,
        record: DigestRecord {
            slot_at: from_ms(r.get(1)?),
            released_at: from_ms(r.get(2)?),
            manual: r.get::<_, String>(3)? == "manual",
            merged_slots: r.get(4)?,
            message_count: r.get(5)?,
            client_count: r.get(6)?,
        },
        notified_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
        notify_error: r.get(8)?,
    })
}

impl Db<'_> {
    /// A number that changes whenever something decisions depend on changes (clients and their
    /// rules, channel names, the schedule, focus sessions): what caches of them compare.
    pub fn config_generation(&self) -> Result<u64> {
        let n: i64 = self.conn.prepare_cached("SELECT value FROM meta WHERE key = 'config_generation'")?.query_row([], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The stored schedule; `None` before the user (or the first start) set one.
    pub fn schedule(&self) -> Result<Option<Schedule>> {
        let spec: Option<String> =
            self.conn.prepare_cached("SELECT spec FROM schedule WHERE id = 1")?.query_row([], |r| r.get(0)).optional()?;
        spec.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Decode(format!("schedule: {e}")))).transpose()
    }

    /// The most recent digests first.
    pub fn digests(&self, limit: u32) -> Result<Vec<DigestRow>> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {DIGEST_COLUMNS} FROM digests ORDER BY released_at DESC, id DESC LIMIT ?1"))?;
        Ok(stmt.query_map([limit], digest_row)?.collect::<rusqlite::Result<_>>()?)
    }

    pub fn digest(&self, id: DigestId) -> Result<Option<DigestRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {DIGEST_COLUMNS} FROM digests WHERE id = ?1"))?;
        Ok(stmt.query_row([id], digest_row).optional()?)
    }

    /// Focus sessions overlapping `[from, to)`.
    pub fn focus_sessions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<FocusSession>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT started_at, ends_at FROM focus_sessions WHERE ends_at > ?1 AND started_at < ?2 ORDER BY started_at")?;
        let rows = stmt.query_map(params![to_ms(from), to_ms(to)], |r| {
            Ok(FocusSession { started_at: from_ms(r.get(0)?), ends_at: from_ms(r.get(1)?) })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The interruptions (notifications issued) in `[from, to)`.
    pub fn interruptions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Interruption>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT shown_at, client_id, kind FROM notifications WHERE shown_at >= ?1 AND shown_at < ?2 ORDER BY shown_at",
        )?;
        let rows = stmt.query_map(params![to_ms(from), to_ms(to)], |r| {
            let kind = kind_from_text(r.get_ref(2)?.as_str()?);
            Ok(Interruption { at: from_ms(r.get(0)?), client: r.get(1)?, kind })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the user opened Lull in `[from, to)`.
    pub fn checks(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let mut stmt = self.conn.prepare_cached("SELECT opened_at FROM ui_opens WHERE opened_at >= ?1 AND opened_at < ?2")?;
        let rows = stmt.query_map(params![to_ms(from), to_ms(to)], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(from_ms)).collect::<rusqlite::Result<_>>()?)
    }
}

impl Tx<'_> {
    pub fn put_schedule(&self, schedule: &Schedule, now: DateTime<Utc>) -> Result<()> {
        let spec = serde_json::to_string(schedule).map_err(|e| StoreError::Decode(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO schedule (id, spec, updated_at) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
            params![spec, to_ms(now)],
        )?;
        Ok(())
    }

    pub fn insert_digest(&self, d: &DigestRecord) -> Result<DigestId> {
        self.conn().execute(
            "INSERT INTO digests (slot_at, released_at, kind, merged_slots, message_count, client_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                to_ms(d.slot_at),
                to_ms(d.released_at),
                if d.manual { "manual" } else { "scheduled" },
                d.merged_slots,
                d.message_count,
                d.client_count
            ],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Records the outcome of a digest's notification; it is then never notified again.
    pub fn digest_notified(&self, id: DigestId, at: DateTime<Utc>, error: Option<&str>) -> Result<()> {
        self.conn().execute("UPDATE digests SET notified_at = ?2, notify_error = ?3 WHERE id = ?1", params![id, to_ms(at), error])?;
        Ok(())
    }

    /// Records an interruption; returns its id.
    pub fn insert_notification(&self, n: &NotificationRecord) -> Result<i64> {
        self.conn()
            .prepare_cached(
                "INSERT INTO notifications (shown_at, kind, message_id, digest_id, client_id, delivered, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![to_ms(n.shown_at), kind_text(n.kind), n.message_id, n.digest_id, n.client_id, n.delivered, n.error])?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Starts a manual focus session; a session already running is ended first.
    pub fn start_focus(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<()> {
        self.stop_focus(start)?;
        self.conn().execute("INSERT INTO focus_sessions (started_at, ends_at) VALUES (?1, ?2)", params![to_ms(start), to_ms(end)])?;
        Ok(())
    }

    /// The newest manual focus session's id.
    pub fn last_focus_session(&self) -> Result<Option<i64>> {
        Ok(self.conn().prepare_cached("SELECT max(id) FROM focus_sessions")?.query_row([], |r| r.get(0))?)
    }

    /// Ends the running manual sessions at `at`; returns how many were running.
    pub fn stop_focus(&self, at: DateTime<Utc>) -> Result<usize> {
        Ok(self
            .conn()
            .execute("UPDATE focus_sessions SET ends_at = ?1, stopped_at = ?1 WHERE started_at <= ?1 AND ends_at > ?1", [to_ms(at)])?)
    }

    pub fn record_open(&self, at: DateTime<Utc>, source: &str) -> Result<()> {
        self.conn().execute("INSERT INTO ui_opens (opened_at, source) VALUES (?1, ?2)", params![to_ms(at), source])?;
        Ok(())
    }
}

impl Db<'_> {
    /// The last upgrade's notice, until the engine has started once after it.
    pub fn upgrade_notice(&self) -> Result<Option<crate::schema::UpgradeNotice>> {
        self.setting(crate::schema::UPGRADE_KEY)
    }
}

impl Tx<'_> {
    /// Forgets an upgrade made before `started_at` (the engine's start): the engine has started
    /// successfully since. One made by this start stays until the next.
    pub fn upgrade_seen(&self, started_at: DateTime<Utc>) -> Result<bool> {
        match self.upgrade_notice()? {
            Some(n) if n.at < started_at => {
                self.conn().execute("DELETE FROM settings WHERE key = ?1", [crate::schema::UPGRADE_KEY])?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
