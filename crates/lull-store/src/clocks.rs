//! Response clocks: the user's clock per platform (one JSON document in `settings`), the held
//! relayed messages whose breakthrough is due, and each clock's outcome for the weekly
//! statistics.

use chrono::{DateTime, Utc};
use lull_core::model::{ClientId, MessageId};
use lull_core::response::{ClockSettings, ResponseClock};
use rusqlite::params;

use crate::{Db, Result, StoreError, Tx, from_ms, to_ms};

const SETTINGS_KEY: &str = "response_clocks";

/// A held relayed message's clock breakthrough still to ring.
#[derive(Debug, Clone, PartialEq)]
pub struct DueClock {
    pub id: MessageId,
    pub client_id: Option<ClientId>,
    pub clock: ResponseClock,
    pub received_at: DateTime<Utc>,
    pub ring_at: DateTime<Utc>,
}

const DUE_COLUMNS: &str = "id, client_id, clock, received_at, clock_ring_at";

fn due_clock(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Option<i64>, String, i64, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode_due((id, client_id, clock, received, ring): (i64, Option<i64>, String, i64, i64)) -> Result<DueClock> {
    Ok(DueClock { id, client_id, clock: decode(&clock)?, received_at: from_ms(received), ring_at: from_ms(ring) })
}

fn decode(text: &str) -> Result<ResponseClock> {
    serde_json::from_str(text).map_err(|e| StoreError::Decode(format!("response clock: {e}")))
}

impl Db<'_> {
    pub fn clock_settings(&self) -> Result<ClockSettings> {
        Ok(self.setting(SETTINGS_KEY)?.unwrap_or_default())
    }

    /// The breakthroughs due at `now`: not rung yet, the message not archived.
    pub fn due_clocks(&self, now: DateTime<Utc>) -> Result<Vec<DueClock>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DUE_COLUMNS} FROM messages
             WHERE clock_ring_at IS NOT NULL AND clock_rung_at IS NULL AND clock_ring_at <= ?1 AND archived_at IS NULL
             ORDER BY clock_ring_at, id"
        ))?;
        let rows = stmt.query_map([to_ms(now)], due_clock)?;
        rows.map(|r| decode_due(r?)).collect()
    }

    /// Every breakthrough still to ring (the schedule changed: each may move).
    pub fn pending_clocks(&self) -> Result<Vec<DueClock>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DUE_COLUMNS} FROM messages
             WHERE clock_ring_at IS NOT NULL AND clock_rung_at IS NULL AND archived_at IS NULL"
        ))?;
        let rows = stmt.query_map([], due_clock)?;
        rows.map(|r| decode_due(r?)).collect()
    }

    /// The next breakthrough after `now` still to ring, for the scheduler's wake-up.
    pub fn next_clock_ring(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = self.conn.query_row(
            "SELECT min(clock_ring_at) FROM messages
             WHERE clock_ring_at IS NOT NULL AND clock_rung_at IS NULL AND clock_ring_at > ?1 AND archived_at IS NULL",
            [to_ms(now)],
            |r| r.get(0),
        )?;
        Ok(at.map(from_ms))
    }

    /// The clocks of messages received in `[from, to)`, with when each message was archived.
    pub fn clocks_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(ResponseClock, Option<DateTime<Utc>>)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT clock, archived_at FROM messages WHERE clock IS NOT NULL AND received_at >= ?1 AND received_at < ?2")?;
        let rows = stmt.query_map([to_ms(from), to_ms(to)], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))?;
        rows.map(|r| {
            let (clock, archived) = r?;
            Ok((decode(&clock)?, archived.map(from_ms)))
        })
        .collect()
    }
}

impl Tx<'_> {
    pub fn set_clock_settings(&self, settings: &ClockSettings) -> Result<()> {
        self.put_setting(SETTINGS_KEY, settings)
    }

    /// Records that a message's breakthrough rang (or was no longer needed) at `at`; once.
    pub fn clock_rung(&self, id: MessageId, at: DateTime<Utc>) -> Result<bool> {
        let n = self
            .conn()
            .prepare_cached("UPDATE messages SET clock_rung_at = ?2 WHERE id = ?1 AND clock_rung_at IS NULL")?
            .execute(params![id, to_ms(at)])?;
        Ok(n == 1)
    }

    /// Moves a held message's breakthrough (the schedule changed).
    pub fn move_clock_ring(&self, id: MessageId, at: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached("UPDATE messages SET clock_ring_at = ?2 WHERE id = ?1 AND clock_rung_at IS NULL")?
            .execute(params![id, to_ms(at)])?;
        Ok(())
    }
}
