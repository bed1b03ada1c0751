//! The weekly statistics, and simulations of a trace.

use std::sync::Arc;

use lull_api::ApiError;
use lull_api::stats::{Simulate, SimulationView, StatsView};
use lull_channels::kind;
use lull_core::model::ChannelId;
use lull_core::phrase::Said;
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
                let phones: Vec<ChannelId> = db.channels()?.into_iter().filter(|c| kind::of(c.kind()).phone()).map(|c| c.id).collect();
                Ok((load_schedule(db)?, clients, db.channel_names()?, phones))
            })
            .await?;
        let week = match week {
            Some(w) => w.parse::<IsoWeek>().map_err(|e| ApiError::invalid(e.phrase()).on("week"))?,
            None => IsoWeek::containing(now, schedule.tz),
        };
        let context = Arc::new((schedule, clients, channels, phone_channels));
        // The two weeks are read and computed on two reader connections at once.
        let figures_of = |week: IsoWeek| {
            let context = context.clone();
            self.store().read(move |db| {
                let (schedule, clients, channels, phone_channels) = &*context;
                let (from, to) = week.bounds(schedule.tz);
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
        let (this, previous) = tokio::try_join!(figures_of(week), figures_of(week.previous()))?;
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
        Ok(StatsView::from(assemble(&input, this, previous)))
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
