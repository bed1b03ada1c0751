//! The one typed request/response set of the engine. The CLI sends it over HTTP
//! (`POST /api`) or runs it in-process; the desktop app will send the same values over Tauri
//! IPC. Field names are stable: they are what `--json` prints, documented in the README.

use chrono::{DateTime, Utc};
use lull_core::model::{Category, ChannelKind, ClientMode, DecisionKind, Tier};
use lull_core::simulate::{Simulation, TraceEntry};
use lull_core::stats::WeekStats;
use lull_core::{Rule, Schedule};
use serde::{Deserialize, Serialize};

/// Everything one can ask the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum Request {
    Status,
    ScheduleShow,
    ScheduleSet(ScheduleUpdate),
    ClientList,
    ClientAdd(ClientSpec),
    ClientEdit(ClientEdit),
    ClientRemove {
        name: String,
    },
    ChannelList,
    ChannelAdd(ChannelSpec),
    /// Replaces a channel's settings (its kind and name stay); its connector restarts.
    ChannelEdit(ChannelSpec),
    /// Checks that a channel works now (fetches a feed, reaches the bus, …) without storing
    /// anything.
    ChannelTest {
        name: String,
    },
    Explain(ExplainQuery),
    FocusStart {
        minutes: u32,
    },
    FocusStop,
    Inbox(InboxQuery),
    DigestList {
        limit: u32,
    },
    DigestShow {
        id: i64,
    },
    DigestNow,
    StatsWeek {
        week: Option<String>,
    },
    Simulate {
        trace: Vec<TraceEntry>,
        week: Option<String>,
    },
    /// The user opened Lull (the UI, or `lull inbox`): feeds "checks during focus".
    RecordOpen {
        source: String,
    },
    /// Marks messages read or unread.
    MarkRead {
        ids: Vec<i64>,
        read: bool,
    },
    /// Archives messages, or brings them back to the inbox.
    Archive {
        ids: Vec<i64>,
        archived: bool,
    },
    /// Puts messages out of sight until the next digest; they come back unread.
    Snooze {
        ids: Vec<i64>,
    },
    /// Version and where the data is.
    Info,
    /// The whole configuration (schedule, clients, channels) as one document.
    ConfigExport,
    /// Applies a configuration document: adds what is new, updates what exists by name.
    ConfigImport(ConfigDocument),
    /// Seeds a realistic week of messages into an empty data directory, to see every screen.
    Demo,
}

/// The answer to a [`Request`], one variant per kind of result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Response {
    Status(StatusView),
    Schedule(ScheduleView),
    Clients(Vec<ClientView>),
    Client(ClientView),
    Removed {
        name: String,
        messages_kept: u64,
    },
    Channels(Vec<ChannelView>),
    ChannelCreated(ChannelCreated),
    Channel(ChannelView),
    ChannelTested(ChannelTestReport),
    Explanation(Explanation),
    Focus(FocusView),
    Inbox(InboxPage),
    Digests(Vec<DigestView>),
    Digest(DigestDetail),
    /// `None` when nothing was waiting.
    DigestReleased(Option<DigestView>),
    Stats(Box<WeekStats>),
    Simulation(Box<Simulation>),
    /// How many messages a triage action changed.
    Updated {
        count: u32,
    },
    Info(InfoView),
    Config(ConfigDocument),
    Imported(ImportReport),
    Demo(DemoReport),
    Ok,
}

/// A failed request: a stable code for programs and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is wrong; the message says what to change.
    InvalidInput,
    NotFound,
    Conflict,
    Unauthorized,
    /// Lull cannot do it right now (database busy, engine stopping); try again.
    Unavailable,
    Internal,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }
    /// The HTTP status this error is sent with.
    pub fn http_status(&self) -> u16 {
        match self.code {
            ErrorCode::InvalidInput => 400,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl From<lull_store::StoreError> for ApiError {
    fn from(e: lull_store::StoreError) -> ApiError {
        use lull_store::StoreError as S;
        let code = match &e {
            S::Conflict(_) => ErrorCode::Conflict,
            S::NotFound(_) => ErrorCode::NotFound,
            S::Busy | S::WriterGone => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "store error");
        }
        ApiError::new(code, e.to_string())
    }
}

/// Changes to the schedule; fields left out keep their value. Ranges are written as on the
/// command line (`mon-fri 09:00-12:00`), times as `HH:MM`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScheduleUpdate {
    pub tz: Option<String>,
    pub focus: Option<Vec<String>>,
    pub work: Option<Vec<String>>,
    pub digests: Option<Vec<String>>,
    /// `fri 17:00`: when ratings and reviews are released.
    pub weekly_digest: Option<String>,
    pub urgent_words: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ScheduleView {
    #[serde(flatten)]
    pub schedule: Schedule,
    pub next_digest: DateTime<Utc>,
    /// How many held messages moved to a new release time (after `schedule set`).
    pub replanned: u32,
}

/// A client to add. Missing fields take defaults: the user's time zone, tier `normal`, mode
/// `normal`, a quota of 3 bypasses a day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientSpec {
    pub name: String,
    pub tz: Option<String>,
    pub tier: Option<Tier>,
    pub mode: Option<ClientMode>,
    pub bypass_quota: Option<u32>,
    /// `email:ADDR`, `domain:DOMAIN`, `channel:NAME`.
    #[serde(default)]
    pub matches: Vec<String>,
    /// `tue,thu 14:00-16:00`, with `@client` for the client's time.
    #[serde(default)]
    pub live: Vec<String>,
}

/// Changes to a client; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientEdit {
    pub name: String,
    pub rename: Option<String>,
    pub tz: Option<String>,
    pub tier: Option<Tier>,
    pub mode: Option<ClientMode>,
    pub bypass_quota: Option<u32>,
    #[serde(default)]
    pub add_matches: Vec<String>,
    #[serde(default)]
    pub remove_matches: Vec<String>,
    /// Replaces every live window; `Some(vec![])` removes them all.
    pub live: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ClientView {
    pub id: i64,
    pub name: String,
    pub tz: String,
    /// The client's wall clock now, e.g. `Tue 14:05`.
    pub local_time: String,
    pub tier: Tier,
    pub mode: ClientMode,
    pub bypass_quota: u32,
    pub matches: Vec<String>,
    pub live_windows: Vec<String>,
    /// Messages in the last 7 days.
    pub messages_7d: u32,
}

/// A channel to add, or the new settings of one (edit). Fields that do not apply to the
/// channel's kind are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelSpec {
    pub kind: ChannelKind,
    pub name: String,
    /// Feeds: the feed's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub url: Option<String>,
    /// Feeds: seconds between polls (default 900, at least 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub every_secs: Option<u64>,
    /// Webhooks: a payload preset (github, gitlab, jira).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub preset: Option<String>,
    /// Webhooks: `FIELD=/json/pointer|…` mappings (fields: id, from, title, body, url, time,
    /// category).
    #[serde(default)]
    pub map: Vec<String>,
    /// Desktop: apps whose notifications are not taken.
    #[serde(default)]
    pub ignore_apps: Vec<String>,
    /// Desktop: be the desktop's notification daemon (for desktops without one: sway, i3),
    /// showing what passes and holding the rest, instead of watching another daemon.
    #[serde(default)]
    pub gatekeeper: bool,
    /// IMAP: the server, e.g. imap.fastmail.com.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub host: Option<String>,
    /// IMAP: the port (default 993 with TLS, 143 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub port: Option<u16>,
    /// IMAP: the user name, usually the email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub user: Option<String>,
    /// IMAP: `tls` (default), `starttls` or `none` (only for a server on this machine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tls: Option<String>,
    /// IMAP: the folders to watch (default INBOX).
    #[serde(default)]
    pub folders: Vec<String>,
    /// IMAP: a PEM file of certificate authorities to trust instead of the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ca_file: Option<String>,
    /// IMAP: the password. Write-only: kept in the keyring (or a private file), never shown,
    /// never exported.
    #[serde(default, skip_serializing)]
    #[ts(optional)]
    pub password: Option<String>,
    /// Where to keep the password: `keyring` (default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub secret_store: Option<crate::secrets::SecretStore>,
}

impl Default for ChannelSpec {
    fn default() -> Self {
        ChannelSpec {
            kind: ChannelKind::Webhook,
            name: String::new(),
            url: None,
            every_secs: None,
            preset: None,
            map: vec![],
            ignore_apps: vec![],
            gatekeeper: false,
            host: None,
            port: None,
            user: None,
            tls: None,
            folders: vec![],
            ca_file: None,
            password: None,
            secret_store: None,
        }
    }
}

/// What a channel's connector is doing right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename_all = "snake_case")]
pub enum ChannelState {
    /// Webhooks: receiving when senders post; nothing runs.
    Listening,
    /// The connector is not running (Lull is not serving, or it is starting).
    Stopped,
    Connecting,
    Syncing,
    Ok,
    /// Failed; tried again at `next_retry_at`.
    Retrying,
    /// Cannot work as configured: edit the channel.
    Failed,
}

/// How far a sync has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncProgress {
    pub done: u64,
    pub total: Option<u64>,
}

/// What `channel test` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelTestReport {
    pub name: String,
    pub ok: bool,
    /// One line: what works, or what is wrong and what to do.
    pub summary: String,
    /// What was checked, step by step.
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelView {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// Where a webhook channel receives, e.g. `/hooks/acme`.
    pub path: Option<String>,
    /// One line saying what the channel listens to.
    pub about: String,
    /// The settings, as `channel edit` takes them.
    pub spec: ChannelSpec,
    /// The last recorded health: `ok` or `error` (kept across restarts).
    pub health: String,
    /// What the connector is doing now.
    pub state: ChannelState,
    pub next_retry_at: Option<DateTime<Utc>>,
    pub progress: Option<SyncProgress>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub messages: u64,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ChannelCreated {
    pub channel: ChannelView,
    /// The webhook's bearer token. Shown once: Lull keeps only its hash.
    pub token: Option<String>,
}

/// "What would happen to such a message at that time?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ExplainQuery {
    pub from: String,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub category: Option<Category>,
    /// The channel it would arrive on, for `channel:` identities.
    pub channel: Option<String>,
    /// The desktop app it would come from, for `app:` identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub app: Option<String>,
    /// Decide as if it came from this client, whatever `from` says (previews).
    #[serde(default)]
    pub client: Option<String>,
    /// Decide under this change of the schedule instead of the saved one (previews of edits).
    #[serde(default)]
    pub schedule: Option<ScheduleUpdate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Explanation {
    pub at: DateTime<Utc>,
    pub client: Option<String>,
    /// The identity that attributed the message, e.g. `domain:acme.com`.
    pub matched: Option<String>,
    pub category: Category,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct FocusView {
    pub in_focus: bool,
    /// `session` (manual) or `block` (from the schedule).
    pub source: Option<String>,
    pub until: Option<DateTime<Utc>>,
    /// The schedule's block in force, e.g. `mon-fri 09:00-12:00`.
    pub block: Option<String>,
}

/// The engine's state for a glance (the tray, `lull status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StatusView {
    pub now: DateTime<Utc>,
    pub tz: String,
    pub focus: FocusView,
    pub held: u32,
    pub next_digest: DateTime<Utc>,
    /// Held messages the next digest will release, and from how many clients.
    pub next_digest_messages: u32,
    pub next_digest_clients: u32,
    pub bypasses_today: u32,
    /// The last notification error, if the last notification failed.
    pub notifications_error: Option<String>,
    /// One reassuring sentence: "In focus until 12:00. Nothing urgent. Next digest at 13:00: …".
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxQuery {
    #[serde(default)]
    pub held_only: bool,
    /// A client name, or `Unknown`.
    pub client: Option<String>,
    pub search: Option<String>,
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    pub before: Option<Cursor>,
    /// Whether this listing is the user looking at the inbox (recorded as a check).
    #[serde(default)]
    pub record_check: bool,
    /// Only messages that interrupted (live and bypass).
    #[serde(default)]
    pub interruptions_only: bool,
    /// The archive instead of the inbox.
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct MessageView {
    pub id: i64,
    pub channel: String,
    pub client: Option<String>,
    pub sender: String,
    pub title: String,
    pub body: String,
    pub url: Option<String>,
    pub category: Category,
    pub sent_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub decision: DecisionKind,
    pub release_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub rule: Rule,
    pub digest_id: Option<i64>,
    pub read: bool,
    pub archived: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct InboxPage {
    pub messages: Vec<MessageView>,
    pub next: Option<Cursor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestView {
    pub id: i64,
    pub slot_at: DateTime<Utc>,
    pub released_at: DateTime<Utc>,
    pub manual: bool,
    pub merged_slots: u32,
    pub messages: u32,
    pub clients: u32,
    pub summary: String,
    pub notified_at: Option<DateTime<Utc>>,
    pub notify_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestGroup {
    pub client: Option<String>,
    pub messages: Vec<MessageView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DigestDetail {
    pub digest: DigestView,
    pub groups: Vec<DigestGroup>,
}

impl From<lull_store::DigestRow> for DigestView {
    fn from(d: lull_store::DigestRow) -> DigestView {
        DigestView {
            id: d.id,
            slot_at: d.record.slot_at,
            released_at: d.record.released_at,
            manual: d.record.manual,
            merged_slots: d.record.merged_slots,
            messages: d.record.message_count,
            clients: d.record.client_count,
            summary: d.record.summary,
            notified_at: d.notified_at,
            notify_error: d.notify_error,
        }
    }
}

impl From<lull_store::MessageRow> for MessageView {
    fn from(m: lull_store::MessageRow) -> MessageView {
        MessageView {
            id: m.id,
            channel: m.channel,
            client: m.client,
            sender: m.sender,
            title: m.title,
            body: m.body,
            url: m.url,
            category: m.category,
            sent_at: m.sent_at,
            received_at: m.received_at,
            decision: m.decision.kind,
            release_at: m.decision.release_at,
            reason: m.decision.reason,
            rule: m.decision.rule,
            digest_id: m.digest_id,
            read: m.read_at.is_some(),
            archived: m.archived_at.is_some(),
            snoozed_until: m.snoozed_until,
        }
    }
}

/// Version and whereabouts of this Lull.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct InfoView {
    pub version: String,
    pub data_dir: String,
    pub database: String,
    pub schema: u32,
    pub messages: u64,
    /// Where the engine's loopback server listens (webhooks post there), when it runs.
    pub server_url: Option<String>,
}

/// Lull's whole configuration, for export and import (`format` is always `lull-config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ConfigDocument {
    pub format: String,
    pub version: u32,
    pub schedule: Schedule,
    pub clients: Vec<ClientSpec>,
    pub channels: Vec<ChannelSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ImportReport {
    pub clients_added: u32,
    pub clients_updated: u32,
    /// New channels, with their tokens (shown once).
    pub channels_added: Vec<ChannelCreated>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DemoReport {
    pub clients: u32,
    pub channels: u32,
    pub messages: u32,
    pub digests: u32,
}

/// What the engine tells listeners (the UI, over server-sent events) as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EngineEvent {
    MessageIngested { id: i64, client: Option<String>, decision: DecisionKind, release_at: Option<DateTime<Utc>> },
    DigestReleased { digest: DigestView },
    FocusChanged { focus: FocusView },
    ScheduleChanged,
    ClientsChanged,
    ChannelsChanged,
}

/// The TypeScript declarations of every type the API sends or receives, for the web UI
/// (`ui/src/lib/api/types.ts`). A test fails when the committed file drifts from this.
pub fn typescript_bindings() -> String {
    use lull_core::model as m;
    use lull_core::{policy as p, simulate as sim, stats as st, week as w};
    use ts_rs::{Config, TS};

    let cfg = Config::new().with_large_int("number").with_array_tuple_limit(0);
    let decls = [
        Category::decl(&cfg),
        Tier::decl(&cfg),
        ClientMode::decl(&cfg),
        DecisionKind::decl(&cfg),
        ChannelKind::decl(&cfg),
        m::LiveWindow::decl(&cfg),
        w::TimeOfDay::decl(&cfg),
        w::WeeklyRange::decl(&cfg),
        w::WeeklySlot::decl(&cfg),
        st::IsoWeek::decl(&cfg),
        Schedule::decl(&cfg),
        Rule::decl(&cfg),
        p::Trigger::decl(&cfg),
        WeekStats::decl(&cfg),
        st::WeekFigures::decl(&cfg),
        st::Count::decl(&cfg),
        st::DailyCounts::decl(&cfg),
        st::DecisionCounts::decl(&cfg),
        st::InterruptionCounts::decl(&cfg),
        st::Stretch::decl(&cfg),
        st::Trend::decl(&cfg),
        st::Suggestion::decl(&cfg),
        Simulation::decl(&cfg),
        sim::SimulatedDecision::decl(&cfg),
        sim::SimulatedDigest::decl(&cfg),
        TraceEntry::decl(&cfg),
        Request::decl(&cfg),
        Response::decl(&cfg),
        ApiError::decl(&cfg),
        ErrorCode::decl(&cfg),
        ScheduleUpdate::decl(&cfg),
        ScheduleView::decl(&cfg),
        ClientSpec::decl(&cfg),
        ClientEdit::decl(&cfg),
        ClientView::decl(&cfg),
        ChannelSpec::decl(&cfg),
        ChannelState::decl(&cfg),
        SyncProgress::decl(&cfg),
        ChannelTestReport::decl(&cfg),
        crate::secrets::SecretStore::decl(&cfg),
        ChannelView::decl(&cfg),
        ChannelCreated::decl(&cfg),
        ExplainQuery::decl(&cfg),
        Explanation::decl(&cfg),
        FocusView::decl(&cfg),
        StatusView::decl(&cfg),
        InboxQuery::decl(&cfg),
        Cursor::decl(&cfg),
        MessageView::decl(&cfg),
        InboxPage::decl(&cfg),
        DigestView::decl(&cfg),
        DigestGroup::decl(&cfg),
        DigestDetail::decl(&cfg),
        EngineEvent::decl(&cfg),
        InfoView::decl(&cfg),
        ConfigDocument::decl(&cfg),
        ImportReport::decl(&cfg),
        DemoReport::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust API types by `lull_engine::api::typescript_bindings`; do not edit.\n\
         // Regenerate: LULL_UPDATE_BINDINGS=1 cargo test -p lull-engine --test engine bindings\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
