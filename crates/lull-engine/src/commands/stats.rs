//! The weekly statistics, and simulations of a trace.

use std::sync::Arc;

use lull_api::ApiError;
use lull_api::stats::{Simulate, SimulationView, StatsView};
use lull_channels::kind;
use lull_core::model::ChannelId;
use lull_core::phrase::{Phrase, Said};
use lull_core::response::ClockState;
use lull_core::simulate::simulate;
use lull_core::stats::{ClientInfo, IsoWeek, StatsInput, assemble, week_figures};

use super::Failure;
use crate::engine::{Engine, load_schedule};

impl Engine {
    pub(crate) async fn stats_week(&self, week: Option<String>) -> Result<StatsView, Failure> {
        let now = self.now();
        let (schedule, clients, channels, phone_channels) = self
            .store()
            .read(|db| {
                let clients: Vec<ClientInfo> = db
                    .clients()?
                    .into_iter()
                    .map(|c| ClientInfo { id: c.id, name: c.name, tz: c.tz, bypass_quota: c.bypass_quota })
                    .collect();
                // The kinds alone: listing channels would read each one's last message, a walk of
                // all its messages (400 ms over a million).
                let phones: Vec<ChannelId> =
                    db.channel_kinds()?.into_iter().filter(|(_, k)| kind::of(*k).phone()).map(|(id, _)| id).collect();
                Ok((load_schedule(db)?, clients, db.channel_names()?, phones))
            })
            .await?;
        let current = IsoWeek::containing(now, schedule.tz);
        // By default the last complete week: a Monday's "this week" is one day against seven.
        let week = match week.as_deref().map(str::trim) {
            None | Some("last") => current.previous(),
            Some("this") => current,
            Some(w) => w.parse::<IsoWeek>().map_err(|e| ApiError::invalid(e.phrase()).on("week"))?,
        };
        if week > current {
            return Err(ApiError::invalid(Phrase::new("stats.future_week").with("week", week)).on("week").into());
        }
        // A week in progress is compared with the same part of the week before (Monday to now,
        // one week earlier), not with all of it.
        let compared_until = (week == current).then(|| now - chrono::Duration::weeks(1));
        let context = Arc::new((schedule, clients, channels, phone_channels));
        // The two weeks are read and computed on two reader connections at once.
        let figures_of = |week: IsoWeek, cut: Option<chrono::DateTime<chrono::Utc>>| {
            let context = context.clone();
            self.store().read(move |db| {
                let (schedule, clients, channels, phone_channels) = &*context;
                let (from, to) = week.bounds(schedule.tz);
                let to = cut.map_or(to, |c| c.min(to));
                let now = cut.unwrap_or(now);
                let (messages, apps) = db.stats_messages(from, to)?;
                let interruptions = db.interruptions(from, to)?;
                let sessions = db.focus_sessions(from, to)?;
                let checks = db.checks(from, to)?;
                let input = StatsInput {
                    schedule,
                    now,
                    messages: &messages,
                    interruptions: &interruptions,
                    sessions: &sessions,
                    checks: &checks,
                    clients,
                    channels,
                    apps: &apps,
                    phone_channels,
                };
                Ok(week_figures(&input, week))
            })
        };
        let (this, previous) = tokio::try_join!(figures_of(week, None), figures_of(week.previous(), compared_until))?;
        let (schedule, clients, channels, _) = &*context;
        let input = StatsInput {
            schedule,
            now,
            messages: &[],
            interruptions: &[],
            sessions: &[],
            checks: &[],
            clients,
            channels,
            apps: &[],
            phone_channels: &[],
        };
        let mut view = StatsView::from(assemble(&input, this, previous));
        view.compared_until = compared_until;
        let (from, to) = week.bounds(schedule.tz);
        let (replies, clients) = self.store().read(move |db| db.replies_sent_between(from, to)).await?;
        view.told = lull_api::stats::Told { replies, clients };
        let clocks = self.store().read(move |db| db.clocks_between(from, to)).await?;
        for (clock, archived_at) in clocks {
            let counter = match clock.state(archived_at, now) {
                ClockState::Kept => &mut view.clocks.kept,
                ClockState::Missed => &mut view.clocks.missed,
                ClockState::Running => &mut view.clocks.running,
            };
            *counter += 1;
        }
        Ok(view)
    }

    pub(crate) async fn simulate(&self, Simulate { trace, week }: Simulate) -> Result<SimulationView, Failure> {
        for e in &trace {
            lull_core::model::plausible_instant(e.received_at).map_err(|e| ApiError::invalid(e.phrase()).on("trace"))?;
        }
        let week = week.map(|w| w.parse::<IsoWeek>().map_err(|e| ApiError::invalid(e.phrase()).on("week"))).transpose()?;
        let (schedule, clients) = self.store().read(|db| Ok((load_schedule(db)?, db.clients()?))).await?;
        Ok(SimulationView::new(simulate(&schedule, &clients, &trace, week), schedule.tz))
    }
}
