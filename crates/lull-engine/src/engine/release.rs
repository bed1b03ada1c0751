//! Digest release: held messages whose time has come go into one digest, exactly once (one
//! transaction takes them; a message in a digest is never taken again), then one notification
//! tells the user. Slots missed while Lull was stopped or the machine slept merge into the next
//! digest, and a digest released but never notified (a crash in between) is notified at the
//! next start.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use lull_api::digests::DigestView;
use lull_core::digest::{DigestCounts, digest_summary, digest_title, plan_due};
use lull_core::model::{Client, ClientId, MessageId};
use lull_store::{DigestRecord, DigestRow, StoreError, Tx};

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
        let released = self.store().write(move |tx| release_in(tx, now, everything)).await?;
        let Some((row, body)) = released else { return Ok(None) };
        tracing::info!(digest = row.id, messages = row.record.message_count, merged = row.record.merged_slots, "digest released");
        Ok(Some(self.deliver_digest(row, body).await))
    }

    /// Notifies digests that were released but never notified (the engine stopped in between).
    pub async fn notify_pending_digests(&self) -> Result<(), StoreError> {
        let pending = self
            .store()
            .read(|db| {
                let clients = db.clients()?;
                db.unnotified_digests()?
                    .into_iter()
                    .map(|d| {
                        let members = db.digest_messages(d.id)?;
                        let (_, body) = digest_contents(members.iter().map(|m| m.client_id), &clients);
                        Ok((d, body))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await?;
        for (row, body) in pending {
            self.deliver_digest(row, body).await;
        }
        Ok(())
    }
}

/// A released digest as the API shows it.
pub(crate) fn digest_view(d: DigestRow) -> DigestView {
    DigestView {
        id: d.id,
        slot_at: d.record.slot_at,
        released_at: d.record.released_at,
        manual: d.record.manual,
        merged_slots: d.record.merged_slots,
        messages: d.record.message_count,
        clients: d.record.client_count,
        summary: d.record.summary,
        notified_at: d.notified_at,
        notify_error: d.notify_error,
    }
}

/// Takes the held messages due at `now` (all of them with `everything`) into one digest, inside
/// the caller's transaction; returns the digest and its notification body. Slots missed while
/// Lull was stopped or asleep merge into this one digest.
pub(crate) fn release_in(tx: &Tx<'_>, now: DateTime<Utc>, everything: bool) -> Result<Option<(DigestRow, String)>, StoreError> {
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
    let (counts, body) = digest_contents(due.iter().map(|d| d.client_id), &clients);
    let record = DigestRecord {
        slot_at,
        released_at: now,
        manual: everything,
        merged_slots,
        message_count: counts.messages,
        client_count: counts.clients,
        summary: digest_summary(&digest_title(slot_at, schedule.tz), counts, merged_slots),
    };
    let id = tx.insert_digest(&record)?;
    let ids: Vec<MessageId> = due.iter().map(|d| d.id).collect();
    tx.assign_digest(id, &ids, now)?;
    Ok(Some((DigestRow { id, record, notified_at: None, notify_error: None }, body)))
}

/// Counts a digest's messages and clients and writes its notification body:
/// `Acme 6 · Globex 4 · Unknown 1`.
fn digest_contents(members: impl Iterator<Item = Option<ClientId>>, clients: &[Client]) -> (DigestCounts, String) {
    let mut per_client: BTreeMap<Option<ClientId>, u32> = BTreeMap::new();
    let mut messages = 0;
    for c in members {
        *per_client.entry(c).or_default() += 1;
        messages += 1;
    }
    let name = |id: &Option<ClientId>| {
        id.and_then(|id| clients.iter().find(|c| c.id == id)).map_or_else(|| "Unknown".to_owned(), |c| c.name.clone())
    };
    let mut parts: Vec<(String, u32)> = per_client.iter().map(|(id, n)| (name(id), *n)).collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let body = parts.iter().map(|(n, c)| format!("{n} {c}")).collect::<Vec<_>>().join(" \u{b7} ");
    (DigestCounts { messages, clients: per_client.len() as u32 }, body)
}

/// Distinct clients among ids, Unknown counting once.
pub(crate) fn distinct_clients(ids: impl Iterator<Item = Option<ClientId>>) -> u32 {
    ids.collect::<HashSet<_>>().len() as u32
}
