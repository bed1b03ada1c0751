//! `status` and manual focus sessions.

use chrono::{DateTime, Duration, Utc};
use lull_api::ApiError;
use lull_api::events::EngineEvent;
use lull_api::status::{FocusSource, FocusView, StatusView};
use lull_core::glance::Glance;
use lull_core::phrase::Phrase;
use lull_core::policy::FocusSession;
use lull_core::schedule::Schedule;
use lull_core::week::start_of_local_day;

use super::Failure;
use crate::engine::{Engine, distinct_clients, load_schedule};

/// Longest manual focus session: half a day. Longer is a schedule, not a session.
pub const MAX_FOCUS_MINUTES: u32 = 12 * 60;

impl Engine {
    pub(crate) async fn status(&self) -> Result<StatusView, Failure> {
        let now = self.now();
        let (schedule, sessions, held, due_next, bypasses_today, upgrade) = self
            .store()
            .read(move |db| {
                let schedule = load_schedule(db)?;
                let next = schedule.next_digest_after(now);
                let sessions = db.focus_sessions(now - Duration::days(1), now + Duration::days(1))?;
                let (held, _) = db.pending(now)?;
                let due_next = db.due_messages(Some(next))?;
                let bypasses = db.bypass_total(start_of_local_day(schedule.tz, now), now + Duration::seconds(1))?;
                Ok((schedule, sessions, held, due_next, bypasses, db.upgrade_notice()?))
            })
            .await?;
        let next_digest = schedule.next_digest_after(now);
        let focus = focus_view(&schedule, &sessions, now);
        let next_digest_messages = due_next.len() as u32;
        let next_digest_clients = distinct_clients(due_next.iter().map(|d| d.client_id));
        let glance = Glance {
            focus_until: focus.until.filter(|_| focus.in_focus),
            bypasses_today,
            next_digest,
            next_digest_messages,
            next_digest_clients,
        };
        let lines = glance.lines();
        let summary = lull_words::english().status(&lines, now, schedule.tz);
        Ok(StatusView {
            now,
            tz: schedule.tz.name().to_owned(),
            focus,
            held,
            next_digest,
            next_digest_messages,
            next_digest_clients,
            bypasses_today,
            notifications_error: self.notifications_error(),
            lines,
            summary,
            upgrade: upgrade.map(|u| lull_api::status::UpgradeView {
                from: u.from,
                to: u.to,
                at: u.at,
                backup: u.backup.display().to_string(),
            }),
        })
    }

    /// The engine has started and serves: an upgrade notice from before this start has been
    /// seen long enough.
    pub async fn started(&self, started_at: DateTime<Utc>) {
        match self.store().write(move |tx| tx.upgrade_seen(started_at)).await {
            Ok(true) => tracing::info!("the last upgrade's notice is cleared: Lull started after it"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "clearing the last upgrade's notice"),
        }
    }

    pub(crate) async fn focus_start(&self, minutes: u32) -> Result<FocusView, Failure> {
        if minutes == 0 || minutes > MAX_FOCUS_MINUTES {
            return Err(ApiError::invalid(Phrase::new("focus.bad_length").with("max", MAX_FOCUS_MINUTES)).on("minutes").into());
        }
        let now = self.now();
        let end = now + Duration::minutes(i64::from(minutes));
        self.store().write(move |tx| tx.start_focus(now, end)).await?;
        self.focus_changed().await
    }

    pub(crate) async fn focus_stop(&self) -> Result<FocusView, Failure> {
        let now = self.now();
        let stopped = self.store().write(move |tx| tx.stop_focus(now)).await?;
        if stopped == 0 {
            return Err(ApiError::not_found(Phrase::new("focus.no_session")).into());
        }
        self.focus_changed().await
    }

    pub(crate) async fn focus_changed(&self) -> Result<FocusView, Failure> {
        let now = self.now();
        let (schedule, sessions) = self
            .store()
            .read(move |db| Ok((load_schedule(db)?, db.focus_sessions(now - Duration::days(1), now + Duration::days(1))?)))
            .await?;
        let focus = focus_view(&schedule, &sessions, now);
        self.emit(EngineEvent::FocusChanged { focus: focus.clone() });
        self.replan();
        Ok(focus)
    }
}

/// Whether focus is in force at `now`, from a session or a block, and until when.
pub fn focus_view(schedule: &Schedule, sessions: &[FocusSession], now: DateTime<Utc>) -> FocusView {
    if let Some(s) = sessions.iter().filter(|s| s.started_at <= now && now < s.ends_at).max_by_key(|s| s.ends_at) {
        return FocusView { in_focus: true, source: Some(FocusSource::Session), until: Some(s.ends_at), block: None };
    }
    match schedule.focus_block_at(now) {
        Some((block, until)) => {
            FocusView { in_focus: true, source: Some(FocusSource::Block), until: Some(until), block: Some(block.to_string()) }
        }
        None => FocusView { in_focus: false, source: None, until: None, block: None },
    }
}
