//! Clients: who the freelancer works for and how their messages are recognised.

use chrono::{DateTime, Utc};
use lull_core::autoreply::{ReplyLang, ReplySwitch};
use lull_core::charter::Charter;
use lull_core::model::{ClientMode, Tier};
use serde::{Deserialize, Serialize};

/// A client to add. Missing fields take defaults: the user's time zone, tier `normal`, mode
/// `normal`, a quota of 3 bypasses a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientSpec {
    pub name: String,
    pub tz: Option<String>,
    pub tier: Option<Tier>,
    pub mode: Option<ClientMode>,
    pub bypass_quota: Option<u32>,
    /// `email:ADDR`, `domain:DOMAIN`, `channel:NAME`.
    #[serde(default)]
    pub matches: Vec<String>,
    /// `tue,thu 14:00-16:00`, with `@client` for the client's time.
    #[serde(default)]
    pub live: Vec<String>,
    /// Availability replies to held email, in `en` or `fr`; `off` (the default) sends none.
    #[serde(default)]
    pub auto_reply: Option<ReplySwitch>,
}

/// Changes to a client; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientEdit {
    pub name: String,
    pub rename: Option<String>,
    pub tz: Option<String>,
    pub tier: Option<Tier>,
    pub mode: Option<ClientMode>,
    pub bypass_quota: Option<u32>,
    #[serde(default)]
    pub add_matches: Vec<String>,
    #[serde(default)]
    pub remove_matches: Vec<String>,
    /// Replaces every live window; `Some(vec![])` removes them all.
    pub live: Option<Vec<String>>,
    /// `en` or `fr` turns availability replies on in that language, `off` turns them off.
    #[serde(default)]
    pub auto_reply: Option<ReplySwitch>,
}

/// A client's charter ("how to reach me"), in a language; `mark_shared` records it as the
/// one given to the client (to tell later when it is out of date).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientCharter {
    pub name: String,
    /// The charter's language; by default the client's reply language, else English.
    #[serde(default)]
    pub lang: Option<ReplyLang>,
    #[serde(default)]
    pub mark_shared: bool,
}

/// A client's charter as data and in each form it is shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct CharterView {
    pub charter: Charter,
    pub lang: ReplyLang,
    /// To paste in a message.
    pub text: String,
    /// A small self-contained page to send or attach.
    pub html: String,
    /// An iCalendar file of the live windows and reading times.
    pub ics: String,
    /// When the client was last given its charter.
    pub shared_at: Option<DateTime<Utc>>,
    /// The charter shared then says something else than this one (the schedule, the client's
    /// windows or tier changed, or a DST change moved the times).
    pub out_of_date: bool,
}

/// Removes a client; its messages stay, under Unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientRemove {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Removed {
    pub name: String,
    pub messages_kept: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientView {
    pub id: i64,
    pub name: String,
    pub tz: String,
    /// The client's wall clock now, e.g. `Tue 14:05`.
    pub local_time: String,
    pub tier: Tier,
    pub mode: ClientMode,
    pub bypass_quota: u32,
    pub matches: Vec<String>,
    pub live_windows: Vec<String>,
    /// The language of its availability replies; `null`: none are sent.
    pub auto_reply: Option<ReplyLang>,
    /// When the client was last given its charter ("how to reach me").
    pub charter_shared_at: Option<DateTime<Utc>>,
    /// The charter given then no longer matches the schedule.
    pub charter_out_of_date: bool,
    /// Messages in the last 7 days.
    pub messages_7d: u32,
}
