//! The loopback HTTP server: `POST /api` (the typed API), `GET /api/events` (server-sent
//! events), `POST /hooks/<channel>` (webhook channels), `GET /health` and `GET /`.
//!
//! A loopback listener is reachable from every web page the user opens, so it is treated as
//! exposed: it binds loopback addresses only; every request must name the loopback address in
//! `Host` (defeats DNS rebinding); the API requires the per-install bearer token and refuses
//! foreign `Origin`s; webhooks require their channel's bearer token, JSON, at most 1 MiB, and
//! no `Origin` at all (no browser has a reason to post one). Handlers are thin: the API calls
//! [`Engine::handle`], webhooks parse with `lull_channels::webhook` and call the ingest sink.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request as HttpRequest, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use futures_util::StreamExt;
use lull_api::{Request, english};
use lull_channels::webhook::{self, Webhook};
use lull_channels::{IngestError, IngestSink, Kind};
use lull_core::phrase::{Phrase, Said};
use lull_store::ChannelAuth;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::BroadcastStream;

use crate::engine::Engine;
use crate::scheduler;
use crate::token;

pub use lull_api::listen::DEFAULT_LISTEN;
/// Largest webhook body accepted.
pub const WEBHOOK_BODY_LIMIT: usize = 1 << 20;
/// Largest API request accepted (a week's trace for `simulate` fits easily).
pub const API_BODY_LIMIT: usize = 8 << 20;

/// The server could not start.
#[derive(Debug)]
pub enum ServeError {
    NotLoopback(SocketAddr),
    InUse(SocketAddr),
    Io { addr: SocketAddr, source: io::Error },
}

impl Said for ServeError {
    fn phrase(&self) -> Phrase {
        match self {
            ServeError::NotLoopback(addr) => Phrase::new("serve.not_loopback").with("addr", addr),
            ServeError::InUse(addr) => Phrase::new("serve.in_use").with("addr", addr),
            ServeError::Io { addr, source } => Phrase::new("serve.cannot_listen").with("addr", addr).with("detail", source),
        }
    }
}
lull_words::english_error!(ServeError);

/// Binds a loopback listener, refusing any other address.
pub async fn bind_loopback(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    if !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr));
    }
    TcpListener::bind(addr).await.map_err(|source| match source.kind() {
        io::ErrorKind::AddrInUse => ServeError::InUse(addr),
        _ => ServeError::Io { addr, source },
    })
}

/// The URL people and programs use to reach a listener.
pub fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("http://{}:{}/", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("http://[{}]:{}/", a.ip(), a.port()),
    }
}

#[derive(Clone)]
struct AppState {
    engine: Engine,
    api_token: Arc<str>,
    hosts: Arc<[String]>,
    origins: Arc<[String]>,
    /// Turns true at shutdown, ending event streams so the server can stop.
    stopping: watch::Receiver<bool>,
}

/// The routes, for a server listening on `port`.
fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/{*path}", get(ui_file))
        .route("/health", get(health))
        .route("/api", post(api))
        .route("/api/events", get(events))
        .route("/session", post(session))
        .route("/hooks/{channel}", post(hook))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Serves `engine` on `listener` with its scheduler until `shutdown` resolves, then stops
/// taking requests, lets the ones in flight finish and stops the scheduler. The caller closes
/// the engine ([`Engine::shutdown`]) when it no longer needs it.
pub async fn run(
    engine: Engine,
    listener: TcpListener,
    api_token: String,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let port = addr.port();
    engine.set_server_url(&base_url(addr));
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState {
        engine: engine.clone(),
        api_token: api_token.into(),
        hosts: ["127.0.0.1", "localhost", "[::1]"].iter().map(|h| format!("{h}:{port}")).collect(),
        origins: ["127.0.0.1", "localhost", "[::1]"].iter().map(|h| format!("http://{h}:{port}")).collect(),
        stopping: stop_rx.clone(),
    };
    let scheduler = tokio::spawn(scheduler::run(engine.clone(), stop_rx));
    engine.start_outbox();
    engine.start_connectors().await;
    let app = router(state);
    let mut stopped = stop_tx.subscribe();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping");
        let _ = stop_tx.send(true);
    });
    let served = serve_connections(listener, app, async move {
        let _ = stopped.wait_for(|s| *s).await;
    })
    .await;
    let _ = scheduler.await;
    served
}

/// At most this many connections at once; beyond, a new one is closed at once rather than
/// left waiting (the browser, the window and the command line use a handful).
pub const MAX_CONNECTIONS: usize = 2048;
/// A client has this long to send a request's headers, and a kept-alive connection this long
/// between requests, before it is closed: a slow or idle client cannot hold the listener.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long stopping waits for requests in flight (event streams end by themselves).
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves. Each connection gets a header-read
/// timeout (which also closes idle kept-alive connections); at most [`MAX_CONNECTIONS`] are
/// served at once; running out of file descriptors pauses accepting for a moment instead of
/// spinning.
async fn serve_connections(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    raise_open_file_limit();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors (or a connection reset before accept): wait a little.
                    tracing::debug!(error = %e, "accepting a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!("too many connections; closing a new one");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).keep_alive(true);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::debug!("connections still open after the drain time; closing them");
    }
    Ok(())
}

/// Raises the soft limit on open files to the hard limit: the listener and the connectors
/// should not run out of descriptors long before the system would let them.
fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::debug!(error = %e, "raising the open file limit");
        }
    }
}

/// JSON error body: `{"error": {"code", "message"}}`.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> HttpResponse {
    let body = json!({ "error": { "code": code, "message": message.into() } });
    (status, axum::Json(body)).into_response()
}

/// Checks `Host` on every request and adds headers that keep browsers from doing anything
/// clever with the answers.
async fn guard(State(st): State<AppState>, req: HttpRequest, next: Next) -> HttpResponse {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !st.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        tracing::warn!(host, "request refused: Host is not Lull's loopback address");
        return error(
            StatusCode::FORBIDDEN,
            "forbidden_host",
            format!("requests must be addressed to {} (Host was {host:?}); Lull only answers its own machine", st.hosts[0]),
        );
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    resp
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn unauthorized(message: String) -> HttpResponse {
    let mut resp = error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Reads a body up to `limit` bytes; longer bodies are refused with 413 without reading on.
async fn read_limited(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, HttpResponse> {
    let too_large =
        || error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the request body is larger than {} KiB", limit / 1024));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
}

mod ui {
    include!(concat!(env!("OUT_DIR"), "/ui_files.rs"));
}

/// The web UI's content security policy: its own scripts, styles and API only; no inline code,
/// no other origin, no frames.
pub const UI_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Whether this binary carries the built web UI.
pub fn ui_built() -> bool {
    ui::UI_BUILT
}

fn serve_ui_file(path: &str) -> HttpResponse {
    let Some((_, body, mime)) = ui::UI_FILES.iter().find(|(p, _, _)| *p == path) else {
        return error(StatusCode::NOT_FOUND, "not_found", format!("no such page: /{path}"));
    };
    // Built assets have content hashes in their names: they never change under a name.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut resp =
        ([(header::CONTENT_TYPE, HeaderValue::from_static(mime)), (header::CACHE_CONTROL, HeaderValue::from_static(cache))], *body)
            .into_response();
    resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(UI_CSP));
    resp
}

async fn index() -> HttpResponse {
    serve_ui_file("index.html")
}

async fn ui_file(Path(path): Path<String>) -> HttpResponse {
    serve_ui_file(&path)
}

async fn health() -> HttpResponse {
    axum::Json(json!({ "ok": true, "version": lull_api::about::VERSION, "commit": lull_api::about::COMMIT })).into_response()
}

/// A browser opened with `#code=…` (`lull open`, the tray's Open) exchanges the one-time code
/// for the API token; the code is spent either way. Only from Lull's own pages (or no page).
async fn session(State(st): State<AppState>, headers: HeaderMap, body: Body) -> HttpResponse {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && !st.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    {
        return error(StatusCode::FORBIDDEN, "forbidden_origin", format!("requests from {origin} are not accepted"));
    }
    if !is_json(&headers) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json");
    }
    let bytes = match read_limited(&headers, body, 1024).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let code = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| v["code"].as_str().map(str::to_owned));
    match code {
        Some(code) if st.engine.redeem_sign_in_code(&code) => axum::Json(json!({ "token": &*st.api_token })).into_response(),
        _ => unauthorized("this sign-in link was used already or is over a minute old: run `lull open` again".into()),
    }
}

async fn api(State(st): State<AppState>, headers: HeaderMap, body: Body) -> HttpResponse {
    match bearer(&headers) {
        Some(t) if token::constant_time_eq(t.as_bytes(), st.api_token.as_bytes()) => {}
        Some(_) => return unauthorized("wrong API token: use the token in the data directory's api-token file".into()),
        None => {
            return unauthorized(
                "missing Authorization: Bearer <token> header; the token is in the data directory's api-token file".into(),
            );
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && !st.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
    {
        return error(StatusCode::FORBIDDEN, "forbidden_origin", format!("requests from {origin} are not accepted"));
    }
    if !is_json(&headers) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json");
    }
    let bytes = match read_limited(&headers, body, API_BODY_LIMIT).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let request: Request = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_input", format!("not a Lull API request: {e}")),
    };
    match st.engine.handle(request).await {
        Ok(response) => axum::Json(response).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, axum::Json(json!({ "error": e }))).into_response()
        }
    }
}

async fn events(State(st): State<AppState>, headers: HeaderMap) -> HttpResponse {
    match bearer(&headers) {
        Some(t) if token::constant_time_eq(t.as_bytes(), st.api_token.as_bytes()) => {}
        _ => return unauthorized("missing or wrong API token".into()),
    }
    let mut stopping = st.stopping.clone();
    let stream = BroadcastStream::new(st.engine.subscribe())
        .map(|item| {
            let event = match item {
                Ok(ev) => Event::default().event("engine").json_data(&ev).unwrap_or_else(|_| Event::default().comment("unserialisable")),
                // A slow reader missed events: tell it to refetch rather than pretend.
                Err(tokio_stream::wrappers::errors::BroadcastStreamRecvError::Lagged(n)) => {
                    Event::default().event("lagged").data(n.to_string())
                }
            };
            Ok::<_, Infallible>(event)
        })
        .take_until(async move {
            let _ = stopping.wait_for(|s| *s).await;
        });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

async fn hook(State(st): State<AppState>, Path(channel): Path<String>, headers: HeaderMap, body: Body) -> HttpResponse {
    if headers.contains_key(header::ORIGIN) {
        return error(StatusCode::FORBIDDEN, "forbidden_origin", "webhooks do not accept requests from web pages");
    }
    let name = channel.clone();
    let auth = match st.engine.store().read(move |db| db.channel_auth(&name)).await {
        Ok(a) => a,
        Err(e) => {
            return error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("Lull cannot read its channels right now ({e}); retry"));
        }
    };
    // Without its token, a stranger learns nothing, not even whether the channel exists: an
    // unknown channel, another kind of channel, a missing and a wrong token all get the same
    // answer.
    let refused = || {
        unauthorized(format!(
            "POST /hooks/{channel} needs that webhook channel's token (Authorization: Bearer <token>); check the name and the token with `lull channel list`"
        ))
    };
    let Some(ChannelAuth { id: channel_id, token_hash, settings }) = auth else { return refused() };
    let Some(hook) = Webhook::settings(&settings) else { return refused() };
    match (bearer(&headers), token_hash) {
        (Some(t), Some(hash)) if token::verify(t, &hash) => {}
        _ => return refused(),
    }
    if !is_json(&headers) {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json");
    }
    let bytes = match read_limited(&headers, body, WEBHOOK_BODY_LIMIT).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let now = st.engine.now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let parsed = webhook::read(hook, &bytes, &header, now);
    let webhook::Read { incoming, notes } = match parsed {
        Ok(read) => read,
        Err(e) => {
            let message = e.0.clone();
            let recorded = st.engine.store().write(move |tx| tx.channel_failed(channel_id, now, &message)).await;
            if let Err(e) = recorded {
                tracing::warn!(error = %e, "recording a webhook failure");
            }
            return error(StatusCode::BAD_REQUEST, "invalid_payload", english(&e.0));
        }
    };
    match st.engine.ingest(channel_id, incoming).await {
        Ok(receipt) => {
            // Senders are programs: the reason is in English, in the user's time zone.
            let d = &receipt.decision;
            axum::Json(json!({
                "status": if receipt.duplicate { "duplicate" } else { "stored" },
                "message_id": receipt.message_id,
                "client": receipt.client,
                "decision": d.kind,
                "release_at": d.release_at,
                "reason": lull_words::english().reason(&d.rule, now, d.release_at, receipt.tz),
                // What was left out of the message (an unsafe link), for whoever set up the sender.
                "notes": notes.iter().map(english).collect::<Vec<_>>(),
            }))
            .into_response()
        }
        Err(IngestError::Rejected(m)) => error(StatusCode::BAD_REQUEST, "invalid_payload", english(&m)),
        Err(IngestError::UnknownChannel(_)) => error(StatusCode::NOT_FOUND, "not_found", format!("channel {channel:?} was just removed")),
        Err(IngestError::Unavailable(m)) => {
            let mut resp =
                error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("{}; the message was not stored, retry", english(&m)));
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            resp
        }
    }
}
