//! Lull's runtime: the engine (ingest, digest release, notifications), the commands that answer
//! the API, the scheduler, the connectors it runs, and the loopback HTTP server that serves the
//! API, webhooks, live events and the web UI.
//!
//! Start with [`Engine::open`]; [`server::run`] serves it headless (`lull serve`). The API's
//! types and its client are in `lull-api`.

pub mod clock;
mod commands;
mod connectors;
mod demo;
mod engine;
pub mod notifier;
pub mod popups;
pub mod scheduler;
pub mod secrets;
pub mod server;
pub mod token;

pub use commands::{MAX_FOCUS_MINUTES, apply_schedule_update, focus_view};
pub use engine::{Engine, EngineError, EngineOptions, system_tz};
