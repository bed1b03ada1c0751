//! Lull's channels: the connectors that turn what a channel delivers into [`Incoming`] messages
//! and push them into an [`IngestSink`].
//!
//! Connectors never touch the store. They hand each message to the sink, which attributes,
//! decides and commits it, and only then tells the connector it may acknowledge the source.
//!
//! [`Incoming`]: lull_core::Incoming

pub mod sink;
pub mod webhook;

pub use sink::{IngestError, IngestReceipt, IngestSink};
