//! IMAP email as a channel: TLS or STARTTLS (rustls), one connection per watched folder, IDLE
//! when the server has it and polling when it does not.
//!
//! Exactly once: each folder's watermark (UIDVALIDITY and the highest UID taken) is committed in
//! the same transaction as the messages it covers ([`IngestSink::ingest_batch`]). A dropped
//! connection, a restart of Lull or of the server resumes after the watermark, so nothing is
//! lost, and what is fetched twice has the same key (the Message-ID, else a hash of the bytes),
//! so nothing is stored twice. When UIDVALIDITY changes the old UIDs mean nothing: the recent
//! window is fetched again and the keys recognise what is already stored.
//!
//! The first sync takes only the last `first_sync_days` days (14 by default) and reports its
//! progress. Message bodies are fetched up to [`MAX_TEXT_BYTES`]; larger ones are read from
//! their beginning and say so.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
pub use lull_core::channel::ImapSettings;
use lull_core::channel::{ChannelKind, ChannelSettings, ImapSettingsError, TlsMode};
use lull_core::model::ChannelId;
use lull_core::phrase::{Phrase, Said};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, SecretSource, Start};
use crate::sink::{Health, IngestSink};
use crate::smtp::{OutgoingMail, SendError};
use crate::supervisor::ConnectorError;

/// The most of a message's text fetched; the rest is left on the server.
pub const MAX_TEXT_BYTES: u32 = 1 << 20;
/// Messages fetched and committed together.
const BATCH: usize = 50;
/// RFC 2177 asks clients to renew IDLE within 29 minutes.
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// A command that takes longer than this means the connection is dead.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The IMAP kind: its settings are an [`ImapSettings`], its password is in the keyring.
#[derive(Debug)]
pub struct Imap;

impl Kind for Imap {
    type Settings = ImapSettings;
    const KIND: ChannelKind = ChannelKind::Imap;
    const SECRET: bool = true;

    fn settings(settings: &ChannelSettings) -> Option<&ImapSettings> {
        match settings {
            ChannelSettings::Imap(s) => Some(s),
            _ => None,
        }
    }
    fn wrap(settings: ImapSettings) -> ChannelSettings {
        ChannelSettings::Imap(settings)
    }
    fn validate(settings: ImapSettings) -> Result<ImapSettings, Invalid> {
        let settings = settings.validated().map_err(|e| {
            let field = match e {
                ImapSettingsError::NoHost | ImapSettingsError::BadHost { .. } => "host",
                ImapSettingsError::NoUser => "user",
                ImapSettingsError::ClearText { .. } => "tls",
                ImapSettingsError::SmtpBadHost { .. } => "smtp_host",
                ImapSettingsError::SmtpClearText { .. } => "smtp_tls",
                ImapSettingsError::NoAddress | ImapSettingsError::BadAddress { .. } => "address",
            };
            Invalid::new(field, e.phrase())
        })?;
        if let Some(ca) = &settings.ca_file {
            let path = std::path::Path::new(ca);
            if !path.is_absolute() || !path.is_file() {
                return Err(Invalid::new("ca_file", Phrase::new("imap.no_ca_file").with("path", format!("{ca:?}"))));
            }
        }
        Ok(settings)
    }
    fn describe(_: &str, settings: &ImapSettings) -> Phrase {
        let phrase = match settings.tls {
            TlsMode::Tls => Phrase::new("about.imap.tls"),
            TlsMode::Starttls => Phrase::new("about.imap.starttls"),
            TlsMode::None => Phrase::new("about.imap.clear"),
        };
        phrase
            .with("user", &settings.user)
            .with("host", &settings.host)
            .with("port", settings.port())
            .with("folders", settings.folders.join(", "))
    }
    /// Another server or account: the folders' UIDs there have nothing to do with the
    /// watermark kept for the old one.
    fn restarts_afresh(old: &ImapSettings, new: &ImapSettings) -> bool {
        (&old.host, old.port(), &old.user) != (&new.host, new.port(), &new.user)
    }
    fn check(settings: ImapSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        Box::pin(async move {
            let mut steps = vec![
                Phrase::new("check.imap.connecting")
                    .with("host", &settings.host)
                    .with("port", settings.port())
                    .with("user", &settings.user),
            ];
            let outcome = check(&settings, ctx.secret.as_ref(), &mut steps).await;
            Checked { steps, outcome }
        })
    }
    fn send_mail(settings: &ImapSettings, password: String, mail: OutgoingMail) -> BoxFuture<'static, Result<(), SendError>> {
        let settings = settings.clone();
        Box::pin(async move { crate::smtp::send(&settings, &password, &mail).await })
    }
    fn start(settings: ImapSettings, ctx: RunContext) -> Option<Start> {
        let secret = ctx.secret.clone()?;
        Some(Box::new(move || {
            let (settings, secret, sink, channel) = (settings.clone(), secret.clone(), ctx.sink.clone(), ctx.channel);
            Box::pin(async move {
                // Read at each start, so a password changed in the keyring is picked up.
                let password = secret().await?;
                run(channel, settings, Password(password), sink).await
            })
        }))
    }
}

/// `channel test`: logs in and opens each folder.
async fn check(settings: &ImapSettings, secret: Option<&SecretSource>, steps: &mut Vec<Phrase>) -> Result<Phrase, Phrase> {
    let secret = secret.ok_or_else(|| Phrase::new("imap.no_password"))?;
    let password = secret().await.map_err(|e| e.phrase())?;
    steps.push(Phrase::new("check.imap.password_found"));
    let probe = probe(settings, &Password(password.clone())).await.map_err(|e| e.phrase())?;
    steps.push(if probe.capabilities.is_empty() {
        Phrase::new("check.imap.logged_in_plain")
    } else {
        Phrase::new("check.imap.logged_in").with("extensions", probe.capabilities.join(", "))
    });
    let mut bad = Vec::new();
    for (folder, r) in &probe.folders {
        match r {
            Ok(n) => steps.push(Phrase::new("check.imap.folder").with("folder", folder).with("count", n)),
            Err(e) => {
                steps.push(Phrase::new("check.imap.folder_missing").with("folder", folder).with("detail", e));
                bad.push(folder.clone());
            }
        }
    }
    if !bad.is_empty() {
        return Err(Phrase::new("check.imap.folders_missing").with("folders", bad.join(", ")));
    }
    // The outgoing server of availability replies: logged in, nothing sent.
    if let Some(from) = settings.mail_sender() {
        let target = crate::smtp::check(settings, &password).await.map_err(|e| e.problem)?;
        steps.push(Phrase::new("check.imap.smtp_ok").with("target", target).with("address", from));
    }
    if probe.capabilities.iter().any(|c| c == "IDLE") {
        Ok(Phrase::new("check.imap.works_idle"))
    } else {
        Ok(Phrase::new("check.imap.works_polling"))
    }
}

/// The password, kept out of `Debug` output and logs.
#[derive(Clone)]
pub struct Password(pub String);
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Each folder's watermark.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ImapState {
    #[serde(default)]
    folders: BTreeMap<String, FolderMark>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct FolderMark {
    uidvalidity: u32,
    last_uid: u32,
}

/// Any stream IMAP runs over: TCP, TLS over TCP.
pub trait ImapStream: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> ImapStream for T {}
pub type ImapSession = Session<Box<dyn ImapStream>>;

/// Connects and logs in. A refused login is a configuration error (retrying with the same
/// password cannot help); a network problem is transient.
pub async fn login(settings: &ImapSettings, password: &Password) -> Result<ImapSession, ConnectorError> {
    let target = format!("{}:{}", settings.host.trim_matches(['[', ']']), settings.port());
    // In clear text the password may only go to this machine: check where the name resolves
    // (`localhost` could be mapped elsewhere), and connect to those addresses alone.
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host(&target)
        .await
        .map_err(|e| ConnectorError::Transient(Phrase::new("imap.cannot_connect").with("target", &target).with("detail", e)))?
        .collect();
    if settings.tls == TlsMode::None && addresses.iter().any(|a| !a.ip().is_loopback()) {
        return Err(ConnectorError::Config(Phrase::new("imap.clear_text_elsewhere").with("target", &target)));
    }
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addresses[..]))
        .await
        .map_err(|_| {
            ConnectorError::Transient(Phrase::new("imap.connect_timeout").with("target", &target).with("secs", CONNECT_TIMEOUT.as_secs()))
        })?
        .map_err(|e| ConnectorError::Transient(Phrase::new("imap.cannot_connect").with("target", &target).with("detail", e)))?;
    let stream: Box<dyn ImapStream> = match settings.tls {
        TlsMode::None => Box::new(tcp),
        TlsMode::Tls => Box::new(tls(settings, tcp).await?),
        TlsMode::Starttls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain, &target).await?;
            // Only the server's own refusal is the user's to fix; a connection cut under
            // STARTTLS is retried like any other.
            plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| match e {
                async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                    ConnectorError::Config(Phrase::new("imap.starttls_refused").with("target", &target).with("detail", e))
                }
                e => transient("STARTTLS")(e),
            })?;
            Box::new(tls(settings, plain.into_inner()).await?)
        }
    };
    let mut client = Client::new(stream);
    if settings.tls != TlsMode::Starttls {
        greeting(&mut client, &target).await?;
    }
    match tokio::time::timeout(COMMAND_TIMEOUT, client.login(&settings.user, &password.0)).await {
        Err(_) => Err(ConnectorError::Transient(Phrase::new("imap.login_timeout").with("target", &target))),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((async_imap::error::Error::No(why) | async_imap::error::Error::Bad(why), _))) => {
            Err(ConnectorError::Config(Phrase::new("imap.login_refused").with("user", &settings.user).with("detail", why.trim())))
        }
        Ok(Err((e, _))) if connection_lost(&e) => {
            Err(ConnectorError::Transient(Phrase::new("imap.connection_lost").with("during", "LOGIN")))
        }
        Ok(Err((e, _))) => Err(ConnectorError::Transient(Phrase::new("imap.login_failed").with("target", &target).with("detail", e))),
    }
}

async fn greeting<T: ImapStream>(client: &mut Client<T>, target: &str) -> Result<(), ConnectorError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(ConnectorError::Transient(Phrase::new("imap.closed_before_greeting").with("target", target))),
        Ok(Err(e)) => Err(ConnectorError::Transient(Phrase::new("imap.bad_greeting").with("target", target).with("detail", e))),
        Err(_) => Err(ConnectorError::Transient(Phrase::new("imap.no_greeting").with("target", target))),
    }
}

async fn tls(settings: &ImapSettings, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectorError> {
    crate::tls::install_provider();
    let config = match &settings.ca_file {
        Some(path) => {
            use rustls::pki_types::pem::PemObject;
            let path = std::path::Path::new(path);
            let mut roots = rustls::RootCertStore::empty();
            let certs = rustls::pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| ConnectorError::Config(Phrase::new("imap.ca_unreadable").with("path", path.display()).with("detail", e)))?;
            for cert in certs {
                let cert = cert
                    .map_err(|e| ConnectorError::Config(Phrase::new("imap.ca_not_pem").with("path", path.display()).with("detail", e)))?;
                roots
                    .add(cert)
                    .map_err(|e| ConnectorError::Config(Phrase::new("imap.ca_unusable").with("path", path.display()).with("detail", e)))?;
            }
            rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::ConfigVerifierExt;
            rustls::ClientConfig::with_platform_verifier()
                .map_err(|e| ConnectorError::Config(Phrase::new("imap.no_system_roots").with("detail", e)))?
        }
    };
    let name = rustls::pki_types::ServerName::try_from(settings.host.trim_matches(['[', ']']).to_owned()).map_err(|e| {
        ConnectorError::Config(Phrase::new("imap.bad_tls_name").with("host", format!("{:?}", settings.host)).with("detail", e))
    })?;
    tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| {
        let text = e.to_string();
        if io_lost(&e) {
            ConnectorError::Transient(Phrase::new("imap.connection_lost").with("during", "TLS"))
        } else if text.contains("certificate") || text.contains("UnknownIssuer") || text.contains("NotValidForName") {
            ConnectorError::Config(Phrase::new("imap.untrusted").with("host", &settings.host).with("detail", text))
        } else {
            ConnectorError::Transient(Phrase::new("imap.tls_failed").with("host", &settings.host).with("detail", text))
        }
    })
}

/// The server failing `command` (an IMAP command's name, which needs no translation). A
/// connection that ended under it is said as such: the network, not the server, and nothing
/// for the user to do.
fn transient(command: &str) -> impl Fn(async_imap::error::Error) -> ConnectorError + '_ {
    move |e| {
        if connection_lost(&e) {
            ConnectorError::Transient(Phrase::new("imap.connection_lost").with("during", command))
        } else {
            ConnectorError::Transient(Phrase::new("imap.command_failed").with("command", command).with("detail", e))
        }
    }
}

/// Whether an error means the connection ended: closed, reset, or cut without TLS's goodbye.
fn connection_lost(e: &async_imap::error::Error) -> bool {
    match e {
        async_imap::error::Error::ConnectionLost => true,
        async_imap::error::Error::Io(io) => io_lost(io),
        _ => false,
    }
}

fn io_lost(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(e.kind(), UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe)
}

fn no_answer(command: &str) -> ConnectorError {
    ConnectorError::Transient(Phrase::new("imap.no_answer").with("command", command))
}

async fn timed<T>(command: &str, f: impl Future<Output = async_imap::error::Result<T>>) -> Result<T, ConnectorError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, f).await {
        Ok(r) => r.map_err(transient(command)),
        Err(_) => Err(no_answer(command)),
    }
}

/// Watches every folder of the channel until an error; the supervisor restarts it.
pub async fn run(channel: ChannelId, settings: ImapSettings, password: Password, host: Arc<dyn IngestSink>) -> Result<(), ConnectorError> {
    host.report(channel, Health::Connecting);
    let state: ImapState =
        host.sync_state(channel).await.map_err(ConnectorError::transient).map(|v| serde_json::from_value(v).unwrap_or_default())?;
    let shared = Arc::new(Mutex::new(state));
    let progress = Arc::new(std::sync::Mutex::new(BTreeMap::<String, (u64, u64)>::new()));
    let tasks = settings
        .folders
        .iter()
        .map(|folder| watch_folder(channel, &settings, &password, folder.clone(), host.clone(), shared.clone(), progress.clone()));
    futures_util::future::try_join_all(tasks).await?;
    Ok(())
}

/// Per-folder progress, summed for the channel's health.
type Progress = Arc<std::sync::Mutex<BTreeMap<String, (u64, u64)>>>;

fn report_progress(host: &dyn IngestSink, channel: ChannelId, progress: &Progress, folder: &str, done: u64, total: u64) {
    let Ok(mut p) = progress.lock() else { return };
    p.insert(folder.to_owned(), (done, total));
    let (done, total) = p.values().fold((0, 0), |(d, t), (a, b)| (d + a, t + b));
    if done >= total {
        p.clear();
        drop(p);
        host.report(channel, Health::Ok);
    } else {
        drop(p);
        host.report(channel, Health::Syncing { done, total: Some(total) });
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch_folder(
    channel: ChannelId,
    settings: &ImapSettings,
    password: &Password,
    folder: String,
    host: Arc<dyn IngestSink>,
    state: Arc<Mutex<ImapState>>,
    progress: Progress,
) -> Result<(), ConnectorError> {
    let mut session = login(settings, password).await?;
    let idle = timed("CAPABILITY", session.capabilities()).await?.has_str("IDLE");
    loop {
        let mailbox = match tokio::time::timeout(COMMAND_TIMEOUT, session.select(&folder)).await {
            Err(_) => return Err(no_answer("SELECT")),
            Ok(Err(async_imap::error::Error::No(why))) => {
                return Err(ConnectorError::Config(
                    Phrase::new("imap.folder_missing").with("folder", format!("{folder:?}")).with("detail", why.trim()),
                ));
            }
            Ok(r) => r.map_err(transient("SELECT"))?,
        };
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        let mark = state.lock().await.folders.get(&folder).copied();
        // Mail found by a first sync (or after a UIDVALIDITY change) was there before Lull
        // watched: it is stored, never answered automatically.
        let backlog = mark.is_none_or(|m| m.uidvalidity != uidvalidity);
        let uids: Vec<u32> = match mark {
            Some(m) if m.uidvalidity == uidvalidity => {
                let found = timed("UID SEARCH", session.uid_search(format!("UID {}:*", m.last_uid.saturating_add(1)))).await?;
                let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > m.last_uid).collect();
                uids.sort_unstable();
                uids
            }
            previous => {
                if previous.is_some() {
                    tracing::info!(channel, folder, "UIDVALIDITY changed: fetching recent mail again; what is stored is recognised");
                }
                let since = host.now() - chrono::Duration::days(i64::from(settings.first_sync_days));
                let found = timed("UID SEARCH", session.uid_search(format!("SINCE {}", since.format("%d-%b-%Y")))).await?;
                let mut uids: Vec<u32> = found.into_iter().collect();
                uids.sort_unstable();
                uids
            }
        };
        // With nothing to fetch the watermark still records the folder's UIDVALIDITY (and,
        // after a first sync, where new mail will start).
        let floor = mailbox.uid_next.map_or(0, |n| n.saturating_sub(1));
        let total = uids.len() as u64;
        report_progress(&*host, channel, &progress, &folder, 0, total);
        if uids.is_empty() && mark.is_none_or(|m| m.uidvalidity != uidvalidity) {
            commit(&*host, channel, &state, &folder, vec![], FolderMark { uidvalidity, last_uid: floor }).await?;
        }
        let mut done = 0u64;
        for chunk in uids.chunks(BATCH) {
            let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let query = format!("(UID RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{MAX_TEXT_BYTES}>)");
            let fetched: Vec<async_imap::types::Fetch> =
                match tokio::time::timeout(COMMAND_TIMEOUT, async { session.uid_fetch(&set, &query).await?.try_collect::<Vec<_>>().await })
                    .await
                {
                    Ok(r) => r.map_err(transient("UID FETCH"))?,
                    Err(_) => return Err(no_answer("UID FETCH")),
                };
            let now = host.now();
            let mut messages = Vec::with_capacity(fetched.len());
            let mut highest = 0;
            for f in &fetched {
                let Some(uid) = f.uid else { continue };
                highest = highest.max(uid);
                let mut raw = f.header().unwrap_or_default().to_vec();
                let text = f.text().unwrap_or_default();
                raw.extend_from_slice(text);
                let truncated = f.size.is_some_and(|s| s as usize > raw.len() + 2);
                let mut message = crate::mail::parse(&raw, truncated, now);
                if let Some(mail) = message.mail.as_mut() {
                    mail.backlog = backlog;
                }
                messages.push(message);
            }
            let last_uid = chunk.iter().copied().max().unwrap_or(highest).max(highest);
            commit(&*host, channel, &state, &folder, messages, FolderMark { uidvalidity, last_uid }).await?;
            done += chunk.len() as u64;
            report_progress(&*host, channel, &progress, &folder, done, total);
        }
        report_progress(&*host, channel, &progress, &folder, total, total);
        session = wait_for_news(session, idle, settings.poll_secs).await?;
    }
}

/// Commits a batch with the folder's new watermark; other folders' marks are taken as they
/// are now, under the lock, so no commit moves another folder's mark back.
async fn commit(
    host: &dyn IngestSink,
    channel: ChannelId,
    state: &Mutex<ImapState>,
    folder: &str,
    messages: Vec<lull_core::Incoming>,
    mark: FolderMark,
) -> Result<(), ConnectorError> {
    let mut state = state.lock().await;
    let mut next = state.clone();
    next.folders.insert(folder.to_owned(), mark);
    let results = host
        .ingest_batch(channel, messages, Some(serde_json::to_value(&next).unwrap_or_default()))
        .await
        .map_err(|e| ConnectorError::Transient(Phrase::new("connector.cannot_store").with_phrase("detail", e.phrase())))?;
    if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
        if matches!(e, crate::IngestError::Unavailable(_)) {
            return Err(ConnectorError::Transient(Phrase::new("connector.cannot_store").with_phrase("detail", e.phrase())));
        }
        tracing::warn!(channel, error = %e, "a message was refused");
    }
    *state = next;
    Ok(())
}

/// Waits for the server to announce news (IDLE), or polls.
async fn wait_for_news(session: ImapSession, idle: bool, poll_secs: u64) -> Result<ImapSession, ConnectorError> {
    if !idle {
        tokio::time::sleep(Duration::from_secs(poll_secs)).await;
        let mut session = session;
        timed("NOOP", session.noop()).await?;
        return Ok(session);
    }
    let mut handle = session.idle();
    timed("IDLE", handle.init()).await?;
    let (wait, _stop) = handle.wait_with_timeout(IDLE_RENEW);
    let outcome = wait.await.map_err(transient("IDLE"))?;
    match outcome {
        IdleResponse::NewData(_) | IdleResponse::Timeout | IdleResponse::ManualInterrupt => {}
    }
    timed("DONE", handle.done()).await
}

/// What `channel test` learns of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub capabilities: Vec<String>,
    /// Each folder and how many messages it holds.
    pub folders: Vec<(String, Result<u32, String>)>,
}

/// Logs in, checks each folder, logs out; stores nothing.
pub async fn probe(settings: &ImapSettings, password: &Password) -> Result<Probe, ConnectorError> {
    let mut session = login(settings, password).await?;
    let caps = timed("CAPABILITY", session.capabilities()).await?;
    let capabilities = ["IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS"].iter().filter(|c| caps.has_str(**c)).map(|c| (*c).to_owned()).collect();
    let mut folders = Vec::new();
    for folder in &settings.folders {
        let result = match tokio::time::timeout(COMMAND_TIMEOUT, session.examine(folder)).await {
            Ok(Ok(m)) => Ok(m.exists),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timeout".into()),
        };
        folders.push((folder.clone(), result));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(Probe { capabilities, folders })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_clear_text_passwords_off_this_machine() {
        let e = Imap::validate(ImapSettings::new("imap.example.com", None, "me@example.com", TlsMode::Tls, vec![]).expect("tls"))
            .map(|mut s| {
                s.tls = TlsMode::None;
                Imap::validate(s)
            })
            .expect("valid")
            .expect_err("clear text");
        assert_eq!((e.field, e.problem.code.as_str()), ("tls", "imap.clear_text"), "{e:?}");
        assert!(
            format!("{:?}", Password("hunter2".into())).contains('…') && !format!("{:?}", Password("hunter2".into())).contains("hunter2")
        );
    }
}
