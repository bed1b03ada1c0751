//! Showing the user what may interrupt them: live and urgent messages one by one, and one
//! notification per digest. Each notification shown is recorded as an interruption for the
//! weekly statistics; a message its source already showed (a desktop notification) is recorded
//! without being shown a second time.

use std::sync::Arc;

use lull_api::digests::DigestView;
use lull_api::events::EngineEvent;
use lull_core::model::ClientId;
use lull_core::stats::InterruptionKind;
use lull_store::{DigestRow, NotificationRecord};

use super::release::{DigestNews, digest_view};
use super::{Engine, Shared};
use crate::notifier::Notice;

impl Shared {
    /// Shows a notice; returns the error text if it could not be shown. Remembers the last error
    /// for `status`.
    pub(crate) async fn show(&self, notice: &Notice) -> Option<String> {
        let error = self.notifier.notify(notice).await.err().map(|e| e.0);
        if let Ok(mut last) = self.last_notify_error.lock() {
            // A missing notification service fails every notification the same way: say it
            // once, not once per message.
            match &error {
                Some(e) if last.as_ref() != Some(e) => tracing::warn!(error = %e, "notifications are not shown"),
                Some(e) => tracing::debug!(error = %e, "notification not shown"),
                None if last.is_some() => tracing::info!("notifications are shown again"),
                None => {}
            }
            last.clone_from(&error);
        }
        error
    }
}

impl Engine {
    pub(super) async fn deliver_digest(&self, mut row: DigestRow, news: DigestNews) -> DigestView {
        let words = self.words();
        let r = &row.record;
        let summary = words.digest_summary(r.slot_at, news.tz, r.message_count, r.client_count, r.merged_slots);
        let notice = Notice::Digest { digest_id: row.id, summary, body: news.body(words) };
        let error = self.shared().show(&notice).await;
        let now = self.now();
        let record = NotificationRecord {
            shown_at: now,
            kind: InterruptionKind::Digest,
            message_id: None,
            digest_id: Some(row.id),
            client_id: None,
            delivered: error.is_none(),
            error: error.clone(),
        };
        let id = row.id;
        let err = error.clone();
        if let Err(e) = self
            .store()
            .write(move |tx| {
                tx.insert_notification(&record)?;
                tx.digest_notified(id, now, err.as_deref())
            })
            .await
        {
            tracing::warn!(error = %e, digest = id, "recording a digest notification");
        }
        row.notified_at = Some(now);
        row.notify_error = error;
        let view = digest_view(row, news.tz);
        self.emit(EngineEvent::DigestReleased { digest: view.clone() });
        view
    }
}

/// A live or bypass message: shown (unless its source shows it) and recorded as an
/// interruption.
pub(super) struct Interruption {
    pub(super) notice: Notice,
    pub(super) client_id: Option<ClientId>,
    pub(super) kind: InterruptionKind,
    /// The source already shows it (a desktop notification): recorded, not shown again.
    pub(super) shown_by_source: bool,
}

/// Shows live and bypass messages one by one and records them as interruptions.
pub(super) async fn notify_messages(shared: Arc<Shared>, notices: Vec<Interruption>) {
    let mut records = Vec::with_capacity(notices.len());
    for Interruption { notice, client_id, kind, shown_by_source } in notices {
        let error = if shown_by_source { None } else { shared.show(&notice).await };
        let message_id = match notice {
            Notice::Message { message_id, .. } => Some(message_id),
            Notice::Digest { .. } => None,
        };
        records.push(NotificationRecord {
            shown_at: shared.clock.now(),
            kind,
            message_id,
            digest_id: None,
            client_id,
            delivered: error.is_none(),
            error,
        });
    }
    if let Err(e) = shared.store.write(move |tx| records.iter().try_for_each(|r| tx.insert_notification(r))).await {
        tracing::warn!(error = %e, "recording notifications");
    }
}
