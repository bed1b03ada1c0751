// Generated from the Rust API types by `lull_api::bindings::typescript`; do not edit.
// Regenerate: LULL_UPDATE_BINDINGS=1 cargo test -p lull-api bindings

export type ApiError = { code: ErrorCode, message: string, field?: string, problem: Phrase, };

export type Archive = { ids: Array<number>, archived: boolean, };

export type AutoReplyState = "queued" | "sent" | "failed";

export type AutoReplyView = { to: string, subject: string, lang: ReplyLang, state: AutoReplyState, 
/**
 * When it was sent or given up; when it was queued while it waits.
 */
at: string, 
/**
 * The text that was sent.
 */
text: string | null, attempts: number, problem: Phrase | null, 
/**
 * `problem` in English, for scripts.
 */
error: string | null, };

export type Category = "direct" | "mention" | "platform" | "rating" | "social" | "newsletter" | "system";

export type ChannelCreated = { channel: ChannelView, 
/**
 * The webhook's bearer token. Shown once: Lull keeps only its hash.
 */
token: string | null, };

export type ChannelHealth = "ok" | "error";

export type ChannelKind = "webhook" | "imap" | "desktop" | "feed" | "phone";

export type ChannelKindView = { kind: ChannelKind, 
/**
 * Whether its channels keep a password (in the keyring).
 */
secret: boolean, 
/**
 * Whether its channels receive over Lull's server (`POST /hooks/<name>`) with a token.
 */
receives: boolean, 
/**
 * Webhooks: the senders whose payloads Lull knows (`--preset`).
 */
presets: Array<WebhookPreset>, };

export type ChannelSettings = { "kind": "webhook" } & WebhookSettings | { "kind": "imap" } & ImapSettings | { "kind": "desktop" } & DesktopSettings | { "kind": "feed" } & FeedSettings | { "kind": "phone" } & PhoneSettings;

export type ChannelSpec = { name: string, 
/**
 * For kinds that keep a password (IMAP). Write-only: kept in the keyring (or a private
 * file), never shown, never exported.
 */
password?: string, 
/**
 * Where to keep the password: `keyring` (default) or `file`.
 */
secret_store?: SecretStore, } & ({ "kind": "webhook" } & WebhookSettings | { "kind": "imap" } & ImapSettings | { "kind": "desktop" } & DesktopSettings | { "kind": "feed" } & FeedSettings | { "kind": "phone" } & PhoneSettings);

export type ChannelState = "listening" | "stopped" | "connecting" | "syncing" | "ok" | "waiting" | "retrying" | "failed";

export type ChannelTest = { name: string, };

export type ChannelTestReport = { name: string, ok: boolean, 
/**
 * What works, or what is wrong and what to do.
 */
outcome: Phrase, 
/**
 * What was checked, step by step.
 */
checks: Array<Phrase>, 
/**
 * `outcome` in English, for scripts.
 */
summary: string, 
/**
 * `checks` in English, for scripts.
 */
steps: Array<string>, };

export type ChannelView = { id: number, name: string, kind: ChannelKind, 
/**
 * Where a webhook channel receives, e.g. `/hooks/acme`.
 */
path: string | null, 
/**
 * What the channel listens to.
 */
description: Phrase, 
/**
 * `description` in English, for scripts.
 */
about: string, 
/**
 * The settings, as `channel edit` takes them.
 */
spec: ChannelSpec, 
/**
 * The last recorded health (kept across restarts).
 */
health: ChannelHealth, 
/**
 * What the connector is doing now.
 */
state: ChannelState, next_retry_at: string | null, progress: SyncProgress | null, 
/**
 * What a waiting channel waits for ("the phone is out of reach").
 */
waiting_for: Phrase | null, last_sync_at: string | null, 
/**
 * What went wrong last.
 */
last_problem: Phrase | null, 
/**
 * `last_problem` in English, for scripts.
 */
last_error: string | null, last_error_at: string | null, messages: number, last_message_at: string | null, created_at: string, 
/**
 * How its availability replies fare, when it sends them.
 */
replies: ReplyHealth | null, };

export type Charter = { client: string, client_tz: string, user_tz: string, 
/**
 * The week the times were read from (its first day, in the user's clock).
 */
from: string, live: Array<LiveSlot>, 
/**
 * When held messages are read (the digests), in the client's clock.
 */
reading: Array<Slot>, 
/**
 * The working hours, in the client's clock; empty when every hour works.
 */
hours: Array<Slot>, 
/**
 * The freelancer's days without working hours (the freelancer's days).
 */
days_off: Array<string>, 
/**
 * The digest times and the working days they fall on, in the freelancer's clock (what a
 * calendar repeats, in the freelancer's zone, so it stays right across DST changes).
 */
digest_times: Array<string>, working_days: Array<string>, 
/**
 * How the client breaks through for a real emergency, if it can.
 */
emergency: Emergency, 
/**
 * Urgent breakthroughs the client has per day.
 */
quota: number, 
/**
 * Only digests: the client's messages never interrupt.
 */
digest_only: boolean, 
/**
 * Changes whenever anything above does.
 */
fingerprint: string, };

export type CharterView = { charter: Charter, lang: ReplyLang, 
/**
 * To paste in a message.
 */
text: string, 
/**
 * A small self-contained page to send or attach.
 */
html: string, 
/**
 * An iCalendar file of the live windows and reading times.
 */
ics: string, 
/**
 * When the client was last given its charter.
 */
shared_at: string | null, 
/**
 * The charter shared then says something else than this one (the schedule, the client's
 * windows or tier changed, or a DST change moved the times).
 */
out_of_date: boolean, };

export type ClientCharter = { name: string, 
/**
 * The charter's language; by default the client's reply language, else English.
 */
lang: ReplyLang | null, mark_shared: boolean, };

export type ClientEdit = { name: string, rename: string | null, tz: string | null, tier: Tier | null, mode: ClientMode | null, bypass_quota: number | null, add_matches: Array<string>, remove_matches: Array<string>, 
/**
 * Replaces every live window; `Some(vec![])` removes them all.
 */
live: Array<string> | null, 
/**
 * `en` or `fr` turns availability replies on in that language, `off` turns them off.
 */
auto_reply: ReplySwitch | null, };

export type ClientMode = "normal" | "digest_only" | "muted";

export type ClientRemove = { name: string, };

export type ClientSpec = { name: string, tz: string | null, tier: Tier | null, mode: ClientMode | null, bypass_quota: number | null, 
/**
 * `email:ADDR`, `domain:DOMAIN`, `channel:NAME`.
 */
matches: Array<string>, 
/**
 * `tue,thu 14:00-16:00`, with `@client` for the client's time.
 */
live: Array<string>, 
/**
 * Availability replies to held email, in `en` or `fr`; `off` (the default) sends none.
 */
auto_reply: ReplySwitch | null, };

export type ClientView = { id: number, name: string, tz: string, 
/**
 * The client's wall clock now, e.g. `Tue 14:05`.
 */
local_time: string, tier: Tier, mode: ClientMode, bypass_quota: number, matches: Array<string>, live_windows: Array<string>, 
/**
 * The language of its availability replies; `null`: none are sent.
 */
auto_reply: ReplyLang | null, 
/**
 * When the client was last given its charter ("how to reach me").
 */
charter_shared_at: string | null, 
/**
 * The charter given then no longer matches the schedule.
 */
charter_out_of_date: boolean, 
/**
 * Messages in the last 7 days.
 */
messages_7d: number, };

export type ClockCounts = { kept: number, missed: number, running: number, };

export type ClockSettings = { platforms: { [key in string]: number | null }, };

export type ClockState = "kept" | "missed" | "running";

export type ClockView = { platform: string, within_secs: number, 
/**
 * When the clock runs out.
 */
reply_by: string, 
/**
 * When a held message breaks through for it, and whether it did.
 */
ring_at: string | null, rung_at: string | null, 
/**
 * Kept (archived before it ran out), missed, or running, at the time of the answer.
 */
state: ClockState, };

export type CommandSettings = { 
/**
 * The program (a path, or a name looked up in `PATH`).
 */
program: string, args: Array<string>, 
/**
 * Killed, and the push retried later, when it runs longer than this.
 */
timeout_secs: number, };

export type ConfigDocument = { format: string, version: number, schedule: Schedule, clients: Array<ClientSpec>, channels: Array<ChannelSpec>, 
/**
 * Availability replies' settings (templates, how often); left out by older exports.
 */
replies?: ReplySettings, 
/**
 * The platforms' response clocks the user changed; left out by older exports.
 */
response_clocks?: ClockSettings, };

export type Count = { name: string, count: number, };

export type Cursor = { received_at: string, id: number, };

export type DailyCounts = { name: string, days: Array<number>, };

export type DecisionCounts = { live: number, held: number, bypass: number, muted: number, };

export type DecisionKind = "live" | "held" | "bypass" | "muted";

export type DemoReport = { clients: number, channels: number, messages: number, digests: number, };

export type DesktopSettings = { 
/**
 * Apps whose notifications are not taken (e.g. the system's own); compared without case.
 */
ignore_apps: Array<string>, 
/**
 * Be the desktop's notification daemon and hold what the policy holds (for desktops without
 * one: sway, i3), instead of watching another daemon.
 */
gatekeeper: boolean, };

export type DigestDetail = { digest: DigestView, groups: Array<DigestGroup>, };

export type DigestGroup = { client: string | null, messages: Array<MessageView>, };

export type DigestList = { limit: number, };

export type DigestShow = { id: number, };

export type DigestView = { id: number, slot_at: string, released_at: string, manual: boolean, merged_slots: number, messages: number, clients: number, summary: string, notified_at: string | null, notify_error: string | null, };

export type Emergency = { "kind": "none" } | { "kind": "word", word: string, } | { "kind": "retry" };

export type EngineEvent = { "type": "message_ingested", id: number, client: string | null, decision: DecisionKind, release_at: string | null, } | { "type": "digest_released", digest: DigestView, } | { "type": "focus_changed", focus: FocusView, } | { "type": "schedule_changed" } | { "type": "clients_changed" } | { "type": "channels_changed" } | { "type": "messages_triaged", count: number, };

export type ErrorCode = "invalid_input" | "not_found" | "conflict" | "unauthorized" | "unavailable" | "internal";

export type ExplainQuery = { from: string, at: string, title: string, body: string, category: Category | null, 
/**
 * The channel it would arrive on, for `channel:` identities.
 */
channel: string | null, 
/**
 * The desktop app it would come from, for `app:` identities.
 */
app?: string, 
/**
 * Decide as if it came from this client, whatever `from` says (previews).
 */
client: string | null, 
/**
 * Decide under this change of the schedule instead of the saved one (previews of edits).
 */
schedule: ScheduleUpdate | null, 
/**
 * Word an availability reply with this template instead of the saved one (previews of
 * edits).
 */
reply_template?: string, };

export type Explanation = { at: string, client: string | null, 
/**
 * The identity that attributed the message, e.g. `domain:acme.com`.
 */
matched: string | null, category: Category, decision: DecisionKind, release_at: string | null, reason: string, rule: Rule, 
/**
 * Whether an email like this one would get an availability reply, and its text.
 */
auto_reply: ReplyPreview, };

export type FeedSettings = { 
/**
 * The feed's address.
 */
url: string, 
/**
 * Seconds between polls (at least 60, at most a week).
 */
every_secs: number, };

export type FocusSource = "session" | "block";

export type FocusStart = { minutes: number, };

export type FocusView = { in_focus: boolean, source: FocusSource | null, until: string | null, 
/**
 * The schedule's block in force, e.g. `mon-fri 09:00-12:00`.
 */
block: string | null, };

export type ImapSettings = { 
/**
 * The server, e.g. imap.fastmail.com.
 */
host: string, 
/**
 * The port; by default 993 with TLS, 143 otherwise.
 */
port?: number, 
/**
 * The user name, usually the email address.
 */
user: string, tls: TlsMode, 
/**
 * The folders to watch (INBOX unless told otherwise).
 */
folders: Array<string>, 
/**
 * A PEM file of certificate authorities to trust instead of the system's (a self-hosted
 * server with its own authority), as a full path.
 */
ca_file?: string, 
/**
 * The mail server availability replies are sent through (SMTP submission); none: Lull
 * sends no mail.
 */
smtp_host?: string, 
/**
 * By default 587 with STARTTLS, 465 with TLS, 25 without.
 */
smtp_port?: number, 
/**
 * STARTTLS by default.
 */
smtp_tls?: TlsMode, 
/**
 * The SMTP user when it is not the IMAP user (the password is the channel's).
 */
smtp_user?: string, 
/**
 * The user's own address: the From of replies, and what a message's To or Cc must name
 * to be answered. By default the user name, when it is an address.
 */
address?: string, };

export type ImportReport = { clients_added: number, clients_updated: number, 
/**
 * New channels, with their tokens (shown once).
 */
channels_added: Array<ChannelCreated>, };

export type InboxPage = { messages: Array<MessageView>, next: Cursor | null, };

export type InboxQuery = { held_only: boolean, 
/**
 * A client name, or `Unknown`.
 */
client: string | null, search: string | null, limit: number | null, 
/**
 * The `next` cursor of the previous page.
 */
before: Cursor | null, 
/**
 * Whether this listing is the user looking at the inbox (recorded as a check).
 */
record_check: boolean, 
/**
 * Only messages that interrupted (live and bypass).
 */
interruptions_only: boolean, 
/**
 * The archive instead of the inbox.
 */
archived: boolean, 
/**
 * Only snoozed messages (the Snoozed view).
 */
snoozed_only: boolean, };

export type InfoView = { version: string, 
/**
 * The commit this build was made from, when the build said (`git describe`).
 */
commit: string | null, data_dir: string, database: string, schema: number, messages: number, 
/**
 * Where the engine's loopback server listens (webhooks post there), when it runs.
 */
server_url: string | null, 
/**
 * The demo is in this data directory, and can be removed (`demo_remove`).
 */
demo: boolean, };

export type InterruptionCounts = { total: number, live: number, bypass: number, digest: number, 
/**
 * Of the total, how many came inside focus (blocks or sessions).
 */
in_focus: number, };

export type IsoWeek = string;

export type LiveSlot = { slot: Slot, window: LiveWindow, defined_in: string, };

export type LiveWindow = string;

export type MarkRead = { ids: Array<number>, read: boolean, };

export type MessageView = { id: number, channel: string, client: string | null, sender: string, title: string, body: string, url: string | null, category: Category, sent_at: string | null, received_at: string, decision: DecisionKind, release_at: string | null, reason: string, rule: Rule, digest_id: number | null, read: boolean, archived: boolean, snoozed_until: string | null, 
/**
 * The app that posted it (desktop and phone notifications).
 */
app: string | null, 
/**
 * It can be answered from Lull (a phone notification with a quick reply).
 */
can_reply: boolean, 
/**
 * It never rang (posted silently on the phone).
 */
silent: boolean, 
/**
 * When it was dismissed on the phone, held.
 */
dismissed_at: string | null, 
/**
 * The availability reply Lull sent (or owes) its sender: an outgoing message beside it.
 */
auto_reply: AutoReplyView | null, 
/**
 * The response clock of the platform that relayed it.
 */
clock: ClockView | null, };

export type NoReply = { "why": "not_opted_in" } | { "why": "cannot_send" } | { "why": "not_mail" } | { "why": "not_held", decision: DecisionKind, } | { "why": "category", category: Category, } | { "why": "backlog" } | { "why": "old" } | { "why": "auto_submitted", value: string, } | { "why": "mailing_list" } | { "why": "bulk", precedence: string, } | { "why": "null_return_path" } | { "why": "no_address" } | { "why": "no_reply_address", address: string, } | { "why": "not_addressed_to_you", address: string, } | { "why": "already_this_hold", at: string, } | { "why": "already_recently", at: string, hours: number, };

export type NtfySettings = { 
/**
 * The server's address, e.g. `https://ntfy.sh` or a self-hosted one.
 */
server: string, 
/**
 * The topic the phone subscribes to. On a public server anyone who knows it can read it:
 * choose one nobody will guess, or protect it with an access token.
 */
topic: string, };

export type Param = string | Phrase;

export type PhoneFigures = { notifications: number, 
/**
 * Held while the phone was connected: they did not pull at you during focus.
 */
kept_off: number, 
/**
 * Of those, dismissed on the phone itself (`--dismiss-held`).
 */
dismissed: number, by_app: Array<Count>, };

export type PhoneSettings = { 
/**
 * Only this paired device (its KDE Connect or GSConnect id); every paired device when
 * absent.
 */
device?: string, 
/**
 * Dismiss a held notification on the phone, so its shade stops pulling; it comes back in
 * the digest.
 */
dismiss_held: boolean, };

export type Phrase = { code: string, params: { [key in string]: Param }, };

export type PlatformSet = { platform: string, 
/**
 * The clock in seconds (15 minutes to 14 days); `None` turns it off.
 */
within_secs: number | null, 
/**
 * Back to Lull's default (`within_secs` is then ignored).
 */
reset?: boolean, };

export type PlatformView = { 
/**
 * `Fiverr`, `Malt`, `Upwork`.
 */
name: string, 
/**
 * How long the platform gives to answer, in seconds; `None`: Lull watches no clock.
 */
within_secs: number | null, 
/**
 * Lull's default for it, in seconds.
 */
default_secs: number, 
/**
 * Whether the clock is Lull's default (the user changed nothing).
 */
is_default: boolean, };

export type PushKind = "ntfy" | "command";

export type PushRemove = { name: string, };

export type PushSettings = { "kind": "ntfy" } & NtfySettings | { "kind": "command" } & CommandSettings;

export type PushSpec = { name: string, 
/**
 * Push every digest too ("13:00 digest: 7 messages from 3 clients").
 */
digests: boolean, 
/**
 * Send only the client and the decision, never a message's text.
 */
private: boolean, 
/**
 * An ntfy access token (`Authorization: Bearer`). Write-only: kept in the keyring (or a
 * private file), never shown.
 */
token?: string, 
/**
 * Where to keep the token: `keyring` (default) or `file`.
 */
secret_store?: SecretStore, } & ({ "kind": "ntfy" } & NtfySettings | { "kind": "command" } & CommandSettings);

export type PushTargetView = { id: number, name: string, kind: PushKind, settings: PushSettings, digests: boolean, private: boolean, 
/**
 * An access token is kept for it.
 */
protected: boolean, created_at: string, last_success_at: string | null, 
/**
 * What went wrong last, as the target said it.
 */
last_error: Phrase | null, last_error_at: string | null, 
/**
 * Pushes waiting to be sent (new, or retrying after a failure).
 */
queued: number, sent: number, 
/**
 * Pushes dropped because they would have arrived too late.
 */
dropped: number, 
/**
 * Pushes given up (the target refused them).
 */
failed: number, };

export type PushTest = { name: string, };

export type PushTestReport = { name: string, ok: boolean, 
/**
 * The target's answer ("200 OK, id …") or why it failed.
 */
answer: Phrase, };

export type RecordOpen = { source: string, };

export type Removed = { name: string, messages_kept: number, };

export type RepliesView = { settings: ReplySettings, 
/**
 * Lull's own template in each language (used where the user has none).
 */
defaults: Array<ReplyTemplate>, 
/**
 * The placeholders a template may use, without braces.
 */
placeholders: Array<string>, 
/**
 * The channels that send replies, and the address each sends from.
 */
senders: Array<ReplySender>, 
/**
 * The clients who get replies.
 */
clients: Array<string>, };

export type Reply = { id: number, text: string, };

export type ReplyHealth = { 
/**
 * The address they are sent from.
 */
from: string, sent: number, queued: number, failed: number, last_problem: Phrase | null, 
/**
 * `last_problem` in English, for scripts.
 */
last_error: string | null, last_error_at: string | null, };

export type ReplyLang = "en" | "fr";

export type ReplyPreview = { would_send: boolean, why_not: NoReply | null, 
/**
 * `why_not` in English, for scripts.
 */
reason: string | null, to: string | null, subject: string | null, lang: ReplyLang | null, 
/**
 * The reply's text, in the client's language.
 */
text: string | null, };

export type ReplySender = { channel: string, address: string, };

export type ReplySettings = { 
/**
 * At most one reply per sender in this many hours (0: once per hold period only).
 */
interval_hours: number, 
/**
 * The user's own text, per language; `None` is Lull's.
 */
template_en?: string, template_fr?: string, };

export type ReplySwitch = "off" | "en" | "fr";

export type ReplyTemplate = { lang: ReplyLang, text: string, };

export type Request = { "method": "status" } | { "method": "schedule_show" } | { "method": "schedule_set", "params": ScheduleUpdate } | { "method": "client_list" } | { "method": "client_add", "params": ClientSpec } | { "method": "client_edit", "params": ClientEdit } | { "method": "client_remove", "params": ClientRemove } | { "method": "channel_list" } | { "method": "channel_kinds" } | { "method": "channel_add", "params": ChannelSpec } | { "method": "channel_edit", "params": ChannelSpec } | { "method": "channel_test", "params": ChannelTest } | { "method": "push_list" } | { "method": "push_add", "params": PushSpec } | { "method": "push_test", "params": PushTest } | { "method": "push_remove", "params": PushRemove } | { "method": "explain", "params": ExplainQuery } | { "method": "focus_start", "params": FocusStart } | { "method": "focus_stop" } | { "method": "inbox", "params": InboxQuery } | { "method": "digest_list", "params": DigestList } | { "method": "digest_show", "params": DigestShow } | { "method": "digest_now" } | { "method": "stats_week", "params": StatsWeek } | { "method": "simulate", "params": Simulate } | { "method": "record_open", "params": RecordOpen } | { "method": "mark_read", "params": MarkRead } | { "method": "archive", "params": Archive } | { "method": "reply", "params": Reply } | { "method": "sign_in_code" } | { "method": "snooze", "params": Snooze } | { "method": "info" } | { "method": "config_export" } | { "method": "config_import", "params": ConfigDocument } | { "method": "demo" } | { "method": "demo_remove" } | { "method": "client_charter", "params": ClientCharter } | { "method": "replies_show" } | { "method": "replies_set", "params": ReplySettings } | { "method": "platforms_show" } | { "method": "platform_set", "params": PlatformSet };

export type Response = { "type": "status", "data": StatusView } | { "type": "schedule", "data": ScheduleView } | { "type": "clients", "data": Array<ClientView> } | { "type": "client", "data": ClientView } | { "type": "removed", "data": Removed } | { "type": "channels", "data": Array<ChannelView> } | { "type": "channel_kinds", "data": Array<ChannelKindView> } | { "type": "channel_created", "data": ChannelCreated } | { "type": "channel", "data": ChannelView } | { "type": "channel_tested", "data": ChannelTestReport } | { "type": "push_targets", "data": Array<PushTargetView> } | { "type": "sign_in_code", "data": string } | { "type": "push_target", "data": PushTargetView } | { "type": "push_tested", "data": PushTestReport } | { "type": "push_removed", "data": PushTargetView } | { "type": "explanation", "data": Explanation } | { "type": "focus", "data": FocusView } | { "type": "inbox", "data": InboxPage } | { "type": "digests", "data": Array<DigestView> } | { "type": "digest", "data": DigestDetail } | { "type": "digest_released", "data": DigestView | null } | { "type": "stats", "data": StatsView } | { "type": "simulation", "data": SimulationView } | { "type": "updated", "data": Updated } | { "type": "info", "data": InfoView } | { "type": "config", "data": ConfigDocument } | { "type": "imported", "data": ImportReport } | { "type": "demo", "data": DemoReport } | { "type": "demo_removed", "data": DemoReport } | { "type": "replies", "data": RepliesView } | { "type": "platforms", "data": Array<PlatformView> } | { "type": "charter", "data": CharterView } | { "type": "ok" };

export type Rule = { "rule": "newsletter" } | { "rule": "client_muted", client: string, } | { "rule": "rating" } | { "rule": "never_interrupts", category: Category, } | { "rule": "digest_only", client: string, } | { "rule": "live_window", client: string, window: LiveWindow, } | { "rule": "manual_focus", until: string, } | { "rule": "focus_block", block: WeeklyRange, until: string, } | { "rule": "after_hours" } | { "rule": "low_tier", client: string, } | { "rule": "open" } | { "rule": "urgent", client: string, word: string, used: number, quota: number, after_hours?: boolean, } | { "rule": "retry", sender: string, attempts: Array<string>, used: number, quota: number, after_hours?: boolean, } | { "rule": "quota_exhausted", client: string, quota: number, trigger: Trigger, held_by: Rule, };

export type Schedule = { tz: string, 
/**
 * Blocks during which only live windows and bypasses interrupt.
 */
focus: Array<WeeklyRange>, 
/**
 * Working hours; a day with working hours is a working day. Empty means every hour works.
 */
work: Array<WeeklyRange>, 
/**
 * Digest times on working days, sorted.
 */
digests: Array<TimeOfDay>, 
/**
 * When ratings and reviews are released, once a week.
 */
weekly_digest: WeeklySlot, urgent_words: Array<string>, 
/**
 * Whether a sender no client is known by may break through focus by trying again (three
 * attempts in fifteen minutes). Off by default: otherwise any stranger, spammers included,
 * could interrupt focus by sending three times.
 */
strangers_may_retry: boolean, };

export type ScheduleUpdate = { tz: string | null, focus: Array<string> | null, work: Array<string> | null, digests: Array<string> | null, 
/**
 * `fri 17:00`: when ratings and reviews are released.
 */
weekly_digest: string | null, urgent_words: Array<string> | null, 
/**
 * Whether senders no client is known by may break through focus by trying again.
 */
strangers_may_retry: boolean | null, };

export type ScheduleView = { next_digest: string, 
/**
 * How many held messages moved to a new release time (after `schedule set`).
 */
replanned: number, tz: string, 
/**
 * Blocks during which only live windows and bypasses interrupt.
 */
focus: Array<WeeklyRange>, 
/**
 * Working hours; a day with working hours is a working day. Empty means every hour works.
 */
work: Array<WeeklyRange>, 
/**
 * Digest times on working days, sorted.
 */
digests: Array<TimeOfDay>, 
/**
 * When ratings and reviews are released, once a week.
 */
weekly_digest: WeeklySlot, urgent_words: Array<string>, 
/**
 * Whether a sender no client is known by may break through focus by trying again (three
 * attempts in fifteen minutes). Off by default: otherwise any stranger, spammers included,
 * could interrupt focus by sending three times.
 */
strangers_may_retry: boolean, };

export type SecretStore = "keyring" | "file";

export type Simulate = { trace: Array<TraceEntry>, 
/**
 * The week to report (default: the week of the last message).
 */
week: string | null, };

export type SimulatedDecisionView = { received_at: string, from: string, client: string, title: string, category: Category, decision: DecisionKind, release_at: string | null, 
/**
 * The rule's code (`after_hours`).
 */
rule: string, 
/**
 * The rule with its details, as `rule` in `explain`.
 */
detail: Rule, 
/**
 * Why, in English, for scripts.
 */
reason: string, };

export type SimulatedDigest = { at: string, messages: number, clients: number, };

export type SimulationView = { decisions: Array<SimulatedDecisionView>, digests: Array<SimulatedDigest>, 
/**
 * The statistics of the week reported; `None` for an empty trace.
 */
stats: StatsView | null, };

export type Slot = { days: Array<string>, start: string, end: string, };

export type Snooze = { ids: Array<number>, 
/**
 * When they come back; the next digest when absent.
 */
until?: string, };

export type StatsView = { tz: string, previous: WeekFigures, 
/**
 * For a week in progress: where the week before is cut, so like is compared with like
 * (the same part of the week).
 */
compared_until: string | null, trends: Array<Trend>, suggestions: Array<SuggestionView>, 
/**
 * Availability replies sent this week.
 */
told: Told, 
/**
 * Platforms' response clocks this week: kept, missed, running.
 */
clocks: ClockCounts, week: IsoWeek, start: string, end: string, messages: number, by_client: Array<Count>, by_channel: Array<Count>, by_category: Array<Count>, 
/**
 * Messages per local weekday, Monday first.
 */
by_day: Array<number>, 
/**
 * Messages per client and weekday.
 */
by_client_day: Array<DailyCounts>, 
/**
 * Arrivals per weekday (Monday first) and local hour.
 */
by_weekday_hour: Array<Array<number>>, decisions: DecisionCounts, interruptions: InterruptionCounts, 
/**
 * Live and bypass interruptions per client and weekday; digests are their own series.
 */
interruptions_by_client_day: Array<DailyCounts>, interruptions_in_focus_by_client: Array<Count>, 
/**
 * Of those, the live ones: a client's live window overlapping focus.
 */
live_in_focus_by_client: Array<Count>, context_switches: number, after_hours: number, after_hours_by_client: Array<Count>, checks: number, checks_during_focus: number, bypasses_used: number, bypasses_by_client: Array<Count>, ratings_contained: number, focus_minutes: number, longest_stretch: Stretch | null, 
/**
 * Messages per app, for those that came from an app's notification.
 */
by_app: Array<Count>, phone: PhoneFigures, };

export type StatsWeek = { week: string | null, };

export type StatusLine = { "line": "in_focus", until: string, } | { "line": "not_in_focus" } | { "line": "nothing_urgent" } | { "line": "urgent", count: number, } | { "line": "next_digest", at: string, messages: number, clients: number, } | { "line": "next_digest_empty", at: string, };

export type StatusView = { now: string, tz: string, focus: FocusView, held: number, next_digest: string, 
/**
 * Held messages the next digest will release, and from how many clients.
 */
next_digest_messages: number, next_digest_clients: number, bypasses_today: number, 
/**
 * The last notification error, if the last notification failed.
 */
notifications_error: string | null, 
/**
 * What a glance says, line by line; worded at the edges.
 */
lines: Array<StatusLine>, 
/**
 * The same in English: "In focus until 12:00. Nothing urgent. Next digest at 13:00: …".
 */
summary: string, 
/**
 * The last upgrade of the database, until the engine has started once after it.
 */
upgrade: UpgradeView | null, };

export type Stretch = { start: string, end: string, minutes: number, };

export type Suggestion = { code: SuggestionCode, params: { [key in string]: string }, };

export type SuggestionCode = "lower_bypass_quota" | "move_live_window" | "after_hours" | "checks_during_focus" | "context_switches" | "add_focus" | "interruptions_rising" | "ratings_contained" | "phone_app_dominates";

export type SuggestionView = { text: string, code: SuggestionCode, params: { [key in string]: string }, };

export type SyncProgress = { done: number, total: number | null, };

export type Tier = "vip" | "normal" | "low";

export type TimeOfDay = string;

export type TlsMode = "tls" | "starttls" | "none";

export type Told = { replies: number, clients: number, };

export type TraceEntry = { received_at: string, from: string, title: string, body: string, category: Category | null, 
/**
 * The channel the message came through, for attribution by `channel:` identities and the
 * per-channel counts; `trace` when absent.
 */
channel: string | null, };

export type Trend = { metric: TrendMetric, this_week: number, previous_week: number, 
/**
 * Percentage change; `None` when last week was zero.
 */
change_percent: number | null, };

export type TrendMetric = "messages" | "interruptions" | "interruptions_in_focus" | "context_switches" | "after_hours" | "checks_during_focus" | "bypasses_used";

export type Trigger = { "kind": "word", word: string, } | { "kind": "retry", attempts: number, };

export type Updated = { count: number, };

export type UpgradeView = { from: number, to: number, at: string, 
/**
 * The copy of the database from before it (`lull.db.before-vN`).
 */
backup: string, };

export type WebhookPreset = "github" | "gitlab" | "jira";

export type WebhookSettings = { 
/**
 * Read a known sender's payloads.
 */
preset?: WebhookPreset, 
/**
 * `FIELD=/json/pointer|…` for each field to read (id, from, title, body, url, time,
 * category), over the preset's.
 */
map: Array<string>, };

export type WeekFigures = { week: IsoWeek, start: string, end: string, messages: number, by_client: Array<Count>, by_channel: Array<Count>, by_category: Array<Count>, 
/**
 * Messages per local weekday, Monday first.
 */
by_day: Array<number>, 
/**
 * Messages per client and weekday.
 */
by_client_day: Array<DailyCounts>, 
/**
 * Arrivals per weekday (Monday first) and local hour.
 */
by_weekday_hour: Array<Array<number>>, decisions: DecisionCounts, interruptions: InterruptionCounts, 
/**
 * Live and bypass interruptions per client and weekday; digests are their own series.
 */
interruptions_by_client_day: Array<DailyCounts>, interruptions_in_focus_by_client: Array<Count>, 
/**
 * Of those, the live ones: a client's live window overlapping focus.
 */
live_in_focus_by_client: Array<Count>, context_switches: number, after_hours: number, after_hours_by_client: Array<Count>, checks: number, checks_during_focus: number, bypasses_used: number, bypasses_by_client: Array<Count>, ratings_contained: number, focus_minutes: number, longest_stretch: Stretch | null, 
/**
 * Messages per app, for those that came from an app's notification.
 */
by_app: Array<Count>, phone: PhoneFigures, };

export type WeeklyRange = string;

export type WeeklySlot = string;

/** The type of the answer each request gets, by method. */
export const ANSWERS = {
  status: 'status',
  schedule_show: 'schedule',
  schedule_set: 'schedule',
  client_list: 'clients',
  client_add: 'client',
  client_edit: 'client',
  client_remove: 'removed',
  channel_list: 'channels',
  channel_kinds: 'channel_kinds',
  channel_add: 'channel_created',
  channel_edit: 'channel',
  channel_test: 'channel_tested',
  push_list: 'push_targets',
  push_add: 'push_target',
  push_test: 'push_tested',
  push_remove: 'push_removed',
  explain: 'explanation',
  focus_start: 'focus',
  focus_stop: 'focus',
  inbox: 'inbox',
  digest_list: 'digests',
  digest_show: 'digest',
  digest_now: 'digest_released',
  stats_week: 'stats',
  simulate: 'simulation',
  record_open: 'ok',
  mark_read: 'updated',
  archive: 'updated',
  snooze: 'updated',
  reply: 'ok',
  sign_in_code: 'sign_in_code',
  info: 'info',
  config_export: 'config',
  config_import: 'imported',
  demo: 'demo',
  demo_remove: 'demo_removed',
  client_charter: 'charter',
  replies_show: 'replies',
  replies_set: 'replies',
  platforms_show: 'platforms',
  platform_set: 'platforms',
} as const satisfies Record<Request['method'], Response['type']>;

/** Every suggestion code, every trend metric, one of each status line. */
export const SUGGESTION_CODES: readonly SuggestionCode[] = ['lower_bypass_quota', 'move_live_window', 'after_hours', 'checks_during_focus', 'context_switches', 'add_focus', 'interruptions_rising', 'ratings_contained', 'phone_app_dominates'];
export const TREND_METRICS: readonly TrendMetric[] = ['messages', 'interruptions', 'interruptions_in_focus', 'context_switches', 'after_hours', 'checks_during_focus', 'bypasses_used'];
export const STATUS_LINE_SAMPLES: readonly StatusLine[] = [{"line":"in_focus","until":"2026-11-24T12:00:00Z"},{"line":"not_in_focus"},{"line":"nothing_urgent"},{"line":"urgent","count":1},{"line":"urgent","count":2},{"line":"next_digest","at":"2026-11-24T12:00:00Z","messages":3,"clients":2},{"line":"next_digest_empty","at":"2026-11-24T12:00:00Z"}];
