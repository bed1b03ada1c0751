//! Mapped webhooks: any JSON payload (n8n, Zapier, Make, GitHub, GitLab, Jira, a platform's own
//! webhooks) read through a per-channel mapping of JSON pointers, so a service enters Lull
//! without code.
//!
//! A mapping names, for each field of a message, one or more places to look: JSON pointers
//! (RFC 6901, `/issue/title`) tried in order, or `header:NAME` for a request header (GitHub's
//! delivery id). `lull channel add webhook NAME --map title=/issue/title|/pull_request/title`
//! writes one; presets carry the mappings of a few common senders, taken from their documented
//! payloads. Without an id, a message's id is a hash of the payload, so a sender's retry of the
//! same delivery is still stored once.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use lull_core::Incoming;
use lull_core::channel::{WebhookPreset, WebhookSettings};
use lull_core::model::Category;
use lull_core::phrase::{Phrase, Said};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::webhook::{MAX_FROM_LEN, MAX_ID_LEN, MAX_TITLE_LEN, PayloadError, Read, keep_url};

/// The fields a mapping can fill.
pub const FIELDS: [&str; 7] = ["id", "from", "title", "body", "url", "time", "category"];

/// Where to find each field of a message in a payload: a webhook's [`WebhookSettings`] read
/// and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// A preset whose mapping applies under the explicit fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<WebhookPreset>,
    /// Field name → sources, as written (`/a/b|/c|header:X-Id`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Sources>,
}

/// One or more places to read a field from, tried in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources(Vec<Source>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Pointer(String),
    Header(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError(pub Phrase);

impl Said for MappingError {
    fn phrase(&self) -> Phrase {
        self.0.clone()
    }
}
lull_words::english_error!(MappingError);

impl FromStr for Sources {
    type Err = MappingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let sources = s
            .split('|')
            .map(|part| {
                let part = part.trim();
                if let Some(name) = part.strip_prefix("header:") {
                    let name = name.trim();
                    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                        return Err(MappingError(Phrase::new("mapping.bad_header").with("part", format!("{part:?}"))));
                    }
                    Ok(Source::Header(name.to_ascii_lowercase()))
                } else if part.starts_with('/') {
                    Ok(Source::Pointer(part.to_owned()))
                } else {
                    Err(MappingError(Phrase::new("mapping.not_a_pointer").with("part", format!("{part:?}"))))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sources(sources))
    }
}

impl fmt::Display for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            match s {
                Source::Pointer(p) => f.write_str(p)?,
                Source::Header(h) => write!(f, "header:{h}")?,
            }
        }
        Ok(())
    }
}

impl Serialize for Sources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for Sources {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A sender whose documented webhook payloads Lull knows: where each field is in them.
#[derive(Debug)]
pub struct Preset {
    pub name: WebhookPreset,
    pub about: &'static str,
    fields: &'static [(&'static str, &'static str)],
}

/// The presets, documented in the README. Each was written from the sender's documented payload
/// format and is tested with such payloads.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: WebhookPreset::Github,
        about: "GitHub repository webhooks (issues, comments, pull requests, reviews, discussions)",
        fields: &[
            ("id", "header:X-GitHub-Delivery"),
            ("from", "/comment/user/login|/review/user/login|/sender/login"),
            ("title", "/issue/title|/pull_request/title|/discussion/title|/repository/full_name"),
            ("body", "/comment/body|/review/body|/issue/body|/pull_request/body|/discussion/body|/action"),
            ("url", "/comment/html_url|/review/html_url|/issue/html_url|/pull_request/html_url|/discussion/html_url"),
            ("time", "/comment/updated_at|/review/submitted_at|/issue/updated_at|/pull_request/updated_at"),
        ],
    },
    Preset {
        name: WebhookPreset::Gitlab,
        about: "GitLab project webhooks (issue, note, merge request events)",
        fields: &[
            ("id", "header:X-Gitlab-Event-UUID"),
            ("from", "/user/email|/user/username|/user/name"),
            ("title", "/object_attributes/title|/issue/title|/merge_request/title|/project/path_with_namespace"),
            ("body", "/object_attributes/note|/object_attributes/description|/object_kind"),
            ("url", "/object_attributes/url"),
            ("time", "/object_attributes/updated_at|/object_attributes/created_at"),
        ],
    },
    Preset {
        name: WebhookPreset::Jira,
        about: "Jira Cloud webhooks (issue and comment events)",
        fields: &[
            ("from", "/comment/author/emailAddress|/user/emailAddress|/comment/author/displayName|/user/displayName"),
            ("title", "/issue/fields/summary|/issue/key"),
            ("body", "/comment/body|/issue/fields/description|/webhookEvent"),
            ("time", "/timestamp"),
        ],
    },
];

pub fn preset(name: WebhookPreset) -> &'static Preset {
    match PRESETS.iter().find(|p| p.name == name) {
        Some(p) => p,
        // Every preset has its fields: `every_preset_has_its_fields` checks it.
        None => unreachable!("preset {name} has no fields in PRESETS"),
    }
}

impl Mapping {
    /// A webhook's settings read: `None` when it reads Lull's own payload format.
    pub fn from_settings(settings: &WebhookSettings) -> Result<Option<Mapping>, MappingError> {
        if settings.preset.is_none() && settings.map.is_empty() {
            return Ok(None);
        }
        Mapping::new(settings.preset, &settings.map).map(Some)
    }

    /// Builds a mapping from `FIELD=SOURCES` pairs and an optional preset, checking each.
    pub fn new(preset: Option<WebhookPreset>, pairs: &[String]) -> Result<Mapping, MappingError> {
        let mut fields = BTreeMap::new();
        for pair in pairs {
            let Some((field, sources)) = pair.split_once('=') else {
                return Err(MappingError(Phrase::new("mapping.not_a_pair").with("pair", format!("{pair:?}"))));
            };
            let field = field.trim().to_ascii_lowercase();
            if !FIELDS.contains(&field.as_str()) {
                return Err(MappingError(
                    Phrase::new("mapping.unknown_field").with("field", format!("{field:?}")).with("fields", FIELDS.join(", ")),
                ));
            }
            fields.insert(field, sources.parse()?);
        }
        let mapping = Mapping { preset, fields };
        if mapping.sources("from").is_none() {
            return Err(MappingError(Phrase::new("mapping.no_from")));
        }
        if mapping.sources("title").is_none() && mapping.sources("body").is_none() {
            return Err(MappingError(Phrase::new("mapping.no_text")));
        }
        Ok(mapping)
    }

    /// Whether this mapping does anything (a webhook without one reads Lull's own format).
    pub fn is_empty(&self) -> bool {
        self.preset.is_none() && self.fields.is_empty()
    }

    fn sources(&self, field: &str) -> Option<Sources> {
        if let Some(s) = self.fields.get(field) {
            return Some(s.clone());
        }
        let preset = preset(self.preset?);
        let (_, raw) = preset.fields.iter().find(|(f, _)| *f == field)?;
        raw.parse().ok()
    }

    /// The effective mapping, field by field, for display.
    pub fn describe(&self) -> Vec<(String, String)> {
        FIELDS.iter().filter_map(|f| self.sources(f).map(|s| ((*f).to_owned(), s.to_string()))).collect()
    }

    /// Reads a payload through the mapping; `header` looks up a request header by its
    /// lower-case name.
    pub fn read(&self, body: &[u8], header: &dyn Fn(&str) -> Option<String>, received_at: DateTime<Utc>) -> Result<Read, PayloadError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| PayloadError(Phrase::new("webhook.not_json").with("detail", e)))?;
        let get = |field: &str| -> Option<String> {
            let sources = self.sources(field)?;
            sources.0.iter().find_map(|s| match s {
                Source::Pointer(p) => value.pointer(p).and_then(scalar_text),
                Source::Header(h) => header(h).filter(|v| !v.trim().is_empty()),
            })
        };
        let missing = |field: &str| {
            let tried = self.sources(field).map(|s| s.to_string()).unwrap_or_default();
            PayloadError(Phrase::new("mapping.not_found").with("field", field).with("tried", tried))
        };
        let id = match get("id") {
            Some(id) => id,
            None if self.sources("id").is_some() && self.fields.contains_key("id") => return Err(missing("id")),
            // No id in the payload: the same delivery sent twice has the same hash.
            None => format!("sha256:{}", crate::hex_sha256(body)),
        };
        let from = get("from").ok_or_else(|| missing("from"))?;
        let title = get("title").unwrap_or_default();
        let body_text = get("body").unwrap_or_default();
        if title.trim().is_empty() && body_text.trim().is_empty() {
            return Err(missing(if self.sources("title").is_some() { "title" } else { "body" }));
        }
        let mut notes = Vec::new();
        let url = get("url").and_then(|u| keep_url(&u, &mut notes));
        let sent_at = get("time").and_then(|t| parse_time(&t));
        let category = get("category").and_then(|c| c.parse::<Category>().ok());
        let incoming = Incoming {
            source_key: clip(&id, MAX_ID_LEN),
            sender: clip(from.trim(), MAX_FROM_LEN),
            title: clip(title.trim(), MAX_TITLE_LEN),
            body: body_text,
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
}

/// A JSON value as text, when it is a scalar worth showing.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Times as senders write them: RFC 3339, `2026-11-26 10:15:00 UTC` (GitLab), or Unix seconds
/// or milliseconds (Jira). An unreadable time is dropped, not an error: it is informative only.
fn parse_time(t: &str) -> Option<DateTime<Utc>> {
    let t = t.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = t.parse::<i64>() {
        return if n > 100_000_000_000 { Utc.timestamp_millis_opt(n).single() } else { Utc.timestamp_opt(n, 0).single() };
    }
    let naive = t.strip_suffix(" UTC").unwrap_or(t);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S").ok().map(|n| n.and_utc())
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { s.chars().take(max - 1).chain(['…']).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z").expect("instant").with_timezone(&Utc)
    }

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn pointers_are_tried_in_order_and_checked_when_written() {
        let m = Mapping::new(None, &["from=/who/email|/who/name".into(), "title=/subject".into(), "id=/n".into()]).expect("mapping");
        let got = m.read(br#"{"n": 7, "who": {"name": "Jane"}, "subject": "Hi"}"#, &no_headers, now()).expect("read").incoming;
        assert_eq!((got.source_key.as_str(), got.sender.as_str(), got.title.as_str()), ("7", "Jane", "Hi"));
        let e = m.read(br#"{"who": {"name": "Jane"}, "subject": "Hi"}"#, &no_headers, now()).expect_err("no id");
        let e = lull_words::english().phrase(&e.0);
        assert!(e.contains("\"id\" was not found") && e.contains("/n"), "{e}");
        let said = |e: MappingError| lull_words::english().phrase(&e.0);
        assert!(
            said(Mapping::new(None, &["title=issue.title".into(), "from=/a".into()]).expect_err("not a pointer"))
                .contains("start it with '/'")
        );
        assert!(said(Mapping::new(None, &["subject=/a".into()]).expect_err("field")).contains("not a field"));
        assert!(said(Mapping::new(None, &["title=/a".into()]).expect_err("no from")).contains("from="));
        assert!("zapier-x".parse::<WebhookPreset>().expect_err("preset").to_string().contains("github"));
    }

    #[test]
    fn without_an_id_the_same_payload_has_the_same_key() {
        let m = Mapping::new(None, &["from=/from".into(), "body=/text".into()]).expect("mapping");
        let a = m.read(br#"{"from": "n8n", "text": "Build failed"}"#, &no_headers, now()).expect("a").incoming;
        let b = m.read(br#"{"from": "n8n", "text": "Build failed"}"#, &no_headers, now()).expect("b").incoming;
        let c = m.read(br#"{"from": "n8n", "text": "Build fixed"}"#, &no_headers, now()).expect("c").incoming;
        assert_eq!(a.source_key, b.source_key);
        assert_ne!(a.source_key, c.source_key);
    }

    #[test]
    fn times_in_the_formats_senders_use() {
        let expect = DateTime::parse_from_rfc3339("2026-11-26T09:15:00Z").expect("t").with_timezone(&Utc);
        for t in ["2026-11-26T10:15:00+01:00", "2026-11-26 09:15:00 UTC", "1795684500", "1795684500000"] {
            assert_eq!(parse_time(t), Some(expect), "{t}");
        }
        assert_eq!(parse_time("tomorrow"), None);
    }

    #[test]
    fn every_preset_has_its_fields() {
        for p in WebhookPreset::ALL {
            assert!(!preset(*p).fields.is_empty(), "{p}");
        }
    }

    #[test]
    fn mappings_round_trip_through_settings() {
        let m = Mapping::new(Some(WebhookPreset::Github), &["from=/sender/login|header:X-User".into()]).expect("mapping");
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["fields"]["from"], "/sender/login|header:x-user");
        assert_eq!(serde_json::from_value::<Mapping>(json).expect("back"), m);
        assert!(m.describe().iter().any(|(f, s)| f == "id" && s == "header:x-github-delivery"));
    }
}
