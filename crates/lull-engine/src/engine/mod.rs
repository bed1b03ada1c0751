//! The engine: the store, the clock, the notifier and the event bus, and the paths that write
//! messages' fates. This module owns the engine's life (open, shut down) and its runtime state;
//! its children hold the three paths:
//!
//! - [`ingest`]: message + decision, one group-committed transaction per batch, then the
//!   search index a moment later;
//! - [`release`]: held messages into a digest, exactly once;
//! - [`outbox`]: every ring the first two owe the user (desktop notifications, pushes to the
//!   phone), written in their transactions and delivered once from there.
//!
//! What rings is recorded as an interruption for the weekly statistics in the transaction that
//! decided it.
//!
//! Connectors reach the engine only as the [`IngestSink`] they are given; the API's commands
//! (`crate::commands`) use the methods here, never the state behind them.

mod clocks;
mod ingest;
mod outbox;
mod release;
mod replies;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_api::events::EngineEvent;
use lull_api::paths::{DataDir, DataDirError};
use lull_channels::sink::{BatchFuture, IngestFuture, StateFuture};
use lull_channels::{Health, IngestError, IngestSink};
use lull_core::model::ChannelId;
use lull_core::phrase::{Phrase, Said};
use lull_core::schedule::Schedule;
use lull_store::{Db, Store, StoreError};
use lull_words::{Lang, Words, words};
use tokio::sync::{Notify, broadcast, mpsc, watch};

pub(crate) use ingest::{Decided, MessageDraft, PolicyContext, ReplyDraft, decide_message, reply_for, response_clock};
pub(crate) use outbox::{secret_key, test_push};
pub(crate) use release::{digest_view, distinct_clients, release_in};

use crate::clock::Clock;
use crate::connectors::{Connectors, Live};
use crate::notifier::Notifier;

/// The engine could not start.
#[derive(Debug)]
pub enum EngineError {
    DataDir(DataDirError),
    Store(StoreError),
}

impl From<DataDirError> for EngineError {
    fn from(e: DataDirError) -> EngineError {
        EngineError::DataDir(e)
    }
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> EngineError {
        EngineError::Store(e)
    }
}

impl Said for EngineError {
    fn phrase(&self) -> Phrase {
        match self {
            EngineError::DataDir(e) => e.phrase(),
            EngineError::Store(e) => e.phrase(),
        }
    }
}
lull_words::english_error!(EngineError);

/// How long a sign-in code is good for.
const SIGN_IN_CODE_LIFE: std::time::Duration = std::time::Duration::from_secs(60);

/// How to build an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub data_dir: DataDir,
    pub clock: Arc<dyn Clock>,
    pub notifier: Arc<dyn Notifier>,
    /// The language of what the engine shows itself: digest notifications.
    pub lang: Lang,
}

/// What the ingest writer, the indexer and the scheduler share with the engine; they hold this,
/// not the engine, so dropping the engine closes the ingest queue and lets them finish.
#[derive(Debug)]
struct Shared {
    store: Store,
    dir: DataDir,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
    words: Words,
    events: broadcast::Sender<EngineEvent>,
    /// Pinged when the next wake-up may have moved earlier (new held message, new schedule).
    wake: Notify,
    /// When the sleeping scheduler will next look (ms since the epoch); `i64::MIN` while it
    /// is awake. A new held message wakes it only if it is due before then: a burst of held
    /// messages otherwise woke it once per commit, into a release and a clock check on the
    /// one writer between every two commits.
    planned_wake: AtomicI64,
    /// Pinged when new messages wait to enter the full-text index.
    index_wake: Notify,
    /// Pinged when rings were queued in the outbox.
    outbox_wake: Notify,
    /// Pinged when availability replies were queued.
    replies_wake: Notify,
    /// One courier delivers at a time, so a ring is never delivered twice concurrently.
    outbox_lock: tokio::sync::Mutex<()>,
    last_notify_error: Mutex<Option<String>>,
    /// The loopback server's base URL, once one serves this engine.
    server_url: Mutex<Option<String>>,
    /// One-time sign-in codes for a browser, and until when each is good.
    sign_in_codes: Mutex<Vec<(String, std::time::Instant)>>,
    connectors: Connectors,
}

impl Shared {
    /// Wakes the scheduler if something new is due at `at` before it planned to look.
    fn wake_for(&self, at: DateTime<Utc>) {
        let planned = self.planned_wake.load(Ordering::SeqCst);
        if planned == i64::MIN || at.timestamp_millis() < planned {
            self.wake.notify_one();
        }
    }
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    /// Taken at shutdown, which closes the queue.
    ingest: Mutex<Option<mpsc::Sender<ingest::IngestJob>>>,
    ingest_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    indexer_task: tokio::task::JoinHandle<()>,
    /// The outbox's courier and the replier, once started.
    courier: Mutex<Option<Senders>>,
}

/// The tasks that send what Lull owes (rings, availability replies), and what stops them.
#[derive(Debug)]
struct Senders {
    stop: watch::Sender<bool>,
    courier: tokio::task::JoinHandle<()>,
    replier: tokio::task::JoinHandle<()>,
}

/// The running engine; cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
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
            words: words(options.lang),
            events: broadcast::channel(256).0,
            wake: Notify::new(),
            planned_wake: AtomicI64::new(i64::MIN),
            index_wake: Notify::new(),
            outbox_wake: Notify::new(),
            replies_wake: Notify::new(),
            outbox_lock: tokio::sync::Mutex::new(()),
            last_notify_error: Mutex::new(None),
            server_url: Mutex::new(None),
            sign_in_codes: Mutex::new(Vec::new()),
            connectors: Connectors::default(),
        });
        // Messages committed but not indexed when Lull last stopped become searchable now.
        shared.store.write(|tx| tx.index_pending()).await?;
        let (ingest, ingest_task) = ingest::start(shared.clone());
        let indexer_task = tokio::spawn(ingest::index_loop(shared.clone()));
        Ok(Engine {
            inner: Arc::new(Inner {
                shared,
                ingest: Mutex::new(Some(ingest)),
                ingest_task: Mutex::new(Some(ingest_task)),
                indexer_task,
                courier: Mutex::new(None),
            }),
        })
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.inner.shared
    }

    pub fn store(&self) -> &Store {
        &self.shared().store
    }

    /// Where this engine's server listens when it runs: the address recorded in the data
    /// directory, else the usual one (for webhook URLs shown while no server runs).
    pub fn usual_server_url(&self) -> String {
        crate::server::base_url(lull_api::listen::usual_addr(self.data_dir()))
    }

    pub fn data_dir(&self) -> &DataDir {
        &self.shared().dir
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.shared().clock.now()
    }

    /// The engine's clock (the scheduler sleeps on it).
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.shared().clock
    }

    /// Records where the loopback server listens, for the UI's webhook URLs.
    pub fn set_server_url(&self, url: &str) {
        if let Ok(mut u) = self.shared().server_url.lock() {
            *u = Some(url.to_owned());
        }
    }

    /// A one-time code a browser exchanges for the API token (`POST /session`), good for a
    /// minute: the token itself never goes on a command line (`xdg-open`) or into a browser's
    /// history.
    pub fn sign_in_code(&self) -> String {
        let code = lull_api::token::generate("lull_code_");
        if let Ok(mut codes) = self.shared().sign_in_codes.lock() {
            codes.retain(|(_, until)| *until > std::time::Instant::now());
            codes.push((code.clone(), std::time::Instant::now() + SIGN_IN_CODE_LIFE));
        }
        code
    }

    /// Whether `code` is a sign-in code still good; it is spent either way.
    pub fn redeem_sign_in_code(&self, code: &str) -> bool {
        let Ok(mut codes) = self.shared().sign_in_codes.lock() else { return false };
        let now = std::time::Instant::now();
        codes.retain(|(_, until)| *until > now);
        match codes.iter().position(|(c, _)| crate::token::constant_time_eq(c.as_bytes(), code.as_bytes())) {
            Some(i) => {
                codes.remove(i);
                true
            }
            None => false,
        }
    }

    /// Where the loopback server listens, once one serves this engine.
    pub fn server_url(&self) -> Option<String> {
        self.shared().server_url.lock().ok().and_then(|u| u.clone())
    }

    /// The language the engine's own notifications are worded in.
    pub(crate) fn words(&self) -> Words {
        self.shared().words
    }

    /// The last notification error, if the last notification failed.
    pub fn notifications_error(&self) -> Option<String> {
        self.shared().last_notify_error.lock().ok().and_then(|e| e.clone())
    }

    /// Live updates for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.shared().events.subscribe()
    }

    /// Tells listeners what happened.
    pub(crate) fn emit(&self, event: EngineEvent) {
        let _ = self.shared().events.send(event);
    }

    /// Wakes the scheduler: the next release or focus boundary may have moved.
    pub(crate) fn replan(&self) {
        self.shared().wake.notify_one();
    }

    /// Waits until the scheduler should look again (re-planning was asked for).
    pub(crate) async fn replanned(&self) {
        self.shared().wake.notified().await;
    }

    /// The scheduler says when it will next look (`None`: it is awake and looking now). It
    /// says `None` before it reads what is due and the new time only after, so a message
    /// committed in between is either seen by that read or wakes it (see `Shared::wake_for`).
    pub(crate) fn plan_wake(&self, at: Option<DateTime<Utc>>) {
        self.shared().planned_wake.store(at.map_or(i64::MIN, |t| t.timestamp_millis()), Ordering::SeqCst);
    }

    /// What a channel's connector is doing now, when it runs.
    pub(crate) fn connector_state(&self, channel: ChannelId) -> Option<Live> {
        self.shared().connectors.live(channel)
    }

    /// Starts the connectors of every channel that has one, and from now on keeps them in step
    /// with channel edits. Called by the server; plain CLI commands never run connectors.
    pub async fn start_connectors(&self) {
        self.shared().connectors.enable();
        self.refresh_connectors().await;
    }

    /// Starts delivering the outbox and sending availability replies: what a previous run
    /// left, then every ring and reply as it is queued and every retry as it comes due. Called by the server (and tests); a command run on its
    /// own shows its own digest's notification and leaves pushes to the server.
    pub fn start_outbox(&self) {
        let Ok(mut courier) = self.inner.courier.lock() else { return };
        if courier.is_none() {
            let (stop, stopped) = watch::channel(false);
            let replier = tokio::spawn(replies::replier(self.shared().clone(), stopped.clone()));
            *courier = Some(Senders { stop, courier: tokio::spawn(outbox::courier(self.shared().clone(), stopped)), replier });
        }
    }

    /// Tells the courier rings were queued.
    pub(crate) fn rings_queued(&self) {
        self.shared().outbox_wake.notify_one();
    }

    /// Delivers this desktop's rings that are due now, before answering (a digest released on
    /// request says whether its notification was shown).
    pub(crate) async fn deliver_desktop_now(&self) {
        if let Err(e) = self.shared().deliver_due(true).await {
            tracing::warn!(error = %e, "showing notifications");
        }
    }

    /// Sends one push to a target now, outside the outbox (a test push).
    pub(crate) async fn shared_push(
        &self,
        target: &lull_store::PushTargetRow,
        push: &lull_channels::push::Push,
    ) -> Result<String, lull_channels::push::PushError> {
        self.shared().push_to(target, push).await
    }

    /// Starts, restarts or stops connectors to match the channels as stored.
    pub(crate) async fn refresh_connectors(&self) {
        if !self.shared().connectors.enabled() {
            return;
        }
        match self.store().read(|db| db.channels()).await {
            Ok(rows) => self.shared().connectors.refresh(&rows, &(Arc::new(self.clone()) as Arc<dyn IngestSink>), self.data_dir()),
            Err(e) => tracing::warn!(error = %e, "reading channels to start their connectors"),
        }
    }

    /// Stops taking messages, waits until every message already queued is committed and
    /// answered, then closes the database cleanly (WAL checkpointed).
    pub async fn shutdown(&self) {
        self.shared().connectors.stop_all();
        // The courier finishes the ring in hand (so it is marked) and stops.
        let courier = self.inner.courier.lock().ok().and_then(|mut c| c.take());
        if let Some(Senders { stop, courier, replier }) = courier {
            let _ = stop.send(true);
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), courier).await;
            // A reply in the middle of an SMTP exchange is finished or, past this, sent again
            // at the next start (it is marked only once the server took it).
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), replier).await;
        }
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

impl IngestSink for Engine {
    fn ingest(&self, channel: ChannelId, incoming: lull_core::Incoming) -> IngestFuture<'_> {
        Box::pin(async move {
            let mut results = self.submit(channel, vec![incoming], None, false).await?;
            results.pop().unwrap_or_else(|| Err(IngestError::Unavailable(Phrase::new("ingest.no_answer"))))
        })
    }

    fn revise(&self, channel: ChannelId, incoming: lull_core::Incoming) -> IngestFuture<'_> {
        Box::pin(async move {
            let mut results = self.submit(channel, vec![incoming], None, true).await?;
            results.pop().unwrap_or_else(|| Err(IngestError::Unavailable(Phrase::new("ingest.no_answer"))))
        })
    }

    fn dismissed(&self, message: lull_core::model::MessageId) {
        let (store, now) = (self.store().clone(), self.now());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                if let Err(e) = store.write(move |tx| tx.message_dismissed(message, now)).await {
                    tracing::warn!(message, error = %e, "recording a dismissal");
                }
            });
        }
    }

    fn ingest_batch(
        &self,
        channel: ChannelId,
        messages: Vec<lull_core::Incoming>,
        sync_state: Option<serde_json::Value>,
    ) -> BatchFuture<'_> {
        Box::pin(self.submit(channel, messages, sync_state, false))
    }

    fn sync_state(&self, channel: ChannelId) -> StateFuture<'_> {
        Box::pin(async move { self.store().read(move |db| db.sync_state(channel)).await.map_err(|e| IngestError::Unavailable(e.phrase())) })
    }

    fn now(&self) -> DateTime<Utc> {
        self.shared().clock.now()
    }

    fn claimed_elsewhere(&self, channel: ChannelId, app: &str, entry: Option<&str>) -> bool {
        self.shared().connectors.claimed_elsewhere(channel, app, entry)
    }

    /// Keeps the connector's state for the channel views, and on the channel's row what should
    /// survive a restart (the last sync, the last error).
    fn report(&self, channel: ChannelId, health: Health) {
        let now = self.now();
        let changed = self.shared().connectors.record(channel, &health);
        let store = self.store().clone();
        let persist = async move {
            let outcome = match health {
                Health::Ok => store.write(move |tx| tx.channel_synced(channel, now)).await,
                Health::Retrying { error, .. } | Health::Failed { error } => {
                    store.write(move |tx| tx.channel_failed(channel, now, &error)).await
                }
                _ => Ok(()),
            };
            if let Err(e) = outcome {
                tracing::warn!(channel, error = %e, "recording a channel's health");
            }
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(persist);
        }
        if changed {
            self.emit(EngineEvent::ChannelsChanged);
        }
    }
}

/// The user's time zone as the system reports it, else UTC.
pub fn system_tz() -> Tz {
    iana_time_zone::get_timezone().ok().and_then(|name| name.parse().ok()).unwrap_or(chrono_tz::UTC)
}

/// The stored schedule, or the default one if none was stored yet.
pub(crate) fn load_schedule(db: &Db<'_>) -> Result<Schedule, StoreError> {
    Ok(db.schedule()?.unwrap_or_else(|| Schedule::default_in(system_tz())))
}
