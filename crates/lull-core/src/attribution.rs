//! Client attribution: which client a message belongs to, from the client identities.
//!
//! The most specific identity wins: an exact address, then the longest matching domain, then a
//! channel dedicated to the client. A message matching nothing belongs to "Unknown".

use crate::model::{Client, Identity, Sender};

/// The client a message from `sender` on channel `channel` belongs to, and the identity that
/// matched.
pub fn attribute<'a>(clients: &'a [Client], sender: &Sender, channel: &str) -> Option<(&'a Client, &'a Identity)> {
    let all = || clients.iter().flat_map(|c| c.identities.iter().map(move |i| (c, i)));
    if let Some(address) = sender.address.as_deref()
        && let Some(hit) = all().find(|(_, i)| matches!(i, Identity::Email(e) if e == address))
    {
        return Some(hit);
    }
    if let Some(domain) = sender.domain()
        && let Some(hit) =
            all().filter(|(_, i)| matches!(i, Identity::Domain(d) if domain_matches(domain, d))).max_by_key(|(_, i)| i.value().len())
    {
        return Some(hit);
    }
    all().find(|(_, i)| matches!(i, Identity::Channel(c) if c == channel))
}

/// `mail.acme.com` matches `acme.com`; `notacme.com` does not.
fn domain_matches(domain: &str, pattern: &str) -> bool {
    domain == pattern || domain.strip_suffix(pattern).is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ClientMode, Tier};

    fn client(id: i64, name: &str, identities: &[&str]) -> Client {
        Client {
            id,
            name: name.into(),
            tz: chrono_tz::UTC,
            tier: Tier::Normal,
            mode: ClientMode::Normal,
            bypass_quota: 3,
            identities: identities.iter().map(|i| i.parse().expect("identity")).collect(),
            live_windows: vec![],
        }
    }

    #[test]
    fn most_specific_identity_wins() {
        let clients = [
            client(1, "Acme", &["domain:acme.com"]),
            client(2, "Acme Labs", &["domain:labs.acme.com"]),
            client(3, "Jane (freelance)", &["email:jane@acme.com"]),
            client(4, "Hooks", &["channel:ci"]),
        ];
        let who = |from: &str, channel: &str| attribute(&clients, &Sender::parse(from), channel).map(|(c, _)| c.id);
        assert_eq!(who("Jane <JANE@acme.com>", "mail"), Some(3));
        assert_eq!(who("bob@acme.com", "mail"), Some(1));
        assert_eq!(who("ann@eu.labs.acme.com", "mail"), Some(2));
        assert_eq!(who("eve@notacme.com", "mail"), None);
        assert_eq!(who("Build bot", "ci"), Some(4));
        assert_eq!(who("bob@acme.com", "ci"), Some(1), "an address beats a channel");
    }
}
