//! Client attribution: which client a message belongs to, from the client identities.
//!
//! The most specific identity wins: a platform's relayed person (`platform:Malt:Jane Doe`), an exact address, then the longest matching domain, then a
//! desktop app with a text found in the notification, then the app alone, then a channel (or
//! feed) dedicated to the client. A message matching nothing belongs to "Unknown".

use crate::model::{Client, Identity, Sender};
use crate::relay::Relay;

/// What attribution looks at in a message.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'m> {
    pub sender: &'m Sender,
    /// The channel's name.
    pub channel: &'m str,
    /// For desktop notifications, the app that sent it.
    pub app: Option<&'m str>,
    pub title: &'m str,
    pub body: &'m str,
    /// A client's words relayed by a platform, and by whom.
    pub relay: Option<&'m Relay>,
}

/// The client a message belongs to, and the identity that matched.
pub fn attribute<'a>(clients: &'a [Client], m: &Origin<'_>) -> Option<(&'a Client, &'a Identity)> {
    let all = || clients.iter().flat_map(|c| c.identities.iter().map(move |i| (c, i)));
    // A platform's relay names the person: the most specific of all (the sender's address is
    // the platform's).
    if let Some(relay) = m.relay
        && let Some(hit) = all().find(|(_, i)| {
            i.platform_parts()
                .is_some_and(|(p, person)| p.eq_ignore_ascii_case(&relay.platform) && contains_ignoring_case(&relay.person, person))
        })
    {
        return Some(hit);
    }
    if let Some(address) = m.sender.address.as_deref()
        && let Some(hit) = all().find(|(_, i)| matches!(i, Identity::Email(e) if e == address))
    {
        return Some(hit);
    }
    if let Some(domain) = m.sender.domain()
        && let Some(hit) =
            all().filter(|(_, i)| matches!(i, Identity::Domain(d) if domain_matches(domain, d))).max_by_key(|(_, i)| i.value().len())
    {
        return Some(hit);
    }
    if let Some(app) = m.app {
        let app_hits = || all().filter_map(|(c, i)| i.app_parts().filter(|(a, _)| a.eq_ignore_ascii_case(app)).map(|(_, t)| (c, i, t)));
        let with_text = app_hits()
            .filter_map(|(c, i, t)| t.map(|t| (c, i, t)))
            .filter(|(_, _, t)| contains_ignoring_case(m.title, t) || contains_ignoring_case(m.body, t))
            .max_by_key(|(_, _, t)| t.len())
            .map(|(c, i, _)| (c, i));
        if let Some(hit) = with_text.or_else(|| app_hits().find(|(_, _, t)| t.is_none()).map(|(c, i, _)| (c, i))) {
            return Some(hit);
        }
    }
    all().find(|(_, i)| matches!(i, Identity::Channel(n) | Identity::Feed(n) if n == m.channel))
}

fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
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
            auto_reply: None,
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
        let who = |from: &str, channel: &str| {
            let sender = Sender::parse(from);
            attribute(&clients, &Origin { sender: &sender, channel, app: None, title: "", body: "", relay: None }).map(|(c, _)| c.id)
        };
        assert_eq!(who("Jane <JANE@acme.com>", "mail"), Some(3));
        assert_eq!(who("bob@acme.com", "mail"), Some(1));
        assert_eq!(who("ann@eu.labs.acme.com", "mail"), Some(2));
        assert_eq!(who("eve@notacme.com", "mail"), None);
        assert_eq!(who("Build bot", "ci"), Some(4));
        assert_eq!(who("bob@acme.com", "ci"), Some(1), "an address beats a channel");
    }

    #[test]
    fn desktop_apps_match_by_name_then_by_text() {
        let clients = [
            client(1, "Acme", &["app:Slack:Acme workspace", "domain:acme.com"]),
            client(2, "Globex", &["app:slack:globex"]),
            client(3, "Teams people", &["app:Microsoft Teams"]),
            client(4, "Status", &["feed:acme-status"]),
        ];
        let who = |app: Option<&str>, title: &str, body: &str, channel: &str| {
            let sender = Sender::parse(title);
            attribute(&clients, &Origin { sender: &sender, channel, app, title, body, relay: None }).map(|(c, _)| c.id)
        };
        assert_eq!(who(Some("Slack"), "Jane (Acme Workspace)", "hi", "desk"), Some(1), "text in the summary, any case");
        assert_eq!(who(Some("slack"), "Bob", "posted in #globex-dev", "desk"), Some(2), "text in the body");
        assert_eq!(who(Some("Slack"), "Bob", "hello", "desk"), None, "the app alone is not enough when every identity names a text");
        assert_eq!(who(Some("Microsoft Teams"), "Ann", "call?", "desk"), Some(3));
        assert_eq!(who(None, "Acme workspace", "", "desk"), None, "app identities need an app");
        assert_eq!(who(None, "Outage resolved", "", "acme-status"), Some(4));
    }

    #[test]
    fn a_platforms_relay_is_attributed_to_the_person_it_names() {
        let clients = [client(1, "Jane's studio", &["platform:Malt:Jane Doe"]), client(2, "Malt itself", &["domain:malt.fr"])];
        let sender = Sender::parse("Malt <noreply@malt.fr>");
        let who = |relay: Option<&Relay>| {
            attribute(&clients, &Origin { sender: &sender, channel: "mail", app: None, title: "", body: "", relay }).map(|(c, _)| c.id)
        };
        let jane = Relay { platform: "malt".into(), person: "JANE DOE".into() };
        assert_eq!(who(Some(&jane)), Some(1), "platform and person, any case");
        let other = Relay { platform: "Malt".into(), person: "John Smith".into() };
        assert_eq!(who(Some(&other)), Some(2), "another person: the platform's own identity");
        let fiverr = Relay { platform: "Fiverr".into(), person: "Jane Doe".into() };
        assert_eq!(who(Some(&fiverr)), Some(2), "another platform");
        assert_eq!("platform:Malt:Jane Doe".parse::<Identity>().map(|i| i.to_string()), Ok("platform:Malt:Jane Doe".to_owned()));
        assert!("platform:Malt".parse::<Identity>().is_err());
        assert!("platform::Jane".parse::<Identity>().is_err());
    }

    #[test]
    fn app_and_feed_identities_parse_and_print() {
        let app: Identity = "app:Slack:Acme workspace".parse().expect("app");
        assert_eq!(app.app_parts(), Some(("Slack", Some("Acme workspace"))));
        assert_eq!(app.to_string(), "app:Slack:Acme workspace");
        assert_eq!("app:Thunderbird".parse::<Identity>().expect("app").app_parts(), Some(("Thunderbird", None)));
        assert_eq!("feed:acme-status".parse::<Identity>().expect("feed").to_string(), "feed:acme-status");
        // Each is refused with what its kind needs (worded, with an example, by lull-words).
        use crate::model::IdentityProblem as P;
        for (bad, why) in [("app:", P::App), ("app::x", P::App), ("app:Slack:", P::App), ("feed:", P::Feed), ("phone:123", P::Kind)] {
            assert_eq!(bad.parse::<Identity>().expect_err(bad).why, why, "{bad}");
        }
    }
}
