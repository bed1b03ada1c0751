//! What is worded from structure rather than from one phrase: times, a decision's reason, the
//! status lines, suggestions, trends, digests and the tray's lines. Each mirrors what the web UI
//! does with the same keys (`ui/src/lib/reasons.ts`, the status and stats screens).

use chrono::{DateTime, Datelike, Utc, Weekday};
use chrono_tz::Tz;
use lull_core::glance::StatusLine;
use lull_core::model::WindowZone;
use lull_core::policy::{Rule, Trigger};
use lull_core::stats::{Suggestion, SuggestionCode, TrendMetric};

use crate::Words;

/// Times as the user reads them, in a time zone.
pub trait Dates {
    /// `13:05`.
    fn time(self, at: DateTime<Utc>, tz: Tz) -> String;
    /// `Tue 24 Nov 13:05`.
    fn date_time(self, at: DateTime<Utc>, tz: Tz) -> String;
    /// `Tue 13:05`.
    fn weekday_time(self, at: DateTime<Utc>, tz: Tz) -> String;
    /// As short as is clear from `from`: `13:00` the same day, `Mon 09:00` within a week, else
    /// a date.
    fn release(self, from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String;
}

impl Dates for Words {
    fn time(self, at: DateTime<Utc>, tz: Tz) -> String {
        at.with_timezone(&tz).format("%H:%M").to_string()
    }

    fn date_time(self, at: DateTime<Utc>, tz: Tz) -> String {
        let local = at.with_timezone(&tz);
        let day = local.day().to_string();
        self.t(
            "time.date_time",
            &[
                ("weekday", &self.weekday(local.weekday())),
                ("day", &day),
                ("month", &self.month(local.month())),
                ("time", &self.time(at, tz)),
            ],
        )
    }

    fn weekday_time(self, at: DateTime<Utc>, tz: Tz) -> String {
        let weekday = self.weekday(at.with_timezone(&tz).weekday());
        self.t("time.weekday_time", &[("weekday", &weekday), ("time", &self.time(at, tz))])
    }

    fn release(self, from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String {
        let (a, b) = (from.with_timezone(&tz).date_naive(), to.with_timezone(&tz).date_naive());
        if a == b {
            self.time(to, tz)
        } else if (b - a).num_days() < 7 {
            self.weekday_time(to, tz)
        } else {
            self.date_time(to, tz)
        }
    }
}

impl Words {
    /// `Mon`, `lun.`.
    pub fn weekday(self, day: Weekday) -> String {
        let key = match day {
            Weekday::Mon => "day.mon",
            Weekday::Tue => "day.tue",
            Weekday::Wed => "day.wed",
            Weekday::Thu => "day.thu",
            Weekday::Fri => "day.fri",
            Weekday::Sat => "day.sat",
            Weekday::Sun => "day.sun",
        };
        self.t(key, &[])
    }

    /// `Dec`, `déc.` (1 is January).
    pub fn month(self, month: u32) -> String {
        const KEYS: [&str; 12] = [
            "month.jan",
            "month.feb",
            "month.mar",
            "month.apr",
            "month.may",
            "month.jun",
            "month.jul",
            "month.aug",
            "month.sep",
            "month.oct",
            "month.nov",
            "month.dec",
        ];
        self.t(KEYS[(month.clamp(1, 12) - 1) as usize], &[])
    }

    /// Why a decision was taken, in one line. Times are in the user's time zone `tz`.
    pub fn reason(self, rule: &Rule, received_at: DateTime<Utc>, release_at: Option<DateTime<Utc>>, tz: Tz) -> String {
        let until = match release_at {
            Some(r) => self.t("reason.until", &[("when", &self.release(received_at, r, tz))]),
            None => self.t("reason.until_next", &[]),
        };
        let until = until.as_str();
        match rule {
            Rule::Newsletter => self.t("reason.newsletter", &[]),
            Rule::ClientMuted { client } => self.t("reason.client_muted", &[("client", client)]),
            Rule::Rating => self.t("reason.rating", &[("until", until)]),
            Rule::NeverInterrupts { category } => {
                let key = match category {
                    lull_core::Category::Platform => "reason.platform",
                    lull_core::Category::Social => "reason.social",
                    _ => "reason.never",
                };
                self.t(key, &[("until", until)])
            }
            Rule::DigestOnly { client } => self.t("reason.digest_only", &[("client", client), ("until", until)]),
            Rule::LiveWindow { client, window } => {
                let key = match window.zone {
                    WindowZone::User => "reason.live_window",
                    WindowZone::Client => "reason.live_window_client",
                };
                self.t(key, &[("client", client), ("window", &window.range.to_string())])
            }
            Rule::ManualFocus { until: end } => self.t("reason.manual_focus", &[("end", &self.time(*end, tz)), ("until", until)]),
            Rule::FocusBlock { block, until: end } => {
                self.t("reason.focus_block", &[("block", &block.to_string()), ("end", &self.time(*end, tz)), ("until", until)])
            }
            Rule::AfterHours => self.t("reason.after_hours", &[("until", until)]),
            Rule::LowTier { client } => self.t("reason.low_tier", &[("client", client), ("until", until)]),
            Rule::Open => self.t("reason.open", &[]),
            Rule::Urgent { client, word, used, quota, after_hours } => self.t(
                if *after_hours { "reason.urgent_after_hours" } else { "reason.urgent" },
                &[("client", client), ("word", word), ("used", &used.to_string()), ("quota", &quota.to_string())],
            ),
            Rule::Retry { sender, attempts, used, quota, after_hours } => {
                let first = attempts.first().map(|t| self.time(*t, tz)).unwrap_or_default();
                self.t(
                    if *after_hours { "reason.retry_after_hours" } else { "reason.retry" },
                    &[
                        ("sender", sender),
                        ("count", &attempts.len().to_string()),
                        ("first", &first),
                        ("used", &used.to_string()),
                        ("quota", &quota.to_string()),
                    ],
                )
            }
            Rule::QuotaExhausted { client, quota, trigger, held_by } => {
                let why = match trigger {
                    Trigger::Word { word } => self.t("reason.trigger_word", &[("word", word)]),
                    Trigger::Retry { attempts } => self.t("reason.trigger_retry", &[("count", &attempts.to_string())]),
                };
                let exhausted = self.t("reason.quota_exhausted", &[("why", &why), ("client", client), ("quota", &quota.to_string())]);
                format!("{exhausted} {}", self.reason(held_by, received_at, release_at, tz))
            }
        }
    }

    /// One status line; times relative to `now`, in `tz`.
    pub fn status_line(self, line: &StatusLine, now: DateTime<Utc>, tz: Tz) -> String {
        match line {
            StatusLine::InFocus { until } => self.t("status.line.in_focus_until", &[("when", &self.release(now, *until, tz))]),
            StatusLine::NotInFocus => self.t("status.line.not_in_focus", &[]),
            StatusLine::NothingUrgent => self.t("status.line.nothing_urgent", &[]),
            StatusLine::Urgent { count } => self.tn("status.line.urgent", u64::from(*count), &[]),
            StatusLine::NextDigest { at, messages, clients } => self.t(
                "status.line.next_digest",
                &[("when", &self.release(now, *at, tz)), ("messages", &self.messages(*messages)), ("clients", &self.clients(*clients))],
            ),
            StatusLine::NextDigestEmpty { at } => self.t("status.line.next_digest_empty", &[("when", &self.release(now, *at, tz))]),
        }
    }

    /// The status in one paragraph: "In focus until 12:00. Nothing urgent. Next digest at …".
    pub fn status(self, lines: &[StatusLine], now: DateTime<Utc>, tz: Tz) -> String {
        lines.iter().map(|l| self.status_line(l, now, tz)).collect::<Vec<_>>().join(" ")
    }

    /// `1 message`, `14 messages`.
    pub fn messages(self, n: u32) -> String {
        self.tn("count.messages", u64::from(n), &[])
    }

    /// `1 client`, `4 clients`.
    pub fn clients(self, n: u32) -> String {
        self.tn("count.clients", u64::from(n), &[])
    }

    /// A suggestion of the weekly statistics.
    pub fn suggestion(self, s: &Suggestion) -> String {
        let params: Vec<(&str, &str)> = s.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if s.code == SuggestionCode::AfterHours {
            let offset = s.params.get("offset").and_then(|o| o.parse::<i32>().ok());
            let hours = offset.map(|o| o.abs().to_string()).unwrap_or_default();
            let mut with_hours = params.clone();
            with_hours.push(("hours", &hours));
            let key = match offset {
                None => "suggest.after_hours",
                Some(0) => "suggest.after_hours_same_zone",
                Some(o) if o > 0 => "suggest.after_hours_ahead",
                Some(_) => "suggest.after_hours_behind",
            };
            return self.t(key, &with_hours);
        }
        self.t(&format!("suggest.{}", s.code.as_str()), &params)
    }

    /// A compared figure's name: `Interruptions during focus`.
    pub fn trend(self, metric: TrendMetric) -> String {
        self.t(&format!("trend.{}", metric.as_str()), &[])
    }

    /// A digest's name: its slot in the user's time, e.g. `13:00 digest`.
    pub fn digest_title(self, slot_at: DateTime<Utc>, tz: Tz) -> String {
        self.t("digest.title", &[("time", &self.time(slot_at, tz))])
    }

    /// A digest's notification: `13:00 digest: 14 messages from 4 clients`, with a note when
    /// it catches up slots missed while away.
    pub fn digest_summary(self, slot_at: DateTime<Utc>, tz: Tz, messages: u32, clients: u32, merged_slots: u32) -> String {
        let summary = self.t("digest.summary", &[("messages", &self.messages(messages)), ("clients", &self.clients(clients))]);
        let mut s = self.t("digest.notification", &[("title", &self.digest_title(slot_at, tz)), ("summary", &summary)]);
        if merged_slots > 1 {
            s.push(' ');
            s.push_str(&self.tn("digest.merged", u64::from(merged_slots - 1), &[]));
        }
        s
    }

    /// The tray's two lines: focus (on until `focus_until`, or off), and how many messages
    /// are held for the digest at `next_digest`.
    pub fn tray_lines(self, focus_until: Option<DateTime<Utc>>, held: u32, next_digest: DateTime<Utc>, tz: Tz) -> (String, String) {
        let focus = match focus_until {
            Some(until) => self.t("tray.in_focus_until", &[("when", &self.time(until, tz))]),
            None => self.t("tray.not_in_focus", &[]),
        };
        let next = self.time(next_digest, tz);
        let held = match held {
            0 => self.t("tray.nothing_held", &[("next", &next)]),
            n => self.t("tray.held", &[("count", &n.to_string()), ("next", &next)]),
        };
        (focus, held)
    }
}
