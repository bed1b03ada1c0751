//! Response clocks ringing: a held message relayed by a platform that rates response times
//! breaks through once, when its time comes (see `lull_core::response`). One transaction marks
//! the message rung, records the interruption and queues its rings in the outbox, so it rings
//! once, after a crash too. A message archived before its time never rings; one whose clock ran
//! out while Lull was stopped is marked without ringing: it is too late to help.

use chrono::{DateTime, Utc};
use lull_api::events::EngineEvent;
use lull_core::stats::InterruptionKind;
use lull_store::{NotificationRecord, StoreError, Subject};

use super::Engine;

impl Engine {
    /// Rings every response clock whose breakthrough is due; returns how many rang.
    pub async fn ring_due_clocks(&self) -> Result<u32, StoreError> {
        let now = self.now();
        let rang = self.store().write(move |tx| ring_due(tx, now)).await?;
        if rang > 0 {
            tracing::info!(messages = rang, "response clocks rang");
            self.rings_queued();
            self.emit(EngineEvent::MessagesTriaged { count: rang });
        }
        Ok(rang)
    }
}

fn ring_due(tx: &lull_store::Tx<'_>, now: DateTime<Utc>) -> Result<u32, StoreError> {
    let mut rang = 0;
    for due in tx.due_clocks(now)? {
        if !tx.clock_rung(due.id, now)? || now >= due.clock.reply_by {
            continue;
        }
        let interruption = tx.insert_notification(&NotificationRecord {
            shown_at: now,
            kind: InterruptionKind::Bypass,
            message_id: Some(due.id),
            digest_id: None,
            client_id: due.client_id,
            delivered: false,
            error: None,
        })?;
        tx.enqueue_rings(InterruptionKind::Bypass, Subject::Message(due.id), Some(interruption), true, now)?;
        rang += 1;
    }
    Ok(rang)
}
