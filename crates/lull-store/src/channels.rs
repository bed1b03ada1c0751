//! Channels: configured connector instances, their settings, watermark and health. Settings are
//! stored as the JSON of their typed value ([`ChannelSettings`], tagged with the kind) and read
//! back typed.

use chrono::{DateTime, Utc};
use lull_core::channel::{ChannelHealth, ChannelKind, ChannelSettings};
use lull_core::model::ChannelId;
use lull_core::phrase::Phrase;
use rusqlite::{OptionalExtension, Row, params};

use crate::{Db, Result, StoreError, Tx, conflict, from_ms, to_ms};

/// A channel to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChannel {
    pub name: String,
    pub settings: ChannelSettings,
    /// For webhooks: the SHA-256 (hex) of the bearer token.
    pub token_hash: Option<String>,
    /// For connectors with a password: where the secret is kept (never the secret).
    pub secret_ref: Option<String>,
}

/// A channel as stored, with its activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    pub id: ChannelId,
    pub name: String,
    pub settings: ChannelSettings,
    pub token_hash: Option<String>,
    pub secret_ref: Option<String>,
    pub health: ChannelHealth,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// What went wrong last, as the connector said it.
    pub last_error: Option<Phrase>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub message_count: u64,
    pub last_message_at: Option<DateTime<Utc>>,
}

impl ChannelRow {
    pub fn kind(&self) -> ChannelKind {
        self.settings.kind()
    }
}

/// A channel's id, token hash and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelAuth {
    pub id: ChannelId,
    pub token_hash: Option<String>,
    pub settings: ChannelSettings,
}

const CHANNEL_COLUMNS: &str =
    "c.id, c.name, c.settings, c.token_hash, c.health, c.last_sync_at, c.last_error, c.last_error_at, c.created_at,
     (SELECT count(*) FROM messages m WHERE m.channel_id = c.id),
     (SELECT max(received_at) FROM messages m WHERE m.channel_id = c.id), c.secret_ref";

/// The row's columns, with the settings still as JSON (decoded by [`finish`]).
type RawChannel = (ChannelRow, String);

fn channel_row(r: &Row<'_>) -> rusqlite::Result<RawChannel> {
    Ok((
        ChannelRow {
            id: r.get(0)?,
            name: r.get(1)?,
            // Replaced from the JSON in `finish`.
            settings: ChannelSettings::Webhook(Default::default()),
            token_hash: r.get(3)?,
            // An unknown word (written by a newer Lull) reads as an error to look at.
            health: r.get::<_, String>(4)?.parse().unwrap_or(ChannelHealth::Error),
            last_sync_at: r.get::<_, Option<i64>>(5)?.map(from_ms),
            last_error: r.get::<_, Option<String>>(6)?.map(|e| stored_phrase(&e)),
            last_error_at: r.get::<_, Option<i64>>(7)?.map(from_ms),
            created_at: from_ms(r.get(8)?),
            message_count: r.get::<_, i64>(9)? as u64,
            last_message_at: r.get::<_, Option<i64>>(10)?.map(from_ms),
            secret_ref: r.get(11)?,
        },
        r.get(2)?,
    ))
}

fn settings(json: &str) -> Result<ChannelSettings> {
    serde_json::from_str(json).map_err(|e| StoreError::Decode(format!("channel settings: {e}")))
}

fn finish((mut row, json): RawChannel) -> Result<ChannelRow> {
    row.settings = settings(&json)?;
    Ok(row)
}

impl Db<'_> {
    pub fn channels(&self) -> Result<Vec<ChannelRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {CHANNEL_COLUMNS} FROM channels c ORDER BY c.name"))?;
        let rows = stmt.query_map([], channel_row)?;
        rows.map(|r| finish(r?)).collect()
    }

    pub fn channel_by_name(&self, name: &str) -> Result<Option<ChannelRow>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {CHANNEL_COLUMNS} FROM channels c WHERE c.name = ?1"))?;
        stmt.query_row([name], channel_row).optional()?.map(finish).transpose()
    }

    /// Every channel's id and name, for attribution by `channel:` identities.
    pub fn channel_names(&self) -> Result<Vec<(ChannelId, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, name FROM channels ORDER BY id")?;
        Ok(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?)
    }

    /// Each channel's kind, without what listing channels reads of their messages (the last
    /// message's time costs a walk of all a channel's messages).
    pub fn channel_kinds(&self) -> Result<Vec<(ChannelId, ChannelKind)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, settings FROM channels ORDER BY id")?;
        let rows: Vec<(ChannelId, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(id, settings)| {
                let settings: ChannelSettings =
                    serde_json::from_str(&settings).map_err(|e| StoreError::Decode(format!("channel {id}'s settings: {e}")))?;
                Ok((id, settings.kind()))
            })
            .collect()
    }

    /// The channels that send availability replies, with the address each sends from.
    pub fn channel_senders(&self) -> Result<Vec<(ChannelId, String)>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, settings FROM channels ORDER BY id")?;
        let rows: Vec<(ChannelId, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, settings)| {
                let settings: ChannelSettings = serde_json::from_str(&settings).ok()?;
                settings.mail_sender().map(|a| (id, a))
            })
            .collect())
    }

    /// A connector's watermark as last committed (`{}` before the first sync).
    pub fn sync_state(&self, id: ChannelId) -> Result<serde_json::Value> {
        let raw: Option<String> =
            self.conn.prepare_cached("SELECT sync_state FROM channels WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
        let raw = raw.ok_or_else(|| StoreError::NotFound { what: "channel", id })?;
        serde_json::from_str(&raw).map_err(|e| StoreError::Decode(format!("channel sync state: {e}")))
    }

    /// What the webhook's hot path needs of a channel (no counts).
    pub fn channel_auth(&self, name: &str) -> Result<Option<ChannelAuth>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, token_hash, settings FROM channels WHERE name = ?1")?;
        let row =
            stmt.query_row([name], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, String>(2)?))).optional()?;
        row.map(|(id, token_hash, json)| Ok(ChannelAuth { id, token_hash, settings: settings(&json)? })).transpose()
    }
}

impl Tx<'_> {
    pub fn insert_channel(&self, channel: &NewChannel, now: DateTime<Utc>) -> Result<ChannelId> {
        self.conn()
            .execute(
                "INSERT INTO channels (name, settings, token_hash, secret_ref, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![channel.name, to_json(&channel.settings)?, channel.token_hash, channel.secret_ref, to_ms(now)],
            )
            .map_err(|e| conflict(e, || Phrase::new("conflict.channel_exists").with("name", format!("{:?}", channel.name))))?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Replaces a webhook channel's token hash (token rotation).
    pub fn set_channel_token_hash(&self, id: ChannelId, token_hash: &str) -> Result<()> {
        self.conn().execute("UPDATE channels SET token_hash = ?2 WHERE id = ?1", params![id, token_hash])?;
        Ok(())
    }

    /// Replaces a connector's watermark; called in the transaction that stores the messages it
    /// covers.
    pub fn set_sync_state(&self, id: ChannelId, state: &serde_json::Value) -> Result<()> {
        self.conn().prepare_cached("UPDATE channels SET sync_state = ?2 WHERE id = ?1")?.execute(params![id, state.to_string()])?;
        Ok(())
    }

    /// Points a channel at a new secret.
    pub fn set_channel_secret(&self, id: ChannelId, secret_ref: &str) -> Result<()> {
        self.conn().execute("UPDATE channels SET secret_ref = ?2 WHERE id = ?1", params![id, secret_ref])?;
        Ok(())
    }

    /// Replaces a channel's settings (and forgets its watermark when `reset_state`).
    pub fn set_channel_settings(&self, id: ChannelId, settings: &ChannelSettings, reset_state: bool) -> Result<()> {
        self.conn().execute(
            "UPDATE channels SET settings = ?2, sync_state = CASE WHEN ?3 THEN '{}' ELSE sync_state END WHERE id = ?1",
            params![id, to_json(settings)?, reset_state],
        )?;
        Ok(())
    }

    /// Records a successful delivery or sync on a channel. To keep ingest's transactions small,
    /// the row is rewritten only to clear an error or about once a minute.
    pub fn channel_synced(&self, id: ChannelId, at: DateTime<Utc>) -> Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE channels SET health = 'ok', last_sync_at = ?2
                 WHERE id = ?1 AND (health != 'ok' OR last_sync_at IS NULL OR last_sync_at < ?2 - 60000)",
            )?
            .execute(params![id, to_ms(at)])?;
        Ok(())
    }

    /// Records a failure on a channel (e.g. a malformed webhook payload).
    pub fn channel_failed(&self, id: ChannelId, at: DateTime<Utc>, error: &Phrase) -> Result<()> {
        let error = serde_json::to_string(error).map_err(|e| StoreError::Decode(e.to_string()))?;
        self.conn().execute(
            "UPDATE channels SET health = 'error', last_error = ?2, last_error_at = ?3 WHERE id = ?1",
            params![id, error, to_ms(at)],
        )?;
        Ok(())
    }
}

/// A stored error: a phrase's JSON, or the text an older Lull stored.
pub(crate) fn stored_phrase(text: &str) -> Phrase {
    serde_json::from_str(text).unwrap_or_else(|_| Phrase::text(text))
}

fn to_json(settings: &ChannelSettings) -> Result<String> {
    serde_json::to_string(settings).map_err(|e| StoreError::Decode(format!("channel settings: {e}")))
}
