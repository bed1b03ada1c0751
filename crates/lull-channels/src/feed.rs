//! RSS 1.0/2.0, Atom and JSON Feed channels: a client's status page, a project's release feed,
//! a forum, polled over HTTP.
//!
//! Each poll is a conditional GET (`If-None-Match` / `If-Modified-Since` from the last answer),
//! so an unchanged feed costs one small request. Entries are keyed by their guid, else their
//! link, else their title and date; the engine stores a key once, so polling the same entries
//! again adds nothing. The first poll only takes entries from the last 14 days, so adding a
//! feed with years of history does not flood the inbox. The ETag and Last-Modified are saved
//! with the entries they came with. A failing feed is retried with back-off by the supervisor;
//! a broken document is reported with what the parser said. A feed on the internet reaches
//! only public addresses, through redirects and DNS alike ([`crate::outbound`]).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lull_core::Incoming;
pub use lull_core::channel::FeedSettings;
use lull_core::channel::{ChannelKind, ChannelSettings, FeedSettingsError};
use lull_core::model::{Category, ChannelId};
use lull_core::phrase::{Phrase, Said};
use lull_core::text::{html_to_text, redact_url};
use serde::{Deserialize, Serialize};

use crate::error_chain;
use crate::kind::{BoxFuture, CheckContext, Checked, Invalid, Kind, RunContext, Start};
use crate::outbound::{self, PublicResolver, Reach};
use crate::sink::{Health, IngestSink};
use crate::supervisor::ConnectorError;

/// At most this much of a feed is read.
pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;
/// What the first poll takes, counted back from now.
pub const FIRST_SYNC_WINDOW: chrono::Duration = chrono::Duration::days(14);
/// At most this many characters of an entry's text are kept.
const MAX_BODY_CHARS: usize = 4_000;

/// The feed kind: its settings are a [`FeedSettings`].
#[derive(Debug)]
pub struct Feed;

impl Kind for Feed {
    type Settings = FeedSettings;
    const KIND: ChannelKind = ChannelKind::Feed;

    fn settings(settings: &ChannelSettings) -> Option<&FeedSettings> {
        match settings {
            ChannelSettings::Feed(s) => Some(s),
            _ => None,
        }
    }
    fn wrap(settings: FeedSettings) -> ChannelSettings {
        ChannelSettings::Feed(settings)
    }
    fn validate(settings: FeedSettings) -> Result<FeedSettings, Invalid> {
        settings.validated().map_err(|e| {
            let field = if matches!(e, FeedSettingsError::Interval { .. }) { "every_secs" } else { "url" };
            Invalid::new(field, e.phrase())
        })
    }
    fn describe(_: &str, settings: &FeedSettings) -> Phrase {
        Phrase::new("about.feed").with("url", redact_url(&settings.url)).with("every", crate::kind::duration(settings.every_secs))
    }
    /// A feed at a new address starts afresh: the old ETag means nothing there.
    fn restarts_afresh(old: &FeedSettings, new: &FeedSettings) -> bool {
        old.url != new.url
    }
    fn check(settings: FeedSettings, _: CheckContext) -> BoxFuture<'static, Checked> {
        Box::pin(async move {
            let mut steps = vec![Phrase::new("check.feed.fetching").with("url", redact_url(&settings.url))];
            let outcome = match probe(&settings.url).await {
                Ok(p) => {
                    steps.push(Phrase::new("check.feed.parsed").with("format", &p.format).with("count", p.entries));
                    Ok(Phrase::new("check.feed.works").with("title", format!("{:?}", p.title)).with("count", p.entries))
                }
                Err(e) => Err(e.phrase()),
            };
            Checked { steps, outcome }
        })
    }
    fn start(settings: FeedSettings, ctx: RunContext) -> Option<Start> {
        Some(Box::new(move || Box::pin(run(ctx.channel, settings.clone(), ctx.sink.clone()))))
    }
}

/// What the feed channel remembers between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FeedState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// Set once the first poll is stored: later polls take every new entry, whatever its date.
    #[serde(default)]
    synced: bool,
}

/// Polls one feed until an error; the supervisor restarts it with back-off.
pub async fn run(channel: ChannelId, settings: FeedSettings, host: Arc<dyn IngestSink>) -> Result<(), ConnectorError> {
    let http = client(&settings.url).await?;
    let mut state: FeedState =
        host.sync_state(channel).await.map_err(ConnectorError::transient).map(|v| serde_json::from_value(v).unwrap_or_default())?;
    loop {
        host.report(channel, Health::Syncing { done: 0, total: None });
        let fetched = fetch(&http, &settings.url, &state).await?;
        if let Some(doc) = fetched {
            let now = host.now();
            let feed = parse(&doc.body).map_err(|e| {
                ConnectorError::Transient(Phrase::new("feed.not_a_feed").with("url", redact_url(&settings.url)).with("detail", e))
            })?;
            let since = (!state.synced).then(|| now - FIRST_SYNC_WINDOW);
            let entries = entries(&feed, now, since);
            let total = entries.len() as u64;
            let next = FeedState { etag: doc.etag, last_modified: doc.last_modified, synced: true };
            let results = host
                .ingest_batch(channel, entries, Some(serde_json::to_value(&next).unwrap_or_default()))
                .await
                .map_err(ConnectorError::transient)?;
            if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
                tracing::warn!(channel, error = %e, "a feed entry was not stored");
            }
            tracing::debug!(channel, entries = total, "feed polled");
            state = next;
        }
        host.report(channel, Health::Ok);
        tokio::time::sleep(Duration::from_secs(settings.every_secs)).await;
    }
}

/// Parses RSS, Atom or JSON Feed. Entries without an id keep an empty one (feed-rs would make
/// up a random one, which changes at every poll) so [`entry_key`] can fall back to the link.
pub fn parse(body: &[u8]) -> Result<feed_rs::model::Feed, feed_rs::parser::ParseFeedError> {
    feed_rs::parser::Builder::new().id_generator(|_, _, _| String::new()).build().parse(body)
}

/// What `channel test` learns of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub format: String,
    pub title: String,
    pub entries: usize,
}

/// Fetches and parses a feed once, storing nothing.
pub async fn probe(url: &str) -> Result<Probe, ConnectorError> {
    let http = client(url).await?;
    let doc = fetch(&http, url, &FeedState::default())
        .await?
        .ok_or_else(|| ConnectorError::Transient(Phrase::new("feed.not_modified").with("url", redact_url(url))))?;
    let feed = parse(&doc.body)
        .map_err(|e| ConnectorError::Transient(Phrase::new("feed.not_a_feed").with("url", redact_url(url)).with("detail", e)))?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "Atom",
        feed_rs::model::FeedType::JSON => "JSON Feed",
        feed_rs::model::FeedType::RSS0 => "RSS 0.9",
        feed_rs::model::FeedType::RSS1 => "RSS 1.0",
        feed_rs::model::FeedType::RSS2 => "RSS 2.0",
    };
    Ok(Probe { format: format.into(), title: feed.title.map(|t| t.content).unwrap_or_default(), entries: feed.entries.len() })
}

/// Redirects followed before a feed is given up as a loop.
const MAX_REDIRECTS: usize = 10;

/// One HTTP client per connector: TLS with the system's roots, a time limit, no cookies, and a
/// reach fixed by the feed's own address ([`outbound`]): a public feed connects only to public
/// addresses. Redirects are followed by [`fetch`], which checks each one.
struct FeedClient {
    http: reqwest::Client,
    reach: Reach,
}

async fn client(url: &str) -> Result<FeedClient, ConnectorError> {
    crate::tls::install_provider();
    let reach = Reach::of(url).await;
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("Lull/", env!("CARGO_PKG_VERSION"), " (feed reader; +https://github.com/lull-app/lull)"))
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none());
    if reach == Reach::PublicOnly {
        builder = builder.dns_resolver(Arc::new(PublicResolver::new()));
    }
    let http = builder.build().map_err(|e| ConnectorError::Config(Phrase::new("connector.no_http").with("detail", e)))?;
    Ok(FeedClient { http, reach })
}

struct Fetched {
    body: Vec<u8>,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// A conditional GET, following redirects the feed's reach allows: `None` when the feed has not
/// changed since the last poll.
async fn fetch(client: &FeedClient, url: &str, state: &FeedState) -> Result<Option<Fetched>, ConnectorError> {
    let mut at =
        reqwest::Url::parse(url).map_err(|_| ConnectorError::Config(Phrase::new("feed.not_an_address").with("url", redact_url(url))))?;
    let mut hops = 0;
    let mut resp = loop {
        let mut req = client.http.get(at.clone()).header(
            reqwest::header::ACCEPT,
            "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5",
        );
        if let Some(etag) = &state.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &state.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(|e| match outbound::private_name(&e) {
            Some(p) => ConnectorError::Transient(Phrase::new("feed.private_address").with("url", redact_url(url)).with("host", &p.name)),
            None => ConnectorError::Transient(
                Phrase::new("feed.cannot_fetch").with("url", redact_url(url)).with("detail", error_chain(&e.without_url())),
            ),
        })?;
        if !resp.status().is_redirection() || resp.status() == reqwest::StatusCode::NOT_MODIFIED {
            break resp;
        }
        let location = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
        let Some(next) = location.and_then(|l| at.join(l).ok()).filter(|u| matches!(u.scheme(), "http" | "https")) else {
            return Err(ConnectorError::Transient(
                Phrase::new("feed.http_status").with("url", redact_url(url)).with("status", resp.status()),
            ));
        };
        if !client.reach.allows(&next) {
            return Err(ConnectorError::Transient(
                Phrase::new("feed.redirect_private").with("url", redact_url(url)).with("target", redact_url(next.as_str())),
            ));
        }
        hops += 1;
        if hops > MAX_REDIRECTS {
            return Err(ConnectorError::Transient(
                Phrase::new("feed.redirect_loop").with("url", redact_url(url)).with("max", MAX_REDIRECTS),
            ));
        }
        at = next;
    };
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if status == reqwest::StatusCode::GONE {
        return Err(ConnectorError::Config(Phrase::new("feed.gone").with("url", redact_url(url))));
    }
    if !status.is_success() {
        return Err(ConnectorError::Transient(Phrase::new("feed.http_status").with("url", redact_url(url)).with("status", status)));
    }
    let header = |name| resp.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned);
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| {
        // A body that stops short is the connection's doing (a proxy, a dropped line, a server
        // restarting), not the feed's: say so, without the HTTP library's chain of causes.
        if e.is_body() || e.is_decode() {
            ConnectorError::Transient(Phrase::new("feed.cut_off").with("url", redact_url(url)).with("received", body.len()))
        } else {
            ConnectorError::Transient(
                Phrase::new("feed.cannot_read").with("url", redact_url(url)).with("detail", error_chain(&e.without_url())),
            )
        }
    })? {
        if body.len() + chunk.len() > MAX_FEED_BYTES {
            return Err(ConnectorError::Transient(
                Phrase::new("feed.too_large").with("url", redact_url(url)).with("max", MAX_FEED_BYTES >> 20),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(Fetched { body, etag, last_modified }))
}

/// The entries of a parsed feed as messages, oldest first; with `since`, only those published
/// or updated after it (entries without a date count as new).
pub fn entries(feed: &feed_rs::model::Feed, now: DateTime<Utc>, since: Option<DateTime<Utc>>) -> Vec<Incoming> {
    let feed_title = feed.title.as_ref().map(|t| t.content.trim().to_owned()).filter(|t| !t.is_empty());
    let mut out: Vec<Incoming> = feed
        .entries
        .iter()
        .filter(|e| match (since, e.updated.or(e.published)) {
            (Some(since), Some(at)) => at >= since,
            _ => true,
        })
        .map(|e| {
            let title = e
                .title
                .as_ref()
                .map(|t| text_of(&t.content, &t.content_type.essence().to_string()).split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let link = e.links.iter().map(|l| l.href.trim()).find(|h| h.starts_with("https://") || h.starts_with("http://"));
            let date = e.published.or(e.updated);
            let key = entry_key(&e.id, link, &title, date);
            let author = e.authors.first().map(|a| {
                let name = a.name.as_deref().unwrap_or_default().trim();
                match &a.email {
                    Some(mail) => format!("{name} <{mail}>"),
                    None => name.to_owned(),
                }
            });
            let body = e
                .summary
                .as_ref()
                .map(|t| text_of(&t.content, &t.content_type.essence().to_string()))
                .or_else(|| e.content.as_ref().and_then(|c| c.body.as_deref()).map(|b| text_of(b, "text/html")))
                .unwrap_or_default();
            Incoming {
                source_key: key,
                sender: author.filter(|a| !a.trim().is_empty()).or_else(|| feed_title.clone()).unwrap_or_else(|| "Feed".into()),
                title: if title.is_empty() { "(untitled entry)".into() } else { title },
                body: body.chars().take(MAX_BODY_CHARS).collect(),
                url: link.map(str::to_owned),
                category: Some(Category::System),
                sent_at: date,
                received_at: now,
                app: None,
                shown_by_source: false,
                silent: false,
                reply: None,
                mail: None,
                relay: None,
            }
        })
        .collect();
    out.sort_by_key(|m| m.sent_at);
    out
}

/// The guid when the feed gives one, else the link, else the title and date.
fn entry_key(id: &str, link: Option<&str>, title: &str, date: Option<DateTime<Utc>>) -> String {
    if !id.trim().is_empty() {
        return format!("id:{}", id.trim());
    }
    if let Some(link) = link {
        return format!("link:{link}");
    }
    format!("title:{}|{}", title, date.map(|d| d.to_rfc3339()).unwrap_or_default())
}

/// Plain text from a feed's text construct, which may be HTML.
fn text_of(content: &str, media_type: &str) -> String {
    if media_type.contains("html") || content.contains("</") || content.contains("<br") {
        html_to_text(content)
    } else {
        content.trim().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        let feed = |url: &str, every_secs| Feed::validate(FeedSettings { url: url.into(), every_secs });
        let no_scheme = feed("status.acme.com/feed", 900).expect_err("no scheme");
        assert_eq!((no_scheme.field, no_scheme.problem.code.as_str()), ("url", "feed.not_an_address"));
        let too_often = feed("https://status.acme.com/feed", 5).expect_err("too often");
        assert_eq!((too_often.field, too_often.problem.code.as_str()), ("every_secs", "feed.bad_interval"));
        assert_eq!(feed(" https://status.acme.com/feed ", 900).expect("ok").every_secs, 900);
    }

    #[test]
    fn keys_prefer_the_guid_then_the_link_then_title_and_date() {
        assert_eq!(entry_key("urn:uuid:1", Some("https://a/1"), "T", None), "id:urn:uuid:1");
        assert_eq!(entry_key("", Some("https://a/1"), "T", None), "link:https://a/1");
        assert_eq!(entry_key("", None, "T", None), "title:T|");
    }
}
