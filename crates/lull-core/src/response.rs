//! Response clocks: freelance platforms rate how fast a client's message gets an answer, so
//! their apps become the thing a freelancer checks "just in case". Lull watches the clock
//! instead: a relayed message from a platform with a clock carries a "reply by" time, and a held
//! one breaks through once, at the last digest or live window before the clock runs out, with
//! the reason ("Fiverr rates replies within 24 h; 2 h left").
//!
//! A clock is kept when the message is archived (answered) before it runs out, and missed when
//! it runs out first; Lull cannot see the platform, so archiving is how the user says "done".
//!
//! The defaults, from what each platform tells its freelancers:
//! - Fiverr: the response rate counts the messages answered within 24 hours (Fiverr's help
//!   centre, "Response rate").
//! - Upwork: clients see how fast a freelancer answers, and Upwork asks freelancers to answer
//!   messages and invitations within 24 hours (Upwork's help centre on responsiveness).
//! - Malt: the profile shows a response rate and an average response time; Malt asks for an
//!   answer within 24 hours (Malt's help centre, "taux de réponse").
//!
//! Each can be changed or turned off (`lull platform set NAME --respond-within 12h|off`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Client;
use crate::relay::Relay;
use crate::schedule::Schedule;

/// The platforms with a clock by default, and its length in hours.
pub const DEFAULT_CLOCKS: &[(&str, i64)] = &[("Fiverr", 24), ("Malt", 24), ("Upwork", 24)];

/// The shortest and longest clock a platform may be given.
pub const MIN_CLOCK: Duration = Duration::minutes(15);
pub const MAX_CLOCK: Duration = Duration::days(14);

/// The user's changes to the default clocks: a platform's length in seconds, or `None` for
/// no clock. A platform not named keeps its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClockSettings {
    #[serde(default)]
    pub platforms: BTreeMap<String, Option<i64>>,
}

impl ClockSettings {
    /// How long `platform` gives to answer, if it has a clock.
    pub fn within(&self, platform: &str) -> Option<Duration> {
        let key = canonical(platform)?;
        match self.platforms.get(key) {
            Some(secs) => secs.map(Duration::seconds),
            None => DEFAULT_CLOCKS.iter().find(|(p, _)| *p == key).map(|(_, h)| Duration::hours(*h)),
        }
    }

    /// Sets `platform`'s clock (`None`: no clock). Refuses a platform Lull does not read and a
    /// length outside [`MIN_CLOCK`]..=[`MAX_CLOCK`].
    pub fn set(&mut self, platform: &str, within: Option<Duration>) -> Result<&'static str, ClockError> {
        let key = canonical(platform).ok_or_else(|| ClockError::UnknownPlatform(platform.to_owned()))?;
        if let Some(w) = within
            && !(MIN_CLOCK..=MAX_CLOCK).contains(&w)
        {
            return Err(ClockError::OutOfRange(w.num_seconds()));
        }
        self.platforms.insert(key.to_owned(), within.map(|w| w.num_seconds()));
        Ok(key)
    }

    /// The same settings, each platform and length checked (an imported document).
    pub fn validated(self) -> Result<ClockSettings, ClockError> {
        let mut out = ClockSettings::default();
        for (platform, secs) in self.platforms {
            out.set(&platform, secs.map(Duration::seconds))?;
        }
        Ok(out)
    }

    /// Gives `platform` back its default clock.
    pub fn reset(&mut self, platform: &str) -> Result<&'static str, ClockError> {
        let key = canonical(platform).ok_or_else(|| ClockError::UnknownPlatform(platform.to_owned()))?;
        self.platforms.remove(key);
        Ok(key)
    }

    /// Every platform Lull reads, with its clock and whether that is the default.
    pub fn all(&self) -> Vec<(&'static str, Option<Duration>, bool)> {
        DEFAULT_CLOCKS.iter().map(|(p, _)| (*p, self.within(p), !self.platforms.contains_key(*p))).collect()
    }
}

/// The platform's name as Lull spells it, in any case.
fn canonical(platform: &str) -> Option<&'static str> {
    DEFAULT_CLOCKS.iter().map(|(p, _)| *p).find(|p| p.eq_ignore_ascii_case(platform.trim()))
}

/// A clock Lull cannot keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockError {
    UnknownPlatform(String),
    /// The length asked for, in seconds.
    OutOfRange(i64),
}

impl ClockError {
    pub fn phrase(&self) -> crate::Phrase {
        match self {
            ClockError::UnknownPlatform(p) => {
                crate::Phrase::new("clock.unknown_platform").with("platform", p).with("known", "Fiverr, Malt, Upwork")
            }
            ClockError::OutOfRange(_) => crate::Phrase::new("clock.out_of_range"),
        }
    }
}

/// A relayed message's clock: which platform rates it, how long it gives, and when it runs out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ResponseClock {
    pub platform: String,
    /// The platform's clock, in seconds.
    pub within_secs: i64,
    pub reply_by: DateTime<Utc>,
}

impl ResponseClock {
    /// The clock a relayed message starts, counted from when the platform says it was sent
    /// (when it arrived, if it says nothing or a time after that). `None` without a clock, or
    /// when it had already run out on arrival (mail found by a first sync).
    pub fn start(
        settings: &ClockSettings,
        relay: &Relay,
        sent_at: Option<DateTime<Utc>>,
        received_at: DateTime<Utc>,
    ) -> Option<ResponseClock> {
        let within = settings.within(&relay.platform)?;
        let started = sent_at.map_or(received_at, |s| s.min(received_at));
        // Whole milliseconds, as every instant Lull stores.
        let reply_by = (started + within).trunc_subsecs(3);
        (reply_by > received_at).then(|| ResponseClock {
            platform: canonical(&relay.platform).unwrap_or(&relay.platform).to_owned(),
            within_secs: within.num_seconds(),
            reply_by,
        })
    }

    pub fn within(&self) -> Duration {
        Duration::seconds(self.within_secs)
    }

    /// How the clock stands at `now` for a message archived at `archived_at`.
    pub fn state(&self, archived_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ClockState {
        match archived_at {
            Some(a) if a <= self.reply_by => ClockState::Kept,
            _ if now >= self.reply_by => ClockState::Missed,
            _ => ClockState::Running,
        }
    }
}

/// Whether a message's clock was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Archived before it ran out.
    Kept,
    /// Ran out first.
    Missed,
    Running,
}

/// When a held relayed message breaks through for its clock: at the last digest or live window
/// of its client that starts after it arrived and before the clock runs out; at once when
/// none does (a message that arrives on Friday evening with a 24 h clock and nothing read
/// before Monday). The user's days off and focus do not move it: the user asked Lull to watch
/// the clock, and a missed one costs the rating.
pub fn breakthrough_at(schedule: &Schedule, client: Option<&Client>, clock: &ResponseClock, received_at: DateTime<Utc>) -> DateTime<Utc> {
    last_chance(schedule, client, received_at, clock.reply_by).unwrap_or(received_at)
}

/// The last digest or live window start strictly between `after` and `before`.
fn last_chance(schedule: &Schedule, client: Option<&Client>, after: DateTime<Utc>, before: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut last = None;
    let mut t = after;
    // A clock lasts at most two weeks, with at most a few digests a day.
    for _ in 0..200 {
        let next = schedule.next_digest_after(t);
        if next >= before {
            break;
        }
        last = Some(next);
        t = next;
    }
    let windows = client
        .into_iter()
        .flat_map(|c| c.live_windows.iter().flat_map(move |w| w.range.occurrences(c.window_tz(w, schedule.tz), after, before)));
    windows.map(|(start, _)| start).filter(|s| *s > after && *s < before).chain(last).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientMode, DEFAULT_BYPASS_QUOTA, Tier};
    use chrono::TimeZone;
    use chrono_tz::Europe::Paris;

    fn paris(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Paris.with_ymd_and_hms(y, mo, d, h, mi, 0).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
    }

    fn fiverr() -> Relay {
        Relay { platform: "Fiverr".into(), person: "jane_doe".into() }
    }

    fn client(windows: &[&str]) -> Client {
        Client {
            id: 1,
            name: "Acme".into(),
            tz: chrono_tz::America::New_York,
            tier: Tier::Normal,
            mode: ClientMode::Normal,
            bypass_quota: DEFAULT_BYPASS_QUOTA,
            identities: vec![],
            live_windows: windows.iter().filter_map(|w| w.parse().ok()).collect(),
            auto_reply: None,
        }
    }

    #[test]
    fn defaults_can_be_changed_and_turned_off() {
        let mut s = ClockSettings::default();
        assert_eq!(s.within("fiverr"), Some(Duration::hours(24)));
        assert_eq!(s.within("Toptal"), None);
        assert_eq!(s.set("MALT", Some(Duration::hours(12))), Ok("Malt"));
        assert_eq!(s.within("Malt"), Some(Duration::hours(12)));
        assert_eq!(s.set("Upwork", None), Ok("Upwork"));
        assert_eq!(s.within("Upwork"), None);
        assert_eq!(s.set("Toptal", Some(Duration::hours(1))), Err(ClockError::UnknownPlatform("Toptal".into())));
        assert_eq!(s.set("Fiverr", Some(Duration::minutes(5))), Err(ClockError::OutOfRange(300)));
        assert_eq!(s.all().iter().map(|(p, _, d)| (*p, *d)).collect::<Vec<_>>(), [("Fiverr", true), ("Malt", false), ("Upwork", false)]);
    }

    #[test]
    fn the_clock_counts_from_when_the_platform_sent_it() {
        let s = ClockSettings::default();
        let at = paris(2026, 12, 1, 10, 0);
        let c = ResponseClock::start(&s, &fiverr(), Some(at - Duration::hours(1)), at).expect("a clock");
        assert_eq!(c.reply_by, at + Duration::hours(23));
        // A sent time in the future (a skewed clock) counts as the arrival.
        let c = ResponseClock::start(&s, &fiverr(), Some(at + Duration::hours(5)), at).expect("a clock");
        assert_eq!(c.reply_by, at + Duration::hours(24));
        // Mail found by a first sync whose clock ran out before Lull saw it.
        assert_eq!(ResponseClock::start(&s, &fiverr(), Some(at - Duration::days(2)), at), None);
        assert_eq!(c.state(None, at), ClockState::Running);
        assert_eq!(c.state(Some(at + Duration::hours(3)), at + Duration::days(3)), ClockState::Kept);
        assert_eq!(c.state(Some(at + Duration::hours(25)), at + Duration::days(3)), ClockState::Missed);
        assert_eq!(c.state(None, c.reply_by), ClockState::Missed);
    }

    #[test]
    fn it_breaks_through_at_the_last_reading_time_before_the_clock_runs_out() {
        // The default week: digests at 09:00, 13:00 and 17:00 on working days, Paris.
        let schedule = Schedule::default_in(Paris);
        let s = ClockSettings::default();
        // Tuesday 10:00: the clock runs out Wednesday 10:00; the last digest before is
        // Wednesday 09:00.
        let at = paris(2026, 12, 1, 10, 0);
        let c = ResponseClock::start(&s, &fiverr(), None, at).expect("a clock");
        assert_eq!(breakthrough_at(&schedule, None, &c, at), paris(2026, 12, 2, 9, 0));
        // A client's live window after it is a later chance; one that starts as the clock runs
        // out is too late.
        let acme = client(&["mon-fri 09:30-09:45@me"]);
        assert_eq!(breakthrough_at(&schedule, Some(&acme), &c, at), paris(2026, 12, 2, 9, 30));
        let late = client(&["mon-fri 10:00-11:00@me"]);
        assert_eq!(breakthrough_at(&schedule, Some(&late), &c, at), paris(2026, 12, 2, 9, 0));
        // A window in the client's clock: 03:40 in New York is 09:40 in Paris.
        let ny = client(&["wed 03:40-04:00@client"]);
        assert_eq!(breakthrough_at(&schedule, Some(&ny), &c, at), paris(2026, 12, 2, 9, 40));
        // Friday 18:00: nothing is read before Saturday 18:00, so it rings at once.
        let friday = paris(2026, 12, 4, 18, 0);
        let c = ResponseClock::start(&s, &fiverr(), None, friday).expect("a clock");
        assert_eq!(breakthrough_at(&schedule, None, &c, friday), friday);
        // A 48 h clock from Friday 12:00 runs out Sunday 12:00: the last digest is Friday 17:00.
        let mut long = ClockSettings::default();
        long.set("Fiverr", Some(Duration::hours(48))).expect("set");
        let noon = paris(2026, 12, 4, 12, 0);
        let c = ResponseClock::start(&long, &fiverr(), None, noon).expect("a clock");
        assert_eq!(breakthrough_at(&schedule, None, &c, noon), paris(2026, 12, 4, 17, 0));
    }

    #[test]
    fn across_the_spring_dst_change_the_digest_keeps_its_local_time() {
        let schedule = Schedule::default_in(Paris);
        let mut s = ClockSettings::default();
        s.set("Malt", Some(Duration::hours(72))).expect("set");
        let relay = Relay { platform: "Malt".into(), person: "Jane".into() };
        // Friday 27 March 2026, 12:00; clocks go forward on Sunday the 29th. 72 h later is
        // Monday 30 March 13:00 local (the night of the change is an hour short): the 13:00
        // digest comes as the clock runs out, too late, so the last chance is 09:00.
        let at = paris(2026, 3, 27, 12, 0);
        let c = ResponseClock::start(&s, &relay, None, at).expect("a clock");
        assert_eq!(c.reply_by, paris(2026, 3, 30, 13, 0));
        assert_eq!(breakthrough_at(&schedule, None, &c, at), paris(2026, 3, 30, 9, 0));
    }
}
