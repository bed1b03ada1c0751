//! Weekly dispersion statistics: pure functions over the rows of one ISO week (in the user's time
//! zone) and the week before, for trends and suggestions.
//!
//! What counts as an interruption: each live or bypass notification, plus one per digest. A
//! client context switch is a change of client between consecutive live/bypass interruptions
//! of the same local day. A check during focus is an opening of Lull inside a focus block or
//! session. Working hours and focus are resolved once per week into sorted intervals, so each
//! row costs a time-zone conversion and two binary searches (one week of a busy freelancer is
//! a few thousand rows; the benchmark runs a year of a million).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{Category, ChannelId, ClientId, DecisionKind};
use crate::phrase::{Phrase, Said};
use crate::policy::FocusSession;
use crate::schedule::{Schedule, merge_intervals};
use crate::week::{Fold, TimeOfDay, resolve_local};

/// An ISO 8601 week, e.g. `2026-W48`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoWeekParseError(String);

impl Said for IsoWeekParseError {
    fn phrase(&self) -> Phrase {
        Phrase::new("week.bad_iso_week").with("value", crate::week::v_quoted(&self.0))
    }
}
crate::said_error!(IsoWeekParseError);

impl IsoWeek {
    pub fn containing(at: DateTime<Utc>, tz: Tz) -> IsoWeek {
        let w = at.with_timezone(&tz).date_naive().iso_week();
        IsoWeek { year: w.year(), week: w.week() }
    }
    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }
    /// `[Monday 00:00, next Monday 00:00)` in `tz`, as instants.
    pub fn bounds(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let monday = self.monday();
        (
            resolve_local(tz, monday, TimeOfDay::MIDNIGHT, Fold::Earlier),
            resolve_local(tz, monday + Duration::days(7), TimeOfDay::MIDNIGHT, Fold::Earlier),
        )
    }
    pub fn previous(self) -> IsoWeek {
        let w = (self.monday() - Duration::days(7)).iso_week();
        IsoWeek { year: w.year(), week: w.week() }
    }
}

impl FromStr for IsoWeek {
    type Err = IsoWeekParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || IsoWeekParseError(s.to_owned());
        let (year, week) = s.trim().split_once(['-']).ok_or_else(err)?;
        let week = week.trim_start_matches(['W', 'w']);
        let (year, week): (i32, u32) = (year.parse().map_err(|_| err())?, week.parse().map_err(|_| err())?);
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(err)?;
        Ok(IsoWeek { year, week })
    }
}
impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}
impl fmt::Debug for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IsoWeek({self})")
    }
}
impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// One message as the statistics see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsMessage {
    pub received_at: DateTime<Utc>,
    pub client: Option<ClientId>,
    pub channel: ChannelId,
    pub category: Category,
    pub decision: DecisionKind,
    /// The app that posted it (desktop and phone notifications): an index into
    /// [`StatsInput::apps`].
    pub app: Option<u32>,
    /// Posted silently (it never rang).
    pub silent: bool,
    /// Held, and dismissed on the phone.
    pub dismissed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum InterruptionKind {
    Live,
    Bypass,
    Digest,
}

/// A notification that reached the freelancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interruption {
    pub at: DateTime<Utc>,
    /// The message's client; `None` for Unknown and for digests.
    pub client: Option<ClientId>,
    pub kind: InterruptionKind,
}

/// The rows and names the statistics are computed from. Rows may cover more than the two weeks
/// asked for; the rest is ignored.
#[derive(Debug, Clone, Copy)]
pub struct StatsInput<'a> {
    pub schedule: &'a Schedule,
    /// Figures stop here: the future part of the current week has no stretch to report.
    pub now: DateTime<Utc>,
    pub messages: &'a [StatsMessage],
    pub interruptions: &'a [Interruption],
    pub sessions: &'a [FocusSession],
    pub checks: &'a [DateTime<Utc>],
    pub clients: &'a [ClientInfo],
    pub channels: &'a [(ChannelId, String)],
    /// The apps the messages name ([`StatsMessage::app`]).
    pub apps: &'a [String],
    /// The channels that bring the phone's notifications.
    pub phone_channels: &'a [ChannelId],
}

/// The phone's week: its notifications, and how many Lull kept off it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PhoneFigures {
    pub notifications: u32,
    /// Held while the phone was connected: they did not pull at you during focus.
    pub kept_off: u32,
    /// Of those, dismissed on the phone itself (`--dismiss-held`).
    pub dismissed: u32,
    pub by_app: Vec<Count>,
}

/// What the statistics need to know of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientInfo {
    pub id: ClientId,
    pub name: String,
    pub tz: Tz,
    pub bypass_quota: u32,
}

/// A labelled count, e.g. a client and its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Count {
    pub name: String,
    pub count: u32,
}

/// A label with one count per weekday, Monday first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DailyCounts {
    pub name: String,
    pub days: [u32; 7],
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DecisionCounts {
    pub live: u32,
    pub held: u32,
    pub bypass: u32,
    pub muted: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InterruptionCounts {
    pub total: u32,
    pub live: u32,
    pub bypass: u32,
    pub digest: u32,
    /// Of the total, how many came inside focus (blocks or sessions).
    pub in_focus: u32,
}

/// The longest stretch of working time without an interruption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Stretch {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub minutes: u32,
}

/// The figures of one week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WeekFigures {
    pub week: IsoWeek,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub messages: u32,
    pub by_client: Vec<Count>,
    pub by_channel: Vec<Count>,
    pub by_category: Vec<Count>,
    /// Messages per local weekday, Monday first.
    pub by_day: [u32; 7],
    /// Messages per client and weekday.
    pub by_client_day: Vec<DailyCounts>,
    /// Arrivals per weekday (Monday first) and local hour.
    pub by_weekday_hour: [[u32; 24]; 7],
    pub decisions: DecisionCounts,
    pub interruptions: InterruptionCounts,
    /// Live and bypass interruptions per client and weekday; digests are their own series.
    pub interruptions_by_client_day: Vec<DailyCounts>,
    pub interruptions_in_focus_by_client: Vec<Count>,
    /// Of those, the live ones: a client's live window overlapping focus.
    pub live_in_focus_by_client: Vec<Count>,
    pub context_switches: u32,
    pub after_hours: u32,
    pub after_hours_by_client: Vec<Count>,
    pub checks: u32,
    pub checks_during_focus: u32,
    pub bypasses_used: u32,
    pub bypasses_by_client: Vec<Count>,
    pub ratings_contained: u32,
    pub focus_minutes: u32,
    pub longest_stretch: Option<Stretch>,
    /// Messages per app, for those that came from an app's notification.
    pub by_app: Vec<Count>,
    pub phone: PhoneFigures,
}

crate::model::vocabulary!(
    /// A figure compared from one week to the next.
    TrendMetric, "trend metric" {
        Messages = "messages", Interruptions = "interruptions", InterruptionsInFocus = "interruptions_in_focus",
        ContextSwitches = "context_switches", AfterHours = "after_hours", ChecksDuringFocus = "checks_during_focus",
        BypassesUsed = "bypasses_used",
    }
);

crate::model::vocabulary!(
    /// A change the week's figures suggest. Its parameters (`client`, `count`, …) are in
    /// [`Suggestion::params`]; `after_hours` has `offset`, the client's hours ahead of the user,
    /// when the client is still known.
    SuggestionCode, "suggestion" {
        LowerBypassQuota = "lower_bypass_quota", MoveLiveWindow = "move_live_window", AfterHours = "after_hours",
        ChecksDuringFocus = "checks_during_focus", ContextSwitches = "context_switches", AddFocus = "add_focus",
        InterruptionsRising = "interruptions_rising", RatingsContained = "ratings_contained",
        PhoneAppDominates = "phone_app_dominates",
    }
);

/// The name under which messages of no client are counted.
pub const UNKNOWN_CLIENT: &str = "Unknown";
/// The name of the digests' own series in the interruptions by client and day.
pub const DIGESTS_SERIES: &str = "Digests";

/// A figure this week beside last week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Trend {
    pub metric: TrendMetric,
    pub this_week: u32,
    pub previous_week: u32,
    /// Percentage change; `None` when last week was zero.
    pub change_percent: Option<i32>,
}

/// A concrete suggestion derived from the figures, worded at the edges from its code and
/// parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Suggestion {
    pub code: SuggestionCode,
    pub params: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WeekStats {
    #[ts(type = "string")]
    pub tz: Tz,
    #[serde(flatten)]
    pub figures: WeekFigures,
    pub previous: WeekFigures,
    pub trends: Vec<Trend>,
    pub suggestions: Vec<Suggestion>,
}

/// The statistics of `week`, with the previous week for trends.
pub fn week_stats(input: &StatsInput<'_>, week: IsoWeek) -> WeekStats {
    let figures = week_figures(input, week);
    let previous = week_figures(input, week.previous());
    assemble(input, figures, previous)
}

/// The statistics from a week's figures and the previous week's, computed separately (the
/// engine computes the two weeks in parallel).
pub fn assemble(input: &StatsInput<'_>, figures: WeekFigures, previous: WeekFigures) -> WeekStats {
    let trends = trends(&figures, &previous);
    let suggestions = suggestions(input, &figures, &previous);
    WeekStats { tz: input.schedule.tz, figures, previous, trends, suggestions }
}

/// Per-client counters of one week.
#[derive(Debug, Default)]
struct PerClient {
    messages: u32,
    days: [u32; 7],
    after_hours: u32,
    bypasses: u32,
}

/// Local weekday, hour and date of instants, converted once per 15-minute UTC bucket: today's
/// UTC offsets and DST transitions all fall on quarter hours, so every instant of a bucket has
/// the same local weekday, hour and date. Rows come sorted by time, so a week of thousands of
/// messages needs a few hundred conversions.
struct LocalCalendar {
    tz: Tz,
    bucket: i64,
    value: (usize, usize, NaiveDate),
}

impl LocalCalendar {
    const BUCKET_MS: i64 = 15 * 60 * 1000;

    fn new(tz: Tz) -> LocalCalendar {
        LocalCalendar { tz, bucket: i64::MIN, value: (0, 0, NaiveDate::MIN) }
    }

    fn of(&mut self, t: DateTime<Utc>) -> (usize, usize, NaiveDate) {
        let bucket = t.timestamp_millis().div_euclid(Self::BUCKET_MS);
        if bucket != self.bucket {
            let local = t.with_timezone(&self.tz);
            self.value = (local.weekday().num_days_from_monday() as usize, local.hour() as usize, local.date_naive());
            self.bucket = bucket;
        }
        self.value
    }
}

/// Sorted, disjoint intervals with a membership test by binary search.
struct Intervals(Vec<(DateTime<Utc>, DateTime<Utc>)>);

impl Intervals {
    fn contains(&self, t: DateTime<Utc>) -> bool {
        let i = self.0.partition_point(|(s, _)| *s <= t);
        i > 0 && t < self.0[i - 1].1
    }
    fn minutes(&self) -> u32 {
        self.0.iter().map(|(s, e)| (*e - *s).num_minutes().max(0) as u32).sum()
    }
}

struct Names<'a> {
    clients: HashMap<ClientId, &'a str>,
    channels: HashMap<ChannelId, &'a str>,
}

impl Names<'_> {
    fn client(&self, id: Option<ClientId>) -> String {
        id.and_then(|id| self.clients.get(&id)).map_or_else(|| UNKNOWN_CLIENT.to_owned(), |n| (*n).to_owned())
    }
}

fn sorted_counts<K>(map: HashMap<K, u32>, name: impl Fn(&K) -> String) -> Vec<Count> {
    let mut v: Vec<Count> = map.into_iter().map(|(k, count)| Count { name: name(&k), count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v
}

fn daily_counts(map: HashMap<Option<ClientId>, [u32; 7]>, names: &Names<'_>) -> Vec<DailyCounts> {
    let mut v: Vec<DailyCounts> = map.into_iter().map(|(k, days)| DailyCounts { name: names.client(k), days }).collect();
    v.sort_by(|a, b| {
        let (sa, sb): (u32, u32) = (a.days.iter().sum(), b.days.iter().sum());
        sb.cmp(&sa).then_with(|| a.name.cmp(&b.name))
    });
    v
}

/// The figures of one week.
pub fn week_figures(input: &StatsInput<'_>, week: IsoWeek) -> WeekFigures {
    let tz = input.schedule.tz;
    let (start, end) = week.bounds(tz);
    let in_week = |t: DateTime<Utc>| start <= t && t < end;
    let names = Names {
        clients: input.clients.iter().map(|c| (c.id, c.name.as_str())).collect(),
        channels: input.channels.iter().map(|(id, n)| (*id, n.as_str())).collect(),
    };
    // Resolve the week's working hours and focus once, with a day of margin for ranges that
    // cross midnight.
    let work = Intervals(input.schedule.work_intervals(start - Duration::days(1), end + Duration::days(1)));
    let mut focus = input.schedule.focus_intervals(start - Duration::days(1), end + Duration::days(1));
    focus.extend(input.sessions.iter().map(|s| (s.started_at, s.ends_at)));
    let focus = Intervals(merge_intervals(focus));

    let mut calendar = LocalCalendar::new(tz);
    let mut messages = 0;
    let mut per_client: HashMap<Option<ClientId>, PerClient> = HashMap::new();
    let mut by_channel: HashMap<ChannelId, u32> = HashMap::new();
    let mut by_category = [0u32; Category::ALL.len()];
    let mut by_day = [0u32; 7];
    let mut by_weekday_hour = [[0u32; 24]; 7];
    let mut decisions = DecisionCounts::default();
    let mut ratings_contained = 0;
    let mut by_app: HashMap<u32, u32> = HashMap::new();
    let mut phone = PhoneFigures::default();
    let mut phone_by_app: HashMap<u32, u32> = HashMap::new();
    for m in input.messages.iter().filter(|m| in_week(m.received_at)) {
        messages += 1;
        if let Some(app) = m.app {
            *by_app.entry(app).or_default() += 1;
        }
        if input.phone_channels.contains(&m.channel) {
            phone.notifications += 1;
            if let Some(app) = m.app {
                *phone_by_app.entry(app).or_default() += 1;
            }
            if m.decision == DecisionKind::Held && !m.silent {
                phone.kept_off += 1;
            }
            if m.dismissed {
                phone.dismissed += 1;
            }
        }
        let (day, hour, _) = calendar.of(m.received_at);
        let client = per_client.entry(m.client).or_default();
        client.messages += 1;
        client.days[day] += 1;
        *by_channel.entry(m.channel).or_default() += 1;
        by_category[m.category as usize] += 1;
        by_day[day] += 1;
        by_weekday_hour[day][hour] += 1;
        match m.decision {
            DecisionKind::Live => decisions.live += 1,
            DecisionKind::Held => decisions.held += 1,
            DecisionKind::Bypass => {
                decisions.bypass += 1;
                client.bypasses += 1;
            }
            DecisionKind::Muted => decisions.muted += 1,
        }
        if m.category == Category::Rating && m.decision == DecisionKind::Held {
            ratings_contained += 1;
        }
        if m.category != Category::Newsletter && !work.contains(m.received_at) {
            client.after_hours += 1;
        }
    }
    let per = |f: fn(&PerClient) -> u32| -> HashMap<Option<ClientId>, u32> {
        per_client.iter().map(|(k, v)| (*k, f(v))).filter(|(_, n)| *n > 0).collect()
    };
    let by_client = per(|c| c.messages);
    let after_hours_by_client = per(|c| c.after_hours);
    let bypasses_by_client = per(|c| c.bypasses);
    let by_client_day: HashMap<Option<ClientId>, [u32; 7]> = per_client.iter().map(|(k, v)| (*k, v.days)).collect();
    let by_category: HashMap<Category, u32> =
        Category::ALL.iter().map(|c| (*c, by_category[*c as usize])).filter(|(_, n)| *n > 0).collect();

    let mut week_interruptions: Vec<Interruption> = input.interruptions.iter().copied().filter(|i| in_week(i.at)).collect();
    week_interruptions.sort_by_key(|i| i.at);
    let mut interruptions = InterruptionCounts::default();
    let mut interruptions_by_client_day: HashMap<Option<ClientId>, [u32; 7]> = HashMap::new();
    let mut digests_by_day = [0u32; 7];
    let mut in_focus_by_client: HashMap<Option<ClientId>, u32> = HashMap::new();
    let mut live_in_focus_by_client: HashMap<Option<ClientId>, u32> = HashMap::new();
    let mut context_switches = 0;
    let mut previous: Option<(NaiveDate, Option<ClientId>)> = None;
    for i in &week_interruptions {
        interruptions.total += 1;
        let (day, _, date) = calendar.of(i.at);
        match i.kind {
            InterruptionKind::Live => interruptions.live += 1,
            InterruptionKind::Bypass => interruptions.bypass += 1,
            InterruptionKind::Digest => interruptions.digest += 1,
        }
        let in_focus = focus.contains(i.at);
        if in_focus {
            interruptions.in_focus += 1;
        }
        if i.kind == InterruptionKind::Digest {
            digests_by_day[day] += 1;
            continue;
        }
        interruptions_by_client_day.entry(i.client).or_default()[day] += 1;
        if in_focus {
            *in_focus_by_client.entry(i.client).or_default() += 1;
            if i.kind == InterruptionKind::Live {
                *live_in_focus_by_client.entry(i.client).or_default() += 1;
            }
        }
        if let Some((prev_date, prev_client)) = previous
            && prev_date == date
            && prev_client != i.client
        {
            context_switches += 1;
        }
        previous = Some((date, i.client));
    }
    let mut interruptions_by_client_day = daily_counts(interruptions_by_client_day, &names);
    if interruptions.digest > 0 {
        interruptions_by_client_day.push(DailyCounts { name: DIGESTS_SERIES.to_owned(), days: digests_by_day });
    }

    let week_checks: Vec<DateTime<Utc>> = input.checks.iter().copied().filter(|t| in_week(*t)).collect();
    let checks_during_focus = week_checks.iter().filter(|t| focus.contains(**t)).count() as u32;

    // Focus minutes and the longest stretch only count time that has already happened.
    let horizon = input.now.min(end);
    let clip = |v: &[(DateTime<Utc>, DateTime<Utc>)]| -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        v.iter().map(|(s, e)| ((*s).max(start), (*e).min(horizon))).filter(|(s, e)| s < e).collect()
    };
    let focus_minutes = Intervals(clip(&focus.0)).minutes();
    let longest_stretch = longest_stretch(&clip(&work.0), &week_interruptions);

    let after_hours = after_hours_by_client.values().sum();
    let app_name = |k: &u32| input.apps.get(*k as usize).cloned().unwrap_or_default();
    phone.by_app = sorted_counts(phone_by_app, app_name);
    WeekFigures {
        week,
        start,
        end,
        messages,
        by_client: sorted_counts(by_client, |k| names.client(*k)),
        by_channel: sorted_counts(by_channel, |k| names.channels.get(k).map_or_else(|| format!("#{k}"), |n| (*n).to_owned())),
        by_category: sorted_counts(by_category, |k| k.as_str().to_owned()),
        by_day,
        by_client_day: daily_counts(by_client_day, &names),
        by_weekday_hour,
        decisions,
        interruptions,
        interruptions_by_client_day,
        interruptions_in_focus_by_client: sorted_counts(in_focus_by_client, |k| names.client(*k)),
        live_in_focus_by_client: sorted_counts(live_in_focus_by_client, |k| names.client(*k)),
        context_switches,
        after_hours,
        after_hours_by_client: sorted_counts(after_hours_by_client, |k| names.client(*k)),
        checks: week_checks.len() as u32,
        checks_during_focus,
        bypasses_used: decisions.bypass,
        bypasses_by_client: sorted_counts(bypasses_by_client, |k| names.client(*k)),
        ratings_contained,
        focus_minutes,
        longest_stretch,
        by_app: sorted_counts(by_app, app_name),
        phone,
    }
}

/// The longest piece of working time not cut by an interruption. `interruptions` are sorted.
fn longest_stretch(work: &[(DateTime<Utc>, DateTime<Utc>)], interruptions: &[Interruption]) -> Option<Stretch> {
    let mut best: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (s, e) in work {
        let from = interruptions.partition_point(|i| i.at <= *s);
        let mut cursor = *s;
        for i in interruptions[from..].iter().take_while(|i| i.at < *e) {
            consider(&mut best, cursor, i.at);
            cursor = i.at;
        }
        consider(&mut best, cursor, *e);
    }
    best.map(|(start, end)| Stretch { start, end, minutes: (end - start).num_minutes() as u32 })
}

fn consider(best: &mut Option<(DateTime<Utc>, DateTime<Utc>)>, s: DateTime<Utc>, e: DateTime<Utc>) {
    if e > s && best.is_none_or(|(bs, be)| e - s > be - bs) {
        *best = Some((s, e));
    }
}

fn trends(this: &WeekFigures, prev: &WeekFigures) -> Vec<Trend> {
    let pairs = [
        (TrendMetric::Messages, this.messages, prev.messages),
        (TrendMetric::Interruptions, this.interruptions.total, prev.interruptions.total),
        (TrendMetric::InterruptionsInFocus, this.interruptions.in_focus, prev.interruptions.in_focus),
        (TrendMetric::ContextSwitches, this.context_switches, prev.context_switches),
        (TrendMetric::AfterHours, this.after_hours, prev.after_hours),
        (TrendMetric::ChecksDuringFocus, this.checks_during_focus, prev.checks_during_focus),
        (TrendMetric::BypassesUsed, this.bypasses_used, prev.bypasses_used),
    ];
    pairs
        .into_iter()
        .map(|(metric, a, b)| Trend {
            metric,
            this_week: a,
            previous_week: b,
            change_percent: (b > 0).then(|| ((f64::from(a) - f64::from(b)) * 100.0 / f64::from(b)).round() as i32),
        })
        .collect()
}

/// At most this many suggestions a week: a few concrete changes, not a report card.
pub const MAX_SUGGESTIONS: usize = 4;

fn suggestions(input: &StatsInput<'_>, this: &WeekFigures, prev: &WeekFigures) -> Vec<Suggestion> {
    let mut out = Vec::new();
    let mut push = |code: SuggestionCode, params: &[(&str, String)]| {
        let params = params.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        out.push(Suggestion { code, params });
    };
    let client = |name: &str| input.clients.iter().find(|c| c.name == name);

    if let Some(top) = this.bypasses_by_client.first().filter(|c| c.count >= 3 && c.name != UNKNOWN_CLIENT) {
        let quota = client(&top.name).map_or(3, |c| c.bypass_quota);
        let lower = quota.saturating_sub(1).max(1);
        push(
            SuggestionCode::LowerBypassQuota,
            &[("client", top.name.clone()), ("count", top.count.to_string()), ("quota", quota.to_string()), ("lower", lower.to_string())],
        );
    }
    if let Some(top) = this.live_in_focus_by_client.first().filter(|c| c.count >= 3) {
        let share = top.count * 100 / this.interruptions.in_focus.max(1);
        push(
            SuggestionCode::MoveLiveWindow,
            &[("client", top.name.clone()), ("count", top.count.to_string()), ("share", share.to_string())],
        );
    }
    // Unknown senders (platforms, lists) cannot be asked for an overlap window.
    if let Some(top) = this.after_hours_by_client.iter().find(|c| c.name != UNKNOWN_CLIENT).filter(|c| c.count >= 5) {
        let mut params = vec![("client", top.name.clone()), ("count", top.count.to_string())];
        // A client that is gone has no time zone to compare.
        if let Some(c) = client(&top.name) {
            params.push(("offset", tz_offset_hours(c.tz, input.schedule.tz, this.end).to_string()));
        }
        push(SuggestionCode::AfterHours, &params);
    }
    if this.checks_during_focus >= 3 {
        push(SuggestionCode::ChecksDuringFocus, &[("count", this.checks_during_focus.to_string())]);
    }
    if this.context_switches >= 10 {
        push(SuggestionCode::ContextSwitches, &[("count", this.context_switches.to_string())]);
    }
    if this.interruptions.live >= 30 {
        let outside = this.interruptions.live.saturating_sub(this.interruptions.in_focus);
        push(SuggestionCode::AddFocus, &[("count", this.interruptions.live.to_string()), ("outside", outside.to_string())]);
    }
    if prev.interruptions.total >= 10 && this.interruptions.total * 4 >= prev.interruptions.total * 5 {
        push(
            SuggestionCode::InterruptionsRising,
            &[("previous", prev.interruptions.total.to_string()), ("count", this.interruptions.total.to_string())],
        );
    }
    if this.ratings_contained > 0 {
        push(SuggestionCode::RatingsContained, &[("count", this.ratings_contained.to_string())]);
    }
    // One app bringing most of the phone's notifications is the one to tame on the phone.
    if let Some(top) = this.phone.by_app.first().filter(|_| this.phone.notifications >= 10)
        && top.count * 2 > this.phone.notifications
    {
        let share = top.count * 100 / this.phone.notifications;
        push(
            SuggestionCode::PhoneAppDominates,
            &[("app", top.name.clone()), ("count", top.count.to_string()), ("share", share.to_string())],
        );
    }
    out.truncate(MAX_SUGGESTIONS);
    out
}

/// How many whole hours `other` is ahead of `mine` at `at`.
fn tz_offset_hours(other: Tz, mine: Tz, at: DateTime<Utc>) -> i32 {
    use chrono::Offset;
    let off = |tz: Tz| at.with_timezone(&tz).offset().fix().local_minus_utc();
    (off(other) - off(mine)) / 3600
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Paris;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
    }

    #[test]
    fn the_bucketed_calendar_agrees_with_a_direct_conversion() {
        use chrono::TimeZone;
        for tz in
            [Paris, chrono_tz::Asia::Kolkata, chrono_tz::Asia::Kathmandu, chrono_tz::Australia::Lord_Howe, chrono_tz::America::St_Johns]
        {
            let mut cal = LocalCalendar::new(tz);
            // Every 7 minutes through 2026, which crosses every DST change of these zones.
            let mut t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("instant");
            while t.year() == 2026 {
                let local = t.with_timezone(&tz);
                let expected = (local.weekday().num_days_from_monday() as usize, local.hour() as usize, local.date_naive());
                assert_eq!(cal.of(t), expected, "{tz} at {t}");
                t += Duration::minutes(7);
            }
        }
    }

    #[test]
    fn suggestions_name_the_client_and_the_change() {
        let schedule = Schedule::default_in(Paris);
        let clients = [
            ClientInfo { id: 1, name: "Acme".into(), tz: Paris, bypass_quota: 3 },
            ClientInfo { id: 2, name: "Globex".into(), tz: chrono_tz::America::Los_Angeles, bypass_quota: 3 },
        ];
        let tuesday = utc("2026-11-24T10:00:00+01:00");
        let mut messages = Vec::new();
        let mut interruptions = Vec::new();
        for i in 0..4 {
            // Acme breaks through focus four times.
            let at = tuesday + Duration::minutes(20 * i);
            messages.push(StatsMessage {
                received_at: at,
                client: Some(1),
                channel: 1,
                category: Category::Direct,
                decision: DecisionKind::Bypass,
                app: None,
                silent: false,
                dismissed: false,
            });
            interruptions.push(Interruption { at, client: Some(1), kind: InterruptionKind::Bypass });
        }
        for i in 0..6 {
            // Globex writes in the Paris night.
            let at = utc("2026-11-24T23:00:00+01:00") + Duration::minutes(10 * i);
            messages.push(StatsMessage {
                received_at: at,
                client: Some(2),
                channel: 1,
                category: Category::Direct,
                decision: DecisionKind::Held,
                app: None,
                silent: false,
                dismissed: false,
            });
        }
        let checks: Vec<_> = (0..3).map(|i| tuesday + Duration::minutes(5 + 30 * i)).collect();
        let input = StatsInput {
            schedule: &schedule,
            now: utc("2026-11-29T12:00:00+01:00"),
            messages: &messages,
            interruptions: &interruptions,
            sessions: &[],
            checks: &checks,
            clients: &clients,
            channels: &[(1, "hooks".into())],
            apps: &[],
            phone_channels: &[],
        };
        let s = week_stats(&input, IsoWeek::containing(tuesday, Paris));
        let codes: Vec<&str> = s.suggestions.iter().map(|s| s.code.as_str()).collect();
        // Acme's interruptions were bypasses, not its live window: no advice about windows.
        assert_eq!(codes, ["lower_bypass_quota", "after_hours", "checks_during_focus"]);
        // How they read: lull-words' `suggestions_read_in_both_languages`.
        let param = |i: usize, k: &str| s.suggestions[i].params.get(k).cloned().unwrap_or_default();
        assert_eq!((param(0, "client"), param(0, "quota"), param(0, "lower")), ("Acme".into(), "3".into(), "2".into()));
        assert_eq!((param(1, "client"), param(1, "count"), param(1, "offset")), ("Globex".into(), "6".into(), "-9".into()));
        assert_eq!(param(2, "count"), "3");

        // Globex's live window overlapping focus three times does get that advice.
        let mut more = interruptions.clone();
        for i in 0..3 {
            more.push(Interruption {
                at: utc("2026-11-25T15:00:00+01:00") + Duration::minutes(10 * i),
                client: Some(2),
                kind: InterruptionKind::Live,
            });
        }
        let input = StatsInput { interruptions: &more, ..input };
        let s = week_stats(&input, IsoWeek::containing(tuesday, Paris));
        let window = s.suggestions.iter().find(|s| s.code == SuggestionCode::MoveLiveWindow).expect("window advice");
        let params: Vec<(&str, &str)> = window.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(params, [("client", "Globex"), ("count", "3"), ("share", "42")]);
    }

    #[test]
    fn the_phone_is_counted_by_app_with_what_was_kept_off_it() {
        let schedule = Schedule::default_in(Paris);
        let tuesday = utc("2026-11-24T10:00:00+01:00");
        let apps = ["WhatsApp".to_owned(), "Malt".to_owned(), "Slack".to_owned()];
        let phone = |i: i64, app: u32, decision: DecisionKind, silent: bool, dismissed: bool| StatsMessage {
            received_at: tuesday + Duration::minutes(i),
            client: None,
            channel: 2,
            category: Category::Direct,
            decision,
            app: Some(app),
            silent,
            dismissed,
        };
        let mut messages: Vec<StatsMessage> = (0..8).map(|i| phone(i, 0, DecisionKind::Held, false, i < 3)).collect();
        messages.push(phone(10, 1, DecisionKind::Live, false, false));
        messages.push(phone(11, 1, DecisionKind::Held, true, false));
        messages.push(phone(12, 0, DecisionKind::Live, false, false));
        // A desktop notification: by app, not the phone.
        messages.push(StatsMessage { channel: 1, ..phone(13, 2, DecisionKind::Live, false, false) });
        let input = StatsInput {
            schedule: &schedule,
            now: utc("2026-11-29T12:00:00+01:00"),
            messages: &messages,
            interruptions: &[],
            sessions: &[],
            checks: &[],
            clients: &[],
            channels: &[(1, "desktop".into()), (2, "phone".into())],
            apps: &apps,
            phone_channels: &[2],
        };
        let s = week_stats(&input, IsoWeek::containing(tuesday, Paris));
        let p = &s.figures.phone;
        assert_eq!((p.notifications, p.kept_off, p.dismissed), (11, 8, 3), "a silent one never pulled, so it is not counted as kept off");
        assert_eq!(p.by_app.iter().map(|c| (c.name.as_str(), c.count)).collect::<Vec<_>>(), [("WhatsApp", 9), ("Malt", 2)]);
        assert_eq!(s.figures.by_app.iter().map(|c| c.count).sum::<u32>(), 12);
        let dominant = s.suggestions.iter().find(|s| s.code == SuggestionCode::PhoneAppDominates).expect("advice");
        assert_eq!((dominant.params["app"].as_str(), dominant.params["share"].as_str()), ("WhatsApp", "81"));
    }

    #[test]
    fn iso_weeks_parse_and_bound_in_local_time() {
        let w: IsoWeek = "2026-W48".parse().expect("week");
        assert_eq!(w.to_string(), "2026-W48");
        assert_eq!(w.bounds(Paris), (utc("2026-11-23T00:00:00+01:00"), utc("2026-11-30T00:00:00+01:00")));
        assert_eq!(w.previous().to_string(), "2026-W47");
        assert_eq!("2027-W01".parse::<IsoWeek>().expect("week").previous().to_string(), "2026-W53");
        assert!("2026-W54".parse::<IsoWeek>().is_err());
        // The week of the spring DST change is 167 hours long.
        let (s, e) = "2026-W13".parse::<IsoWeek>().expect("week").bounds(Paris);
        assert_eq!((e - s).num_hours(), 167);
        assert_eq!(IsoWeek::containing(utc("2026-11-29T23:30:00Z"), Paris).to_string(), "2026-W49");
    }

    #[test]
    fn figures_count_interruptions_switches_and_stretches() {
        let schedule = Schedule::default_in(Paris);
        let clients = [
            ClientInfo { id: 1, name: "Acme".into(), tz: Paris, bypass_quota: 3 },
            ClientInfo { id: 2, name: "Globex".into(), tz: chrono_tz::America::New_York, bypass_quota: 3 },
        ];
        let m = |at: &str, client: Option<i64>, category: Category, decision: DecisionKind| StatsMessage {
            received_at: utc(at),
            client,
            channel: 1,
            category,
            decision,
            app: None,
            silent: false,
            dismissed: false,
        };
        let messages = [
            m("2026-11-24T12:10:00+01:00", Some(1), Category::Direct, DecisionKind::Live),
            m("2026-11-24T12:20:00+01:00", Some(2), Category::Direct, DecisionKind::Live),
            m("2026-11-24T12:30:00+01:00", Some(1), Category::Direct, DecisionKind::Live),
            m("2026-11-24T10:00:00+01:00", Some(1), Category::Direct, DecisionKind::Bypass),
            m("2026-11-24T21:00:00+01:00", Some(2), Category::Direct, DecisionKind::Held),
            m("2026-11-25T10:00:00+01:00", None, Category::Rating, DecisionKind::Held),
            m("2026-11-25T10:00:00+01:00", None, Category::Newsletter, DecisionKind::Muted),
            m("2026-11-16T10:00:00+01:00", None, Category::Direct, DecisionKind::Held), // previous week
        ];
        let i = |at: &str, client: Option<i64>, kind: InterruptionKind| Interruption { at: utc(at), client, kind };
        let interruptions = [
            i("2026-11-24T10:00:00+01:00", Some(1), InterruptionKind::Bypass),
            i("2026-11-24T12:10:00+01:00", Some(1), InterruptionKind::Live),
            i("2026-11-24T12:20:00+01:00", Some(2), InterruptionKind::Live),
            i("2026-11-24T12:30:00+01:00", Some(1), InterruptionKind::Live),
            i("2026-11-24T13:00:00+01:00", None, InterruptionKind::Digest),
        ];
        let checks = [utc("2026-11-24T10:30:00+01:00"), utc("2026-11-24T12:45:00+01:00")];
        let input = StatsInput {
            schedule: &schedule,
            now: utc("2026-11-26T00:00:00+01:00"),
            messages: &messages,
            interruptions: &interruptions,
            sessions: &[],
            checks: &checks,
            clients: &clients,
            channels: &[(1, "hooks".into())],
            apps: &[],
            phone_channels: &[],
        };
        let s = week_stats(&input, "2026-W48".parse().expect("week"));
        let f = &s.figures;
        assert_eq!(f.messages, 7);
        assert_eq!(f.by_client[0], Count { name: "Acme".into(), count: 3 });
        assert_eq!(f.by_day, [0, 5, 2, 0, 0, 0, 0]);
        assert_eq!(f.decisions, DecisionCounts { live: 3, held: 2, bypass: 1, muted: 1 });
        assert_eq!(f.interruptions, InterruptionCounts { total: 5, live: 3, bypass: 1, digest: 1, in_focus: 1 });
        // Acme (bypass) -> Acme -> Globex -> Acme: two switches.
        assert_eq!(f.context_switches, 2);
        assert_eq!(f.after_hours_by_client, vec![Count { name: "Globex".into(), count: 1 }]);
        assert_eq!((f.checks, f.checks_during_focus), (2, 1));
        assert_eq!(f.ratings_contained, 1);
        // Focus: Mon + Tue + Wed until midnight = 3 days x 6 h.
        assert_eq!(f.focus_minutes, 3 * 6 * 60);
        // Wednesday 09:00-18:00 had no interruption: 540 minutes.
        assert_eq!(f.longest_stretch.map(|s| s.minutes), Some(540));
        assert_eq!(s.previous.messages, 1);
        assert_eq!(s.trends[0], Trend { metric: TrendMetric::Messages, this_week: 7, previous_week: 1, change_percent: Some(600) });
        assert!(s.suggestions.iter().any(|s| s.code == SuggestionCode::RatingsContained));
    }
}
