//! Pushes: Lull ringing the user's phone. A [`Push`] is what one ring says, already worded;
//! [`send`] hands it to a target (an ntfy topic, a program of the user's) and says what the
//! target answered. Retries, back-off and "once" are the outbox's business, not this module's:
//! a send is one attempt.

mod command;
mod ntfy;

use lull_core::phrase::{Phrase, Said};
use lull_core::push::PushSettings;
use serde::Serialize;

/// One ring, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Push {
    /// `live`, `bypass`, `digest` or `test`.
    pub kind: &'static str,
    /// ntfy's 1 (min) to 5 (max).
    pub priority: u8,
    pub title: String,
    pub body: String,
    /// ntfy tags (emoji short codes shown before the title).
    pub tags: Vec<&'static str>,
    /// What tapping the notification opens, when the message has an address.
    pub click: Option<String>,
    /// The client, when the push is about one client's message.
    pub client: Option<String>,
    pub message_id: Option<i64>,
    pub digest_id: Option<i64>,
}

/// What a target answered a push it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// What the target said: ntfy's status and message id, a program's exit.
    pub detail: String,
}

/// Why a push was not accepted. Every variant is worth retrying except [`PushError::Refused`]
/// (the target will refuse the same push again) and [`PushError::Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// The server could not be reached (refused, no route, DNS).
    Unreachable { target: String, detail: String },
    /// No answer in time.
    Timeout { target: String, secs: u64 },
    /// The server answered with an error status; 4xx other than 408/429 are refusals.
    Status { target: String, status: u16, body: String },
    /// The program failed, or could not be started.
    Program { program: String, detail: String },
    /// The target refuses this push for good (a 4xx such as a wrong token).
    Refused { target: String, status: u16, body: String },
    /// The target is misconfigured (no HTTP client, a secret gone).
    Config(Phrase),
}

impl PushError {
    /// Whether trying the same push again later may succeed.
    pub fn retryable(&self) -> bool {
        !matches!(self, PushError::Refused { .. } | PushError::Config(_))
    }
}

impl Said for PushError {
    fn phrase(&self) -> Phrase {
        match self {
            PushError::Unreachable { target, detail } => Phrase::new("push.unreachable").with("target", target).with("detail", detail),
            PushError::Timeout { target, secs } => Phrase::new("push.timeout").with("target", target).with("secs", secs),
            PushError::Status { target, status, body } | PushError::Refused { target, status, body } => {
                Phrase::new("push.status").with("target", target).with("status", status).with("detail", body)
            }
            PushError::Program { program, detail } => Phrase::new("push.program_failed").with("program", program).with("detail", detail),
            PushError::Config(p) => p.clone(),
        }
    }
}
lull_words::english_error!(PushError);

/// Sends one push to a target; `secret` is its access token, when it has one.
pub async fn send(settings: &PushSettings, secret: Option<&str>, push: &Push) -> Result<Accepted, PushError> {
    match settings {
        PushSettings::Ntfy(n) => ntfy::publish(n, secret, push).await,
        PushSettings::Command(c) => command::run(c, push).await,
    }
}
