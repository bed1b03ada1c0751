//! One engine per data directory.
//!
//! The engine holds an exclusive `flock` on `DIR/engine.lock` for its whole life and writes its
//! pid and URL into the file. A second `lull serve` (or, later, the desktop app) on the same
//! directory fails to take the lock and reports who holds it; plain CLI commands read the
//! holder's URL and talk to it instead of the database. The kernel drops the lock when the
//! process dies, so a crash never leaves a stale lock behind.

use std::fs::{self, File, TryLockError};
use std::io::{self, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use lull_core::phrase::{Phrase, Said};
use serde::{Deserialize, Serialize};

/// Who holds the engine lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pid: u32,
    /// The engine's HTTP address, once it listens; withdrawn when it starts stopping.
    pub url: Option<String>,
    pub started_at: DateTime<Utc>,
    /// The engine is stopping: commands wait for the lock instead of calling it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stopping: bool,
}

/// The lock is another engine's, or its file cannot be used.
#[derive(Debug)]
pub enum LockError {
    Held { dir: PathBuf, holder: Option<LockHolder> },
    Io { path: PathBuf, source: io::Error },
}

impl Said for LockError {
    fn phrase(&self) -> Phrase {
        match self {
            LockError::Held { dir, holder } => {
                let phrase = |code| Phrase::new(code).with("dir", dir.display());
                match holder {
                    Some(LockHolder { pid, url: Some(url), .. }) => phrase("lock.held").with("pid", pid).with("url", url),
                    Some(LockHolder { pid, stopping: true, .. }) => phrase("lock.held_stopping").with("pid", pid),
                    Some(LockHolder { pid, url: None, .. }) => phrase("lock.held_starting").with("pid", pid),
                    None => phrase("lock.held_unknown"),
                }
            }
            LockError::Io { path, source } => Phrase::new("lock.unusable").with("path", path.display()).with("detail", source),
        }
    }
}
lull_words::english_error!(LockError);

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct EngineLock {
    file: File,
    path: PathBuf,
    holder: LockHolder,
}

impl EngineLock {
    /// Takes the lock of `dir` (its `engine.lock`), or says who holds it.
    pub fn acquire(dir: &Path, now: DateTime<Utc>) -> Result<EngineLock, LockError> {
        let path = dir.join("engine.lock");
        let io_err = |source| LockError::Io { path: path.clone(), source };
        let file = fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(&path).map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(LockError::Held { dir: dir.to_owned(), holder: read_holder(&path) }),
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let mut lock = EngineLock {
            file,
            path: path.clone(),
            holder: LockHolder { pid: std::process::id(), url: None, started_at: now, stopping: false },
        };
        lock.write_holder().map_err(io_err)?;
        Ok(lock)
    }

    /// Publishes the engine's URL so CLI commands can reach it.
    pub fn publish_url(&mut self, url: &str) -> Result<(), LockError> {
        self.holder.url = Some(url.to_owned());
        self.write_holder().map_err(|source| LockError::Io { path: self.path.clone(), source })
    }

    /// Says the engine is stopping: its URL is withdrawn, so a command started from now on
    /// waits for the lock and works on the directory itself instead of calling a server that
    /// is about to close.
    pub fn mark_stopping(&mut self) -> Result<(), LockError> {
        self.holder.url = None;
        self.holder.stopping = true;
        self.write_holder().map_err(|source| LockError::Io { path: self.path.clone(), source })
    }

    fn write_holder(&mut self) -> io::Result<()> {
        let json = serde_json::to_vec(&self.holder).map_err(io::Error::other)?;
        self.file.set_len(0)?;
        self.file.rewind()?;
        self.file.write_all(&json)?;
        self.file.sync_data()
    }
}

impl Drop for EngineLock {
    fn drop(&mut self) {
        // Clear the holder before the kernel releases the lock, so nobody reads a dead URL.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Who holds the lock of `dir`, if anyone does. `Ok(None)` means the lock is free.
pub fn current_holder(dir: &Path) -> Result<Option<LockHolder>, LockError> {
    let path = dir.join("engine.lock");
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(LockError::Io { path, source }),
    };
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            Ok(None)
        }
        Err(TryLockError::WouldBlock) => {
            Ok(Some(read_holder(&path).unwrap_or(LockHolder { pid: 0, url: None, started_at: DateTime::UNIX_EPOCH, stopping: false })))
        }
        Err(TryLockError::Error(source)) => Err(LockError::Io { path, source }),
    }
}

fn read_holder(path: &Path) -> Option<LockHolder> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_engine_is_refused_and_told_who_holds_the_lock() {
        let now = DateTime::UNIX_EPOCH;
        let dir = tempfile::tempdir().expect("temp dir");
        let mut first = EngineLock::acquire(dir.path(), now).expect("first");
        first.publish_url("http://127.0.0.1:7707/").expect("publish");
        let err = EngineLock::acquire(dir.path(), now).expect_err("second refused");
        let text = err.to_string();
        assert!(text.contains(&format!("pid {}", std::process::id())), "{text}");
        assert!(text.contains("http://127.0.0.1:7707/"), "{text}");
        let holder = current_holder(dir.path()).expect("read").expect("held");
        assert_eq!(holder.url.as_deref(), Some("http://127.0.0.1:7707/"));
        drop(first);
        assert_eq!(current_holder(dir.path()).expect("read"), None);
        EngineLock::acquire(dir.path(), now).expect("free again");
    }
}
