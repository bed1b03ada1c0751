//! Supervision: every connector runs as its own task, restarted with exponential back-off
//! when it fails or panics, so one broken channel never stops the others or the engine.
//!
//! A connector reports its own progress ([`Health::Connecting`], `Syncing`, `Ok`); the
//! supervisor reports failures with the time of the next attempt. An error that retrying cannot
//! fix (a refused password, a name another program owns) is [`ConnectorError::Config`]: the
//! channel shows it and waits until the user edits the channel, which restarts it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lull_core::model::ChannelId;
use lull_core::phrase::{Phrase, Said};
use tokio::task::AbortHandle;

use crate::sink::{Health, IngestSink};

/// Why a connector stopped, as a phrase the channel's health shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectorError {
    /// Worth retrying: the network, the server, a timeout.
    Transient(Phrase),
    /// Retrying will not help until the user changes something; the phrase says what.
    Config(Phrase),
}
lull_words::english_error!(ConnectorError);

impl ConnectorError {
    /// A failure of something underneath (a bus, a library) worth retrying, with what it said.
    pub fn transient(e: impl std::fmt::Display) -> Self {
        ConnectorError::Transient(Phrase::new("connector.failed").with("detail", e))
    }
}

impl Said for ConnectorError {
    fn phrase(&self) -> Phrase {
        match self {
            ConnectorError::Transient(p) | ConnectorError::Config(p) => p.clone(),
        }
    }
}

/// How long to wait between attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The wait after the first failure; it doubles with each failure in a row.
    pub first: Duration,
    pub max: Duration,
    /// A run that lasted this long counts as healthy: the next failure starts again at `first`.
    pub healthy_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { first: Duration::from_secs(2), max: Duration::from_secs(300), healthy_after: Duration::from_secs(60) }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row, with up to 20% jitter (from `seed`) so
    /// channels that failed together do not all retry in the same instant.
    pub fn delay(&self, failures: u32, seed: u64) -> Duration {
        let doubled = self.first.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let base = doubled.min(self.max);
        let spread = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(u64::from(failures)) % 200;
        base.mul_f64(0.8 + spread as f64 / 1000.0).min(self.max)
    }
}

/// Aborts a task when dropped: cancelling the supervisor cancels the connector it runs.
struct AbortOnDrop(AbortHandle);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs the connector made by `start` until it fails for good or the returned future is
/// dropped (the channel was removed or edited, or the engine stops). Each attempt runs in its
/// own task, so a panic is caught and reported like any failure.
pub async fn supervise<F, Fut>(channel: ChannelId, name: String, host: Arc<dyn IngestSink>, backoff: Backoff, mut start: F)
where
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Result<(), ConnectorError>> + Send + 'static,
{
    let mut failures = 0u32;
    loop {
        let started = tokio::time::Instant::now();
        let task = tokio::spawn(start());
        let _guard = AbortOnDrop(task.abort_handle());
        let error = match task.await {
            Ok(Ok(())) => Phrase::new("connector.ended"),
            Ok(Err(ConnectorError::Config(error))) => {
                tracing::warn!(channel = %name, error = %lull_words::english().phrase(&error), "channel stopped until it is edited");
                host.report(channel, Health::Failed { error });
                return;
            }
            Ok(Err(ConnectorError::Transient(error))) => error,
            Err(e) if e.is_panic() => {
                let payload = e.into_panic();
                let what = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown cause".into());
                Phrase::new("connector.crashed").with("detail", what)
            }
            Err(_) => return,
        };
        if started.elapsed() >= backoff.healthy_after {
            failures = 0;
        }
        failures += 1;
        let delay = backoff.delay(failures, channel as u64);
        let retry_at = host.now() + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::seconds(300));
        tracing::info!(channel = %name, error = %lull_words::english().phrase(&error), retry_in = ?delay, "channel failed; retrying");
        host.report(channel, Health::Retrying { error, retry_at });
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let b = Backoff { first: Duration::from_secs(2), max: Duration::from_secs(300), healthy_after: Duration::from_secs(60) };
        for seed in 0..50 {
            let d1 = b.delay(1, seed).as_secs_f64();
            let d3 = b.delay(3, seed).as_secs_f64();
            assert!((1.6..=2.4).contains(&d1), "{d1}");
            assert!((6.4..=9.6).contains(&d3), "{d3}");
            assert!(b.delay(30, seed) <= b.max);
            assert!(b.delay(30, seed).as_secs_f64() >= 240.0);
        }
    }
}
