//! The body of every API request, one module per area. [`Engine::handle`] is the one entry
//! point: the HTTP server calls it for `POST /api` (the web UI, the `lull` command and the
//! desktop window all come that way), and the `lull` command calls it directly when no engine
//! serves the data directory. Each request's answer goes through its [`Call`], so a request can
//! only be answered with its own kind of answer.

mod channels;
mod clients;
mod config;
mod digests;
mod inbox;
mod platforms;
mod push;
mod replies;
mod schedule;
mod stats;
mod status;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lull_api::call::{self, Call, Request, Response};
use lull_api::messages::{AutoReplyState, AutoReplyView, MessageView};
use lull_api::platforms::ClockView;
use lull_api::{ApiError, ErrorCode};
use lull_core::phrase::{Phrase, Said};
use lull_store::{MessageRow, StoreError};

pub use schedule::apply_schedule_update;
pub use status::{MAX_FOCUS_MINUTES, focus_view};

use crate::engine::Engine;

/// Why a command failed, on its way to becoming the API's error: any error of the store or of
/// the API's own turns into one with `?`.
#[derive(Debug)]
pub(crate) struct Failure(ApiError);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        let code = match &e {
            StoreError::Conflict(_) => ErrorCode::Conflict,
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            // What the user can act on (wait, free space, move the file aside) is not Lull's bug.
            StoreError::Busy | StoreError::WriterGone | StoreError::Full { .. } | StoreError::Corrupt { .. } => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "store error");
        }
        Failure(ApiError::new(code, e.phrase()))
    }
}

impl Engine {
    /// Answers one request.
    pub async fn handle(&self, request: Request) -> Result<Response, ApiError> {
        self.answer(request).await.map_err(|Failure(e)| e)
    }

    /// Answers one request with its own kind of answer (the `lull` command without a running
    /// engine, and tests).
    pub async fn call<C: Call>(&self, request: C) -> Result<C::Answer, ApiError> {
        let response = self.handle(request.into()).await?;
        C::take(response)
            .map_err(|other| ApiError::new(ErrorCode::Internal, Phrase::new("api.wrong_answer").with("answer", format!("{other:?}"))))
    }

    async fn answer(&self, request: Request) -> Result<Response, Failure> {
        Ok(match request {
            Request::Status => call::Status::answer(self.status().await?),
            Request::ScheduleShow => call::ScheduleShow::answer(self.schedule_show().await?),
            Request::ScheduleSet(update) => call::ScheduleSet::answer(self.schedule_set(update).await?),
            Request::ClientList => call::ClientList::answer(self.client_list().await?),
            Request::ClientAdd(spec) => call::ClientAdd::answer(self.client_add(spec).await?),
            Request::ClientEdit(edit) => call::ClientEdit::answer(self.client_edit(edit).await?),
            Request::ClientRemove(c) => lull_api::clients::ClientRemove::answer(self.client_remove(c.name).await?),
            Request::ChannelList => call::ChannelList::answer(self.channel_list().await?),
            Request::ChannelKinds => call::ChannelKinds::answer(channels::kinds()),
            Request::ChannelAdd(spec) => call::ChannelAdd::answer(self.channel_add(spec).await?),
            Request::ChannelEdit(spec) => call::ChannelEdit::answer(self.channel_edit(spec).await?),
            Request::ChannelTest(c) => lull_api::channels::ChannelTest::answer(self.channel_test(c.name).await?),
            Request::PushList => call::PushList::answer(self.push_list().await?),
            Request::PushAdd(spec) => call::PushAdd::answer(self.push_add(spec).await?),
            Request::PushTest(p) => lull_api::push::PushTest::answer(self.push_test(p.name).await?),
            Request::PushRemove(p) => lull_api::push::PushRemove::answer(self.push_remove(p.name).await?),
            Request::Explain(query) => call::Explain::answer(self.explain(query).await?),
            Request::FocusStart(f) => lull_api::status::FocusStart::answer(self.focus_start(f.minutes).await?),
            Request::FocusStop => call::FocusStop::answer(self.focus_stop().await?),
            Request::Inbox(query) => call::Inbox::answer(self.inbox(query).await?),
            Request::DigestList(d) => lull_api::digests::DigestList::answer(self.digest_list(d.limit).await?),
            Request::DigestShow(d) => lull_api::digests::DigestShow::answer(self.digest_show(d.id).await?),
            Request::DigestNow => call::DigestNow::answer(self.release_all_now().await?),
            Request::StatsWeek(s) => lull_api::stats::StatsWeek::answer(Box::new(self.stats_week(s.week).await?)),
            Request::Simulate(s) => lull_api::stats::Simulate::answer(Box::new(self.simulate(s).await?)),
            Request::RecordOpen(r) => lull_api::messages::RecordOpen::answer(self.record_open(r.source).await?),
            Request::MarkRead(m) => lull_api::messages::MarkRead::answer(self.mark_read(m).await?),
            Request::Archive(a) => lull_api::messages::Archive::answer(self.archive(a).await?),
            Request::Snooze(s) => lull_api::messages::Snooze::answer(self.snooze(s).await?),
            Request::Reply(r) => lull_api::messages::Reply::answer(self.reply(r).await?),
            Request::SignInCode => call::SignInCode::answer(self.sign_in_code()),
            Request::Info => call::Info::answer(self.info().await?),
            Request::ConfigExport => call::ConfigExport::answer(self.config_export().await?),
            Request::ConfigImport(doc) => call::ConfigImport::answer(self.config_import(doc).await?),
            Request::Demo => call::Demo::answer(crate::demo::seed(self).await?),
            Request::DemoRemove => call::DemoRemove::answer(crate::demo::remove(self).await?),
            Request::ClientCharter(c) => call::ClientCharter::answer(Box::new(self.client_charter(c).await?)),
            Request::RepliesShow => call::RepliesShow::answer(self.replies_show().await?),
            Request::RepliesSet(settings) => call::RepliesSet::answer(self.replies_set(settings).await?),
            Request::PlatformsShow => call::PlatformsShow::answer(self.platforms_show().await?),
            Request::PlatformSet(set) => lull_api::platforms::PlatformSet::answer(self.platform_set(set).await?),
        })
    }
}

/// An input that does not parse: the field, the value as given, and why.
pub(crate) fn bad_value(field: &str, value: &str, why: &impl Said) -> ApiError {
    let problem = Phrase::new("input.value").with("value", format!("{value:?}")).with_phrase("detail", why.phrase());
    ApiError::invalid(problem).on(field)
}

/// A stored message as the API shows it; its reason in English is worded in the user's time
/// zone `tz`.
pub(crate) fn message_view(m: MessageRow, tz: Tz, now: DateTime<Utc>) -> MessageView {
    let clock = m.clock.map(|c| ClockView {
        state: c.state(m.archived_at, now),
        platform: c.platform,
        within_secs: c.within_secs,
        reply_by: c.reply_by,
        ring_at: m.clock_ring_at,
        rung_at: m.clock_rung_at,
    });
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
        reason: lull_words::english().reason(&m.decision.rule, m.received_at, m.decision.release_at, tz),
        rule: m.decision.rule,
        digest_id: m.digest_id,
        read: m.read_at.is_some(),
        archived: m.archived_at.is_some(),
        snoozed_until: m.snoozed_until,
        app: m.app,
        can_reply: m.reply.is_some(),
        silent: m.silent,
        dismissed_at: m.dismissed_at,
        auto_reply: m.auto_reply.map(auto_reply_view),
        clock,
    }
}

/// A stored availability reply as the inbox shows it.
pub(crate) fn auto_reply_view(r: lull_store::ReplyRow) -> AutoReplyView {
    AutoReplyView {
        state: match r.sent {
            None => AutoReplyState::Queued,
            Some(true) => AutoReplyState::Sent,
            Some(false) => AutoReplyState::Failed,
        },
        at: r.done_at.unwrap_or(r.created_at),
        to: r.plan.to,
        subject: r.plan.subject,
        lang: r.plan.lang,
        text: r.text,
        attempts: r.attempts,
        error: r.last_error.as_ref().map(|p| lull_words::english().phrase(p)),
        problem: r.last_error,
    }
}
