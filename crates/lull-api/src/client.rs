//! The client of a running engine: typed requests over its loopback HTTP API with the API
//! token, its errors decoded, and its live events. The `lull` command and the desktop window
//! both use it.
//!
//! It talks to loopback addresses only, never through a proxy from the environment and without
//! TLS: the engine listens on 127.0.0.1 or ::1, and a proxy would see the token.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use lull_core::phrase::{Phrase, Said};

use crate::call::{Call, Request, Response};
use crate::error::{ApiError, ErrorCode};
use crate::events::EngineEvent;
use crate::lock;
use crate::paths::DataDir;

/// How long a request may take before the engine counts as not answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A running engine's API.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `http://127.0.0.1:7707/`, with the trailing slash.
    base: String,
    token: String,
}

impl Client {
    /// A client of the engine at `base` (its URL as the lock file gives it), with the API
    /// token. Refuses an address that is not on this machine.
    pub fn new(base: &str, token: &str) -> Result<Client, ApiError> {
        if !is_loopback_url(base) {
            return Err(ApiError::new(ErrorCode::Unavailable, Phrase::new("client.not_loopback").with("base", base)));
        }
        // Loopback HTTP only: no proxy from the environment, no root certificates to load.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| ApiError::new(ErrorCode::Internal, Phrase::new("client.no_http").with("detail", e)))?;
        let base = if base.ends_with('/') { base.to_owned() } else { format!("{base}/") };
        Ok(Client { http, base, token: token.to_owned() })
    }

    /// The engine running on `dir`, if one serves it.
    pub fn of_running_engine(dir: &DataDir) -> Result<Option<Client>, ApiError> {
        let holder = lock::current_holder(dir.root()).map_err(|e| ApiError::new(ErrorCode::Unavailable, e.phrase()))?;
        let Some(url) = holder.and_then(|h| h.url) else { return Ok(None) };
        let token = dir.api_token().map_err(|e| ApiError::new(ErrorCode::Unavailable, e.phrase()))?;
        Client::new(&url, &token).map(Some)
    }

    /// Where the engine listens.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// The API token this client sends.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether `e` says the request never reached an engine (nothing accepted the connection),
    /// so it is safe to send again.
    pub fn never_reached(e: &ApiError) -> bool {
        e.problem.code == "client.not_listening"
    }

    /// Sends one request and gets its own answer.
    pub async fn call<C: Call>(&self, call: C) -> Result<C::Answer, ApiError> {
        let response = self.send(&call.into()).await?;
        C::take(response).map_err(|other| unexpected(&self.base, &other))
    }

    /// Sends a request as it came (the desktop window relays the UI's requests).
    pub async fn send(&self, request: &Request) -> Result<Response, ApiError> {
        let resp = self
            .http
            .post(format!("{}api", self.base))
            .bearer_auth(&self.token)
            .timeout(REQUEST_TIMEOUT)
            .json(request)
            .send()
            .await
            .map_err(|e| if e.is_connect() { not_listening(&self.base, &e) } else { not_answering(&self.base, &e) })?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| not_answering(&self.base, &e))?;
        decode(&self.base, status.as_u16(), &body)
    }

    /// The engine's live events, until the engine stops or the connection drops. Events a slow
    /// reader missed are skipped (the engine says how many; listeners refetch on the next one).
    pub async fn events(&self) -> Result<impl Stream<Item = EngineEvent> + Send + 'static, ApiError> {
        let resp = self
            .http
            .get(format!("{}api/events", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| not_answering(&self.base, &e))?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body = resp.bytes().await.unwrap_or_default();
            return Err(decode(&self.base, status, &body).err().unwrap_or_else(|| unexpected_status(&self.base, status)));
        }
        let mut parser = SseParser::default();
        Ok(resp.bytes_stream().take_while(|chunk| std::future::ready(chunk.is_ok())).flat_map(move |chunk| {
            let events: Vec<EngineEvent> = match chunk {
                Ok(bytes) => parser
                    .push(&String::from_utf8_lossy(&bytes))
                    .into_iter()
                    .filter(|(name, _)| name == "engine")
                    .filter_map(|(_, data)| serde_json::from_str(&data).ok())
                    .collect(),
                Err(_) => Vec::new(),
            };
            futures_util::stream::iter(events)
        }))
    }
}

/// Whether `url` is `http://` to a loopback address.
fn is_loopback_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else { return false };
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An answer body as the API's answer, or its error.
fn decode(base: &str, status: u16, body: &[u8]) -> Result<Response, ApiError> {
    if (200..300).contains(&status) {
        return serde_json::from_slice(body)
            .map_err(|e| ApiError::new(ErrorCode::Internal, Phrase::new("client.unreadable_answer").with("base", base).with("detail", e)));
    }
    #[derive(serde::Deserialize)]
    struct Body {
        error: ApiError,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => Err(b.error),
        Err(_) => Err(unexpected_status(base, status)),
    }
}

fn unexpected_status(base: &str, status: u16) -> ApiError {
    ApiError::new(ApiError::code_of_status(status), Phrase::new("client.http_status").with("base", base).with("status", status))
}

/// Nothing accepted the connection: the request was never sent, so sending it again (to the
/// engine that holds the directory next) cannot do it twice.
fn not_listening(base: &str, e: &reqwest::Error) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, Phrase::new("client.not_listening").with("base", base).with("detail", e))
}

fn not_answering(base: &str, e: &reqwest::Error) -> ApiError {
    ApiError::new(ErrorCode::Unavailable, Phrase::new("client.not_answering").with("base", base).with("detail", e))
}

fn unexpected(base: &str, response: &Response) -> ApiError {
    let kind = serde_json::to_value(response).ok().and_then(|v| v["type"].as_str().map(str::to_owned)).unwrap_or_default();
    ApiError::new(ErrorCode::Internal, Phrase::new("client.wrong_answer").with("base", base).with("kind", kind))
}

/// Server-sent events from a byte stream cut anywhere: `event:` and `data:` lines, a blank line
/// ending each event.
#[derive(Debug, Default)]
struct SseParser {
    buffer: String,
    event: String,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds a chunk; returns the events it completed, as `(name, data)`.
    fn push(&mut self, chunk: &str) -> Vec<(String, String)> {
        self.buffer.push_str(chunk);
        let mut out = Vec::new();
        while let Some(end) = self.buffer.find('\n') {
            let line = self.buffer[..end].trim_end_matches('\r').to_owned();
            self.buffer.drain(..=end);
            if line.is_empty() {
                if !self.data.is_empty() {
                    let name = if self.event.is_empty() { "message".to_owned() } else { std::mem::take(&mut self.event) };
                    out.push((name, self.data.join("\n")));
                }
                self.event.clear();
                self.data.clear();
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').map_or((line.as_str(), ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => value.clone_into(&mut self.event),
                "data" => self.data.push(value.to_owned()),
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_are_accepted() {
        for ok in ["http://127.0.0.1:7707/", "http://[::1]:7707/", "http://localhost:7707", "http://127.0.0.2:1/"] {
            assert!(is_loopback_url(ok), "{ok}");
        }
        for bad in ["https://127.0.0.1:7707/", "http://192.168.1.4:7707/", "http://evil.example/", "http://[::2]:1/", "127.0.0.1:7707"] {
            assert!(!is_loopback_url(bad), "{bad}");
        }
        assert!(Client::new("http://10.0.0.1:7707/", "t").is_err());
    }

    #[test]
    fn events_are_read_across_chunk_boundaries() {
        let mut p = SseParser::default();
        assert!(p.push("event: eng").is_empty());
        assert!(p.push("ine\ndata: {\"type\":").is_empty());
        let got = p.push("\"clients_changed\"}\n\n: keep-alive\n\nevent: lagged\r\ndata: 3\r\n\r\n");
        assert_eq!(got, [("engine".to_owned(), "{\"type\":\"clients_changed\"}".to_owned()), ("lagged".to_owned(), "3".to_owned())]);
        let event: EngineEvent = serde_json::from_str(&got[0].1).expect("event");
        assert_eq!(event, EngineEvent::ClientsChanged);
    }

    #[test]
    fn errors_are_the_engines_own_or_say_what_answered() {
        let err = decode("http://127.0.0.1:1/", 404, br#"{"error": {"code": "not_found", "message": "no client named \"X\""}}"#)
            .expect_err("404");
        assert_eq!((err.code, err.message.as_str()), (ErrorCode::NotFound, "no client named \"X\""));
        let err = decode("http://127.0.0.1:1/", 502, b"<html>bad gateway</html>").expect_err("502");
        assert_eq!(err.code, ErrorCode::Unavailable);
        assert!(err.message.contains("HTTP 502"), "{}", err.message);
        assert_eq!(decode("http://127.0.0.1:1/", 200, br#"{"type": "ok"}"#), Ok(Response::Ok));
    }
}
