//! The webhook channel's payload: `POST /hooks/<channel>` with a JSON object
//! `{"id", "from", "title", "body", "url"?, "sent_at"?, "category"?}`.
//!
//! Parsing is strict about what it cannot guess and says exactly what is wrong, field by field,
//! so the sender can fix the request; a rejected request changes nothing, and the sender still
//! has the message to send again. The HTTP side (routes, tokens, limits) lives in the engine's
//! server.

use chrono::{DateTime, Utc};
use lull_core::Incoming;
pub use lull_core::channel::WebhookSettings;
use lull_core::channel::{ChannelKind, ChannelSettings, WebhookPreset};
use lull_core::model::Category;
use lull_core::phrase::{Phrase, Said};
use serde_json::{Map, Value};

use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, Start};
use crate::mapping::Mapping;

/// The webhook kind: its settings are a [`WebhookSettings`]. Nothing runs: the engine's server
/// receives `POST /hooks/<name>` with the channel's bearer token and reads the payload with
/// [`read`].
#[derive(Debug)]
pub struct Webhook;

impl Kind for Webhook {
    type Settings = WebhookSettings;
    const KIND: ChannelKind = ChannelKind::Webhook;
    const RECEIVES: bool = true;

    fn settings(settings: &ChannelSettings) -> Option<&WebhookSettings> {
        match settings {
            ChannelSettings::Webhook(s) => Some(s),
            _ => None,
        }
    }
    fn wrap(settings: WebhookSettings) -> ChannelSettings {
        ChannelSettings::Webhook(settings)
    }
    fn validate(settings: WebhookSettings) -> Result<WebhookSettings, Invalid> {
        let map: Vec<String> = settings.map.iter().map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
        let settings = WebhookSettings { map, ..settings };
        Mapping::from_settings(&settings).map_err(|e| Invalid::new("map", e.0))?;
        Ok(settings)
    }
    fn describe(name: &str, settings: &WebhookSettings) -> Phrase {
        let phrase = match (&settings.preset, settings.map.len()) {
            (None, 0) => Phrase::new("about.webhook"),
            (Some(_), 0) => Phrase::new("about.webhook.preset"),
            (Some(_), _) => Phrase::new("about.webhook.preset_mapped"),
            (None, _) => Phrase::new("about.webhook.mapped"),
        };
        phrase.with("name", name).with("preset", settings.preset.map(|p| p.as_str()).unwrap_or_default()).with("count", settings.map.len())
    }
    fn presets() -> Vec<WebhookPreset> {
        WebhookPreset::ALL.to_vec()
    }
    fn check(settings: WebhookSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        let mut steps = vec![Phrase::new("check.webhook.receives").with("url", format!("{}hooks/{}", ctx.server_url, ctx.name))];
        if let Ok(Some(m)) = Mapping::from_settings(&settings) {
            steps.extend(m.describe().into_iter().map(|(f, s)| Phrase::new("check.webhook.field").with("field", f).with("sources", s)));
        }
        Box::pin(std::future::ready(Checked { steps, outcome: Ok(Phrase::new("check.webhook.ready")) }))
    }
    fn start(_: WebhookSettings, _: RunContext) -> Option<Start> {
        None
    }
}

/// A payload read: the message, and what was left out of it and why (a link that was not
/// safe to open is dropped, the message kept), for the sender's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub incoming: Incoming,
    pub notes: Vec<Phrase>,
}

/// Reads a payload posted to a webhook channel with `settings`: through its mapping, or as
/// Lull's own format. `header` looks up a request header by its lower-case name.
pub fn read(
    settings: &WebhookSettings,
    body: &[u8],
    header: &dyn Fn(&str) -> Option<String>,
    received_at: DateTime<Utc>,
) -> Result<Read, PayloadError> {
    match Mapping::from_settings(settings) {
        Ok(Some(mapping)) => mapping.read(body, header, received_at),
        Ok(None) => parse(body, received_at),
        Err(e) => Err(PayloadError(Phrase::new("webhook.mapping_damaged").with_phrase("detail", e.0))),
    }
}

/// Limits on a webhook message's fields, in characters.
pub const MAX_ID_LEN: usize = 256;
pub const MAX_FROM_LEN: usize = 512;
pub const MAX_TITLE_LEN: usize = 1_000;
pub const MAX_URL_LEN: usize = 4_096;

/// Why a payload was rejected; meant for the person configuring the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError(pub Phrase);

impl Said for PayloadError {
    fn phrase(&self) -> Phrase {
        self.0.clone()
    }
}
lull_words::english_error!(PayloadError);

fn err(phrase: Phrase) -> PayloadError {
    PayloadError(phrase)
}

/// Reads a webhook body into an [`Incoming`] received at `received_at`.
pub fn parse(body: &[u8], received_at: DateTime<Utc>) -> Result<Read, PayloadError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() && body.iter().all(u8::is_ascii_whitespace) {
            err(Phrase::new("webhook.empty_body"))
        } else {
            err(Phrase::new("webhook.not_json").with("detail", e))
        }
    })?;
    let Value::Object(obj) = value else {
        return Err(err(Phrase::new("webhook.not_an_object").with("type", kind(&value))));
    };
    let id = match obj.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(_)) => return Err(err(Phrase::new("webhook.empty_id"))),
        Some(other) => return Err(err(Phrase::new("webhook.bad_id").with("type", kind(other)))),
        None => return Err(err(Phrase::new("webhook.no_id"))),
    };
    check_len("id", &id, MAX_ID_LEN)?;
    let from = required_string(&obj, "from")?;
    check_len("from", &from, MAX_FROM_LEN)?;
    let title = optional_string(&obj, "title")?.unwrap_or_default();
    check_len("title", &title, MAX_TITLE_LEN)?;
    let body = optional_string(&obj, "body")?.unwrap_or_default();
    if title.trim().is_empty() && body.trim().is_empty() {
        return Err(err(Phrase::new("webhook.no_text")));
    }
    let mut notes = Vec::new();
    let url = optional_string(&obj, "url")?.filter(|u| !u.trim().is_empty()).and_then(|u| keep_url(&u, &mut notes));
    let sent_at = optional_string(&obj, "sent_at")?
        .map(|s| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| err(Phrase::new("webhook.bad_time").with("detail", e)))
        })
        .transpose()?;
    let category = optional_string(&obj, "category")?.map(|c| c.parse::<Category>().map_err(|e| err(e.phrase()))).transpose()?;
    let incoming = Incoming {
        source_key: id,
        sender: from.trim().to_owned(),
        title,
        body,
        url,
        category,
        sent_at,
        received_at,
        app: None,
        shown_by_source: false,
        silent: false,
        reply: None,
        mail: None,
        relay: None,
    };
    Ok(Read { incoming, notes })
}

/// The link to keep with a message: only one a person can safely open (web and mail) and of a
/// sane length. Any other is dropped, with a note saying why: the message itself still counts.
pub(crate) fn keep_url(u: &str, notes: &mut Vec<Phrase>) -> Option<String> {
    let u = u.trim();
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")) {
        notes.push(Phrase::new("webhook.url_dropped").with("url", format!("{:?}", truncate(u, 60))));
        return None;
    }
    let len = u.chars().count();
    if len > MAX_URL_LEN {
        notes.push(Phrase::new("webhook.url_too_long").with("len", len).with("max", MAX_URL_LEN));
        return None;
    }
    Some(u.to_owned())
}

/// A JSON value's type, as a reference the words translate (`@json.boolean`).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "@json.null",
        Value::Bool(_) => "@json.boolean",
        Value::Number(_) => "@json.number",
        Value::String(_) => "@json.string",
        Value::Array(_) => "@json.array",
        Value::Object(_) => "@json.object",
    }
}

fn required_string(obj: &Map<String, Value>, field: &str) -> Result<String, PayloadError> {
    match optional_string(obj, field)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        Some(_) => Err(err(Phrase::new("webhook.empty_field").with("field", field))),
        None => Err(err(Phrase::new("webhook.missing_field").with("field", field))),
    }
}

fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, PayloadError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(err(Phrase::new("webhook.not_a_string").with("field", field).with("type", kind(other)))),
    }
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), PayloadError> {
    let n = value.chars().count();
    if n > max {
        return Err(err(Phrase::new("webhook.too_long").with("field", field).with("length", n).with("max", max)));
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").expect("instant").with_timezone(&Utc)
    }

    fn rejects(body: &str) -> String {
        lull_words::english().phrase(&parse(body.as_bytes(), now()).expect_err(body).0)
    }

    #[test]
    fn an_unsafe_or_oversized_link_is_dropped_and_the_message_kept() {
        for (url, note) in [
            ("javascript:alert(1)", "\"url\" was left out: it must start with https://, http:// or mailto:, got \"javascript:alert(1)\""),
            ("file:///etc/passwd", "got \"file:///etc/passwd\""),
            ("  JaVaScRiPt:alert(1)", "got \"JaVaScRiPt:alert(1)\""),
        ] {
            let body = serde_json::json!({"id": "1", "from": "Jane", "title": "Invoice", "url": url}).to_string();
            let read = parse(body.as_bytes(), now()).expect("the message is kept");
            assert_eq!(read.incoming.title, "Invoice");
            assert_eq!(read.incoming.url, None, "{url}");
            let said: Vec<String> = read.notes.iter().map(|n| lull_words::english().phrase(n)).collect();
            assert!(said.iter().any(|s| s.contains(note)), "{url}: {said:?}");
        }
        let long = format!("https://acme.example/{}", "x".repeat(MAX_URL_LEN));
        let body = serde_json::json!({"id": "1", "from": "Jane", "title": "Invoice", "url": long}).to_string();
        let read = parse(body.as_bytes(), now()).expect("the message is kept");
        assert_eq!(read.incoming.url, None);
        assert!(lull_words::english().phrase(&read.notes[0]).contains("longer than 4096 characters"), "{:?}", read.notes);
        let fine = parse(br#"{"id":"1","from":"Jane","title":"t","url":" https://acme.example/t/1 "}"#, now()).expect("valid");
        assert_eq!(fine.incoming.url.as_deref(), Some("https://acme.example/t/1"));
        assert!(fine.notes.is_empty());
    }

    #[test]
    fn a_complete_payload_becomes_an_incoming_message() {
        let m = parse(
            br#"{"id": 42, "from": "Jane <jane@acme.com>", "title": "Hi", "body": "Text", "url": "https://acme.com/t/1",
                 "sent_at": "2026-11-26T10:15:00+01:00", "category": "mention", "extra": true}"#,
            now(),
        )
        .expect("valid")
        .incoming;
        assert_eq!(m.source_key, "42");
        assert_eq!(m.category, Some(Category::Mention));
        assert_eq!(m.sent_at.map(|t| t.to_rfc3339()), Some("2026-11-26T09:15:00+00:00".into()));
        assert_eq!(m.received_at, now());
    }

    #[test]
    fn every_malformed_field_is_named() {
        assert!(rejects("").contains("empty"));
        assert!(rejects("{not json").contains("not valid JSON"));
        assert!(rejects("[1]").contains("must be a JSON object, not an array"));
        assert!(rejects(r#"{"from":"a","title":"t"}"#).contains("\"id\" is missing"));
        assert!(rejects(r#"{"id":"1","title":"t"}"#).contains("\"from\" is missing"));
        assert!(rejects(r#"{"id":true,"from":"a","title":"t"}"#).contains("\"id\" must be a string or a number, not a boolean"));
        assert!(rejects(r#"{"id":"1","from":"a"}"#).contains("both missing or empty"));
        assert!(rejects(r#"{"id":"1","from":"a","title":"t","sent_at":"yesterday"}"#).contains("RFC 3339"));
        assert!(rejects(r#"{"id":"1","from":"a","title":"t","category":"spam"}"#).contains("unknown category"));
        assert!(rejects(r#"{"id":"1","from":"a","title":5}"#).contains("\"title\" must be a string, not a number"));
        let long = format!(r#"{{"id":"1","from":"a","title":"{}"}}"#, "x".repeat(1001));
        assert!(rejects(&long).contains("1001 characters"));
        assert!(parse(b"\xff\xfe{}", now()).is_err());
    }
}
