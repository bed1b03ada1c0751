//! A desktop channel's settings: the notifications shown on this Linux desktop, watched or (as
//! the gatekeeper) received first.

use serde::{Deserialize, Serialize};

/// The app name Lull's own notifications carry.
pub const OWN_APP_NAME: &str = "Lull";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DesktopSettings {
    /// Apps whose notifications are not taken (e.g. the system's own); compared without case.
    #[serde(default)]
    pub ignore_apps: Vec<String>,
    /// Be the desktop's notification daemon and hold what the policy holds (for desktops without
    /// one: sway, i3), instead of watching another daemon.
    #[serde(default)]
    pub gatekeeper: bool,
}

impl DesktopSettings {
    /// Whether a notification from `app` is left out of the inbox: Lull's own (or every digest
    /// would feed the next) and the apps the channel ignores.
    pub fn leaves_out(&self, app: &str) -> bool {
        app.eq_ignore_ascii_case(OWN_APP_NAME) || self.ignore_apps.iter().any(|a| a.eq_ignore_ascii_case(app))
    }
}
