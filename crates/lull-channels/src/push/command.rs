//! A program of the user's as a push target (signal-cli, matrix-commander, a home script): run
//! once per push with the push as JSON on its standard input, killed past its time limit. Exit
//! status 0 means delivered; anything else is retried later, with the program's error output
//! as the reason.

use std::process::Stdio;
use std::time::Duration;

use lull_core::push::CommandSettings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::{Accepted, Push, PushError};

/// At most this much of a program's error output is kept as the reason it failed.
const MAX_STDERR: usize = 2000;

pub(super) async fn run(settings: &CommandSettings, push: &Push) -> Result<Accepted, PushError> {
    let program = settings.program.clone();
    let failed = |detail: String| PushError::Program { program: program.clone(), detail };
    let json = serde_json::to_vec(push).map_err(|e| failed(e.to_string()))?;
    let mut child = Command::new(&settings.program)
        .args(&settings.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    let mut stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let work = async {
        if let Some(stdin) = stdin.as_mut() {
            // A program that does not read its input is its own business: a closed pipe is not
            // an error of ours.
            let _ = stdin.write_all(&json).await;
            let _ = stdin.shutdown().await;
        }
        drop(stdin.take());
        let mut err = Vec::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.take(MAX_STDERR as u64 * 4).read_to_end(&mut err).await;
        }
        let status = child.wait().await;
        (status, err)
    };
    let (status, err) = match tokio::time::timeout(Duration::from_secs(settings.timeout_secs), work).await {
        Ok(done) => done,
        // Dropping the future drops the child, which kills it (kill_on_drop).
        Err(_) => return Err(PushError::Timeout { target: settings.program.clone(), secs: settings.timeout_secs }),
    };
    let status = status.map_err(|e| failed(e.to_string()))?;
    if status.success() {
        return Ok(Accepted { detail: status.to_string() });
    }
    let err: String = String::from_utf8_lossy(&err).trim().chars().take(MAX_STDERR).collect();
    Err(failed(if err.is_empty() { status.to_string() } else { format!("{status}: {err}") }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push() -> Push {
        Push {
            kind: "live",
            priority: 4,
            title: "Acme · Jane".into(),
            body: "Mockups ready".into(),
            tags: vec!["speech_balloon"],
            click: None,
            client: Some("Acme".into()),
            message_id: Some(7),
            digest_id: None,
        }
    }

    fn sh(script: &str, timeout_secs: u64) -> CommandSettings {
        CommandSettings { program: "sh".into(), args: vec!["-c".into(), script.into()], timeout_secs }
    }

    #[tokio::test]
    async fn the_program_reads_the_push_as_json() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("push.json");
        let script = format!("cat > '{}'", out.display());
        run(&sh(&script, 10), &push()).await.expect("delivered");
        let got: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("json");
        assert_eq!(got["title"], "Acme · Jane");
        assert_eq!(got["priority"], 4);
        assert_eq!(got["message_id"], 7);
    }

    #[tokio::test]
    async fn failures_and_timeouts_say_why() {
        let err = run(&sh("echo 'no account' >&2; exit 3", 10), &push()).await.expect_err("fails");
        let PushError::Program { detail, .. } = &err else { panic!("{err:?}") };
        assert!(detail.contains("no account") && detail.contains('3'), "{detail}");
        assert!(err.retryable());
        let started = std::time::Instant::now();
        let err = run(&sh("sleep 30", 1), &push()).await.expect_err("times out");
        assert!(matches!(err, PushError::Timeout { secs: 1, .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
        let err = run(&CommandSettings { program: "/nonexistent/lull-push".into(), args: vec![], timeout_secs: 5 }, &push())
            .await
            .expect_err("no such program");
        assert!(matches!(err, PushError::Program { .. }));
    }
}
