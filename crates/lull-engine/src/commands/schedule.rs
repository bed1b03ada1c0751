//! Reading and changing the schedule; a change re-plans what is held.

use chrono_tz::Tz;
use lull_api::ApiError;
use lull_api::events::EngineEvent;
use lull_api::schedule::{ScheduleUpdate, ScheduleView};
use lull_core::policy::replan_release;
use lull_core::response::breakthrough_at;
use lull_core::schedule::Schedule;
use lull_core::week::{TimeOfDay, WeeklyRange, WeeklySlot, parse_tz};

use lull_core::phrase::Said;

use super::{Failure, bad_value};
use crate::engine::{Engine, load_schedule};

impl Engine {
    pub(crate) async fn schedule_show(&self) -> Result<ScheduleView, Failure> {
        let now = self.now();
        let schedule = self.store().read(load_schedule).await?;
        Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned: 0 })
    }

    pub(crate) async fn schedule_set(&self, update: ScheduleUpdate) -> Result<ScheduleView, Failure> {
        let now = self.now();
        let current = self.store().read(load_schedule).await?;
        let schedule = apply_schedule_update(current.clone(), &update)?;
        if schedule == current {
            return Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned: 0 });
        }
        let saved = schedule.clone();
        let replanned = self
            .store()
            .write(move |tx| {
                tx.put_schedule(&saved, now)?;
                let mut moved = 0u32;
                for m in tx.held_for_replan()? {
                    // A message already due (its digest was missed while Lull was off) stays due:
                    // the scheduler releases it at once rather than a digest later.
                    if m.release_at.is_some_and(|r| r <= now) {
                        continue;
                    }
                    let release = replan_release(&saved, &m.rule, m.received_at, now);
                    if Some(release) != m.release_at {
                        tx.replan_message(m.id, &m.rule, release, now)?;
                        moved += 1;
                    }
                }
                // A response clock's breakthrough follows the reading times it was set by.
                let clients = tx.clients()?;
                for due in tx.pending_clocks()? {
                    let client = clients.iter().find(|c| Some(c.id) == due.client_id);
                    let at = breakthrough_at(&saved, client, &due.clock, due.received_at.max(now));
                    if due.ring_at > now && at != due.ring_at {
                        tx.move_clock_ring(due.id, at)?;
                    }
                }
                Ok(moved)
            })
            .await?;
        self.emit(EngineEvent::ScheduleChanged);
        self.replan();
        Ok(ScheduleView { next_digest: schedule.next_digest_after(now), schedule, replanned })
    }
}

/// A time zone given as the field `tz`.
pub(crate) fn parse_tz_field(s: &str) -> Result<Tz, ApiError> {
    parse_tz(s).map_err(|e| ApiError::invalid(e.phrase()).on("tz"))
}

/// Applies a schedule update, naming the field of any value that does not parse.
pub fn apply_schedule_update(mut s: Schedule, u: &ScheduleUpdate) -> Result<Schedule, ApiError> {
    fn ranges(field: &str, values: &[String]) -> Result<Vec<WeeklyRange>, ApiError> {
        values.iter().map(|v| v.parse().map_err(|e| bad_value(field, v, &e))).collect()
    }
    if let Some(tz) = &u.tz {
        s.tz = parse_tz_field(tz)?;
    }
    if let Some(focus) = &u.focus {
        s.focus = ranges("focus", focus)?;
    }
    if let Some(work) = &u.work {
        s.work = ranges("work", work)?;
    }
    if let Some(digests) = &u.digests {
        s.digests = digests
            .iter()
            .flat_map(|d| d.split(','))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.parse::<TimeOfDay>().map_err(|e| ApiError::invalid(e.phrase()).on("digests")))
            .collect::<Result<_, _>>()?;
    }
    if let Some(weekly) = &u.weekly_digest {
        s.weekly_digest = weekly.parse::<WeeklySlot>().map_err(|e| bad_value("weekly_digest", weekly, &e))?;
    }
    if let Some(strangers) = u.strangers_may_retry {
        s.strangers_may_retry = strangers;
    }
    if let Some(words) = &u.urgent_words {
        s.urgent_words = words.iter().flat_map(|w| w.split(',')).map(|w| w.trim().to_owned()).filter(|w| !w.is_empty()).collect();
    }
    s.validated().map_err(|e| ApiError::invalid(e.phrase()).on(e.field()))
}
