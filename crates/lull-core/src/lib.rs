//! Lull's pure core: the model, the focus policy, the schedule, digest planning, attribution,
//! weekly statistics, trace simulation, the channel kinds' settings, and what a glance says.
//!
//! Nothing here reads a clock, a file or a database: every function takes `now` (or the
//! instant it reasons about) and the rows it needs as parameters, so the tricky cases (DST
//! changes, clients nine hours away, missed digests) are tested without sleeping.

pub mod attribution;
pub mod autoreply;
pub mod channel;
pub mod charter;
pub mod digest;
pub mod glance;
pub mod model;
pub mod phrase;
pub mod policy;
pub mod push;
pub mod relay;
pub mod response;
pub mod schedule;
pub mod simulate;
pub mod stats;
pub mod text;
pub mod week;

pub use model::{Category, Client, ClientId, ClientMode, DecisionKind, Identity, Incoming, LiveWindow, Sender, Tier};
pub use phrase::{Phrase, Said};
pub use policy::{Decision, FocusSession, MessageFacts, Rule};
pub use schedule::Schedule;
