//! The body of every API request. The HTTP handler, the CLI's in-process mode and (later) the
//! Tauri commands all call [`Engine::handle`]; none of them has logic of its own.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use lull_core::digest::plural;
use lull_core::model::{ChannelKind, ClientMode, Identity, LiveWindow, Tier, validate_channel_name};
use lull_core::policy::{FocusSession, replan_release};
use lull_core::schedule::Schedule;
use lull_core::simulate::simulate;
use lull_core::stats::{ClientInfo, IsoWeek, StatsInput, assemble, week_figures};
use lull_core::text::format_release;
use lull_core::week::{TimeOfDay, WeeklyRange, WeeklySlot, parse_tz, start_of_local_day};
use lull_store::{ClientDraft, InboxFilter, NewChannel};

use crate::api::*;
use crate::connectors;
use crate::engine::{Engine, MessageDraft, PolicyContext, decide_message, distinct_clients, load_schedule};
use crate::token;

/// The `format` of a configuration document.
pub const CONFIG_FORMAT: &str = "lull-config";

/// Longest manual focus session: half a day. Longer is a schedule, not a session.
pub const MAX_FOCUS_MINUTES: u32 = 12 * 60;

impl Engine {
    /// Answers one request.
    pub async fn handle(&self, request: Request) -> Result<Response, ApiError> {
        match request {
            Request::Status => self.status().await.map(Response::Status),
            Request::ScheduleShow => self.schedule_show().await.map(Response::Schedule),
            Request::ScheduleSet(update) => self.schedule_set(update).await.map(Response::Schedule),
            Request::ClientList => self.client_list().await.map(Response::Clients),
            Request::ClientAdd(spec) => self.client_add(spec).await.map(Response::Client),
            Request::ClientEdit(edit) => self.client_edit(edit).await.map(Response::Client),
            Request::ClientRemove { name } => self.client_remove(name).await,
            Request::ChannelList => {
                let rows = self.store().read(|db| db.channels()).await?;
                Ok(Response::Channels(rows.into_iter().map(|r| self.channel_view(r)).collect()))
            }
            Request::ChannelAdd(spec) => self.channel_add(spec).await.map(Response::ChannelCreated),
            Request::ChannelEdit(spec) => self.channel_edit(spec).await.map(Response::Channel),
            Request::ChannelTest { name } => self.channel_test(name).await.map(Response::ChannelTested),
            Request::Explain(query) => self.explain(query).await.map(Response::Explanation),
            Request::FocusStart { minutes } => self.focus_start(minutes).await.map(Response::Focus),
            Request::FocusStop => self.focus_stop().await.map(Response::Focus),
            Request::Inbox(query) => self.inbox(query).await.map(Response::Inbox),
            Request::DigestList { limit } => {
                let rows = self.store().read(move |db| db.digests(limit.clamp(1, 500))).await?;
                Ok(Response::Digests(rows.into_iter().map(DigestView::from).collect()))
            }
            Request::DigestShow { id } => self.digest_show(id).await.map(Response::Digest),
            Request::DigestNow => Ok(Response::DigestReleased(self.release_all_now().await?)),
            Request::StatsWeek { week } => self.stats_week(week).await.map(|s| Response::Stats(Box::new(s))),
            Request::Simulate { trace, week } => {
                let week = week.map(|w| w.parse::<IsoWeek>().map_err(|e| ApiError::invalid(e.to_string()))).transpose()?;
                let (schedule, clients) = self.store().read(|db| Ok((load_schedule(db)?, db.clients()?))).await?;
                Ok(Response::Simulation(Box::new(simulate(&schedule, &clients, &trace, week))))
            }
            Request::RecordOpen { source } => {
                let now = self.now();
                self.store().write(move |tx| tx.record_open(now, &source)).await?;
                Ok(Response::Ok)
            }
            Request::MarkRead { ids, read } => {
                let at = read.then(|| self.now());
                self.updated(move |tx| tx.set_read(&ids, at)).await
            }
            Request::Archive { ids, archived } => {
                let at = archived.then(|| self.now());
                self.updated(move |tx| tx.set_archived(&ids, at)).await
            }
            Request::Snooze { ids } => {
                let now = self.now();
                let until = self.store().read(move |db| Ok(load_schedule(db)?.next_digest_after(now))).await?;
                self.updated(move |tx| tx.set_snoozed(&ids, Some(until))).await
            }
            Request::Info => {
                let dir = self.data_dir().clone();
                let messages = self.store().read(|db| db.message_count()).await?;
                Ok(Response::Info(InfoView {
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    data_dir: dir.root().display().to_string(),
                    database: dir.db_path().display().to_string(),
                    schema: lull_store::schema::latest_version(),
                    messages,
                    server_url: self.shared().server_url.lock().ok().and_then(|u| u.clone()),
                }))
            }
            Request::ConfigExport => self.config_export().await.map(Response::Config),
            Request::ConfigImport(doc) => self.config_import(doc).await.map(Response::Imported),
            Request::Demo => crate::demo::seed(self).await.map(Response::Demo),
        }
    }

    /// Runs a triage write and reports how many messages it changed.
    async fn updated(
        &self,
        f: impl FnOnce(&lull_store::Tx<'_>) -> lull_store::Result<usize> + Send + 'static,
    ) -> Result<Response, ApiError> {
        let count = self.store().write(f).await?;
        Ok(Response::Updated { count: count as u32 })
    }

    async fn config_export(&self) -> Result<ConfigDocument, ApiError> {
        let (schedule, clients, channels) = self.store().read(|db| Ok((load_schedule(db)?, db.clients()?, db.channels()?))).await?;
        Ok(ConfigDocument {
            format: CONFIG_FORMAT.to_owned(),
            version: 1,
            schedule,
            clients: clients
                .into_iter()
                .map(|c| ClientSpec {
                    name: c.name,
                    tz: Some(c.tz.name().to_owned()),
                    tier: Some(c.tier),
                    mode: Some(c.mode),
                    bypass_quota: Some(c.bypass_quota),
                    matches: c.identities.iter().map(Identity::to_string).collect(),
                    live: c.live_windows.iter().map(LiveWindow::to_string).collect(),
                })
                .collect(),
            channels: channels.iter().map(connectors::spec_from_row).collect(),
        })
    }

    async fn config_import(&self, doc: ConfigDocument) -> Result<ImportReport, ApiError> {
        if doc.format != CONFIG_FORMAT || doc.version != 1 {
            return Err(ApiError::invalid(format!(
                "not a Lull configuration this version can read (format {:?}, version {}); export one from Settings first",
                doc.format, doc.version
            )));
        }
        let schedule = doc.schedule.clone().validated().map_err(|e| ApiError::invalid(format!("schedule: {e}")))?;
        let now = self.now();
        self.store().write(move |tx| tx.put_schedule(&schedule, now)).await?;
        let existing: Vec<String> = self.store().read(|db| Ok(db.clients()?.into_iter().map(|c| c.name).collect())).await?;
        let mut report = ImportReport { clients_added: 0, clients_updated: 0, channels_added: Vec::new() };
        for spec in doc.clients {
            if existing.iter().any(|n| n.eq_ignore_ascii_case(&spec.name)) {
                let current = self.client_named(&spec.name, now).await?;
                let edit = ClientEdit {
                    name: spec.name.clone(),
                    rename: None,
                    tz: spec.tz,
                    tier: spec.tier,
                    mode: spec.mode,
                    bypass_quota: spec.bypass_quota,
                    add_matches: spec.matches.clone(),
                    remove_matches: current.matches.iter().filter(|m| !spec.matches.contains(m)).cloned().collect(),
                    live: Some(spec.live),
                };
                self.client_edit(edit).await?;
                report.clients_updated += 1;
            } else {
                self.client_add(spec).await?;
                report.clients_added += 1;
            }
        }
        let channels: Vec<String> = self.store().read(|db| Ok(db.channel_names()?.into_iter().map(|(_, n)| n).collect())).await?;
        for spec in doc.channels.into_iter().filter(|c| !channels.contains(&c.name) && c.kind != ChannelKind::Imap) {
            report.channels_added.push(self.channel_add(spec).await?);
        }
        let _ = self.shared().events.send(EngineEvent::ScheduleChanged);
        self.replan();
        Ok(report)
    }

    async fn status(&self) -> Result<StatusView, ApiError> {
        let now = self.now();
        let (schedule, sessions, held, due_next, bypasses_today) = self
            .store()
            .read(move |db| {
                let schedule = load_schedule(db)?;
                let next = schedule.next_digest_after(now);
                let sessions = db.focus_sessions(now - Duration::days(1), now + Duration::days(1))?;
                let (held, _) = db.pending()?;
                let due_next = db.due_messages(Some(next))?;
                let bypasses = db.bypass_total(start_of_local_day(schedule.tz, now), now + Duration::seconds(1))?;
                Ok((schedule, sessions, held, due_next, bypasses))
            })
            .await?;
        let next_digest = schedule.next_digest_after(now);
        let focus = focus_view(&schedule, &sessions, now);
        let next_digest_messages = due_next.len() as u32;
        let next_digest_clients = distinct_clients(due_next.iter().map(|d| d.client_id));
        let when = format_release(now, next_digest, schedule.tz);
        let next = if next_digest_messages == 0 {
            format!("Next digest at {when}: nothing waiting yet.")
        } else {
            format!(
                "Next digest at {when}: {} from {}.",
                plural(next_digest_messages, "message", "messages"),
                plural(next_digest_clients, "client", "clients")
            )
        };
        let urgent = match bypasses_today {
            0 => "Nothing urgent.".to_owned(),
            n => format!("{} broke through today.", plural(n, "urgent message", "urgent messages")),
        };
        let summary = match (&focus.in_focus, focus.until) {
            (true, Some(until)) => format!("In focus until {}. {urgent} {next}", format_release(now, until, schedule.tz)),
            _ => format!("Not in focus. {urgent} {next}"),
        };
        Ok(StatusView {
            now,
            tz: schedule.tz.name().to_owned(),
            focus,
            held,
            next_digest,
            next_digest_messages,
            next_digest_clients,
            bypasses_today,
            notifications_error: self.shared().last_notify_error.lock().ok().and_then(|e| e.clone()),
            summary,
        })
    }

    async fn schedule_show(&self) -> Result<ScheduleView, ApiError> {
        let now = self.now();
        let schedule = self.store().read(load_schedule).await?;
        Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned: 0 })
    }

    async fn schedule_set(&self, update: ScheduleUpdate) -> Result<ScheduleView, ApiError> {
        let now = self.now();
        let current = self.store().read(load_schedule).await?;
        let schedule = apply_schedule_update(current.clone(), &update)?;
        if schedule == current {
            return Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned: 0 });
        }
        let saved = schedule.clone();
        let replanned = self
            .store()
            .write(move |tx| {
                tx.put_schedule(&saved, now)?;
                let mut moved = 0u32;
                for m in tx.held_for_replan()? {
                    // A message already due (its digest was missed while Lull was off) stays due:
                    // the scheduler releases it at once rather than a digest later.
                    if m.release_at.is_some_and(|r| r <= now) {
                        continue;
                    }
                    let release = replan_release(&saved, &m.rule, m.received_at, now);
                    if Some(release) != m.release_at {
                        tx.replan_message(m.id, &m.rule, release, &m.rule.reason(m.received_at, Some(release), saved.tz), now)?;
                        moved += 1;
                    }
                }
                Ok(moved)
            })
            .await?;
        let _ = self.shared().events.send(EngineEvent::ScheduleChanged);
        self.replan();
        Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned })
    }

    async fn client_list(&self) -> Result<Vec<ClientView>, ApiError> {
        let now = self.now();
        let (clients, volumes) = self.store().read(move |db| Ok((db.clients()?, db.client_volumes(now - Duration::days(7))?))).await?;
        let volumes: BTreeMap<i64, u32> = volumes.into_iter().collect();
        Ok(clients.iter().map(|c| client_view(c, now, volumes.get(&c.id).copied().unwrap_or(0))).collect())
    }

    pub(crate) async fn client_add(&self, spec: ClientSpec) -> Result<ClientView, ApiError> {
        let now = self.now();
        let user_tz = self.store().read(|db| Ok(load_schedule(db)?.tz)).await?;
        let draft = ClientDraft {
            name: validate_client_name(&spec.name)?,
            tz: spec.tz.as_deref().map(parse_tz_field).transpose()?.unwrap_or(user_tz),
            tier: spec.tier.unwrap_or(Tier::Normal),
            mode: spec.mode.unwrap_or(ClientMode::Normal),
            bypass_quota: spec.bypass_quota.unwrap_or(lull_core::model::DEFAULT_BYPASS_QUOTA),
            identities: parse_matches(&spec.matches)?,
            live_windows: parse_windows(&spec.live)?,
        };
        let name = draft.name.clone();
        self.store().write(move |tx| tx.insert_client(&draft, now)).await?;
        let _ = self.shared().events.send(EngineEvent::ClientsChanged);
        self.client_named(&name, now).await
    }

    async fn client_edit(&self, edit: ClientEdit) -> Result<ClientView, ApiError> {
        let now = self.now();
        let name = edit.name.clone();
        let client = self.store().read(move |db| db.client_by_name(&name)).await?.ok_or_else(|| no_client(&edit.name))?;
        let mut identities = client.identities.clone();
        for m in parse_matches(&edit.remove_matches)? {
            let before = identities.len();
            identities.retain(|i| *i != m);
            if identities.len() == before {
                return Err(ApiError::not_found(format!(
                    "{} has no match {m}; its matches are: {}",
                    client.name,
                    join(&client.identities)
                )));
            }
        }
        for m in parse_matches(&edit.add_matches)? {
            if !identities.contains(&m) {
                identities.push(m);
            }
        }
        let draft = ClientDraft {
            name: edit.rename.as_deref().map(validate_client_name).transpose()?.unwrap_or_else(|| client.name.clone()),
            tz: edit.tz.as_deref().map(parse_tz_field).transpose()?.unwrap_or(client.tz),
            tier: edit.tier.unwrap_or(client.tier),
            mode: edit.mode.unwrap_or(client.mode),
            bypass_quota: edit.bypass_quota.unwrap_or(client.bypass_quota),
            identities,
            live_windows: match &edit.live {
                Some(live) => parse_windows(live)?,
                None => client.live_windows.clone(),
            },
        };
        let new_name = draft.name.clone();
        let id = client.id;
        self.store().write(move |tx| tx.update_client(id, &draft)).await?;
        let _ = self.shared().events.send(EngineEvent::ClientsChanged);
        self.client_named(&new_name, now).await
    }

    async fn client_named(&self, name: &str, now: DateTime<Utc>) -> Result<ClientView, ApiError> {
        let name = name.to_owned();
        let (client, volumes) =
            self.store().read(move |db| Ok((db.client_by_name(&name)?, db.client_volumes(now - Duration::days(7))?))).await?;
        let client = client.ok_or_else(|| ApiError::new(ErrorCode::Internal, "the client vanished while being saved"))?;
        let volume = volumes.iter().find(|(id, _)| *id == client.id).map_or(0, |(_, n)| *n);
        Ok(client_view(&client, now, volume))
    }

    async fn client_remove(&self, name: String) -> Result<Response, ApiError> {
        let lookup = name.clone();
        let client = self.store().read(move |db| db.client_by_name(&lookup)).await?.ok_or_else(|| no_client(&name))?;
        let id = client.id;
        let messages_kept = self
            .store()
            .write(move |tx| {
                let n = tx.client_message_count(id)?;
                tx.delete_client(id)?;
                Ok(n)
            })
            .await?;
        let _ = self.shared().events.send(EngineEvent::ClientsChanged);
        Ok(Response::Removed { name: client.name, messages_kept })
    }

    /// A channel as the API shows it, with its connector's live state.
    pub(crate) fn channel_view(&self, c: lull_store::ChannelRow) -> ChannelView {
        let live = self.shared().connectors.live(c.id);
        let state = match (&live, c.kind) {
            (Some(l), _) => l.state,
            (None, ChannelKind::Webhook) => ChannelState::Listening,
            (None, _) => ChannelState::Stopped,
        };
        let spec = connectors::spec_from_row(&c);
        ChannelView {
            path: (c.kind == ChannelKind::Webhook).then(|| format!("/hooks/{}", c.name)),
            about: connectors::about(&c, &spec),
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

    async fn channel_named(&self, name: &str) -> Result<lull_store::ChannelRow, ApiError> {
        let lookup = name.to_owned();
        self.store()
            .read(move |db| db.channel_by_name(&lookup))
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no channel named {name:?}; see them with `lull channel list`")))
    }

    pub(crate) async fn channel_add(&self, spec: ChannelSpec) -> Result<ChannelCreated, ApiError> {
        validate_channel_name(&spec.name).map_err(ApiError::invalid)?;
        let settings = connectors::settings_from_spec(&spec)?;
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
            return Err(ApiError::new(ErrorCode::Conflict, format!("a channel named {:?} already exists", spec.name)));
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
        let _ = self.shared().events.send(EngineEvent::ChannelsChanged);
        Ok(ChannelCreated { channel: self.channel_view(row), token })
    }

    async fn channel_edit(&self, spec: ChannelSpec) -> Result<ChannelView, ApiError> {
        let row = self.channel_named(&spec.name).await?;
        if row.kind != spec.kind {
            return Err(ApiError::invalid(format!(
                "{:?} is a {} channel; a channel's kind cannot change (add a new {} channel instead)",
                row.name, row.kind, spec.kind
            )));
        }
        let settings = connectors::settings_from_spec(&spec)?;
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
        let _ = self.shared().events.send(EngineEvent::ChannelsChanged);
        Ok(self.channel_view(self.channel_named(&spec.name).await?))
    }

    async fn test_imap(&self, row: &lull_store::ChannelRow, steps: &mut Vec<String>) -> Result<String, String> {
        let settings: lull_channels::imap::ImapSettings = serde_json::from_value(row.settings.clone()).map_err(|e| e.to_string())?;
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
    async fn put_secret(&self, spec: &ChannelSpec, password: String) -> Result<String, ApiError> {
        let secrets = crate::secrets::Secrets::new(self.data_dir().root());
        let store = spec.secret_store.unwrap_or(crate::secrets::SecretStore::Keyring);
        let name = spec.name.clone();
        tokio::task::spawn_blocking(move || secrets.put(store, &name, &password))
            .await
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?
            .map_err(|e| ApiError::new(ErrorCode::Unavailable, e.to_string()))
    }

    async fn channel_test(&self, name: String) -> Result<ChannelTestReport, ApiError> {
        let row = self.channel_named(&name).await?;
        let spec = connectors::spec_from_row(&row);
        let mut steps = Vec::new();
        let outcome: Result<String, String> = match row.kind {
            ChannelKind::Webhook => {
                steps.push(format!(
                    "receives at {}hooks/{}",
                    self.shared().server_url.lock().ok().and_then(|u| u.clone()).unwrap_or_else(|| "http://127.0.0.1:7707/".into()),
                    row.name
                ));
                if let Some(m) =
                    row.settings.get("mapping").cloned().and_then(|m| serde_json::from_value::<lull_channels::mapping::Mapping>(m).ok())
                {
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
                        let live = self.shared().connectors.live(row.id);
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

    async fn explain(&self, q: ExplainQuery) -> Result<Explanation, ApiError> {
        if q.from.trim().is_empty() {
            return Err(ApiError::invalid("--from is empty: give the sender's address or name, e.g. jane@acme.com"));
        }
        let category = q.category.unwrap_or(lull_core::Category::Direct);
        if let Some(name) = &q.client {
            let lookup = name.clone();
            if self.store().read(move |db| db.client_by_name(&lookup)).await?.is_none() {
                return Err(no_client(name));
            }
        }
        self.store()
            .read(move |db| {
                let mut ctx = PolicyContext::load(db, q.at, q.at)?;
                if let Some(update) = &q.schedule {
                    match apply_schedule_update(ctx.schedule.clone(), update) {
                        Ok(s) => ctx.schedule = s,
                        Err(e) => return Ok(Err(e)),
                    }
                }
                let channel = q.channel.clone().unwrap_or_default();
                let draft = MessageDraft {
                    as_client: q.client.as_deref(),
                    channel: &channel,
                    sender: &q.from,
                    title: &q.title,
                    body: &q.body,
                    app: q.app.as_deref(),
                    category,
                    at: q.at,
                };
                let d = decide_message(db, &ctx, &draft)?;
                Ok(Ok(Explanation {
                    at: q.at,
                    client: d.client.map(|c| c.name.clone()),
                    matched: d.matched.map(Identity::to_string),
                    category,
                    decision: d.decision.kind,
                    release_at: d.decision.release_at,
                    reason: d.decision.reason,
                    rule: d.decision.rule,
                }))
            })
            .await?
    }

    async fn focus_start(&self, minutes: u32) -> Result<FocusView, ApiError> {
        if minutes == 0 || minutes > MAX_FOCUS_MINUTES {
            return Err(ApiError::invalid(format!(
                "a focus session lasts 1 to {MAX_FOCUS_MINUTES} minutes, e.g. --for 90m; for regular focus, use lull schedule set --focus"
            )));
        }
        let now = self.now();
        let end = now + Duration::minutes(i64::from(minutes));
        self.store().write(move |tx| tx.start_focus(now, end)).await?;
        self.focus_changed().await
    }

    async fn focus_stop(&self) -> Result<FocusView, ApiError> {
        let now = self.now();
        let stopped = self.store().write(move |tx| tx.stop_focus(now)).await?;
        if stopped == 0 {
            return Err(ApiError::not_found("no focus session is running"));
        }
        self.focus_changed().await
    }

    async fn focus_changed(&self) -> Result<FocusView, ApiError> {
        let now = self.now();
        let (schedule, sessions) = self
            .store()
            .read(move |db| Ok((load_schedule(db)?, db.focus_sessions(now - Duration::days(1), now + Duration::days(1))?)))
            .await?;
        let focus = focus_view(&schedule, &sessions, now);
        let _ = self.shared().events.send(EngineEvent::FocusChanged { focus: focus.clone() });
        self.replan();
        Ok(focus)
    }

    async fn inbox(&self, q: InboxQuery) -> Result<InboxPage, ApiError> {
        let now = self.now();
        let limit = q.limit.unwrap_or(50).clamp(1, 500);
        if q.search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            self.flush_search_index().await?;
        }
        let page = self
            .store()
            .read(move |db| {
                let client = match q.client.as_deref().map(str::trim) {
                    None => None,
                    Some(name) if name.eq_ignore_ascii_case("unknown") => Some(None),
                    Some(name) => match db.client_by_name(name)? {
                        Some(c) => Some(Some(c.id)),
                        None => return Ok(Err(no_client(name))),
                    },
                };
                let filter = InboxFilter {
                    held_only: q.held_only,
                    interruptions_only: q.interruptions_only,
                    archived: q.archived,
                    now: Some(now),
                    client,
                    search: q.search.clone().filter(|s| !s.trim().is_empty()),
                    before: q.before.map(|c| (c.received_at, c.id)),
                    limit,
                };
                Ok(Ok((db.inbox(&filter)?, q.record_check)))
            })
            .await??;
        let (rows, record_check) = page;
        if record_check {
            self.store().write(move |tx| tx.record_open(now, "inbox")).await?;
        }
        let next = (rows.len() as u32 == limit).then(|| rows.last().map(|m| Cursor { received_at: m.received_at, id: m.id })).flatten();
        Ok(InboxPage { messages: rows.into_iter().map(MessageView::from).collect(), next })
    }

    async fn digest_show(&self, id: i64) -> Result<DigestDetail, ApiError> {
        let (digest, messages) = self.store().read(move |db| Ok((db.digest(id)?, db.digest_messages(id)?))).await?;
        let digest = digest.ok_or_else(|| ApiError::not_found(format!("no digest {id}; `lull digest list` shows them")))?;
        let mut groups: Vec<DigestGroup> = Vec::new();
        for m in messages.into_iter().map(MessageView::from) {
            match groups.last_mut() {
                Some(g) if g.client == m.client => g.messages.push(m),
                _ => groups.push(DigestGroup { client: m.client.clone(), messages: vec![m] }),
            }
        }
        Ok(DigestDetail { digest: DigestView::from(digest), groups })
    }

    async fn stats_week(&self, week: Option<String>) -> Result<lull_core::stats::WeekStats, ApiError> {
        let now = self.now();
        let (schedule, clients, channels) = self
            .store()
            .read(|db| {
                let clients: Vec<ClientInfo> = db
                    .clients()?
                    .into_iter()
                    .map(|c| ClientInfo { id: c.id, name: c.name, tz: c.tz, bypass_quota: c.bypass_quota })
                    .collect();
                Ok((load_schedule(db)?, clients, db.channel_names()?))
            })
            .await?;
        let week = match week {
            Some(w) => w.parse::<IsoWeek>().map_err(|e| ApiError::invalid(e.to_string()))?,
            None => IsoWeek::containing(now, schedule.tz),
        };
        let context = Arc::new((schedule, clients, channels));
        // The two weeks are read and computed on two reader connections at once.
        let figures_of = |week: IsoWeek| {
            let context = context.clone();
            self.store().read(move |db| {
                let (schedule, clients, channels) = &*context;
                let (from, to) = week.bounds(schedule.tz);
                let messages = db.stats_messages(from, to)?;
                let interruptions = db.interruptions(from, to)?;
                let sessions = db.focus_sessions(from, to)?;
                let checks = db.checks(from, to)?;
                let input = StatsInput {
                    schedule,
                    now,
                    messages: &messages,
                    interruptions: &interruptions,
                    sessions: &sessions,
                    checks: &checks,
                    clients,
                    channels,
                };
                Ok(week_figures(&input, week))
            })
        };
        let (this, previous) = tokio::try_join!(figures_of(week), figures_of(week.previous()))?;
        let (schedule, clients, channels) = &*context;
        let input = StatsInput { schedule, now, messages: &[], interruptions: &[], sessions: &[], checks: &[], clients, channels };
        Ok(assemble(&input, this, previous))
    }
}

/// Whether focus is in force at `now`, from a session or a block, and until when.
pub fn focus_view(schedule: &Schedule, sessions: &[FocusSession], now: DateTime<Utc>) -> FocusView {
    if let Some(s) = sessions.iter().filter(|s| s.started_at <= now && now < s.ends_at).max_by_key(|s| s.ends_at) {
        return FocusView { in_focus: true, source: Some("session".into()), until: Some(s.ends_at), block: None };
    }
    match schedule.focus_block_at(now) {
        Some((block, until)) => {
            FocusView { in_focus: true, source: Some("block".into()), until: Some(until), block: Some(block.to_string()) }
        }
        None => FocusView { in_focus: false, source: None, until: None, block: None },
    }
}

fn client_view(c: &lull_core::Client, now: DateTime<Utc>, messages_7d: u32) -> ClientView {
    ClientView {
        id: c.id,
        name: c.name.clone(),
        tz: c.tz.name().to_owned(),
        local_time: now.with_timezone(&c.tz).format("%a %H:%M").to_string(),
        tier: c.tier,
        mode: c.mode,
        bypass_quota: c.bypass_quota,
        matches: c.identities.iter().map(Identity::to_string).collect(),
        live_windows: c.live_windows.iter().map(LiveWindow::to_string).collect(),
        messages_7d,
    }
}

fn join(identities: &[Identity]) -> String {
    if identities.is_empty() {
        return "none".into();
    }
    identities.iter().map(Identity::to_string).collect::<Vec<_>>().join(", ")
}

fn no_client(name: &str) -> ApiError {
    ApiError::not_found(format!("no client named {name:?}; `lull client list` shows them"))
}

fn validate_client_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid("a client name has 1 to 80 characters"));
    }
    if name.eq_ignore_ascii_case("unknown") {
        return Err(ApiError::invalid("\"Unknown\" is where unattributed messages go; choose another name"));
    }
    Ok(name.to_owned())
}

fn parse_tz_field(s: &str) -> Result<Tz, ApiError> {
    parse_tz(s).map_err(|e| ApiError::invalid(e.to_string()))
}

fn parse_matches(matches: &[String]) -> Result<Vec<Identity>, ApiError> {
    matches.iter().map(|m| m.parse::<Identity>().map_err(|e| ApiError::invalid(e.to_string()))).collect()
}

fn parse_windows(windows: &[String]) -> Result<Vec<LiveWindow>, ApiError> {
    windows.iter().map(|w| w.parse::<LiveWindow>().map_err(|e| ApiError::invalid(format!("--live {w:?}: {e}")))).collect()
}

/// Applies a schedule update, naming the option of any value that does not parse.
pub fn apply_schedule_update(mut s: Schedule, u: &ScheduleUpdate) -> Result<Schedule, ApiError> {
    fn ranges(option: &str, values: &[String]) -> Result<Vec<WeeklyRange>, ApiError> {
        values.iter().map(|v| v.parse().map_err(|e| ApiError::invalid(format!("--{option} {v:?}: {e}")))).collect()
    }
    if let Some(tz) = &u.tz {
        s.tz = parse_tz_field(tz)?;
    }
    if let Some(focus) = &u.focus {
        s.focus = ranges("focus", focus)?;
    }
    if let Some(work) = &u.work {
        s.work = ranges("work", work)?;
    }
    if let Some(digests) = &u.digests {
        s.digests = digests
            .iter()
            .flat_map(|d| d.split(','))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.parse::<TimeOfDay>().map_err(|e| ApiError::invalid(format!("--digest: {e}"))))
            .collect::<Result<_, _>>()?;
    }
    if let Some(weekly) = &u.weekly_digest {
        s.weekly_digest = weekly.parse::<WeeklySlot>().map_err(|e| ApiError::invalid(format!("--weekly-digest {weekly:?}: {e}")))?;
    }
    if let Some(words) = &u.urgent_words {
        s.urgent_words = words.iter().flat_map(|w| w.split(',')).map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect();
    }
    s.validated().map_err(|e| ApiError::invalid(e.to_string()))
}
