//! Digest release: held messages whose time has come go into one digest, exactly once (one
//! transaction takes them; a message in a digest is never taken again). The same transaction
//! queues the digest's rings (one notification, a push per target that wants digests) in the
//! outbox, which delivers them once, after a crash too. Slots missed while Lull was stopped or
//! the machine slept merge into the next digest.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_api::digests::DigestView;
use lull_api::events::EngineEvent;
use lull_core::digest::plan_due;
use lull_core::model::{Client, ClientId, MessageId};
use lull_core::stats::{InterruptionKind, UNKNOWN_CLIENT};
use lull_store::{DigestRecord, DigestRow, NotificationRecord, StoreError, Subject, Tx};
use lull_words::Words;

use super::{Engine, load_schedule};

impl Engine {
    /// Releases every held message whose time has come as one digest and notifies it. Slots
    /// missed while the engine was stopped or the machine slept merge into this one digest.
    pub async fn release_due(&self) -> Result<Option<DigestView>, StoreError> {
        self.release(false).await
    }

    /// Releases everything held now (`lull digest now`).
    pub async fn release_all_now(&self) -> Result<Option<DigestView>, StoreError> {
        self.release(true).await
    }

    async fn release(&self, everything: bool) -> Result<Option<DigestView>, StoreError> {
        let now = self.now();
        let released = self
            .store()
            .write(move |tx| {
                let Some((row, news)) = release_in(tx, now, everything)? else { return Ok(None) };
                ring_digest(tx, &row, now)?;
                Ok(Some((row, news)))
            })
            .await?;
        let Some((row, news)) = released else { return Ok(None) };
        tracing::info!(digest = row.id, messages = row.record.message_count, merged = row.record.merged_slots, "digest released");
        self.rings_queued();
        self.deliver_desktop_now().await;
        let id = row.id;
        let row = self.store().read(move |db| db.digest(id)).await?.unwrap_or(row);
        let view = digest_view(row, news.tz);
        self.emit(EngineEvent::DigestReleased { digest: view.clone() });
        Ok(Some(view))
    }
}

/// Records a released digest as an interruption and queues its rings, in the release's
/// transaction.
fn ring_digest(tx: &Tx<'_>, row: &DigestRow, now: DateTime<Utc>) -> Result<(), StoreError> {
    let interruption = tx.insert_notification(&NotificationRecord {
        shown_at: now,
        kind: InterruptionKind::Digest,
        message_id: None,
        digest_id: Some(row.id),
        client_id: None,
        delivered: false,
        error: None,
    })?;
    tx.enqueue_rings(InterruptionKind::Digest, Subject::Digest(row.id), Some(interruption), true, now)
}

/// A released digest as the API shows it; its English summary in the user's time zone `tz`.
pub(crate) fn digest_view(d: DigestRow, tz: Tz) -> DigestView {
    let r = &d.record;
    DigestView {
        summary: lull_words::english().digest_summary(r.slot_at, tz, r.message_count, r.client_count, r.merged_slots),
        id: d.id,
        slot_at: r.slot_at,
        released_at: r.released_at,
        manual: r.manual,
        merged_slots: r.merged_slots,
        messages: r.message_count,
        clients: r.client_count,
        notified_at: d.notified_at,
        notify_error: d.notify_error,
    }
}

/// What a digest's notification tells, before it is worded: the user's time zone and how many
/// messages each client sent (Unknown as `None`), most first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestNews {
    pub(crate) tz: Tz,
    per_client: Vec<(Option<String>, u32)>,
}

impl DigestNews {
    /// How many clients the digest's messages come from, Unknown counting once.
    fn clients(&self) -> u32 {
        self.per_client.len() as u32
    }

    pub(crate) fn of(tz: Tz, members: impl Iterator<Item = Option<ClientId>>, clients: &[Client]) -> DigestNews {
        let mut per_id: BTreeMap<Option<ClientId>, u32> = BTreeMap::new();
        for c in members {
            *per_id.entry(c).or_default() += 1;
        }
        let name = |id: &Option<ClientId>| id.and_then(|id| clients.iter().find(|c| c.id == id)).map(|c| c.name.clone());
        let mut per_client: Vec<(Option<String>, u32)> = per_id.iter().map(|(id, n)| (name(id), *n)).collect();
        // Most messages first, then by name, Unknown sorting under the name the data uses for it.
        let key = |n: &Option<String>| n.clone().unwrap_or_else(|| UNKNOWN_CLIENT.to_owned());
        per_client.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| key(&a.0).cmp(&key(&b.0))));
        DigestNews { tz, per_client }
    }

    /// The notification's body: `Acme 6 · Globex 4 · Unknown 1`.
    pub(crate) fn body(&self, words: Words) -> String {
        let unknown = words.t("common.unknown", &[]);
        self.per_client.iter().map(|(n, c)| format!("{} {c}", n.as_deref().unwrap_or(&unknown))).collect::<Vec<_>>().join(" \u{b7} ")
    }
}

/// Takes the held messages due at `now` (all of them with `everything`) into one digest, inside
/// the caller's transaction; returns the digest and what its notification tells. Slots missed
/// while Lull was stopped or asleep merge into this one digest.
pub(crate) fn release_in(tx: &Tx<'_>, now: DateTime<Utc>, everything: bool) -> Result<Option<(DigestRow, DigestNews)>, StoreError> {
    let due = tx.due_messages(if everything { None } else { Some(now) })?;
    let release_times: Vec<DateTime<Utc>> = due.iter().map(|d| d.release_at).collect();
    let (slot_at, merged_slots) = if everything {
        if due.is_empty() {
            return Ok(None);
        }
        (now, 1)
    } else {
        match plan_due(&release_times, now) {
            Some(plan) => (plan.slot_at, plan.merged_slots),
            None => return Ok(None),
        }
    };
    let schedule = load_schedule(tx)?;
    let clients = tx.clients()?;
    let news = DigestNews::of(schedule.tz, due.iter().map(|d| d.client_id), &clients);
    let record = DigestRecord {
        slot_at,
        released_at: now,
        manual: everything,
        merged_slots,
        message_count: due.len() as u32,
        client_count: news.clients(),
    };
    let id = tx.insert_digest(&record)?;
    let ids: Vec<MessageId> = due.iter().map(|d| d.id).collect();
    tx.assign_digest(id, &ids, now)?;
    Ok(Some((DigestRow { id, record, notified_at: None, notify_error: None }, news)))
}

/// Distinct clients among ids, Unknown counting once.
pub(crate) fn distinct_clients(ids: impl Iterator<Item = Option<ClientId>>) -> u32 {
    ids.collect::<HashSet<_>>().len() as u32
}
