//! Weekly dispersion statistics, and replaying a trace through the schedule.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_core::Rule;
use lull_core::model::{Category, DecisionKind};
use lull_core::simulate::{SimulatedDigest, Simulation, TraceEntry};
use lull_core::stats::{Suggestion, Trend, WeekFigures, WeekStats};
use serde::{Deserialize, Serialize};

/// The statistics of an ISO week (`2026-W48`; default: this week), with the week before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StatsWeek {
    pub week: Option<String>,
}

/// Replays a trace through the current schedule and clients; nothing is stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Simulate {
    pub trace: Vec<TraceEntry>,
    /// The week to report (default: the week of the last message).
    pub week: Option<String>,
}

/// A week's statistics as the API sends them: the core's, with each suggestion's English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StatsView {
    #[ts(type = "string")]
    pub tz: Tz,
    #[serde(flatten)]
    pub figures: WeekFigures,
    pub previous: WeekFigures,
    /// For a week in progress: where the week before is cut, so like is compared with like
    /// (the same part of the week).
    pub compared_until: Option<DateTime<Utc>>,
    pub trends: Vec<Trend>,
    pub suggestions: Vec<SuggestionView>,
    /// Availability replies sent this week.
    #[serde(default)]
    pub told: Told,
    /// Platforms' response clocks this week: kept, missed, running.
    #[serde(default)]
    pub clocks: crate::platforms::ClockCounts,
}

/// How many times clients were told when the user would answer, and how many clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Told {
    pub replies: u32,
    pub clients: u32,
}

/// A suggestion: its code and parameters, and its English for scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SuggestionView {
    #[serde(flatten)]
    pub suggestion: Suggestion,
    pub text: String,
}

impl From<WeekStats> for StatsView {
    fn from(s: WeekStats) -> StatsView {
        let english = lull_words::english();
        let suggestions =
            s.suggestions.into_iter().map(|suggestion| SuggestionView { text: english.suggestion(&suggestion), suggestion }).collect();
        StatsView {
            tz: s.tz,
            figures: s.figures,
            previous: s.previous,
            compared_until: None,
            trends: s.trends,
            suggestions,
            told: Told::default(),
            clocks: crate::platforms::ClockCounts::default(),
        }
    }
}

/// A simulation as the API sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SimulationView {
    pub decisions: Vec<SimulatedDecisionView>,
    pub digests: Vec<SimulatedDigest>,
    /// The statistics of the week reported; `None` for an empty trace.
    pub stats: Option<StatsView>,
}

/// The decision one trace message would have received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SimulatedDecisionView {
    pub received_at: DateTime<Utc>,
    pub from: String,
    pub client: String,
    pub title: String,
    pub category: Category,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    /// The rule's code (`after_hours`).
    pub rule: String,
    /// The rule with its details, as `rule` in `explain`.
    pub detail: Rule,
    /// Why, in English, for scripts.
    pub reason: String,
}

impl SimulationView {
    /// The API's view of `sim`, its English worded in `tz` (the schedule's).
    pub fn new(sim: Simulation, tz: Tz) -> SimulationView {
        let english = lull_words::english();
        let decisions = sim
            .decisions
            .into_iter()
            .map(|d| SimulatedDecisionView {
                reason: english.reason(&d.rule, d.received_at, d.release_at, tz),
                rule: d.rule.code().to_owned(),
                detail: d.rule,
                received_at: d.received_at,
                from: d.from,
                client: d.client,
                title: d.title,
                category: d.category,
                decision: d.decision,
                release_at: d.release_at,
            })
            .collect();
        SimulationView { decisions, digests: sim.digests, stats: sim.stats.map(StatsView::from) }
    }
}
