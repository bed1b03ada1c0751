//! Where a command runs: against the engine that holds the data directory (over its loopback
//! API, so a running server sees every change at once), or, when none runs, in an engine of the
//! command's own that holds the directory's lock for the command's duration. Either way a
//! command sends a [`Call`] and gets its own answer.

use std::sync::Arc;
use std::time::Duration;

use lull_api::lock::{EngineLock, LockError, LockHolder};
use lull_api::paths::DataDir;
use lull_api::{ApiError, Call, Client, ErrorCode, Request, Response};
use lull_core::phrase::{Phrase, Said};
use lull_engine::clock::{Clock, SystemClock};
use lull_engine::notifier::DesktopNotifier;
use lull_engine::{Engine, EngineOptions};
use lull_words::Lang;

use crate::CliError;

/// How long to wait for an engine that holds the lock but has not published its URL yet.
const STARTING_GRACE: Duration = Duration::from_secs(5);
/// How long to wait for an engine that is stopping (its connectors, its last rings, the
/// database closed) to let go of the directory.
const STOPPING_GRACE: Duration = Duration::from_secs(30);

/// Takes the data directory's engine lock. A holder that does not serve — a server still
/// starting or already stopping, or a command using the directory on its own for a moment —
/// is waited for ([`STARTING_GRACE`], [`STOPPING_GRACE`] when it says it stops); a holder that
/// serves is not: the error carries its address.
pub(crate) async fn acquire_lock(dir: &std::path::Path) -> Result<EngineLock, LockError> {
    let started = tokio::time::Instant::now();
    loop {
        match EngineLock::acquire(dir, SystemClock.now()) {
            Err(LockError::Held { holder, .. }) if holder.as_ref().is_none_or(|h| h.url.is_none()) => {
                let grace = if holder.as_ref().is_some_and(|h| h.stopping) { STOPPING_GRACE } else { STARTING_GRACE };
                if started.elapsed() >= grace {
                    return Err(LockError::Held { dir: dir.to_owned(), holder });
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// Where commands go.
#[derive(Debug)]
enum Mode {
    /// An engine of our own; no server was running.
    Local { engine: Engine, _lock: EngineLock },
    /// The running engine's API.
    Remote(Client),
}

impl Mode {
    async fn connect(dir: &DataDir, lang: Lang) -> Result<Mode, CliError> {
        dir.ensure()?;
        match acquire_lock(dir.root()).await {
            Ok(lock) => {
                let engine = Engine::open(EngineOptions {
                    data_dir: dir.clone(),
                    clock: Arc::new(SystemClock),
                    notifier: Arc::new(DesktopNotifier::new(lang)),
                    lang,
                })
                .await?;
                Ok(Mode::Local { engine, _lock: lock })
            }
            Err(LockError::Held { holder: Some(LockHolder { url: Some(url), .. }), .. }) => {
                Ok(Mode::Remote(Client::new(&url, &dir.api_token()?).map_err(CliError::Api)?))
            }
            // A lock file that cannot be written (a read-only disk, a full one) is not an engine
            // being slow: say what it is.
            Err(e @ LockError::Io { .. }) => Err(e.phrase().into()),
            Err(e) => Err(Phrase::new("cli.lock_busy").with_phrase("problem", e.phrase()).into()),
        }
    }
}

/// The engine a command talks to. An engine that stops between the command reading its
/// address and calling it (it refuses the connection: nothing was sent) is not an error: the
/// command waits for the directory and goes on, with the engine that holds it next or with one
/// of its own.
#[derive(Debug)]
pub struct Backend {
    dir: DataDir,
    lang: Lang,
    mode: tokio::sync::RwLock<Mode>,
}

impl Backend {
    /// The engine serving `dir`, or one of our own; an engine of our own shows its
    /// notifications in `lang`.
    pub async fn connect(dir: &DataDir, lang: Lang) -> Result<Backend, CliError> {
        let mode = Mode::connect(dir, lang).await?;
        Ok(Backend { dir: dir.clone(), lang, mode: tokio::sync::RwLock::new(mode) })
    }

    /// The data directory commands work on.
    pub fn dir(&self) -> &DataDir {
        &self.dir
    }

    /// The running server's URL, when commands go through one.
    pub async fn server_url(&self) -> Option<String> {
        match &*self.mode.read().await {
            Mode::Local { .. } => None,
            Mode::Remote(client) => Some(client.url().to_owned()),
        }
    }

    /// Sends one request and gets its own answer.
    pub async fn call<C: Call>(&self, call: C) -> Result<C::Answer, CliError> {
        let request: Request = call.into();
        let response = match self.send(request.clone()).await {
            Err(e) if Client::never_reached(&e) => {
                tracing::info!("the engine stopped before answering; waiting for the data directory");
                if let Some(url) = self.server_url().await {
                    gone_from(self.dir.root(), &url).await;
                }
                let fresh = Mode::connect(&self.dir, self.lang).await?;
                let old = std::mem::replace(&mut *self.mode.write().await, fresh);
                close(old).await;
                self.send(request).await
            }
            other => other,
        }
        .map_err(CliError::Api)?;
        C::take(response).map_err(|other| {
            CliError::Api(ApiError::new(ErrorCode::Internal, Phrase::new("api.wrong_answer").with("answer", format!("{other:?}"))))
        })
    }

    async fn send(&self, request: Request) -> Result<Response, ApiError> {
        match &*self.mode.read().await {
            Mode::Local { engine, .. } => engine.handle(request).await,
            Mode::Remote(client) => client.send(&request).await,
        }
    }

    /// Closes an engine of our own cleanly.
    pub async fn close(self) {
        close(self.mode.into_inner()).await;
    }
}

/// Waits, for [`STOPPING_GRACE`] at most, until the engine at `url` no longer holds `dir`
/// under that address (it let go, said it stops, or another engine took over).
async fn gone_from(dir: &std::path::Path, url: &str) {
    let started = tokio::time::Instant::now();
    while started.elapsed() < STOPPING_GRACE {
        match lull_api::lock::current_holder(dir) {
            Ok(Some(holder)) if holder.url.as_deref() == Some(url) => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => return,
        }
    }
}

async fn close(mode: Mode) {
    if let Mode::Local { engine, .. } = mode {
        engine.shutdown().await;
    }
}
