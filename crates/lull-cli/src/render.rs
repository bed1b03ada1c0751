//! Text output for people. Message text comes from outside and may carry terminal escape
//! sequences, so everything a client or sender wrote goes through [`clean`] before it is
//! printed.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_api::channels::*;
use lull_api::clients::*;
use lull_api::digests::*;
use lull_api::messages::*;
use lull_api::schedule::*;
use lull_api::status::*;
use lull_core::simulate::Simulation;
use lull_core::stats::{Count, WeekFigures, WeekStats};

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

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width { s.to_owned() } else { format!("{s}{}", " ".repeat(width - n)) }
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

fn tz_of(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

pub fn status(s: &StatusView) -> String {
    let tz = tz_of(&s.tz);
    let mut out = format!("{}\n", s.summary);
    let focus = match (&s.focus.source, s.focus.until) {
        (Some(src), Some(until)) => {
            let what = s.focus.block.clone().unwrap_or_else(|| format!("{src} session"));
            format!("until {} ({what})", local(until, tz))
        }
        _ => "off".to_owned(),
    };
    let _ = writeln!(out, "  focus        {focus}");
    let _ = writeln!(out, "  held         {}", s.held);
    let _ = writeln!(out, "  next digest  {} ({})", local(s.next_digest, tz), s.tz);
    let _ = writeln!(out, "  bypasses     {} today", s.bypasses_today);
    if let Some(e) = &s.notifications_error {
        let _ = writeln!(out, "  warning      {e}");
    }
    out
}

pub fn schedule(v: &ScheduleView) -> String {
    let s = &v.schedule;
    let join = |v: Vec<String>| if v.is_empty() { "none".to_owned() } else { v.join(", ") };
    let mut out = String::new();
    let _ = writeln!(out, "Time zone      {}", s.tz.name());
    let _ = writeln!(out, "Working hours  {}", join(s.work.iter().map(ToString::to_string).collect()));
    let _ = writeln!(out, "Focus          {}", join(s.focus.iter().map(ToString::to_string).collect()));
    let _ = writeln!(out, "Digests        {} on working days", join(s.digests.iter().map(ToString::to_string).collect()));
    let _ = writeln!(out, "Ratings        {} (weekly digest)", s.weekly_digest);
    let _ = writeln!(out, "Urgent words   {}", s.urgent_words.join(", "));
    let _ = writeln!(out, "Next digest    {}", local(v.next_digest, s.tz));
    if v.replanned > 0 {
        let _ = writeln!(out, "Re-planned     {} held message(s) moved to the new digest times", v.replanned);
    }
    out
}

pub fn clients(list: &[ClientView]) -> String {
    if list.is_empty() {
        return "No clients yet. Add one: lull client add Acme --tz Europe/Paris --match domain:acme.com\n".to_owned();
    }
    let mut out = format!(
        "{}{}{}{}{}{}\n",
        pad("NAME", 18),
        pad("TIER", 8),
        pad("TIME ZONE (NOW)", 32),
        pad("7 DAYS", 8),
        pad("MATCHES", 30),
        "LIVE"
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

pub fn client(c: &ClientView) -> String {
    let mut out = format!("{} ({} tier, {}, quota {} bypasses a day)\n", clean(&c.name, 80), c.tier, c.mode, c.bypass_quota);
    let _ = writeln!(out, "  time zone  {} (now {})", c.tz, c.local_time);
    let _ = writeln!(
        out,
        "  matches    {}",
        if c.matches.is_empty() { "none: messages will not be attributed to this client".into() } else { c.matches.join(", ") }
    );
    let _ = writeln!(out, "  live       {}", if c.live_windows.is_empty() { "never".into() } else { c.live_windows.join(", ") });
    out
}

pub fn channels(list: &[ChannelView]) -> String {
    if list.is_empty() {
        return "No channels yet. Add one: lull channel add webhook|feed|desktop NAME …\n".to_owned();
    }
    let mut out = format!("{}{}{}{}{}\n", pad("NAME", 16), pad("KIND", 9), pad("STATE", 11), pad("MESSAGES", 10), "LAST MESSAGE");
    for c in list {
        let last = c.last_message_at.map_or_else(|| "never".to_owned(), |t| local(t, chrono_tz::UTC) + " UTC");
        let state = match (c.state, c.progress) {
            (ChannelState::Syncing, Some(SyncProgress { done, total: Some(total) })) => format!("syncing {done}/{total}"),
            (state, _) => serde_json::to_value(state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        };
        let _ =
            writeln!(out, "{}{}{}{}{}", pad(&c.name, 16), pad(c.kind.as_str(), 9), pad(&state, 11), pad(&c.messages.to_string(), 10), last);
        let _ = writeln!(out, "    {}", clean(&c.about, 120));
        if let Some(t) = c.last_sync_at {
            let _ = writeln!(out, "    last sync: {} UTC", local(t, chrono_tz::UTC));
        }
        if let Some(e) = &c.last_error {
            let when = c.last_error_at.map(|t| format!(" ({} UTC)", local(t, chrono_tz::UTC))).unwrap_or_default();
            let _ = writeln!(out, "    last error{when}: {}", clean(e, 160));
        }
        if let Some(t) = c.next_retry_at {
            let _ = writeln!(out, "    next retry: {} UTC", local(t, chrono_tz::UTC));
        }
    }
    out
}

pub fn channel_test(t: &ChannelTestReport) -> String {
    let mut out = String::new();
    for step in &t.steps {
        let _ = writeln!(out, "  {}", clean(step, 160));
    }
    if t.ok {
        let _ = writeln!(out, "{}: {}", t.name, clean(&t.summary, 200));
    }
    out
}

pub fn channel_created(c: &ChannelCreated, base_url: &str, server_running: bool) -> String {
    let url = format!("{}{}", base_url, c.channel.path.as_deref().unwrap_or("").trim_start_matches('/'));
    let mut out = format!("Channel {} created.\n", c.channel.name);
    let _ = writeln!(out, "  URL    {url}{}", if server_running { "" } else { "  (when `lull serve` runs on its default address)" });
    if let Some(token) = &c.token {
        let _ = writeln!(out, "  Token  {token}");
        let _ = writeln!(out, "         Shown once: Lull keeps only a hash of it.");
        let _ = writeln!(out, "\nSend a message:");
        let _ = writeln!(
            out,
            "  curl -X POST {url} -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\\n    -d '{{\"id\": \"1\", \"from\": \"jane@acme.com\", \"title\": \"Hello\", \"body\": \"Testing Lull\"}}'"
        );
    }
    out
}

pub fn explanation(e: &Explanation, tz: Tz) -> String {
    let verdict = match e.release_at {
        Some(r) => format!("{} until {}", e.decision, local(r, tz)),
        None => e.decision.to_string(),
    };
    let client = match (&e.client, &e.matched) {
        (Some(c), Some(m)) => format!("{} (matched {m})", clean(c, 60)),
        _ => "Unknown (no client identity matches)".to_owned(),
    };
    format!("{verdict}\n  at       {}\n  client   {client}\n  why      {}\n", local(e.at, tz), e.reason)
}

pub fn focus(f: &FocusView, tz: Tz, started: bool) -> String {
    match (f.in_focus, f.until, started) {
        (true, Some(until), true) => {
            format!("Focus on until {}. Messages wait for the next digest; urgent ones still break through.\n", local(until, tz))
        }
        (true, Some(until), false) => {
            format!(
                "Focus session stopped; the focus block {} is still in force until {}.\n",
                f.block.as_deref().unwrap_or(""),
                local(until, tz)
            )
        }
        _ => "Focus session stopped. Messages may interrupt you again outside focus blocks.\n".to_owned(),
    }
}

fn decision_label(m: &MessageView, tz: Tz) -> String {
    match (m.decision, m.release_at, m.digest_id) {
        (_, _, Some(d)) => format!("digest #{d}"),
        (lull_core::DecisionKind::Held, Some(r), None) => format!("held\u{2192}{}", r.with_timezone(&tz).format("%a %H:%M")),
        (d, _, _) => d.to_string(),
    }
}

pub fn inbox(page: &InboxPage, tz: Tz) -> String {
    if page.messages.is_empty() {
        return "Nothing here.\n".to_owned();
    }
    let mut out = String::new();
    for m in &page.messages {
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}",
            m.received_at.with_timezone(&tz).format("%a %-d %b %H:%M"),
            pad(&decision_label(m, tz), 15),
            pad(&clean(m.client.as_deref().unwrap_or("Unknown"), 14), 14),
            pad(&clean(&m.sender, 28), 28),
            clean(&m.title, 60)
        );
    }
    if page.next.is_some() {
        let _ = writeln!(out, "(more: raise --limit, or narrow with --client / --search)");
    }
    out
}

pub fn digests(list: &[DigestView], tz: Tz) -> String {
    if list.is_empty() {
        return "No digest released yet.\n".to_owned();
    }
    let mut out = String::new();
    for d in list {
        let note = match (&d.notify_error, d.manual) {
            (Some(_), _) => "  (notification not shown)",
            (None, true) => "  (on demand)",
            _ => "",
        };
        let _ = writeln!(out, "#{:<5} {}  {}{note}", d.id, local(d.released_at, tz), d.summary);
    }
    out
}

pub fn digest(d: &DigestDetail, tz: Tz) -> String {
    let mut out = format!("#{} {} (released {})\n", d.digest.id, d.digest.summary, local(d.digest.released_at, tz));
    for g in &d.groups {
        let _ = writeln!(out, "\n{} ({})", clean(g.client.as_deref().unwrap_or("Unknown"), 60), g.messages.len());
        for m in &g.messages {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                m.received_at.with_timezone(&tz).format("%a %H:%M"),
                pad(&clean(&m.sender, 28), 28),
                clean(&m.title, 70)
            );
        }
    }
    out
}

pub fn digest_released(d: Option<&DigestView>) -> String {
    match d {
        Some(d) => format!("Released: {}\n", d.summary),
        None => "Nothing was waiting: no digest released.\n".to_owned(),
    }
}

fn counts(list: &[Count], max: usize) -> String {
    if list.is_empty() {
        return "none".to_owned();
    }
    let mut parts: Vec<String> = list.iter().take(max).map(|c| format!("{} {}", clean(&c.name, 30), c.count)).collect();
    if list.len() > max {
        parts.push(format!("+{} more", list.len() - max));
    }
    parts.join(", ")
}

fn figures(out: &mut String, f: &WeekFigures) {
    let i = f.interruptions;
    let _ = writeln!(out, "  messages              {}  ({})", f.messages, counts(&f.by_client, 6));
    let _ = writeln!(out, "  by channel            {}", counts(&f.by_channel, 6));
    let _ = writeln!(out, "  by category           {}", counts(&f.by_category, 7));
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let by_day: Vec<String> = days.iter().zip(f.by_day).map(|(d, n)| format!("{d} {n}")).collect();
    let _ = writeln!(out, "  by day                {}", by_day.join("  "));
    let d = f.decisions;
    let _ = writeln!(out, "  decisions             live {}, held {}, bypass {}, muted {}", d.live, d.held, d.bypass, d.muted);
    let _ = writeln!(
        out,
        "  interruptions         {}  (live {}, bypass {}, digests {}); {} during focus",
        i.total, i.live, i.bypass, i.digest, i.in_focus
    );
    let _ = writeln!(out, "  context switches      {}", f.context_switches);
    let _ = writeln!(out, "  after-hours messages  {}  ({})", f.after_hours, counts(&f.after_hours_by_client, 4));
    let _ = writeln!(out, "  checks during focus   {} of {} openings", f.checks_during_focus, f.checks);
    let _ = writeln!(out, "  bypasses used         {}", f.bypasses_used);
    let _ = writeln!(out, "  ratings contained     {}", f.ratings_contained);
    let _ = writeln!(out, "  focus time            {} h {:02} min", f.focus_minutes / 60, f.focus_minutes % 60);
    let stretch = f.longest_stretch.map_or_else(|| "none yet".to_owned(), |s| format!("{} h {:02} min", s.minutes / 60, s.minutes % 60));
    let _ = writeln!(out, "  longest calm stretch  {stretch} (working hours, no interruption)");
}

pub fn stats(s: &WeekStats) -> String {
    let mut out =
        format!("Week {} ({} to {}, {})\n", s.figures.week, local(s.figures.start, s.tz), local(s.figures.end, s.tz), s.tz.name());
    figures(&mut out, &s.figures);
    let _ = writeln!(out, "\nCompared with {}:", s.previous.week);
    for t in &s.trends {
        let change = t.change_percent.map_or_else(String::new, |p| format!(" ({p:+}%)"));
        let _ = writeln!(out, "  {}  {} \u{2192} {}{change}", pad(&t.metric.replace('_', " "), 22), t.previous_week, t.this_week);
    }
    if !s.suggestions.is_empty() {
        let _ = writeln!(out, "\nSuggestions:");
        for sug in &s.suggestions {
            let _ = writeln!(out, "  - {}", sug.text);
        }
    }
    out
}

pub fn simulation(sim: &Simulation, tz: Tz) -> String {
    let mut out = String::new();
    for d in &sim.decisions {
        let verdict = match d.release_at {
            Some(r) => format!("held\u{2192}{}", r.with_timezone(&tz).format("%a %H:%M")),
            None => d.decision.to_string(),
        };
        let _ = writeln!(
            out,
            "{}  {}  {}  {}\n    {}",
            d.received_at.with_timezone(&tz).format("%a %-d %b %H:%M"),
            pad(&verdict, 15),
            pad(&clean(&d.client, 14), 14),
            clean(&d.title, 60),
            d.reason
        );
    }
    let _ = writeln!(out, "\n{} digests would have been released.", sim.digests.len());
    if let Some(s) = &sim.stats {
        let _ = writeln!(out);
        out.push_str(&stats(s));
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
