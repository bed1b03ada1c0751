//! Where the engine listens. Webhook senders are configured once with Lull's address, so it
//! stays put: `127.0.0.1:7707`, unless the user moved it because another program holds that
//! port. A move is recorded in the data directory (`DIR/listen`), where `lull serve`, the
//! desktop window and the `lull` command all find it; the engine publishes the address it
//! actually got in its lock ([`crate::lock`]), which is what commands call.

use std::fs;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use lull_core::phrase::{Phrase, Said};

use crate::paths::DataDir;

/// Where Lull listens unless moved. A fixed port keeps webhook URLs stable.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7707";

/// [`DEFAULT_LISTEN`] as an address.
pub fn default_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 7707))
}

/// The recorded address cannot be read or written.
#[derive(Debug)]
pub enum ListenError {
    Io {
        path: PathBuf,
        source: io::Error,
    },
    /// The file says something that is not a loopback address with a port.
    Bad {
        path: PathBuf,
        content: String,
    },
    /// Only this machine's addresses, with a fixed port, can be recorded.
    NotRecordable(SocketAddr),
}

impl Said for ListenError {
    fn phrase(&self) -> Phrase {
        match self {
            ListenError::Io { path, source } => Phrase::new("listen.unusable").with("path", path.display()).with("detail", source),
            ListenError::Bad { path, content } => {
                Phrase::new("listen.bad_file").with("path", path.display()).with("content", format!("{content:?}"))
            }
            ListenError::NotRecordable(addr) => Phrase::new("listen.not_recordable").with("addr", addr),
        }
    }
}
lull_words::english_error!(ListenError);

/// Where the engine of `dir` listens, and whether that is a recorded move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub addr: SocketAddr,
    /// Recorded in the data directory, not the usual address.
    pub moved: bool,
}

fn path(dir: &DataDir) -> PathBuf {
    dir.root().join("listen")
}

/// The address recorded in `dir`, if the user moved Lull.
pub fn recorded(dir: &DataDir) -> Result<Option<SocketAddr>, ListenError> {
    let path = path(dir);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ListenError::Io { path, source }),
    };
    let content = text.trim();
    match content.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_loopback() && addr.port() != 0 => Ok(Some(addr)),
        _ => Err(ListenError::Bad { path, content: content.chars().take(80).collect() }),
    }
}

/// Where `dir`'s engine listens: the recorded address, else the usual one.
pub fn resolve(dir: &DataDir) -> Result<Listen, ListenError> {
    Ok(match recorded(dir)? {
        Some(addr) => Listen { addr, moved: addr != default_addr() },
        None => Listen { addr: default_addr(), moved: false },
    })
}

/// Where `dir`'s engine listens when it runs, for showing webhook URLs while it does not: the
/// recorded address, else the usual one (also when the record cannot be read: the error is
/// said where the engine starts).
pub fn usual_addr(dir: &DataDir) -> SocketAddr {
    resolve(dir).map_or_else(|_| default_addr(), |l| l.addr)
}

/// Records `addr` as where `dir`'s engine listens from now on; the usual address removes the
/// record.
pub fn record(dir: &DataDir, addr: SocketAddr) -> Result<(), ListenError> {
    if !addr.ip().is_loopback() || addr.port() == 0 {
        return Err(ListenError::NotRecordable(addr));
    }
    let path = path(dir);
    let io_err = |source| ListenError::Io { path: path.clone(), source };
    if addr == default_addr() {
        return match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(e)),
            _ => Ok(()),
        };
    }
    let tmp = dir.root().join("listen.tmp");
    let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(io_err)?;
    f.write_all(format!("{addr}\n").as_bytes()).and_then(|()| f.sync_all()).map_err(io_err)?;
    fs::rename(&tmp, &path).map_err(io_err)
}

/// Whether nothing listens on `addr` now (port 0 always is).
pub fn is_free(addr: SocketAddr) -> bool {
    addr.port() == 0 || TcpListener::bind(addr).is_ok()
}

/// The first free port after `addr`'s, within the next hundred: a suggestion to move to.
pub fn free_near(addr: SocketAddr) -> Option<SocketAddr> {
    (1..=100u16).filter_map(|i| addr.port().checked_add(i)).map(|p| SocketAddr::new(addr.ip(), p)).find(|a| is_free(*a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_recorded_read_back_and_undone() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = DataDir::resolve(Some(tmp.path().to_owned())).expect("dir");
        assert_eq!(resolve(&dir).expect("resolve"), Listen { addr: default_addr(), moved: false });
        let moved: SocketAddr = "127.0.0.1:7708".parse().expect("addr");
        record(&dir, moved).expect("record");
        assert_eq!(resolve(&dir).expect("resolve"), Listen { addr: moved, moved: true });
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(tmp.path().join("listen")).expect("file").permissions().mode() & 0o777, 0o600);
        record(&dir, default_addr()).expect("back");
        assert!(!tmp.path().join("listen").exists());
        for bad in ["0.0.0.0:7708", "192.168.1.2:7708", "127.0.0.1:0"] {
            let e = record(&dir, bad.parse().expect("addr")).expect_err(bad);
            assert!(lull_words::english().phrase(&e.phrase()).contains(bad), "{bad}");
        }
        fs::write(tmp.path().join("listen"), "0.0.0.0:80\n").expect("plant");
        let e = resolve(&dir).expect_err("a planted address that is not loopback");
        let said = lull_words::english().phrase(&e.phrase());
        assert!(said.contains("\"0.0.0.0:80\"") && said.contains("delete"), "{said}");
    }

    #[test]
    fn a_free_port_is_found_next_to_a_taken_one() {
        let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = taken.local_addr().expect("addr");
        assert!(!is_free(addr));
        let near = free_near(addr).expect("a free port nearby");
        assert!(near.port() > addr.port() && near.port() <= addr.port() + 100);
        assert!(is_free(near));
    }
}
