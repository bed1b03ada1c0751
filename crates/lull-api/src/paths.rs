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
    Io { path: PathBuf, source: io::Error },
}

impl Said for DataDirError {
    fn phrase(&self) -> Phrase {
        match self {
            DataDirError::NoHome => Phrase::new("data_dir.no_home"),
            DataDirError::Io { path, source } => Phrase::new("data_dir.unusable").with("path", path.display()).with("detail", source),
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

    /// Creates the directory (mode 0700) if it does not exist.
    pub fn ensure(&self) -> Result<(), DataDirError> {
        let io_err = |source| DataDirError::Io { path: self.root.clone(), source };
        if !self.root.exists() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(&self.root).map_err(io_err)?;
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

    /// The per-install API token, created (mode 0600) on first use.
    pub fn api_token(&self) -> Result<String, DataDirError> {
        let path = self.api_token_path();
        let io_err = |source| DataDirError::Io { path: path.clone(), source };
        match fs::read_to_string(&path) {
            Ok(t) if !t.trim().is_empty() => {
                // Tighten a token file someone made world-readable.
                let mode = fs::metadata(&path).map_err(io_err)?.permissions().mode();
                if mode & 0o077 != 0 {
                    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io_err)?;
                }
                return Ok(t.trim().to_owned());
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        self.ensure()?;
        let token = token::generate("lull_api_");
        let tmp = self.root.join("api-token.tmp");
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io_err)?;
        f.write_all(token.as_bytes()).and_then(|()| f.sync_all()).map_err(io_err)?;
        fs::rename(&tmp, &path).map_err(io_err)?;
        Ok(token)
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
