//! A stand-in for an [ntfy](https://docs.ntfy.sh/publish/) server, built from its documented
//! publish API: `POST /{topic}` with the message as the body and `X-Title` (or `Title`, `t`),
//! `X-Priority` (1–5, or min/low/default/high/max), `X-Tags`, `X-Click`, RFC 2047 encoded
//! words in the text headers, `Authorization: Bearer` for a protected topic (403 without it,
//! 401 with a wrong one), and the published message as JSON in the answer. Faults can be
//! queued to prove a sender's retries: an error status, a request left hanging, the server
//! gone (connection refused), or the sender killed while its push is in flight.
//!
//! No real ntfy server can run here (it is not packaged for Debian 12 and nothing may be
//! downloaded), so this is the peer the push tests speak to. It binds 127.0.0.1 only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One message as the server accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub topic: String,
    pub title: Option<String>,
    pub message: String,
    pub priority: u8,
    pub tags: Vec<String>,
    pub click: Option<String>,
}

/// What the next request meets instead of a normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status (e.g. 500, 429) and publish nothing.
    Status(u16),
    /// Keep the request open without answering, for this long.
    Hang(Duration),
    /// SIGKILL this process before publishing: the sender dies with its push unsent.
    KillBefore(u32),
    /// Publish, then SIGKILL this process before answering: the push arrived, the sender never
    /// learned it.
    KillAfter(u32),
}

#[derive(Debug, Default)]
struct Inner {
    published: Mutex<Vec<Published>>,
    faults: Mutex<VecDeque<Fault>>,
    token: Mutex<Option<String>>,
    requests: Mutex<u64>,
    added: Notify,
}

/// The stand-in server; stops when dropped.
#[derive(Debug)]
pub struct NtfyServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl NtfyServer {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<NtfyServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner::default());
        let task = Some(serve(listener, inner.clone()));
        Ok(NtfyServer { addr, inner, task })
    }

    /// The server's address, as a user gives it to `--server`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every message published, in order.
    pub fn published(&self) -> Vec<Published> {
        self.inner.published.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// How many publish requests arrived, faulted ones included.
    pub fn requests(&self) -> u64 {
        self.inner.requests.lock().map(|r| *r).unwrap_or_default()
    }

    /// Waits until at least `n` messages were published, for at most `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Published> {
        let _ = tokio::time::timeout(timeout, async {
            loop {
                let added = self.inner.added.notified();
                if self.published().len() >= n {
                    return;
                }
                added.await;
            }
        })
        .await;
        self.published()
    }

    /// The next requests meet these faults, one each, in order.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        if let Ok(mut f) = self.inner.faults.lock() {
            f.extend(faults);
        }
    }

    /// Protects every topic with an access token.
    pub fn require_token(&self, token: &str) {
        if let Ok(mut t) = self.inner.token.lock() {
            *t = Some(token.to_owned());
        }
    }

    /// Stops listening: connections are refused until [`NtfyServer::resume`].
    pub fn pause(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    pub async fn resume(&mut self) -> std::io::Result<()> {
        if self.task.is_none() {
            let listener = TcpListener::bind(self.addr).await?;
            self.task = Some(serve(listener, self.inner.clone()));
        }
        Ok(())
    }
}

impl Drop for NtfyServer {
    fn drop(&mut self) {
        self.pause();
    }
}

fn serve(listener: TcpListener, inner: Arc<Inner>) -> tokio::task::JoinHandle<()> {
    let app = axum::Router::new().route("/{topic}", axum::routing::post(publish)).with_state(inner);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

fn kill(pid: u32) {
    let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
}

fn error(status: StatusCode, code: u32, text: &str) -> Response {
    let body = format!(r#"{{"code":{code},"http":{},"error":"{text}"}}"#, status.as_u16());
    (status, [("content-type", "application/json")], body).into_response()
}

async fn publish(State(inner): State<Arc<Inner>>, Path(topic): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Ok(mut r) = inner.requests.lock() {
        *r += 1;
    }
    let fault = inner.faults.lock().ok().and_then(|mut f| f.pop_front());
    match fault {
        Some(Fault::Status(s)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, u32::from(s) * 100, "injected fault");
        }
        Some(Fault::Hang(d)) => {
            tokio::time::sleep(d).await;
            return error(StatusCode::GATEWAY_TIMEOUT, 50400, "hung");
        }
        Some(Fault::KillBefore(pid)) => {
            kill(pid);
            return error(StatusCode::SERVICE_UNAVAILABLE, 50300, "sender killed");
        }
        _ => {}
    }
    let required = inner.token.lock().ok().and_then(|t| t.clone());
    if let Some(token) = required {
        match header(&headers, &["authorization"]) {
            None => return error(StatusCode::FORBIDDEN, 40301, "forbidden"),
            Some(auth) if auth != format!("Bearer {token}") => return error(StatusCode::UNAUTHORIZED, 40101, "unauthorized"),
            Some(_) => {}
        }
    }
    if topic.is_empty() || topic.len() > 64 || !topic.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return error(StatusCode::BAD_REQUEST, 40009, "invalid topic");
    }
    let priority = match header(&headers, &["x-priority", "priority", "prio", "p"]).as_deref().map(str::trim) {
        None | Some("3" | "default") => 3,
        Some("1" | "min") => 1,
        Some("2" | "low") => 2,
        Some("4" | "high") => 4,
        Some("5" | "max" | "urgent") => 5,
        Some(_) => return error(StatusCode::BAD_REQUEST, 40007, "invalid priority"),
    };
    let Ok(message) = String::from_utf8(body.to_vec()) else {
        return error(StatusCode::BAD_REQUEST, 40000, "message is not UTF-8");
    };
    let tags = header(&headers, &["x-tags", "tags", "tag", "ta"])
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let published = Published {
        topic: topic.clone(),
        title: header(&headers, &["x-title", "title", "ti", "t"]),
        message,
        priority,
        tags,
        click: header(&headers, &["x-click", "click"]),
    };
    if let Ok(mut p) = inner.published.lock() {
        p.push(published.clone());
    }
    inner.added.notify_waiters();
    if let Some(Fault::KillAfter(pid)) = fault {
        kill(pid);
    }
    let id = format!("m{:011}", inner.published.lock().map(|p| p.len()).unwrap_or_default());
    let body = serde_json::json!({
        "id": id, "time": 0, "event": "message", "topic": topic,
        "title": published.title, "message": published.message, "priority": priority, "tags": published.tags,
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A header's value, RFC 2047 encoded words decoded, under the first of `names` present.
fn header(headers: &HeaderMap, names: &[&str]) -> Option<String> {
    let raw = names.iter().find_map(|n| headers.get(*n))?;
    let text = String::from_utf8_lossy(raw.as_bytes()).into_owned();
    Some(decode_words(&text))
}

/// Decodes `=?UTF-8?B?…?=` and `=?UTF-8?Q?…?=` words, as ntfy does.
fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("=?") {
        out.push_str(&rest[..start]);
        let word = &rest[start + 2..];
        let parts: Vec<&str> = word.splitn(3, '?').collect();
        let end = parts.get(2).and_then(|p| p.find("?="));
        match (parts.as_slice(), end) {
            ([_charset, enc, text], Some(end)) => {
                let data = &text[..end];
                let bytes = if enc.eq_ignore_ascii_case("b") { base64_decode(data) } else { q_decode(data) };
                out.push_str(&String::from_utf8_lossy(&bytes));
                rest = &text[end + 2..];
            }
            _ => {
                out.push_str("=?");
                rest = word;
            }
        }
    }
    out.push_str(rest);
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(value) {
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn q_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.unwrap_or(b'='));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_decoded() {
        assert_eq!(decode_words("=?UTF-8?B?QWNtZSDCtyBKYW5l?="), "Acme · Jane");
        assert_eq!(decode_words("=?utf-8?q?R=C3=A9union_demain?="), "Réunion demain");
        assert_eq!(decode_words("plain"), "plain");
        assert_eq!(decode_words("a =?broken"), "a =?broken");
    }
}
