//! Freelance platforms relaying a client's words: a message notification from Upwork, Malt or
//! Fiverr (by email or on the phone) is the client's message, not platform noise. This reads
//! who wrote it from the notification, as each platform words it; a `platform:NAME:PERSON`
//! identity then attributes it to the client, and it is treated as a direct message.
//!
//! The forms read, from the platforms' notification mail and apps:
//! - Upwork: message notifications come from a per-room address, `room_…@upwork.com`, with the
//!   person's name as the sender's name (`Jane Doe via Upwork`, or the bare name);
//! - Malt: "Nouveau message de Jane Doe" and "New message from Jane Doe";
//! - Fiverr: "You've received a message from jane_doe", "You have a new message from jane_doe",
//!   "Nouveau message de jane_doe".

use serde::{Deserialize, Serialize};

use crate::text::fold;

/// Who a platform relayed a message from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Relay {
    /// `Upwork`, `Malt`, `Fiverr`.
    pub platform: String,
    /// The person as the platform names them.
    pub person: String,
}

/// The platforms whose relayed messages Lull reads, by their mail domains (and subdomains).
const PLATFORMS: &[(&str, &[&str])] = &[
    ("Upwork", &["upwork.com"]),
    ("Malt", &["malt.com", "malt.fr", "malt.de", "malt.es", "malt.be", "malt.nl"]),
    ("Fiverr", &["fiverr.com"]),
];

/// Openings that introduce the person's name, folded (lower case, no accents).
const OPENINGS: &[&str] = &[
    "nouveau message de ",
    "new message from ",
    "you've received a message from ",
    "you have received a message from ",
    "you have a new message from ",
    "vous avez recu un message de ",
    "message from ",
];

/// The platform a mail domain belongs to, if it is one that relays messages.
pub fn platform_of_domain(domain: &str) -> Option<&'static str> {
    let domain = domain.to_ascii_lowercase();
    PLATFORMS.iter().find(|(_, ds)| ds.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")))).map(|(name, _)| *name)
}

/// The platform an app name is (a phone or desktop notification), if it relays messages.
pub fn platform_of_app(app: &str) -> Option<&'static str> {
    PLATFORMS.iter().map(|(name, _)| *name).find(|name| fold(app).starts_with(&fold(name)))
}

/// Who relayed mail from a platform is from: the sender's name for Upwork's room addresses,
/// else the name in the subject.
pub fn from_mail(platform: &str, sender_name: &str, sender_address: &str, subject: &str) -> Option<Relay> {
    let local = sender_address.split('@').next().unwrap_or_default().to_ascii_lowercase();
    if platform == "Upwork" && local.starts_with("room_") {
        let person = strip_via(sender_name);
        if !person.is_empty() && !person.contains('@') {
            return Some(Relay { platform: platform.to_owned(), person });
        }
    }
    from_title(platform, subject)
}

/// Who a platform's notification title (or a mail subject) says wrote.
pub fn from_title(platform: &str, title: &str) -> Option<Relay> {
    // Folded one character for one, so the name is at the same character offset.
    let folded: String = title.chars().map(|c| fold(c.encode_utf8(&mut [0; 4])).chars().next().unwrap_or(c)).collect();
    let (at, opening) = OPENINGS.iter().filter_map(|o| folded.find(o).map(|i| (i, *o))).min_by_key(|(i, _)| *i)?;
    let start = folded[..at].chars().count() + opening.chars().count();
    let rest: String = title.chars().skip(start).collect();
    let person = rest.split(['\n', '|', '—', '–']).next().unwrap_or_default();
    let person = person.trim().trim_end_matches(['.', '!', ':', ',']).trim();
    let person = strip_via(person);
    (!person.is_empty() && person.chars().count() <= 80).then(|| Relay { platform: platform.to_owned(), person })
}

/// `Jane Doe via Upwork` → `Jane Doe`.
fn strip_via(name: &str) -> String {
    let name = name.trim().trim_matches('"');
    let lower = name.to_ascii_lowercase();
    let cut = [" via ", " (via "].iter().filter_map(|v| lower.find(v)).min();
    match cut {
        Some(i) => name[..i].trim().to_owned(),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(platform: &str, person: &str) -> Option<Relay> {
        Some(Relay { platform: platform.into(), person: person.into() })
    }

    #[test]
    fn each_platform_names_the_person_its_own_way() {
        assert_eq!(platform_of_domain("mail.upwork.com"), Some("Upwork"));
        assert_eq!(platform_of_domain("MALT.FR"), Some("Malt"));
        assert_eq!(platform_of_domain("notmalt.fr"), None);
        assert_eq!(
            from_mail("Upwork", "Jane Doe via Upwork", "room_0a1b2c3d@upwork.com", "New message in Logo redesign"),
            relay("Upwork", "Jane Doe")
        );
        assert_eq!(from_mail("Upwork", "Upwork", "donotreply@upwork.com", "Your weekly summary"), None);
        assert_eq!(from_mail("Malt", "Malt", "noreply@malt.fr", "Nouveau message de Jane Doe"), relay("Malt", "Jane Doe"));
        assert_eq!(from_mail("Malt", "Malt", "noreply@malt.com", "New message from Élodie Martin!"), relay("Malt", "Élodie Martin"));
        assert_eq!(
            from_mail("Fiverr", "Fiverr", "no-reply@fiverr.com", "You've received a message from jane_doe"),
            relay("Fiverr", "jane_doe")
        );
        assert_eq!(from_title("Fiverr", "You have a new message from jane_doe — Order #FO81A2"), relay("Fiverr", "jane_doe"));
        assert_eq!(from_title("Malt", "Votre mission a été validée"), None);
        // Characters that fold to two do not shift the name.
        assert_eq!(from_title("Malt", "Cœur de métier · Nouveau message de Zoë Æsir"), relay("Malt", "Zoë Æsir"));
        assert_eq!(from_title("Fiverr", "You’ve received a message from jane_doe"), relay("Fiverr", "jane_doe"));
        assert_eq!(platform_of_app("Malt"), Some("Malt"));
        assert_eq!(platform_of_app("Upwork Messages"), Some("Upwork"));
        assert_eq!(platform_of_app("Slack"), None);
    }
}
