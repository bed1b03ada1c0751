//! Push targets: adding, listing, testing and removing where Lull rings the phone.

use lull_api::ErrorCode;
use lull_api::error::ApiError;
use lull_api::events::EngineEvent;
use lull_api::push::{PushSpec, PushTargetView, PushTestReport};
use lull_core::phrase::{Phrase, Said};
use lull_core::push::{PushSettings, valid_target_name};
use lull_store::{NewPushTarget, PushTargetRow};

use super::Failure;
use crate::engine::{Engine, secret_key, test_push};

impl Engine {
    pub(crate) async fn push_list(&self) -> Result<Vec<PushTargetView>, Failure> {
        Ok(self.store().read(|db| db.push_targets()).await?.into_iter().map(push_view).collect())
    }

    async fn push_named(&self, name: &str) -> Result<PushTargetRow, Failure> {
        let lookup = name.to_owned();
        let row = self.store().read(move |db| db.push_target_by_name(&lookup)).await?;
        Ok(row.ok_or_else(|| ApiError::not_found(Phrase::new("push.no_such").with("name", format!("{name:?}"))))?)
    }

    pub(crate) async fn push_add(&self, spec: PushSpec) -> Result<PushTargetView, Failure> {
        let name = spec.name.trim().to_owned();
        if !valid_target_name(&name) {
            return Err(ApiError::invalid(Phrase::new("push.bad_name").with("name", format!("{name:?}"))).on("name").into());
        }
        let settings = spec.settings.clone().validated().map_err(|e| ApiError::invalid(e.phrase()).on(e.field()))?;
        let exists = {
            let name = name.clone();
            self.store().read(move |db| db.push_target_by_name(&name)).await?.is_some()
        };
        if exists {
            let problem = Phrase::new("conflict.push_exists").with("name", format!("{name:?}"));
            return Err(ApiError::new(ErrorCode::Conflict, problem).on("name").into());
        }
        let token = spec.token.clone().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let secret_ref = match (&settings, token) {
            (PushSettings::Ntfy(_), Some(token)) => Some(self.keep_secret(secret_key(&name), spec.secret_store, token).await?),
            (PushSettings::Command(_), Some(_)) => {
                return Err(ApiError::invalid(Phrase::new("push.token_not_applicable")).on("token").into());
            }
            (_, None) => None,
        };
        let target = NewPushTarget { name: name.clone(), settings, digests: spec.digests, private: spec.private, secret_ref };
        let now = self.now();
        self.store().write(move |tx| tx.insert_push_target(&target, now)).await?;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(push_view(self.push_named(&name).await?))
    }

    pub(crate) async fn push_test(&self, name: String) -> Result<PushTestReport, Failure> {
        let target = self.push_named(&name).await?;
        let outcome = self.shared_push(&target, &test_push(self.words())).await;
        let now = self.now();
        let (ok, answer) = match outcome {
            Ok(detail) => (true, Phrase::new("push.accepted").with("detail", detail)),
            Err(e) => (false, e.phrase()),
        };
        let (id, error) = (target.id, (!ok).then(|| answer.clone()));
        self.store().write(move |tx| tx.push_target_result(id, now, error.as_ref())).await?;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(PushTestReport { name: target.name, ok, answer })
    }

    pub(crate) async fn push_remove(&self, name: String) -> Result<PushTargetView, Failure> {
        let target = self.push_named(&name).await?;
        let id = target.id;
        self.store().write(move |tx| tx.delete_push_target(id)).await?;
        self.emit(EngineEvent::ChannelsChanged);
        Ok(push_view(target))
    }
}

fn push_view(t: PushTargetRow) -> PushTargetView {
    PushTargetView {
        id: t.id,
        name: t.name,
        kind: t.settings.kind(),
        settings: t.settings,
        digests: t.digests,
        private: t.private,
        protected: t.secret_ref.is_some(),
        created_at: t.created_at,
        last_success_at: t.last_success_at,
        last_error: t.last_error,
        last_error_at: t.last_error_at,
        queued: t.queued,
        sent: t.sent,
        dropped: t.dropped,
        failed: t.failed,
    }
}
