//! Availability replies: whether a held email gets one short automatic answer telling its
//! sender when the freelancer will read it, and what that answer says (as data: the times,
//! the way to escalate; the words are chosen at the edges).
//!
//! The etiquette is RFC 3834's, plus Lull's own restraint:
//!
//! - only for a client who opted in, and only for mail held by the schedule (never during a
//!   live window, never for a message that broke through, never for a muted one);
//! - never for mail found by a channel's first sync, only for mail that arrives while Lull runs;
//! - never to automatic mail (`Auto-Submitted` other than `no`), mailing lists (`List-*`),
//!   `Precedence: bulk|list|junk`, a no-reply address, a bounce (null `Return-Path`), a
//!   platform, a rating or a newsletter;
//! - never when the user's own address is not among the message's `To` and `Cc`;
//! - at most once per sender per hold period, and at most once per `interval` (a day by
//!   default).
//!
//! The emergency line is offered only to a client who can break through: a VIP when urgent
//! words are set, or any client trying again (three attempts in fifteen minutes), and only
//! while the client has bypasses left in its daily quota.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::model::{Category, Client, DecisionKind, Tier, vocabulary};
use crate::phrase::{Phrase, Said};
use crate::policy::{Decision, Rule};
use crate::schedule::Schedule;
use crate::week::start_of_local_day;

vocabulary!(
    /// The language an availability reply is written in.
    ReplyLang, "reply language" { En = "en", Fr = "fr" }
);

vocabulary!(
    /// Turning a client's availability replies on in a language, or off.
    ReplySwitch, "auto reply" { Off = "off", En = "en", Fr = "fr" }
);

impl From<Option<ReplyLang>> for ReplySwitch {
    fn from(lang: Option<ReplyLang>) -> Self {
        match lang {
            None => ReplySwitch::Off,
            Some(ReplyLang::En) => ReplySwitch::En,
            Some(ReplyLang::Fr) => ReplySwitch::Fr,
        }
    }
}

impl ReplySwitch {
    pub fn lang(self) -> Option<ReplyLang> {
        match self {
            ReplySwitch::Off => None,
            ReplySwitch::En => Some(ReplyLang::En),
            ReplySwitch::Fr => Some(ReplyLang::Fr),
        }
    }
}

/// By default a sender gets at most one availability reply a day.
pub const DEFAULT_INTERVAL_HOURS: u32 = 24;
/// Mail written longer ago than this (by its `Date`) is old news: moved into the inbox, or
/// delivered late; no reply.
pub const MAX_AGE: Duration = Duration::hours(48);
/// At most this many reading times are named.
pub const MAX_READING_TIMES: usize = 3;

/// What an email says about answering it, read from its headers by the mail channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFacts {
    /// Where a reply goes: `Reply-To`, else `From` (an address, lower case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// `Some("")` for a null `Return-Path` (`<>`: a bounce or other automatic mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_path: Option<String>,
    /// Without angle brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The `References` chain, without angle brackets, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The addresses in `To` and `Cc`, lower case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_submitted: Option<String>,
    /// Any `List-*` header.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub list: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedence: Option<String>,
    /// Found by the channel's first sync (mail that was there before Lull watched).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backlog: bool,
}

/// The user's settings for availability replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplySettings {
    /// At most one reply per sender in this many hours (0: once per hold period only).
    #[serde(default = "default_interval")]
    pub interval_hours: u32,
    /// The user's own text, per language; `None` is Lull's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub template_fr: Option<String>,
}

fn default_interval() -> u32 {
    DEFAULT_INTERVAL_HOURS
}

impl Default for ReplySettings {
    fn default() -> Self {
        ReplySettings { interval_hours: DEFAULT_INTERVAL_HOURS, template_en: None, template_fr: None }
    }
}

/// The placeholders a reply template may use.
pub const PLACEHOLDERS: &[&str] = &["hello", "name", "away", "reading", "urgent", "until", "times"];
/// A template longer than this is not a short reply.
pub const MAX_TEMPLATE_CHARS: usize = 4_000;
/// At most two weeks between replies to one sender.
pub const MAX_INTERVAL_HOURS: u32 = 24 * 14;

/// Reply settings that cannot work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplySettingsError {
    UnknownPlaceholder { lang: ReplyLang, name: String },
    TooLong { lang: ReplyLang, chars: usize },
    Interval { hours: u32 },
}

impl Said for ReplySettingsError {
    fn phrase(&self) -> Phrase {
        match self {
            ReplySettingsError::UnknownPlaceholder { name, .. } => Phrase::new("replies.unknown_placeholder")
                .with("name", format!("{{{name}}}"))
                .with("known", PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")),
            ReplySettingsError::TooLong { chars, .. } => {
                Phrase::new("replies.too_long").with("chars", chars).with("max", MAX_TEMPLATE_CHARS)
            }
            ReplySettingsError::Interval { hours } => Phrase::new("replies.interval").with("hours", hours).with("max", MAX_INTERVAL_HOURS),
        }
    }
}
crate::said_error!(ReplySettingsError);

impl ReplySettingsError {
    /// The settings' field at fault, as in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            ReplySettingsError::UnknownPlaceholder { lang: ReplyLang::En, .. }
            | ReplySettingsError::TooLong { lang: ReplyLang::En, .. } => "template_en",
            ReplySettingsError::UnknownPlaceholder { lang: ReplyLang::Fr, .. }
            | ReplySettingsError::TooLong { lang: ReplyLang::Fr, .. } => "template_fr",
            ReplySettingsError::Interval { .. } => "interval_hours",
        }
    }
}

impl ReplySettings {
    /// Checks the settings; an empty template means Lull's own.
    pub fn validated(mut self) -> Result<ReplySettings, ReplySettingsError> {
        if self.interval_hours > MAX_INTERVAL_HOURS {
            return Err(ReplySettingsError::Interval { hours: self.interval_hours });
        }
        for lang in ReplyLang::ALL {
            let slot = match lang {
                ReplyLang::En => &mut self.template_en,
                ReplyLang::Fr => &mut self.template_fr,
            };
            if slot.as_deref().is_some_and(|t| t.trim().is_empty()) {
                *slot = None;
            }
            let Some(text) = slot.as_deref() else { continue };
            let chars = text.chars().count();
            if chars > MAX_TEMPLATE_CHARS {
                return Err(ReplySettingsError::TooLong { lang: *lang, chars });
            }
            if let Some(name) = placeholders_in(text).into_iter().find(|p| !PLACEHOLDERS.contains(&p.as_str())) {
                return Err(ReplySettingsError::UnknownPlaceholder { lang: *lang, name });
            }
        }
        Ok(self)
    }

    pub fn template(&self, lang: ReplyLang) -> Option<&str> {
        match lang {
            ReplyLang::En => self.template_en.as_deref(),
            ReplyLang::Fr => self.template_fr.as_deref(),
        }
    }
}

/// The `{name}` placeholders in a template (names of letters, digits and `_`).
pub fn placeholders_in(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if close > 0 && after[..close].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
                out.push(after[..close].to_owned());
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// Why a held mail gets no availability reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum NoReply {
    /// Not a client, or a client who did not opt in.
    NotOptedIn,
    /// The channel cannot send mail (no SMTP server set).
    CannotSend,
    /// Not an email.
    NotMail,
    /// It was not held: it reached the user (live window, open hours, a bypass) or was muted.
    NotHeld {
        decision: DecisionKind,
    },
    /// A platform's, a rating or a newsletter.
    Category {
        category: Category,
    },
    Backlog,
    Old,
    AutoSubmitted {
        value: String,
    },
    MailingList,
    Bulk {
        precedence: String,
    },
    NullReturnPath,
    NoAddress,
    NoReplyAddress {
        address: String,
    },
    /// The user's own address is not among `To` and `Cc` (a blind copy, a list).
    NotAddressedToYou {
        address: String,
    },
    /// This sender was already told during this hold period.
    AlreadyThisHold {
        #[ts(type = "string")]
        at: DateTime<Utc>,
    },
    /// This sender was told less than the interval ago.
    AlreadyRecently {
        #[ts(type = "string")]
        at: DateTime<Utc>,
        hours: u32,
    },
}

impl NoReply {
    pub fn code(&self) -> &'static str {
        match self {
            NoReply::NotOptedIn => "not_opted_in",
            NoReply::CannotSend => "cannot_send",
            NoReply::NotMail => "not_mail",
            NoReply::NotHeld { .. } => "not_held",
            NoReply::Category { .. } => "category",
            NoReply::Backlog => "backlog",
            NoReply::Old => "old",
            NoReply::AutoSubmitted { .. } => "auto_submitted",
            NoReply::MailingList => "mailing_list",
            NoReply::Bulk { .. } => "bulk",
            NoReply::NullReturnPath => "null_return_path",
            NoReply::NoAddress => "no_address",
            NoReply::NoReplyAddress { .. } => "no_reply_address",
            NoReply::NotAddressedToYou { .. } => "not_addressed_to_you",
            NoReply::AlreadyThisHold { .. } => "already_this_hold",
            NoReply::AlreadyRecently { .. } => "already_recently",
        }
    }
}

/// Why the user is not reading now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Away {
    /// In focus (a block or a session) until then.
    Focus {
        #[ts(type = "string")]
        until: DateTime<Utc>,
    },
    /// Outside working hours until then.
    Off {
        #[ts(type = "string")]
        until: DateTime<Utc>,
    },
    /// Reading in batches (a low-tier or digest-only client): no "until".
    Batches,
}

/// How the sender can reach the user now, if they can.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Emergency {
    None,
    /// Write one of these words (the first is named).
    Word {
        word: String,
    },
    /// Write again: the third attempt within fifteen minutes reaches the user.
    Retry,
}

/// What an availability reply says, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ReplyPlan {
    pub to: String,
    pub lang: ReplyLang,
    /// The sender's name as they wrote it, for the greeting.
    pub name: String,
    pub away: Away,
    /// When held messages are read next: the release and the digests after it that day.
    #[ts(type = "Array<string>")]
    pub reading: Vec<DateTime<Utc>>,
    #[ts(type = "string")]
    pub user_tz: Tz,
    #[ts(type = "string")]
    pub client_tz: Tz,
    pub emergency: Emergency,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub in_reply_to: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
}

/// Everything deciding a reply looks at.
#[derive(Debug)]
pub struct ReplyInput<'a> {
    pub schedule: &'a Schedule,
    pub settings: &'a ReplySettings,
    pub client: Option<&'a Client>,
    pub category: Category,
    pub decision: &'a Decision,
    /// `None` for a message that did not come by email.
    pub mail: Option<&'a MailFacts>,
    /// The channel's sending address, when it can send.
    pub own_address: Option<&'a str>,
    pub sender_name: &'a str,
    pub subject: &'a str,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    /// The last availability reply this sender got, if any.
    pub last_reply: Option<DateTime<Utc>>,
    /// When the last digest was released (the start of the current hold period).
    pub last_release: Option<DateTime<Utc>>,
    /// Bypasses the client already used today.
    pub bypasses_today: u32,
}

/// Local parts that never read what they receive.
const NO_REPLY_LOCALS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "bounces",
    "notifications",
    "notification",
    "mailer",
];

/// Whether an address is one that never reads replies.
pub fn is_no_reply(address: &str) -> bool {
    let local = address.rsplit_once('@').map_or(address, |(l, _)| l).to_ascii_lowercase();
    let base = local.split('+').next().unwrap_or(&local);
    NO_REPLY_LOCALS.contains(&base)
        || base.starts_with("noreply")
        || base.starts_with("no-reply")
        || base.starts_with("bounce")
        || base.ends_with("-request")
        || base.starts_with("owner-")
}

/// Decides whether a held message gets an availability reply, and what it says.
pub fn plan(input: &ReplyInput<'_>) -> Result<ReplyPlan, NoReply> {
    let Some(client) = input.client else { return Err(NoReply::NotOptedIn) };
    let Some(lang) = client.auto_reply else { return Err(NoReply::NotOptedIn) };
    let Some(mail) = input.mail else { return Err(NoReply::NotMail) };
    if matches!(input.category, Category::Platform | Category::Rating | Category::Newsletter | Category::Social) {
        return Err(NoReply::Category { category: input.category });
    }
    if input.decision.kind != DecisionKind::Held {
        return Err(NoReply::NotHeld { decision: input.decision.kind });
    }
    if mail.backlog {
        return Err(NoReply::Backlog);
    }
    if input.sent_at.is_some_and(|sent| input.received_at - sent > MAX_AGE) {
        return Err(NoReply::Old);
    }
    if let Some(value) = mail.auto_submitted.as_deref().map(str::trim).filter(|v| !v.eq_ignore_ascii_case("no")) {
        return Err(NoReply::AutoSubmitted { value: value.to_owned() });
    }
    if mail.list {
        return Err(NoReply::MailingList);
    }
    if let Some(p) =
        mail.precedence.as_deref().map(str::trim).filter(|p| ["bulk", "list", "junk"].iter().any(|b| p.eq_ignore_ascii_case(b)))
    {
        return Err(NoReply::Bulk { precedence: p.to_ascii_lowercase() });
    }
    if mail.return_path.as_deref().is_some_and(str::is_empty) {
        return Err(NoReply::NullReturnPath);
    }
    let Some(to) = mail.reply_to.clone().filter(|a| a.contains('@')) else { return Err(NoReply::NoAddress) };
    if is_no_reply(&to) {
        return Err(NoReply::NoReplyAddress { address: to });
    }
    // Last of the message's own reasons: a preview then says what matters about the message
    // before saying that no channel sends replies yet.
    let Some(own) = input.own_address else { return Err(NoReply::CannotSend) };
    if !mail.recipients.iter().any(|r| r.eq_ignore_ascii_case(own)) {
        return Err(NoReply::NotAddressedToYou { address: own.to_owned() });
    }
    if let Some(at) = input.last_reply {
        if input.last_release.is_none_or(|release| at >= release) {
            return Err(NoReply::AlreadyThisHold { at });
        }
        let hours = input.settings.interval_hours;
        if input.received_at - at < Duration::hours(i64::from(hours)) {
            return Err(NoReply::AlreadyRecently { at, hours });
        }
    }
    let schedule = input.schedule;
    let release = input.decision.release_at.unwrap_or_else(|| schedule.hold_release(input.received_at));
    let away = match &input.decision.rule {
        Rule::ManualFocus { until } | Rule::FocusBlock { until, .. } => Away::Focus { until: *until },
        Rule::AfterHours => Away::Off { until: schedule.next_work_start(input.received_at).unwrap_or(release) },
        _ => Away::Batches,
    };
    // The promise is kept conservative: a digest that comes during a focus session is not
    // named as a time the user reads, the first one after it is.
    let first_reading = match away {
        Away::Focus { until } | Away::Off { until } if release < until => schedule.next_digest_after(until - Duration::milliseconds(1)),
        _ => release,
    };
    Ok(ReplyPlan {
        to,
        lang,
        name: input.sender_name.to_owned(),
        away,
        reading: reading_times(schedule, first_reading),
        user_tz: schedule.tz,
        client_tz: client.tz,
        emergency: emergency(schedule, client, input.bypasses_today),
        subject: reply_subject(input.subject),
        in_reply_to: mail.message_id.clone(),
        references: mail.references.iter().cloned().chain(mail.message_id.clone()).collect(),
    })
}

/// The release and the digests after it on the same local day, at most [`MAX_READING_TIMES`].
pub fn reading_times(schedule: &Schedule, release: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let day_end = start_of_local_day(schedule.tz, release + Duration::days(1));
    let mut times = vec![release];
    while times.len() < MAX_READING_TIMES {
        let next = schedule.next_digest_after(*times.last().unwrap_or(&release));
        if next >= day_end {
            break;
        }
        times.push(next);
    }
    times
}

/// How the client can break through now, if the schedule and its tier let it.
pub fn emergency(schedule: &Schedule, client: &Client, bypasses_today: u32) -> Emergency {
    if bypasses_today >= client.bypass_quota {
        return Emergency::None;
    }
    if client.tier == Tier::Vip
        && let Some(word) = schedule.urgent_words.first()
    {
        return Emergency::Word { word: word.to_uppercase() };
    }
    Emergency::Retry
}

/// `Re: ` and the subject, unless it already starts so.
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("re:") || lower.starts_with("re :") { s.to_owned() } else { format!("Re: {s}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientMode, Identity};
    use crate::policy::{FocusSession, MessageFacts, decide};
    use chrono_tz::{America::New_York, Asia::Tokyo, Europe::Paris};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    fn acme(tier: Tier) -> Client {
        Client {
            id: 1,
            name: "Acme".into(),
            tz: New_York,
            tier,
            mode: ClientMode::Normal,
            bypass_quota: 3,
            identities: vec![Identity::Domain("acme.com".into())],
            live_windows: vec![],
            auto_reply: Some(ReplyLang::En),
        }
    }

    fn mail() -> MailFacts {
        MailFacts {
            reply_to: Some("jane@acme.com".into()),
            return_path: Some("jane@acme.com".into()),
            message_id: Some("m1@acme.com".into()),
            references: vec!["m0@acme.com".into()],
            recipients: vec!["me@example.org".into()],
            ..MailFacts::default()
        }
    }

    struct Case {
        schedule: Schedule,
        client: Client,
        mail: MailFacts,
        at: DateTime<Utc>,
        last_reply: Option<DateTime<Utc>>,
        last_release: Option<DateTime<Utc>>,
        category: Category,
    }

    impl Case {
        fn new(at: &str) -> Case {
            Case {
                schedule: Schedule::default_in(Paris),
                client: acme(Tier::Normal),
                mail: mail(),
                at: utc(at),
                last_reply: None,
                last_release: None,
                category: Category::Direct,
            }
        }
        fn run(&self) -> Result<ReplyPlan, NoReply> {
            let facts = MessageFacts {
                received_at: self.at,
                client: Some(&self.client),
                category: self.category,
                sender: "Jane Doe",
                title: "Invoice",
                body: "",
                sender_history: &[],
                bypasses_today: 0,
            };
            let decision = decide(&self.schedule, &[] as &[FocusSession], &facts);
            plan(&ReplyInput {
                schedule: &self.schedule,
                settings: &ReplySettings::default(),
                client: Some(&self.client),
                category: self.category,
                decision: &decision,
                mail: Some(&self.mail),
                own_address: Some("me@example.org"),
                sender_name: "Jane Doe",
                subject: "Invoice",
                sent_at: Some(self.at - Duration::minutes(1)),
                received_at: self.at,
                last_reply: self.last_reply,
                last_release: self.last_release,
                bypasses_today: 0,
            })
        }
    }

    #[test]
    fn a_held_mail_in_focus_gets_the_focus_end_and_the_reading_times() {
        // Tuesday 10:15 in Paris (UTC+1 in December): focus until 12:00, digests 13:00, 17:00.
        let plan = Case::new("2026-12-01T09:15:00Z").run().expect("a reply");
        assert_eq!(plan.away, Away::Focus { until: utc("2026-12-01T11:00:00Z") });
        assert_eq!(plan.reading, vec![utc("2026-12-01T12:00:00Z"), utc("2026-12-01T16:00:00Z")]);
        assert_eq!(plan.to, "jane@acme.com");
        assert_eq!(plan.subject, "Re: Invoice");
        assert_eq!(plan.in_reply_to.as_deref(), Some("m1@acme.com"));
        assert_eq!(plan.references, vec!["m0@acme.com".to_owned(), "m1@acme.com".to_owned()]);
        assert_eq!(plan.emergency, Emergency::Retry);
        assert_eq!((plan.user_tz, plan.client_tz), (Paris, New_York));
    }

    #[test]
    fn after_hours_the_reply_names_the_next_working_morning_across_a_weekend() {
        // Friday 19:00 Paris: off until Monday 09:00, read at 09:00, 13:00 and 17:00.
        let plan = Case::new("2026-12-04T18:00:00Z").run().expect("a reply");
        assert_eq!(plan.away, Away::Off { until: utc("2026-12-07T08:00:00Z") });
        assert_eq!(plan.reading, vec![utc("2026-12-07T08:00:00Z"), utc("2026-12-07T12:00:00Z"), utc("2026-12-07T16:00:00Z")]);
    }

    #[test]
    fn reading_times_follow_the_spring_dst_change() {
        // Saturday 28 March 2026, Paris; the clocks go forward on Sunday 29 March. Monday's
        // 09:00 is 07:00 UTC (summer time), not 08:00.
        let plan = Case::new("2026-03-28T10:00:00Z").run().expect("a reply");
        assert_eq!(plan.away, Away::Off { until: utc("2026-03-30T07:00:00Z") });
        assert_eq!(plan.reading[0], utc("2026-03-30T07:00:00Z"));
        // New York changed two weeks earlier: the client is six hours behind Paris that week.
        let ny = plan.reading[0].with_timezone(&New_York);
        assert_eq!(ny.format("%H:%M").to_string(), "03:00");
    }

    #[test]
    fn a_digest_during_a_focus_session_is_not_promised() {
        // A manual session from 10:15 to 13:51 Paris: the 13:00 digest still comes, but the
        // reply names 17:00 as the first time the user reads.
        let case = Case::new("2026-12-01T09:15:00Z");
        let at = case.at;
        let session = FocusSession { started_at: at, ends_at: utc("2026-12-01T12:51:00Z") };
        let facts = MessageFacts {
            received_at: at,
            client: Some(&case.client),
            category: Category::Direct,
            sender: "Jane",
            title: "",
            body: "",
            sender_history: &[],
            bypasses_today: 0,
        };
        let decision = decide(&case.schedule, &[session], &facts);
        assert_eq!(decision.release_at, Some(utc("2026-12-01T12:00:00Z")));
        let plan = plan(&ReplyInput {
            schedule: &case.schedule,
            settings: &ReplySettings::default(),
            client: Some(&case.client),
            category: Category::Direct,
            decision: &decision,
            mail: Some(&case.mail),
            own_address: Some("me@example.org"),
            sender_name: "Jane",
            subject: "x",
            sent_at: None,
            received_at: at,
            last_reply: None,
            last_release: None,
            bypasses_today: 0,
        })
        .expect("a reply");
        assert_eq!(plan.away, Away::Focus { until: utc("2026-12-01T12:51:00Z") });
        assert_eq!(plan.reading, vec![utc("2026-12-01T16:00:00Z")]);
    }

    #[test]
    fn a_vip_is_offered_the_urgent_word_and_nobody_is_offered_a_spent_quota() {
        let mut case = Case::new("2026-12-01T09:15:00Z");
        case.client = acme(Tier::Vip);
        assert_eq!(case.run().expect("a reply").emergency, Emergency::Word { word: "URGENT".into() });
        let mut client = acme(Tier::Vip);
        client.bypass_quota = 0;
        assert_eq!(emergency(&case.schedule, &client, 0), Emergency::None);
        assert_eq!(emergency(&case.schedule, &acme(Tier::Normal), 3), Emergency::None);
        let mut no_words = case.schedule.clone();
        no_words.urgent_words.clear();
        assert_eq!(emergency(&no_words, &acme(Tier::Vip), 0), Emergency::Retry);
    }

    #[test]
    fn never_to_automatic_list_bulk_bounce_or_no_reply_mail() {
        let at = "2026-12-01T09:15:00Z";
        let with = |f: fn(&mut MailFacts)| {
            let mut case = Case::new(at);
            f(&mut case.mail);
            case.run().map(|_| ()).map_err(|e| e.code())
        };
        assert_eq!(with(|m| m.auto_submitted = Some("auto-replied".into())), Err("auto_submitted"));
        assert_eq!(with(|m| m.auto_submitted = Some("No".into())), Ok(()));
        assert_eq!(with(|m| m.list = true), Err("mailing_list"));
        assert_eq!(with(|m| m.precedence = Some("Bulk".into())), Err("bulk"));
        assert_eq!(with(|m| m.return_path = Some(String::new())), Err("null_return_path"));
        assert_eq!(with(|m| m.reply_to = Some("no-reply@acme.com".into())), Err("no_reply_address"));
        assert_eq!(with(|m| m.reply_to = Some("Notifications+ab@acme.com".into())), Err("no_reply_address"));
        assert_eq!(with(|m| m.reply_to = None), Err("no_address"));
        assert_eq!(with(|m| m.recipients = vec!["team@example.org".into()]), Err("not_addressed_to_you"));
        assert_eq!(with(|m| m.backlog = true), Err("backlog"));
    }

    #[test]
    fn never_for_platforms_live_windows_or_clients_who_did_not_opt_in() {
        let mut case = Case::new("2026-12-01T09:15:00Z");
        case.category = Category::Platform;
        assert_eq!(case.run().map_err(|e| e.code()), Err("category"));
        let mut case = Case::new("2026-12-01T09:15:00Z");
        case.client.live_windows = vec!["tue 10:00-11:00".parse().expect("window")];
        assert_eq!(case.run(), Err(NoReply::NotHeld { decision: DecisionKind::Live }));
        // Open hours (Tuesday 12:30 Paris, between focus blocks): it reached the user.
        assert_eq!(Case::new("2026-12-01T11:30:00Z").run(), Err(NoReply::NotHeld { decision: DecisionKind::Live }));
        let mut case = Case::new("2026-12-01T09:15:00Z");
        case.client.auto_reply = None;
        assert_eq!(case.run(), Err(NoReply::NotOptedIn));
    }

    #[test]
    fn once_per_hold_period_and_once_a_day() {
        let mut case = Case::new("2026-12-01T09:15:00Z");
        // Told an hour ago, and no digest since: same hold period.
        case.last_reply = Some(utc("2026-12-01T08:15:00Z"));
        case.last_release = Some(utc("2026-12-01T08:00:00Z"));
        assert_eq!(case.run().map_err(|e| e.code()), Err("already_this_hold"));
        // Told yesterday afternoon, a digest since, but less than 24 hours ago.
        case.last_reply = Some(utc("2026-11-30T14:00:00Z"));
        assert_eq!(case.run().map_err(|e| e.code()), Err("already_recently"));
        // Told 25 hours ago: a new reply.
        case.last_reply = Some(utc("2026-11-30T08:00:00Z"));
        assert!(case.run().is_ok());
    }

    #[test]
    fn templates_name_only_known_placeholders() {
        let ok = ReplySettings { template_fr: Some("Bonjour {name}, {away} {reading}".into()), ..ReplySettings::default() };
        assert!(ok.validated().is_ok());
        let typo = ReplySettings { template_en: Some("Hi {nmae}".into()), ..ReplySettings::default() };
        let e = typo.validated().expect_err("unknown placeholder");
        assert_eq!(e, ReplySettingsError::UnknownPlaceholder { lang: ReplyLang::En, name: "nmae".into() });
        assert_eq!(e.field(), "template_en");
        let blank = ReplySettings { template_en: Some("  ".into()), ..ReplySettings::default() }.validated().expect("blank is Lull's");
        assert_eq!(blank.template_en, None);
        assert!(ReplySettings { interval_hours: 10_000, ..ReplySettings::default() }.validated().is_err());
        assert_eq!(placeholders_in("{a} { b} {} {c_1}{"), ["a", "c_1"]);
    }

    #[test]
    fn old_mail_gets_no_reply() {
        let schedule = Schedule::default_in(Paris);
        let client = acme(Tier::Normal);
        let at = utc("2026-12-01T09:15:00Z");
        let decision = Decision { kind: DecisionKind::Held, release_at: Some(utc("2026-12-01T12:00:00Z")), rule: Rule::AfterHours };
        let facts = mail();
        let input = ReplyInput {
            schedule: &schedule,
            settings: &ReplySettings::default(),
            client: Some(&client),
            category: Category::Direct,
            decision: &decision,
            mail: Some(&facts),
            own_address: Some("me@example.org"),
            sender_name: "Jane",
            subject: "Re: Invoice",
            sent_at: Some(at - Duration::days(3)),
            received_at: at,
            last_reply: None,
            last_release: None,
            bypasses_today: 0,
        };
        assert_eq!(plan(&input), Err(NoReply::Old));
        let fresh = ReplyInput { sent_at: None, ..input };
        assert_eq!(plan(&fresh).expect("a reply").subject, "Re: Invoice");
    }

    #[test]
    fn a_client_nine_hours_away_reads_its_own_day() {
        let mut case = Case::new("2026-12-01T09:15:00Z");
        case.client.tz = Tokyo;
        let plan = case.run().expect("a reply");
        let Away::Focus { until } = plan.away else { panic!("focus") };
        // 12:00 Paris is 20:00 in Tokyo.
        assert_eq!(until.with_timezone(&Tokyo).format("%H:%M").to_string(), "20:00");
    }
}
