//! A phone channel's settings: the phone's notifications, as KDE Connect (Android, through
//! `kdeconnectd`) or GSConnect (GNOME) bring them to the desktop's session bus; and what the
//! Android app that posted a notification says about it (its category).

use serde::{Deserialize, Serialize};

use crate::model::Category;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PhoneSettings {
    /// Only this paired device (its KDE Connect or GSConnect id); every paired device when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub device: Option<String>,
    /// Dismiss a held notification on the phone, so its shade stops pulling; it comes back in
    /// the digest.
    #[serde(default)]
    pub dismiss_held: bool,
}

impl PhoneSettings {
    /// Whether notifications of `device` are taken.
    pub fn takes(&self, device: &str) -> bool {
        self.device.as_deref().is_none_or(|d| d == device)
    }
}

/// The application id GSConnect posts the phone's notifications under
/// (`org.gtk.Notifications.AddNotification`).
pub const GSCONNECT_APP_ID: &str = "org.gnome.Shell.Extensions.GSConnect";

/// The desktop entry and app name `kdeconnectd` re-shows the phone's notifications with
/// (`org.freedesktop.Notifications.Notify`).
pub const KDECONNECT_DESKTOP_ENTRY: &str = "org.kde.kdeconnect.daemon";
pub const KDECONNECT_APP_NAME: &str = "KDE Connect";

/// What kind of message an Android app's notification is: freelance platforms and their
/// rating mail are `platform`, social networks `social`; chats, SMS and calls are people
/// writing to you (`direct`).
pub fn category_of_app(app: &str) -> Category {
    const PLATFORMS: &[&str] = &["malt", "upwork", "fiverr", "comet", "codeur", "freelancer", "crème de la crème", "404works"];
    const SOCIAL: &[&str] = &["linkedin", "instagram", "x", "twitter", "facebook", "threads", "bluesky", "mastodon", "tiktok"];
    let app = app.trim().to_lowercase();
    let named = |list: &[&str]| list.iter().any(|p| app == *p || app.starts_with(&format!("{p} ")) || app.starts_with(&format!("{p}.")));
    if named(PLATFORMS) {
        Category::Platform
    } else if named(SOCIAL) {
        Category::Social
    } else {
        Category::Direct
    }
}

/// A phone notification as GSConnect shows it: the Android app as the title and
/// `"title: text"` as the body, except for SMS apps and missed calls (the contact as the title
/// and the text alone) and where the app name equals the title (the text alone). Returns the
/// app, the notification's own title and its text.
pub fn split_gsconnect(title: &str, body: &str) -> (String, String, String) {
    let title = title.trim();
    let body = body.trim();
    match body.split_once(": ") {
        Some((inner, text)) if !inner.is_empty() && !inner.contains('\n') && inner.chars().count() <= 80 => {
            (title.to_owned(), inner.trim().to_owned(), text.trim().to_owned())
        }
        // SMS, calls, and apps whose name is the title: the title is who wrote.
        _ => (title.to_owned(), title.to_owned(), body.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_say_what_kind_of_message_it_is() {
        assert_eq!(category_of_app("Malt"), Category::Platform);
        assert_eq!(category_of_app("Upwork"), Category::Platform);
        assert_eq!(category_of_app("LinkedIn"), Category::Social);
        assert_eq!(category_of_app("X"), Category::Social);
        assert_eq!(category_of_app("Xodo"), Category::Direct);
        assert_eq!(category_of_app("WhatsApp"), Category::Direct);
        assert_eq!(category_of_app("Messages"), Category::Direct);
    }

    #[test]
    fn gsconnect_bodies_are_split_back() {
        assert_eq!(
            split_gsconnect("WhatsApp", "Acme team: Can you call?"),
            ("WhatsApp".into(), "Acme team".into(), "Can you call?".into())
        );
        // An SMS: the contact is the title, the body the text alone.
        assert_eq!(split_gsconnect("Jane Doe", "See you at 3"), ("Jane Doe".into(), "Jane Doe".into(), "See you at 3".into()));
        let d = PhoneSettings { device: Some("abc".into()), dismiss_held: false };
        assert!(d.takes("abc") && !d.takes("def") && PhoneSettings::default().takes("any"));
    }
}
