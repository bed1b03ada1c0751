//! The scheduler: sleeps until the next digest release, response clock breakthrough or focus
//! boundary, releases (and rings) what is due, and goes back to sleep. It does not poll: it waits on the clock (which wakes it early
//! when the wall clock jumps, e.g. on resume) and on the engine's re-plan signal (a new held
//! message due before it planned to look, a new schedule, a focus session).
//!
//! Exactly once: releasing takes held messages into a digest in one transaction; a message in a
//! digest is never taken again, across restarts too. Slots missed while the engine was stopped
//! or the machine slept are found on the next wake and merged into one digest.

use chrono::Duration;
use tokio::sync::watch;

use crate::commands::focus_view;
use crate::engine::{Engine, load_schedule};
use lull_api::events::EngineEvent;
use lull_api::status::FocusView;

/// The longest the scheduler sleeps without a reason; it re-plans at least this often.
const MAX_SLEEP: Duration = Duration::hours(6);
/// After a failed release (database busy), wait this long before trying again.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs until `shutdown` turns true.
pub async fn run(engine: Engine, mut shutdown: watch::Receiver<bool>) {
    let mut last_focus: Option<FocusView> = None;
    while !*shutdown.borrow() {
        // Awake: anything held from now on wakes it again, until the next wake-up is known.
        engine.plan_wake(None);
        let mut failed = match engine.release_due().await {
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(error = %e, "releasing due digests");
                true
            }
        };
        if let Err(e) = engine.ring_due_clocks().await {
            tracing::warn!(error = %e, "ringing response clocks");
            failed = true;
        }
        let now = engine.now();
        let plan = engine
            .store()
            .read(move |db| {
                let schedule = load_schedule(db)?;
                let sessions = db.focus_sessions(now - Duration::days(1), now + Duration::days(2))?;
                let next_release = db.next_release()?;
                let next_clock = db.next_clock_ring(now)?;
                Ok((schedule, sessions, next_release.into_iter().chain(next_clock).min()))
            })
            .await;
        let (schedule, sessions, next_release) = match plan {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "planning the next wake-up");
                tokio::select! {
                    _ = tokio::time::sleep(RETRY_AFTER) => continue,
                    _ = shutdown.changed() => break,
                }
            }
        };
        let focus = focus_view(&schedule, &sessions, now);
        if last_focus.as_ref() != Some(&focus) {
            if last_focus.is_some() {
                engine.emit(EngineEvent::FocusChanged { focus: focus.clone() });
            }
            last_focus = Some(focus);
        }
        let session_edges = sessions.iter().flat_map(|s| [s.started_at, s.ends_at]).filter(|t| *t > now);
        let deadline = [next_release.filter(|_| !failed), schedule.next_boundary_after(now)]
            .into_iter()
            .flatten()
            .chain(session_edges)
            .chain(std::iter::once(now + MAX_SLEEP))
            .min()
            .unwrap_or(now + MAX_SLEEP);
        tracing::debug!(%deadline, "scheduler sleeping");
        engine.plan_wake(Some(deadline));
        let sleep = engine.clock().sleep_until(deadline);
        tokio::select! {
            wake = sleep => tracing::debug!(?wake, "scheduler woke"),
            () = engine.replanned() => tracing::debug!("scheduler re-planning"),
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(RETRY_AFTER), if failed => {}
        }
    }
}
