//! The freelance platforms Lull reads and their response clocks.

use chrono::Duration;
use lull_api::ApiError;
use lull_api::events::EngineEvent;
use lull_api::platforms::{PlatformSet, PlatformView};
use lull_core::response::{ClockSettings, DEFAULT_CLOCKS};

use super::Failure;
use crate::engine::Engine;

impl Engine {
    pub(crate) async fn platforms_show(&self) -> Result<Vec<PlatformView>, Failure> {
        let settings = self.store().read(|db| db.clock_settings()).await?;
        Ok(platform_views(&settings))
    }

    pub(crate) async fn platform_set(&self, set: PlatformSet) -> Result<Vec<PlatformView>, Failure> {
        let mut settings = self.store().read(|db| db.clock_settings()).await?;
        let changed =
            if set.reset { settings.reset(&set.platform) } else { settings.set(&set.platform, set.within_secs.map(Duration::seconds)) };
        let field = if matches!(changed, Err(lull_core::response::ClockError::OutOfRange(_))) { "within_secs" } else { "platform" };
        changed.map_err(|e| ApiError::invalid(e.phrase()).on(field))?;
        let saved = settings.clone();
        self.store().write(move |tx| tx.set_clock_settings(&saved)).await?;
        // New relayed messages get the new clock; those already in keep the one they came with.
        self.emit(EngineEvent::ClientsChanged);
        Ok(platform_views(&settings))
    }
}

fn platform_views(settings: &ClockSettings) -> Vec<PlatformView> {
    settings
        .all()
        .into_iter()
        .map(|(name, within, is_default)| PlatformView {
            name: name.to_owned(),
            within_secs: within.map(|w| w.num_seconds()),
            default_secs: DEFAULT_CLOCKS.iter().find(|(p, _)| *p == name).map_or(0, |(_, h)| h * 3600),
            is_default,
        })
        .collect()
}
