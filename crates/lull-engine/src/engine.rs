//! The engine: the store, the clock, the notifier and the event bus, with the two paths that
//! write messages' fates: ingest (message + decision, one group-committed transaction per
//! batch) and digest release (exactly once, then one notification).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use lull_channels::sink::{BatchFuture, IngestFuture, StateFuture};
use lull_channels::{Health, IngestError, IngestReceipt, IngestSink};
use lull_core::attribution::{Origin, attribute};
use lull_core::digest::{DigestCounts, digest_summary, digest_title, plan_due};
use lull_core::model::{Category, ChannelId, Client, ClientId, DecisionKind, Identity, Incoming, MessageId, Sender};
use lull_core::policy::{Decision, FocusSession, HISTORY_WINDOW, MessageFacts, decide};
use lull_core::schedule::Schedule;
use lull_core::stats::InterruptionKind;
use lull_core::week::start_of_local_day;
use lull_store::{Db, DigestRecord, DigestRow, NewMessage, NotificationRecord, Store, StoreError, Tx};
use tokio::sync::{Notify, broadcast, mpsc, oneshot};

use crate::api::{DigestView, EngineEvent};
use crate::clock::Clock;
use crate::notifier::{Notice, Notifier};
use crate::paths::{DataDir, DataDirError};

/// At most this many messages share one transaction (and one fsync).
const MAX_BATCH: usize = 256;
/// Messages waiting for the ingest writer; senders wait when it is full (back-pressure).
const QUEUE_DEPTH: usize = 4096;

/// The engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How to build an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub data_dir: DataDir,
    pub clock: Arc<dyn Clock>,
    pub notifier: Arc<dyn Notifier>,
}

/// What the ingest task and the scheduler share with the engine; they hold this, not the
/// engine, so dropping the engine closes the ingest queue and lets them finish.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) dir: DataDir,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) notifier: Arc<dyn Notifier>,
    pub(crate) events: broadcast::Sender<EngineEvent>,
    /// Pinged when the next wake-up may have moved earlier (new held message, new schedule).
    pub(crate) wake: Notify,
    /// Pinged when new messages wait to enter the full-text index.
    index_wake: Notify,
    pub(crate) last_notify_error: Mutex<Option<String>>,
    /// The loopback server's base URL, once one serves this engine.
    pub(crate) server_url: Mutex<Option<String>>,
    pub(crate) connectors: crate::connectors::Connectors,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    /// Taken at shutdown, which closes the queue.
    ingest: Mutex<Option<mpsc::Sender<IngestJob>>>,
    ingest_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    indexer_task: tokio::task::JoinHandle<()>,
}

/// The running engine; cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

type JobResults = Vec<Result<IngestReceipt, IngestError>>;

/// Messages of one channel to commit together, with the watermark that covers them.
#[derive(Debug)]
struct IngestJob {
    channel: ChannelId,
    items: Vec<Incoming>,
    sync_state: Option<serde_json::Value>,
    reply: oneshot::Sender<Result<JobResults, IngestError>>,
}

impl Engine {
    /// Opens the data directory and the database, writes the default schedule on first use,
    /// and starts the ingest writer. Needs a tokio runtime.
    pub async fn open(options: EngineOptions) -> Result<Engine, EngineError> {
        options.data_dir.ensure()?;
        let db_path = options.data_dir.db_path();
        let store = tokio::task::spawn_blocking(move || Store::open(&db_path)).await.map_err(|_| StoreError::WriterGone)??;
        let now = options.clock.now();
        store
            .write(move |tx| {
                if tx.schedule()?.is_none() {
                    tx.put_schedule(&Schedule::default_in(system_tz()), now)?;
                }
                Ok(())
            })
            .await?;
        let shared = Arc::new(Shared {
            store,
            dir: options.data_dir,
            clock: options.clock,
            notifier: options.notifier,
            events: broadcast::channel(256).0,
            wake: Notify::new(),
            index_wake: Notify::new(),
            last_notify_error: Mutex::new(None),
            server_url: Mutex::new(None),
            connectors: crate::connectors::Connectors::default(),
        });
        // Messages committed but not indexed when Lull last stopped become searchable now.
        shared.store.write(|tx| tx.index_pending()).await?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let task = tokio::spawn(ingest_loop(shared.clone(), rx));
        let indexer_task = tokio::spawn(index_loop(shared.clone()));
        Ok(Engine { inner: Arc::new(Inner { shared, ingest: Mutex::new(Some(tx)), ingest_task: Mutex::new(Some(task)), indexer_task }) })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    pub fn store(&self) -> &Store {
        &self.inner.shared.store
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.inner.shared.dir
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.shared.clock.now()
    }

    /// Records where the loopback server listens, for the UI's webhook URLs.
    pub fn set_server_url(&self, url: &str) {
        if let Ok(mut u) = self.shared().server_url.lock() {
            *u = Some(url.to_owned());
        }
    }

    /// Live updates for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.shared.events.subscribe()
    }

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

    async fn deliver_digest(&self, mut row: DigestRow, body: String) -> DigestView {
        let notice = Notice::Digest { digest_id: row.id, summary: row.record.summary.clone(), body };
        let error = self.inner.shared.show(&notice).await;
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
        let view = DigestView::from(row);
        let _ = self.inner.shared.events.send(EngineEvent::DigestReleased { digest: view.clone() });
        view
    }

    /// Wakes the scheduler: the next release or focus boundary may have moved.
    pub(crate) fn replan(&self) {
        self.inner.shared.wake.notify_one();
    }

    /// Stops taking messages, waits until every message already queued is committed and
    /// answered, then closes the database cleanly (WAL checkpointed).
    pub async fn shutdown(&self) {
        self.shared().connectors.stop_all();
        let sender = self.inner.ingest.lock().ok().and_then(|mut s| s.take());
        drop(sender);
        let task = self.inner.ingest_task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            // Senders still inside `ingest` hold the queue open for at most one batch.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
        }
        self.inner.indexer_task.abort();
        if let Err(e) = self.store().write(|tx| tx.index_pending()).await {
            tracing::warn!(error = %e, "indexing the last messages; they will be indexed at the next start");
        }
        let store = self.store().clone();
        let _ = tokio::task::spawn_blocking(move || store.close()).await;
    }

    /// Makes every stored message searchable now (before a search, so it sees everything).
    pub async fn flush_search_index(&self) -> Result<(), StoreError> {
        self.store().write(|tx| tx.index_pending()).await.map(|_| ())
    }
}

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
    async fn submit(
        &self,
        channel: ChannelId,
        items: Vec<Incoming>,
        sync_state: Option<serde_json::Value>,
    ) -> Result<JobResults, IngestError> {
        let (reply, receipt) = oneshot::channel();
        let closed = || IngestError::Unavailable("Lull is shutting down; send the message again in a moment".into());
        let queue = self.inner.ingest.lock().ok().and_then(|q| q.clone()).ok_or_else(closed)?;
        queue.send(IngestJob { channel, items, sync_state, reply }).await.map_err(|_| closed())?;
        receipt.await.map_err(|_| closed())?
    }
}

impl IngestSink for Engine {
    fn ingest(&self, channel: ChannelId, incoming: Incoming) -> IngestFuture<'_> {
        Box::pin(async move {
            let mut results = self.submit(channel, vec![incoming], None).await?;
            results.pop().unwrap_or_else(|| Err(IngestError::Unavailable("no answer from the writer".into())))
        })
    }

    fn ingest_batch(&self, channel: ChannelId, messages: Vec<Incoming>, sync_state: Option<serde_json::Value>) -> BatchFuture<'_> {
        Box::pin(self.submit(channel, messages, sync_state))
    }

    fn sync_state(&self, channel: ChannelId) -> StateFuture<'_> {
        Box::pin(
            async move { self.store().read(move |db| db.sync_state(channel)).await.map_err(|e| IngestError::Unavailable(e.to_string())) },
        )
    }

    fn now(&self) -> DateTime<Utc> {
        self.shared().clock.now()
    }

    fn report(&self, channel: ChannelId, health: Health) {
        crate::connectors::record_health(self, channel, health);
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

/// The user's time zone as the system reports it, else UTC.
pub fn system_tz() -> Tz {
    iana_time_zone::get_timezone().ok().and_then(|name| name.parse().ok()).unwrap_or(chrono_tz::UTC)
}

/// The stored schedule, or the default one if none was stored yet.
pub(crate) fn load_schedule(db: &Db<'_>) -> Result<Schedule, StoreError> {
    Ok(db.schedule()?.unwrap_or_else(|| Schedule::default_in(system_tz())))
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

/// What deciding messages needs besides the messages themselves. Ingest keeps it between
/// batches and reloads it when the store's configuration generation moves (any change to
/// clients, channels, the schedule or focus sessions) or a batch falls outside its window.
pub(crate) struct PolicyContext {
    pub(crate) schedule: Schedule,
    pub(crate) clients: Vec<Client>,
    pub(crate) sessions: Vec<FocusSession>,
    pub(crate) channels: HashMap<ChannelId, String>,
    generation: u64,
    /// The focus sessions loaded are those that matter for messages received in this window.
    window: (DateTime<Utc>, DateTime<Utc>),
}

impl PolicyContext {
    /// Loads what deciding messages received in `[from, to]` needs.
    pub(crate) fn load(db: &Db<'_>, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<PolicyContext, StoreError> {
        let window = (from - Duration::days(1), to.max(from + Duration::days(7)));
        Ok(PolicyContext {
            generation: db.config_generation()?,
            schedule: load_schedule(db)?,
            clients: db.clients()?,
            sessions: db.focus_sessions(window.0 - Duration::days(1), window.1 + Duration::days(1))?,
            channels: db.channel_names()?.into_iter().collect(),
            window,
        })
    }

    /// `cached` if it is still good for messages received in `[from, to]`, else a fresh load.
    fn reuse_or_load(
        cached: Option<Arc<PolicyContext>>,
        db: &Db<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Arc<PolicyContext>, StoreError> {
        if let Some(ctx) = cached
            && ctx.window.0 <= from
            && to <= ctx.window.1
            && ctx.generation == db.config_generation()?
        {
            return Ok(ctx);
        }
        PolicyContext::load(db, from, to).map(Arc::new)
    }
}

/// A message's attribution and decision, as ingest and `explain` compute them.
pub(crate) struct Decided<'a> {
    pub(crate) client: Option<&'a Client>,
    pub(crate) matched: Option<&'a Identity>,
    pub(crate) sender: Sender,
    pub(crate) decision: Decision,
}

/// What deciding a message looks at.
pub(crate) struct MessageDraft<'m> {
    /// Decide as if the message came from this client, whatever its sender (previews).
    pub(crate) as_client: Option<&'m str>,
    pub(crate) channel: &'m str,
    pub(crate) sender: &'m str,
    pub(crate) title: &'m str,
    pub(crate) body: &'m str,
    /// For desktop notifications, the app that sent it.
    pub(crate) app: Option<&'m str>,
    pub(crate) category: Category,
    pub(crate) at: DateTime<Utc>,
}

/// Attributes and decides one message, reading the sender's recent history and the client's
/// bypasses from `db` (inside ingest's transaction, so earlier messages of the same batch
/// count).
pub(crate) fn decide_message<'a>(db: &Db<'_>, ctx: &'a PolicyContext, m: &MessageDraft<'_>) -> Result<Decided<'a>, StoreError> {
    let sender = Sender::parse(m.sender);
    let hit = match m.as_client {
        Some(name) => ctx.clients.iter().find(|c| c.name.eq_ignore_ascii_case(name)).map(|c| (c, c.identities.first())),
        None => {
            let origin = Origin { sender: &sender, channel: m.channel, app: m.app, title: m.title, body: m.body };
            attribute(&ctx.clients, &origin).map(|(c, i)| (c, Some(i)))
        }
    };
    let client = hit.map(|(c, _)| c);
    let history = db.sender_history(&sender.key(), m.at - HISTORY_WINDOW, m.at)?;
    let bypasses_today = db.bypasses_between(client.map(|c| c.id), start_of_local_day(ctx.schedule.tz, m.at), m.at)?;
    let facts = MessageFacts {
        received_at: m.at,
        client,
        category: m.category,
        sender: &sender.display,
        title: m.title,
        body: m.body,
        sender_history: &history,
        bypasses_today,
    };
    let decision = decide(&ctx.schedule, &ctx.sessions, &facts);
    Ok(Decided { client, matched: hit.and_then(|(_, i)| i), sender, decision })
}

/// A message ingest stored, for what happens after the commit.
struct Stored {
    receipt: IngestReceipt,
    /// For a new message that interrupts: what to show.
    notice: Option<Interruption>,
}

type BatchOutcome = (Vec<Vec<Result<Stored, IngestError>>>, Arc<PolicyContext>);

/// What one job asks the writer to commit.
struct JobInput {
    channel: ChannelId,
    items: Vec<Incoming>,
    sync_state: Option<serde_json::Value>,
}

fn ingest_batch(tx: &Tx<'_>, jobs: &[JobInput], cached: Option<Arc<PolicyContext>>) -> Result<BatchOutcome, StoreError> {
    let times = || jobs.iter().flat_map(|j| j.items.iter().map(|i| i.received_at));
    let from = times().min().unwrap_or(DateTime::UNIX_EPOCH);
    let to = times().max().unwrap_or(DateTime::UNIX_EPOCH);
    let ctx = PolicyContext::reuse_or_load(cached, tx, from, to)?;
    let mut synced: HashMap<ChannelId, DateTime<Utc>> = HashMap::new();
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let Some(channel_name) = ctx.channels.get(&job.channel) else {
            out.push(job.items.iter().map(|_| Err(IngestError::UnknownChannel(job.channel))).collect());
            continue;
        };
        let mut results = Vec::with_capacity(job.items.len());
        let mut retry_later = false;
        for incoming in &job.items {
            match tx.savepoint(|tx| ingest_one(tx, &ctx, job.channel, channel_name, incoming)) {
                Ok(stored) => {
                    let at = synced.entry(job.channel).or_insert(incoming.received_at);
                    *at = (*at).max(incoming.received_at);
                    results.push(Ok(stored));
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel = channel_name, "message not stored");
                    results.push(Err(match e {
                        StoreError::Conflict(m) | StoreError::Decode(m) => IngestError::Rejected(m),
                        e => {
                            retry_later = true;
                            IngestError::Unavailable(e.to_string())
                        }
                    }));
                }
            }
        }
        // The watermark moves only past messages that are stored (or can never be): after a
        // storage failure the connector fetches them again.
        if let Some(state) = &job.sync_state
            && !retry_later
        {
            tx.set_sync_state(job.channel, state)?;
        }
        out.push(results);
    }
    for (channel, at) in synced {
        tx.channel_synced(channel, at)?;
    }
    Ok((out, ctx))
}

fn ingest_one(tx: &Tx<'_>, ctx: &PolicyContext, channel: ChannelId, channel_name: &str, m: &Incoming) -> Result<Stored, StoreError> {
    if tx.message_id_by_source(channel, &m.source_key)?.is_some()
        && let Some(existing) = tx.message_by_source(channel, &m.source_key)?
    {
        return Ok(Stored {
            receipt: IngestReceipt { message_id: existing.id, duplicate: true, client: existing.client, decision: existing.decision },
            notice: None,
        });
    }
    let category = m.category.unwrap_or(Category::Direct);
    let draft = MessageDraft {
        as_client: None,
        channel: channel_name,
        sender: &m.sender,
        title: &m.title,
        body: &m.body,
        app: m.app.as_deref(),
        category,
        at: m.received_at,
    };
    let d = decide_message(tx, ctx, &draft)?;
    let client_id = d.client.map(|c| c.id);
    let id = tx.insert_message(&NewMessage {
        channel_id: channel,
        source_key: m.source_key.clone(),
        client_id,
        sender: m.sender.clone(),
        sender_key: d.sender.key(),
        title: m.title.clone(),
        body: m.body.clone(),
        url: m.url.clone(),
        category,
        sent_at: m.sent_at,
        received_at: m.received_at,
        decision: d.decision.clone(),
    })?;
    let client = d.client.map(|c| c.name.clone());
    let notice = d.decision.kind.interrupts().then(|| {
        let urgent = d.decision.kind == DecisionKind::Bypass;
        let kind = if urgent { InterruptionKind::Bypass } else { InterruptionKind::Live };
        let notice = Notice::Message {
            message_id: id,
            client: client.clone(),
            sender: d.sender.display.clone(),
            title: m.title.clone(),
            body: m.body.clone(),
            urgent,
        };
        Interruption { notice, client_id, kind, shown_by_source: m.shown_by_source }
    });
    Ok(Stored { receipt: IngestReceipt { message_id: id, duplicate: false, client, decision: d.decision }, notice })
}

/// Takes queued messages in batches: one transaction (one fsync) per batch, every sender
/// answered after the commit, then notifications and events.
async fn ingest_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<IngestJob>) {
    let mut context: Option<Arc<PolicyContext>> = None;
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut messages = jobs[0].items.len();
        while messages < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    messages += job.items.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let (inputs, replies): (Vec<JobInput>, Vec<_>) =
            jobs.into_iter().map(|j| (JobInput { channel: j.channel, items: j.items, sync_state: j.sync_state }, j.reply)).unzip();
        let cached = context.take();
        let outcome = shared.store.write(move |tx| ingest_batch(tx, &inputs, cached)).await;
        let results = match outcome {
            Ok((results, ctx)) => {
                context = Some(ctx);
                results
            }
            Err(e) => {
                tracing::error!(error = %e, "ingest batch failed");
                let message = e.to_string();
                replies.into_iter().for_each(|r| {
                    let _ = r.send(Err(IngestError::Unavailable(message.clone())));
                });
                continue;
            }
        };
        let mut notices = Vec::new();
        let mut held = false;
        for (reply, job_results) in replies.into_iter().zip(results) {
            let mut receipts = Vec::with_capacity(job_results.len());
            for result in job_results {
                if let Ok(stored) = &result
                    && !stored.receipt.duplicate
                {
                    let r = &stored.receipt;
                    held |= r.decision.kind == DecisionKind::Held;
                    let _ = shared.events.send(EngineEvent::MessageIngested {
                        id: r.message_id,
                        client: r.client.clone(),
                        decision: r.decision.kind,
                        release_at: r.decision.release_at,
                    });
                }
                let (receipt, notice) = match result {
                    Ok(Stored { receipt, notice }) => (Ok(receipt), notice),
                    Err(e) => (Err(e), None),
                };
                notices.extend(notice);
                receipts.push(receipt);
            }
            let _ = reply.send(Ok(receipts));
        }
        if held {
            shared.wake.notify_one();
        }
        shared.index_wake.notify_one();
        if !notices.is_empty() {
            tokio::spawn(notify_messages(shared.clone(), notices));
        }
    }
}

/// How long the indexer waits after a message arrives, so a burst is indexed in one go.
const INDEX_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Adds new messages to the full-text index shortly after they arrive, in batches: the index
/// is derived data, kept out of the commits that acknowledge messages.
async fn index_loop(shared: Arc<Shared>) {
    loop {
        shared.index_wake.notified().await;
        tokio::time::sleep(INDEX_DELAY).await;
        if let Err(e) = shared.store.write(|tx| tx.index_pending()).await {
            tracing::warn!(error = %e, "updating the search index; retrying with the next message");
        }
    }
}

/// A live or bypass message: shown (unless its source shows it) and recorded as an
/// interruption.
struct Interruption {
    notice: Notice,
    client_id: Option<ClientId>,
    kind: InterruptionKind,
    /// The source already shows it (a desktop notification): recorded, not shown again.
    shown_by_source: bool,
}

/// Shows live and bypass messages one by one and records them as interruptions.
async fn notify_messages(shared: Arc<Shared>, notices: Vec<Interruption>) {
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

/// Distinct clients among ids, Unknown counting once.
pub(crate) fn distinct_clients(ids: impl Iterator<Item = Option<ClientId>>) -> u32 {
    ids.collect::<HashSet<_>>().len() as u32
}
