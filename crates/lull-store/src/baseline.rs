//! The raw-insert baseline the ingest benchmarks are measured against: the same rows written
//! with plain prepared `INSERT`s into a bare table, with the same pragmas and durability as the
//! store's writer, one transaction per row or per batch. Kept here because only this crate
//! speaks SQL.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use crate::{Result, StoreError};

/// One row of the baseline: the columns a webhook message carries.
#[derive(Debug, Clone)]
pub struct BaselineRow {
    pub source_key: String,
    pub sender: String,
    pub title: String,
    pub body: String,
    pub received_at: i64,
}

/// Inserts `rows` into a fresh database at `path` in transactions of `batch` rows, with WAL and
/// `synchronous=FULL`; returns the elapsed time. `with_fts` adds the same external-content
/// FTS5 index the store keeps, to separate the cost of indexing from the engine's own.
pub fn raw_insert_baseline(path: &Path, rows: &[BaselineRow], batch: usize, with_fts: bool) -> Result<Duration> {
    let _ = std::fs::remove_file(path);
    let mut conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    debug_assert_eq!(mode, "wal");
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16000;
         CREATE TABLE raw (id INTEGER PRIMARY KEY, source_key TEXT NOT NULL, sender TEXT NOT NULL, title TEXT NOT NULL,
                           body TEXT NOT NULL, received_at INTEGER NOT NULL) STRICT;",
    )?;
    if with_fts {
        conn.execute_batch(
            "CREATE VIRTUAL TABLE raw_fts USING fts5(sender, title, body, content = 'raw', content_rowid = 'id',
                                                    tokenize = 'unicode61 remove_diacritics 2');
             CREATE TRIGGER raw_fts_insert AFTER INSERT ON raw BEGIN
                 INSERT INTO raw_fts(rowid, sender, title, body) VALUES (new.id, new.sender, new.title, new.body);
             END;",
        )?;
    }
    let started = Instant::now();
    for chunk in rows.chunks(batch.max(1)) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO raw (source_key, sender, title, body, received_at) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for r in chunk {
                stmt.execute(params![r.source_key, r.sender, r.title, r.body, r.received_at])?;
            }
        }
        tx.commit()?;
    }
    Ok(started.elapsed())
}
