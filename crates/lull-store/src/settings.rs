//! The `settings` table: documents of the user's choices kept as JSON under a key (the reply
//! settings, the platforms' clocks, the last upgrade's notice).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Db, Result, StoreError, Tx};

impl Db<'_> {
    /// The document stored under `key`, if there is one.
    pub(crate) fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let text: Option<String> = self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Decode(format!("the {key} setting: {e}")))).transpose()
    }
}

impl Tx<'_> {
    /// Stores `value` under `key`, replacing what was there.
    pub(crate) fn put_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let text = serde_json::to_string(value).map_err(|e| StoreError::Decode(format!("the {key} setting: {e}")))?;
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, text],
        )?;
        Ok(())
    }
}
