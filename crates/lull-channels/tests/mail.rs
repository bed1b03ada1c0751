//! Real-world MIME, including malformed messages: every fixture is read into something a
//! person can use, and none is dropped.

use chrono::{DateTime, Utc};
use lull_channels::mail;
use lull_core::model::Category;

fn read(name: &str) -> lull_core::Incoming {
    let raw = std::fs::read(format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    mail::parse(&raw, false, now())
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z").expect("instant").with_timezone(&Utc)
}

#[test]
fn encoded_words_quoted_printable_and_utf8() {
    let m = read("01-plain-qp-utf8.eml");
    assert_eq!(m.sender, "Jane Dürr <jane@acme.example>");
    assert_eq!(m.title, "Maquettes : dernière version");
    assert!(m.body.contains("dernière version des maquettes. Pouvez-vous y jeter un œil avant vendredi ?"), "{}", m.body);
    assert_eq!(m.source_key, "mid:20261126091500.A1@acme.example");
    assert_eq!(m.sent_at, Some(DateTime::parse_from_rfc3339("2026-11-26T09:15:00Z").expect("t").with_timezone(&Utc)));
    assert_eq!(m.category, None);
}

#[test]
fn html_only_mail_in_latin1_becomes_text() {
    let m = read("02-html-only-latin1.eml");
    assert_eq!(m.sender, "Bob Martin <bob@globex.example>");
    assert!(m.body.contains("Could you re-send invoice 2026-114 with the PO number?"), "{}", m.body);
    assert!(m.body.contains("bien reçu"), "{}", m.body);
    assert!(!m.body.contains('<') && !m.body.contains("color:red"), "{}", m.body);
}

#[test]
fn attachments_are_named_not_kept() {
    let m = read("03-multipart-attachment.eml");
    assert!(m.body.starts_with("See the attached report, with the new cover sheet."), "{}", m.body);
    assert!(m.body.contains("Attachments (not kept by Lull): tps-report.pdf (74 bytes)"), "{}", m.body);
    assert!(!m.body.contains("JVBERi0"), "the attachment's bytes are not in the text");
}

#[test]
fn platform_rating_and_newsletter_mail_is_categorised() {
    let rating = read("04-malt-rating-fr.eml");
    assert_eq!(rating.title, "Laissez un avis à Acme");
    assert_eq!(rating.category, Some(Category::Rating));
    assert_eq!(read("05-newsletter.eml").category, Some(Category::Newsletter));
}

#[test]
fn malformed_mail_is_kept_with_what_could_be_read() {
    let m = read("06-malformed-no-message-id.eml");
    assert_eq!(m.sender, "broken-mailer@umbrella.example");
    assert_eq!(m.title, "Broken MIME");
    assert!(m.source_key.starts_with("sha256:"), "no Message-ID: keyed by content");
    let again = read("06-malformed-no-message-id.eml");
    assert_eq!(m.source_key, again.source_key, "the same bytes give the same key");
    let fwd = read("07-forward-windows-1252.eml");
    assert_eq!(fwd.title, "Fwd: Café budget – final");
    assert!(fwd.body.starts_with("See below – the café budget."), "{}", fwd.body);
    // Truncated fetches say so.
    let raw = std::fs::read(format!("{}/tests/fixtures/mail/01-plain-qp-utf8.eml", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    assert!(mail::parse(&raw, true, now()).body.ends_with("[Lull read only the beginning of this large message.]"));
    // Garbage bytes still become a message.
    let junk = mail::parse(&[0xff, 0xfe, 0x00, 0x13, b'x'], false, now());
    assert!(!junk.title.is_empty() && !junk.sender.is_empty());
}

#[test]
fn deeply_nested_and_huge_messages_are_bounded() {
    // 200 levels of forwarded messages: the parser stops descending, the message is kept.
    let mut raw = String::from("Subject: innermost\r\nFrom: deep@nest.example\r\n\r\nbottom\r\n");
    for level in 0..200 {
        raw = format!("From: level{level}@nest.example\r\nSubject: level {level}\r\nContent-Type: message/rfc822\r\n\r\n{raw}");
    }
    let m = mail::parse(raw.as_bytes(), false, now());
    assert_eq!(m.title, "level 199");
    // A body far over the limit is cut, with a mark.
    let big = format!("From: big@acme.example\r\nSubject: big\r\n\r\n{}", "word ".repeat(50_000));
    let m = mail::parse(big.as_bytes(), false, now());
    assert!(m.body.chars().count() <= mail::MAX_BODY_CHARS + 1 && m.body.ends_with('…'), "{}", m.body.len());
}
