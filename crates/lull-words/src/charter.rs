//! A client's charter worded: as text to paste in a mail, as a small self-contained HTML page
//! to send or attach, and as a calendar (iCalendar) the client can import.
//!
//! Text and page give the times in the client's clock. The calendar repeats each event weekly
//! in the zone it is defined in (the freelancer's, or the client's for `@client` windows), with
//! that zone's `TZID`, so the client's calendar shows it in their own time and keeps it right
//! across either side's DST changes.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use chrono_tz::Tz;
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
use lull_core::autoreply::Emergency;
use lull_core::charter::{Charter, DayList, Slot};
use lull_core::week::{Days, Fold, TimeOfDay, resolve_local};

use crate::Words;

/// How long a reading time lasts in the calendar.
const READING_MINUTES: i64 = 15;

impl Words {
    /// `Mon–Fri`, `Tue, Thu`, `Mon, Wed–Fri`.
    pub fn day_list(self, days: DayList) -> String {
        let days: Vec<Weekday> = days.iter().collect();
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < days.len() {
            let mut j = i;
            while j + 1 < days.len() && days[j + 1].num_days_from_monday() == days[j].num_days_from_monday() + 1 {
                j += 1;
            }
            parts.push(match j - i {
                0 => self.weekday(days[i]),
                1 => format!("{}, {}", self.weekday(days[i]), self.weekday(days[j])),
                _ => format!("{}–{}", self.weekday(days[i]), self.weekday(days[j])),
            });
            i = j + 1;
        }
        parts.join(", ")
    }

    fn span(self, slot: &Slot) -> String {
        format!("{} {}–{}", self.day_list(slot.days), slot.start, slot.end)
    }

    /// The charter's lines, each a sentence: title, time zone, then what to expect.
    pub fn charter_lines(self, c: &Charter) -> (String, String, Vec<(String, String)>) {
        let title = self.t("charter.title", &[("client", &c.client)]);
        let zone = self.t("charter.zone", &[("tz", c.client_tz.name())]);
        let mut lines = Vec::new();
        let live = if c.live.is_empty() {
            self.t("charter.live_none", &[])
        } else {
            let spans: Vec<String> = c.live.iter().map(|l| self.span(&l.slot)).collect();
            self.t("charter.live", &[("spans", &spans.join("; "))])
        };
        lines.push((self.t("charter.live_label", &[]), live));
        // Reading times grouped by the days they fall on (a far client may see two groups).
        let mut groups: Vec<(DayList, Vec<TimeOfDay>)> = Vec::new();
        for s in &c.reading {
            match groups.iter_mut().find(|(d, _)| *d == s.days) {
                Some((_, times)) => times.push(s.start),
                None => groups.push((s.days, vec![s.start])),
            }
        }
        let reading: Vec<String> = groups
            .iter()
            .map(|(days, times)| {
                let times: Vec<String> = times.iter().map(ToString::to_string).collect();
                self.t("charter.reading_group", &[("days", &self.day_list(*days)), ("times", &self.list_of(&times))])
            })
            .collect();
        lines.push((self.t("charter.reading_label", &[]), self.t("charter.reading", &[("groups", &reading.join("; "))])));
        let hours = if c.hours.is_empty() {
            self.t("charter.hours_any", &[])
        } else {
            c.hours.iter().map(|s| self.span(s)).collect::<Vec<_>>().join("; ")
        };
        lines.push((self.t("charter.hours_label", &[]), hours));
        if !c.days_off.days().is_empty() {
            let off: Vec<String> = c.days_off.iter().map(|d| self.t(&format!("reply.day.{}", d.to_string().to_lowercase()), &[])).collect();
            lines.push((self.t("charter.days_off_label", &[]), self.list_of(&off)));
        }
        let quota = c.quota.to_string();
        let urgent = match &c.emergency {
            Emergency::Word { word } => self.t("charter.urgent_word", &[("word", word), ("quota", &quota)]),
            Emergency::Retry => self.t("charter.urgent_retry", &[("quota", &quota)]),
            Emergency::None => self.t("charter.urgent_none", &[]),
        };
        lines.push((self.t("charter.urgent_label", &[]), urgent));
        (title, zone, lines)
    }

    /// The charter as plain text, to paste in a message.
    pub fn charter_text(self, c: &Charter) -> String {
        let (title, zone, lines) = self.charter_lines(c);
        let mut out = format!("{title}\n{zone}\n\n");
        for (label, text) in lines {
            out.push_str(&self.t("charter.line", &[("label", &label), ("text", &text)]));
            out.push('\n');
        }
        out.push_str(&format!("\n{}\n", self.t("charter.footer", &[])));
        out
    }

    /// The charter as a small self-contained HTML page (no scripts, no outside resources).
    pub fn charter_html(self, c: &Charter) -> String {
        let (title, zone, lines) = self.charter_lines(c);
        let lang = match self.lang() {
            crate::Lang::En => "en",
            crate::Lang::Fr => "fr",
        };
        let rows: String = lines.iter().map(|(l, t)| format!("<dt>{}</dt><dd>{}</dd>\n", escape(l), escape(t))).collect();
        format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{title}</title>\n<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d232b}}\
h1{{font-size:1.4rem;margin-bottom:.2rem}}.zone{{color:#5b6573;margin-top:0}}dl{{display:grid;grid-template-columns:max-content 1fr;gap:.5rem 1rem}}\
dt{{font-weight:600}}dd{{margin:0}}footer{{color:#5b6573;font-size:.9rem;margin-top:1.5rem}}</style></head>\n\
<body><h1>{title}</h1><p class=\"zone\">{zone}</p>\n<dl>\n{rows}</dl>\n<footer>{footer}</footer></body></html>\n",
            title = escape(&title),
            zone = escape(&zone),
            footer = escape(&self.t("charter.footer", &[])),
        )
    }

    /// The charter as a calendar: each live window and each reading time, repeated weekly.
    pub fn charter_ics(self, c: &Charter) -> String {
        let mut cal = Calendar::new();
        cal.name(&self.t("charter.title", &[("client", &c.client)])).timezone(c.client_tz.name());
        let stamp = c.from;
        for (i, l) in c.live.iter().enumerate() {
            let range = l.window.range;
            let Some((start, end)) = first_occurrence(l.defined_in, c.from, range.days, range.start, range.end) else { continue };
            cal.push(
                Event::new()
                    .uid(&format!("lull-{}-live-{i}@lull.invalid", c.fingerprint))
                    .timestamp(stamp)
                    .summary(&self.t("charter.ics_live", &[]))
                    .description(&self.t("charter.ics_live_about", &[]))
                    .starts(local(l.defined_in, start))
                    .ends(local(l.defined_in, end))
                    .add_property("RRULE", rrule(range.days))
                    .done(),
            );
        }
        let working = c.working_days.days();
        for (i, t) in c.digest_times.iter().enumerate() {
            let end = TimeOfDay::from_minutes((t.minutes() + READING_MINUTES as u32).min(1440)).unwrap_or(*t);
            let Some((start, end)) = first_occurrence(c.user_tz, c.from, working, *t, end) else { continue };
            cal.push(
                Event::new()
                    .uid(&format!("lull-{}-reading-{i}@lull.invalid", c.fingerprint))
                    .timestamp(stamp)
                    .summary(&self.t("charter.ics_reading", &[]))
                    .description(&self.t("charter.ics_reading_about", &[]))
                    .starts(local(c.user_tz, start))
                    .ends(local(c.user_tz, end))
                    .add_property("TRANSP", "TRANSPARENT")
                    .add_property("RRULE", rrule(working))
                    .done(),
            );
        }
        cal.done().to_string()
    }

    fn list_of(self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => self.t("reply.list", &[("items", &init.join(", ")), ("last", last)]),
        }
    }
}

/// The first occurrence on or after `from` of a span on `days` from `start` to `end` in `tz`.
fn first_occurrence(tz: Tz, from: DateTime<Utc>, days: Days, start: TimeOfDay, end: TimeOfDay) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let mut date = from.with_timezone(&tz).date_naive();
    for _ in 0..8 {
        if days.contains(date.weekday()) {
            let s = resolve_local(tz, date, start, Fold::Earlier);
            let end_date = if end <= start || end == TimeOfDay::END_OF_DAY { date.succ_opt()? } else { date };
            let e = resolve_local(tz, end_date, end, Fold::Later);
            if s >= from {
                return Some((s, e));
            }
        }
        date += Duration::days(1);
    }
    None
}

fn local(tz: Tz, at: DateTime<Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone { date_time: at.with_timezone(&tz).naive_local(), tzid: tz.name().to_owned() }
}

fn rrule(days: Days) -> String {
    let by: Vec<&str> = days
        .iter()
        .map(|d| match d {
            Weekday::Mon => "MO",
            Weekday::Tue => "TU",
            Weekday::Wed => "WE",
            Weekday::Thu => "TH",
            Weekday::Fri => "FR",
            Weekday::Sat => "SA",
            Weekday::Sun => "SU",
        })
        .collect();
    format!("FREQ=WEEKLY;BYDAY={}", by.join(","))
}

/// Text made safe inside HTML elements and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Lang, words};
    use chrono_tz::{America::New_York, Europe::Paris};
    use lull_core::model::{Client, ClientMode, Identity, Tier};
    use lull_core::schedule::Schedule;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    fn acme(name: &str) -> Client {
        Client {
            id: 1,
            name: name.into(),
            tz: New_York,
            tier: Tier::Vip,
            mode: ClientMode::Normal,
            bypass_quota: 2,
            identities: vec![Identity::Domain("acme.com".into())],
            live_windows: vec!["tue,thu 14:00-15:00".parse().expect("window")],
            auto_reply: None,
        }
    }

    #[test]
    fn the_text_gives_the_clients_clock_and_the_way_through() {
        let c = lull_core::charter::charter(&Schedule::default_in(Paris), &acme("Acme"), utc("2026-12-01T09:00:00Z"));
        let en = words(Lang::En).charter_text(&c);
        assert!(en.contains("Times in your time zone, America/New_York."), "{en}");
        assert!(en.contains("Tue, Thu 08:00–09:00"), "{en}");
        assert!(en.contains("Mon–Fri at 03:00, 07:00 and 11:00"), "{en}");
        assert!(en.contains("Saturday and Sunday"), "{en}");
        assert!(en.contains("write URGENT in the subject"), "{en}");
        let fr = words(Lang::Fr).charter_text(&c);
        assert!(fr.contains("lun.–ven. à 03:00, 07:00 et 11:00"), "{fr}");
        assert!(fr.contains("samedi et dimanche"), "{fr}");
    }

    #[test]
    fn the_page_escapes_a_clients_name() {
        let c =
            lull_core::charter::charter(&Schedule::default_in(Paris), &acme("<script>alert(1)</script> & Co"), utc("2026-12-01T09:00:00Z"));
        let html = words(Lang::En).charter_html(&c);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
        assert!(html.starts_with("<!doctype html>"));
    }

    /// The calendar, read back and expanded by a real iCalendar implementation, lands on the
    /// right instants in both clocks, including across the weeks when Paris and New York change
    /// their clocks on different dates.
    #[test]
    fn the_calendar_repeats_weekly_and_stays_right_across_dst() {
        use icalendar::{CalendarComponent, EventLike};
        let c = lull_core::charter::charter(&Schedule::default_in(Paris), &acme("Acme"), utc("2026-03-02T09:00:00Z"));
        let ics = words(Lang::En).charter_ics(&c);
        let parsed: Calendar = ics.parse().expect("a readable calendar");
        let events: Vec<&Event> =
            parsed.components.iter().filter_map(|c| if let CalendarComponent::Event(e) = c { Some(e) } else { None }).collect();
        assert_eq!(events.len(), 1 + 3, "one live window, three reading times");
        let live = events.iter().find(|e| e.get_summary() == Some("Live window")).expect("the live window");
        assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=TU,TH"), "{ics}");
        assert!(ics.contains("DTSTART;TZID=Europe/Paris:20260303T140000"), "{ics}");
        let dates = live.get_recurrence().expect("a recurrence").all(6).dates;
        let in_ny: Vec<String> = dates.iter().map(|d| d.with_timezone(&New_York).format("%a %d %H:%M").to_string()).collect();
        // 14:00 Paris is 08:00 in New York, except between 8 March (New York's change) and 29
        // March (Paris's), when it is 09:00.
        assert_eq!(in_ny, ["Tue 03 08:00", "Thu 05 08:00", "Tue 10 09:00", "Thu 12 09:00", "Tue 17 09:00", "Thu 19 09:00"]);
        let reading = events.iter().filter(|e| e.get_summary() == Some("Messages read")).count();
        assert_eq!(reading, 3);
    }
}
