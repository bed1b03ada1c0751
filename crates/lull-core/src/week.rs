//! Wall-clock rules of a week: sets of weekdays, times of day, weekly ranges such as
//! `mon-fri 09:00-12:00`, and their resolution to instants in a time zone.
//!
//! Rules are kept as local wall-clock values and resolved to UTC only when asked, so a focus
//! block stays "09:00 Paris time" across DST changes. Resolution is explicit about the two DST
//! anomalies: a local time that does not exist (spring gap) resolves to the first instant after
//! the gap; a local time that happens twice (autumn fold) resolves to the earlier or the later
//! instant as the caller asks (starts and digests take the earlier, ends the later).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::phrase::{Phrase, Said};

/// Why a week rule could not be read, with the part at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeekParseError {
    Day(String),
    Time(String),
    Range(String),
    EmptyRange(String),
    TimeZone(String),
    /// A live window whose `@` names neither the client nor the user.
    WindowZone(String),
}

impl Said for WeekParseError {
    fn phrase(&self) -> Phrase {
        match self {
            WeekParseError::Day(v) => Phrase::new("week.unknown_day").with("value", v_quoted(v)),
            WeekParseError::Time(v) => Phrase::new("week.bad_time").with("value", v_quoted(v)),
            WeekParseError::Range(v) => Phrase::new("week.bad_range").with("value", v_quoted(v)),
            WeekParseError::EmptyRange(v) => Phrase::new("week.empty_range").with("value", v_quoted(v)),
            WeekParseError::TimeZone(v) => Phrase::new("week.unknown_tz").with("value", v_quoted(v)),
            WeekParseError::WindowZone(v) => Phrase::new("week.bad_window_zone").with("value", v_quoted(v)),
        }
    }
}
crate::said_error!(WeekParseError);

/// A value as it is quoted in phrases: between double quotes, escaped.
pub(crate) fn v_quoted(value: &str) -> String {
    format!("{value:?}")
}

/// Parses an IANA time zone name with an error that says what to write instead.
pub fn parse_tz(name: &str) -> Result<Tz, WeekParseError> {
    name.trim().parse::<Tz>().map_err(|_| WeekParseError::TimeZone(name.to_owned()))
}

/// A set of weekdays, Monday first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, ts_rs::TS)]
#[ts(type = "string")]
pub struct Days(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Days {
    pub const NONE: Days = Days(0);
    pub const ALL: Days = Days(0b111_1111);
    pub const WEEKDAYS: Days = Days(0b001_1111);

    pub fn of(day: Weekday) -> Days {
        Days(1 << day.num_days_from_monday())
    }
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn union(self, other: Days) -> Days {
        Days(self.0 | other.0)
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> Days {
        Days(bits & 0b111_1111)
    }
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        (0..7u8).filter(move |i| self.0 & (1 << i) != 0).map(weekday_from_index)
    }
}

fn weekday_from_index(i: u8) -> Weekday {
    match i {
        0 => Weekday::Mon,
        1 => Weekday::Tue,
        2 => Weekday::Wed,
        3 => Weekday::Thu,
        4 => Weekday::Fri,
        5 => Weekday::Sat,
        _ => Weekday::Sun,
    }
}

/// Parses a day name: English three-letter or full names, and French ones ("lun", "mardi").
pub fn parse_weekday(s: &str) -> Result<Weekday, WeekParseError> {
    let lower = s.trim().to_lowercase();
    let day = match lower.as_str() {
        "mon" | "monday" | "lun" | "lundi" => Weekday::Mon,
        "tue" | "tues" | "tuesday" | "mar" | "mardi" => Weekday::Tue,
        "wed" | "wednesday" | "mer" | "mercredi" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" | "jeu" | "jeudi" => Weekday::Thu,
        "fri" | "friday" | "ven" | "vendredi" => Weekday::Fri,
        "sat" | "saturday" | "sam" | "samedi" => Weekday::Sat,
        "sun" | "sunday" | "dim" | "dimanche" => Weekday::Sun,
        _ => return Err(WeekParseError::Day(s.trim().to_owned())),
    };
    Ok(day)
}

pub fn weekday_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize]
}

impl FromStr for Days {
    type Err = WeekParseError;

    /// `mon-fri`, `tue,thu`, `mon-wed,fri`, `daily`, `weekdays`, `weekends`; ranges may wrap
    /// (`fri-mon`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut days = Days::NONE;
        for part in s.split(',').map(str::trim) {
            days = days.union(match part.to_lowercase().as_str() {
                "" => return Err(WeekParseError::Day(s.to_owned())),
                "daily" | "everyday" | "all" => Days::ALL,
                "weekdays" => Days::WEEKDAYS,
                "weekends" | "weekend" => Days(0b110_0000),
                _ => match part.split_once('-') {
                    Some((from, to)) => {
                        let (from, to) = (parse_weekday(from)?, parse_weekday(to)?);
                        let mut d = Days::NONE;
                        let mut day = from;
                        loop {
                            d = d.union(Days::of(day));
                            if day == to {
                                break;
                            }
                            day = day.succ();
                        }
                        d
                    }
                    None => Days::of(parse_weekday(part)?),
                },
            });
        }
        Ok(days)
    }
}

impl fmt::Display for Days {
    /// The shortest form that parses back: `daily`, `mon-fri`, `tue,thu`, `mon-wed,sat`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Days::ALL {
            return f.write_str("daily");
        }
        let mut parts = Vec::new();
        let mut i = 0u8;
        while i < 7 {
            if self.0 & (1 << i) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 7 && self.0 & (1 << (i + 1)) != 0 {
                i += 1;
            }
            parts.push(match i - start {
                0 => DAY_NAMES[start as usize].to_owned(),
                1 => format!("{},{}", DAY_NAMES[start as usize], DAY_NAMES[i as usize]),
                _ => format!("{}-{}", DAY_NAMES[start as usize], DAY_NAMES[i as usize]),
            });
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl fmt::Debug for Days {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Days({self})")
    }
}

/// A time of day in minutes since midnight; 24:00 (1440) is allowed as the end of a range.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(1440);

    /// A time known at compile time; out-of-range values fail the build when used in a const.
    pub const fn hm(hour: u16, minute: u16) -> TimeOfDay {
        assert!(minute < 60 && hour * 60 + minute <= 1440, "time of day out of range");
        TimeOfDay(hour * 60 + minute)
    }

    pub fn new(hour: u32, minute: u32) -> Option<TimeOfDay> {
        let m = hour * 60 + minute;
        (minute < 60 && m <= 1440).then_some(TimeOfDay(m as u16))
    }
    pub fn minutes(self) -> u32 {
        u32::from(self.0)
    }
    pub fn from_minutes(m: u32) -> Option<TimeOfDay> {
        (m <= 1440).then_some(TimeOfDay(m as u16))
    }
    /// The time as a `NaiveTime`; 24:00 is reported as the next day's midnight by callers, so it
    /// maps to 00:00 here.
    pub fn naive(self) -> NaiveTime {
        let m = u32::from(self.0) % 1440;
        NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or(NaiveTime::MIN)
    }
    pub fn of(time: NaiveTime) -> TimeOfDay {
        TimeOfDay((time.hour() * 60 + time.minute()) as u16)
    }
}

impl FromStr for TimeOfDay {
    type Err = WeekParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WeekParseError::Time(s.trim().to_owned());
        let (h, m) = s.trim().split_once(':').ok_or_else(err)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(err());
        }
        let h: u32 = h.parse().map_err(|_| err())?;
        let m: u32 = m.parse().map_err(|_| err())?;
        TimeOfDay::new(h, m).ok_or_else(err)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}
impl fmt::Debug for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A range of wall-clock time repeated on some weekdays, e.g. `mon-fri 09:00-12:00`.
/// When `end <= start` the range crosses midnight: it starts on the listed day and ends the
/// next day (`fri 22:00-02:00`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct WeeklyRange {
    pub days: Days,
    pub start: TimeOfDay,
    pub end: TimeOfDay,
}

impl WeeklyRange {
    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// Whether a local wall-clock moment falls inside the range.
    pub fn contains_local(&self, local: NaiveDateTime) -> bool {
        let day = local.date().weekday();
        let t = TimeOfDay::of(local.time());
        if self.crosses_midnight() {
            (self.days.contains(day) && t >= self.start) || (self.days.contains(day.pred()) && t < self.end)
        } else {
            self.days.contains(day) && t >= self.start && t < self.end
        }
    }

    pub fn contains(&self, tz: Tz, at: DateTime<Utc>) -> bool {
        self.contains_local(at.with_timezone(&tz).naive_local())
    }

    /// The occurrence of the range that starts on `date` (if the date is one of its days), as
    /// UTC instants `[start, end)`.
    pub fn occurrence(&self, tz: Tz, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.days.contains(date.weekday()) {
            return None;
        }
        let start = resolve_local(tz, date, self.start, Fold::Earlier);
        let end_date = if self.crosses_midnight() || self.end == TimeOfDay::END_OF_DAY { date.succ_opt()? } else { date };
        let end = resolve_local(tz, end_date, self.end, Fold::Later);
        Some((start, end))
    }

    /// Occurrences overlapping `[from, to)`, in start order.
    pub fn occurrences(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
        let last = to.with_timezone(&tz).date_naive();
        let mut out = Vec::new();
        let mut date = first;
        while date <= last {
            if let Some((s, e)) = self.occurrence(tz, date)
                && s < to
                && e > from
            {
                out.push((s, e));
            }
            date = match date.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        out
    }

    /// The first start or end of an occurrence strictly after `after`.
    pub fn next_boundary(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences(tz, after - Duration::days(1), after + Duration::days(8))
            .into_iter()
            .flat_map(|(s, e)| [s, e])
            .filter(|t| *t > after)
            .min()
    }

    /// The occurrence containing `at`, if any.
    pub fn occurrence_containing(&self, tz: Tz, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.occurrences(tz, at, at + Duration::milliseconds(1)).into_iter().find(|(s, e)| *s <= at && at < *e)
    }
}

impl FromStr for WeeklyRange {
    type Err = WeekParseError;

    /// `mon-fri 09:00-12:00`; days may be omitted for every day (`09:00-12:00`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (days, times) = match s.rsplit_once(char::is_whitespace) {
            Some((days, times)) => (days.trim().parse::<Days>()?, times),
            None => (Days::ALL, s),
        };
        let (start, end) = times.split_once('-').ok_or_else(|| WeekParseError::Range(s.to_owned()))?;
        let (start, end): (TimeOfDay, TimeOfDay) = (start.parse()?, end.parse()?);
        if start == end {
            return Err(WeekParseError::EmptyRange(s.to_owned()));
        }
        if start == TimeOfDay::END_OF_DAY {
            return Err(WeekParseError::Time(start.to_string()));
        }
        if days.is_empty() {
            return Err(WeekParseError::Range(s.to_owned()));
        }
        Ok(WeeklyRange { days, start, end })
    }
}

impl fmt::Display for WeeklyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}-{}", self.days, self.start, self.end)
    }
}
impl fmt::Debug for WeeklyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeeklyRange({self})")
    }
}

macro_rules! serde_via_str {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_str!(Days);
serde_via_str!(TimeOfDay);
serde_via_str!(WeeklyRange);

/// Which instant to take when a local time happens twice (the autumn DST fold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Earlier,
    Later,
}

/// Resolves a local date and time in `tz` to an instant. A time inside a DST gap resolves to the
/// first instant after the gap (the transition itself); a time in a fold resolves as `fold` says.
/// `24:00` means midnight at the start of the next day.
pub fn resolve_local(tz: Tz, date: NaiveDate, time: TimeOfDay, fold: Fold) -> DateTime<Utc> {
    let (date, time) = if time == TimeOfDay::END_OF_DAY { (date.succ_opt().unwrap_or(date), TimeOfDay::MIDNIGHT) } else { (date, time) };
    resolve_naive(tz, date.and_time(time.naive()), fold)
}

/// [`resolve_local`] for a full local date-time.
pub fn resolve_naive(tz: Tz, local: NaiveDateTime, fold: Fold) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => match fold {
            Fold::Earlier => a.min(b).with_timezone(&Utc),
            Fold::Later => a.max(b).with_timezone(&Utc),
        },
        LocalResult::None => {
            // Inside a gap: walk forward to the first local minute that exists; that minute is
            // the transition. Gaps are at most a day long (Samoa 2011), so this is bounded.
            let mut probe = local.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(local);
            for _ in 0..(48 * 60) {
                probe += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
            // Unreachable for real zones; fall back to reading the wall clock as UTC.
            Utc.from_utc_datetime(&local)
        }
    }
}

/// Midnight at the start of the local day containing `at`.
pub fn start_of_local_day(tz: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
    resolve_local(tz, at.with_timezone(&tz).date_naive(), TimeOfDay::MIDNIGHT, Fold::Earlier)
}

/// A weekday and a time: the slot of a weekly event such as the ratings digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct WeeklySlot {
    pub day: Weekday,
    pub time: TimeOfDay,
}

impl WeeklySlot {
    /// The first occurrence strictly after `after`.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> DateTime<Utc> {
        let mut date = after.with_timezone(&tz).date_naive() - Duration::days(1);
        loop {
            if date.weekday() == self.day {
                let t = resolve_local(tz, date, self.time, Fold::Earlier);
                if t > after {
                    return t;
                }
            }
            date += Duration::days(1);
        }
    }
}

impl FromStr for WeeklySlot {
    type Err = WeekParseError;
    /// `fri 17:00`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (day, time) = s.trim().split_once(char::is_whitespace).ok_or_else(|| WeekParseError::Range(s.to_owned()))?;
        let time: TimeOfDay = time.trim().parse()?;
        if time == TimeOfDay::END_OF_DAY {
            return Err(WeekParseError::Time(time.to_string()));
        }
        Ok(WeeklySlot { day: parse_weekday(day)?, time })
    }
}
impl fmt::Display for WeeklySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", weekday_name(self.day), self.time)
    }
}
impl fmt::Debug for WeeklySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WeeklySlot({self})")
    }
}
serde_via_str!(WeeklySlot);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    #[test]
    fn days_parse_and_print_round_trip() {
        for (input, printed) in [
            ("mon-fri", "mon-fri"),
            ("tue,thu", "tue,thu"),
            ("daily", "daily"),
            ("mon-wed,fri", "mon-wed,fri"),
            ("sat,sun", "sat,sun"),
            ("fri-mon", "mon,fri-sun"),
            ("Lundi-Vendredi", "mon-fri"),
            ("weekdays", "mon-fri"),
        ] {
            let days: Days = input.parse().expect(input);
            assert_eq!(days.to_string(), printed, "{input}");
            assert_eq!(days.to_string().parse::<Days>().expect("reparse"), days);
        }
        assert!(matches!("mon-fry".parse::<Days>(), Err(WeekParseError::Day(d)) if d == "fry"));
    }

    #[test]
    fn ranges_parse_with_clear_errors() {
        let r: WeeklyRange = "mon-fri 09:00-12:00".parse().expect("range");
        assert_eq!(r.to_string(), "mon-fri 09:00-12:00");
        let every: WeeklyRange = "22:00-02:00".parse().expect("range");
        assert!(every.crosses_midnight());
        assert_eq!(every.days, Days::ALL);
        assert!(matches!("mon 9-12".parse::<WeeklyRange>(), Err(WeekParseError::Time(_))));
        assert!(matches!("mon 09:00-09:00".parse::<WeeklyRange>(), Err(WeekParseError::EmptyRange(_))));
        assert!(matches!("mon 25:00-26:00".parse::<WeeklyRange>(), Err(WeekParseError::Time(_))));
        assert!("mon 18:00-24:00".parse::<WeeklyRange>().is_ok());
    }

    #[test]
    fn crossing_midnight_range_belongs_to_its_start_day() {
        let r: WeeklyRange = "fri 22:00-02:00".parse().expect("range");
        assert!(r.contains(Paris, utc("2026-11-27T22:30:00+01:00"))); // Friday night
        assert!(r.contains(Paris, utc("2026-11-28T01:30:00+01:00"))); // Saturday early
        assert!(!r.contains(Paris, utc("2026-11-28T22:30:00+01:00"))); // Saturday night
        assert!(!r.contains(Paris, utc("2026-11-27T01:30:00+01:00"))); // Friday early
    }

    #[test]
    fn gap_resolves_to_transition_and_fold_to_requested_side() {
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).expect("date");
        let t = resolve_local(Paris, spring, "02:30".parse().expect("time"), Fold::Earlier);
        assert_eq!(t, utc("2026-03-29T01:00:00Z"), "02:30 does not exist: take 03:00 CEST");
        let autumn = NaiveDate::from_ymd_opt(2026, 10, 25).expect("date");
        let early = resolve_local(Paris, autumn, "02:30".parse().expect("time"), Fold::Earlier);
        let late = resolve_local(Paris, autumn, "02:30".parse().expect("time"), Fold::Later);
        assert_eq!(early, utc("2026-10-25T00:30:00Z"));
        assert_eq!(late, utc("2026-10-25T01:30:00Z"));
    }

    #[test]
    fn occurrences_keep_wall_clock_across_dst() {
        let r: WeeklyRange = "daily 09:00-12:00".parse().expect("range");
        let occ = r.occurrences(Paris, utc("2026-03-28T00:00:00Z"), utc("2026-03-31T00:00:00Z"));
        let starts: Vec<_> = occ.iter().map(|(s, _)| s.to_rfc3339()).collect();
        assert_eq!(starts, ["2026-03-28T08:00:00+00:00", "2026-03-29T07:00:00+00:00", "2026-03-30T07:00:00+00:00"]);
    }

    #[test]
    fn weekly_slot_next_after() {
        let slot: WeeklySlot = "fri 17:00".parse().expect("slot");
        assert_eq!(slot.next_after(Paris, utc("2026-11-26T10:00:00Z")), utc("2026-11-27T16:00:00Z"));
        assert_eq!(slot.next_after(Paris, utc("2026-11-27T16:00:00Z")), utc("2026-12-04T16:00:00Z"));
    }
}
