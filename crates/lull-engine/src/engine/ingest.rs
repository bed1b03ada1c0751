//! Ingest: the one path by which messages enter Lull. A writer task takes queued messages in
//! batches; for each it skips duplicates (same channel and source key), attributes a client,
//! reads the sender's recent history and the client's bypasses today, asks the pure policy for a
//! decision, and stores message and decision; a message that may interrupt is recorded as an
//! interruption and its rings (a desktop notification, a push per target) are queued in the
//! outbox, in the same transaction. One commit (one fsync) covers the batch; only then does
//! each sender get its answer and the outbox's courier deliver the rings (see
//! [`super::outbox`]). The full-text index, derived data, is filled a moment later in one
//! batch, which keeps acknowledged commits small.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use lull_api::events::EngineEvent;
use lull_channels::{IngestError, IngestReceipt};
use lull_core::attribution::{Origin, attribute};
use lull_core::autoreply::{self, MailFacts, NoReply, ReplyInput, ReplyPlan, ReplySettings};
use lull_core::model::{Category, ChannelId, Client, DecisionKind, Identity, Incoming, Sender};
use lull_core::phrase::{Phrase, Said};
use lull_core::policy::{ATTEMPT_SILENCE, Decision, FocusSession, HISTORY_WINDOW, MessageFacts, decide};
use lull_core::response::{self, ClockSettings, ResponseClock};
use lull_core::schedule::Schedule;
use lull_core::stats::InterruptionKind;
use lull_core::week::start_of_local_day;
use lull_store::{Db, NewMessage, NotificationRecord, StoreError, Subject, Tx};
use tokio::sync::{mpsc, oneshot};

use super::{Engine, Shared, load_schedule};

/// At most this many messages share one transaction (and one fsync).
const MAX_BATCH: usize = 256;
/// Messages waiting for the ingest writer; senders wait when it is full (back-pressure).
const QUEUE_DEPTH: usize = 4096;

type JobResults = Vec<Result<IngestReceipt, IngestError>>;

/// Messages of one channel to commit together, with the watermark that covers them.
#[derive(Debug)]
pub(super) struct IngestJob {
    channel: ChannelId,
    items: Vec<Incoming>,
    /// Messages already stored under the same key take the new text (updated in place).
    revise: bool,
    sync_state: Option<serde_json::Value>,
    reply: oneshot::Sender<Result<JobResults, IngestError>>,
}

/// Starts the writer; returns the queue it reads.
pub(super) fn start(shared: Arc<Shared>) -> (mpsc::Sender<IngestJob>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    (tx, tokio::spawn(ingest_loop(shared, rx)))
}

impl Engine {
    pub(super) async fn submit(
        &self,
        channel: ChannelId,
        items: Vec<Incoming>,
        sync_state: Option<serde_json::Value>,
        revise: bool,
    ) -> Result<JobResults, IngestError> {
        let (reply, receipt) = oneshot::channel();
        let closed = || IngestError::Unavailable(Phrase::new("ingest.shutting_down"));
        let queue = self.inner.ingest.lock().ok().and_then(|q| q.clone()).ok_or_else(closed)?;
        queue.send(IngestJob { channel, items, revise, sync_state, reply }).await.map_err(|_| closed())?;
        receipt.await.map_err(|_| closed())?
    }
}

/// What deciding messages needs besides the messages themselves. Ingest keeps it between
/// batches and reloads it when the store's configuration generation moves (any change to
/// clients, channels, the schedule or focus sessions) or a batch falls outside its window.
pub(crate) struct PolicyContext {
    pub(crate) schedule: Schedule,
    pub(crate) clients: Vec<Client>,
    pub(crate) sessions: Vec<FocusSession>,
    pub(crate) channels: HashMap<ChannelId, String>,
    /// How availability replies are sent, and the channels that send them with their address.
    pub(crate) replies: ReplySettings,
    pub(crate) senders: HashMap<ChannelId, String>,
    /// The platforms' response clocks.
    pub(crate) clocks: ClockSettings,
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
            replies: db.reply_settings()?,
            senders: db.channel_senders()?.into_iter().collect(),
            clocks: db.clock_settings()?,
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
    /// Bypasses the client (or Unknown) already used in the user's day.
    pub(crate) bypasses_today: u32,
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
    /// A client's words relayed by a platform.
    pub(crate) relay: Option<&'m lull_core::relay::Relay>,
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
            let origin = Origin { sender: &sender, channel: m.channel, app: m.app, title: m.title, body: m.body, relay: m.relay };
            attribute(&ctx.clients, &origin).map(|(c, i)| (c, Some(i)))
        }
    };
    let client = hit.map(|(c, _)| c);
    let history = sender_history(db, &sender.key(), m.at)?;
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
    Ok(Decided { client, matched: hit.and_then(|(_, i)| i), sender, decision, bypasses_today })
}

/// What a held message's availability reply would be, or why there is none. Reads the
/// sender's last reply and the last digest only for a client who opted in.
/// `own_address` is the sending channel's (`None`: no channel sends replies).
pub(crate) fn reply_for(
    db: &Db<'_>,
    ctx: &PolicyContext,
    own_address: Option<&str>,
    d: &Decided<'_>,
    m: &ReplyDraft<'_>,
) -> Result<Result<ReplyPlan, NoReply>, StoreError> {
    if d.client.and_then(|c| c.auto_reply).is_none() {
        return Ok(Err(NoReply::NotOptedIn));
    }
    let recipient = m.mail.and_then(|f| f.reply_to.as_deref());
    let last_reply = match recipient {
        Some(r) => db.last_reply_to(r)?,
        None => None,
    };
    Ok(autoreply::plan(&ReplyInput {
        schedule: &ctx.schedule,
        settings: &ctx.replies,
        client: d.client,
        category: m.category,
        decision: &d.decision,
        mail: m.mail,
        own_address,
        sender_name: &d.sender.display,
        subject: m.title,
        sent_at: m.sent_at,
        received_at: m.received_at,
        last_reply,
        last_release: db.last_release_before(m.received_at)?,
        bypasses_today: d.bypasses_today,
    }))
}

/// What deciding an availability reply looks at besides the decision.
pub(crate) struct ReplyDraft<'m> {
    pub(crate) mail: Option<&'m MailFacts>,
    pub(crate) category: Category,
    pub(crate) title: &'m str,
    pub(crate) sent_at: Option<DateTime<Utc>>,
    pub(crate) received_at: DateTime<Utc>,
}

/// What the policy needs of a sender's past to tell a new attempt to reach you: inside a burst
/// (the last message less than [`ATTEMPT_SILENCE`] ago) only that last message, which already
/// says "not a new attempt", read with one index probe; otherwise the last
/// [`HISTORY_WINDOW`]. So a sender flooding thousands of messages costs each of them one probe,
/// not a read of everything it sent in the last quarter of an hour; the full read happens only
/// when a message follows a silence, which a flood does not.
pub(crate) fn sender_history(db: &Db<'_>, key: &str, at: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>, StoreError> {
    match db.sender_last(key, at)? {
        Some(last) if at - last < ATTEMPT_SILENCE => Ok(vec![last]),
        _ => db.sender_history(key, at - HISTORY_WINDOW, at),
    }
}

/// A message ingest stored, for what happens after the commit.
struct Stored {
    receipt: IngestReceipt,
    /// A new message that interrupts: rings were queued.
    rings: bool,
    /// An availability reply was queued.
    replied: bool,
    /// When the scheduler must look at it: a held message's release or its response clock's
    /// breakthrough, whichever is first.
    due: Option<DateTime<Utc>>,
}

type BatchOutcome = (Vec<Vec<Result<Stored, IngestError>>>, Arc<PolicyContext>);

/// What one job asks the writer to commit.
struct JobInput {
    channel: ChannelId,
    items: Vec<Incoming>,
    revise: bool,
    sync_state: Option<serde_json::Value>,
}

fn ingest_batch(
    tx: &Tx<'_>,
    jobs: &[JobInput],
    cached: Option<Arc<PolicyContext>>,
    now: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
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
            match tx.savepoint(|tx| ingest_one(tx, &ctx, job.channel, channel_name, incoming, job.revise, now)) {
                Ok(stored) => {
                    let at = synced.entry(job.channel).or_insert(incoming.received_at);
                    *at = (*at).max(incoming.received_at);
                    results.push(Ok(stored));
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel = channel_name, "message not stored");
                    results.push(Err(match e {
                        e @ (StoreError::Conflict(_) | StoreError::Decode(_)) => IngestError::Rejected(e.phrase()),
                        e => {
                            retry_later = true;
                            IngestError::Unavailable(e.phrase())
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

fn ingest_one(
    tx: &Tx<'_>,
    ctx: &PolicyContext,
    channel: ChannelId,
    channel_name: &str,
    m: &Incoming,
    revise: bool,
    now: DateTime<Utc>,
) -> Result<Stored, StoreError> {
    if tx.message_id_by_source(channel, &m.source_key)?.is_some()
        && let Some(existing) = tx.message_by_source(channel, &m.source_key)?
    {
        if revise {
            tx.revise_message(channel, &m.source_key, &m.title, &m.body, m.reply.as_deref())?;
        }
        return Ok(Stored {
            receipt: IngestReceipt {
                message_id: existing.id,
                duplicate: true,
                client: existing.client,
                decision: existing.decision,
                tz: ctx.schedule.tz,
            },
            rings: false,
            replied: false,
            due: None,
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
        relay: m.relay.as_ref(),
        category,
        at: m.received_at,
    };
    let d = decide_message(tx, ctx, &draft)?;
    let client_id = d.client.map(|c| c.id);
    let (clock, clock_ring_at) = response_clock(ctx, &d, m, category);
    let held = d.decision.kind == DecisionKind::Held;
    let due = held.then(|| d.decision.release_at.unwrap_or(DateTime::<Utc>::MIN_UTC)).into_iter().chain(clock_ring_at).min();
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
        app: m.app.clone(),
        reply: m.reply.clone(),
        silent: m.silent,
        mail: m.mail.clone(),
        clock,
        clock_ring_at,
    })?;
    // A held email may owe its sender an availability reply, queued in this same transaction.
    let mut replied = false;
    if d.decision.kind == DecisionKind::Held && m.mail.is_some() {
        let draft = ReplyDraft { mail: m.mail.as_ref(), category, title: &m.title, sent_at: m.sent_at, received_at: m.received_at };
        match reply_for(tx, ctx, ctx.senders.get(&channel).map(String::as_str), &d, &draft)? {
            Ok(plan) => {
                tx.enqueue_reply(id, channel, client_id, &plan, now)?;
                replied = true;
            }
            Err(why) => tracing::debug!(message = id, why = why.code(), "no availability reply"),
        }
    }
    let client = d.client.map(|c| c.name.clone());
    // A silent notification (posted quietly, or again when the phone reconnects) never rings.
    let rings = d.decision.kind.interrupts() && !m.silent;
    if rings {
        let kind = if d.decision.kind == DecisionKind::Bypass { InterruptionKind::Bypass } else { InterruptionKind::Live };
        // A notification its source already showed (the desktop's own) is counted, not shown
        // again; the phone is still rung.
        let interruption = tx.insert_notification(&NotificationRecord {
            shown_at: now,
            kind,
            message_id: Some(id),
            digest_id: None,
            client_id,
            delivered: m.shown_by_source,
            error: None,
        })?;
        tx.enqueue_rings(kind, Subject::Message(id), Some(interruption), !m.shown_by_source, now)?;
    }
    Ok(Stored {
        receipt: IngestReceipt { message_id: id, duplicate: false, client, decision: d.decision, tz: ctx.schedule.tz },
        rings,
        replied,
        due,
    })
}

/// A relayed message's response clock, and when a held one breaks through for it (a silent
/// one never rings, and a muted one has no clock: the user does not want to hear of it).
pub(crate) fn response_clock(
    ctx: &PolicyContext,
    d: &Decided<'_>,
    m: &Incoming,
    category: Category,
) -> (Option<ResponseClock>, Option<DateTime<Utc>>) {
    let Some(relay) = m.relay.as_ref().filter(|_| category == Category::Direct && d.decision.kind != DecisionKind::Muted) else {
        return (None, None);
    };
    let Some(clock) = ResponseClock::start(&ctx.clocks, relay, m.sent_at, m.received_at) else { return (None, None) };
    let ring = (d.decision.kind == DecisionKind::Held && !m.silent)
        .then(|| response::breakthrough_at(&ctx.schedule, d.client, &clock, m.received_at));
    (Some(clock), ring)
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
        let (inputs, replies): (Vec<JobInput>, Vec<_>) = jobs
            .into_iter()
            .map(|j| (JobInput { channel: j.channel, items: j.items, revise: j.revise, sync_state: j.sync_state }, j.reply))
            .unzip();
        let cached = context.take();
        let now = shared.clock.now();
        let outcome = shared.store.write(move |tx| ingest_batch(tx, &inputs, cached, now)).await;
        let results = match outcome {
            Ok((results, ctx)) => {
                context = Some(ctx);
                results
            }
            Err(e) => {
                tracing::error!(error = %e, "ingest batch failed");
                let why = e.phrase();
                replies.into_iter().for_each(|r| {
                    let _ = r.send(Err(IngestError::Unavailable(why.clone())));
                });
                continue;
            }
        };
        let mut rings = false;
        let mut replied = false;
        let mut due: Option<DateTime<Utc>> = None;
        for (reply, job_results) in replies.into_iter().zip(results) {
            let mut receipts = Vec::with_capacity(job_results.len());
            for result in job_results {
                if let Ok(stored) = &result
                    && !stored.receipt.duplicate
                {
                    let r = &stored.receipt;
                    due = due.into_iter().chain(stored.due).min();
                    let _ = shared.events.send(EngineEvent::MessageIngested {
                        id: r.message_id,
                        client: r.client.clone(),
                        decision: r.decision.kind,
                        release_at: r.decision.release_at,
                    });
                }
                receipts.push(result.map(|stored| {
                    rings |= stored.rings;
                    replied |= stored.replied;
                    stored.receipt
                }));
            }
            let _ = reply.send(Ok(receipts));
        }
        if let Some(at) = due {
            shared.wake_for(at);
        }
        shared.index_wake.notify_one();
        if rings {
            shared.outbox_wake.notify_one();
        }
        if replied {
            shared.replies_wake.notify_one();
        }
    }
}

/// How long the indexer waits after a message arrives, so a burst is indexed in one go.
const INDEX_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Adds new messages to the full-text index shortly after they arrive, in batches: the index
/// is derived data, kept out of the commits that acknowledge messages.
pub(super) async fn index_loop(shared: Arc<Shared>) {
    loop {
        shared.index_wake.notified().await;
        tokio::time::sleep(INDEX_DELAY).await;
        if let Err(e) = shared.store.write(|tx| tx.index_pending()).await {
            tracing::warn!(error = %e, "updating the search index; retrying with the next message");
        }
    }
}
