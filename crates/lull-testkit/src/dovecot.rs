//! A throwaway Dovecot IMAP server for tests: its own configuration, users, mail and TLS
//! certificates in a temporary directory, listening on free loopback ports, with STARTTLS on
//! the plain port and TLS on the other. It runs in the foreground as a child process, so it
//! stops with the test (Drop), and can be stopped and started again on the same ports to test
//! reconnects and restarts. It gets a process group of its own, so a stop ends the master and
//! every imap and login process at once, as a crash would.

use std::io;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// STARTTLS (and plain) IMAP.
    pub imap_port: u16,
    /// IMAP over TLS.
    pub imaps_port: u16,
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn run(cmd: &mut Command) -> io::Result<()> {
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    if out.status.success() { Ok(()) } else { Err(io::Error::other(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)))) }
}

impl Dovecot {
    /// Starts a server with these users (`name`, `password`).
    pub fn start(users: &[(&str, &str)]) -> io::Result<Dovecot> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(d.join(sub))?;
        }
        // As root, mail processes run as nobody, who must own the mail; as anyone else,
        // Dovecot runs everything as that user.
        let me = output(Command::new("id").arg("-un"))?;
        let root = me == "root";
        if root {
            run(Command::new("chown").args(["nobody:nogroup"]).arg(d.join("mail")))?;
        }
        let identity = if root {
            "uid=nobody gid=nogroup".to_owned()
        } else {
            format!("uid={} gid={}", output(Command::new("id").arg("-u"))?, output(Command::new("id").arg("-g"))?)
        };
        let unprivileged = if root { String::new() } else { format!("default_internal_user = {me}\ndefault_login_user = {me}\n") };
        let users: String = users.iter().map(|(u, p)| format!("{u}:{{PLAIN}}{p}\n")).collect();
        std::fs::write(d.join("users"), users)?;
        certificates(d)?;
        let (imap_port, imaps_port) = (free_port()?, free_port()?);
        let conf = format!(
            r#"{unprivileged}base_dir = {d}/run
state_dir = {d}/state
instance_name = lull-test-{imap_port}
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/server.pem
ssl_key = <{d}/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = {identity} home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
  chroot =
}}
"#,
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf)?;
        let mut server = Dovecot { dir, child: None, imap_port, imaps_port };
        server.run()?;
        Ok(server)
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    /// The certificate authority that signed the server's certificate (for `ca_file`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The server's certificate and key (for another server on 127.0.0.1 to present, signed by
    /// the same authority).
    pub fn certificate(&self) -> (PathBuf, PathBuf) {
        (self.dir.path().join("server.pem"), self.dir.path().join("server.key"))
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    fn run(&mut self) -> io::Result<()> {
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(self.config())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                io::Error::new(e.kind(), format!("cannot start dovecot ({e}); scripts/install-deps.sh --test installs dovecot-imapd"))
            })?;
        self.child = Some(child);
        // Ready when both ports accept connections.
        let deadline = Instant::now() + Duration::from_secs(15);
        while [self.imap_port, self.imaps_port].iter().any(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_err()) {
            if Instant::now() > deadline {
                return Err(io::Error::other(format!("dovecot did not start listening; its log:\n{}", self.log())));
            }
            sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops the server (connections drop), as a server restart or crash would.
    pub fn stop(&mut self) {
        // Killed at once, processes and all. After a polite TERM to the master, an open
        // connection was once served for seconds more (in CI, a sync stopped at 50 messages
        // of 400 went on to the end), and the test of a restart mid-sync saw no failure.
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
        // The ports take a moment to be free again.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && [self.imap_port, self.imaps_port].iter().any(|p| TcpListener::bind(("127.0.0.1", *p)).is_err()) {
            sleep(Duration::from_millis(50));
        }
    }

    /// Starts the stopped server again on the same ports with the same mail.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.run()
    }

    /// Gives a user's folder a new UIDVALIDITY, as a server rebuilding its index does.
    pub fn change_uidvalidity(&self, user: &str, folder: &str, value: u32) -> io::Result<()> {
        run(Command::new("doveadm").arg("-c").arg(self.config()).args([
            "mailbox",
            "update",
            "--uid-validity",
            &value.to_string(),
            "-u",
            user,
            folder,
        ]))
    }
}

fn output(cmd: &mut Command) -> io::Result<String> {
    let out = cmd.output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Waits without a runtime: the harness is synchronous set-up code.
#[allow(clippy::disallowed_methods)]
fn sleep(d: Duration) {
    std::thread::sleep(d);
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
        }
    }
}

/// A CA and a server certificate for 127.0.0.1 and localhost, made with openssl.
fn certificates(d: &Path) -> io::Result<()> {
    let path = |f: &str| d.join(f).display().to_string();
    run(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Lull test CA",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.pem"),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]))?;
    run(Command::new("openssl").args([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &path("server.key"),
        "-out",
        &path("server.csr"),
    ]))?;
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )?;
    run(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &path("server.csr"),
        "-CA",
        &path("ca.pem"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        &path("server.pem"),
        "-extfile",
        &path("ext.cnf"),
    ]))
}
