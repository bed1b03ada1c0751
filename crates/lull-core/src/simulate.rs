//! Trace simulation: "what would last week have looked like with this schedule?"
//!
//! Replays a trace of messages through the policy with a simulated clock (each message is
//! decided at its own `received_at`, seeing only the messages before it), plans the digests the
//! held messages would have formed, and computes the week's statistics. Nothing is stored.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::attribution::{Origin, attribute};
use crate::model::{Category, ChannelId, Client, ClientId, DecisionKind, Sender};
use crate::phrase::{Phrase, Said};
use crate::policy::{HISTORY_WINDOW, MessageFacts, Rule, decide};
use crate::schedule::Schedule;
use crate::stats::{ClientInfo, Interruption, InterruptionKind, IsoWeek, StatsInput, StatsMessage, WeekStats, week_stats};

/// One line of a trace file (JSON Lines).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TraceEntry {
    pub received_at: DateTime<Utc>,
    pub from: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub category: Option<Category>,
    /// The channel the message came through, for attribution by `channel:` identities and the
    /// per-channel counts; `trace` when absent.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A trace line that could not be read: its number, and what the JSON reader said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    pub line: usize,
    pub detail: String,
}

impl Said for TraceError {
    fn phrase(&self) -> Phrase {
        Phrase::new("trace.bad_line").with("line", self.line).with("detail", &self.detail)
    }
}
crate::said_error!(TraceError);

/// Reads a JSON Lines trace; blank lines and lines starting with `#` are skipped. Every bad line
/// is reported, not just the first.
pub fn parse_trace(text: &str) -> Result<Vec<TraceEntry>, Vec<TraceError>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match serde_json::from_str::<TraceEntry>(line) {
            Ok(e) => match crate::model::plausible_instant(e.received_at) {
                Ok(_) => entries.push(e),
                Err(bad) => errors.push(TraceError { line: i + 1, detail: bad.to_string() }),
            },
            Err(e) => errors.push(TraceError { line: i + 1, detail: e.to_string() }),
        }
    }
    if errors.is_empty() { Ok(entries) } else { Err(errors) }
}

/// The decision one trace message would have received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SimulatedDecision {
    pub received_at: DateTime<Utc>,
    pub from: String,
    pub client: String,
    pub title: String,
    pub category: Category,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    /// Why, as in `explain`.
    pub rule: Rule,
}

/// A digest the held messages would have formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SimulatedDigest {
    pub at: DateTime<Utc>,
    pub messages: u32,
    pub clients: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Simulation {
    pub decisions: Vec<SimulatedDecision>,
    pub digests: Vec<SimulatedDigest>,
    /// The statistics of `week` (by default the week of the last message); `None` for an
    /// empty trace.
    pub stats: Option<WeekStats>,
}

/// Replays `trace` (in order of arrival) through `schedule` and `clients`.
pub fn simulate(schedule: &Schedule, clients: &[Client], trace: &[TraceEntry], week: Option<IsoWeek>) -> Simulation {
    let mut trace: Vec<&TraceEntry> = trace.iter().collect();
    trace.sort_by_key(|e| e.received_at);
    let mut channel_ids: BTreeMap<String, ChannelId> = BTreeMap::new();
    let mut by_sender: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
    let mut bypasses: HashMap<(Option<ClientId>, NaiveDate), u32> = HashMap::new();
    let mut decisions = Vec::with_capacity(trace.len());
    let mut rows = Vec::with_capacity(trace.len());
    let mut interruptions = Vec::new();
    let mut held: BTreeMap<DateTime<Utc>, Vec<Option<ClientId>>> = BTreeMap::new();

    for e in &trace {
        let channel = e.channel.clone().unwrap_or_else(|| "trace".to_owned());
        let next_id = channel_ids.len() as ChannelId + 1;
        let channel_id = *channel_ids.entry(channel.clone()).or_insert(next_id);
        let sender = Sender::parse(&e.from);
        let origin = Origin { sender: &sender, channel: &channel, app: None, title: &e.title, body: &e.body, relay: None };
        let client = attribute(clients, &origin).map(|(c, _)| c);
        let client_id = client.map(|c| c.id);
        let history: Vec<DateTime<Utc>> = by_sender
            .get(&sender.key())
            .map(|v| v.iter().copied().filter(|t| e.received_at - *t <= HISTORY_WINDOW).collect())
            .unwrap_or_default();
        let day = e.received_at.with_timezone(&schedule.tz).date_naive();
        let category = e.category.unwrap_or(Category::Direct);
        let facts = MessageFacts {
            received_at: e.received_at,
            client,
            category,
            sender: &sender.display,
            title: &e.title,
            body: &e.body,
            sender_history: &history,
            bypasses_today: bypasses.get(&(client_id, day)).copied().unwrap_or(0),
        };
        // Manual focus sessions are not part of a trace: only the schedule's blocks apply.
        let d = decide(schedule, &[], &facts);
        by_sender.entry(sender.key()).or_default().push(e.received_at);
        match d.kind {
            DecisionKind::Bypass => {
                *bypasses.entry((client_id, day)).or_default() += 1;
                interruptions.push(Interruption { at: e.received_at, client: client_id, kind: InterruptionKind::Bypass });
            }
            DecisionKind::Live => interruptions.push(Interruption { at: e.received_at, client: client_id, kind: InterruptionKind::Live }),
            DecisionKind::Held => held.entry(d.release_at.unwrap_or(e.received_at)).or_default().push(client_id),
            DecisionKind::Muted => {}
        }
        rows.push(StatsMessage {
            received_at: e.received_at,
            client: client_id,
            channel: channel_id,
            category,
            decision: d.kind,
            app: None,
            silent: false,
            dismissed: false,
        });
        decisions.push(SimulatedDecision {
            received_at: e.received_at,
            from: e.from.clone(),
            client: client.map_or_else(|| "Unknown".to_owned(), |c| c.name.clone()),
            title: e.title.clone(),
            category,
            decision: d.kind,
            release_at: d.release_at,
            rule: d.rule,
        });
    }

    let digests: Vec<SimulatedDigest> = held
        .iter()
        .map(|(at, clients)| {
            let mut distinct = clients.clone();
            distinct.sort();
            distinct.dedup();
            SimulatedDigest { at: *at, messages: clients.len() as u32, clients: distinct.len() as u32 }
        })
        .collect();
    interruptions.extend(digests.iter().map(|d| Interruption { at: d.at, client: None, kind: InterruptionKind::Digest }));

    let stats = trace.last().map(|last| {
        let week = week.unwrap_or_else(|| IsoWeek::containing(last.received_at, schedule.tz));
        let infos: Vec<ClientInfo> =
            clients.iter().map(|c| ClientInfo { id: c.id, name: c.name.clone(), tz: c.tz, bypass_quota: c.bypass_quota }).collect();
        let channels: Vec<(ChannelId, String)> = channel_ids.into_iter().map(|(name, id)| (id, name)).collect();
        let input = StatsInput {
            schedule,
            now: week.bounds(schedule.tz).1,
            messages: &rows,
            interruptions: &interruptions,
            sessions: &[],
            checks: &[],
            clients: &infos,
            channels: &channels,
            apps: &[],
            phone_channels: &[],
        };
        week_stats(&input, week)
    });
    Simulation { decisions, digests, stats }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_errors_name_their_lines() {
        let text = "# a comment\n{\"received_at\":\"2026-11-24T10:00:00+01:00\",\"from\":\"a@b.io\",\"title\":\"t\"}\n\nnot json\n{\"from\":\"x\"}\n";
        let errors = parse_trace(text).expect_err("two bad lines");
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
        assert!(errors[1].detail.contains("received_at"), "{}", errors[1].detail);
    }

    #[test]
    fn simulation_decides_in_order_and_plans_digests() {
        let schedule = Schedule::default_in(chrono_tz::Europe::Paris);
        let text = [
            r#"{"received_at":"2026-11-24T10:02:00+01:00","from":"jane@acme.com","title":"are you there?"}"#,
            r#"{"received_at":"2026-11-24T10:07:00+01:00","from":"jane@acme.com","title":"ping"}"#,
            r#"{"received_at":"2026-11-24T10:12:00+01:00","from":"jane@acme.com","title":"call me"}"#,
            r#"{"received_at":"2026-11-24T10:30:00+01:00","from":"news@list.io","title":"weekly","category":"newsletter"}"#,
            r#"{"received_at":"2026-11-24T12:30:00+01:00","from":"bob@globex.io","title":"lunch?"}"#,
        ]
        .join("\n");
        let trace = parse_trace(&text).expect("valid trace");
        // Jane is Acme's: her third try breaks through (a stranger's would not).
        let acme = Client {
            id: 1,
            name: "Acme".into(),
            tz: chrono_tz::Europe::Paris,
            tier: crate::model::Tier::Normal,
            mode: crate::model::ClientMode::Normal,
            bypass_quota: 3,
            identities: vec!["domain:acme.com".parse().expect("identity")],
            live_windows: vec![],
            auto_reply: None,
        };
        let sim = simulate(&schedule, std::slice::from_ref(&acme), &trace, None);
        let kinds: Vec<_> = sim.decisions.iter().map(|d| d.decision).collect();
        use DecisionKind::*;
        assert_eq!(kinds, [Held, Held, Bypass, Muted, Live]);
        let stranger = simulate(&schedule, &[], &trace, None);
        assert_eq!(stranger.decisions[2].decision, Held);
        assert_eq!(sim.digests.len(), 1);
        assert_eq!(sim.digests[0].messages, 2);
        let stats = sim.stats.expect("stats");
        assert_eq!(stats.figures.interruptions.total, 3);
        assert_eq!(stats.figures.bypasses_used, 1);
    }
}
