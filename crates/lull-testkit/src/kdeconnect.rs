//! KDE Connect for tests: the real daemon (`kdeconnectd`, Debian's `kdeconnect` package) on a
//! private session bus with a throwaway home, and a scripted phone that speaks KDE Connect's
//! protocol (version 7) to it, as an Android phone does.
//!
//! The daemon binds port 1716 on every address and broadcasts its identity to
//! 255.255.255.255, which must never leave a test: it runs only inside a private network
//! namespace with nothing but loopback ([`crate::netns::enter_private_network`] re-runs the test in one with
//! `unshare -rn`, and [`KdeConnect::start`] refuses to start anywhere else). The daemon ignores
//! UDP discovery from loopback, so the phone connects over TCP to 127.0.0.1:1716, sends its
//! identity packet in clear, and then, as KDE Connect's protocol has it, becomes the TLS
//! *server* of that connection with a self-signed certificate whose common name is its device
//! id (the daemon reads the device id from it). Pairing is asked on the bus (`requestPair`),
//! which the phone accepts.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc};

/// `kdeconnectd` on a private bus, with its own home; stopped when dropped.
#[derive(Debug)]
pub struct KdeConnect {
    daemon: Daemon,
    home: tempfile::TempDir,
}

/// The daemon's process, killed when dropped.
#[derive(Debug)]
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where Debian installs the daemon.
const DAEMON: &str = "/usr/lib/x86_64-linux-gnu/libexec/kdeconnectd";

fn daemon_path() -> PathBuf {
    let arch = std::env::consts::ARCH;
    let multiarch = format!("/usr/lib/{arch}-linux-gnu/libexec/kdeconnectd");
    if Path::new(&multiarch).exists() { multiarch.into() } else { DAEMON.into() }
}

impl KdeConnect {
    /// Starts the daemon on the bus at `bus`, with a new home. Refuses outside a private
    /// network namespace.
    pub fn start(bus: &str) -> io::Result<KdeConnect> {
        KdeConnect::start_in(bus, tempfile::tempdir()?)
    }

    fn start_in(bus: &str, home: tempfile::TempDir) -> io::Result<KdeConnect> {
        if !crate::netns::in_private_network() {
            return Err(io::Error::other("kdeconnectd binds every address and broadcasts: run it only in a private network namespace"));
        }
        let dir = |sub: &str| {
            let p = home.path().join(sub);
            std::fs::create_dir_all(&p).map(|()| p)
        };
        let (config, data, cache, runtime, tmp) = (dir(".config")?, dir(".local/share")?, dir(".cache")?, dir("run")?, dir("tmp")?);
        std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        let child = Command::new(daemon_path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home.path())
            .env("USER", "lull-test")
            .env("XDG_CONFIG_HOME", config)
            .env("XDG_DATA_HOME", data)
            .env("XDG_CACHE_HOME", cache)
            .env("XDG_RUNTIME_DIR", runtime)
            .env("TMPDIR", tmp)
            .env("QT_QPA_PLATFORM", "offscreen")
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start kdeconnectd ({e}); install the kdeconnect package")))?;
        Ok(KdeConnect { daemon: Daemon(child), home })
    }

    /// Stops the daemon and starts it again with the same home (paired devices remembered),
    /// as a crash and a restart, or a new login, do.
    pub fn restart(self, bus: &str) -> io::Result<KdeConnect> {
        let KdeConnect { daemon, home } = self;
        drop(daemon);
        KdeConnect::start_in(bus, home)
    }
}

/// A phone notification as the Android app sends it (`kdeconnect.notification`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    /// Android's key, e.g. `0|com.whatsapp|1|null|10123`.
    pub id: String,
    pub app: String,
    pub title: String,
    pub text: String,
    pub silent: bool,
    pub clearable: bool,
    /// The quick-reply id, for notifications that offer one.
    pub reply_id: Option<String>,
}

impl Posted {
    fn body(&self) -> Value {
        let mut body = json!({
            "id": self.id,
            "appName": self.app,
            "title": self.title,
            "text": self.text,
            "ticker": format!("{}: {}", self.title, self.text),
            "isClearable": self.clearable,
            "silent": self.silent,
        });
        if let Some(r) = &self.reply_id {
            body["requestReplyId"] = json!(r);
        }
        body
    }
}

/// A phone that speaks KDE Connect's protocol to the daemon on 127.0.0.1:1716.
#[derive(Debug)]
pub struct ScriptedPhone {
    pub id: String,
    outgoing: mpsc::UnboundedSender<String>,
    received: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
    cert: Arc<(tempfile::TempDir, PathBuf, PathBuf)>,
}

fn packet(kind: &str, body: &Value) -> String {
    let id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    format!("{}\n", json!({"id": id as u64, "type": kind, "body": body}))
}

/// A self-signed ECDSA certificate whose common name is the device id, made with openssl.
fn certificate(device: &str) -> io::Result<(tempfile::TempDir, PathBuf, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let (cert, key) = (dir.path().join("phone.pem"), dir.path().join("phone.key"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650", "-subj"])
        .arg(format!("/O=KDE/OU=Kde connect/CN={device}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()?;
    if !out.status.success() {
        return Err(io::Error::other(format!("openssl: {}", String::from_utf8_lossy(&out.stderr))));
    }
    Ok((dir, cert, key))
}

impl ScriptedPhone {
    /// A phone with device id `id` (letters, digits and `_`), not connected yet.
    pub async fn connect(id: &str) -> io::Result<ScriptedPhone> {
        let cert = Arc::new(certificate(id)?);
        ScriptedPhone::connect_with(id, cert).await
    }

    async fn connect_with(id: &str, cert: Arc<(tempfile::TempDir, PathBuf, PathBuf)>) -> io::Result<ScriptedPhone> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(&cert.1).map_err(io::Error::other)?.collect::<Result<_, _>>().map_err(io::Error::other)?;
        let key = PrivateKeyDer::from_pem_file(&cert.2).map_err(io::Error::other)?;
        let config = rustls::ServerConfig::builder().with_no_client_auth().with_single_cert(certs, key).map_err(io::Error::other)?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        // The daemon may still be starting: try for a while.
        let mut tcp = None;
        for _ in 0..100 {
            match TcpStream::connect("127.0.0.1:1716").await {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let mut tcp = tcp.ok_or_else(|| io::Error::other("kdeconnectd does not listen on 127.0.0.1:1716"))?;
        let identity = json!({
            "deviceId": id,
            "deviceName": "Test phone",
            "deviceType": "phone",
            "protocolVersion": 7,
            "incomingCapabilities": ["kdeconnect.notification.request", "kdeconnect.notification.reply", "kdeconnect.notification.action"],
            "outgoingCapabilities": ["kdeconnect.notification"],
            "tcpPort": 1716,
        });
        tcp.write_all(packet("kdeconnect.identity", &identity).as_bytes()).await?;
        let tls = acceptor.accept(tcp).await?;
        let (read, mut write) = tokio::io::split(tls);
        let (outgoing, mut queue) = mpsc::unbounded_channel::<String>();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (log, bell, answer) = (received.clone(), arrived.clone(), outgoing.clone());
        let task = tokio::spawn(async move {
            let mut lines = BufReader::new(read).lines();
            loop {
                tokio::select! {
                    line = lines.next_line() => {
                        let Ok(Some(line)) = line else { break };
                        let Ok(p) = serde_json::from_str::<Value>(&line) else { continue };
                        // A pairing request is accepted at once, as a user tapping "Accept" does.
                        if p["type"] == "kdeconnect.pair" && p["body"]["pair"] == true {
                            let _ = answer.send(packet("kdeconnect.pair", &json!({"pair": true})));
                        }
                        log.lock().map(|mut l| l.push(p)).ok();
                        bell.notify_waiters();
                    }
                    out = queue.recv() => {
                        let Some(out) = out else { break };
                        if write.write_all(out.as_bytes()).await.is_err() { break }
                    }
                }
            }
        });
        Ok(ScriptedPhone { id: id.to_owned(), outgoing, received, arrived, task, cert })
    }

    /// Posts (or, with the same id, updates) a notification.
    pub fn post(&self, n: &Posted) {
        let _ = self.outgoing.send(packet("kdeconnect.notification", &n.body()));
    }

    /// Removes a notification, as when the user swipes it away on the phone.
    pub fn cancel(&self, id: &str) {
        let _ = self.outgoing.send(packet("kdeconnect.notification", &json!({"id": id, "isCancel": true})));
    }

    /// Every packet the daemon sent the phone.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Waits for a packet of `kind` matching `check`, for at most `timeout`.
    pub async fn wait_for(&self, kind: &str, timeout: Duration, check: impl Fn(&Value) -> bool) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.arrived.notified();
            if let Some(p) = self.received().into_iter().find(|p| p["type"] == kind && check(&p["body"])) {
                return Some(p);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return None;
            }
        }
    }

    /// The phone leaves (out of Wi-Fi range): the connection closes.
    pub fn leave(self) -> Arc<(tempfile::TempDir, PathBuf, PathBuf)> {
        self.task.abort();
        self.cert.clone()
    }

    /// The phone that left comes back with the same identity and certificate.
    pub async fn come_back(id: &str, cert: Arc<(tempfile::TempDir, PathBuf, PathBuf)>) -> io::Result<ScriptedPhone> {
        ScriptedPhone::connect_with(id, cert).await
    }
}

impl Drop for ScriptedPhone {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Asks the daemon to pair with `device` (as the user does in KDE Connect's settings) and
/// waits until the device is trusted and its notifications plugin is on the bus.
pub async fn pair(bus: &str, device: &str) -> zbus::Result<()> {
    let conn = zbus::connection::Builder::address(bus).build().await?;
    let path = format!("/modules/kdeconnect/devices/{device}");
    // The device appears on the bus a moment after its connection.
    for _ in 0..100 {
        let asked =
            conn.call_method(Some("org.kde.kdeconnect"), path.as_str(), Some("org.kde.kdeconnect.device"), "requestPair", &()).await;
        if asked.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let notifications = format!("{path}/notifications");
    for _ in 0..100 {
        let active = conn
            .call_method(
                Some("org.kde.kdeconnect"),
                notifications.as_str(),
                Some("org.kde.kdeconnect.device.notifications"),
                "activeNotifications",
                &(),
            )
            .await;
        if active.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(zbus::Error::Failure(format!("{device} was not paired with its notifications plugin loaded")))
}
