//! Clients, their identities and their live windows.

use chrono::{DateTime, Utc};
use lull_core::autoreply::ReplyLang;
use lull_core::model::{Client, ClientId, ClientMode, Identity, LiveWindow, Tier};
use rusqlite::{OptionalExtension, params};

use lull_core::phrase::Phrase;

use crate::{Db, Result, StoreError, Tx, conflict, parse_col, to_ms};

/// A client as written by `client add` / `client edit`, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientDraft {
    pub name: String,
    pub tz: chrono_tz::Tz,
    pub tier: Tier,
    pub mode: ClientMode,
    pub bypass_quota: u32,
    pub identities: Vec<Identity>,
    pub live_windows: Vec<LiveWindow>,
    /// Availability replies, in this language; `None`: off.
    pub auto_reply: Option<ReplyLang>,
}

impl Db<'_> {
    /// Every client with its identities and live windows, by name.
    pub fn clients(&self) -> Result<Vec<Client>> {
        let mut stmt = self.conn.prepare_cached("SELECT id, name, tz, tier, mode, bypass_quota, auto_reply FROM clients ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, u32>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        let mut clients = Vec::new();
        for row in rows {
            let (id, name, tz, tier, mode, bypass_quota, auto_reply) = row?;
            clients.push(Client {
                id,
                name,
                tz: parse_col("time zone", &tz)?,
                tier: parse_col("tier", &tier)?,
                mode: parse_col("mode", &mode)?,
                bypass_quota,
                identities: Vec::new(),
                live_windows: Vec::new(),
                auto_reply: auto_reply.map(|l| parse_col("reply language", &l)).transpose()?,
            });
        }
        let mut idents = self.conn.prepare_cached("SELECT client_id, kind, value FROM client_identities ORDER BY kind, value")?;
        for row in idents.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))? {
            let (client_id, kind, value) = row?;
            let identity = Identity::from_parts(&kind, &value).map_err(|e| StoreError::Decode(e.to_string()))?;
            if let Some(c) = clients.iter_mut().find(|c| c.id == client_id) {
                c.identities.push(identity);
            }
        }
        let mut windows = self.conn.prepare_cached("SELECT client_id, spec FROM client_live_windows ORDER BY id")?;
        for row in windows.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (client_id, spec) = row?;
            let window: LiveWindow = parse_col("live window", &spec)?;
            if let Some(c) = clients.iter_mut().find(|c| c.id == client_id) {
                c.live_windows.push(window);
            }
        }
        Ok(clients)
    }

    /// The client called `name` (case-insensitive).
    pub fn client_by_name(&self, name: &str) -> Result<Option<Client>> {
        let id: Option<i64> = self.conn.query_row("SELECT id FROM clients WHERE name = ?1", [name.trim()], |r| r.get(0)).optional()?;
        Ok(match id {
            Some(id) => self.clients()?.into_iter().find(|c| c.id == id),
            None => None,
        })
    }

    /// The fingerprint of the charter last shared with a client, and when.
    pub fn charter_shared(&self, client: ClientId) -> Result<Option<(String, DateTime<Utc>)>> {
        let row: Option<(Option<String>, Option<i64>)> = self
            .conn
            .query_row("SELECT charter_fingerprint, charter_shared_at FROM clients WHERE id = ?1", [client], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            Some((Some(f), Some(at))) => Some((f, crate::from_ms(at))),
            _ => None,
        })
    }

    /// Every client's last shared charter: (client, fingerprint, when).
    pub fn charters_shared(&self) -> Result<Vec<(ClientId, String, DateTime<Utc>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, charter_fingerprint, charter_shared_at FROM clients WHERE charter_fingerprint IS NOT NULL AND charter_shared_at IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, crate::from_ms(r.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Messages per client received since `since`, for the client list's recent volume.
    pub fn client_volumes(&self, since: DateTime<Utc>) -> Result<Vec<(ClientId, u32)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, count(*) FROM messages WHERE client_id IS NOT NULL AND received_at >= ?1 GROUP BY client_id",
        )?;
        let rows = stmt.query_map([to_ms(since)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Tx<'_> {
    /// Adds a client; a taken name or an identity of another client is a conflict that says
    /// which.
    pub fn insert_client(&self, draft: &ClientDraft, now: DateTime<Utc>) -> Result<ClientId> {
        self.conn()
            .execute(
                "INSERT INTO clients (name, tz, tier, mode, bypass_quota, created_at, auto_reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    draft.name.trim(),
                    draft.tz.name(),
                    draft.tier.as_str(),
                    draft.mode.as_str(),
                    draft.bypass_quota,
                    to_ms(now),
                    draft.auto_reply.map(ReplyLang::as_str)
                ],
            )
            .map_err(|e| conflict(e, || Phrase::new("conflict.client_exists").with("name", format!("{:?}", draft.name))))?;
        let id = self.conn().last_insert_rowid();
        self.put_client_rules(id, draft)?;
        Ok(id)
    }

    /// Replaces a client's settings, identities and windows.
    pub fn update_client(&self, id: ClientId, draft: &ClientDraft) -> Result<()> {
        let n = self
            .conn()
            .execute(
                "UPDATE clients SET name = ?2, tz = ?3, tier = ?4, mode = ?5, bypass_quota = ?6, auto_reply = ?7 WHERE id = ?1",
                params![
                    id,
                    draft.name.trim(),
                    draft.tz.name(),
                    draft.tier.as_str(),
                    draft.mode.as_str(),
                    draft.bypass_quota,
                    draft.auto_reply.map(ReplyLang::as_str)
                ],
            )
            .map_err(|e| conflict(e, || Phrase::new("conflict.client_exists").with("name", format!("{:?}", draft.name))))?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "client", id });
        }
        self.conn().execute("DELETE FROM client_identities WHERE client_id = ?1", [id])?;
        self.conn().execute("DELETE FROM client_live_windows WHERE client_id = ?1", [id])?;
        self.put_client_rules(id, draft)
    }

    fn put_client_rules(&self, id: ClientId, draft: &ClientDraft) -> Result<()> {
        let mut ins = self.conn().prepare_cached("INSERT INTO client_identities (client_id, kind, value) VALUES (?1, ?2, ?3)")?;
        for identity in &draft.identities {
            ins.execute(params![id, identity.kind(), identity.value()]).map_err(|e| {
                let owner: Option<String> = self
                    .conn()
                    .query_row(
                        "SELECT c.name FROM client_identities i JOIN clients c ON c.id = i.client_id WHERE i.kind = ?1 AND i.value = ?2",
                        params![identity.kind(), identity.value()],
                        |r| r.get(0),
                    )
                    .optional()
                    .ok()
                    .flatten();
                conflict(e, || match owner {
                    Some(owner) if !owner.eq_ignore_ascii_case(&draft.name) => {
                        Phrase::new("conflict.identity_taken").with("identity", identity).with("owner", format!("{owner:?}"))
                    }
                    _ => Phrase::new("conflict.identity_twice").with("identity", identity),
                })
            })?;
        }
        let mut win = self.conn().prepare_cached("INSERT INTO client_live_windows (client_id, spec) VALUES (?1, ?2)")?;
        for w in &draft.live_windows {
            win.execute(params![id, w.to_string()])?;
        }
        Ok(())
    }

    /// Records that a client was given its charter with this fingerprint.
    pub fn set_charter_shared(&self, client: ClientId, fingerprint: &str, at: DateTime<Utc>) -> Result<()> {
        self.conn().execute(
            "UPDATE clients SET charter_fingerprint = ?2, charter_shared_at = ?3 WHERE id = ?1",
            params![client, fingerprint, to_ms(at)],
        )?;
        Ok(())
    }

    /// Removes a client; its messages stay, attributed to Unknown.
    pub fn delete_client(&self, id: ClientId) -> Result<()> {
        match self.conn().execute("DELETE FROM clients WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound { what: "client", id }),
            _ => Ok(()),
        }
    }
}
