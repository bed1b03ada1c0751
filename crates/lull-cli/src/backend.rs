//! Where a command runs: against the engine that holds the data directory (over its loopback
//! API, so a running server sees every change at once), or, when none runs, in an engine of the
//! command's own that holds the directory's lock for the command's duration. Either way a
//! command sends a [`Call`] and gets its own answer.

use std::sync::Arc;
use std::time::Duration;

use lull_api::lock::{EngineLock, LockError, LockHolder};
use lull_api::paths::DataDir;
use lull_api::{Call, Client};
use lull_core::phrase::{Phrase, Said};
use lull_engine::clock::{Clock, SystemClock};
use lull_engine::notifier::DesktopNotifier;
use lull_engine::{Engine, EngineOptions};
use lull_words::Lang;

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
    Remote(Client),
}

impl Backend {
    /// The engine serving `dir`, or one of our own; an engine of our own shows its
    /// notifications in `lang`.
    pub async fn connect(dir: &DataDir, lang: Lang) -> Result<Backend, CliError> {
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
                Ok(Backend::Local { engine, _lock: lock })
            }
            Err(LockError::Held { holder: Some(LockHolder { url: Some(url), .. }), .. }) => {
                Ok(Backend::Remote(Client::new(&url, &dir.api_token()?).map_err(CliError::Api)?))
            }
            Err(e) => Err(Phrase::new("cli.lock_busy").with_phrase("problem", e.phrase()).into()),
        }
    }

    /// The running server, when commands go through one.
    pub fn server(&self) -> Option<&Client> {
        match self {
            Backend::Local { .. } => None,
            Backend::Remote(client) => Some(client),
        }
    }

    /// Sends one request and gets its own answer.
    pub async fn call<C: Call>(&self, call: C) -> Result<C::Answer, CliError> {
        match self {
            Backend::Local { engine, .. } => engine.call(call).await,
            Backend::Remote(client) => client.call(call).await,
        }
        .map_err(CliError::Api)
    }

    /// Closes an engine of our own cleanly.
    pub async fn close(self) {
        if let Backend::Local { engine, .. } = self {
            engine.shutdown().await;
        }
    }
}
