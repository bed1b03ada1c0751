//! Email messages as Lull reads them: MIME parsed with mail-parser into a sender, a subject and
//! plain text (from HTML when that is all there is), attachments named but not kept, and a
//! category from the sender and headers: freelance platforms, their review and rating mail
//! (English and French wording), mailing lists and newsletters.
//!
//! Nothing is dropped: a message that cannot be parsed is stored with what could be read and a
//! note saying so. The key that makes a message unique is its Message-ID, else a hash of its
//! bytes, so the same mail seen again (a reconnect, a UIDVALIDITY change, a second folder) is
//! stored once.

use chrono::{DateTime, Utc};
use lull_core::Incoming;
use lull_core::autoreply::MailFacts;
use lull_core::model::Category;
use lull_core::text::{fold, html_to_text};
use mail_parser::{Address, HeaderName, MessageParser, MimeHeaders};

/// At most this many characters of a message's text are kept.
pub const MAX_BODY_CHARS: usize = 20_000;

/// Sender domains of freelance platforms and professional networks (a subdomain matches too).
const PLATFORM_DOMAINS: &[&str] = &[
    "malt.com",
    "malt.fr",
    "malt.de",
    "malt.es",
    "malt.be",
    "malt.nl",
    "upwork.com",
    "fiverr.com",
    "linkedin.com",
    "freelancer.com",
    "toptal.com",
    "comet.co",
    "crème-de-la-crème.com",
    "cremedelacreme.io",
    "codeur.com",
    "404works.com",
    "twago.com",
    "peopleperhour.com",
    "guru.com",
    "contra.com",
    "99designs.com",
    "behance.net",
    "dribbble.com",
    "workana.com",
    "freelance-info.fr",
    "collective.work",
];

/// Words of review and rating mail, English and French (accents and case ignored).
const RATING_WORDS: &[&str] = &[
    "review",
    "rate your",
    "rating",
    "left you a",
    "feedback",
    "stars",
    "recommendation",
    "endorse",
    "avis",
    "evaluation",
    "evaluez",
    "notez",
    "note de",
    "recommandation",
    "laisser un commentaire",
    "votre experience",
];

/// Reads one raw message. `truncated` says the fetch stopped at a size limit.
pub fn parse(raw: &[u8], truncated: bool, received_at: DateTime<Utc>) -> Incoming {
    let key = |message_id: Option<&str>| match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => format!("mid:{}", id.trim_matches(['<', '>'])),
        None => format!("sha256:{}", crate::hex_sha256(raw)),
    };
    let Some(msg) = MessageParser::default().parse(raw) else {
        return unreadable(raw, key(None), received_at);
    };
    let sender = msg.from().and_then(first_address).unwrap_or_default();
    let subject = msg.subject().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default();
    let mut body = if let Some(text) = msg.body_text(0).filter(|_| msg.text_body.first().is_some_and(|&i| !is_html(&msg, i))) {
        text.trim().to_owned()
    } else if let Some(html) = msg.body_html(0) {
        html_to_text(&html)
    } else {
        msg.body_text(0).map(|t| t.trim().to_owned()).unwrap_or_default()
    };
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS).collect::<String>() + "…";
    }
    let attachments: Vec<String> = msg
        .attachments()
        .map(|a| {
            let name = a.attachment_name().map_or_else(|| "unnamed attachment".to_owned(), str::to_owned);
            format!("{name} ({})", size(a.len()))
        })
        .collect();
    if !attachments.is_empty() {
        body.push_str(&format!("\n\nAttachments (not kept by Lull): {}", attachments.join(", ")));
    }
    if truncated {
        body.push_str("\n\n[Lull read only the beginning of this large message.]");
    }
    let has = |name: &str| msg.header(HeaderName::Other(name.into())).is_some() || msg.header_raw(name).is_some();
    let list = msg.header(HeaderName::ListId).is_some() || msg.header(HeaderName::ListUnsubscribe).is_some() || has("List-Id");
    let bulk = msg.header_raw("Precedence").is_some_and(|p| matches!(p.trim().to_ascii_lowercase().as_str(), "bulk" | "list" | "junk"));
    let domain = sender.rsplit_once('@').map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase());
    // A platform relaying a client's message is the client's, a direct message.
    let from = msg.from().and_then(|a| a.first());
    let relay = domain.as_deref().and_then(lull_core::relay::platform_of_domain).and_then(|p| {
        lull_core::relay::from_mail(
            p,
            from.and_then(|a| a.name()).unwrap_or_default(),
            from.and_then(|a| a.address()).unwrap_or_default(),
            &subject,
        )
    });
    let category = if relay.is_some() { None } else { categorize(domain.as_deref(), &subject, &body, list || bulk) };
    let mail = facts(&msg, list);
    Incoming {
        source_key: key(msg.message_id()),
        sender: if sender.is_empty() { "(unknown sender)".into() } else { sender },
        title: if subject.is_empty() { "(no subject)".into() } else { subject },
        body,
        url: None,
        category,
        sent_at: msg.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        received_at,
        app: None,
        shown_by_source: false,
        silent: false,
        reply: None,
        mail: Some(mail),
        relay,
    }
}

/// What the headers say about answering the message (see `lull_core::autoreply`).
fn facts(msg: &mail_parser::Message<'_>, list: bool) -> MailFacts {
    let addresses = |a: Option<&Address<'_>>| -> Vec<String> {
        a.map(|a| a.iter().filter_map(|x| x.address()).map(|x| x.trim().to_lowercase()).filter(|x| x.contains('@')).collect())
            .unwrap_or_default()
    };
    let raw = |name: &str| msg.header_raw(name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "));
    let reply_to = addresses(msg.reply_to()).into_iter().next().or_else(|| addresses(msg.from()).into_iter().next());
    let mut recipients = addresses(msg.to());
    recipients.extend(addresses(msg.cc()));
    MailFacts {
        reply_to,
        return_path: raw("Return-Path").map(|p| p.trim().trim_start_matches('<').trim_end_matches('>').trim().to_lowercase()),
        message_id: msg.message_id().map(|m| m.trim().trim_matches(['<', '>']).to_owned()).filter(|m| !m.is_empty()),
        references: ids(msg.references()),
        recipients,
        auto_submitted: raw("Auto-Submitted").map(|v| v.split(';').next().unwrap_or_default().trim().to_owned()),
        list: list || msg.headers().iter().any(|h| h.name().to_ascii_lowercase().starts_with("list-")),
        precedence: raw("Precedence"),
        backlog: false,
    }
}

/// Message ids in a `References` or `In-Reply-To` header, without angle brackets.
fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    let list: Vec<&str> = match (value.as_text_list(), value.as_text()) {
        (Some(list), _) => list.iter().map(|s| s.as_ref()).collect(),
        (None, Some(one)) => vec![one],
        _ => Vec::new(),
    };
    list.into_iter().map(|s| s.trim().trim_matches(['<', '>']).to_owned()).filter(|s| !s.is_empty()).collect()
}

fn is_html(msg: &mail_parser::Message<'_>, part: u32) -> bool {
    msg.part(part).is_some_and(|p| matches!(p.body, mail_parser::PartType::Html(_)))
}

fn first_address(a: &Address<'_>) -> Option<String> {
    let addr = a.first()?;
    let email = addr.address().unwrap_or_default().trim();
    let name = addr.name().unwrap_or_default().trim();
    Some(match (name.is_empty(), email.is_empty()) {
        (false, false) => format!("{name} <{email}>"),
        (true, false) => email.to_owned(),
        (false, true) => name.to_owned(),
        (true, true) => return None,
    })
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{} KB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// `platform` for mail from a freelance platform, `rating` for its review and rating mail,
/// `newsletter` for mailing lists; `None` (direct) otherwise.
pub fn categorize(sender_domain: Option<&str>, subject: &str, body: &str, mailing_list: bool) -> Option<Category> {
    let platform = sender_domain.is_some_and(|d| PLATFORM_DOMAINS.iter().any(|p| d == *p || d.ends_with(&format!(".{p}"))));
    if platform {
        let subject = fold(subject);
        let opening: String = fold(&body.chars().take(600).collect::<String>());
        let rating = RATING_WORDS.iter().any(|w| subject.contains(w)) || RATING_WORDS.iter().filter(|w| opening.contains(*w)).count() >= 2;
        return Some(if rating { Category::Rating } else { Category::Platform });
    }
    mailing_list.then_some(Category::Newsletter)
}

/// What is stored for a message mail-parser could not read at all.
fn unreadable(raw: &[u8], key: String, received_at: DateTime<Utc>) -> Incoming {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(2_000)]).into_owned();
    // The text is whatever came, decoded lossily: split on ':' rather than slicing bytes, which
    // could cut a character in two (and panic).
    let header = |name: &str| {
        text.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned()))
    };
    Incoming {
        source_key: key,
        sender: header("From").unwrap_or_else(|| "(unknown sender)".into()),
        title: header("Subject").unwrap_or_else(|| "(unreadable message)".into()),
        body: format!("[Lull could not read this message's structure; here is its beginning as it came.]\n\n{text}"),
        url: None,
        category: None,
        sent_at: None,
        received_at,
        app: None,
        shown_by_source: false,
        silent: false,
        reply: None,
        mail: None,
        relay: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").expect("instant").with_timezone(&Utc)
    }

    /// Audit defect 7: a header line with a multi-byte character where the byte slicing fell
    /// panicked, and the connector fetched the same mail and panicked again, forever.
    #[test]
    fn an_unreadable_mail_with_any_bytes_is_kept_with_a_note() {
        let raw = "Féé: x\r\nFrom: Zoé <zoe@acme.example>\r\nSubject: Réunion\r\n\r\nbody".as_bytes();
        let m = unreadable(raw, "k".into(), now());
        assert_eq!((m.sender.as_str(), m.title.as_str()), ("Zoé <zoe@acme.example>", "Réunion"));
        assert!(m.body.starts_with("[Lull could not read"));
        // Every prefix of every byte string: no panic, ever.
        let nasty: Vec<u8> = [&b"\xff\xfe"[..], "Fróm:\u{1F600}: é\r\n".as_bytes(), b"\x00\x80Subject\xc3"].concat();
        for end in 0..=nasty.len() {
            let _ = unreadable(&nasty[..end], "k".into(), now());
            let _ = parse(&nasty[..end], false, now());
        }
    }

    #[test]
    fn what_a_mail_says_about_answering_it() {
        let raw = b"Return-Path: <Bounces+x@acme.com>\r\nFrom: Jane Doe <Jane@Acme.com>\r\nReply-To: Projects <projects@acme.com>\r\n\
To: Me <me@example.org>, Bob <bob@example.org>\r\nCc: team@acme.com\r\nMessage-ID: <m2@acme.com>\r\n\
References: <m0@acme.com> <m1@acme.com>\r\nAuto-Submitted: no\r\nPrecedence: list\r\nList-Help: <mailto:help@acme.com>\r\n\
Subject: Mockups\r\n\r\nHello\r\n";
        let facts = parse(raw, false, now()).mail.expect("mail facts");
        assert_eq!(facts.reply_to.as_deref(), Some("projects@acme.com"));
        assert_eq!(facts.return_path.as_deref(), Some("bounces+x@acme.com"));
        assert_eq!(facts.message_id.as_deref(), Some("m2@acme.com"));
        assert_eq!(facts.references, ["m0@acme.com", "m1@acme.com"]);
        assert_eq!(facts.recipients, ["me@example.org", "bob@example.org", "team@acme.com"]);
        assert_eq!(facts.auto_submitted.as_deref(), Some("no"));
        assert_eq!(facts.precedence.as_deref(), Some("list"));
        assert!(facts.list, "any List-* header");
        assert!(!facts.backlog);

        let bounce = b"Return-Path: <>\r\nFrom: MAILER-DAEMON@acme.com\r\nAuto-Submitted: auto-generated; type=bounce\r\nSubject: Undelivered\r\n\r\nx\r\n";
        let facts = parse(bounce, false, now()).mail.expect("mail facts");
        assert_eq!(facts.return_path.as_deref(), Some(""));
        assert_eq!(facts.auto_submitted.as_deref(), Some("auto-generated"));
        assert_eq!(facts.reply_to.as_deref(), Some("mailer-daemon@acme.com"));
        assert!(facts.recipients.is_empty() && !facts.list);
    }

    /// Message notifications as Upwork, Malt and Fiverr send them: the client's words, a direct
    /// message naming the person; the rest of their mail keeps its category.
    #[test]
    fn platform_relays_are_the_clients_messages() {
        let upwork = "From: Jane Doe via Upwork <room_4f1c2a9e0b7d@upwork.com>\r\nTo: me@example.org\r\n\
Subject: New message from Jane Doe in \"Logo redesign\"\r\nMessage-ID: <u1@upwork.com>\r\n\r\n\
Jane Doe sent you a message:\r\n\r\nCould we move the review to Thursday?\r\n\r\nReply to this email to respond.\r\n";
        let m = parse(upwork.as_bytes(), false, now());
        assert_eq!(m.relay.as_ref().map(|r| (r.platform.as_str(), r.person.as_str())), Some(("Upwork", "Jane Doe")));
        assert_eq!(m.category, None, "direct");
        let malt = "From: Malt <noreply@malt.fr>\r\nTo: me@example.org\r\nSubject: Nouveau message de =?UTF-8?Q?=C3=89lodie_Martin?=\r\n\
Message-ID: <m1@malt.fr>\r\n\r\nÉlodie Martin vous a envoyé un message sur Malt.\r\n";
        let m = parse(malt.as_bytes(), false, now());
        assert_eq!(m.relay.as_ref().map(|r| r.person.as_str()), Some("Élodie Martin"));
        assert_eq!(m.category, None);
        let fiverr = "From: Fiverr <no-reply@fiverr.com>\r\nTo: me@example.org\r\nSubject: You've received a message from jane_doe\r\n\r\nHi, jane_doe sent you a message.\r\n";
        let m = parse(fiverr.as_bytes(), false, now());
        assert_eq!(m.relay.as_ref().map(|r| r.person.as_str()), Some("jane_doe"));
        // The platform's other mail is still platform mail, or a rating.
        let digest = "From: Malt <noreply@malt.fr>\r\nSubject: Votre mission a été publiée\r\n\r\nBonne nouvelle.\r\n";
        let m = parse(digest.as_bytes(), false, now());
        assert_eq!((m.relay, m.category), (None, Some(Category::Platform)));
    }

    #[test]
    fn platforms_ratings_and_lists() {
        assert_eq!(categorize(Some("mail.malt.fr"), "Nouvelle mission : refonte", "", false), Some(Category::Platform));
        assert_eq!(categorize(Some("malt.fr"), "Laissez un avis à Acme", "", false), Some(Category::Rating));
        assert_eq!(categorize(Some("upwork.com"), "Jane left you a 5-star review", "", false), Some(Category::Rating));
        assert_eq!(
            categorize(Some("fiverr.com"), "Order #123", "Please rate your experience and leave feedback", false),
            Some(Category::Rating)
        );
        assert_eq!(categorize(Some("e.linkedin.com"), "Évaluez votre expérience", "", false), Some(Category::Rating));
        assert_eq!(categorize(Some("notmalt.fr"), "Avis", "", false), None);
        assert_eq!(categorize(Some("acme.com"), "Weekly digest", "", true), Some(Category::Newsletter));
        assert_eq!(categorize(Some("acme.com"), "Mockups", "", false), None);
    }

    #[test]
    fn a_message_without_structure_is_kept_with_a_note() {
        let m = parse(b"", false, now());
        assert!(m.body.contains("could not read"), "{m:?}");
        assert!(m.source_key.starts_with("sha256:"));
    }
}
