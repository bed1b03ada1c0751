//! Lull's SQLite store: the schema, its migrations, and every query. No other crate speaks SQL.
//!
//! # Concurrency
//!
//! One writer thread owns the only read-write connection; every write runs there in a
//! `BEGIN IMMEDIATE` transaction, so writers never race each other into `SQLITE_BUSY`, and a
//! batch of writes (the engine's group commit) costs one fsync. Reads run on a small pool of
//! read-only connections that WAL lets proceed during writes.
//!
//! # Durability
//!
//! WAL with `synchronous=FULL` on the writer: when [`Store::write`] returns, the transaction is
//! on disk, which is what a webhook's 2xx promises a sender who will not resend.
//!
//! Queries are methods on [`Db`] (reads, on any connection) and [`Tx`] (writes, inside the
//! writer's transaction); they take and return the core's types, with instants as UTC and
//! stored as Unix milliseconds.

mod baseline;
mod channels;
mod clients;
mod clocks;
mod demo;
mod events;
mod messages;
mod outbox;
mod replies;
pub mod schema;
mod settings;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError, mpsc};
use std::thread;

use chrono::{DateTime, TimeZone, Utc};
use lull_core::phrase::{Phrase, Said};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use baseline::{BaselineRow, raw_insert_baseline};
pub use channels::{ChannelAuth, ChannelRow, NewChannel};
pub use clients::ClientDraft;
pub use clocks::DueClock;
pub use demo::DemoRemoval;
pub use events::{DigestRecord, DigestRow, NotificationRecord};
pub use messages::{DueMessage, HeldMessage, InboxFilter, MessageRow, NewMessage, StoredDecision};
pub use outbox::{NewPushTarget, OutboxItem, Outcome, PushTargetRow, Subject};
pub use replies::{ReplyCounts, ReplyRow};

/// What went wrong in the store; a phrase says it to the person who has to act on it.
#[derive(Debug)]
pub enum StoreError {
    /// Written by a newer Lull: left as it is.
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// Not a Lull database: left as it is.
    NotLull {
        path: PathBuf,
    },
    Corrupt {
        path: PathBuf,
        detail: String,
    },
    /// Another process held the write lock for more than 5 seconds.
    Busy,
    /// The disk holding the database is full: nothing more was written, what was is safe.
    Full {
        path: PathBuf,
    },
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    Migration {
        to: u32,
        source: rusqlite::Error,
    },
    /// The copy from before an upgrade could not be made: the database was not upgraded.
    Backup {
        path: PathBuf,
        detail: String,
    },
    /// A name or an identity is taken, or a message is stored already; the phrase says which.
    Conflict(Phrase),
    /// A row named by id is gone (removed meanwhile).
    NotFound {
        what: &'static str,
        id: i64,
    },
    /// Stored data could not be read back.
    Decode(String),
    Thread(std::io::Error),
    WriterGone,
    /// A query failed in a way it never should (a bug): that one job failed, its transaction
    /// was rolled back, and the database goes on.
    Panicked(String),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sqlite(e)
    }
}

impl Said for StoreError {
    fn phrase(&self) -> Phrase {
        match self {
            StoreError::NewerSchema { path, found, supported } => {
                Phrase::new("store.newer_schema").with("path", path.display()).with("found", found).with("supported", supported)
            }
            StoreError::NotLull { path } => Phrase::new("store.not_lull").with("path", path.display()),
            StoreError::Corrupt { path, detail } => Phrase::new("store.corrupt").with("path", path.display()).with("detail", detail),
            StoreError::Busy => Phrase::new("store.busy"),
            StoreError::Full { path } => Phrase::new("store.full").with("dir", path.parent().unwrap_or(path).display()),
            StoreError::Open { path, source } => Phrase::new("store.cannot_open").with("path", path.display()).with("detail", source),
            StoreError::Migration { to, source } => Phrase::new("store.migration_failed").with("to", to).with("detail", source),
            StoreError::Backup { path, detail } => Phrase::new("store.backup_failed").with("path", path.display()).with("detail", detail),
            StoreError::Conflict(p) => p.clone(),
            StoreError::NotFound { what, id } => Phrase::new("store.not_found").with("what", format!("@store.what.{what}")).with("id", id),
            StoreError::Decode(detail) => Phrase::new("store.unreadable").with("detail", detail),
            StoreError::Thread(e) => Phrase::new("store.no_writer").with("detail", e),
            StoreError::WriterGone => Phrase::new("store.writer_gone"),
            StoreError::Panicked(detail) => Phrase::new("store.job_panicked").with("detail", detail),
            StoreError::Sqlite(e) => Phrase::new("store.database_error").with("detail", e),
        }
    }
}
lull_words::english_error!(StoreError);

impl StoreError {
    /// Maps SQLite's busy/corrupt codes to the errors a user can act on.
    fn classify(e: rusqlite::Error, path: &Path) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DiskFull) => StoreError::Full { path: path.to_owned() },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::Corrupt { path: path.to_owned(), detail: e.to_string() }
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What a panic said, for the error that replaces it.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Milliseconds since the Unix epoch, the storage form of every instant.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The inverse of [`to_ms`]; out-of-range values (which Lull never writes) read as the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::UNIX_EPOCH)
}

/// Read queries, on any connection.
#[derive(Clone, Copy)]
pub struct Db<'c> {
    conn: &'c Connection,
}

impl fmt::Debug for Db<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Db")
    }
}

/// Write queries, inside the writer's transaction. Derefs to [`Db`] for reads that must see the
/// transaction's own writes.
pub struct Tx<'c> {
    db: Db<'c>,
}

impl<'c> std::ops::Deref for Tx<'c> {
    type Target = Db<'c>;
    fn deref(&self) -> &Db<'c> {
        &self.db
    }
}

impl fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tx")
    }
}

impl Tx<'_> {
    fn conn(&self) -> &Connection {
        self.db.conn
    }

    /// Runs `f` in a savepoint: its writes are undone if it fails, without undoing the rest of
    /// the transaction. Lets one bad message in a group commit fail alone.
    pub fn savepoint<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        // Cached statements: this runs once per ingested message.
        self.conn().prepare_cached("SAVEPOINT item")?.execute([])?;
        match f(self) {
            Ok(v) => {
                self.conn().prepare_cached("RELEASE item")?.execute([])?;
                Ok(v)
            }
            Err(e) => {
                self.conn().prepare_cached("ROLLBACK TO item")?.execute([])?;
                self.conn().prepare_cached("RELEASE item")?.execute([])?;
                Err(e)
            }
        }
    }
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    readers: Mutex<Readers>,
    /// Signalled when a reader is given back.
    reader_free: Condvar,
}

/// The read connections: the idle ones, and how many are open in all.
#[derive(Default)]
struct Readers {
    idle: Vec<Connection>,
    open: usize,
}

impl Inner {
    /// One reader fewer is open (it could not be opened, or it was dropped).
    fn forget_reader(&self) {
        self.readers.lock().unwrap_or_else(PoisonError::into_inner).open -= 1;
        self.reader_free.notify_one();
    }
}

/// A reader taken from the pool, given back when dropped. If a read panicked, its connection
/// is closed instead, so the next read starts on a clean one.
struct ReaderLease<'a> {
    inner: &'a Inner,
    /// Always `Some` until dropped.
    conn: Option<Connection>,
}

impl ReaderLease<'_> {
    fn conn(&mut self) -> &mut Connection {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a lease holds its connection until it is dropped"),
        }
    }
}

impl Drop for ReaderLease<'_> {
    fn drop(&mut self) {
        match self.conn.take() {
            Some(conn) if !thread::panicking() => {
                self.inner.readers.lock().unwrap_or_else(PoisonError::into_inner).idle.push(conn);
                self.inner.reader_free.notify_one();
            }
            _ => self.inner.forget_reader(),
        }
    }
}

/// A handle on the database; cheap to clone, shared by the whole engine.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

/// Read connections open at most; a read beyond them waits for one to be free. Without a cap,
/// a burst of reads opened connections that were closed after it, and SQLite keeps the file
/// descriptor of a connection closed while others hold locks on the file (POSIX locks are per
/// process), so a soak saw descriptors and page caches pile up. Reads are short: a handful of
/// connections serve a desktop app and its API.
const MAX_READERS: usize = 4;

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let mut writer = open_writer(path)?;
        schema::migrate(&mut writer, path).map_err(|e| match e {
            StoreError::Sqlite(e) => StoreError::classify(e, path),
            e => e,
        })?;
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = thread::Builder::new()
            .name("lull-db-writer".into())
            .spawn(move || {
                let mut conn = writer;
                while let Ok(job) = rx.recv() {
                    job(&mut conn);
                }
                // Clean shutdown: fold the WAL back and refresh the planner's statistics.
                if let Err(e) = conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);") {
                    tracing::warn!(error = %e, "closing the database");
                }
            })
            .map_err(StoreError::Thread)?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Readers::default()),
                reader_free: Condvar::new(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in one write transaction on the writer thread and commits it; when this returns
    /// `Ok`, the writes are durable. An error from `f` rolls the whole transaction back.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, result) = tokio::sync::oneshot::channel();
        let path = self.inner.path.clone();
        let job: Job = Box::new(move |conn: &mut Connection| {
            // A job that panics fails alone: its transaction is rolled back as it unwinds, and
            // the writer thread lives on for every later write.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| StoreError::classify(e, &path))?;
                let value = f(&Tx { db: Db { conn: &tx } })?;
                tx.commit().map_err(|e| StoreError::classify(e, &path))?;
                Ok(value)
            }))
            .unwrap_or_else(|panic| Err(StoreError::Panicked(panic_text(panic.as_ref()))));
            let _ = reply.send(outcome);
        });
        let sender = self.inner.writer.lock().map_err(|_| StoreError::WriterGone)?.clone().ok_or(StoreError::WriterGone)?;
        sender.send(job).map_err(|_| StoreError::WriterGone)?;
        result.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs `f` on a read-only connection, in one read transaction so it sees a consistent
    /// snapshot.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Db<'_>) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || store.read_blocking(f)).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => Err(StoreError::Panicked(panic_text(e.into_panic().as_ref()))),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// [`Store::read`] for callers already on a blocking thread.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        let mut lease = self.take_reader()?;
        let conn = lease.conn();
        let outcome = (|| {
            let tx = conn.transaction().map_err(|e| StoreError::classify(e, &self.inner.path))?;
            let value = f(&Db { conn: &tx })?;
            tx.finish()?;
            Ok(value)
        })();
        drop(lease);
        outcome.map_err(|e| match e {
            StoreError::Sqlite(e) => StoreError::classify(e, &self.inner.path),
            e => e,
        })
    }

    /// An idle reader, a new one while fewer than [`MAX_READERS`] are open, or else the next
    /// one given back.
    fn take_reader(&self) -> Result<ReaderLease<'_>> {
        // Nothing panics while the lock is held, so a poisoned lock still holds a sound pool.
        let mut readers = self.inner.readers.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(conn) = readers.idle.pop() {
                return Ok(ReaderLease { inner: &self.inner, conn: Some(conn) });
            }
            if readers.open < MAX_READERS {
                readers.open += 1;
                drop(readers);
                return match open_reader(&self.inner.path) {
                    Ok(conn) => Ok(ReaderLease { inner: &self.inner, conn: Some(conn) }),
                    Err(e) => {
                        self.inner.forget_reader();
                        Err(e)
                    }
                };
            }
            readers = self.inner.reader_free.wait(readers).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Stops the writer after the writes already queued, checkpoints the WAL and waits for it.
    pub fn close(&self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
        if let Some(handle) = self.inner.writer_thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = handle.join();
        }
    }
}

fn apply_common_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -16000;
         -- The search index's words, for a search's last word (`Db::search_expression`).
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.messages_fts_terms USING fts5vocab(main, messages_fts, row);",
    )
}

fn open_writer(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    (|| -> rusqlite::Result<()> {
        apply_common_pragmas(&conn)?;
        // WAL lets readers run beside the writer; FULL makes each commit durable before it
        // is acknowledged.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if mode != "wal" {
            tracing::warn!(mode, "the database is not in WAL mode (network filesystem?)");
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 67108864;")
    })()
    .map_err(|e| StoreError::classify(e, path))?;
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
    apply_common_pragmas(&conn).map_err(|e| StoreError::classify(e, path))?;
    Ok(conn)
}

/// Maps a unique-constraint failure to a [`StoreError::Conflict`] saying `what`.
pub(crate) fn conflict(e: rusqlite::Error, message: impl FnOnce() -> Phrase) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(message()),
        _ => StoreError::Sqlite(e),
    }
}

/// Parses a stored text column through `FromStr`, reporting what could not be read.
pub(crate) fn parse_col<T: std::str::FromStr>(what: &str, s: &str) -> Result<T>
where
    T::Err: fmt::Display,
{
    s.parse().map_err(|e| StoreError::Decode(format!("{what} {s:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("lull.db")).expect("open");
        (dir, store)
    }

    #[test]
    fn a_burst_of_reads_never_opens_more_than_the_pool() {
        let (_dir, store) = store();
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let threads: Vec<_> = (0..24)
            .map(|_| {
                let (store, now, most) = (store.clone(), now.clone(), most.clone());
                thread::spawn(move || {
                    for _ in 0..20 {
                        store
                            .read_blocking(|db| {
                                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(inside, Ordering::SeqCst);
                                let n: i64 = db.conn.query_row("SELECT count(*) FROM messages", [], |r| r.get(0))?;
                                now.fetch_sub(1, Ordering::SeqCst);
                                Ok(n)
                            })
                            .expect("read");
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("reader thread");
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=MAX_READERS).contains(&most), "{most} reads at once");
        let readers = store.inner.readers.lock().expect("pool");
        assert!(readers.open <= MAX_READERS && readers.idle.len() == readers.open, "{} open, {} idle", readers.open, readers.idle.len());
    }

    #[test]
    fn a_read_that_panics_gives_its_place_back() {
        let (_dir, store) = store();
        for _ in 0..MAX_READERS * 2 {
            let s = store.clone();
            let panicked = thread::spawn(move || s.read_blocking(|_| -> Result<()> { panic!("a bug in a query") })).join();
            assert!(panicked.is_err());
        }
        // Every place is free again: a read goes through at once instead of waiting forever.
        let n: i64 = store.read_blocking(|db| Ok(db.conn.query_row("SELECT 42", [], |r| r.get(0))?)).expect("read");
        assert_eq!(n, 42);
        // The panicked reads' connections were closed; only the last read's is kept.
        let readers = store.inner.readers.lock().expect("pool");
        assert_eq!((readers.open, readers.idle.len()), (1, 1));
    }
}
