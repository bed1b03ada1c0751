//! The connectors that run: one supervised task per channel that has one (feeds, desktop, IMAP),
//! started when the engine serves (`lull serve`, the desktop app) and restarted when the
//! channel's settings change. Webhook channels need no task: the server receives for them.
//!
//! Connectors deliver through the [`IngestSink`] they are given (the engine) and report their
//! health through it; the engine hands each report here, where the live state (connecting,
//! syncing with progress, next retry) is kept for the channel views.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use lull_api::channels::{ChannelState, SyncProgress};
use lull_api::paths::DataDir;
use lull_channels::desktop::DesktopSettings;
use lull_channels::feed::FeedSettings;
use lull_channels::imap::{ImapSettings, Password};
use lull_channels::{Backoff, ConnectorError, Health, IngestSink, supervise};
use lull_core::model::{ChannelId, ChannelKind};
use lull_store::ChannelRow;

use crate::secrets::{SecretError, Secrets};

/// What connectors may need from the engine besides the sink: where secrets are kept.
#[derive(Debug, Clone)]
pub(crate) struct ConnectorServices {
    secrets: Secrets,
}

impl ConnectorServices {
    pub(crate) fn new(dir: &DataDir) -> ConnectorServices {
        ConnectorServices { secrets: Secrets::new(dir.root()) }
    }
}

/// The live side of the channels.
#[derive(Debug, Default)]
pub(crate) struct Connectors {
    /// Whether this engine runs connectors at all (only when it serves).
    enabled: Mutex<bool>,
    running: Mutex<HashMap<ChannelId, Running>>,
    live: Mutex<HashMap<ChannelId, Live>>,
}

#[derive(Debug)]
struct Running {
    /// The settings the task was started with: a change restarts it. A connector that
    /// stopped for good (a configuration error) stays stopped until then.
    settings: serde_json::Value,
    task: tokio::task::JoinHandle<()>,
}

/// What a channel view shows of a running connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Live {
    pub(crate) state: ChannelState,
    pub(crate) next_retry_at: Option<DateTime<Utc>>,
    pub(crate) progress: Option<SyncProgress>,
    pub(crate) error: Option<String>,
}

impl Connectors {
    pub(crate) fn live(&self, channel: ChannelId) -> Option<Live> {
        self.live.lock().ok()?.get(&channel).cloned()
    }

    /// From now on, connectors run (the engine serves).
    pub(crate) fn enable(&self) {
        if let Ok(mut enabled) = self.enabled.lock() {
            *enabled = true;
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled.lock().map(|e| *e).unwrap_or(false)
    }

    /// Stops every connector (engine shutdown).
    pub(crate) fn stop_all(&self) {
        if let Ok(mut enabled) = self.enabled.lock() {
            *enabled = false;
        }
        if let Ok(mut running) = self.running.lock() {
            running.drain().for_each(|(_, r)| r.task.abort());
        }
    }

    /// Keeps a connector's report for the views; whether its state changed (progress ticks are
    /// shown when asked for, and announced only every hundred messages).
    pub(crate) fn record(&self, channel: ChannelId, health: &Health) -> bool {
        let live = match health {
            Health::Connecting => Live { state: ChannelState::Connecting, next_retry_at: None, progress: None, error: None },
            Health::Syncing { done, total } => Live {
                state: ChannelState::Syncing,
                next_retry_at: None,
                progress: Some(SyncProgress { done: *done, total: *total }),
                error: None,
            },
            Health::Ok => Live { state: ChannelState::Ok, next_retry_at: None, progress: None, error: None },
            Health::Retrying { error, retry_at } => {
                Live { state: ChannelState::Retrying, next_retry_at: Some(*retry_at), progress: None, error: Some(error.clone()) }
            }
            Health::Failed { error } => {
                Live { state: ChannelState::Failed, next_retry_at: None, progress: None, error: Some(error.clone()) }
            }
        };
        match self.live.lock() {
            Ok(mut map) => {
                let previous = map.insert(channel, live.clone());
                previous.as_ref().map(|p| p.state) != Some(live.state) || live.progress.is_some_and(|p| p.done % 100 == 0 && p.done > 0)
            }
            Err(_) => false,
        }
    }

    /// Starts, restarts or stops connectors to match `rows`, the channels as stored.
    pub(crate) fn refresh(&self, rows: &[ChannelRow], sink: &Arc<dyn IngestSink>, services: &ConnectorServices) {
        if !self.enabled() {
            return;
        }
        let Ok(mut running) = self.running.lock() else { return };
        running.retain(|id, r| {
            let keep = rows.iter().any(|row| row.id == *id && row.settings == r.settings);
            if !keep {
                r.task.abort();
            }
            keep
        });
        for row in rows.iter().filter(|r| r.kind != ChannelKind::Webhook) {
            if running.contains_key(&row.id) {
                continue;
            }
            match spawn(row, sink.clone(), services) {
                Ok(Some(task)) => {
                    running.insert(row.id, Running { settings: row.settings.clone(), task });
                }
                Ok(None) => {}
                Err(error) => sink.report(row.id, Health::Failed { error }),
            }
        }
    }
}

/// The supervised task of a channel's connector; `None` for a channel that needs none.
fn spawn(row: &ChannelRow, host: Arc<dyn IngestSink>, services: &ConnectorServices) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
    let (id, name) = (row.id, row.name.clone());
    let fail = |error: String| Err(error);
    match row.kind {
        ChannelKind::Feed => {
            let settings: FeedSettings = match serde_json::from_value(row.settings.clone()) {
                Ok(s) => s,
                Err(e) => return fail(format!("the channel's settings are damaged ({e}); edit the channel")),
            };
            let sink = host.clone();
            Ok(Some(tokio::spawn(supervise(id, name, host, Backoff::default(), move || {
                lull_channels::feed::run(id, settings.clone(), sink.clone())
            }))))
        }
        ChannelKind::Desktop => {
            let settings: DesktopSettings = serde_json::from_value(row.settings.clone()).unwrap_or_default();
            let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
            let sink = host.clone();
            if settings.gatekeeper {
                let popups: Arc<dyn lull_channels::gatekeeper::Popups> = Arc::new(crate::popups::HelperPopups::new());
                return Ok(Some(tokio::spawn(supervise(id, name.clone(), host, Backoff::default(), move || {
                    lull_channels::gatekeeper::run(id, name.clone(), settings.clone(), bus.clone(), sink.clone(), popups.clone())
                }))));
            }
            Ok(Some(tokio::spawn(supervise(id, name, host, Backoff::default(), move || {
                lull_channels::desktop::run(id, settings.clone(), bus.clone(), sink.clone())
            }))))
        }
        ChannelKind::Imap => {
            let settings: ImapSettings = match serde_json::from_value(row.settings.clone()) {
                Ok(s) => s,
                Err(e) => return fail(format!("the channel's settings are damaged ({e}); edit the channel")),
            };
            let secrets = services.secrets.clone();
            let reference = row.secret_ref.clone().unwrap_or_default();
            let sink = host.clone();
            Ok(Some(tokio::spawn(supervise(id, name.clone(), host, Backoff::default(), move || {
                let (settings, secrets, reference, sink, name) =
                    (settings.clone(), secrets.clone(), reference.clone(), sink.clone(), name.clone());
                async move {
                    // Read at each start, so a password changed in the keyring is picked up.
                    let password = tokio::task::spawn_blocking(move || secrets.get(&reference, &name))
                        .await
                        .map_err(|e| ConnectorError::Transient(e.to_string()))?
                        .map_err(|e| match e {
                            SecretError::NoKeyring(_) => ConnectorError::Transient(e.to_string()),
                            e => ConnectorError::Config(e.to_string()),
                        })?;
                    lull_channels::imap::run(id, settings, Password(password), sink).await
                }
            }))))
        }
        ChannelKind::Webhook => Ok(None),
    }
}
