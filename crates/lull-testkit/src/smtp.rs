//! A throwaway SMTP submission server (aiosmtpd, Debian's `python3-aiosmtpd`) that records
//! what it is sent: the real peer availability replies are sent to. It requires a login,
//! offers STARTTLS when given a certificate, and can be told to refuse (451, 550) or be stopped
//! and started again on the same port.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCRIPT: &str = include_str!("smtp_server.py");
/// Debian's interpreter, which has `python3-aiosmtpd` (a `python3` earlier on the PATH may be
/// another installation without it).
const PYTHON: &str = "/usr/bin/python3";

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The message as it came, headers and body.
    pub raw: String,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// Whether it came over TLS (after STARTTLS).
    pub tls: bool,
}

#[derive(Debug)]
pub struct SmtpServer {
    dir: tempfile::TempDir,
    pub port: u16,
    user: String,
    password: String,
    tls: Option<(PathBuf, PathBuf)>,
    child: Option<Child>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port that takes `user` and `password`; with `tls`
    /// (a certificate and its key), it offers STARTTLS and requires it before the login.
    pub fn start(user: &str, password: &str, tls: Option<(&Path, &Path)>) -> io::Result<SmtpServer> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("server.py"), SCRIPT)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut server = SmtpServer {
            dir,
            port,
            user: user.to_owned(),
            password: password.to_owned(),
            tls: tls.map(|(c, k)| (c.to_owned(), k.to_owned())),
            child: None,
        };
        server.run()?;
        Ok(server)
    }

    // A test harness outside any runtime: blocking waits are what it needs.
    #[allow(clippy::disallowed_methods)]
    fn run(&mut self) -> io::Result<()> {
        let d = self.dir.path();
        let mut cmd = Command::new(PYTHON);
        cmd.arg(d.join("server.py")).arg(d).arg(self.port.to_string()).arg(&self.user).arg(&self.password);
        if let Some((cert, key)) = &self.tls {
            cmd.arg(cert).arg(key);
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot start the SMTP server ({e}); scripts/install-deps.sh --test installs python3-aiosmtpd"),
            )
        })?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if line.trim() != "ready" {
            let _ = child.kill();
            return Err(io::Error::other(format!("the SMTP server did not start (said {line:?})")));
        }
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other("the SMTP server did not listen"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Answers DATA with `451` (try later), `550` (refused for good) or accepts (`ok`).
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).expect("write the SMTP server's mode");
    }

    /// Stops the server: connections are refused until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.run()
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect())
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .filter_map(|eml| {
                let raw = std::fs::read_to_string(&eml).ok()?;
                let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(eml.with_extension("json")).ok()?).ok()?;
                Some(Received {
                    raw,
                    mail_from: meta["mail_from"].as_str().unwrap_or_default().to_owned(),
                    rcpt_tos: meta["rcpt_tos"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default(),
                    tls: meta["tls"].as_bool().unwrap_or(false),
                })
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
