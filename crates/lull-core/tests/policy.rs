//! Property and DST tests of the pure core: the schedule's digest slots against a brute-force
//! minute walk, the policy's invariants for arbitrary messages and schedules, the promises of
//! availability replies, client charters and response clocks, and the named DST dates
//! (Europe/Paris 2026-03-29 and 2026-10-25, America/New_York, a client 9 hours away).

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use lull_core::model::{Category, Client, ClientMode, DecisionKind, Identity, Tier};
use lull_core::policy::{FocusSession, MessageFacts, Rule, decide, retry_attempts};
use lull_core::schedule::Schedule;
use lull_core::stats::{ClientInfo, Interruption, InterruptionKind, IsoWeek, StatsInput, StatsMessage, week_stats};
use lull_core::week::{Days, Fold, TimeOfDay, WeeklyRange, resolve_local};
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("valid test instant").with_timezone(&Utc)
}

const ZONES: &[Tz] = &[
    chrono_tz::Europe::Paris,
    chrono_tz::America::New_York,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Australia::Lord_Howe, // 30-minute DST shift
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES)
}

/// Instants from 2026 to 2027, which cover both DST changes of every zone above.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (1_767_225_600i64..1_830_297_600i64).prop_map(|s| Utc.timestamp_opt(s, 0).single().expect("in range"))
}

fn time_of_day() -> impl Strategy<Value = TimeOfDay> {
    // Quarter hours, including the 02:00-03:00 hours that DST gaps and folds touch.
    (0u32..96).prop_map(|q| TimeOfDay::from_minutes(q * 15).expect("in range"))
}

fn range() -> impl Strategy<Value = WeeklyRange> {
    (1u8..128, time_of_day(), time_of_day()).prop_filter("non-empty", |(_, s, e)| s != e).prop_map(|(days, start, end)| WeeklyRange {
        days: Days::from_bits(days),
        start,
        end,
    })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (zone(), prop::collection::vec(range(), 0..3), prop::collection::vec(range(), 0..3), prop::collection::vec(time_of_day(), 1..5))
        .prop_map(|(tz, focus, work, digests)| {
            let mut s = Schedule::default_in(tz);
            s.focus = focus;
            s.work = work;
            s.digests = digests;
            s.validated().expect("generated schedules are valid")
        })
}

fn category() -> impl Strategy<Value = Category> {
    prop::sample::select(Category::ALL)
}

fn client(tz: Tz, tier: Tier, mode: ClientMode, windows: Vec<&str>) -> Client {
    Client {
        id: 7,
        name: "Acme".into(),
        tz,
        tier,
        mode,
        bypass_quota: 2,
        identities: vec![Identity::Domain("acme.com".into())],
        live_windows: windows.into_iter().map(|w| w.parse().expect("window")).collect(),
        auto_reply: None,
    }
}

/// Whether `at` is the (first) instant of a digest slot of `s`.
fn is_slot(s: &Schedule, at: DateTime<Utc>) -> bool {
    let date = at.with_timezone(&s.tz).date_naive();
    s.is_working_day(date) && s.digests.iter().any(|t| resolve_local(s.tz, date, *t, Fold::Earlier) == at)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// The next digest is a slot after `t`, and no slot lies between them (walked minute by
    /// minute).
    #[test]
    fn next_digest_is_the_first_slot_after(s in schedule(), t in instant()) {
        let next = s.next_digest_after(t);
        prop_assert!(next > t);
        prop_assert!(is_slot(&s, next), "{next} is not a slot of {:?}", s.digests);
        let mut m = (t + Duration::minutes(1)).with_timezone(&Utc);
        m = m - Duration::seconds(i64::from(chrono::Timelike::second(&m)));
        while m < next {
            prop_assert!(!(m > t && is_slot(&s, m)), "slot {m} lies between {t} and {next}");
            m += Duration::minutes(1);
        }
    }

    /// Invariants of every decision, whatever the message and the schedule.
    #[test]
    fn decisions_are_consistent(
        s in schedule(),
        t in instant(),
        cat in category(),
        tier in prop::sample::select(vec![Tier::Vip, Tier::Normal, Tier::Low]),
        mode in prop::sample::select(vec![ClientMode::Normal, ClientMode::DigestOnly, ClientMode::Muted]),
        known in any::<bool>(),
        urgent in any::<bool>(),
        bypasses in 0u32..4,
        session in any::<bool>(),
    ) {
        let c = client(chrono_tz::America::Los_Angeles, tier, mode, vec!["mon-fri 09:00-10:00@client"]);
        let sessions = [FocusSession { started_at: t - Duration::minutes(10), ends_at: t + Duration::minutes(50) }];
        let facts = MessageFacts {
            received_at: t,
            client: known.then_some(&c),
            category: cat,
            sender: "jane@acme.com",
            title: if urgent { "URGENT: prod is down" } else { "hello" },
            body: "",
            sender_history: &[],
            bypasses_today: bypasses,
        };
        let d = decide(&s, if session { &sessions } else { &[] }, &facts);
        prop_assert_eq!(d.kind == DecisionKind::Held, d.release_at.is_some());
        if let Some(r) = d.release_at {
            prop_assert!(r > t);
            if cat == Category::Rating {
                prop_assert_eq!(r, s.weekly_release(t));
            } else {
                prop_assert!(is_slot(&s, r), "release {r} is not a digest slot");
                prop_assert_eq!(r, s.hold_release(t));
            }
        }
        if cat == Category::Newsletter || (known && mode == ClientMode::Muted) {
            prop_assert_eq!(d.kind, DecisionKind::Muted);
        }
        if d.kind == DecisionKind::Bypass {
            prop_assert!(matches!(cat, Category::Direct | Category::Mention | Category::System));
            let quota = if known { c.bypass_quota } else { 3 };
            prop_assert!(bypasses < quota);
            prop_assert!(urgent && known && tier == Tier::Vip, "only a VIP's urgent word can bypass without a retry history");
        }
        if d.kind == DecisionKind::Live {
            prop_assert!(matches!(cat, Category::Direct | Category::Mention | Category::System));
            let in_window = known && lull_core::policy::live_window_at(&c, s.tz, t).is_some();
            prop_assert!(in_window || (s.in_working_hours(t) && s.focus_block_at(t).is_none() && !session));
        }
    }

    /// A chat burst (every line within two minutes of the previous one) is one attempt.
    #[test]
    fn bursts_never_count_as_retries(start in instant(), gaps in prop::collection::vec(1i64..119, 1..30)) {
        let mut times = vec![start];
        for g in &gaps {
            let last = *times.last().expect("non-empty");
            times.push(last + Duration::seconds(*g));
        }
        let now = times.pop().expect("non-empty");
        prop_assert_eq!(retry_attempts(&times, now), None);
    }

    /// Every instant lies inside the bounds of its ISO week, in any zone.
    #[test]
    fn iso_week_bounds_contain_their_instants(t in instant(), tz in zone()) {
        let (s, e) = IsoWeek::containing(t, tz).bounds(tz);
        prop_assert!(s <= t && t < e);
        let hours = (e - s).num_hours();
        prop_assert!((166..=169).contains(&hours), "a week of {hours} hours");
    }

    /// The statistics add up: per-client, per-day and per-decision counts all sum to the
    /// message count; switches are fewer than interruptions.
    #[test]
    fn stats_add_up(
        s in schedule(),
        rows in prop::collection::vec((0i64..7 * 24 * 60, prop::option::of(1i64..4), category(), prop::sample::select(DecisionKind::ALL)), 0..200),
    ) {
        let week: IsoWeek = "2026-W13".parse().expect("week");
        let (start, _) = week.bounds(s.tz);
        let messages: Vec<StatsMessage> = rows
            .iter()
            .map(|(m, client, category, decision)| StatsMessage {
                received_at: start + Duration::minutes(*m),
                client: *client,
                channel: 1,
                category: *category,
                decision: *decision,
                app: None,
                silent: false,
                dismissed: false,
            })
            .collect();
        let interruptions: Vec<Interruption> = messages
            .iter()
            .filter(|m| m.decision.interrupts())
            .map(|m| Interruption {
                at: m.received_at,
                client: m.client,
                kind: if m.decision == DecisionKind::Live { InterruptionKind::Live } else { InterruptionKind::Bypass },
            })
            .collect();
        let clients: Vec<ClientInfo> = (1..4).map(|id| ClientInfo { id, name: format!("C{id}"), tz: s.tz, bypass_quota: 3 }).collect();
        let input = StatsInput {
            schedule: &s,
            now: start + Duration::days(30),
            messages: &messages,
            interruptions: &interruptions,
            sessions: &[],
            checks: &[],
            clients: &clients,
            channels: &[(1, "c".into())],
            apps: &[],
            phone_channels: &[],
        };
        let stats = week_stats(&input, week);
        let f = &stats.figures;
        // A week in Paris is 167 hours long in week 13; rows past the end fall out.
        let n = messages.iter().filter(|m| m.received_at < f.end).count() as u32;
        prop_assert_eq!(f.messages, n);
        prop_assert_eq!(f.by_client.iter().map(|c| c.count).sum::<u32>(), n);
        prop_assert_eq!(f.by_day.iter().sum::<u32>(), n);
        prop_assert_eq!(f.by_weekday_hour.iter().flatten().sum::<u32>(), n);
        let d = f.decisions;
        prop_assert_eq!(d.live + d.held + d.bypass + d.muted, n);
        prop_assert_eq!(f.interruptions.total, d.live + d.bypass);
        prop_assert!(f.context_switches < f.interruptions.total.max(1));
        if let Some(st) = f.longest_stretch {
            prop_assert!(st.start >= f.start && st.end <= f.end);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever the schedule, the zones and the instant (both DST changes of each zone fall in
    /// the range), an availability reply only promises what the schedule does: its reading
    /// times are digest slots, in order, on one day of the user's, none before the message is
    /// released, and the first not before the end of the focus it names.
    #[test]
    fn availability_replies_promise_real_digest_slots(s in schedule(), t in instant(), client_tz in zone(), session in any::<bool>()) {
        let mut c = client(client_tz, Tier::Normal, ClientMode::Normal, vec![]);
        c.auto_reply = Some(lull_core::autoreply::ReplyLang::En);
        let sessions = [FocusSession { started_at: t - Duration::minutes(10), ends_at: t + Duration::minutes(170) }];
        let sessions: &[FocusSession] = if session { &sessions } else { &[] };
        let facts = MessageFacts {
            received_at: t,
            client: Some(&c),
            category: Category::Direct,
            sender: "jane@acme.com",
            title: "hello",
            body: "",
            sender_history: &[],
            bypasses_today: 0,
        };
        let d = decide(&s, sessions, &facts);
        let mail = lull_core::autoreply::MailFacts {
            reply_to: Some("jane@acme.com".into()),
            recipients: vec!["me@example.org".into()],
            ..Default::default()
        };
        let input = lull_core::autoreply::ReplyInput {
            schedule: &s,
            settings: &Default::default(),
            client: Some(&c),
            category: Category::Direct,
            decision: &d,
            mail: Some(&mail),
            own_address: Some("me@example.org"),
            sender_name: "Jane",
            subject: "hello",
            sent_at: None,
            received_at: t,
            last_reply: None,
            last_release: None,
            bypasses_today: 0,
        };
        match lull_core::autoreply::plan(&input) {
            Err(why) => prop_assert!(d.kind != DecisionKind::Held, "a held message from an opted-in client got no reply: {why:?}"),
            Ok(plan) => {
                prop_assert_eq!(d.kind, DecisionKind::Held);
                prop_assert!(!plan.reading.is_empty() && plan.reading.len() <= lull_core::autoreply::MAX_READING_TIMES);
                prop_assert!(plan.reading.iter().all(|r| is_slot(&s, *r)), "{:?} are not all slots", plan.reading);
                prop_assert!(plan.reading.windows(2).all(|w| w[0] < w[1]));
                let day = plan.reading[0].with_timezone(&s.tz).date_naive();
                prop_assert!(plan.reading.iter().all(|r| r.with_timezone(&s.tz).date_naive() == day));
                prop_assert!(plan.reading[0] >= d.release_at.expect("held"));
                if let lull_core::autoreply::Away::Focus { until } | lull_core::autoreply::Away::Off { until } = plan.away {
                    prop_assert!(plan.reading[0] >= until, "reading at {} before the focus or the evening ends at {until}", plan.reading[0]);
                }
            }
        }
    }

    /// A response clock's breakthrough, whatever the schedule, the zones and the clock's
    /// length: before the clock runs out and not before the message came; either a digest slot
    /// or a start of the client's live window with no slot after it before the clock runs out,
    /// or the arrival itself when no slot comes in time (walked minute by minute).
    #[test]
    fn a_clock_breaks_through_at_the_last_reading_time_before_it_runs_out(
        s in schedule(), t in instant(), client_tz in zone(), hours in 1i64..72, window in any::<bool>()
    ) {
        let c = client(client_tz, Tier::Normal, ClientMode::Normal, if window { vec!["tue,thu 10:30-11:00@client"] } else { vec![] });
        let mut settings = lull_core::response::ClockSettings::default();
        settings.set("Fiverr", Some(Duration::hours(hours))).expect("in range");
        let relay = lull_core::relay::Relay { platform: "Fiverr".into(), person: "jane".into() };
        let clock = lull_core::response::ResponseClock::start(&settings, &relay, None, t).expect("a clock");
        prop_assert_eq!(clock.reply_by, t + Duration::hours(hours));
        let at = lull_core::response::breakthrough_at(&s, Some(&c), &clock, t);
        prop_assert!(at >= t && at < clock.reply_by, "{at} outside [{t}, {})", clock.reply_by);
        let window_start = |m: DateTime<Utc>| c.live_windows.iter().any(|w| {
            w.range.occurrences(c.window_tz(w, s.tz), m - Duration::minutes(1), m + Duration::minutes(1)).iter().any(|(start, _)| *start == m)
        });
        let chance = |m: DateTime<Utc>| is_slot(&s, m) || window_start(m);
        if at > t {
            prop_assert!(chance(at), "{at} is neither a digest nor a live window start");
        }
        // No reading time after it and before the clock runs out (minute by minute, from the
        // next whole minute: slots and window starts fall on whole minutes).
        let mut m = at + Duration::seconds(60 - i64::from(at.timestamp().rem_euclid(60) as u32));
        while m < clock.reply_by {
            prop_assert!(!chance(m), "{m} is a later chance than {at}");
            m += Duration::minutes(1);
        }
    }


    /// A client's charter lists each digest of the coming week once, at its instant in the
    /// client's clock: the slots' days and times, read back, are exactly the week's digests.
    #[test]
    fn a_charter_lists_the_weeks_digests_in_the_clients_clock(s in schedule(), t in instant(), client_tz in zone()) {
        let c = client(client_tz, Tier::Normal, ClientMode::Normal, vec![]);
        let ch = lull_core::charter::charter(&s, &c, t);
        let listed: usize = ch.reading.iter().map(|slot| slot.days.iter().count()).sum();
        let from = lull_core::week::start_of_local_day(s.tz, t);
        let mut expected = 0;
        let mut day = from.with_timezone(&s.tz).date_naive();
        for _ in 0..7 {
            if s.is_working_day(day) {
                let mut times: Vec<DateTime<Utc>> = s.digests.iter().map(|d| resolve_local(s.tz, day, *d, Fold::Earlier)).collect();
                times.dedup();
                expected += times.len();
            }
            day += Duration::days(1);
        }
        // Exact in a week where neither clock changes; a DST change may fold two digests into
        // one slot of the client's clock, never list one twice.
        let offset = |tz: Tz, at: DateTime<Utc>| chrono::Offset::fix(&tz.offset_from_utc_datetime(&at.naive_utc())).local_minus_utc();
        let steady = [s.tz, client_tz].iter().all(|tz| offset(*tz, from) == offset(*tz, from + Duration::days(8)));
        if steady {
            prop_assert_eq!(listed, expected);
        } else {
            prop_assert!(listed <= expected, "listed {listed}, expected {expected}");
        }
        for slot in &ch.reading {
            prop_assert_eq!(slot.start, slot.end);
        }
    }
}

#[test]
fn paris_spring_forward_2026_03_29() {
    let mut s = Schedule::default_in(chrono_tz::Europe::Paris);
    s.work = vec!["daily 00:00-24:00".parse().expect("range")];
    s.focus = vec!["sun 01:00-04:00".parse().expect("range")];
    s.digests = vec!["02:30".parse().expect("t"), "09:00".parse().expect("t")];
    let s = s.validated().expect("valid");
    // 02:30 does not exist that night: the digest fires at 03:00 CEST (01:00Z), once.
    assert_eq!(s.next_digest_after(utc("2026-03-29T00:00:00Z")), utc("2026-03-29T01:00:00Z"));
    assert_eq!(s.next_digest_after(utc("2026-03-29T01:00:00Z")), utc("2026-03-29T07:00:00Z"));
    // The focus block 01:00-04:00 lasts two hours that night.
    let (start, end) = s.focus[0].occurrence(s.tz, chrono::NaiveDate::from_ymd_opt(2026, 3, 29).expect("date")).expect("sunday");
    assert_eq!((end - start).num_hours(), 2);
    // A message at 03:10 CEST is in focus and waits for 09:00 CEST.
    let facts = MessageFacts {
        received_at: utc("2026-03-29T01:10:00Z"),
        client: None,
        category: Category::Direct,
        sender: "a@b.io",
        title: "",
        body: "",
        sender_history: &[],
        bypasses_today: 0,
    };
    let d = decide(&s, &[], &facts);
    assert_eq!((d.kind, d.release_at), (DecisionKind::Held, Some(utc("2026-03-29T07:00:00Z"))));
    // How it reads across the change: lull-words' `reasons_read_right_across_dst_changes`.
    assert_eq!(d.rule, Rule::FocusBlock { block: "sun 01:00-04:00".parse().expect("block"), until: utc("2026-03-29T02:00:00Z") });
}

#[test]
fn paris_fall_back_2026_10_25() {
    let mut s = Schedule::default_in(chrono_tz::Europe::Paris);
    s.work = vec!["daily 00:00-24:00".parse().expect("range")];
    s.digests = vec!["02:30".parse().expect("t")];
    let s = s.validated().expect("valid");
    // 02:30 happens twice; the digest fires at the first one only.
    assert_eq!(s.next_digest_after(utc("2026-10-25T00:00:00Z")), utc("2026-10-25T00:30:00Z"));
    assert_eq!(s.next_digest_after(utc("2026-10-25T00:30:00Z")), utc("2026-10-26T01:30:00Z"));
    // The focus block 01:00-04:00 lasts four hours that night (the later 04:00 is the end).
    let block: WeeklyRange = "sun 01:00-04:00".parse().expect("range");
    let (start, end) = block.occurrence(s.tz, chrono::NaiveDate::from_ymd_opt(2026, 10, 25).expect("date")).expect("sunday");
    assert_eq!((end - start).num_hours(), 4);
    // The ISO week containing it is 169 hours long.
    let (ws, we) = IsoWeek::containing(utc("2026-10-25T12:00:00Z"), s.tz).bounds(s.tz);
    assert_eq!((we - ws).num_hours(), 169);
}

#[test]
fn new_york_digests_follow_local_time_across_dst() {
    let s = Schedule::default_in(chrono_tz::America::New_York);
    // Friday 2026-03-06 after 17:00 EST: Monday 09:00 is EDT (13:00Z), after the 8 March change.
    assert_eq!(s.next_digest_after(utc("2026-03-06T22:30:00Z")), utc("2026-03-09T13:00:00Z"));
    // And back: Friday 2026-10-30 after hours to Monday 2026-11-02 09:00 EST (14:00Z).
    assert_eq!(s.hold_release(utc("2026-10-30T22:30:00Z")), utc("2026-11-02T14:00:00Z"));
}

#[test]
fn client_nine_hours_away_with_window_in_their_time() {
    // The freelancer is in Paris; the client is in Los Angeles, 9 hours behind, except between
    // the US change (8 March) and the EU change (29 March) when it is 8 hours.
    let s = Schedule::default_in(chrono_tz::Europe::Paris);
    let la = client(chrono_tz::America::Los_Angeles, Tier::Normal, ClientMode::Normal, vec!["mon-fri 08:30-09:30@client"]);
    let at = |s: &str| MessageFacts {
        received_at: utc(s),
        client: Some(&la),
        category: Category::Direct,
        sender: "amy@acme.com",
        title: "",
        body: "",
        sender_history: &[],
        bypasses_today: 0,
    };
    // Tuesday 17 March: 08:30-09:30 in LA is 16:30-17:30 in Paris (8 h): live during focus.
    let d = decide(&s, &[], &at("2026-03-17T16:45:00+01:00"));
    assert_eq!(d.kind, DecisionKind::Live);
    assert!(matches!(d.rule, Rule::LiveWindow { .. }));
    // Tuesday 31 March: the same wall-clock moment in Paris is 07:45 in LA: held by focus.
    let d = decide(&s, &[], &at("2026-03-31T16:45:00+02:00"));
    assert_eq!(d.kind, DecisionKind::Held);
    // 17:45 Paris is 08:45 in LA: inside the window even though... still Paris working hours.
    let d = decide(&s, &[], &at("2026-03-31T17:45:00+02:00"));
    assert_eq!(d.kind, DecisionKind::Live);
    assert!(matches!(d.rule, Rule::LiveWindow { window, .. } if window.to_string() == "mon-fri 08:30-09:30@client"));
    // Saturday evening in Paris is Saturday morning in LA: no window, after hours until Monday.
    let d = decide(&s, &[], &at("2026-04-04T18:00:00+02:00"));
    assert_eq!(d.release_at, Some(utc("2026-04-06T09:00:00+02:00")));
    assert_eq!(d.rule, Rule::AfterHours);
    assert_eq!(d.release_at.map(|r| r.with_timezone(&s.tz).weekday()), Some(chrono::Weekday::Mon));
}
