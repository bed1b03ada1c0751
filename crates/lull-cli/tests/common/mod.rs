//! What the `lull` tests share: running the command on a data directory, and a `lull serve`
//! process that stops with the test.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub const LULL: &str = env!("CARGO_BIN_EXE_lull");

/// `lull` in English whatever the machine's language (tests read its words), quiet logs.
pub fn lull_command() -> Command {
    let mut command = Command::new(LULL);
    command.env("LULL_LOG", "warn").env("LANG", "C.UTF-8").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    command
}

pub fn lull(dir: &Path, args: &[&str]) -> Output {
    lull_command().arg("--data-dir").arg(dir).args(args).output().expect("run lull")
}

/// `lull ARGS` with `LANG=lang`.
pub fn lull_in(lang: &str, dir: &Path, args: &[&str]) -> Output {
    lull_command().env("LANG", lang).arg("--data-dir").arg(dir).args(args).output().expect("run lull")
}

/// Runs `lull ARGS`, expects success, returns stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = lull(dir, args);
    assert!(out.status.success(), "lull {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

pub fn ok_json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&ok(dir, &all)).expect("json output")
}

/// `lull ARGS` with `env` added to its environment and `stdin` written to it.
pub fn lull_with_stdin(dir: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = lull_command()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run lull");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("lull output")
}

/// Runs `lull ARGS`, expects failure, returns stderr.
pub fn fails(dir: &Path, args: &[&str]) -> String {
    let out = lull(dir, args);
    assert!(!out.status.success(), "lull {args:?} should have failed");
    String::from_utf8(out.stderr).expect("utf-8")
}

/// Polls `check` on `lull ARGS --json` until it holds.
pub async fn until(dir: &Path, args: &[&str], what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let v = ok_json(dir, args);
        if check(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}: {v:#}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The messages of `lull inbox --json`.
pub fn messages(inbox: &Value) -> Vec<Value> {
    inbox["messages"].as_array().cloned().unwrap_or_default()
}

/// The item called `name` in a JSON list (channels, clients).
pub fn find<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name} in {list:?}"))
}

/// `lull serve` on a free loopback port, with `extra` arguments and environment; stopped
/// (SIGTERM) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Server {
        let mut child = lull_command()
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .env("LULL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start lull serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the first line");
        let url = line.split_whitespace().find(|w| w.starts_with("http://127.0.0.1:")).expect("the URL is printed").to_owned();
        Server { child, url }
    }

    /// Kills it as a crash would (SIGKILL).
    pub fn kill_hard(mut self) {
        let _ = Command::new("kill").args(["-9", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).stderr(Stdio::null()).status();
        let _ = self.child.wait();
    }
}

/// Appends a raw message to alice's INBOX (password `mail-pw`), as a mail server delivers it.
pub async fn deliver(server: &lull_testkit::Dovecot, raw: &str) {
    let settings =
        lull_channels::imap::ImapSettings::new("127.0.0.1", Some(server.imap_port), "alice", lull_core::channel::TlsMode::None, vec![])
            .expect("settings");
    let mut session = lull_channels::imap::login(&settings, &lull_channels::imap::Password("mail-pw".into())).await.expect("login");
    session.append("INBOX", None, None, raw).await.expect("append");
    session.logout().await.expect("logout");
}
