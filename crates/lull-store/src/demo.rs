//! The demo's footprint: the clients, channels and focus session it made, recorded in `meta`
//! (`demo_client:ID`, `demo_channel:ID`, `demo_focus:ID`), so that it can be removed in one
//! step without touching anything the user made (their own channels and clients, and the
//! messages those brought, stay; a message of theirs attributed to a demo client loses the
//! attribution).

use lull_core::model::{ChannelId, ClientId};
use rusqlite::params;

use crate::{Db, Result, Tx};

/// What removing the demo removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoRemoval {
    pub messages: u64,
    pub digests: u64,
    pub clients: u64,
    pub channels: u64,
}

impl Db<'_> {
    /// Whether this data directory holds a demo that can be removed.
    pub fn has_demo(&self) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM meta WHERE key LIKE 'demo\\_%' ESCAPE '\\')")?
            .query_row([], |r| r.get(0))?)
    }
}

impl Tx<'_> {
    /// Records what the demo made.
    pub fn record_demo(&self, clients: &[ClientId], channels: &[ChannelId], focus_session: Option<i64>) -> Result<()> {
        let mut insert = self.conn().prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
        for id in clients {
            insert.execute(params![format!("demo_client:{id}"), id])?;
        }
        for id in channels {
            insert.execute(params![format!("demo_channel:{id}"), id])?;
        }
        if let Some(id) = focus_session {
            insert.execute(params![format!("demo_focus:{id}"), id])?;
        }
        Ok(())
    }

    /// Removes what the demo made, in this transaction; `None` when there is no demo.
    pub fn remove_demo(&self) -> Result<Option<DemoRemoval>> {
        if !self.has_demo()? {
            return Ok(None);
        }
        let c = self.conn();
        let ids = |prefix: &str| format!("SELECT value FROM meta WHERE key LIKE '{prefix}:%'");
        let messages = c.execute(&format!("DELETE FROM messages WHERE channel_id IN ({})", ids("demo_channel")), [])? as u64;
        // Digests left with nothing in them were the demo's; notifications about nothing, its
        // history of what it would have shown.
        let digests =
            c.execute("DELETE FROM digests WHERE id NOT IN (SELECT digest_id FROM messages WHERE digest_id IS NOT NULL)", [])? as u64;
        c.execute("DELETE FROM notifications WHERE message_id IS NULL AND digest_id IS NULL", [])?;
        c.execute("DELETE FROM ui_opens WHERE source = 'demo'", [])?;
        c.execute(&format!("DELETE FROM focus_sessions WHERE id IN ({})", ids("demo_focus")), [])?;
        let clients = c.execute(&format!("DELETE FROM clients WHERE id IN ({})", ids("demo_client")), [])? as u64;
        let channels = c.execute(&format!("DELETE FROM channels WHERE id IN ({})", ids("demo_channel")), [])? as u64;
        c.execute("DELETE FROM meta WHERE key LIKE 'demo\\_%' ESCAPE '\\'", [])?;
        Ok(Some(DemoRemoval { messages, digests, clients, channels }))
    }
}
