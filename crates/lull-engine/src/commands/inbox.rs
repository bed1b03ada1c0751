//! The inbox: listing and searching messages, triage, and "why was this held?".

use lull_api::messages::{
    Archive, Cursor, ExplainQuery, Explanation, InboxPage, InboxQuery, MarkRead, Reply, ReplyPreview, Snooze, Updated,
};
use lull_api::{ApiError, ErrorCode};
use lull_core::autoreply::{MailFacts, NoReply, ReplyPlan};
use lull_core::model::Identity;
use lull_core::phrase::{Phrase, Said};
use lull_store::InboxFilter;
use lull_words::reply_words;

use super::clients::no_client;
use super::schedule::apply_schedule_update;
use super::{Failure, message_view};
use crate::engine::{Decided, Engine, MessageDraft, PolicyContext, ReplyDraft, decide_message, load_schedule, reply_for};

impl Engine {
    pub(crate) async fn explain(&self, q: ExplainQuery) -> Result<Explanation, Failure> {
        if q.from.trim().is_empty() {
            return Err(ApiError::invalid(Phrase::new("explain.no_sender")).on("from").into());
        }
        lull_core::model::plausible_instant(q.at).map_err(|e| ApiError::invalid(e.phrase()).on("at"))?;
        let category = q.category.unwrap_or(lull_core::Category::Direct);
        if let Some(name) = &q.client {
            let lookup = name.clone();
            if self.store().read(move |db| db.client_by_name(&lookup)).await?.is_none() {
                return Err(no_client(name).into());
            }
        }
        let explained = self
            .store()
            .read(move |db| {
                let mut ctx = PolicyContext::load(db, q.at, q.at)?;
                if let Some(update) = &q.schedule {
                    match apply_schedule_update(ctx.schedule.clone(), update) {
                        Ok(s) => ctx.schedule = s,
                        Err(e) => return Ok(Err(e)),
                    }
                }
                let channel = q.channel.clone().unwrap_or_default();
                let draft = MessageDraft {
                    as_client: q.client.as_deref(),
                    channel: &channel,
                    sender: &q.from,
                    title: &q.title,
                    body: &q.body,
                    app: q.app.as_deref(),
                    relay: None,
                    category,
                    at: q.at,
                };
                let d = decide_message(db, &ctx, &draft)?;
                let auto_reply = reply_preview(db, &ctx, &q, &d, category)?;
                Ok(Ok(Explanation {
                    auto_reply,
                    at: q.at,
                    client: d.client.map(|c| c.name.clone()),
                    matched: d.matched.map(Identity::to_string),
                    category,
                    decision: d.decision.kind,
                    release_at: d.decision.release_at,
                    reason: lull_words::english().reason(&d.decision.rule, q.at, d.decision.release_at, ctx.schedule.tz),
                    rule: d.decision.rule,
                }))
            })
            .await?;
        Ok(explained?)
    }

    pub(crate) async fn inbox(&self, q: InboxQuery) -> Result<InboxPage, Failure> {
        let now = self.now();
        let limit = q.limit.unwrap_or(50).clamp(1, 500);
        if q.search.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            self.flush_search_index().await?;
        }
        let page = self
            .store()
            .read(move |db| {
                let client = match q.client.as_deref().map(str::trim) {
                    None => None,
                    Some(name) if name.eq_ignore_ascii_case("unknown") => Some(None),
                    Some(name) => match db.client_by_name(name)? {
                        Some(c) => Some(Some(c.id)),
                        None => return Ok(Err(no_client(name))),
                    },
                };
                let filter = InboxFilter {
                    held_only: q.held_only,
                    snoozed_only: q.snoozed_only,
                    interruptions_only: q.interruptions_only,
                    archived: q.archived,
                    now: Some(now),
                    client,
                    search: q.search.clone().filter(|s| !s.trim().is_empty()),
                    before: q.before.map(|c| (c.received_at, c.id)),
                    limit,
                };
                Ok(Ok((db.inbox(&filter)?, q.record_check, load_schedule(db)?.tz)))
            })
            .await??;
        let (rows, record_check, tz) = page;
        // Counting the look as a check is worth a write, not a failed listing: on a full disk
        // (or a busy database) the inbox still shows what is stored.
        if record_check && let Err(e) = self.store().write(move |tx| tx.record_open(now, "inbox")).await {
            tracing::warn!(error = %e, "recording a look at the inbox");
        }
        let next = (rows.len() as u32 == limit).then(|| rows.last().map(|m| Cursor { received_at: m.received_at, id: m.id })).flatten();
        Ok(InboxPage { messages: rows.into_iter().map(|m| message_view(m, tz, now)).collect(), next })
    }

    pub(crate) async fn record_open(&self, source: String) -> Result<(), Failure> {
        let now = self.now();
        self.store().write(move |tx| tx.record_open(now, &source)).await?;
        Ok(())
    }

    pub(crate) async fn mark_read(&self, MarkRead { ids, read }: MarkRead) -> Result<Updated, Failure> {
        let at = read.then(|| self.now());
        self.updated(move |tx| tx.set_read(&ids, at)).await
    }

    pub(crate) async fn archive(&self, Archive { ids, archived }: Archive) -> Result<Updated, Failure> {
        let at = archived.then(|| self.now());
        self.updated(move |tx| tx.set_archived(&ids, at)).await
    }

    pub(crate) async fn snooze(&self, Snooze { ids, until }: Snooze) -> Result<Updated, Failure> {
        let now = self.now();
        if let Some(until) = until {
            lull_core::model::plausible_instant(until).map_err(|e| ApiError::invalid(e.phrase()).on("until"))?;
            if until <= now {
                return Err(ApiError::invalid(Phrase::new("snooze.past")).on("until").into());
            }
        }
        // A held message is released in the first digest at or after the snooze's end.
        self.updated(move |tx| {
            let schedule = load_schedule(tx)?;
            let until = until.unwrap_or_else(|| schedule.next_digest_after(now));
            let release = schedule.next_digest_after(until - chrono::Duration::seconds(1));
            tx.set_release(&ids, release)?;
            tx.set_snoozed(&ids, Some(until))
        })
        .await
    }

    /// Answers a message through its channel kind (a phone notification's quick reply), and
    /// marks it read: it was dealt with.
    pub(crate) async fn reply(&self, Reply { id, text }: Reply) -> Result<(), Failure> {
        let text = text.trim().to_owned();
        if text.is_empty() {
            return Err(ApiError::invalid(Phrase::new("reply.empty")).on("text").into());
        }
        let found = self
            .store()
            .read(move |db| {
                let Some(m) = db.message(id)? else { return Ok(None) };
                let kind = db.channel_by_name(&m.channel)?.map(|c| c.kind());
                Ok(Some((m, kind)))
            })
            .await?;
        let Some((message, kind)) = found else {
            return Err(ApiError::not_found(Phrase::new("reply.no_message").with("id", id)).into());
        };
        let (Some(handle), Some(kind)) = (message.reply.as_deref(), kind) else {
            return Err(ApiError::invalid(Phrase::new("phone.no_reply")).on("id").into());
        };
        lull_channels::kind::of(kind)
            .reply(handle, &text, crate::connectors::session_bus())
            .await
            .map_err(|problem| ApiError::new(ErrorCode::Unavailable, problem))?;
        let now = self.now();
        self.store().write(move |tx| tx.set_read(&[id], Some(now))).await?;
        Ok(())
    }

    /// Runs a triage write and reports how many messages it changed.
    async fn updated(&self, f: impl FnOnce(&lull_store::Tx<'_>) -> lull_store::Result<usize> + Send + 'static) -> Result<Updated, Failure> {
        let count = self.store().write(f).await? as u32;
        // The sidebar, the top bar and the tray count what waits: tell them.
        if count > 0 {
            self.emit(lull_api::events::EngineEvent::MessagesTriaged { count });
        }
        Ok(Updated { count })
    }
}

/// The address a preview pretends the user's mail goes to when no channel sends replies yet.
const PREVIEW_ADDRESS: &str = "you@lull.invalid";

/// Whether an email like the one explained would get an availability reply, and its text:
/// as if it came straight to the user's address on the channel named (else the first channel
/// that sends replies), with the sender's real history of replies. With no channel that sends
/// them, it says so, and still shows what the reply would say once one does.
fn reply_preview(
    db: &lull_store::Db<'_>,
    ctx: &PolicyContext,
    q: &ExplainQuery,
    d: &Decided<'_>,
    category: lull_core::Category,
) -> Result<ReplyPreview, lull_store::StoreError> {
    let channel = match q.channel.as_deref() {
        Some(name) => ctx.channels.iter().find(|(_, n)| n.as_str() == name).map(|(id, _)| *id),
        None => ctx.senders.keys().min().copied(),
    };
    let own = channel.and_then(|id| ctx.senders.get(&id)).map(String::as_str);
    let facts = MailFacts {
        reply_to: d.sender.address.clone(),
        recipients: vec![own.unwrap_or(PREVIEW_ADDRESS).to_owned()],
        ..MailFacts::default()
    };
    let draft = ReplyDraft { mail: Some(&facts), category, title: &q.title, sent_at: None, received_at: q.at };
    let plan = reply_for(db, ctx, own, d, &draft)?;
    let unsendable = match &plan {
        Err(NoReply::CannotSend) => reply_for(db, ctx, Some(PREVIEW_ADDRESS), d, &draft)?.ok(),
        _ => None,
    };
    let word = |plan: &ReplyPlan| {
        let template = q.reply_template.as_deref().filter(|t| !t.trim().is_empty()).or_else(|| ctx.replies.template(plan.lang));
        reply_words(plan.lang).reply_text(plan, template, q.at)
    };
    Ok(match plan {
        Ok(plan) => ReplyPreview {
            would_send: true,
            why_not: None,
            reason: None,
            text: Some(word(&plan)),
            to: Some(plan.to),
            subject: Some(plan.subject),
            lang: Some(plan.lang),
        },
        Err(why) => ReplyPreview {
            would_send: false,
            reason: Some(lull_words::english().no_reply(&why, ctx.schedule.tz)),
            why_not: Some(why),
            text: unsendable.as_ref().map(word),
            to: unsendable.as_ref().map(|p| p.to.clone()),
            subject: unsendable.as_ref().map(|p| p.subject.clone()),
            lang: unsendable.map(|p| p.lang),
        },
    })
}
