//! The connectors the engine runs: one supervised task per feed, desktop (and later IMAP)
//! channel, started when the engine serves (`lull serve`, the desktop app) and restarted when
//! the channel is edited. Webhook channels need no task: the server receives for them.
//!
//! Each connector delivers through the engine's [`IngestSink`](lull_channels::IngestSink) and
//! reports its health here. The live state (connecting, syncing with progress, next retry) is
//! kept in memory for the channel views; the last sync and the last error are also written to
//! the channel's row so they survive a restart.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use lull_channels::desktop::DesktopSettings;
use lull_channels::feed::FeedSettings;
use lull_channels::imap::{ImapSettings, Password, Security};
use lull_channels::mapping::Mapping;
use lull_channels::{Backoff, ConnectorError, Health, IngestSink, supervise};
use lull_core::model::{ChannelId, ChannelKind};
use lull_store::ChannelRow;

use crate::api::{ApiError, ChannelSpec, ChannelState, EngineEvent, SyncProgress};
use crate::engine::Engine;
use crate::secrets::{SecretError, SecretStore, Secrets};

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

    /// Stops every connector (engine shutdown).
    pub(crate) fn stop_all(&self) {
        if let Ok(mut enabled) = self.enabled.lock() {
            *enabled = false;
        }
        if let Ok(mut running) = self.running.lock() {
            running.drain().for_each(|(_, r)| r.task.abort());
        }
    }
}

/// Records a connector's report: in memory for the views, and on the channel's row for what
/// should survive a restart (the last sync, the last error).
pub(crate) fn record_health(engine: &Engine, channel: ChannelId, health: Health) {
    let now = engine.now();
    let live = match &health {
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
        Health::Failed { error } => Live { state: ChannelState::Failed, next_retry_at: None, progress: None, error: Some(error.clone()) },
    };
    let connectors = &engine.shared().connectors;
    let changed = match connectors.live.lock() {
        Ok(mut map) => {
            let previous = map.insert(channel, live.clone());
            // Progress ticks are shown when asked for; only changes of state are announced.
            previous.as_ref().map(|p| p.state) != Some(live.state) || live.progress.is_some_and(|p| p.done % 100 == 0 && p.done > 0)
        }
        Err(_) => false,
    };
    let store = engine.store().clone();
    let persist = async move {
        let outcome = match health {
            Health::Ok => store.write(move |tx| tx.channel_synced(channel, now)).await,
            Health::Retrying { error, .. } | Health::Failed { error } => {
                store.write(move |tx| tx.channel_failed(channel, now, &error)).await
            }
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            tracing::warn!(channel, error = %e, "recording a channel's health");
        }
    };
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(persist);
    }
    if changed {
        let _ = engine.shared().events.send(EngineEvent::ChannelsChanged);
    }
}

/// Turns what the user asked for into a channel's stored settings, checking everything.
pub(crate) fn settings_from_spec(spec: &ChannelSpec) -> Result<serde_json::Value, ApiError> {
    let misplaced = |what: &str| ApiError::invalid(format!("{what} does not apply to {} channels", spec.kind));
    if spec.kind != ChannelKind::Feed && (spec.url.is_some() || spec.every_secs.is_some()) {
        return Err(misplaced("a feed address or interval"));
    }
    if spec.kind != ChannelKind::Webhook && (spec.preset.is_some() || !spec.map.is_empty()) {
        return Err(misplaced("a payload mapping (--map, --preset)"));
    }
    if spec.kind != ChannelKind::Desktop && !spec.ignore_apps.is_empty() {
        return Err(misplaced("--ignore-app"));
    }
    if spec.kind != ChannelKind::Desktop && spec.gatekeeper {
        return Err(misplaced("--gatekeeper"));
    }
    let imap_fields = spec.host.is_some() || spec.port.is_some() || spec.user.is_some() || spec.tls.is_some() || !spec.folders.is_empty();
    if spec.kind != ChannelKind::Imap && (imap_fields || spec.password.is_some() || spec.ca_file.is_some()) {
        return Err(misplaced("a mail server, user or password"));
    }
    let value = match spec.kind {
        ChannelKind::Webhook => {
            if spec.preset.is_none() && spec.map.is_empty() {
                serde_json::json!({})
            } else {
                let mapping = Mapping::new(spec.preset.as_deref(), &spec.map).map_err(|e| ApiError::invalid(e.0))?;
                serde_json::json!({ "mapping": mapping })
            }
        }
        ChannelKind::Feed => {
            let url = spec
                .url
                .as_deref()
                .ok_or_else(|| ApiError::invalid("a feed channel needs the feed's address, e.g. https://status.acme.com/history.rss"))?;
            serde_json::to_value(FeedSettings::new(url, spec.every_secs).map_err(ApiError::invalid)?).unwrap_or_default()
        }
        ChannelKind::Desktop => {
            serde_json::to_value(DesktopSettings { ignore_apps: spec.ignore_apps.clone(), gatekeeper: spec.gatekeeper }).unwrap_or_default()
        }
        ChannelKind::Imap => {
            let host = spec
                .host
                .as_deref()
                .ok_or_else(|| ApiError::invalid("an IMAP channel needs the mail server (--host), e.g. imap.fastmail.com"))?;
            let user = spec.user.as_deref().unwrap_or_default();
            let security: Security = spec.tls.as_deref().unwrap_or("tls").parse().map_err(ApiError::invalid)?;
            let mut settings = ImapSettings::new(host, spec.port, user, security, spec.folders.clone()).map_err(ApiError::invalid)?;
            if let Some(ca) = spec.ca_file.as_deref().filter(|c| !c.trim().is_empty()) {
                let path = std::path::PathBuf::from(ca.trim());
                if !path.is_absolute() || !path.is_file() {
                    return Err(ApiError::invalid(format!("the CA file {ca:?} does not exist; give the full path of a PEM file")));
                }
                settings.ca_file = Some(path);
            }
            serde_json::to_value(settings).unwrap_or_default()
        }
    };
    Ok(value)
}

/// The spec a stored channel was made from (for export and editing); never holds a secret.
pub(crate) fn spec_from_row(row: &ChannelRow) -> ChannelSpec {
    let mut spec = ChannelSpec { kind: row.kind, name: row.name.clone(), ..ChannelSpec::default() };
    match row.kind {
        ChannelKind::Webhook => {
            if let Some(m) = row.settings.get("mapping").cloned().and_then(|m| serde_json::from_value::<Mapping>(m).ok()) {
                spec.preset = m.preset;
                spec.map = m.fields.iter().map(|(f, s)| format!("{f}={s}")).collect();
            }
        }
        ChannelKind::Feed => {
            if let Ok(f) = serde_json::from_value::<FeedSettings>(row.settings.clone()) {
                spec.url = Some(f.url);
                spec.every_secs = Some(f.every_secs);
            }
        }
        ChannelKind::Desktop => {
            let settings = serde_json::from_value::<DesktopSettings>(row.settings.clone()).unwrap_or_default();
            spec.ignore_apps = settings.ignore_apps;
            spec.gatekeeper = settings.gatekeeper;
        }
        ChannelKind::Imap => {
            if let Ok(s) = serde_json::from_value::<ImapSettings>(row.settings.clone()) {
                spec.host = Some(s.host);
                spec.port = Some(s.port);
                spec.user = Some(s.user);
                spec.tls = Some(serde_json::to_value(s.security).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default());
                spec.folders = s.folders;
                spec.ca_file = s.ca_file.map(|p| p.display().to_string());
            }
            spec.secret_store =
                row.secret_ref.as_deref().map(|r| if r.starts_with("file:") { SecretStore::File } else { SecretStore::Keyring });
        }
    }
    spec
}

/// One line saying what a channel listens to, from its spec (see [`spec_from_row`]).
pub(crate) fn about(row: &ChannelRow, spec: &ChannelSpec) -> String {
    match row.kind {
        ChannelKind::Webhook => match (&spec.preset, spec.map.len()) {
            (None, 0) => format!("POST /hooks/{} with Lull's JSON format", row.name),
            (Some(p), 0) => format!("POST /hooks/{}, {p} payloads", row.name),
            (Some(p), n) => format!("POST /hooks/{}, {p} payloads with {n} mapped field(s)", row.name),
            (None, n) => format!("POST /hooks/{}, {n} mapped field(s)", row.name),
        },
        ChannelKind::Feed => format!("{} every {}", spec.url.as_deref().unwrap_or_default(), every(spec.every_secs.unwrap_or(900))),
        ChannelKind::Desktop => {
            let what = if spec.gatekeeper {
                "this desktop's notifications, as its notification daemon (gatekeeper: held ones are not shown)"
            } else {
                "notifications shown on this desktop"
            };
            if spec.ignore_apps.is_empty() { what.into() } else { format!("{what}, except {}", spec.ignore_apps.join(", ")) }
        }
        ChannelKind::Imap => format!(
            "{} at {}:{} ({}), {}",
            spec.user.as_deref().unwrap_or_default(),
            spec.host.as_deref().unwrap_or_default(),
            spec.port.unwrap_or_default(),
            match spec.tls.as_deref() {
                Some("tls") => "TLS",
                Some("starttls") => "STARTTLS",
                _ => "not encrypted",
            },
            spec.folders.join(", ")
        ),
    }
}

fn every(secs: u64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

impl Engine {
    /// Starts the connectors of every channel that has one, and from now on keeps them in step
    /// with channel edits. Called by the server; plain CLI commands never run connectors.
    pub async fn start_connectors(&self) {
        if let Ok(mut enabled) = self.shared().connectors.enabled.lock() {
            *enabled = true;
        }
        self.refresh_connectors().await;
    }

    /// Starts, restarts or stops connectors to match the channels as stored.
    pub(crate) async fn refresh_connectors(&self) {
        let connectors = &self.shared().connectors;
        if !connectors.enabled.lock().map(|e| *e).unwrap_or(false) {
            return;
        }
        let rows = match self.store().read(|db| db.channels()).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "reading channels to start their connectors");
                return;
            }
        };
        let Ok(mut running) = connectors.running.lock() else { return };
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
            if let Some(task) = self.spawn_connector(row) {
                running.insert(row.id, Running { settings: row.settings.clone(), task });
            }
        }
    }

    fn spawn_connector(&self, row: &ChannelRow) -> Option<tokio::task::JoinHandle<()>> {
        let host: Arc<dyn IngestSink> = Arc::new(self.clone());
        let (id, name) = (row.id, row.name.clone());
        let fail = |error: String| {
            record_health(self, id, Health::Failed { error });
            None
        };
        match row.kind {
            ChannelKind::Feed => {
                let settings: FeedSettings = match serde_json::from_value(row.settings.clone()) {
                    Ok(s) => s,
                    Err(e) => return fail(format!("the channel's settings are damaged ({e}); edit the channel")),
                };
                let sink = host.clone();
                Some(tokio::spawn(supervise(id, name, host, Backoff::default(), move || {
                    lull_channels::feed::run(id, settings.clone(), sink.clone())
                })))
            }
            ChannelKind::Desktop => {
                let settings: DesktopSettings = serde_json::from_value(row.settings.clone()).unwrap_or_default();
                let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
                let sink = host.clone();
                if settings.gatekeeper {
                    let popups: Arc<dyn lull_channels::gatekeeper::Popups> = Arc::new(crate::popups::HelperPopups::new());
                    return Some(tokio::spawn(supervise(id, name.clone(), host, Backoff::default(), move || {
                        lull_channels::gatekeeper::run(id, name.clone(), settings.clone(), bus.clone(), sink.clone(), popups.clone())
                    })));
                }
                Some(tokio::spawn(supervise(id, name, host, Backoff::default(), move || {
                    lull_channels::desktop::run(id, settings.clone(), bus.clone(), sink.clone())
                })))
            }
            ChannelKind::Imap => {
                let settings: ImapSettings = match serde_json::from_value(row.settings.clone()) {
                    Ok(s) => s,
                    Err(e) => return fail(format!("the channel's settings are damaged ({e}); edit the channel")),
                };
                let secrets = Secrets::new(self.data_dir().root());
                let reference = row.secret_ref.clone().unwrap_or_default();
                let sink = host.clone();
                Some(tokio::spawn(supervise(id, name.clone(), host, Backoff::default(), move || {
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
                })))
            }
            ChannelKind::Webhook => None,
        }
    }
}
