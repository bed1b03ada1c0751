//! The data directory and what lives in it: the database, the per-install API token and the
//! engine lock.
//!
//! The directory is `--data-dir DIR`, else `LULL_DATA_DIR`, else the platform's data directory
//! (`~/.local/share/lull` on Linux). It is created readable by the user only.
//!
//! Also where Lull's other programs are: `lull` and `lull-desktop` find each other installed
//! side by side ([`companion`]).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use lull_core::phrase::{Phrase, Said};

use crate::token;

/// A Lull data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

/// The data directory could not be found or prepared.
#[derive(Debug)]
pub enum DataDirError {
    NoHome,
    Io {
        path: PathBuf,
        source: io::Error,
    },
    /// The directory belongs to another user: its files could be planted (a token, a lock
    /// naming another address) or read.
    NotYours {
        path: PathBuf,
        owner: u32,
    },
}

impl Said for DataDirError {
    fn phrase(&self) -> Phrase {
        match self {
            DataDirError::NoHome => Phrase::new("data_dir.no_home"),
            DataDirError::Io { path, source } => Phrase::new("data_dir.unusable").with("path", path.display()).with("detail", source),
            DataDirError::NotYours { path, owner } => Phrase::new("data_dir.not_yours").with("path", path.display()).with("owner", owner),
        }
    }
}
lull_words::english_error!(DataDirError);

impl DataDir {
    /// `explicit` (from `--data-dir` or `LULL_DATA_DIR`), else the platform default.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<DataDir, DataDirError> {
        let root = match explicit {
            Some(p) => p,
            None => directories::ProjectDirs::from("app", "lull", "lull").ok_or(DataDirError::NoHome)?.data_dir().to_owned(),
        };
        Ok(DataDir { root })
    }

    /// Makes the directory safe to use, or refuses it: created 0700 if missing; refused if
    /// another user owns it (it could hold a planted token or lock, or be read by them);
    /// tightened to 0700, with Lull's files in it to 0600, if it is looser. From here on this
    /// process creates files for its user alone (umask 077): the database, its WAL and every
    /// file Lull writes.
    pub fn ensure(&self) -> Result<(), DataDirError> {
        use std::os::unix::fs::MetadataExt;
        let io_err = |source| DataDirError::Io { path: self.root.clone(), source };
        // Process-wide on purpose: every entry point ensures its data directory first.
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
        if !self.root.exists() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.root).map_err(io_err)?;
        }
        let meta = fs::metadata(&self.root).map_err(io_err)?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(DataDirError::NotYours { path: self.root.clone(), owner: meta.uid() });
        }
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700)).map_err(io_err)?;
        }
        for name in ["lull.db", "lull.db-wal", "lull.db-shm", "api-token", "engine.lock"] {
            let path = self.root.join(name);
            if let Ok(m) = fs::symlink_metadata(&path)
                && m.is_file()
                && m.permissions().mode() & 0o077 != 0
            {
                fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(|source| DataDirError::Io { path, source })?;
            }
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join("lull.db")
    }
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("engine.lock")
    }
    pub fn api_token_path(&self) -> PathBuf {
        self.root.join("api-token")
    }

    /// The per-install API token, created (mode 0600) on first use. Programs starting together
    /// (`lull serve` and a command, the window and its engine) agree on one token: each writes
    /// its own candidate and links it into place, and the first link wins.
    pub fn api_token(&self) -> Result<String, DataDirError> {
        let path = self.api_token_path();
        let io_err = |source| DataDirError::Io { path: path.clone(), source };
        for _ in 0..3 {
            match fs::read_to_string(&path) {
                Ok(t) if !t.trim().is_empty() => {
                    // Tighten a token file someone made world-readable.
                    let mode = fs::metadata(&path).map_err(io_err)?.permissions().mode();
                    if mode & 0o077 != 0 {
                        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io_err)?;
                    }
                    return Ok(t.trim().to_owned());
                }
                // An empty file (a crash mid-write by an older Lull) is replaced.
                Ok(_) => {
                    let _ = fs::remove_file(&path);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(e)),
            }
            self.ensure()?;
            let token = token::generate("lull_api_");
            // Unique to this attempt (threads share a process id).
            let tail: String = token.chars().rev().take(12).collect();
            let tmp = self.root.join(format!("api-token.{}.{tail}.tmp", std::process::id()));
            let written = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .and_then(|mut f| f.write_all(token.as_bytes()).and_then(|()| f.sync_all()));
            let linked = written.and_then(|()| fs::hard_link(&tmp, &path));
            let _ = fs::remove_file(&tmp);
            match linked {
                Ok(()) => return Ok(token),
                // Another program made it first: its token is the one.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io_err(e)),
            }
        }
        Err(io_err(io::Error::other("the API token kept changing while it was read")))
    }
}

/// One of Lull's programs: the path in the environment variable `env` if it is set, else
/// `name` installed beside the running program.
pub fn companion(env: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(path.into());
    }
    std::env::current_exe().ok().and_then(|p| p.parent().map(|d| d.join(name))).filter(|p| p.is_file())
}

/// Lull's desktop app: `LULL_DESKTOP_BIN`, else `lull-desktop` beside the running program.
pub fn desktop_app() -> Option<PathBuf> {
    companion("LULL_DESKTOP_BIN", "lull-desktop")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lull serve` and a command started at the same moment once failed: both wrote the token
    /// through the same temporary file, and the second rename found it gone. Now they agree.
    #[test]
    fn programs_starting_together_agree_on_one_token() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = DataDir::resolve(Some(dir.path().join("data"))).expect("data dir");
        let tokens: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16).map(|_| s.spawn(|| data.api_token().expect("a token"))).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert!(tokens.iter().all(|t| t == &tokens[0] && t.starts_with("lull_api_")), "{tokens:?}");
        let left: Vec<_> = fs::read_dir(data.root()).expect("dir").filter_map(Result::ok).map(|e| e.file_name()).collect();
        assert!(left.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")), "no temporary file left: {left:?}");
    }
}
