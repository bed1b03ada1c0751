//! A client's charter: "how to reach me", as data, in the client's own clock: when they can
//! reach the freelancer live, when messages are read, the working hours and the days off, and
//! how to escalate. The words (text, a small HTML page, a calendar) are made at the edges.
//!
//! Times are read off the coming week's real occurrences, converted to the client's time zone,
//! so a client nine hours away sees "Mon 17:00" for the freelancer's Monday 09:00 (or "Sun"
//! when the day changes), and a week with a DST change on one side shows the times that week
//! really has. The charter's fingerprint changes when any of it does, which is how a shared
//! charter is known to be out of date.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::autoreply::{Emergency, emergency};
use crate::model::{Client, ClientMode, LiveWindow};
use crate::schedule::Schedule;
use crate::week::{Days, TimeOfDay, WeeklyRange, start_of_local_day};

/// Times of the week in one clock: days, and a span (or one instant when `start == end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
pub struct Slot {
    #[ts(type = "Array<string>")]
    pub days: DayList,
    #[ts(type = "string")]
    pub start: TimeOfDay,
    #[ts(type = "string")]
    pub end: TimeOfDay,
}

/// Weekdays, Monday first: a `Days` that serializes as a list of names (`["mon", "tue"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DayList(pub u8);

impl DayList {
    pub fn days(self) -> Days {
        Days::from_bits(self.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        self.days().iter()
    }
}

impl Serialize for DayList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(|d| d.to_string().to_lowercase()))
    }
}
impl<'de> Deserialize<'de> for DayList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut days = Days::NONE;
        for n in names {
            let day = crate::week::parse_weekday(&n).map_err(serde::de::Error::custom)?;
            days = days.union(Days::of(day));
        }
        Ok(DayList(days.bits()))
    }
}

impl Slot {
    /// The slot as a weekly range (for the calendar's recurrence and the text).
    pub fn range(&self) -> WeeklyRange {
        WeeklyRange { days: self.days.days(), start: self.start, end: self.end }
    }
}

/// A window the client can reach the freelancer live, in the client's clock, with the zone it
/// is defined in (a calendar keeps it right across DST changes with that zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LiveSlot {
    pub slot: Slot,
    pub window: LiveWindow,
    #[ts(type = "string")]
    pub defined_in: Tz,
}

/// How to reach a client's freelancer, in the client's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Charter {
    pub client: String,
    #[ts(type = "string")]
    pub client_tz: Tz,
    #[ts(type = "string")]
    pub user_tz: Tz,
    /// The week the times were read from (its first day, in the user's clock).
    #[ts(type = "string")]
    pub from: DateTime<Utc>,
    pub live: Vec<LiveSlot>,
    /// When held messages are read (the digests), in the client's clock.
    pub reading: Vec<Slot>,
    /// The working hours, in the client's clock; empty when every hour works.
    pub hours: Vec<Slot>,
    /// The freelancer's days without working hours (the freelancer's days).
    #[ts(type = "Array<string>")]
    pub days_off: DayList,
    /// The digest times and the working days they fall on, in the freelancer's clock (what a
    /// calendar repeats, in the freelancer's zone, so it stays right across DST changes).
    #[ts(type = "Array<string>")]
    pub digest_times: Vec<TimeOfDay>,
    #[ts(type = "Array<string>")]
    pub working_days: DayList,
    /// How the client breaks through for a real emergency, if it can.
    pub emergency: Emergency,
    /// Urgent breakthroughs the client has per day.
    pub quota: u32,
    /// Only digests: the client's messages never interrupt.
    pub digest_only: bool,
    /// Changes whenever anything above does.
    pub fingerprint: String,
}

/// The charter of `client` under `schedule`, for the week starting on `now`'s day.
pub fn charter(schedule: &Schedule, client: &Client, now: DateTime<Utc>) -> Charter {
    let user_tz = schedule.tz;
    let from = start_of_local_day(user_tz, now);
    let to = from + Duration::days(7);
    let to_client = |spans: Vec<(DateTime<Utc>, DateTime<Utc>)>| group(spans, client.tz);
    let live = client
        .live_windows
        .iter()
        .map(|w| {
            let zone = client.window_tz(w, user_tz);
            let slots = to_client(w.range.occurrences(zone, from, to).into_iter().filter(|(s, _)| *s >= from && *s < to).collect());
            (w, zone, slots)
        })
        .flat_map(|(w, zone, slots)| slots.into_iter().map(move |slot| LiveSlot { slot, window: *w, defined_in: zone }))
        .collect();
    let mut digests = Vec::new();
    let mut day = from.with_timezone(&user_tz).date_naive();
    for _ in 0..7 {
        if schedule.is_working_day(day) {
            for t in &schedule.digests {
                let at = crate::week::resolve_local(user_tz, day, *t, crate::week::Fold::Earlier);
                digests.push((at, at));
            }
        }
        day += Duration::days(1);
    }
    let hours = if schedule.work.is_empty() { Vec::new() } else { to_client(schedule.work_intervals(from, to)) };
    let mut days_off = Days::NONE;
    let mut day = from.with_timezone(&user_tz).date_naive();
    for _ in 0..7 {
        if !schedule.is_working_day(day) {
            days_off = days_off.union(Days::of(day.weekday()));
        }
        day += Duration::days(1);
    }
    let digest_only = client.mode == ClientMode::DigestOnly;
    let mut charter = Charter {
        client: client.name.clone(),
        client_tz: client.tz,
        user_tz,
        from,
        live,
        reading: to_client(digests),
        hours,
        days_off: DayList(days_off.bits()),
        digest_times: schedule.digests.clone(),
        working_days: DayList(Days::ALL.bits() & !days_off.bits()),
        emergency: if client.mode == ClientMode::Muted { Emergency::None } else { emergency(schedule, client, 0) },
        quota: client.bypass_quota,
        digest_only,
        fingerprint: String::new(),
    };
    charter.fingerprint = fingerprint(&charter);
    charter
}

/// Spans grouped by their times in `tz`: one slot per (start, end) with the days they fall on.
fn group(spans: Vec<(DateTime<Utc>, DateTime<Utc>)>, tz: Tz) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for (s, e) in spans {
        let (ls, le) = (s.with_timezone(&tz), e.with_timezone(&tz));
        let start = TimeOfDay::of(ls.time());
        // A span that ends at the next midnight ends at 24:00 that day.
        let end = if le.date_naive() > ls.date_naive() && le.time() == chrono::NaiveTime::MIN && e > s {
            TimeOfDay::END_OF_DAY
        } else {
            TimeOfDay::of(le.time())
        };
        let day = Days::of(ls.weekday()).bits();
        match slots.iter_mut().find(|x| x.start == start && x.end == end) {
            Some(x) => x.days.0 |= day,
            None => slots.push(Slot { days: DayList(day), start, end }),
        }
    }
    slots.sort_by_key(|s| (s.start, s.days.0.trailing_zeros(), s.end));
    slots
}

fn fingerprint(c: &Charter) -> String {
    let mut basis = c.clone();
    basis.from = DateTime::UNIX_EPOCH;
    basis.fingerprint = String::new();
    let json = serde_json::to_string(&basis).unwrap_or_default();
    // FNV-1a: a stable fingerprint, not a secret.
    let hash = json.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// Whether a client should be told its charter again: what was shared differs from now's.
pub fn out_of_date(shared_fingerprint: Option<&str>, current: &Charter) -> bool {
    shared_fingerprint.is_some_and(|f| f != current.fingerprint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Identity, Tier, WindowZone};
    use chrono_tz::{America::New_York, Asia::Tokyo, Europe::Paris};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    fn client(tz: Tz, tier: Tier, live: &[&str]) -> Client {
        Client {
            id: 1,
            name: "Acme".into(),
            tz,
            tier,
            mode: ClientMode::Normal,
            bypass_quota: 3,
            identities: vec![Identity::Domain("acme.com".into())],
            live_windows: live.iter().map(|w| w.parse().expect("window")).collect(),
            auto_reply: None,
        }
    }

    fn slot_text(s: &Slot) -> String {
        s.range().to_string()
    }

    #[test]
    fn a_client_in_new_york_reads_the_week_in_its_own_clock() {
        let schedule = Schedule::default_in(Paris);
        let c = client(New_York, Tier::Vip, &["tue,thu 14:00-15:00", "mon 09:00-10:00@client"]);
        // Tuesday 1 December 2026: Paris is six hours ahead of New York all week.
        let ch = charter(&schedule, &c, utc("2026-12-01T09:00:00Z"));
        assert_eq!(
            ch.reading.iter().map(slot_text).collect::<Vec<_>>(),
            ["mon-fri 03:00-03:00", "mon-fri 07:00-07:00", "mon-fri 11:00-11:00"]
        );
        assert_eq!(ch.hours.iter().map(slot_text).collect::<Vec<_>>(), ["mon-fri 03:00-12:00"]);
        let live: Vec<String> = ch.live.iter().map(|l| slot_text(&l.slot)).collect();
        assert_eq!(live, ["tue,thu 08:00-09:00", "mon 09:00-10:00"]);
        assert_eq!(ch.live[1].window.zone, WindowZone::Client);
        assert_eq!(ch.live[1].defined_in, New_York);
        assert_eq!(ch.days_off.iter().collect::<Vec<_>>(), [Weekday::Sat, Weekday::Sun]);
        assert_eq!(ch.emergency, Emergency::Word { word: "URGENT".into() });
    }

    #[test]
    fn tokyo_sees_the_day_change() {
        let schedule = Schedule::default_in(Paris);
        let ch = charter(&schedule, &client(Tokyo, Tier::Normal, &[]), utc("2026-12-01T09:00:00Z"));
        // 17:00 Paris is 01:00 the next day in Tokyo: Tuesday to Saturday.
        assert_eq!(
            ch.reading.iter().map(slot_text).collect::<Vec<_>>(),
            ["tue-sat 01:00-01:00", "mon-fri 17:00-17:00", "mon-fri 21:00-21:00"]
        );
        assert_eq!(ch.emergency, Emergency::Retry);
    }

    #[test]
    fn the_fingerprint_moves_with_the_schedule_and_across_a_dst_change() {
        let schedule = Schedule::default_in(Paris);
        let c = client(New_York, Tier::Normal, &[]);
        let a = charter(&schedule, &c, utc("2026-12-01T09:00:00Z"));
        // The same week a day later: nothing changed.
        assert_eq!(a.fingerprint, charter(&schedule, &c, utc("2026-12-02T09:00:00Z")).fingerprint);
        let mut later = schedule.clone();
        later.digests = vec![TimeOfDay::hm(12, 0)];
        let b = charter(&later, &c, utc("2026-12-01T09:00:00Z"));
        assert_ne!(a.fingerprint, b.fingerprint);
        assert!(out_of_date(Some(&a.fingerprint), &b));
        assert!(!out_of_date(None, &b));
        // New York moves its clocks on 8 March 2026, Paris on 29 March: between the two, the
        // gap is five hours, and the charter read then says so.
        let march = charter(&schedule, &c, utc("2026-03-16T09:00:00Z"));
        assert_eq!(slot_text(&march.reading[0]), "mon-fri 04:00-04:00");
        assert_ne!(march.fingerprint, a.fingerprint);
    }
}
