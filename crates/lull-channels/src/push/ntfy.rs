//! ntfy's publish API (<https://docs.ntfy.sh/publish/>): `POST {server}/{topic}` with the text
//! as the body and the headers `X-Title`, `X-Priority` (1–5), `X-Tags` and `X-Click`, and
//! `Authorization: Bearer` for a protected topic. HTTP header values are ASCII: a title with
//! other characters ("Réunion", an emoji) is sent as an RFC 2047 encoded word, which ntfy
//! decodes (since 2.4.0).

use std::sync::OnceLock;
use std::time::Duration;

use lull_core::phrase::Phrase;
use lull_core::push::NtfySettings;

use super::{Accepted, Push, PushError};

/// A push that takes longer than this is retried later.
const TIMEOUT: Duration = Duration::from_secs(15);

fn client() -> Result<&'static reqwest::Client, PushError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            crate::tls::install_provider();
            reqwest::Client::builder()
                .user_agent(concat!("Lull/", env!("CARGO_PKG_VERSION")))
                .timeout(TIMEOUT)
                .connect_timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PushError::Config(Phrase::new("connector.no_http").with("detail", e)))
}

/// An HTTP header value: as is when ASCII, else an RFC 2047 encoded word (base64 UTF-8).
pub(crate) fn header_text(s: &str) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.is_ascii() { one_line } else { format!("=?UTF-8?B?{}?=", base64(one_line.as_bytes())) }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(super) async fn publish(settings: &NtfySettings, token: Option<&str>, push: &Push) -> Result<Accepted, PushError> {
    let url = settings.publish_url();
    let target = settings.server.clone();
    let mut req = client()?
        .post(&url)
        .header("X-Title", header_text(&push.title))
        .header("X-Priority", push.priority.to_string())
        .body(push.body.clone());
    if !push.tags.is_empty() {
        req = req.header("X-Tags", push.tags.join(","));
    }
    if let Some(click) = &push.click {
        req = req.header("X-Click", header_text(click));
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let answer = req.send().await.map_err(|e| {
        if e.is_timeout() {
            PushError::Timeout { target: target.clone(), secs: TIMEOUT.as_secs() }
        } else {
            PushError::Unreachable { target: target.clone(), detail: crate::error_chain(&e.without_url()) }
        }
    })?;
    let status = answer.status();
    let body: String = answer.text().await.unwrap_or_default().chars().take(300).collect();
    if status.is_success() {
        // ntfy answers with the message as JSON; its id is what its logs know it by.
        let id = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|v| v["id"].as_str().map(str::to_owned));
        let detail = match id {
            Some(id) => format!("{} {}, id {id}", status.as_u16(), status.canonical_reason().unwrap_or("")),
            None => format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("")),
        };
        return Ok(Accepted { detail });
    }
    let body = body.trim().to_owned();
    let status = status.as_u16();
    // 408 and 429 say "later"; other 4xx say "never" (a wrong token, a forbidden topic).
    if (400..500).contains(&status) && status != 408 && status != 429 {
        Err(PushError::Refused { target, status, body })
    } else {
        Err(PushError::Status { target, status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_stay_ascii() {
        assert_eq!(header_text("Acme · Jane"), "=?UTF-8?B?QWNtZSDCtyBKYW5l?=");
        assert_eq!(header_text("Plain title"), "Plain title");
        assert_eq!(header_text("two\nlines"), "two lines");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"M"), "TQ==");
        assert_eq!(base64(b""), "");
    }
}
