//! Channels: adding, editing, listing and checking them. Nothing here names a kind: each
//! channel's kind ([`lull_channels::kind`]) checks its settings, says whether it keeps a
//! password or receives over the server, and runs its own checks.

use lull_api::channels::{
    ChannelCreated, ChannelKindView, ChannelSpec, ChannelState, ChannelTestReport, ChannelView, ReplyHealth, SecretStore,
};
use lull_api::events::EngineEvent;
use lull_api::{ApiError, ErrorCode, english};
use lull_channels::kind::{self, CheckContext};
use lull_core::channel::{ChannelSettings, validate_channel_name};
use lull_core::phrase::{Phrase, Said};
use lull_store::{ChannelRow, NewChannel};

use super::Failure;
use crate::engine::Engine;
use crate::token;

impl Engine {
    pub(crate) async fn channel_list(&self) -> Result<Vec<ChannelView>, Failure> {
        let rows = self.store().read(|db| db.channels()).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            views.push(self.channel_view(row).await?);
        }
        Ok(views)
    }

    /// A channel as the API shows it, with its connector's live state.
    pub(crate) async fn channel_view(&self, c: ChannelRow) -> Result<ChannelView, Failure> {
        let replies = match c.settings.mail_sender() {
            Some(from) => {
                let id = c.id;
                let counts = self.store().read(move |db| db.reply_counts(id)).await?;
                Some(ReplyHealth {
                    from,
                    sent: counts.sent,
                    queued: counts.queued,
                    failed: counts.failed,
                    last_error: counts.last_error.as_ref().map(english),
                    last_problem: counts.last_error,
                    last_error_at: counts.last_error_at,
                })
            }
            None => None,
        };
        let live = self.connector_state(c.id);
        let kind = kind::of(c.kind());
        let receives = kind.receives();
        let state = match &live {
            Some(l) => l.state,
            None if receives => ChannelState::Listening,
            None => ChannelState::Stopped,
        };
        let spec = spec_from_row(&c);
        let description = kind.describe(&c.name, &c.settings.redacted());
        // The live error is newer than the stored one while a connector retries.
        let last_problem = live.as_ref().and_then(|l| l.error.clone()).or_else(|| c.last_error.clone());
        Ok(ChannelView {
            replies,
            path: receives.then(|| format!("/hooks/{}", c.name)),
            about: english(&description),
            description,
            kind: c.kind(),
            spec,
            state,
            next_retry_at: live.as_ref().and_then(|l| l.next_retry_at),
            progress: live.as_ref().and_then(|l| l.progress),
            waiting_for: live.as_ref().and_then(|l| l.waiting.clone()),
            id: c.id,
            name: c.name,
            health: c.health,
            last_sync_at: c.last_sync_at,
            last_error: last_problem.as_ref().map(english),
            last_problem,
            last_error_at: c.last_error_at,
            messages: c.message_count,
            last_message_at: c.last_message_at,
            created_at: c.created_at,
        })
    }

    pub(crate) async fn channel_named(&self, name: &str) -> Result<ChannelRow, Failure> {
        let lookup = name.to_owned();
        let row = self.store().read(move |db| db.channel_by_name(&lookup)).await?;
        Ok(row.ok_or_else(|| ApiError::not_found(Phrase::new("channel.no_such").with("name", format!("{name:?}"))))?)
    }

    pub(crate) async fn channel_add(&self, spec: ChannelSpec) -> Result<ChannelCreated, Failure> {
        validate_channel_name(&spec.name).map_err(|e| ApiError::invalid(e.phrase()).on("name"))?;
        let kind = kind::of(spec.kind());
        let settings = validate(spec.settings.clone())?;
        let exists = {
            let name = spec.name.clone();
            self.store().read(move |db| db.channel_by_name(&name)).await?.is_some()
        };
        if exists {
            let problem = Phrase::new("conflict.channel_exists").with("name", format!("{:?}", spec.name));
            return Err(ApiError::new(ErrorCode::Conflict, problem).on("name").into());
        }
        let secret_ref = match (kind.secret(), spec.password.clone().filter(|p| !p.is_empty())) {
            (true, Some(password)) => Some(self.put_secret(&spec, password).await?),
            (true, None) => {
                return Err(ApiError::invalid(Phrase::new("channel.needs_password").with("kind", kind.kind())).on("password").into());
            }
            (false, Some(_)) => return Err(not_applicable("password", kind.kind()).into()),
            (false, None) => None,
        };
        let token = kind.receives().then(|| token::generate("lull_wh_"));
        let now = self.now();
        let channel = NewChannel { name: spec.name.clone(), settings, token_hash: token.as_deref().map(token::hash), secret_ref };
        self.store().write(move |tx| tx.insert_channel(&channel, now)).await?;
        let row = self.channel_named(&spec.name).await?;
        self.refresh_connectors().await;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(ChannelCreated { channel: self.channel_view(row).await?, token })
    }

    pub(crate) async fn channel_edit(&self, spec: ChannelSpec) -> Result<ChannelView, Failure> {
        let row = self.channel_named(&spec.name).await?;
        if row.kind() != spec.kind() {
            let problem = Phrase::new("channel.kind_fixed").with("name", format!("{:?}", row.name)).with("kind", row.kind());
            return Err(ApiError::invalid(problem.with("new_kind", spec.kind())).on("kind").into());
        }
        let kind = kind::of(row.kind());
        let settings = validate(spec.settings.clone().keeping_secrets_of(&row.settings))?;
        let reset = kind.restarts_afresh(&row.settings, &settings);
        let id = row.id;
        let secret_ref = match spec.password.clone().filter(|p| !p.is_empty()) {
            Some(_) if !kind.secret() => return Err(not_applicable("password", kind.kind()).into()),
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
        self.channel_view(self.channel_named(&spec.name).await?).await
    }

    /// Keeps a channel's password where the user chose (the keyring unless told otherwise).
    async fn put_secret(&self, spec: &ChannelSpec, password: String) -> Result<String, Failure> {
        self.keep_secret(spec.name.clone(), spec.secret_store, password).await
    }

    /// Keeps a secret under `key` where the user chose (the keyring unless told otherwise);
    /// returns the reference the database keeps. A refusal names the `secret_store` field.
    pub(crate) async fn keep_secret(&self, key: String, store: Option<SecretStore>, secret: String) -> Result<String, Failure> {
        let secrets = crate::secrets::Secrets::new(self.data_dir().root());
        let store = store.unwrap_or(SecretStore::Keyring);
        let stored = tokio::task::spawn_blocking(move || secrets.put(store, &key, &secret))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, Phrase::new("secret.task_failed").with("detail", e)))?;
        Ok(stored.map_err(|e| ApiError::new(ErrorCode::Unavailable, e.phrase()).on("secret_store"))?)
    }

    pub(crate) async fn channel_test(&self, name: String) -> Result<ChannelTestReport, Failure> {
        let row = self.channel_named(&name).await?;
        let kind = kind::of(row.kind());
        let ctx = CheckContext {
            name: row.name.clone(),
            server_url: self.server_url().unwrap_or_else(|| self.usual_server_url()),
            bus: crate::connectors::session_bus(),
            running_ok: self.connector_state(row.id).is_some_and(|l| l.state == ChannelState::Ok),
            secret: kind.secret().then(|| crate::connectors::secret_source(self.data_dir(), &row)),
        };
        let checked = kind.check(&row.settings, ctx).await;
        Ok(ChannelTestReport::new(row.name, checked.steps, checked.outcome))
    }
}

/// Checks settings with their kind.
fn validate(settings: ChannelSettings) -> Result<ChannelSettings, ApiError> {
    kind::of(settings.kind()).validate(settings).map_err(|e| ApiError::invalid(e.problem).on(e.field))
}

/// A field given to a kind of channel that has no such thing.
fn not_applicable(field: &str, kind: lull_core::channel::ChannelKind) -> ApiError {
    ApiError::invalid(Phrase::new("channel.not_applicable").with("field", field).with("kind", kind)).on(field)
}

/// The kinds of channel, with what the UI needs to offer them.
pub(super) fn kinds() -> Vec<ChannelKindView> {
    kind::all()
        .iter()
        .map(|k| ChannelKindView { kind: k.kind(), secret: k.secret(), receives: k.receives(), presets: k.presets() })
        .collect()
}

/// The spec a stored channel was made from (for export and editing); never holds a secret:
/// passwords are elsewhere, and secrets in addresses are redacted (an edit that sends the
/// redacted address back keeps the stored one).
pub(crate) fn spec_from_row(row: &ChannelRow) -> ChannelSpec {
    let secret_store = row.secret_ref.as_deref().map(|r| if r.starts_with("file:") { SecretStore::File } else { SecretStore::Keyring });
    ChannelSpec { secret_store, ..ChannelSpec::new(row.name.clone(), row.settings.redacted()) }
}
