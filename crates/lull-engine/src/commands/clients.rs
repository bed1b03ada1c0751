//! Clients: adding, editing, listing and removing them.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use lull_api::ApiError;
use lull_api::ErrorCode;
use lull_api::clients::{ClientEdit, ClientSpec, ClientView, Removed};
use lull_api::events::EngineEvent;
use lull_core::autoreply::ReplySwitch;
use lull_core::model::{ClientMode, Identity, LiveWindow, Tier};
use lull_core::phrase::{Phrase, Said};
use lull_core::stats::UNKNOWN_CLIENT;
use lull_store::ClientDraft;

use super::schedule::parse_tz_field;
use super::{Failure, bad_value};
use crate::engine::{Engine, load_schedule};

impl Engine {
    pub(crate) async fn client_list(&self) -> Result<Vec<ClientView>, Failure> {
        let now = self.now();
        let (clients, volumes, schedule, shared) = self
            .store()
            .read(move |db| Ok((db.clients()?, db.client_volumes(now - Duration::days(7))?, load_schedule(db)?, db.charters_shared()?)))
            .await?;
        let volumes: BTreeMap<i64, u32> = volumes.into_iter().collect();
        Ok(clients
            .iter()
            .map(|c| {
                let shared = shared.iter().find(|(id, _, _)| *id == c.id).map(|(_, f, at)| (f.as_str(), *at));
                client_view(c, now, volumes.get(&c.id).copied().unwrap_or(0), &schedule, shared)
            })
            .collect())
    }

    pub(crate) async fn client_add(&self, spec: ClientSpec) -> Result<ClientView, Failure> {
        let now = self.now();
        let user_tz = self.store().read(|db| Ok(load_schedule(db)?.tz)).await?;
        let draft = ClientDraft {
            name: validate_client_name(&spec.name)?,
            tz: spec.tz.as_deref().map(parse_tz_field).transpose()?.unwrap_or(user_tz),
            tier: spec.tier.unwrap_or(Tier::Normal),
            mode: spec.mode.unwrap_or(ClientMode::Normal),
            bypass_quota: spec.bypass_quota.unwrap_or(lull_core::model::DEFAULT_BYPASS_QUOTA),
            identities: parse_matches(&spec.matches).map_err(|e| e.on("matches"))?,
            live_windows: parse_windows(&spec.live)?,
            auto_reply: spec.auto_reply.and_then(ReplySwitch::lang),
        };
        let name = draft.name.clone();
        self.store().write(move |tx| tx.insert_client(&draft, now)).await?;
        self.emit(EngineEvent::ClientsChanged);
        self.client_named(&name, now).await
    }

    pub(crate) async fn client_edit(&self, edit: ClientEdit) -> Result<ClientView, Failure> {
        let now = self.now();
        let name = edit.name.clone();
        let client = self.store().read(move |db| db.client_by_name(&name)).await?.ok_or_else(|| no_client(&edit.name))?;
        let mut identities = client.identities.clone();
        for m in parse_matches(&edit.remove_matches).map_err(|e| e.on("remove_matches"))? {
            let before = identities.len();
            identities.retain(|i| *i != m);
            if identities.len() == before {
                let known = Phrase::new("client.no_match").with("client", &client.name).with("identity", &m);
                return Err(ApiError::not_found(known.with("matches", join(&client.identities))).on("remove_matches").into());
            }
        }
        for m in parse_matches(&edit.add_matches).map_err(|e| e.on("add_matches"))? {
            if !identities.contains(&m) {
                identities.push(m);
            }
        }
        let draft = ClientDraft {
            name: edit
                .rename
                .as_deref()
                .map(validate_client_name)
                .transpose()
                .map_err(|e| e.on("rename"))?
                .unwrap_or_else(|| client.name.clone()),
            tz: edit.tz.as_deref().map(parse_tz_field).transpose()?.unwrap_or(client.tz),
            tier: edit.tier.unwrap_or(client.tier),
            mode: edit.mode.unwrap_or(client.mode),
            bypass_quota: edit.bypass_quota.unwrap_or(client.bypass_quota),
            identities,
            live_windows: match &edit.live {
                Some(live) => parse_windows(live)?,
                None => client.live_windows.clone(),
            },
            auto_reply: edit.auto_reply.map_or(client.auto_reply, ReplySwitch::lang),
        };
        let new_name = draft.name.clone();
        let id = client.id;
        self.store().write(move |tx| tx.update_client(id, &draft)).await?;
        self.emit(EngineEvent::ClientsChanged);
        self.client_named(&new_name, now).await
    }

    pub(crate) async fn client_named(&self, name: &str, now: DateTime<Utc>) -> Result<ClientView, Failure> {
        let name = name.to_owned();
        let (client, volumes, schedule, shared) = self
            .store()
            .read(move |db| {
                Ok((db.client_by_name(&name)?, db.client_volumes(now - Duration::days(7))?, load_schedule(db)?, db.charters_shared()?))
            })
            .await?;
        let client = client.ok_or_else(|| ApiError::new(ErrorCode::Internal, Phrase::new("client.vanished")))?;
        let volume = volumes.iter().find(|(id, _)| *id == client.id).map_or(0, |(_, n)| *n);
        let shared = shared.iter().find(|(id, _, _)| *id == client.id).map(|(_, f, at)| (f.as_str(), *at));
        Ok(client_view(&client, now, volume, &schedule, shared))
    }

    pub(crate) async fn client_remove(&self, name: String) -> Result<Removed, Failure> {
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
        self.emit(EngineEvent::ClientsChanged);
        Ok(Removed { name: client.name, messages_kept })
    }
}

fn client_view(
    c: &lull_core::Client,
    now: DateTime<Utc>,
    messages_7d: u32,
    schedule: &lull_core::Schedule,
    shared: Option<(&str, DateTime<Utc>)>,
) -> ClientView {
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
        auto_reply: c.auto_reply,
        charter_shared_at: shared.map(|(_, at)| at),
        // Only a charter that was shared can be out of date.
        charter_out_of_date: shared
            .is_some_and(|(f, _)| lull_core::charter::out_of_date(Some(f), &lull_core::charter::charter(schedule, c, now))),
        messages_7d,
    }
}

/// The identities as a list, or the word for none.
fn join(identities: &[Identity]) -> String {
    if identities.is_empty() {
        return "@client.no_matches".into();
    }
    identities.iter().map(Identity::to_string).collect::<Vec<_>>().join(", ")
}

pub(crate) fn no_client(name: &str) -> ApiError {
    ApiError::not_found(Phrase::new("client.no_such").with("name", format!("{name:?}")))
}

fn validate_client_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::invalid(Phrase::new("client.bad_name")).on("name"));
    }
    if name.eq_ignore_ascii_case(UNKNOWN_CLIENT) {
        return Err(ApiError::invalid(Phrase::new("client.name_reserved").with("name", UNKNOWN_CLIENT)).on("name"));
    }
    Ok(name.to_owned())
}

fn parse_matches(matches: &[String]) -> Result<Vec<Identity>, ApiError> {
    matches.iter().map(|m| m.parse::<Identity>().map_err(|e| ApiError::invalid(e.phrase()))).collect()
}

fn parse_windows(windows: &[String]) -> Result<Vec<LiveWindow>, ApiError> {
    windows.iter().map(|w| w.parse::<LiveWindow>().map_err(|e| bad_value("live", w, &e))).collect()
}

impl Engine {
    /// A client's charter now, in the language asked (else the client's reply language, else
    /// English); recorded as shared when asked.
    pub(crate) async fn client_charter(&self, q: lull_api::clients::ClientCharter) -> Result<lull_api::clients::CharterView, Failure> {
        let now = self.now();
        let name = q.name.clone();
        let (client, schedule) = self.store().read(move |db| Ok((db.client_by_name(&name)?, load_schedule(db)?))).await?;
        let client = client.ok_or_else(|| no_client(&q.name))?;
        let charter = lull_core::charter::charter(&schedule, &client, now);
        let lang = q.lang.or(client.auto_reply).unwrap_or(lull_core::autoreply::ReplyLang::En);
        let id = client.id;
        if q.mark_shared {
            let fingerprint = charter.fingerprint.clone();
            self.store().write(move |tx| tx.set_charter_shared(id, &fingerprint, now)).await?;
        }
        let shared = self.store().read(move |db| db.charter_shared(id)).await?;
        let words = lull_words::reply_words(lang);
        Ok(lull_api::clients::CharterView {
            text: words.charter_text(&charter),
            html: words.charter_html(&charter),
            ics: words.charter_ics(&charter),
            lang,
            shared_at: shared.as_ref().map(|(_, at)| *at),
            out_of_date: lull_core::charter::out_of_date(shared.as_ref().map(|(f, _)| f.as_str()), &charter),
            charter,
        })
    }
}
