//! The harness Lull's integration tests share: a private `dbus-daemon` and a recording
//! `org.freedesktop.Notifications` server, so desktop notifications are tested through the real
//! D-Bus protocol without touching the user's session.

pub mod dovecot;
pub mod kdeconnect;
pub mod mountns;
pub mod netns;
pub mod ntfy;
pub mod proxy;
pub mod smtp;
pub use dovecot::Dovecot;
pub use ntfy::NtfyServer;
pub use smtp::SmtpServer;

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use zbus::wire::OwnedVariant;

/// Runs the test `name` again, alone, from this test binary under `unshare` with `flags` (a
/// user namespace and the `kind` of namespace the test needs), and checks it passed.
fn rerun_under_unshare(name: &str, flags: &str, kind: &str, env: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("the test binary");
    let status = Command::new("unshare")
        .args([flags, "--"])
        .arg(exe)
        .args(["--exact", name, "--nocapture", "--test-threads", "1"])
        .envs(env.iter().copied())
        .status()
        .expect("run unshare (util-linux)");
    assert!(status.success(), "{name} failed inside its private {kind} namespace (see its output above)");
}

/// A `dbus-daemon --session` of the test's own, stopped when dropped.
#[derive(Debug)]
pub struct PrivateBus {
    child: Child,
    address: String,
    dir: tempfile::TempDir,
}

impl PrivateBus {
    /// Starts a private session bus listening on a socket in a temporary directory. Its address
    /// has no `guid`, like the user bus's (`unix:path=/run/user/…/bus`), so it stays valid
    /// across a restart.
    pub fn start() -> io::Result<PrivateBus> {
        let dir = tempfile::tempdir()?;
        let address = format!("unix:path={}", Self::socket(&dir).display());
        let child = Self::spawn(&address)?;
        Ok(PrivateBus { child, address, dir })
    }

    /// The bus's socket in `dir`.
    fn socket(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path().join("bus")
    }

    /// Stops the bus and starts a new one on the same socket, as a new login does: every
    /// connection is dropped, names are gone, and the address in the environment still works.
    pub fn restart(&mut self) -> io::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(Self::socket(&self.dir));
        self.child = Self::spawn(&self.address)?;
        Ok(())
    }

    /// Starts `dbus-daemon` listening at `address`, once it is ready.
    fn spawn(address: &str) -> io::Result<Child> {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1", "--address", address])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start dbus-daemon ({e}); install the dbus-daemon package")))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("dbus-daemon has no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if line.trim().is_empty() {
            let _ = child.kill();
            return Err(io::Error::other("dbus-daemon printed no address"));
        }
        Ok(child)
    }

    /// The bus address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `Notify` call as the notification server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedNotification {
    /// The id the server answered with (1, 2, …).
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    /// The `urgency` hint: 0 low, 1 normal, 2 critical.
    pub urgency: Option<u8>,
    pub category: Option<String>,
    /// Action keys and labels, flattened as the specification sends them.
    pub actions: Vec<String>,
}

#[derive(Debug, Default)]
struct Log {
    calls: Mutex<Vec<RecordedNotification>>,
    added: Notify,
    /// A process to SIGKILL at the next `Notify`, and whether to record that notification first.
    trap: Mutex<Option<(u32, bool)>>,
}

struct Recorder {
    log: Arc<Log>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    // The D-Bus method's signature fixes the arguments and their ownership.
    #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let trap = self.log.trap.lock().ok().and_then(|mut t| t.take());
        if let Some((pid, false)) = trap {
            kill(pid);
            return 0;
        }
        let urgency = hints.get("urgency").and_then(|v| u8::try_from(&**v).ok());
        let category = hints.get("category").and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        let mut calls = self.log.calls.lock().unwrap_or_else(|p| p.into_inner());
        let id = calls.len() as u32 + 1;
        calls.push(RecordedNotification { id, app_name, summary, body, urgency, category, actions });
        drop(calls);
        self.log.added.notify_waiters();
        if let Some((pid, true)) = trap {
            kill(pid);
        }
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        ["body", "body-markup", "actions"].iter().map(|s| (*s).to_owned()).collect()
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("lull-test-recorder".into(), "lull".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// A notification server that records every notification instead of showing it.
#[derive(Debug)]
pub struct RecordingServer {
    conn: zbus::Connection,
    log: Arc<Log>,
}

impl RecordingServer {
    /// Connects to the bus at `address` and takes the notification service name.
    pub async fn start(address: &str) -> zbus::Result<RecordingServer> {
        let log = Arc::new(Log::default());
        let conn = zbus::connection::Builder::address(address)
            .name("org.freedesktop.Notifications")
            .serve_at("/org/freedesktop/Notifications", Recorder { log: log.clone() })
            .build()
            .await?;
        Ok(RecordingServer { conn, log })
    }

    /// Plays the user clicking notification `id`: emits `ActionInvoked(id, "default")`.
    pub async fn click(&self, id: u32) -> zbus::Result<()> {
        self.conn
            .emit_signal(None::<&str>, "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "ActionInvoked", &(id, "default"))
            .await
    }

    /// At the next notification, SIGKILLs process `pid`: before showing (recording) it, or
    /// after, so the sender dies between its commit and the notification, or between the
    /// notification and its mark.
    pub fn kill_at_next(&self, pid: u32, after_showing: bool) {
        if let Ok(mut t) = self.log.trap.lock() {
            *t = Some((pid, after_showing));
        }
    }

    /// Stops being the notification server: releases the name, as a daemon that exits does.
    pub async fn release(&self) -> zbus::Result<()> {
        self.conn.release_name("org.freedesktop.Notifications").await.map(|_| ())
    }

    pub fn notifications(&self) -> Vec<RecordedNotification> {
        self.log.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Waits until at least `n` notifications arrived, for at most `timeout`; returns them all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<RecordedNotification> {
        let _ = tokio::time::timeout(timeout, async {
            loop {
                let added = self.log.added.notified();
                if self.notifications().len() >= n {
                    return;
                }
                added.await;
            }
        })
        .await;
        self.notifications()
    }
}

/// A StatusNotifierWatcher, as a desktop's tray host runs it: it records the tray items that
/// register, so a test can find them and read their properties and menus.
#[derive(Debug)]
pub struct TrayHost {
    _conn: zbus::Connection,
    items: Arc<Mutex<Vec<String>>>,
}

struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    // zbus hands interface methods their arguments by value.
    #[allow(clippy::needless_pass_by_value)]
    fn register_status_notifier_item(&self, service: String, #[zbus(header)] header: zbus::message::Header<'_>) {
        // Items register with their bus name or only an object path; keep the bus name.
        let name = if service.starts_with('/') { header.sender().map(|s| s.to_string()).unwrap_or(service) } else { service };
        self.items.lock().unwrap_or_else(|p| p.into_inner()).push(name);
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().map(|i| i.clone()).unwrap_or_default()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

impl TrayHost {
    pub async fn start(address: &str) -> zbus::Result<TrayHost> {
        let items = Arc::new(Mutex::new(Vec::new()));
        let conn = zbus::connection::Builder::address(address)
            .name("org.kde.StatusNotifierWatcher")
            .serve_at("/StatusNotifierWatcher", Watcher { items: items.clone() })
            .build()
            .await?;
        Ok(TrayHost { _conn: conn, items })
    }

    /// The bus names of the registered items.
    pub fn items(&self) -> Vec<String> {
        self.items.lock().map(|i| i.clone()).unwrap_or_default()
    }
}

fn kill(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}
