//! A feed channel's settings: an RSS, Atom or JSON Feed address and how often to poll it.

use serde::{Deserialize, Serialize};

use crate::phrase::{Phrase, Said};

/// Polled every 15 minutes unless told otherwise.
pub const DEFAULT_FEED_EVERY_SECS: u64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FeedSettings {
    /// The feed's address.
    #[serde(default)]
    pub url: String,
    /// Seconds between polls (at least 60, at most a week).
    #[serde(default = "default_every")]
    pub every_secs: u64,
}

fn default_every() -> u64 {
    DEFAULT_FEED_EVERY_SECS
}

/// Why feed settings were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSettingsError {
    /// No address given.
    NoAddress,
    /// Not an http(s) address.
    NotAnAddress { url: String },
    /// Polled more often than every minute or less often than once a week.
    Interval { every_secs: u64 },
}

impl Said for FeedSettingsError {
    fn phrase(&self) -> Phrase {
        match self {
            FeedSettingsError::NoAddress => Phrase::new("feed.no_address"),
            FeedSettingsError::NotAnAddress { url } => Phrase::new("feed.not_an_address").with("url", crate::week::v_quoted(url)),
            FeedSettingsError::Interval { .. } => Phrase::new("feed.bad_interval"),
        }
    }
}

impl FeedSettings {
    /// The settings as a user gave them, checked and trimmed.
    pub fn validated(self) -> Result<FeedSettings, FeedSettingsError> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err(FeedSettingsError::NoAddress);
        }
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() < 10 {
            return Err(FeedSettingsError::NotAnAddress { url: url.to_owned() });
        }
        if !(60..=7 * 86_400).contains(&self.every_secs) {
            return Err(FeedSettingsError::Interval { every_secs: self.every_secs });
        }
        Ok(FeedSettings { url: url.to_owned(), every_secs: self.every_secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let feed = |url: &str, every_secs| FeedSettings { url: url.into(), every_secs };
        assert!(matches!(feed("status.acme.com/feed", 900).validated(), Err(FeedSettingsError::NotAnAddress { .. })));
        assert!(matches!(feed("https://status.acme.com/feed", 5).validated(), Err(FeedSettingsError::Interval { every_secs: 5 })));
        assert_eq!(feed(" https://status.acme.com/feed ", 900).validated().expect("ok").url, "https://status.acme.com/feed");
        let defaulted: FeedSettings = serde_json::from_str(r#"{"url": "https://a.example/f"}"#).expect("json");
        assert_eq!(defaulted.every_secs, 900);
    }
}
