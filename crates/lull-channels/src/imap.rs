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
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, SecretSource, Start};
use crate::sink::{Health, IngestSink};
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
        let settings = settings.validated().map_err(|e| match e {
            ImapSettingsError::NoHost => Invalid::new("host", "an IMAP channel needs the mail server (--host), e.g. imap.fastmail.com"),
            ImapSettingsError::BadHost { host } => {
                Invalid::new("host", format!("{host:?} is not a host name: give the server's name, e.g. imap.fastmail.com"))
            }
            ImapSettingsError::NoUser => Invalid::new("user", "give the IMAP user name, usually your email address (--user)"),
            ImapSettingsError::ClearText { host } => Invalid::new(
                "tls",
                format!(
                    "--tls none would send your password in clear to {host}; it is allowed only for a server on this machine (127.0.0.1). Use --tls tls or --tls starttls"
                ),
            ),
        })?;
        if let Some(ca) = &settings.ca_file {
            let path = std::path::Path::new(ca);
            if !path.is_absolute() || !path.is_file() {
                return Err(Invalid::new("ca_file", format!("the CA file {ca:?} does not exist; give the full path of a PEM file")));
            }
        }
        Ok(settings)
    }
    /// Another server or account: the folders' UIDs there have nothing to do with the
    /// watermark kept for the old one.
    fn restarts_afresh(old: &ImapSettings, new: &ImapSettings) -> bool {
        (&old.host, old.port(), &old.user) != (&new.host, new.port(), &new.user)
    }
    fn check(settings: ImapSettings, ctx: CheckContext) -> BoxFuture<'static, Checked> {
        Box::pin(async move {
            let mut steps = vec![format!("connecting to {}:{} as {}", settings.host, settings.port(), settings.user)];
            let outcome = check(&settings, ctx.secret.as_ref(), &mut steps).await;
            Checked { steps, outcome }
        })
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
async fn check(settings: &ImapSettings, secret: Option<&SecretSource>, steps: &mut Vec<String>) -> Result<String, String> {
    let secret = secret.ok_or("no password is kept for this channel; set it with lull channel edit NAME --password")?;
    let password = secret().await.map_err(|e| e.to_string())?;
    steps.push("password found".into());
    let probe = probe(settings, &Password(password)).await.map_err(|e| e.to_string())?;
    steps.push(format!(
        "logged in; the server offers {}",
        if probe.capabilities.is_empty() { "no extensions Lull uses".to_owned() } else { probe.capabilities.join(", ") }
    ));
    let mut bad = Vec::new();
    for (folder, r) in &probe.folders {
        match r {
            Ok(n) => steps.push(format!("{folder}: {n} messages")),
            Err(e) => {
                steps.push(format!("{folder}: cannot be opened ({e})"));
                bad.push(folder.clone());
            }
        }
    }
    if bad.is_empty() {
        Ok(format!(
            "the mailbox works{}",
            if probe.capabilities.iter().any(|c| c == "IDLE") {
                "; new mail arrives at once (IDLE)"
            } else {
                "; the server has no IDLE, so Lull checks every 2 minutes"
            }
        ))
    } else {
        Err(format!("these folders do not exist: {}", bad.join(", ")))
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
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&target))
        .await
        .map_err(|_| ConnectorError::Transient(format!("{target} did not answer within {} s", CONNECT_TIMEOUT.as_secs())))?
        .map_err(|e| ConnectorError::Transient(format!("cannot connect to {target}: {e}")))?;
    let stream: Box<dyn ImapStream> = match settings.tls {
        TlsMode::None => Box::new(tcp),
        TlsMode::Tls => Box::new(tls(settings, tcp).await?),
        TlsMode::Starttls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain, &target).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| ConnectorError::Config(format!("{target} refused STARTTLS ({e}); try --tls tls on port 993")))?;
            Box::new(tls(settings, plain.into_inner()).await?)
        }
    };
    let mut client = Client::new(stream);
    if settings.tls != TlsMode::Starttls {
        greeting(&mut client, &target).await?;
    }
    match tokio::time::timeout(COMMAND_TIMEOUT, client.login(&settings.user, &password.0)).await {
        Err(_) => Err(ConnectorError::Transient(format!("{target} did not answer the login"))),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((async_imap::error::Error::No(why) | async_imap::error::Error::Bad(why), _))) => Err(ConnectorError::Config(format!(
            "the server refused the login for {} ({}); check the user name and password, then edit the channel",
            settings.user,
            why.trim()
        ))),
        Ok(Err((e, _))) => Err(ConnectorError::Transient(format!("logging in to {target}: {e}"))),
    }
}

async fn greeting<T: ImapStream>(client: &mut Client<T>, target: &str) -> Result<(), ConnectorError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, client.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(ConnectorError::Transient(format!("{target} closed the connection before greeting"))),
        Ok(Err(e)) => Err(ConnectorError::Transient(format!("reading {target}'s greeting: {e}"))),
        Err(_) => Err(ConnectorError::Transient(format!("{target} sent no greeting; is it an IMAP server?"))),
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
                .map_err(|e| ConnectorError::Config(format!("cannot read the CA file {}: {e}", path.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| ConnectorError::Config(format!("the CA file {} is not PEM: {e}", path.display())))?;
                roots.add(cert).map_err(|e| ConnectorError::Config(format!("a certificate in {} is not usable: {e}", path.display())))?;
            }
            rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            use rustls_platform_verifier::ConfigVerifierExt;
            rustls::ClientConfig::with_platform_verifier()
                .map_err(|e| ConnectorError::Config(format!("cannot load the system's certificate authorities: {e}")))?
        }
    };
    let name = rustls::pki_types::ServerName::try_from(settings.host.trim_matches(['[', ']']).to_owned())
        .map_err(|e| ConnectorError::Config(format!("{:?} is not a valid server name for TLS: {e}", settings.host)))?;
    tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| {
        let text = e.to_string();
        if text.contains("certificate") || text.contains("UnknownIssuer") || text.contains("NotValidForName") {
            ConnectorError::Config(format!("{}'s certificate is not trusted ({text}); check the host name", settings.host))
        } else {
            ConnectorError::Transient(format!("TLS with {} failed: {text}", settings.host))
        }
    })
}

fn transient(what: &str) -> impl Fn(async_imap::error::Error) -> ConnectorError + '_ {
    move |e| ConnectorError::Transient(format!("{what}: {e}"))
}

async fn timed<T>(what: &str, f: impl Future<Output = async_imap::error::Result<T>>) -> Result<T, ConnectorError> {
    match tokio::time::timeout(COMMAND_TIMEOUT, f).await {
        Ok(r) => r.map_err(transient(what)),
        Err(_) => Err(ConnectorError::Transient(format!("{what}: the server stopped answering"))),
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
    let idle = timed("asking for the server's capabilities", session.capabilities()).await?.has_str("IDLE");
    loop {
        let mailbox = match tokio::time::timeout(COMMAND_TIMEOUT, session.select(&folder)).await {
            Err(_) => return Err(ConnectorError::Transient(format!("selecting {folder}: the server stopped answering"))),
            Ok(Err(async_imap::error::Error::No(why))) => {
                return Err(ConnectorError::Config(format!("the folder {folder:?} cannot be opened ({}); check its name", why.trim())));
            }
            Ok(r) => r.map_err(transient("selecting the folder"))?,
        };
        let uidvalidity = mailbox.uid_validity.unwrap_or(0);
        let mark = state.lock().await.folders.get(&folder).copied();
        let uids: Vec<u32> = match mark {
            Some(m) if m.uidvalidity == uidvalidity => {
                let found = timed("searching for new mail", session.uid_search(format!("UID {}:*", m.last_uid.saturating_add(1)))).await?;
                let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > m.last_uid).collect();
                uids.sort_unstable();
                uids
            }
            previous => {
                if previous.is_some() {
                    tracing::info!(channel, folder, "UIDVALIDITY changed: fetching recent mail again; what is stored is recognised");
                }
                let since = host.now() - chrono::Duration::days(i64::from(settings.first_sync_days));
                let found = timed("searching recent mail", session.uid_search(format!("SINCE {}", since.format("%d-%b-%Y")))).await?;
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
                    Ok(r) => r.map_err(transient("fetching mail"))?,
                    Err(_) => return Err(ConnectorError::Transient("fetching mail: the server stopped answering".into())),
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
                messages.push(crate::mail::parse(&raw, truncated, now));
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
        .map_err(|e| ConnectorError::Transient(format!("storing mail: {e}")))?;
    if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
        if matches!(e, crate::IngestError::Unavailable(_)) {
            return Err(ConnectorError::Transient(format!("storing mail: {e}")));
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
        timed("checking the connection", session.noop()).await?;
        return Ok(session);
    }
    let mut handle = session.idle();
    timed("starting IDLE", handle.init()).await?;
    let (wait, _stop) = handle.wait_with_timeout(IDLE_RENEW);
    let outcome = wait.await.map_err(transient("waiting for mail"))?;
    match outcome {
        IdleResponse::NewData(_) | IdleResponse::Timeout | IdleResponse::ManualInterrupt => {}
    }
    timed("ending IDLE", handle.done()).await
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
    let caps = timed("asking for capabilities", session.capabilities()).await?;
    let capabilities = ["IDLE", "CONDSTORE", "QRESYNC", "UIDPLUS"].iter().filter(|c| caps.has_str(**c)).map(|c| (*c).to_owned()).collect();
    let mut folders = Vec::new();
    for folder in &settings.folders {
        let result = match tokio::time::timeout(COMMAND_TIMEOUT, session.examine(folder)).await {
            Ok(Ok(m)) => Ok(m.exists),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer".into()),
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
        assert!(e.message.contains("only for a server on this machine"), "{e:?}");
        assert!(
            format!("{:?}", Password("hunter2".into())).contains('…') && !format!("{:?}", Password("hunter2".into())).contains("hunter2")
        );
    }
}
