//! Where a command runs: against the engine that holds the data directory (over its loopback
//! API, so a running server sees every change at once), or, when none runs, in an engine of the
//! command's own that holds the directory's lock for the command's duration.

use std::sync::Arc;
use std::time::Duration;

use lull_engine::api::{ApiError, ErrorCode, Request, Response};
use lull_engine::clock::{Clock, SystemClock};
use lull_engine::lock::{EngineLock, LockError, LockHolder};
use lull_engine::notifier::DesktopNotifier;
use lull_engine::paths::DataDir;
use lull_engine::{Engine, EngineOptions};

use crate::CliError;

/// How long to wait for an engine that holds the lock but has not published its URL yet.
const STARTING_GRACE: Duration = Duration::from_secs(5);

/// Takes the data directory's engine lock. A holder that does not serve (yet) — a server still
/// starting, or a command using the directory on its own for a moment — is waited for, for
/// [`STARTING_GRACE`] at most; a holder that serves is not: the error carries its address.
pub(crate) async fn acquire_lock(dir: &std::path::Path) -> Result<EngineLock, LockError> {
    let deadline = tokio::time::Instant::now() + STARTING_GRACE;
    loop {
        match EngineLock::acquire(dir, SystemClock.now()) {
            Err(LockError::Held { holder, .. })
                if holder.as_ref().is_none_or(|h| h.url.is_none()) && tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

#[derive(Debug)]
pub enum Backend {
    /// An engine of our own; no server was running.
    Local { engine: Engine, _lock: EngineLock },
    /// The running engine's API.
    Remote { url: String, token: String, http: reqwest::Client },
}

impl Backend {
    pub async fn connect(dir: &DataDir) -> Result<Backend, CliError> {
        dir.ensure()?;
        match acquire_lock(dir.root()).await {
            Ok(lock) => {
                let engine = Engine::open(EngineOptions {
                    data_dir: dir.clone(),
                    clock: Arc::new(SystemClock),
                    notifier: Arc::new(DesktopNotifier::new()),
                })
                .await?;
                Ok(Backend::Local { engine, _lock: lock })
            }
            Err(LockError::Held { holder: Some(LockHolder { url: Some(url), .. }), .. }) => {
                let token = dir.api_token()?;
                let http =
                    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().map_err(|e| CliError::Other(e.to_string()))?;
                Ok(Backend::Remote { url, token, http })
            }
            Err(e) => Err(CliError::Other(format!("{e}; it is not answering yet, try again in a moment"))),
        }
    }

    /// The API token, when commands go through a running server.
    pub fn token(&self) -> Option<&str> {
        match self {
            Backend::Local { .. } => None,
            Backend::Remote { token, .. } => Some(token),
        }
    }

    /// The running server's URL, if commands go through one.
    pub fn server_url(&self) -> Option<&str> {
        match self {
            Backend::Local { .. } => None,
            Backend::Remote { url, .. } => Some(url),
        }
    }

    pub async fn call(&self, request: Request) -> Result<Response, CliError> {
        match self {
            Backend::Local { engine, .. } => engine.handle(request).await.map_err(CliError::Api),
            Backend::Remote { url, token, http } => {
                let resp = http
                    .post(format!("{url}api"))
                    .bearer_auth(token)
                    .json(&request)
                    .send()
                    .await
                    .map_err(|e| CliError::Other(format!("the Lull engine at {url} did not answer: {e}")))?;
                let status = resp.status();
                let body: serde_json::Value = resp
                    .json()
                    .await
                    .map_err(|e| CliError::Other(format!("the Lull engine at {url} answered something unreadable: {e}")))?;
                if status.is_success() {
                    serde_json::from_value(body).map_err(|e| CliError::Other(format!("unexpected answer from the engine at {url}: {e}")))
                } else {
                    let error: ApiError = serde_json::from_value(body["error"].clone()).unwrap_or_else(|_| {
                        let message = body["error"]["message"].as_str().unwrap_or("request refused").to_owned();
                        ApiError::new(ErrorCode::Internal, message)
                    });
                    Err(CliError::Api(error))
                }
            }
        }
    }

    /// Closes an engine of our own cleanly.
    pub async fn close(self) {
        if let Backend::Local { engine, .. } = self {
            engine.shutdown().await;
        }
    }
}
