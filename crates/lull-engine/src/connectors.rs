//! The connectors that run: one supervised task per channel whose kind runs one, started when
//! the engine serves (`lull serve`, the desktop app) and restarted when the channel's settings
//! change. What runs is each kind's business ([`lull_channels::kind`]); channels that receive
//! over the server (webhooks) run nothing.
//!
//! Connectors deliver through the [`IngestSink`] they are given (the engine) and report their
//! health through it; the engine hands each report here, where the live state (connecting,
//! syncing with progress, next retry) is kept for the channel views.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use lull_api::channels::{ChannelState, SyncProgress};
use lull_api::paths::DataDir;
use lull_channels::kind::{self, RunContext, SecretSource};
use lull_channels::{ConnectorError, Health, IngestSink};
use lull_core::channel::ChannelSettings;
use lull_core::model::ChannelId;
use lull_core::phrase::Said;
use lull_store::ChannelRow;

use crate::secrets::{SecretError, Secrets};

/// The desktop session bus connectors and checks use: the one in the environment.
pub(crate) fn session_bus() -> Option<String> {
    std::env::var("DBUS_SESSION_BUS_ADDRESS").ok()
}

/// Where a channel's password is read from, each time it is needed.
pub(crate) fn secret_source(dir: &DataDir, row: &ChannelRow) -> SecretSource {
    let secrets = Secrets::new(dir.root());
    let (reference, name) = (row.secret_ref.clone().unwrap_or_default(), row.name.clone());
    Arc::new(move || {
        let (secrets, reference, name) = (secrets.clone(), reference.clone(), name.clone());
        Box::pin(async move {
            tokio::task::spawn_blocking(move || secrets.get(&reference, &name)).await.map_err(ConnectorError::transient)?.map_err(|e| {
                match e {
                    // A keyring that is not unlocked yet may be soon; a missing entry will not
                    // come back by itself.
                    SecretError::NoKeyring(_) => ConnectorError::Transient(e.phrase()),
                    e => ConnectorError::Config(e.phrase()),
                }
            })
        })
    })
}

/// The live side of the channels.
#[derive(Debug, Default)]
pub(crate) struct Connectors {
    /// Whether this engine runs connectors at all (only when it serves).
    enabled: Mutex<bool>,
    running: Mutex<HashMap<ChannelId, Running>>,
    live: Mutex<HashMap<ChannelId, Live>>,
    /// Every channel's settings as last refreshed: which channel claims which notifications.
    channels: Mutex<Vec<(ChannelId, ChannelSettings)>>,
}

#[derive(Debug)]
struct Running {
    /// The settings the task was started with: a change restarts it. A connector that
    /// stopped for good (a configuration error) stays stopped until then.
    settings: ChannelSettings,
    task: tokio::task::JoinHandle<()>,
}

/// What a channel view shows of a running connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Live {
    pub(crate) state: ChannelState,
    pub(crate) next_retry_at: Option<DateTime<Utc>>,
    pub(crate) progress: Option<SyncProgress>,
    pub(crate) error: Option<lull_core::phrase::Phrase>,
    pub(crate) waiting: Option<lull_core::phrase::Phrase>,
}

impl Live {
    fn in_state(state: ChannelState) -> Live {
        Live { state, next_retry_at: None, progress: None, error: None, waiting: None }
    }
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
            Health::Connecting => Live::in_state(ChannelState::Connecting),
            Health::Syncing { done, total } => {
                Live { progress: Some(SyncProgress { done: *done, total: *total }), ..Live::in_state(ChannelState::Syncing) }
            }
            Health::Ok => Live::in_state(ChannelState::Ok),
            Health::Waiting { reason } => Live { waiting: Some(reason.clone()), ..Live::in_state(ChannelState::Waiting) },
            Health::Retrying { error, retry_at } => {
                Live { next_retry_at: Some(*retry_at), error: Some(error.clone()), ..Live::in_state(ChannelState::Retrying) }
            }
            Health::Failed { error } => Live { error: Some(error.clone()), ..Live::in_state(ChannelState::Failed) },
        };
        match self.live.lock() {
            Ok(mut map) => {
                let previous = map.insert(channel, live.clone());
                previous.as_ref().map(|p| p.state) != Some(live.state) || live.progress.is_some_and(|p| p.done % 100 == 0 && p.done > 0)
            }
            Err(_) => false,
        }
    }

    /// Whether a channel other than `channel` records the notifications of `app` itself.
    pub(crate) fn claimed_elsewhere(&self, channel: ChannelId, app: &str, entry: Option<&str>) -> bool {
        let Ok(channels) = self.channels.lock() else { return false };
        channels.iter().any(|(id, settings)| *id != channel && kind::of(settings.kind()).claims(settings, app, entry))
    }

    /// Starts, restarts or stops connectors to match `rows`, the channels as stored.
    pub(crate) fn refresh(&self, rows: &[ChannelRow], sink: &Arc<dyn IngestSink>, dir: &DataDir) {
        if !self.enabled() {
            return;
        }
        if let Ok(mut channels) = self.channels.lock() {
            *channels = rows.iter().map(|r| (r.id, r.settings.clone())).collect();
        }
        let Ok(mut running) = self.running.lock() else { return };
        running.retain(|id, r| {
            let keep = rows.iter().any(|row| row.id == *id && row.settings == r.settings);
            if !keep {
                r.task.abort();
            }
            keep
        });
        for row in rows {
            if running.contains_key(&row.id) {
                continue;
            }
            let kind = kind::of(row.kind());
            let ctx = RunContext {
                channel: row.id,
                name: row.name.clone(),
                sink: sink.clone(),
                bus: session_bus(),
                secret: kind.secret().then(|| secret_source(dir, row)),
                popups: Arc::new(crate::popups::HelperPopups::new()),
            };
            if let Some(task) = kind.connector(&row.settings, ctx) {
                running.insert(row.id, Running { settings: row.settings.clone(), task: tokio::spawn(task) });
            }
        }
    }
}
