//! The freelancer's week, in their own time zone: focus blocks, working hours, digest times,
//! the weekly ratings digest and the words that make a VIP message urgent. Every question asked
//! of it ("is this instant in focus?", "when is the next digest?") takes the instant as a
//! parameter.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::phrase::{Phrase, Said};

use crate::week::{Days, Fold, TimeOfDay, WeeklyRange, WeeklySlot, resolve_local, start_of_local_day};

/// Words that make a VIP's message urgent, in English and French. Matched as whole words,
/// ignoring case and accents.
pub const DEFAULT_URGENT_WORDS: &[&str] =
    &["urgent", "asap", "emergency", "critical", "outage", "is down", "urgence", "au plus vite", "en panne", "bloquant", "bloquante"];

/// At most this many digests a day: batching means a few, not dozens.
pub const MAX_DIGESTS_PER_DAY: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Schedule {
    #[ts(type = "string")]
    pub tz: Tz,
    /// Blocks during which only live windows and bypasses interrupt.
    pub focus: Vec<WeeklyRange>,
    /// Working hours; a day with working hours is a working day. Empty means every hour works.
    pub work: Vec<WeeklyRange>,
    /// Digest times on working days, sorted.
    pub digests: Vec<TimeOfDay>,
    /// When ratings and reviews are released, once a week.
    pub weekly_digest: WeeklySlot,
    pub urgent_words: Vec<String>,
    /// Whether a sender no client is known by may break through focus by trying again (three
    /// attempts in fifteen minutes). Off by default: otherwise any stranger, spammers included,
    /// could interrupt focus by sending three times.
    #[serde(default)]
    pub strangers_may_retry: bool,
}

/// A schedule that cannot work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    NoDigest,
    TooManyDigests(usize),
    DigestAtEndOfDay,
    EmptyUrgentWord,
}

impl Said for ScheduleError {
    fn phrase(&self) -> Phrase {
        match self {
            ScheduleError::NoDigest => Phrase::new("schedule.no_digest"),
            ScheduleError::TooManyDigests(n) => Phrase::new("schedule.too_many_digests").with("count", n).with("max", MAX_DIGESTS_PER_DAY),
            ScheduleError::DigestAtEndOfDay => Phrase::new("schedule.digest_at_midnight"),
            ScheduleError::EmptyUrgentWord => Phrase::new("schedule.empty_urgent_word"),
        }
    }
}
crate::said_error!(ScheduleError);

impl ScheduleError {
    /// The schedule's field at fault, as in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            ScheduleError::NoDigest | ScheduleError::TooManyDigests(_) | ScheduleError::DigestAtEndOfDay => "digests",
            ScheduleError::EmptyUrgentWord => "urgent_words",
        }
    }
}

impl Schedule {
    /// The schedule a new install starts with: working hours Monday to Friday 09:00–18:00,
    /// focus 09:00–12:00 and 14:00–17:00, digests at 09:00, 13:00 and 17:00, ratings on
    /// Friday at 17:00.
    pub fn default_in(tz: Tz) -> Schedule {
        const fn weekdays(start: TimeOfDay, end: TimeOfDay) -> WeeklyRange {
            WeeklyRange { days: Days::WEEKDAYS, start, end }
        }
        Schedule {
            tz,
            focus: vec![weekdays(TimeOfDay::hm(9, 0), TimeOfDay::hm(12, 0)), weekdays(TimeOfDay::hm(14, 0), TimeOfDay::hm(17, 0))],
            work: vec![weekdays(TimeOfDay::hm(9, 0), TimeOfDay::hm(18, 0))],
            digests: vec![TimeOfDay::hm(9, 0), TimeOfDay::hm(13, 0), TimeOfDay::hm(17, 0)],
            weekly_digest: WeeklySlot { day: chrono::Weekday::Fri, time: TimeOfDay::hm(17, 0) },
            urgent_words: DEFAULT_URGENT_WORDS.iter().map(|w| (*w).to_owned()).collect(),
            strangers_may_retry: false,
        }
    }

    /// Checks the schedule and puts it in canonical form (digest times sorted, no duplicates).
    pub fn validated(mut self) -> Result<Schedule, ScheduleError> {
        self.digests.sort();
        self.digests.dedup();
        if self.digests.is_empty() {
            return Err(ScheduleError::NoDigest);
        }
        if self.digests.len() > MAX_DIGESTS_PER_DAY {
            return Err(ScheduleError::TooManyDigests(self.digests.len()));
        }
        if self.digests.contains(&TimeOfDay::END_OF_DAY) {
            return Err(ScheduleError::DigestAtEndOfDay);
        }
        self.urgent_words = self.urgent_words.iter().map(|w| w.trim().to_owned()).collect();
        if self.urgent_words.iter().any(String::is_empty) {
            return Err(ScheduleError::EmptyUrgentWord);
        }
        Ok(self)
    }

    pub fn is_working_day(&self, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        self.work.is_empty() || self.work.iter().any(|r| r.days.contains(date.weekday()))
    }

    pub fn in_working_hours(&self, at: DateTime<Utc>) -> bool {
        self.work.is_empty() || self.work.iter().any(|r| r.contains(self.tz, at))
    }

    /// The focus block in force at `at` and when that occurrence ends.
    pub fn focus_block_at(&self, at: DateTime<Utc>) -> Option<(WeeklyRange, DateTime<Utc>)> {
        self.focus.iter().filter_map(|r| r.occurrence_containing(self.tz, at).map(|(_, end)| (*r, end))).max_by_key(|(_, end)| *end)
    }

    /// The first digest slot strictly after `after`. Digests happen only on working days.
    pub fn next_digest_after(&self, after: DateTime<Utc>) -> DateTime<Utc> {
        let mut date = after.with_timezone(&self.tz).date_naive() - Duration::days(1);
        // Any schedule has a working day within a week (or every day works), so 16 days bound
        // the walk even around DST changes.
        for _ in 0..16 {
            if self.is_working_day(date)
                && let Some(t) =
                    self.digests.iter().map(|time| resolve_local(self.tz, date, *time, Fold::Earlier)).filter(|t| *t > after).min()
            {
                return t;
            }
            date += Duration::days(1);
        }
        // Unreachable for a validated schedule (at least one digest, at least one working day).
        after + Duration::days(1)
    }

    /// The first start of working hours strictly after `after`.
    pub fn next_work_start(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.work
            .iter()
            .flat_map(|r| r.occurrences(self.tz, after, after + Duration::days(15)))
            .map(|(start, _)| start)
            .filter(|s| *s > after)
            .min()
    }

    /// When a message held at `at` is released: the next digest when it arrives in working
    /// hours; otherwise the first digest of the next working day.
    pub fn hold_release(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.in_working_hours(at) {
            return self.next_digest_after(at);
        }
        match self.next_work_start(at) {
            Some(work_start) => {
                let day_start = start_of_local_day(self.tz, work_start);
                self.next_digest_after(at.max(day_start - Duration::milliseconds(1)))
            }
            None => self.next_digest_after(at),
        }
    }

    /// When a rating that arrives at `at` is released.
    pub fn weekly_release(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.weekly_digest.next_after(self.tz, at)
    }

    /// The next instant after `after` at which focus or working hours start or end; the
    /// scheduler wakes there to tell the UI.
    pub fn next_boundary_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.focus.iter().chain(&self.work).filter_map(|r| r.next_boundary(self.tz, after)).min()
    }

    /// Focus-block occurrences overlapping `[from, to)`, merged where they overlap.
    pub fn focus_intervals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        merge_intervals(self.focus.iter().flat_map(|r| r.occurrences(self.tz, from, to)).collect())
    }

    /// Working-hours occurrences overlapping `[from, to)`, merged.
    pub fn work_intervals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.work.is_empty() {
            return vec![(from, to)];
        }
        merge_intervals(self.work.iter().flat_map(|r| r.occurrences(self.tz, from, to)).collect())
    }
}

/// Sorts intervals and merges the ones that overlap or touch.
pub fn merge_intervals(mut v: Vec<(DateTime<Utc>, DateTime<Utc>)>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    v.retain(|(s, e)| s < e);
    v.sort();
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    #[test]
    fn validation_sorts_and_rejects() {
        let mut s = Schedule::default_in(Paris);
        s.digests = vec!["17:00".parse().expect("t"), "09:00".parse().expect("t"), "17:00".parse().expect("t")];
        assert_eq!(s.clone().validated().expect("valid").digests.len(), 2);
        s.digests.clear();
        assert_eq!(s.validated(), Err(ScheduleError::NoDigest));
    }

    #[test]
    fn digests_only_on_working_days() {
        let s = Schedule::default_in(Paris);
        // Friday 2026-11-27 18:30 Paris: next digest is Monday 09:00.
        assert_eq!(s.next_digest_after(utc("2026-11-27T18:30:00+01:00")), utc("2026-11-30T09:00:00+01:00"));
        assert_eq!(s.next_digest_after(utc("2026-11-26T10:15:00+01:00")), utc("2026-11-26T13:00:00+01:00"));
        // Exactly at a slot: the next one.
        assert_eq!(s.next_digest_after(utc("2026-11-26T13:00:00+01:00")), utc("2026-11-26T17:00:00+01:00"));
    }

    #[test]
    fn after_hours_waits_for_first_digest_of_next_working_day() {
        let mut s = Schedule::default_in(Paris);
        s.digests.push("19:00".parse().expect("t"));
        let s = s.validated().expect("valid");
        // Tuesday 18:30 is after hours: the 19:00 digest is not for it; Wednesday 09:00 is.
        assert_eq!(s.hold_release(utc("2026-11-24T18:30:00+01:00")), utc("2026-11-25T09:00:00+01:00"));
        // Tuesday 07:00, before work: the first digest of that same day.
        assert_eq!(s.hold_release(utc("2026-11-24T07:00:00+01:00")), utc("2026-11-24T09:00:00+01:00"));
        // Saturday: Monday's first digest.
        assert_eq!(s.hold_release(utc("2026-11-28T11:00:00+01:00")), utc("2026-11-30T09:00:00+01:00"));
        // In working hours, a hold just waits for the next digest, even an evening one.
        assert_eq!(s.hold_release(utc("2026-11-24T17:30:00+01:00")), utc("2026-11-24T19:00:00+01:00"));
    }

    #[test]
    fn focus_block_reports_its_end() {
        let s = Schedule::default_in(Paris);
        let (block, end) = s.focus_block_at(utc("2026-11-26T10:15:00+01:00")).expect("in focus");
        assert_eq!(block.to_string(), "mon-fri 09:00-12:00");
        assert_eq!(end, utc("2026-11-26T12:00:00+01:00"));
        assert!(s.focus_block_at(utc("2026-11-26T12:30:00+01:00")).is_none());
        assert_eq!(s.next_boundary_after(utc("2026-11-26T12:30:00+01:00")), Some(utc("2026-11-26T14:00:00+01:00")));
    }
}
