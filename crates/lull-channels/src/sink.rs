//! The ingest sink: the one interface through which channels deliver messages.
//!
//! A sink receives one message at a time from a connector and returns once the message and its
//! decision are committed to disk, so a connector may acknowledge to its source (a webhook's
//! 2xx, an IMAP watermark) exactly when the receipt arrives. Delivering the same
//! `(channel, source_key)` twice is safe: the second call returns the first receipt with
//! `duplicate` set and stores nothing, which is what makes retries and reconnects harmless.
//!
//! Errors are classified so the connector can answer its source well: a bad message is the
//! sender's problem (do not retry as is), a storage failure is ours (retry later).

use std::future::Future;
use std::pin::Pin;

use lull_core::model::{ChannelId, MessageId};
use lull_core::{Decision, Incoming, Phrase, Said};
use serde::Serialize;

/// What happened to a delivered message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestReceipt {
    pub message_id: MessageId,
    /// The message was already stored under the same source key; nothing was written.
    pub duplicate: bool,
    /// The client the message was attributed to; `None` for Unknown.
    pub client: Option<String>,
    pub decision: Decision,
    /// The user's time zone, the one the decision's times are read in (the engine knows it
    /// when it decides; a sender's answer words the reason in it).
    pub tz: chrono_tz::Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// The channel does not exist (any more).
    UnknownChannel(ChannelId),
    /// The message itself cannot be stored as given; retrying it unchanged will fail again.
    Rejected(Phrase),
    /// Lull could not store the message now (the phrase says why); the source should retry
    /// later.
    Unavailable(Phrase),
}

impl Said for IngestError {
    fn phrase(&self) -> Phrase {
        match self {
            IngestError::UnknownChannel(id) => Phrase::new("ingest.unknown_channel").with("id", id),
            IngestError::Rejected(why) => why.clone(),
            IngestError::Unavailable(why) => Phrase::new("ingest.unavailable").with_phrase("detail", why.clone()),
        }
    }
}
lull_words::english_error!(IngestError);

pub type IngestFuture<'a> = Pin<Box<dyn Future<Output = Result<IngestReceipt, IngestError>> + Send + 'a>>;
/// One result per message of a batch, in order; `Err` as a whole when nothing was committed.
pub type BatchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Result<IngestReceipt, IngestError>>, IngestError>> + Send + 'a>>;
pub type StateFuture<'a> = Pin<Box<dyn Future<Output = Result<serde_json::Value, IngestError>> + Send + 'a>>;

/// Where connectors deliver messages. Implemented by the engine.
pub trait IngestSink: Send + Sync {
    /// Attributes, decides and commits `incoming` as a message of `channel`; resolves after the
    /// commit.
    fn ingest(&self, channel: ChannelId, incoming: Incoming) -> IngestFuture<'_>;

    /// Like [`IngestSink::ingest`], but a message already stored under the same source key
    /// takes the new title and text (a phone notification updated in place: a chat that grows)
    /// instead of being a duplicate; its decision stays.
    fn revise(&self, channel: ChannelId, incoming: Incoming) -> IngestFuture<'_>;

    /// Records that a held message was dismissed at its source (taken off the phone).
    fn dismissed(&self, message: MessageId);

    /// Commits `messages` and, in the same transaction, `sync_state` as the channel's watermark,
    /// so the watermark never covers a message that is not stored. The watermark is written
    /// only if every message was stored (or was a duplicate, or was rejected for good); after
    /// a storage failure the connector fetches the same messages again.
    fn ingest_batch(&self, channel: ChannelId, messages: Vec<Incoming>, sync_state: Option<serde_json::Value>) -> BatchFuture<'_>;

    /// The channel's watermark as last committed (`{}` at first).
    fn sync_state(&self, channel: ChannelId) -> StateFuture<'_>;

    /// The engine's clock: connectors stamp `received_at` with it.
    fn now(&self) -> chrono::DateTime<chrono::Utc>;

    /// Tells the engine how a connector is doing (shown by `lull channel list` and the UI).
    fn report(&self, channel: ChannelId, health: Health);

    /// Whether another channel records the notifications of `app` (desktop entry `entry`)
    /// itself, so this one leaves them (the phone's notifications, which KDE Connect also
    /// shows on the desktop, belong to the phone channel).
    fn claimed_elsewhere(&self, _channel: ChannelId, _app: &str, _entry: Option<&str>) -> bool {
        false
    }
}

/// A connector's state, as its channel's health shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Connecting or reconnecting to the source.
    Connecting,
    /// Fetching what arrived; `total` when the source says how much there is (first sync).
    Syncing { done: u64, total: Option<u64> },
    /// Connected and up to date, waiting for news.
    Ok,
    /// Nothing wrong, but the source is out of reach for now (a phone out of Wi-Fi range, its
    /// companion app not running); the phrase says what it waits for.
    Waiting { reason: Phrase },
    /// Failed; the supervisor tries again at `retry_at`.
    Retrying { error: Phrase, retry_at: chrono::DateTime<chrono::Utc> },
    /// Cannot work as configured; nothing is retried until the channel is edited.
    Failed { error: Phrase },
}
