//! Availability replies: their settings (how often, the templates) and what Lull's own
//! templates say.

use lull_api::ApiError;
use lull_api::events::EngineEvent;
use lull_api::replies::{RepliesView, ReplySender, ReplyTemplate};
use lull_core::autoreply::{PLACEHOLDERS, ReplyLang, ReplySettings};
use lull_core::phrase::Said;

use super::Failure;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn replies_show(&self) -> Result<RepliesView, Failure> {
        let (settings, senders, names, clients) =
            self.store().read(|db| Ok((db.reply_settings()?, db.channel_senders()?, db.channel_names()?, db.clients()?))).await?;
        Ok(RepliesView {
            settings,
            defaults: ReplyLang::ALL.iter().map(|l| ReplyTemplate { lang: *l, text: lull_words::default_template(*l) }).collect(),
            placeholders: PLACEHOLDERS.iter().map(|p| (*p).to_owned()).collect(),
            senders: senders
                .into_iter()
                .filter_map(|(id, address)| {
                    names.iter().find(|(n, _)| *n == id).map(|(_, name)| ReplySender { channel: name.clone(), address })
                })
                .collect(),
            clients: clients.into_iter().filter(|c| c.auto_reply.is_some()).map(|c| c.name).collect(),
        })
    }

    pub(crate) async fn replies_set(&self, settings: ReplySettings) -> Result<RepliesView, Failure> {
        let settings = settings.validated().map_err(|e| ApiError::invalid(e.phrase()).on(e.field()))?;
        self.store().write(move |tx| tx.set_reply_settings(&settings)).await?;
        self.emit(EngineEvent::ClientsChanged);
        self.replies_show().await
    }
}
