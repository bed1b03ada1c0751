//! An availability reply worded from its plan: the user's template (or Lull's) in the client's
//! language, with the times in the user's clock and, when it differs, the client's.

use chrono::{DateTime, Datelike, Utc, Weekday};
use chrono_tz::Tz;
use lull_core::autoreply::{Away, Emergency, NoReply, ReplyLang, ReplyPlan};

use crate::render::Dates;
use crate::{Lang, Words, fill, words};

/// Words in a reply's language.
pub fn reply_words(lang: ReplyLang) -> Words {
    words(match lang {
        ReplyLang::En => Lang::En,
        ReplyLang::Fr => Lang::Fr,
    })
}

/// Lull's own template in a language.
pub fn default_template(lang: ReplyLang) -> String {
    reply_words(lang).t("reply.template", &[])
}

impl Words {
    /// The reply's text: `template` (else Lull's) filled from `plan`, as sent at `now`.
    pub fn reply_text(self, plan: &ReplyPlan, template: Option<&str>, now: DateTime<Utc>) -> String {
        let own;
        let template = match template {
            Some(t) if !t.trim().is_empty() => t,
            _ => {
                own = self.t("reply.template", &[]);
                &own
            }
        };
        let (user, client) = (plan.user_tz, plan.client_tz);
        let name = if plan.name.contains('@') || plan.name.trim().is_empty() { String::new() } else { plan.name.trim().to_owned() };
        let hello = if name.is_empty() { self.t("reply.hello_anonymous", &[]) } else { self.t("reply.hello", &[("name", &name)]) };
        let until_at = match plan.away {
            Away::Focus { until } | Away::Off { until } => Some(until),
            Away::Batches => None,
        };
        let until = until_at.map(|at| self.on_day(self.both(now, &[at], user, client))).unwrap_or_default();
        let away = match plan.away {
            Away::Focus { .. } => self.t("reply.away.focus", &[("until", &until)]),
            Away::Off { .. } => self.t("reply.away.off", &[("until", &until)]),
            Away::Batches => self.t("reply.away.batches", &[]),
        };
        let (day, listed) = self.both(now, &plan.reading, user, client);
        let reading = match (&day, plan.reading.is_empty()) {
            (_, true) => String::new(),
            (Some(day), false) => self.t("reply.reading_on", &[("day", day), ("times", &listed)]),
            (None, false) => self.t("reply.reading", &[("times", &listed)]),
        };
        let times = self.on_day((day, listed));
        let urgent = match &plan.emergency {
            Emergency::None => String::new(),
            Emergency::Word { word } => self.t("reply.urgent.word", &[("word", word)]),
            Emergency::Retry => self.t("reply.urgent.retry", &[]),
        };
        let text = fill(
            template,
            &[
                ("hello", &hello),
                ("name", &name),
                ("away", &away),
                ("reading", &reading),
                ("urgent", &urgent),
                ("until", &until),
                ("times", &times),
            ],
        );
        tidy(&text)
    }

    /// Why an email gets no availability reply, as one line.
    pub fn no_reply(self, why: &NoReply, tz: Tz) -> String {
        let key = format!("noreply.{}", why.code());
        match why {
            NoReply::Category { category } => self.t(&format!("{key}.{category}"), &[]),
            NoReply::NotHeld { decision } => self.t(&key, &[("decision", decision.as_str())]),
            NoReply::AutoSubmitted { value } => self.t(&key, &[("value", value)]),
            NoReply::Bulk { precedence } => self.t(&key, &[("precedence", precedence)]),
            NoReply::NoReplyAddress { address } | NoReply::NotAddressedToYou { address } => self.t(&key, &[("address", address)]),
            NoReply::AlreadyThisHold { at } => self.t(&key, &[("at", &self.date_time(*at, tz))]),
            NoReply::AlreadyRecently { at, hours } => self.t(&key, &[("at", &self.date_time(*at, tz)), ("hours", &hours.to_string())]),
            _ => self.t(&key, &[]),
        }
    }

    /// Instants of one day as the user reads them, then as the client does when their clock
    /// differs: `13:00 and 17:00 (07:00 and 11:00 your time)`, with the user's weekday apart
    /// when that day is not `now`'s. A client's time on another date than the user's carries
    /// its weekday: `09:00 (Mon 23:00 your time)`.
    fn both(self, now: DateTime<Utc>, at: &[DateTime<Utc>], user: Tz, client: Tz) -> (Option<String>, String) {
        let Some(first) = at.first() else { return (None, String::new()) };
        let date = |t: &DateTime<Utc>, tz: Tz| t.with_timezone(&tz).date_naive();
        let day = (date(first, user) != date(&now, user)).then(|| self.full_weekday(first.with_timezone(&user).weekday()));
        let mine = self.list(&at.iter().map(|t| self.time(*t, user)).collect::<Vec<_>>());
        let same_clock = at.iter().all(|t| t.with_timezone(&user).naive_local() == t.with_timezone(&client).naive_local());
        if same_clock {
            return (day, mine);
        }
        let theirs: Vec<String> = at
            .iter()
            .map(|t| if date(t, client) == date(t, user) { self.time(*t, client) } else { self.weekday_time(*t, client) })
            .collect();
        (day, self.t("reply.both", &[("mine", &mine), ("theirs", &self.list(&theirs))]))
    }

    /// `Tuesday 09:00 (04:00 your time)`: the day, when there is one, before the times.
    fn on_day(self, (day, text): (Option<String>, String)) -> String {
        match day {
            Some(day) => format!("{day} {text}"),
            None => text,
        }
    }

    /// `Monday`, `lundi`.
    fn full_weekday(self, day: Weekday) -> String {
        self.t(&format!("reply.day.{}", day.to_string().to_lowercase()), &[])
    }

    /// `a`, `a and b`, `a, b and c`.
    fn list(self, items: &[String]) -> String {
        match items {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => self.t("reply.list", &[("items", &init.join(", ")), ("last", last)]),
        }
    }
}

/// Lines trimmed at the end, at most one blank line in a row, none at the start or end (a
/// placeholder that said nothing leaves no hole).
fn tidy(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::Paris};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    fn plan(lang: ReplyLang, client_tz: Tz, emergency: Emergency) -> ReplyPlan {
        ReplyPlan {
            to: "jane@acme.com".into(),
            lang,
            name: "Jane Doe".into(),
            away: Away::Focus { until: utc("2026-12-01T11:00:00Z") },
            reading: vec![utc("2026-12-01T12:00:00Z"), utc("2026-12-01T16:00:00Z")],
            user_tz: Paris,
            client_tz,
            emergency,
            subject: "Re: Invoice".into(),
            in_reply_to: None,
            references: vec![],
        }
    }

    #[test]
    fn the_reply_gives_both_clocks_and_the_way_through() {
        let now = utc("2026-12-01T09:15:00Z");
        let p = plan(ReplyLang::En, New_York, Emergency::Word { word: "URGENT".into() });
        let text = reply_words(ReplyLang::En).reply_text(&p, None, now);
        assert!(text.starts_with("Hello Jane Doe,"), "{text}");
        assert!(text.contains("until 12:00 (06:00 your time)"), "{text}");
        assert!(text.contains("at 13:00 and 17:00 (07:00 and 11:00 your time)"), "{text}");
        assert!(text.contains("write URGENT in the subject"), "{text}");
        let fr = reply_words(ReplyLang::Fr).reply_text(&plan(ReplyLang::Fr, Paris, Emergency::None), None, now);
        assert!(fr.starts_with("Bonjour Jane Doe,"), "{fr}");
        assert!(fr.contains("13:00 et 17:00"), "{fr}");
        assert!(!fr.contains("chez vous"), "same clock, one time: {fr}");
        assert!(!fr.contains("\n\n\n"), "{fr}");
    }

    #[test]
    fn a_template_of_the_users_own_is_filled_and_tidied() {
        let now = utc("2026-12-01T09:15:00Z");
        let p = plan(ReplyLang::En, New_York, Emergency::None);
        let text = reply_words(ReplyLang::En).reply_text(&p, Some("Hi {name}!\n\nBack at {until}.\n\n{urgent}\n\n\nThanks"), now);
        assert_eq!(text, "Hi Jane Doe!\n\nBack at 12:00 (06:00 your time).\n\nThanks");
    }

    #[test]
    fn a_day_away_names_the_day_in_each_clock() {
        // Friday 19:00 Paris; back Monday 09:00, which is 03:00 Monday in New York.
        let now = utc("2026-12-04T18:00:00Z");
        let mut p = plan(ReplyLang::En, New_York, Emergency::Retry);
        p.away = Away::Off { until: utc("2026-12-07T08:00:00Z") };
        p.reading = vec![utc("2026-12-07T08:00:00Z")];
        let text = reply_words(ReplyLang::En).reply_text(&p, None, now);
        assert!(text.contains("I'm away until Monday 09:00 (03:00 your time)."), "{text}");
        assert!(text.contains("I read messages on Monday at 09:00 (03:00 your time)."), "{text}");
        // Tokyo is already on Monday evening's other side: its own weekday is named.
        p.client_tz = chrono_tz::Asia::Tokyo;
        p.reading = vec![utc("2026-12-07T08:00:00Z"), utc("2026-12-07T16:00:00Z")];
        let fr = reply_words(ReplyLang::Fr).reply_text(&ReplyPlan { lang: ReplyLang::Fr, ..p }, None, now);
        assert!(fr.contains("Je lis mes messages lundi à 09:00 et 17:00 (17:00 et mar. 01:00 chez vous)."), "{fr}");
    }
}
