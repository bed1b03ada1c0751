//! Everything that talks to Lull's engine, in one small crate the engine, the `lull` command and
//! the desktop window share:
//!
//! - the API: every request with the answer it gets ([`call`]), the values they carry, grouped
//!   by area ([`status`], [`schedule`], [`clients`], [`channels`], [`messages`], [`digests`],
//!   [`stats`], [`config`]), errors ([`error`]) and live events ([`events`]); their TypeScript
//!   declarations for the web UI ([`bindings`]);
//! - the [`client`] of a running engine, over its loopback HTTP API;
//! - what Lull's processes agree on: the data directory ([`paths`]), where the engine listens
//!   ([`listen`]), the engine lock that says which engine serves it and where ([`lock`]), tokens ([`token`]) and the messages of
//!   gatekeeper popups ([`popups`]).
//!
//! Values are data: phrases, rules, status lines, suggestion codes, which the `lull` command and
//! the window word in the user's language. Where the API's JSON has always had a sentence for
//! scripts (`message`, `summary`, `reason`, `about`, `text`), it still has it, in English,
//! worded from the same data by `lull-words`.
//!
//! It links neither the engine nor its database, servers or connectors, so the desktop window
//! stays small.

pub mod about;
pub mod bindings;
pub mod call;
pub mod channels;
pub mod client;
pub mod clients;
pub mod config;
pub mod digests;
pub mod error;
pub mod events;
pub mod listen;
pub mod lock;
pub mod messages;
pub mod paths;
pub mod platforms;
pub mod popups;
pub mod push;
pub mod replies;
pub mod schedule;
pub mod stats;
pub mod status;
pub mod token;

pub use call::{Call, Request, Response};
pub use client::Client;
pub use error::{ApiError, ErrorCode};
pub use lull_core::phrase::{Phrase, Said};
/// The one rule for opening links from messages, and the one for showing a URL without its
/// secrets, shared with the window.
pub use lull_core::text::{openable_link, redact_url};

/// A phrase in English, for the text fields the API keeps for scripts.
pub fn english(phrase: &Phrase) -> String {
    lull_words::english().phrase(phrase)
}
