//! Weekly dispersion statistics, and replaying a trace through the schedule.

use lull_core::simulate::{Simulation, TraceEntry};
use lull_core::stats::WeekStats;
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

/// A week's statistics as the API sends them.
pub type StatsView = WeekStats;

/// A simulation as the API sends it.
pub type SimulationView = Simulation;
