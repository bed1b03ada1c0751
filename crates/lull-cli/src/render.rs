//! Text output for people, in the user's language ([`Words`]): labels and sentences come from
//! the dictionaries in `locales/`, values a user types back (tiers, modes, decisions, kinds,
//! channel states, identities) stay as they are typed. Message text comes from outside and may
//! carry terminal escape sequences, so everything a client or sender wrote goes through
//! [`clean`] before it is printed.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_api::channels::*;
use lull_api::clients::*;
use lull_api::config::DemoReport;
use lull_api::digests::*;
use lull_api::messages::*;
use lull_api::push::{PushTargetView, PushTestReport};
use lull_api::schedule::*;
use lull_api::stats::{SimulationView, StatsView};
use lull_api::status::*;
use lull_core::response::ClockState;
use lull_core::stats::{Count, UNKNOWN_CLIENT, WeekFigures};
use lull_words::{Dates, Words};

/// Untrusted text made safe and short for one terminal line: control characters (escape
/// sequences, newlines) become spaces, and it is cut at `max` characters.
pub fn clean(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('\u{2026}');
        cut
    } else {
        flat
    }
}

/// `s` padded with spaces to `width` characters.
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_owned() } else { format!("{s}{}", " ".repeat(width - n)) }
}

/// A label padded to `width`, for the aligned `label  value` lines.
fn label(w: Words, key: &str, width: usize) -> String {
    pad(&w.t(key, &[]), width)
}

/// The width that aligns the values after `keys`' labels: at least `min`, and two spaces
/// after the longest label in this language.
fn width(w: Words, keys: &[&str], min: usize) -> usize {
    keys.iter().map(|k| w.t(k, &[]).chars().count() + 2).max().unwrap_or(0).max(min)
}

fn tz_of(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// A list, or the word for none.
fn list_or_none(w: Words, items: &[String]) -> String {
    if items.is_empty() { w.t("cli.none", &[]) } else { items.join(", ") }
}

/// An instant in UTC, for channel activity: `Tue 24 Nov 13:05 UTC`.
fn utc(w: Words, t: DateTime<Utc>) -> String {
    format!("{} UTC", w.date_time(t, chrono_tz::UTC))
}

pub fn status(w: Words, s: &StatusView) -> String {
    let tz = tz_of(&s.tz);
    let mut out = format!("{}\n", w.status(&s.lines, s.now, tz));
    let focus = match (s.focus.source, s.focus.until) {
        (Some(source), Some(until)) => {
            let what = match (&s.focus.block, source) {
                (Some(block), _) => block.clone(),
                (None, FocusSource::Session) => w.t("cli.status.session", &[]),
                (None, FocusSource::Block) => w.t("cli.status.block", &[]),
            };
            w.t("cli.status.focus_until", &[("when", &w.date_time(until, tz)), ("what", &what)])
        }
        _ => w.t("cli.status.off", &[]),
    };
    let n = width(w, &["cli.status.focus", "cli.status.held", "cli.status.next_digest", "cli.status.bypasses", "cli.status.warning"], 13);
    let _ = writeln!(out, "  {}{focus}", label(w, "cli.status.focus", n));
    let _ = writeln!(out, "  {}{}", label(w, "cli.status.held", n), s.held);
    let _ = writeln!(out, "  {}{} ({})", label(w, "cli.status.next_digest", n), w.date_time(s.next_digest, tz), s.tz);
    let _ =
        writeln!(out, "  {}{}", label(w, "cli.status.bypasses", n), w.t("cli.status.today", &[("count", &s.bypasses_today.to_string())]));
    if let Some(u) = &s.upgrade {
        let (from, to) = (u.from.to_string(), u.to.to_string());
        let _ = writeln!(
            out,
            "  {}",
            w.t("cli.status.upgraded", &[("from", &from), ("to", &to), ("when", &w.date_time(u.at, tz)), ("backup", &u.backup)])
        );
    }
    if let Some(e) = &s.notifications_error {
        let _ = writeln!(out, "  {}{e}", label(w, "cli.status.warning", n));
    }
    out
}

pub fn schedule(w: Words, v: &ScheduleView) -> String {
    let s = &v.schedule;
    let mut out = String::new();
    let keys = [
        "cli.schedule.tz",
        "cli.schedule.work",
        "cli.schedule.focus",
        "cli.schedule.digests",
        "cli.schedule.ratings",
        "cli.schedule.urgent_words",
        "cli.schedule.next_digest",
        "cli.schedule.replanned",
    ];
    let n = width(w, &keys, 15);
    let line = |out: &mut String, key: &str, value: String| {
        let _ = writeln!(out, "{}{value}", label(w, key, n));
    };
    line(&mut out, "cli.schedule.tz", s.tz.name().to_owned());
    line(&mut out, "cli.schedule.work", list_or_none(w, &s.work.iter().map(ToString::to_string).collect::<Vec<_>>()));
    line(&mut out, "cli.schedule.focus", list_or_none(w, &s.focus.iter().map(ToString::to_string).collect::<Vec<_>>()));
    let digests = list_or_none(w, &s.digests.iter().map(ToString::to_string).collect::<Vec<_>>());
    line(&mut out, "cli.schedule.digests", w.t("cli.schedule.digests_value", &[("times", &digests)]));
    line(&mut out, "cli.schedule.ratings", w.t("cli.schedule.ratings_value", &[("slot", &s.weekly_digest.to_string())]));
    line(&mut out, "cli.schedule.urgent_words", s.urgent_words.join(", "));
    line(&mut out, "cli.schedule.next_digest", w.date_time(v.next_digest, s.tz));
    if v.replanned > 0 {
        line(&mut out, "cli.schedule.replanned", w.t("cli.schedule.replanned_value", &[("count", &v.replanned.to_string())]));
    }
    out
}

pub fn clients(w: Words, list: &[ClientView]) -> String {
    if list.is_empty() {
        return format!("{}\n", w.t("cli.clients.none", &[]));
    }
    let mut out = format!(
        "{}{}{}{}{}{}\n",
        label(w, "cli.clients.name", 18),
        label(w, "cli.clients.tier", 8),
        label(w, "cli.clients.tz", 32),
        label(w, "cli.clients.week", 8),
        label(w, "cli.clients.matches", 30),
        w.t("cli.clients.live", &[])
    );
    for c in list {
        let _ = writeln!(
            out,
            "{}{}{}{}{}{}",
            pad(&clean(&c.name, 17), 18),
            pad(c.tier.as_str(), 8),
            pad(&format!("{} ({})", c.tz, c.local_time), 32),
            pad(&c.messages_7d.to_string(), 8),
            pad(&clean(&c.matches.join(" "), 29), 30),
            c.live_windows.join(", ")
        );
    }
    out
}

pub fn client(w: Words, c: &ClientView) -> String {
    let quota = c.bypass_quota.to_string();
    let mut out = format!(
        "{}\n",
        w.t(
            "cli.client.heading",
            &[("name", &clean(&c.name, 80)), ("tier", c.tier.as_str()), ("mode", c.mode.as_str()), ("quota", &quota)]
        )
    );
    let n = width(w, &["cli.client.tz", "cli.client.matches", "cli.client.live", "cli.client.replies"], 11);
    let _ = writeln!(out, "  {}{}", label(w, "cli.client.tz", n), w.t("cli.client.tz_value", &[("tz", &c.tz), ("now", &c.local_time)]));
    let matches = if c.matches.is_empty() { w.t("cli.client.no_matches", &[]) } else { c.matches.join(", ") };
    let _ = writeln!(out, "  {}{matches}", label(w, "cli.client.matches", n));
    let live = if c.live_windows.is_empty() { w.t("cli.client.never", &[]) } else { c.live_windows.join(", ") };
    let _ = writeln!(out, "  {}{live}", label(w, "cli.client.live", n));
    let replies = match c.auto_reply {
        Some(lang) => w.t("cli.client.replies_on", &[("lang", lang.as_str())]),
        None => w.t("cli.client.replies_off", &[]),
    };
    let _ = writeln!(out, "  {}{replies}", label(w, "cli.client.replies", n));
    out
}

/// `lull auto-reply show` and `set`.
/// `lull platform list`: each platform's clock.
pub fn platforms(w: Words, platforms: &[lull_api::platforms::PlatformView]) -> String {
    let mut out = String::new();
    let n = platforms.iter().map(|p| p.name.chars().count()).max().unwrap_or(0) + 2;
    for p in platforms {
        let clock = match p.within_secs {
            Some(s) => w.t("cli.platform.within", &[("within", &w.length(chrono::Duration::seconds(s)))]),
            None => w.t("cli.platform.off", &[]),
        };
        let note = if p.is_default { w.t("cli.platform.default", &[]) } else { String::new() };
        let _ = writeln!(out, "{:<n$}{clock}{note}", p.name);
    }
    out
}

pub fn replies(w: Words, r: &lull_api::replies::RepliesView) -> String {
    let mut out = String::new();
    let n = width(w, &["cli.replies.clients", "cli.replies.senders", "cli.replies.every"], 12);
    let clients = if r.clients.is_empty() {
        w.t("cli.replies.no_clients", &[])
    } else {
        r.clients.iter().map(|c| clean(c, 60)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "{}{clients}", label(w, "cli.replies.clients", n));
    let senders = if r.senders.is_empty() {
        w.t("cli.replies.no_senders", &[])
    } else {
        r.senders.iter().map(|s| format!("{} ({})", s.address, s.channel)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "{}{senders}", label(w, "cli.replies.senders", n));
    let every = match r.settings.interval_hours {
        0 => w.t("cli.replies.every_hold", &[]),
        h => w.t("cli.replies.every_hours", &[("hours", &h.to_string())]),
    };
    let _ = writeln!(out, "{}{every}", label(w, "cli.replies.every", n));
    for d in &r.defaults {
        let own = r.settings.template(d.lang);
        let heading = if own.is_some() { "cli.replies.template_own" } else { "cli.replies.template_default" };
        let _ = writeln!(out, "\n{}", w.t(heading, &[("lang", d.lang.as_str())]));
        for line in own.unwrap_or(&d.text).lines() {
            let _ = writeln!(out, "  │ {}", clean(line, 200));
        }
    }
    out
}

/// `lull client remove`.
pub fn removed(w: Words, r: &Removed) -> String {
    format!("{}\n", w.t("cli.client.removed", &[("name", &clean(&r.name, 80)), ("count", &r.messages_kept.to_string())]))
}

pub fn channels(w: Words, list: &[ChannelView]) -> String {
    if list.is_empty() {
        return format!("{}\n", w.t("cli.channels.none", &[]));
    }
    let mut out = format!(
        "{}{}{}{}{}\n",
        label(w, "cli.channels.name", 16),
        label(w, "cli.channels.kind", 9),
        label(w, "cli.channels.state", 11),
        label(w, "cli.channels.messages", 10),
        w.t("cli.channels.last_message", &[])
    );
    for c in list {
        let last = c.last_message_at.map_or_else(|| w.t("cli.channels.never", &[]), |t| utc(w, t));
        let state = match (c.state, c.progress) {
            (ChannelState::Syncing, Some(SyncProgress { done, total: Some(total) })) => format!("syncing {done}/{total}"),
            (state, _) => serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        };
        let _ =
            writeln!(out, "{}{}{}{}{}", pad(&c.name, 16), pad(c.kind.as_str(), 9), pad(&state, 11), pad(&c.messages.to_string(), 10), last);
        let _ = writeln!(out, "    {}", clean(&w.phrase(&c.description), 120));
        if let Some(waiting) = &c.waiting_for {
            let _ = writeln!(out, "    {}", clean(&w.phrase(waiting), 160));
        }
        if let Some(t) = c.last_sync_at {
            let _ = writeln!(out, "    {}", w.t("cli.channels.last_sync", &[("when", &utc(w, t))]));
        }
        if let Some(problem) = &c.last_problem {
            let error = clean(&w.phrase(problem), 160);
            let line = match c.last_error_at {
                Some(t) => w.t("cli.channels.last_error_at", &[("when", &utc(w, t)), ("error", &error)]),
                None => w.t("cli.channels.last_error", &[("error", &error)]),
            };
            let _ = writeln!(out, "    {line}");
        }
        if let Some(t) = c.next_retry_at {
            let _ = writeln!(out, "    {}", w.t("cli.channels.next_retry", &[("when", &utc(w, t))]));
        }
    }
    out
}

pub fn push_targets(w: Words, list: &[PushTargetView]) -> String {
    if list.is_empty() {
        return format!("{}\n", w.t("cli.push.none", &[]));
    }
    let mut out = String::new();
    for p in list {
        let target = match &p.settings {
            lull_core::push::PushSettings::Ntfy(n) => n.publish_url(),
            lull_core::push::PushSettings::Command(c) => {
                std::iter::once(c.program.as_str()).chain(c.args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
            }
        };
        let _ = writeln!(out, "{}{}{}", pad(&p.name, 16), pad(p.kind.as_str(), 9), clean(&target, 100));
        let mut what = vec![w.t(if p.digests { "cli.push.with_digests" } else { "cli.push.no_digests" }, &[])];
        if p.private {
            what.push(w.t("cli.push.private", &[]));
        }
        if p.protected {
            what.push(w.t("cli.push.protected", &[]));
        }
        let _ = writeln!(out, "    {}", what.join(" \u{b7} "));
        let counts = [("queued", p.queued), ("sent", p.sent), ("dropped", p.dropped), ("failed", p.failed)];
        let counts: Vec<(&str, String)> = counts.iter().map(|(k, n)| (*k, n.to_string())).collect();
        let args: Vec<(&str, &str)> = counts.iter().map(|(k, n)| (*k, n.as_str())).collect();
        let _ = writeln!(out, "    {}", w.t("cli.push.counts", &args));
        if let Some(t) = p.last_success_at {
            let _ = writeln!(out, "    {}", w.t("cli.push.last_success", &[("when", &utc(w, t))]));
        }
        if let (Some(problem), Some(t)) = (&p.last_error, p.last_error_at) {
            let error = clean(&w.phrase(problem), 160);
            let _ = writeln!(out, "    {}", w.t("cli.channels.last_error_at", &[("when", &utc(w, t)), ("error", &error)]));
        }
    }
    out
}

pub fn push_test(w: Words, t: &PushTestReport) -> String {
    if t.ok { format!("{}: {}\n", t.name, clean(&w.phrase(&t.answer), 200)) } else { String::new() }
}

pub fn push_removed(w: Words, p: &PushTargetView) -> String {
    let key = if p.queued > 0 { "cli.push.removed_queued" } else { "cli.push.removed" };
    format!("{}\n", w.tn(key, p.queued, &[("name", &p.name)]))
}

pub fn channel_test(w: Words, t: &ChannelTestReport) -> String {
    let mut out = String::new();
    for check in &t.checks {
        let _ = writeln!(out, "  {}", clean(&w.phrase(check), 160));
    }
    if t.ok {
        let _ = writeln!(out, "{}: {}", t.name, clean(&w.phrase(&t.outcome), 200));
    }
    out
}

pub fn channel_created(w: Words, c: &ChannelCreated, base_url: &str, server_running: bool) -> String {
    let url = format!("{}{}", base_url, c.channel.path.as_deref().unwrap_or("").trim_start_matches('/'));
    let mut out = format!("{}\n", w.t("cli.channel.created", &[("name", &c.channel.name)]));
    let when = if server_running { String::new() } else { format!("  {}", w.t("cli.channel.default_address", &[])) };
    let n = width(w, &["cli.channel.url", "cli.channel.token"], 7);
    let _ = writeln!(out, "  {}{url}{when}", label(w, "cli.channel.url", n));
    if let Some(token) = &c.token {
        let _ = writeln!(out, "  {}{token}", label(w, "cli.channel.token", n));
        let _ = writeln!(out, "  {}{}", " ".repeat(n), w.t("cli.channel.token_once", &[]));
        let _ = writeln!(out, "\n{}", w.t("cli.channel.try", &[]));
        let _ = writeln!(
            out,
            "  curl -X POST {url} -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n    -d '{{\"id\": \"1\", \"from\": \"jane@acme.com\", \"title\": \"Hello\", \"body\": \"Testing Lull\"}}'"
        );
    }
    out
}

pub fn explanation(w: Words, e: &Explanation, tz: Tz) -> String {
    let verdict = match e.release_at {
        Some(r) => w.t("cli.explain.until", &[("decision", e.decision.as_str()), ("when", &w.date_time(r, tz))]),
        None => e.decision.to_string(),
    };
    let client = match (&e.client, &e.matched) {
        (Some(c), Some(m)) => w.t("cli.explain.matched", &[("client", &clean(c, 60)), ("identity", m)]),
        _ => w.t("cli.explain.unknown", &[]),
    };
    let reason = w.reason(&e.rule, e.at, e.release_at, tz);
    let n = width(w, &["cli.explain.at", "cli.explain.client", "cli.explain.why", "cli.explain.reply"], 9);
    let mut out = format!("{verdict}\n");
    let _ = writeln!(out, "  {}{}", label(w, "cli.explain.at", n), w.date_time(e.at, tz));
    let _ = writeln!(out, "  {}{client}", label(w, "cli.explain.client", n));
    let _ = writeln!(out, "  {}{reason}", label(w, "cli.explain.why", n));
    let r = &e.auto_reply;
    let lang = r.lang.map_or("", |l| l.as_str());
    let mut reply = match &r.why_not {
        Some(why) => w.no_reply(why, tz),
        None => w.t("cli.explain.reply_sent", &[("to", &clean(r.to.as_deref().unwrap_or_default(), 80)), ("lang", lang)]),
    };
    if let Some(text) = &r.text {
        if r.why_not.is_some() {
            let _ = write!(reply, "\n  {}{}", " ".repeat(n), w.t("cli.explain.reply_would_say", &[("lang", lang)]));
        }
        for line in text.lines() {
            let _ = write!(reply, "\n  {}│ {}", " ".repeat(n), clean(line, 200));
        }
    }
    // Availability replies matter only to clients who opted in: others need not read about them.
    if !matches!(r.why_not, Some(lull_core::autoreply::NoReply::NotOptedIn)) {
        let _ = writeln!(out, "  {}{reply}", label(w, "cli.explain.reply", n));
    }
    out
}

pub fn focus(w: Words, f: &FocusView, tz: Tz, started: bool) -> String {
    let text = match (f.in_focus, f.until, started) {
        (true, Some(until), true) => w.t("cli.focus.started", &[("when", &w.date_time(until, tz))]),
        (true, Some(until), false) => {
            w.t("cli.focus.stopped_in_block", &[("block", f.block.as_deref().unwrap_or("")), ("when", &w.date_time(until, tz))])
        }
        _ => w.t("cli.focus.stopped", &[]),
    };
    format!("{text}\n")
}

fn decision_label(w: Words, m: &MessageView, tz: Tz) -> String {
    match (m.decision, m.release_at, m.digest_id) {
        (_, _, Some(d)) => w.t("cli.inbox.in_digest", &[("id", &d.to_string())]),
        (lull_core::DecisionKind::Held, Some(r), None) => format!("held\u{2192}{}", w.weekday_time(r, tz)),
        (d, _, _) => d.to_string(),
    }
}

/// A message's client, or the word for Unknown.
fn client_name(w: Words, client: Option<&str>, max: usize) -> String {
    match client {
        Some(c) => clean(c, max),
        None => w.t("common.unknown", &[]),
    }
}

pub fn inbox(w: Words, page: &InboxPage, tz: Tz) -> String {
    if page.messages.is_empty() {
        return format!("{}\n", w.t("cli.inbox.empty", &[]));
    }
    let mut out = String::new();
    for m in &page.messages {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}",
            w.date_time(m.received_at, tz),
            pad(&decision_label(w, m, tz), 15),
            pad(&client_name(w, m.client.as_deref(), 14), 14),
            pad(&clean(&m.sender, 28), 28),
            clean(&m.title, 60)
        );
        if let Some(clock) = clock_line(w, m, tz) {
            let _ = writeln!(out, "{:>width$}\u{21b3} {clock}", "", width = 20);
        }
    }
    if page.next.is_some() {
        let _ = writeln!(out, "{}", w.t("cli.inbox.more", &[]));
    }
    out
}

/// A relayed message's response clock: `reply by Wed 10:15 (Fiverr rates replies within 24 h)`,
/// or how it ended.
fn clock_line(w: Words, m: &MessageView, tz: Tz) -> Option<String> {
    let c = m.clock.as_ref()?;
    let within = w.length(chrono::Duration::seconds(c.within_secs));
    let key = match c.state {
        ClockState::Running => "clock.reply_by",
        ClockState::Kept => "clock.kept",
        ClockState::Missed => "clock.missed",
    };
    Some(w.t(key, &[("when", &w.weekday_time(c.reply_by, tz)), ("platform", &c.platform), ("within", &within)]))
}

/// A digest's line: `13:00 digest: 14 messages from 4 clients`.
fn digest_summary(w: Words, d: &DigestView, tz: Tz) -> String {
    w.digest_summary(d.slot_at, tz, d.messages, d.clients, d.merged_slots)
}

pub fn digests(w: Words, list: &[DigestView], tz: Tz) -> String {
    if list.is_empty() {
        return format!("{}\n", w.t("cli.digests.none", &[]));
    }
    let mut out = String::new();
    for d in list {
        let note = match (&d.notify_error, d.manual) {
            (Some(_), _) => format!("  ({})", w.t("cli.digests.not_shown", &[])),
            (None, true) => format!("  ({})", w.t("cli.digests.on_demand", &[])),
            _ => String::new(),
        };
        let _ = writeln!(out, "#{:<5} {}  {}{note}", d.id, w.date_time(d.released_at, tz), digest_summary(w, d, tz));
    }
    out
}

pub fn digest(w: Words, d: &DigestDetail, tz: Tz) -> String {
    let released = w.date_time(d.digest.released_at, tz);
    let mut out =
        format!("#{} {} ({})\n", d.digest.id, digest_summary(w, &d.digest, tz), w.t("cli.digest.released", &[("when", &released)]));
    for g in &d.groups {
        let _ = writeln!(out, "\n{} ({})", client_name(w, g.client.as_deref(), 60), g.messages.len());
        for m in &g.messages {
            let _ = writeln!(out, "  {}  {}  {}", w.weekday_time(m.received_at, tz), pad(&clean(&m.sender, 28), 28), clean(&m.title, 70));
            if let Some(clock) = clock_line(w, m, tz) {
                let _ = writeln!(out, "  {:>9}\u{21b3} {clock}", "");
            }
        }
    }
    out
}

pub fn digest_released(w: Words, d: Option<&DigestView>, tz: Tz) -> String {
    match d {
        Some(d) => format!("{}\n", w.t("cli.digest.now", &[("summary", &digest_summary(w, d, tz))])),
        None => format!("{}\n", w.t("cli.digest.nothing", &[])),
    }
}

pub fn demo(w: Words, d: &DemoReport) -> String {
    demo_said(w, "cli.demo.seeded", d)
}

pub fn demo_removed(w: Words, d: &DemoReport) -> String {
    demo_said(w, "demo.removed", d)
}

fn demo_said(w: Words, key: &str, d: &DemoReport) -> String {
    let n = |v: u32| v.to_string();
    let params = [("clients", n(d.clients)), ("channels", n(d.channels)), ("messages", n(d.messages)), ("digests", n(d.digests))];
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    format!("{}\n", w.t(key, &params))
}

fn counts(w: Words, list: &[Count], max: usize) -> String {
    if list.is_empty() {
        return w.t("cli.none", &[]);
    }
    // The statistics count unattributed messages under the data's name for Unknown.
    let name = |c: &Count| if c.name == UNKNOWN_CLIENT { w.t("common.unknown", &[]) } else { clean(&c.name, 30) };
    let mut parts: Vec<String> = list.iter().take(max).map(|c| format!("{} {}", name(c), c.count)).collect();
    if list.len() > max {
        parts.push(w.tn("cli.stats.more", (list.len() - max) as u64, &[]));
    }
    parts.join(", ")
}

/// `2 h 05 min`.
fn hours(w: Words, minutes: u32) -> String {
    w.t("cli.stats.hours", &[("hours", &(minutes / 60).to_string()), ("minutes", &format!("{:02}", minutes % 60))])
}

fn figures(w: Words, out: &mut String, f: &WeekFigures) {
    const KEYS: [&str; 15] = [
        "cli.stats.messages",
        "cli.stats.by_channel",
        "cli.stats.by_app",
        "cli.stats.phone",
        "cli.stats.by_category",
        "cli.stats.by_day",
        "cli.stats.decisions",
        "cli.stats.interruptions",
        "cli.stats.context_switches",
        "cli.stats.after_hours",
        "cli.stats.checks",
        "cli.stats.bypasses",
        "cli.stats.ratings",
        "cli.stats.focus_time",
        "cli.stats.stretch",
    ];
    let n = width(w, &KEYS, 22);
    let line = |out: &mut String, key: &str, value: String| {
        let _ = writeln!(out, "  {}{value}", label(w, key, n));
    };
    let n = |v: u32| v.to_string();
    let i = f.interruptions;
    line(out, "cli.stats.messages", format!("{}  ({})", f.messages, counts(w, &f.by_client, 6)));
    line(out, "cli.stats.by_channel", counts(w, &f.by_channel, 6));
    if !f.by_app.is_empty() {
        line(out, "cli.stats.by_app", counts(w, &f.by_app, 6));
    }
    if f.phone.notifications > 0 {
        let p = &f.phone;
        line(
            out,
            "cli.stats.phone",
            w.t("cli.stats.phone_value", &[("count", &n(p.notifications)), ("kept_off", &n(p.kept_off)), ("dismissed", &n(p.dismissed))]),
        );
    }
    line(out, "cli.stats.by_category", counts(w, &f.by_category, 7));
    let days = [
        chrono::Weekday::Mon,
        chrono::Weekday::Tue,
        chrono::Weekday::Wed,
        chrono::Weekday::Thu,
        chrono::Weekday::Fri,
        chrono::Weekday::Sat,
        chrono::Weekday::Sun,
    ];
    let by_day: Vec<String> = days.iter().zip(f.by_day).map(|(d, count)| format!("{} {count}", w.weekday(*d))).collect();
    line(out, "cli.stats.by_day", by_day.join("  "));
    let d = f.decisions;
    line(
        out,
        "cli.stats.decisions",
        w.t("cli.stats.decisions_value", &[("live", &n(d.live)), ("held", &n(d.held)), ("bypass", &n(d.bypass)), ("muted", &n(d.muted))]),
    );
    line(
        out,
        "cli.stats.interruptions",
        w.t(
            "cli.stats.interruptions_value",
            &[
                ("total", &n(i.total)),
                ("live", &n(i.live)),
                ("bypass", &n(i.bypass)),
                ("digests", &n(i.digest)),
                ("in_focus", &n(i.in_focus)),
            ],
        ),
    );
    line(out, "cli.stats.context_switches", n(f.context_switches));
    line(out, "cli.stats.after_hours", format!("{}  ({})", f.after_hours, counts(w, &f.after_hours_by_client, 4)));
    line(out, "cli.stats.checks", w.t("cli.stats.checks_value", &[("in_focus", &n(f.checks_during_focus)), ("total", &n(f.checks))]));
    line(out, "cli.stats.bypasses", n(f.bypasses_used));
    line(out, "cli.stats.ratings", n(f.ratings_contained));
    line(out, "cli.stats.focus_time", hours(w, f.focus_minutes));
    let stretch = f.longest_stretch.map_or_else(|| w.t("cli.stats.none_yet", &[]), |s| hours(w, s.minutes));
    line(out, "cli.stats.stretch", w.t("cli.stats.stretch_value", &[("stretch", &stretch)]));
}

pub fn stats(w: Words, s: &StatsView) -> String {
    let f = &s.figures;
    let week = f.week.to_string();
    let (start, end) = (w.date_time(f.start, s.tz), w.date_time(f.end, s.tz));
    let mut out = format!("{}\n", w.t("cli.stats.week", &[("week", &week), ("start", &start), ("end", &end), ("tz", s.tz.name())]));
    figures(w, &mut out, f);
    if s.told.replies > 0 {
        let (replies, clients) = (s.told.replies.to_string(), s.told.clients.to_string());
        let _ = writeln!(out, "  {}", w.t("stats.told", &[("clients", &clients), ("replies", &replies)]));
    }
    let c = &s.clocks;
    if c.kept + c.missed + c.running > 0 {
        let n = |v: u32| v.to_string();
        let _ = writeln!(out, "  {}", w.t("stats.clocks", &[("kept", &n(c.kept)), ("missed", &n(c.missed)), ("running", &n(c.running))]));
    }
    let _ = writeln!(out, "\n{}", w.t("cli.stats.compared", &[("week", &s.previous.week.to_string())]));
    if let Some(cut) = s.compared_until {
        let _ = writeln!(out, "  {}", w.t("stats.compared_until", &[("when", &w.date_time(cut, s.tz))]));
    }
    let n = s.trends.iter().map(|t| w.trend(t.metric).chars().count()).max().unwrap_or(0).max(22);
    for t in &s.trends {
        let change = t.change_percent.map_or_else(String::new, |p| format!(" ({p:+}%)"));
        let _ = writeln!(out, "  {}  {} \u{2192} {}{change}", pad(&w.trend(t.metric), n), t.previous_week, t.this_week);
    }
    if !s.suggestions.is_empty() {
        let _ = writeln!(out, "\n{}", w.t("cli.stats.suggestions", &[]));
        for sug in &s.suggestions {
            let _ = writeln!(out, "  - {}", w.suggestion(&sug.suggestion));
        }
    }
    out
}

pub fn simulation(w: Words, sim: &SimulationView, tz: Tz) -> String {
    let mut out = String::new();
    for d in &sim.decisions {
        let verdict = match d.release_at {
            Some(r) => format!("held\u{2192}{}", w.weekday_time(r, tz)),
            None => d.decision.to_string(),
        };
        let _ = writeln!(
            out,
            "{}  {}  {}  {}\n    {}",
            w.date_time(d.received_at, tz),
            pad(&verdict, 15),
            pad(&clean(&d.client, 14), 14),
            clean(&d.title, 60),
            w.reason(&d.detail, d.received_at, d.release_at, tz)
        );
    }
    let _ = writeln!(out, "\n{}", w.tn("cli.simulate.digests", sim.digests.len() as u64, &[]));
    if let Some(s) = &sim.stats {
        let _ = writeln!(out);
        out.push_str(&stats(w, s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn untrusted_text_cannot_drive_the_terminal() {
        assert_eq!(clean("Hi\u{1b}[2J\u{1b}]0;pwned\u{7}there\nnext", 80), "Hi [2J ]0;pwned there next");
        assert_eq!(clean("abcdefghij", 5), "abcd\u{2026}");
    }
}
