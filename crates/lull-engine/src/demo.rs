//! The demo: two realistic weeks of a freelancer's messages, seeded into an empty data
//! directory so every screen has something to show at once.
//!
//! Five clients in three time zones reach the freelancer over five channels, about seventy
//! messages a working day: email threads, chat bursts, a sender trying again, one real
//! emergency, platform notifications, ratings, community posts and newsletters, clients abroad
//! writing in the freelancer's evening, and the phone (WhatsApp from two clients, the Malt app,
//! LinkedIn, SMS), whose held notifications were dismissed on it, and clients writing through
//! Malt and Fiverr, whose response clocks are watched. The messages are replayed through the real policy
//! with a simulated clock, in one transaction: decisions, digests at their slots and the
//! notifications they would have shown are recorded as history; nothing pops up. Two clients
//! get availability replies (Initech in English, Hooli in French): those they would have got
//! are recorded as sent, though the demo sends no mail.

use chrono::{DateTime, Duration, Timelike, Utc};
use lull_core::autoreply::{self, MailFacts, ReplyInput, ReplySwitch};
use lull_core::channel::ChannelSettings;
use lull_core::model::{Category, ClientMode, DecisionKind, Incoming, Tier};
use lull_core::phrase::Phrase;
use lull_core::stats::InterruptionKind;
use lull_store::{NewMessage, NotificationRecord, StoreError, Tx};
use lull_words::reply_words;

use lull_api::channels::ChannelSpec;
use lull_api::clients::ClientSpec;
use lull_api::config::DemoReport;
use lull_api::events::EngineEvent;
use lull_api::{ApiError, ErrorCode};

use crate::commands::Failure;
use crate::engine::{Engine, MessageDraft, PolicyContext, decide_message, load_schedule, release_in, response_clock};

/// How far back the demo goes: this week and the one before, for trends.
const DAYS: i64 = 14;

/// A small deterministic generator, so every demo is the same.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn text(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The demo freelancer's own address, which its clients' mail is sent to.
const DEMO_ADDRESS: &str = "you@example.com";

struct DemoMessage {
    channel: &'static str,
    incoming: Incoming,
}

fn message(
    channel: &'static str,
    key: String,
    at: DateTime<Utc>,
    from: &str,
    title: &str,
    body: &str,
    category: Option<Category>,
) -> DemoMessage {
    let message_id = format!("{key}@demo.example");
    DemoMessage {
        channel,
        incoming: Incoming {
            source_key: key,
            sender: from.to_owned(),
            title: title.to_owned(),
            body: body.to_owned(),
            url: None,
            category,
            sent_at: Some(at),
            received_at: at,
            app: None,
            shown_by_source: false,
            silent: false,
            reply: None,
            // Mail as the IMAP channel reads it, addressed to the demo's freelancer.
            mail: (channel == "mail").then(|| MailFacts {
                reply_to: lull_core::Sender::parse(from).address,
                message_id: Some(message_id),
                recipients: vec![DEMO_ADDRESS.to_owned()],
                ..MailFacts::default()
            }),
            relay: None,
        },
    }
}

const ACME_SUBJECTS: &[(&str, &str)] = &[
    ("Homepage mockups v3", "Thanks for the last round. Could you tighten the hero section and try the darker palette?"),
    ("Invoice 2026-114", "Accounting asks whether the October invoice can be split across two cost centres."),
    ("Launch checklist", "Here is the list for Thursday. Anything missing on your side?"),
    ("Re: copy for the pricing page", "Marketing approved the second version, with one change in the FAQ."),
    ("Quick call about the launch?", "Do you have 15 minutes today or tomorrow?"),
];
const GLOBEX_LINES: &[&[&str]] = &[
    &["hey", "quick question", "are you around?"],
    &["the staging build is failing again", "something about the env vars", "no rush, but today would be great"],
    &["morning!", "can you look at the PR when you get a sec?"],
    &["ok ignore my last message", "found it"],
];
const INITECH_SUBJECTS: &[(&str, &str)] = &[
    ("Design review notes", "Notes from our review this morning (Tokyo time), three small changes."),
    ("翻訳の確認 / Translation check", "Could you confirm the Japanese strings in the attached file?"),
    ("Sprint planning", "We start the next sprint on Monday, our time."),
];
const UMBRELLA_SUBJECTS: &[(&str, &str)] =
    &[("Monthly report", "The monthly numbers are in the shared folder."), ("Photo selection", "Pick your favourites when you can.")];
const HOOLI_SUBJECTS: &[(&str, &str)] = &[
    ("API contract draft", "First draft of the contract for the API work, comments welcome."),
    ("Re: estimate", "Thanks, the estimate works for us. Let's talk next week."),
];
const PLATFORM: &[&str] = &[
    "Nouvelle proposition de mission : refonte d'un site vitrine",
    "Paiement reçu : 1 250,00 €",
    "New job matching your profile: Svelte developer",
];
const RATINGS: &[&str] = &["Vous avez reçu un nouvel avis ★★★★★", "New 5-star review from a client", "Un client a évalué votre mission"];
const COMMUNITY: &[&str] =
    &["12 new posts in Freelance Devs", "Someone replied to your thread about pricing", "Meetup next Thursday: invoicing tools"];

/// Builds the demo's messages, oldest first, all before `now`.
fn generate(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<DemoMessage> {
    let mut rng = Rng(0x5EED_1E55_u64);
    let mut out = Vec::new();
    let mut n = 0u32;
    let mut key = |prefix: &str| {
        n += 1;
        format!("demo-{prefix}-{n}")
    };
    let today = now.with_timezone(&tz).date_naive();
    for back in (0..DAYS).rev() {
        let date = today - Duration::days(back);
        let weekday = chrono::Datelike::weekday(&date).num_days_from_monday();
        let local = |h: u32, m: u32| {
            lull_core::week::resolve_naive(tz, date.and_hms_opt(h, m, 0).unwrap_or_default(), lull_core::week::Fold::Earlier)
        };
        let working_day = weekday < 5;
        let at = |h: u32, m: u32| local(h, m) + Duration::seconds(rng_seconds(h, m));
        // Acme: email during the day, a few threads.
        if working_day {
            let mut thread = Threads::default();
            for _ in 0..8 {
                let (subject, body) = *rng.pick(ACME_SUBJECTS);
                let subject = &thread.title(subject);
                let t = at(8 + rng.below(10) as u32, rng.below(60) as u32);
                out.push(message(
                    "mail",
                    key("acme"),
                    t,
                    // A name with its own address, never another colleague's.
                    rng.text(&["Claire Martin <claire@acme.example>", "Hugo Bernard <hugo@acme.example>"]),
                    subject,
                    body,
                    None,
                ));
            }
            // Globex: chat bursts, lines seconds apart, from New York mornings (the user's afternoon).
            for _ in 0..4 {
                let lines = *rng.pick(GLOBEX_LINES);
                let start = at(14 + rng.below(6) as u32, rng.below(60) as u32);
                for (i, line) in lines.iter().enumerate() {
                    out.push(message(
                        "globex-slack",
                        key("globex"),
                        start + Duration::seconds(15 * i as i64),
                        "Dana (Globex) <dana@globex.example>",
                        line,
                        "",
                        Some(Category::Mention),
                    ));
                }
            }
            // Initech writes in the Tokyo working day: the user's night and early morning.
            let mut thread = Threads::default();
            for _ in 0..4 {
                let (subject, body) = *rng.pick(INITECH_SUBJECTS);
                let subject = &thread.title(subject);
                let t = at([1, 3, 6, 7, 23][rng.below(5) as usize], rng.below(60) as u32);
                out.push(message("mail", key("initech"), t, "Kenji Sato <kenji@initech.example>", subject, body, None));
            }
            let mut thread = Threads::default();
            for _ in 0..2 {
                let (subject, body) = *rng.pick(UMBRELLA_SUBJECTS);
                let subject = &thread.title(subject);
                out.push(message(
                    "mail",
                    key("umbrella"),
                    at(9 + rng.below(8) as u32, rng.below(60) as u32),
                    "Umbrella <team@umbrella.example>",
                    subject,
                    body,
                    None,
                ));
            }
            let mut thread = Threads::default();
            for _ in 0..2 {
                let (subject, body) = *rng.pick(HOOLI_SUBJECTS);
                let subject = &thread.title(subject);
                out.push(message(
                    "mail",
                    key("hooli"),
                    at(15 + rng.below(6) as u32, rng.below(60) as u32),
                    "Priya <priya@hooli.example>",
                    subject,
                    body,
                    None,
                ));
            }
            // Unknown senders: cold email, recruiters.
            for _ in 0..3 {
                let t = at(8 + rng.below(11) as u32, rng.below(60) as u32);
                out.push(message(
                    "mail",
                    key("unknown"),
                    t,
                    rng.text(&["recruiter@talent.example", "hello@startup.example", "noreply@saas.example"]),
                    "Opportunity",
                    "Would you be open to a chat?",
                    None,
                ));
            }
        }
        // Platforms, ratings, community and newsletters, every day.
        for _ in 0..(if working_day { 10 } else { 3 }) {
            let t = at(7 + rng.below(15) as u32, rng.below(60) as u32);
            out.push(message(
                "malt",
                key("platform"),
                t,
                "Malt <notifications@malt.example>",
                rng.text(PLATFORM),
                "",
                Some(Category::Platform),
            ));
        }
        for _ in 0..(1 + rng.below(2)) {
            let t = at(9 + rng.below(10) as u32, rng.below(60) as u32);
            out.push(message("malt", key("rating"), t, "Malt <reviews@malt.example>", rng.text(RATINGS), "", Some(Category::Rating)));
        }
        for _ in 0..(if working_day { 14 } else { 6 }) {
            let t = at(6 + rng.below(17) as u32, rng.below(60) as u32);
            out.push(message(
                "community",
                key("social"),
                t,
                "Freelance Devs <digest@community.example>",
                rng.text(COMMUNITY),
                "",
                Some(Category::Social),
            ));
        }
        for _ in 0..3 {
            let t = at(6 + rng.below(3) as u32, rng.below(60) as u32);
            out.push(message(
                "mail",
                key("news"),
                t,
                "This Week in Freelancing <news@letters.example>",
                "This week in freelancing",
                "",
                Some(Category::Newsletter),
            ));
        }
        // Twice in the fortnight a client tries three times in ten minutes, and once there is a
        // real emergency: these break through focus.
        if back == 9 || back == 2 {
            let start = local(10, 5);
            for i in 0..3 {
                out.push(message(
                    "mail",
                    key("retry"),
                    start + Duration::minutes(5 * i),
                    "Hugo Bernard <hugo@acme.example>",
                    ["Can you call me?", "Re: Can you call me?", "Call me when you see this"][i as usize],
                    ["It's about tomorrow's launch.", "Still about the launch, 5 minutes is enough.", "Sorry to insist, it's the launch."]
                        [i as usize],
                    None,
                ));
            }
        }
        if back == 4 {
            out.push(message(
                "mail",
                key("urgent"),
                local(15, 12),
                "Claire Martin <claire@acme.example>",
                "Production is down",
                "The checkout fails for every customer, we need help ASAP.",
                None,
            ));
        }
    }
    out.extend(phone_traffic(now, tz));
    out.extend(platform_relays(now, tz));
    out.retain(|m| m.incoming.received_at < now);
    out.sort_by_key(|m| m.incoming.received_at);
    out
}

const WHATSAPP_ACME: &[&str] =
    &["Did you see my mail?", "Can we move the call to 3pm?", "Launch is confirmed for Thursday 🎉", "Call me when you can"];
const WHATSAPP_GLOBEX: &[&str] = &["build is green now", "the client loved the demo", "are you free for a quick sync tomorrow?"];
const MALT_APP: &[&str] = &[
    "Nouveau message d'un client potentiel",
    "Votre profil a été consulté 12 fois",
    "Rappel : répondez sous 24 h pour garder votre badge",
];
const LINKEDIN_APP: &[&str] = &["Someone viewed your profile", "You appeared in 9 searches this week", "A recruiter sent you a message"];

const MALT_RELAYS: &[&str] = &[
    "Bonjour, pouvez-vous me donner un devis pour la refonte du site ?",
    "Les photos de la séance sont en ligne, vous pouvez choisir ?",
    "Petite question sur la facture du mois dernier.",
];
const FIVERR_RELAYS: &[&str] = &["Hi! Is the logo package still available this week?", "Can you add a favicon to my order?"];

/// Clients' words relayed by platforms: Léa from Umbrella writes through Malt most working
/// days; now and then a Fiverr buyer Lull knows nothing of. Their response clocks are watched.
/// Its own random sequence, so the rest of the demo stays as it was.
fn platform_relays(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<DemoMessage> {
    let mut rng = Rng(0x0C10_C4ED_u64);
    let mut out = Vec::new();
    let today = now.with_timezone(&tz).date_naive();
    for back in (0..DAYS).rev() {
        let date = today - Duration::days(back);
        let working_day = chrono::Datelike::weekday(&date).num_days_from_monday() < 5;
        let mut at = |from: u32, hours: u64| {
            let (h, m) = (from + rng.below(hours) as u32, rng.below(60) as u32);
            lull_core::week::resolve_naive(tz, date.and_hms_opt(h, m, 0).unwrap_or_default(), lull_core::week::Fold::Earlier)
                + Duration::seconds(rng_seconds(h, m))
        };
        if working_day && back % 5 != 4 {
            let text = MALT_RELAYS[(back as usize) % MALT_RELAYS.len()];
            out.push(relayed(format!("demo-relay-malt-{back}"), at(9, 8), MALT_LEA, text));
        }
        if back % 4 == 1 {
            let text = FIVERR_RELAYS[(back as usize) % FIVERR_RELAYS.len()];
            out.push(relayed(format!("demo-relay-fiverr-{back}"), at(11, 10), FIVERR_JORDAN, text));
        }
    }
    // And one a quarter of an hour ago, whatever the time: its clock is running.
    let text = "Quick one: can the logo come as an SVG too?";
    out.push(relayed("demo-relay-fiverr-now".to_owned(), now - Duration::minutes(15), FIVERR_JORDAN, text));
    out
}

/// Who relays, as (platform, its sender, its title, the person named).
type Relayer = (&'static str, &'static str, &'static str, &'static str);
const MALT_LEA: Relayer = ("Malt", "Malt <notifications@malt.example>", "Nouveau message de Léa Moreau", "Léa Moreau");
const FIVERR_JORDAN: Relayer = ("Fiverr", "Fiverr <noreply@fiverr.example>", "You've received a message from jordan_k", "jordan_k");

/// A client's words a platform relayed, on the demo's platform channel.
fn relayed(key: String, at: DateTime<Utc>, (platform, sender, title, person): Relayer, text: &str) -> DemoMessage {
    let mut m = message("malt", key, at, sender, title, text, Some(Category::Direct));
    m.incoming.relay = Some(lull_core::relay::Relay { platform: platform.into(), person: person.into() });
    m
}

/// A phone through KDE Connect: WhatsApp from two clients, the Malt app, LinkedIn and SMS, with
/// its own random sequence so the rest of the demo stays as it was.
fn phone_traffic(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<DemoMessage> {
    let mut rng = Rng(0x0F0E_5EED_u64);
    let mut out = Vec::new();
    let today = now.with_timezone(&tz).date_naive();
    let mut n = 0u32;
    for back in (0..DAYS).rev() {
        let date = today - Duration::days(back);
        let working_day = chrono::Datelike::weekday(&date).num_days_from_monday() < 5;
        let mut at = |h: u32| {
            let m = rng.below(60) as u32;
            lull_core::week::resolve_naive(tz, date.and_hms_opt(h, m, 0).unwrap_or_default(), lull_core::week::Fold::Earlier)
                + Duration::seconds(rng_seconds(h, m))
        };
        let mut times: Vec<(DateTime<Utc>, &str, &str, &str)> = Vec::new();
        if working_day {
            for _ in 0..3 {
                times.push((at(9 + (n % 9)), "WhatsApp", "Acme team", WHATSAPP_ACME[(n as usize) % WHATSAPP_ACME.len()]));
                n += 1;
            }
            for _ in 0..2 {
                times.push((at(15 + (n % 4)), "WhatsApp", "Globex dev", WHATSAPP_GLOBEX[(n as usize) % WHATSAPP_GLOBEX.len()]));
                n += 1;
            }
            times.push((at(10 + (n % 6)), "Malt", MALT_APP[(n as usize) % MALT_APP.len()], ""));
            n += 1;
        }
        times.push((at(12 + (n % 8)), "LinkedIn", LINKEDIN_APP[(n as usize) % LINKEDIN_APP.len()], ""));
        n += 1;
        if back % 3 == 0 {
            times.push((at(18), "Messages", "Claire Martin", "Tu as vu mon mail ? Rien d'urgent."));
            n += 1;
        }
        for (t, app, title, text) in times {
            // A chat names who wrote; a platform's own notification names only itself.
            let sender = if text.is_empty() { app.to_owned() } else { format!("{title} ({app})") };
            let mut m = message(
                "phone",
                format!("kdeconnect:demo-phone:{n}|{app}"),
                t,
                &sender,
                title,
                text,
                Some(lull_core::channel::category_of_app(app)),
            );
            m.incoming.app = Some(app.to_owned());
            out.push(m);
            n += 1;
        }
    }
    out
}

/// One client's subjects of a day: a subject that comes back the same day is a reply in its
/// thread ("Re: …", "Re[2]: …"), not the same message again.
#[derive(Default)]
struct Threads(Vec<&'static str>);

impl Threads {
    fn title(&mut self, subject: &'static str) -> String {
        let before = self.0.iter().filter(|s| **s == subject).count();
        self.0.push(subject);
        // A subject that is already a reply counts as one ("Re: Re: …" looked careless).
        let (base, replies) = match subject.strip_prefix("Re: ") {
            Some(base) => (base, before + 1),
            None => (subject, before),
        };
        match replies {
            0 => subject.to_owned(),
            1 => format!("Re: {base}"),
            n => format!("Re[{n}]: {base}"),
        }
    }
}

/// A few seconds of jitter so messages do not all land on the minute.
fn rng_seconds(h: u32, m: u32) -> i64 {
    i64::from((h * 7 + m * 13) % 50)
}

/// Seeds the demo into `engine`'s data directory, which must be empty.
pub(crate) async fn seed(engine: &Engine) -> Result<DemoReport, Failure> {
    let (messages, clients) = engine.store().read(|db| Ok((db.message_count()?, db.clients()?.len()))).await?;
    if messages > 0 || clients > 0 {
        return Err(ApiError::new(ErrorCode::Conflict, Phrase::new("demo.not_empty")).into());
    }
    let user_tz = engine.store().read(|db| Ok(load_schedule(db)?.tz)).await?;
    let abroad = if user_tz == chrono_tz::America::New_York { chrono_tz::Europe::Paris } else { chrono_tz::America::New_York };
    let tokyo = if user_tz == chrono_tz::Asia::Tokyo { chrono_tz::Asia::Singapore } else { chrono_tz::Asia::Tokyo };
    let clients = [
        ("Acme", user_tz, Tier::Vip, ClientMode::Normal, vec!["domain:acme.example", "app:WhatsApp:Acme"], vec!["tue,thu 14:00-15:00"]),
        (
            "Globex",
            abroad,
            Tier::Normal,
            ClientMode::Normal,
            vec!["domain:globex.example", "channel:globex-slack", "app:WhatsApp:Globex"],
            vec!["mon,wed 09:00-10:00@client"],
        ),
        ("Initech", tokyo, Tier::Normal, ClientMode::Normal, vec!["domain:initech.example"], vec![]),
        ("Umbrella", user_tz, Tier::Low, ClientMode::Normal, vec!["domain:umbrella.example", "platform:Malt:Léa Moreau"], vec![]),
        ("Hooli", abroad, Tier::Normal, ClientMode::DigestOnly, vec!["domain:hooli.example"], vec![]),
    ];
    let mut client_ids = Vec::new();
    let mut channel_ids = Vec::new();
    for (name, tz, tier, mode, matches, live) in &clients {
        // Two clients get availability replies: Initech, in Tokyo, in English; Hooli, abroad
        // and digest-only, in French.
        let auto_reply = match *name {
            "Initech" => Some(ReplySwitch::En),
            "Hooli" => Some(ReplySwitch::Fr),
            _ => None,
        };
        let spec = ClientSpec {
            name: (*name).to_owned(),
            tz: Some(tz.name().to_owned()),
            tier: Some(*tier),
            mode: Some(*mode),
            bypass_quota: None,
            matches: matches.iter().map(|m| (*m).to_owned()).collect(),
            live: live.iter().map(|l| (*l).to_owned()).collect(),
            auto_reply,
        };
        client_ids.push(engine.client_add(spec).await?.id);
    }
    let channels = ["mail", "globex-slack", "malt", "community"];
    for name in channels {
        channel_ids.push(engine.channel_add(ChannelSpec::new(name, ChannelSettings::Webhook(Default::default()))).await?.channel.id);
    }
    let phone = lull_core::channel::PhoneSettings { device: None, dismiss_held: true };
    channel_ids.push(engine.channel_add(ChannelSpec::new("phone", ChannelSettings::Phone(phone))).await?.channel.id);
    let channel_count = channels.len() as u32 + 1;
    let now = engine.now();
    let demo = generate(now, user_tz);
    let count = demo.len() as u32;
    let digests = engine
        .store()
        .write(move |tx| {
            let (digests, session) = replay(tx, &demo, now)?;
            // Remembered, so that "Remove the demo" removes exactly what it made.
            tx.record_demo(&client_ids, &channel_ids, session)?;
            Ok(digests)
        })
        .await?;
    engine.emit(EngineEvent::ClientsChanged);
    engine.emit(EngineEvent::ChannelsChanged);
    engine.replan();
    Ok(DemoReport { clients: clients.len() as u32, channels: channel_count, messages: count, digests })
}

/// Removes what the demo made (its clients, channels and their messages, its digests and
/// history), nothing the user made.
pub(crate) async fn remove(engine: &Engine) -> Result<DemoReport, Failure> {
    let removed = engine.store().write(|tx| tx.remove_demo()).await?;
    let Some(r) = removed else {
        return Err(ApiError::not_found(Phrase::new("demo.none")).into());
    };
    engine.refresh_connectors().await;
    engine.emit(EngineEvent::ClientsChanged);
    engine.emit(EngineEvent::ChannelsChanged);
    engine.replan();
    Ok(DemoReport { clients: r.clients as u32, channels: r.channels as u32, messages: r.messages as u32, digests: r.digests as u32 })
}

/// Replays the messages with a simulated clock; returns how many digests were released, and
/// the focus session it made.
fn replay(tx: &Tx<'_>, demo: &[DemoMessage], now: DateTime<Utc>) -> Result<(u32, Option<i64>), StoreError> {
    let Some(first) = demo.first().map(|m| m.incoming.received_at) else { return Ok((0, None)) };
    // One manual focus session, two days ago in the late afternoon.
    let session = (now - Duration::days(2)).with_minute(0).unwrap_or(now) - Duration::hours(3);
    tx.start_focus(session, session + Duration::minutes(90))?;
    let session_id = tx.last_focus_session()?;
    let ctx = PolicyContext::load(tx, first, now)?;
    let channel_ids: std::collections::HashMap<&str, i64> = ctx.channels.iter().map(|(id, name)| (name.as_str(), *id)).collect();
    let mut digests = 0;
    let mut relayed = Vec::new();
    let mut clock = first - Duration::seconds(1);
    let mut release_until = |tx: &Tx<'_>, until: DateTime<Utc>, clock: &mut DateTime<Utc>| -> Result<(), StoreError> {
        // Every digest slot between the last message and this one, as the scheduler would.
        loop {
            let slot = ctx.schedule.next_digest_after(*clock);
            if slot > until {
                break;
            }
            if let Some((row, _)) = release_in(tx, slot, false)? {
                tx.insert_notification(&NotificationRecord {
                    shown_at: slot,
                    kind: InterruptionKind::Digest,
                    message_id: None,
                    digest_id: Some(row.id),
                    client_id: None,
                    delivered: true,
                    error: None,
                })?;
                tx.digest_notified(row.id, slot, None)?;
                digests += 1;
            }
            *clock = slot;
        }
        *clock = until;
        Ok(())
    };
    for m in demo {
        let at = m.incoming.received_at;
        release_until(tx, at, &mut clock)?;
        let Some(channel_id) = channel_ids.get(m.channel).copied() else { continue };
        let category = m.incoming.category.unwrap_or(Category::Direct);
        let draft = MessageDraft {
            as_client: None,
            channel: m.channel,
            sender: &m.incoming.sender,
            title: &m.incoming.title,
            body: &m.incoming.body,
            app: m.incoming.app.as_deref(),
            relay: m.incoming.relay.as_ref(),
            category,
            at,
        };
        let d = decide_message(tx, &ctx, &draft)?;
        let (response_clock, clock_ring_at) = response_clock(&ctx, &d, &m.incoming, category);
        let reply_by = response_clock.as_ref().map(|c| c.reply_by);
        let id = tx.insert_message(&NewMessage {
            channel_id,
            source_key: m.incoming.source_key.clone(),
            client_id: d.client.map(|c| c.id),
            sender: m.incoming.sender.clone(),
            sender_key: d.sender.key(),
            title: m.incoming.title.clone(),
            body: m.incoming.body.clone(),
            url: None,
            category,
            sent_at: m.incoming.sent_at,
            received_at: at,
            decision: d.decision.clone(),
            app: m.incoming.app.clone(),
            reply: None,
            silent: false,
            mail: m.incoming.mail.clone(),
            clock: response_clock,
            clock_ring_at,
        })?;
        // The availability replies the demo's clients would have got: the demo's mail channel
        // is a webhook and sends nothing, so they are recorded as the replier would have.
        if d.decision.kind == DecisionKind::Held
            && let Some(mail) = &m.incoming.mail
        {
            let input = ReplyInput {
                schedule: &ctx.schedule,
                settings: &ctx.replies,
                client: d.client,
                category,
                decision: &d.decision,
                mail: Some(mail),
                own_address: Some(DEMO_ADDRESS),
                sender_name: &d.sender.display,
                subject: &m.incoming.title,
                sent_at: m.incoming.sent_at,
                received_at: at,
                last_reply: mail.reply_to.as_deref().map(|r| tx.last_reply_to(r)).transpose()?.flatten(),
                last_release: tx.last_release_before(at)?,
                bypasses_today: 0,
            };
            if let Ok(plan) = autoreply::plan(&input) {
                let text = reply_words(plan.lang).reply_text(&plan, None, at);
                let reply = tx.enqueue_reply(id, channel_id, d.client.map(|c| c.id), &plan, at)?;
                tx.reply_sent(reply, &text, at + Duration::seconds(4))?;
            }
        }
        if let Some(reply_by) = reply_by {
            let seen_at = if d.decision.kind == DecisionKind::Held { d.decision.release_at.unwrap_or(at) } else { at };
            relayed.push(Relayed { id, client_id: d.client.map(|c| c.id), seen_at, reply_by, ring_at: clock_ring_at });
        }
        // The demo's phone dismisses what Lull holds, as `--dismiss-held` does.
        if m.channel == "phone" && d.decision.kind == DecisionKind::Held {
            tx.message_dismissed(id, at + Duration::seconds(1))?;
        }
        if d.decision.kind.interrupts() {
            tx.insert_notification(&NotificationRecord {
                shown_at: at,
                kind: if d.decision.kind == DecisionKind::Bypass { InterruptionKind::Bypass } else { InterruptionKind::Live },
                message_id: Some(id),
                digest_id: None,
                client_id: d.client.map(|c| c.id),
                delivered: true,
                error: None,
            })?;
        }
        // Now and then the freelancer opens the inbox "just to check".
        if m.incoming.source_key.ends_with('7') && at.hour() % 2 == 0 {
            tx.record_open(at + Duration::minutes(2), "demo")?;
        }
    }
    release_until(tx, now, &mut clock)?;
    answer_relays(tx, &relayed, now)?;
    tx.index_pending()?;
    Ok((digests, session_id))
}

/// A relayed message the demo stored with a response clock.
struct Relayed {
    id: i64,
    client_id: Option<i64>,
    /// When the freelancer first saw it: its digest, or its arrival when it rang.
    seen_at: DateTime<Utc>,
    reply_by: DateTime<Utc>,
    ring_at: Option<DateTime<Utc>>,
}

/// What the demo's freelancer did with relayed messages: most are answered (archived) 25
/// minutes after they are first seen; one in five waits until its clock's breakthrough rings
/// and is answered then; one in seven is never answered. So the weeks show clocks kept and
/// missed, and the rings that saved some.
fn answer_relays(tx: &Tx<'_>, relayed: &[Relayed], now: DateTime<Utc>) -> Result<(), StoreError> {
    for r in relayed {
        let answered = r.id % 7 != 0;
        let answer_at = r.seen_at + Duration::minutes(25);
        let waits_for_ring = r.id % 5 == 0 && r.ring_at.is_some();
        if answered && !waits_for_ring && answer_at <= now && r.ring_at.is_none_or(|ring| answer_at < ring) {
            tx.set_archived(&[r.id], Some(answer_at))?;
            continue;
        }
        let Some(ring_at) = r.ring_at.filter(|at| *at <= now) else { continue };
        tx.clock_rung(r.id, ring_at)?;
        tx.insert_notification(&NotificationRecord {
            shown_at: ring_at,
            kind: InterruptionKind::Bypass,
            message_id: Some(r.id),
            digest_id: None,
            client_id: r.client_id,
            delivered: true,
            error: None,
        })?;
        let after_ring = ring_at + Duration::minutes(20);
        if answered && after_ring <= now && after_ring < r.reply_by {
            tx.set_archived(&[r.id], Some(after_ring))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Hugo Bernard <claire@acme.example>" made the demo look careless: a person's name goes
    /// with that person's own address.
    #[test]
    fn every_named_sender_has_their_own_address() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T18:00:00Z").expect("instant").with_timezone(&Utc);
        for m in generate(now, chrono_tz::Europe::Paris) {
            let sender = &m.incoming.sender;
            let (Some((name, rest)), true) = (sender.split_once(" <"), sender.contains('@')) else { continue };
            let local = rest.split('@').next().unwrap_or_default();
            let first = name.split_whitespace().next().unwrap_or_default().to_lowercase();
            if ["claire", "hugo"].contains(&first.as_str()) {
                assert_eq!(local, first, "{sender}");
            }
        }
    }

    /// The same mail twice in a day made the demo look broken: a subject that comes back the
    /// same day is a reply in its thread.
    #[test]
    fn a_day_never_holds_the_same_mail_twice() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T18:00:00Z").expect("instant").with_timezone(&Utc);
        let mut seen = std::collections::HashSet::new();
        let clients = ["acme.example", "initech.example", "umbrella.example", "hooli.example"];
        for m in generate(now, chrono_tz::Europe::Paris).iter().filter(|m| clients.iter().any(|c| m.incoming.sender.contains(c))) {
            let day = m.incoming.received_at.with_timezone(&chrono_tz::Europe::Paris).date_naive();
            assert!(seen.insert((day, m.incoming.sender.clone(), m.incoming.title.clone())), "{day}: {} twice", m.incoming.title);
        }
    }
}
