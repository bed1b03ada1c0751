//! Channels: adding, editing, listing and checking them; their settings as the API and the store
//! hold them.

use lull_api::channels::{ChannelCreated, ChannelKindView, ChannelSpec, ChannelState, ChannelTestReport, ChannelView, SecretStore};
use lull_api::events::EngineEvent;
use lull_api::{ApiError, ErrorCode};
use lull_channels::desktop::DesktopSettings;
use lull_channels::feed::FeedSettings;
use lull_channels::imap::{ImapSettings, Security};
use lull_channels::mapping::Mapping;
use lull_core::model::{ChannelKind, validate_channel_name};
use lull_store::{ChannelRow, NewChannel};

use super::Failure;
use crate::engine::Engine;
use crate::token;

impl Engine {
    pub(crate) async fn channel_list(&self) -> Result<Vec<ChannelView>, Failure> {
        let rows = self.store().read(|db| db.channels()).await?;
        Ok(rows.into_iter().map(|r| self.channel_view(r)).collect())
    }

    pub(crate) fn channel_view(&self, c: ChannelRow) -> ChannelView {
        let live = self.connector_state(c.id);
        let state = match (&live, c.kind) {
            (Some(l), _) => l.state,
            (None, ChannelKind::Webhook) => ChannelState::Listening,
            (None, _) => ChannelState::Stopped,
        };
        let spec = spec_from_row(&c);
        ChannelView {
            path: (c.kind == ChannelKind::Webhook).then(|| format!("/hooks/{}", c.name)),
            about: about(&c, &spec),
            spec,
            state,
            next_retry_at: live.as_ref().and_then(|l| l.next_retry_at),
            progress: live.as_ref().and_then(|l| l.progress),
            id: c.id,
            name: c.name,
            kind: c.kind,
            health: c.health,
            last_sync_at: c.last_sync_at,
            // The live error is newer than the stored one while a connector retries.
            last_error: live.and_then(|l| l.error).or(c.last_error),
            last_error_at: c.last_error_at,
            messages: c.message_count,
            last_message_at: c.last_message_at,
            created_at: c.created_at,
        }
    }

    pub(crate) async fn channel_named(&self, name: &str) -> Result<ChannelRow, Failure> {
        let lookup = name.to_owned();
        let row = self.store().read(move |db| db.channel_by_name(&lookup)).await?;
        Ok(row.ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no channel named {name:?}; see them with `lull channel list`")))?)
    }

    pub(crate) async fn channel_add(&self, spec: ChannelSpec) -> Result<ChannelCreated, Failure> {
        validate_channel_name(&spec.name).map_err(ApiError::invalid)?;
        let settings = settings_from_spec(&spec)?;
        let now = self.now();
        let token = (spec.kind == ChannelKind::Webhook).then(|| token::generate("lull_wh_"));
        if self
            .store()
            .read({
                let name = spec.name.clone();
                move |db| db.channel_by_name(&name)
            })
            .await?
            .is_some()
        {
            return Err(ApiError::new(ErrorCode::Conflict, format!("a channel named {:?} already exists", spec.name)).into());
        }
        let secret_ref = match spec.kind {
            ChannelKind::Imap => {
                let password = spec.password.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
                    ApiError::invalid("an IMAP channel needs its password: pipe it to --password-stdin, or type it at the prompt")
                })?;
                Some(self.put_secret(&spec, password).await?)
            }
            _ => None,
        };
        let channel =
            NewChannel { name: spec.name.clone(), kind: spec.kind, settings, token_hash: token.as_deref().map(token::hash), secret_ref };
        self.store().write(move |tx| tx.insert_channel(&channel, now)).await?;
        let row = self.channel_named(&spec.name).await?;
        self.refresh_connectors().await;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(ChannelCreated { channel: self.channel_view(row), token })
    }

    pub(crate) async fn channel_edit(&self, spec: ChannelSpec) -> Result<ChannelView, Failure> {
        let row = self.channel_named(&spec.name).await?;
        if row.kind != spec.kind {
            return Err(ApiError::invalid(format!(
                "{:?} is a {} channel; a channel's kind cannot change (add a new {} channel instead)",
                row.name, row.kind, spec.kind
            ))
            .into());
        }
        let settings = settings_from_spec(&spec)?;
        // A feed at a new address starts afresh: the old ETag means nothing there.
        let reset = row.kind == ChannelKind::Feed && row.settings.get("url") != settings.get("url");
        let id = row.id;
        let secret_ref = match spec.password.clone().filter(|p| !p.is_empty()) {
            Some(password) => Some(self.put_secret(&spec, password).await?),
            None => None,
        };
        self.store()
            .write(move |tx| {
                tx.set_channel_settings(id, &settings, reset)?;
                secret_ref.map_or(Ok(()), |r| tx.set_channel_secret(id, &r))
            })
            .await?;
        self.refresh_connectors().await;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(self.channel_view(self.channel_named(&spec.name).await?))
    }

    pub(crate) async fn test_imap(&self, row: &ChannelRow, steps: &mut Vec<String>) -> Result<String, String> {
        let settings: ImapSettings = serde_json::from_value(row.settings.clone()).map_err(|e| e.to_string())?;
        steps.push(format!("connecting to {}:{} as {}", settings.host, settings.port, settings.user));
        let secrets = crate::secrets::Secrets::new(self.data_dir().root());
        let (reference, name) = (row.secret_ref.clone().unwrap_or_default(), row.name.clone());
        let password = tokio::task::spawn_blocking(move || secrets.get(&reference, &name))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        steps.push("password found".into());
        let probe = lull_channels::imap::probe(&settings, &lull_channels::imap::Password(password)).await.map_err(|e| e.to_string())?;
        steps.push(format!(
            "logged in; the server offers {}",
            if probe.capabilities.is_empty() { "no extensions Lull uses".to_owned() } else { probe.capabilities.join(", ") }
        ));
        let mut bad = Vec::new();
        for (folder, r) in &probe.folders {
            match r {
                Ok(n) => steps.push(format!("{folder}: {n} messages")),
                Err(e) => {
                    steps.push(format!("{folder}: cannot be opened ({e})"));
                    bad.push(folder.clone());
                }
            }
        }
        if bad.is_empty() {
            Ok(format!(
                "the mailbox works{}",
                if probe.capabilities.iter().any(|c| c == "IDLE") {
                    "; new mail arrives at once (IDLE)"
                } else {
                    "; the server has no IDLE, so Lull checks every 2 minutes"
                }
            ))
        } else {
            Err(format!("these folders do not exist: {}", bad.join(", ")))
        }
    }

    /// Keeps a channel's password where the user chose (the keyring unless told otherwise).
    pub(crate) async fn put_secret(&self, spec: &ChannelSpec, password: String) -> Result<String, Failure> {
        let secrets = crate::secrets::Secrets::new(self.data_dir().root());
        let store = spec.secret_store.unwrap_or(SecretStore::Keyring);
        let name = spec.name.clone();
        let stored = tokio::task::spawn_blocking(move || secrets.put(store, &name, &password))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        Ok(stored.map_err(|e| ApiError::new(ErrorCode::Unavailable, e.to_string()))?)
    }

    pub(crate) async fn channel_test(&self, name: String) -> Result<ChannelTestReport, Failure> {
        let row = self.channel_named(&name).await?;
        let spec = spec_from_row(&row);
        let mut steps = Vec::new();
        let outcome: Result<String, String> = match row.kind {
            ChannelKind::Webhook => {
                steps.push(format!(
                    "receives at {}hooks/{}",
                    self.server_url().unwrap_or_else(|| "http://127.0.0.1:7707/".into()),
                    row.name
                ));
                if let Some(m) = row.settings.get("mapping").cloned().and_then(|m| serde_json::from_value::<Mapping>(m).ok()) {
                    steps.extend(m.describe().into_iter().map(|(f, s)| format!("{f} ← {s}")));
                }
                Ok("ready: post a message to it to see it arrive".into())
            }
            ChannelKind::Feed => {
                let url = spec.url.clone().unwrap_or_default();
                steps.push(format!("fetching {url}"));
                match lull_channels::feed::probe(&url).await {
                    Ok(p) => {
                        steps.push(format!("{} ({} entries)", p.format, p.entries));
                        Ok(format!("the feed works: {:?} with {} entries", p.title, p.entries))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            ChannelKind::Desktop => {
                let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").ok();
                steps.push(format!("session bus: {}", bus.as_deref().unwrap_or("(default)")));
                match lull_channels::desktop::probe(bus.as_deref()).await {
                    Ok(daemon) => {
                        steps.push(format!("notification daemon: {}", daemon.as_deref().unwrap_or("none")));
                        let live = self.connector_state(row.id);
                        match (spec.gatekeeper, daemon) {
                            (false, _) => Ok("the session bus can be watched; notifications shown from now on enter the inbox".into()),
                            (true, _) if live.as_ref().is_some_and(|l| l.state == ChannelState::Ok) => {
                                Ok("Lull is this desktop's notification daemon: it shows what passes and holds the rest".into())
                            }
                            (true, None) => Ok("no other notification daemon runs: Lull can be this desktop's (lull serve)".into()),
                            (true, Some(other)) => Err(lull_channels::gatekeeper::name_taken(&other, &row.name)),
                        }
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            ChannelKind::Imap => self.test_imap(&row, &mut steps).await,
        };
        let (ok, summary) = match outcome {
            Ok(s) => (true, s),
            Err(e) => (false, e),
        };
        Ok(ChannelTestReport { name: row.name, ok, summary, steps })
    }
}

/// The kinds of channel, with what the UI needs to offer them.
pub(super) fn kinds() -> Vec<ChannelKindView> {
    ChannelKind::ALL
        .iter()
        .map(|&kind| ChannelKindView {
            kind,
            secret: kind == ChannelKind::Imap,
            presets: if kind == ChannelKind::Webhook {
                lull_channels::mapping::PRESETS.iter().map(|p| p.name.to_owned()).collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// Turns what the user asked for into a channel's stored settings, checking everything.
fn settings_from_spec(spec: &ChannelSpec) -> Result<serde_json::Value, ApiError> {
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
fn about(row: &ChannelRow, spec: &ChannelSpec) -> String {
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
