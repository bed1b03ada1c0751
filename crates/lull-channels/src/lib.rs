//! Lull's channels: each kind of channel as one unit ([`kind`]), and the connectors that turn
//! what a channel delivers into [`Incoming`] messages and push them into an [`IngestSink`].
//!
//! Connectors never touch the store. They hand each message to the sink, which attributes,
//! decides and commits it, and only then tells the connector it may acknowledge the source.
//!
//! [`Incoming`]: lull_core::Incoming

// The kinds of channel, each a module with its `Kind`; registered in `KINDS` below.
pub mod desktop;
pub mod feed;
pub mod imap;
pub mod phone;
pub mod webhook;

// What the kinds share.
pub mod gatekeeper;
pub mod kind;
pub mod mail;
pub mod mapping;
pub mod outbound;
pub mod push;
pub mod sink;
pub mod smtp;
pub mod supervisor;
pub mod tls;

use kind::Unit;

/// Every kind of channel, in the order the UI offers them. Nothing else in Lull lists the kinds:
/// a new kind is its module, declared above, and one line here.
static KINDS: &[&dyn AnyKind] = &[
    &Unit::<imap::Imap>::NEW,
    &Unit::<webhook::Webhook>::NEW,
    &Unit::<feed::Feed>::NEW,
    &Unit::<desktop::Desktop>::NEW,
    &Unit::<phone::Phone>::NEW,
];

pub use kind::{AnyKind, Kind};
pub use sink::{Health, IngestError, IngestReceipt, IngestSink};
pub use supervisor::{Backoff, ConnectorError, supervise};

/// An error and its causes, one after the other: what a user needs to see why a connection
/// failed.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The SHA-256 of `data` in lower-case hex.
pub fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}
