//! Lull's runtime: the engine (ingest, digests, notifier), the scheduler, the typed API and the
//! loopback HTTP server that serves it, webhooks and live events.
//!
//! Start with [`Engine::open`]; [`server::serve`] runs the whole thing headless (`lull serve`).

pub mod api;
pub mod clock;
mod commands;
mod connectors;
mod demo;
mod engine;
pub mod lock;
pub mod notifier;
pub mod paths;
pub mod popups;
pub mod scheduler;
pub mod secrets;
pub mod server;
pub mod token;
pub mod tray_text;

pub use commands::{MAX_FOCUS_MINUTES, apply_schedule_update, focus_view};
pub use engine::{Engine, EngineError, EngineOptions, system_tz};
