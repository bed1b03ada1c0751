//! `lull`: runs the engine headless (`lull serve`) and drives it from the shell.
//!
//! Every command but `serve` goes through [`backend::Backend`]: to the running engine's API if
//! one holds the data directory, else to an engine of its own. Text output is in
//! [`render`], in the system's language (`LC_ALL`, `LC_MESSAGES`, `LANG`: French when it starts
//! with `fr`, English otherwise), and so are errors, with the flag at fault named and a hint of
//! what to type when there is one; `--json` prints the API's own values.

// Printing is this binary's job.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod backend;
mod cli;
mod render;
mod tray;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::{CommandFactory, Parser};
use lull_api::call;
use lull_api::channels::ChannelTest;
use lull_api::clients::{ClientEdit, ClientRemove, ClientSpec};
use lull_api::digests::{DigestList, DigestShow};
use lull_api::listen::{Listen, ListenError};
use lull_api::lock::LockError;
use lull_api::messages::{ExplainQuery, InboxQuery};
use lull_api::paths::{DataDir, DataDirError};
use lull_api::platforms::PlatformSet;
use lull_api::schedule::ScheduleUpdate;
use lull_api::stats::{Simulate, StatsWeek};
use lull_api::status::FocusStart;
use lull_api::{ApiError, ErrorCode};
use lull_core::autoreply::{ReplyLang, ReplySwitch};
use lull_core::model::{Category, ClientMode, Tier};
use lull_core::phrase::{Phrase, Said};
use lull_core::simulate::parse_trace;
use lull_engine::clock::{Clock, SystemClock};
use lull_engine::notifier::DesktopNotifier;
use lull_engine::server::{self, ServeError};
use lull_engine::{Engine, EngineError, EngineOptions};
use lull_words::{Lang, Words, words};
use serde::Serialize;

use crate::backend::Backend;
use crate::cli::*;

/// Everything that can stop a command: the API's errors (which may name an input field), and
/// everything else as a phrase.
#[derive(Debug)]
pub enum CliError {
    Api(ApiError),
    Said(Phrase),
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> CliError {
        CliError::Api(e)
    }
}

impl From<Phrase> for CliError {
    fn from(p: Phrase) -> CliError {
        CliError::Said(p)
    }
}

macro_rules! said {
    ($($t:ty),+) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> CliError {
                CliError::Said(e.phrase())
            }
        }
    )+};
}
said!(EngineError, DataDirError, LockError, ServeError, ListenError);

impl CliError {
    /// The error for the person who typed the command: the flag at fault named, and what to
    /// type next when there is a hint for it.
    fn say(&self, w: Words) -> String {
        // A refused input is named by its flag; other errors (a keyring that does not answer)
        // may name a field too, which is where the window points, not what was typed wrong.
        let (problem, field) = match self {
            CliError::Api(e) => (&e.problem, e.field.as_deref().filter(|_| e.code == ErrorCode::InvalidInput)),
            CliError::Said(p) => (p, None),
        };
        let text = match field.and_then(flag_of) {
            Some(flag) => w.labelled(flag, problem),
            None => w.phrase(problem),
        };
        let hint = format!("hint.{}", problem.code);
        if !w.has(&hint) {
            return text;
        }
        let params: Vec<(&str, &str)> = problem.params.keys().map(|k| (k.as_str(), problem.param(k))).collect();
        format!("{text}; {}", w.t(&hint, &params))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LULL_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .init();
    let w = words(Lang::from_env());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lull: {}", w.t("cli.cannot_start", &[("detail", &e.to_string())]));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, w)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lull: {}", e.say(w));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli, w: Words) -> Result<(), CliError> {
    // Generated from the command line's own definition; they need no data directory.
    match cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lull", &mut script);
            // A reader that stops early (`| head`) is no error.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
            return Ok(());
        }
        Command::ManPages { dir } => {
            return clap_mangen::generate_to(Cli::command(), &dir)
                .map_err(|e| Phrase::new("cli.cannot_write").with("path", dir.display()).with("detail", e).into());
        }
        _ => {}
    }
    let dir = DataDir::resolve(cli.data_dir.clone())?;
    if let Command::Serve { listen, remember, tray } = cli.command {
        return serve(dir, listen, remember, tray, w).await;
    }
    let backend = Backend::connect(&dir, w.lang()).await?;
    let result = execute(&backend, cli.command, cli.json, w).await;
    backend.close().await;
    result
}

async fn serve(dir: DataDir, listen: Option<SocketAddr>, remember: bool, tray: bool, w: Words) -> Result<(), CliError> {
    let started_at = DateTime::<Utc>::from(std::time::SystemTime::now());
    dir.ensure()?;
    if let (Some(addr), true) = (listen, remember) {
        lull_api::listen::record(&dir, addr)?;
    }
    let Listen { addr: listen, moved } = match listen {
        Some(addr) => Listen { addr, moved: false },
        None => lull_api::listen::resolve(&dir)?,
    };
    // A command using the directory on its own is waited for; a running server is refused.
    let mut lock = backend::acquire_lock(dir.root()).await?;
    // A clicked notification opens its digest in the desktop window when the app is installed
    // beside this binary.
    let window_dir = dir.root().to_owned();
    let notifier = DesktopNotifier::new(w.lang()).with_open_handler(Arc::new(move |target| {
        let route = match target {
            lull_engine::notifier::OpenTarget::Digest(id) => format!("/digests/{id}"),
            lull_engine::notifier::OpenTarget::Message(_) => "/inbox".to_owned(),
        };
        let app = lull_api::paths::desktop_app();
        if let Some(app) = app
            && let Err(e) = std::process::Command::new(app).args(["--route", &route]).env("LULL_DATA_DIR", &window_dir).spawn()
        {
            tracing::warn!(error = %e, "cannot open Lull's window");
        }
    }));
    let options = EngineOptions { data_dir: dir.clone(), clock: Arc::new(SystemClock), notifier: Arc::new(notifier), lang: w.lang() };
    let engine = Engine::open(options).await?;
    let listener = match server::bind_loopback(listen).await {
        Ok(l) => l,
        // Say what to do: stop the other program, or move Lull to a port that is free now.
        Err(ServeError::InUse(addr)) => {
            let free = lull_api::listen::free_near(addr).map_or_else(|| "127.0.0.1:7808".to_owned(), |a| a.to_string());
            return Err(Phrase::new("cli.serve.in_use").with("addr", addr).with("free", free).into());
        }
        Err(e) => return Err(e.into()),
    };
    let addr = listener.local_addr().map_err(|e| Phrase::new("cli.serve_failed").with("detail", e))?;
    let url = server::base_url(addr);
    lock.publish_url(&url)?;
    let token = dir.api_token()?;
    // Whoever started us may stop reading (`lull serve | head -1`); the engine keeps running.
    let data = dir.root().display().to_string();
    // The token only where a person reads it: under a service manager the banner goes to the
    // journal, which others may read.
    let key = if std::io::IsTerminal::is_terminal(&std::io::stdout()) { "cli.serve.banner" } else { "cli.serve.banner_logged" };
    let mut banner = format!("{}\n", w.t(key, &[("url", &url), ("token", &token), ("data", &data)]));
    if moved {
        // Webhook senders were set up with an address: say plainly that this is not the usual one.
        banner.push_str(&format!("{}\n", w.t("cli.serve.moved", &[("url", &url), ("default", lull_api::listen::DEFAULT_LISTEN)])));
    }
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, banner.as_bytes()).and_then(|()| std::io::Write::flush(&mut out));
    drop(out);
    // Started: an upgrade made before this start has been shown long enough.
    engine.started(started_at).await;
    // The tray's Quit stops the server like a signal does.
    let (quit, mut quitting) = tokio::sync::watch::channel(false);
    let tray_task = tray.then(|| tokio::spawn(tray::run(engine.clone(), url.clone(), dir.root().to_owned(), quit)));
    let lock = Arc::new(std::sync::Mutex::new(lock));
    let stopping_lock = lock.clone();
    let stop = async move {
        // Without a tray nobody sends Quit: the sender is gone, which must not count as one.
        let quit_asked = async move {
            if quitting.wait_for(|q| *q).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            () = shutdown_signal() => {}
            () = quit_asked => {}
        }
        // Before the listener closes: commands from now on wait for the directory instead of
        // calling a server that is going away.
        if let Ok(mut lock) = stopping_lock.lock()
            && let Err(e) = lock.mark_stopping()
        {
            tracing::warn!(error = %e, "cannot mark the engine lock as stopping");
        }
    };
    let served = server::run(engine.clone(), listener, token, stop).await;
    if let Some(t) = tray_task {
        t.abort();
    }
    engine.shutdown().await;
    drop(lock);
    served.map_err(|e| Phrase::new("cli.serve_failed").with("detail", e).into())
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Phrase::new("cli.json_failed").with("detail", e))?;
    println!("{text}");
    Ok(())
}

/// Prints `value` as JSON, or as the text `render` makes of it.
fn emit<T: Serialize>(json: bool, value: &T, render: impl FnOnce(&T) -> String) -> Result<(), CliError> {
    if json {
        print_json(value)
    } else {
        print!("{}", render(value));
        Ok(())
    }
}

fn parse<T: std::str::FromStr>(value: Option<&str>) -> Result<Option<T>, CliError>
where
    T::Err: Said,
{
    value.map(|v| v.parse::<T>().map_err(|e| CliError::Said(e.phrase()))).transpose()
}

async fn user_tz(backend: &Backend) -> Result<Tz, CliError> {
    Ok(backend.call(call::ScheduleShow).await?.schedule.tz)
}

async fn execute(backend: &Backend, command: Command, json: bool, w: Words) -> Result<(), CliError> {
    match command {
        Command::Serve { .. } | Command::Completions { .. } | Command::ManPages { .. } => unreachable!("handled before connecting"),
        Command::Status => emit(json, &backend.call(call::Status).await?, |s| render::status(w, s)),
        Command::Schedule(ScheduleCommand::Show) => emit(json, &backend.call(call::ScheduleShow).await?, |s| render::schedule(w, s)),
        Command::Schedule(ScheduleCommand::Set(a)) => {
            let update = ScheduleUpdate {
                tz: a.tz,
                focus: if a.no_focus { Some(Vec::new()) } else { (!a.focus.is_empty()).then_some(a.focus) },
                work: (!a.work.is_empty()).then_some(a.work),
                digests: (!a.digest.is_empty()).then_some(a.digest),
                weekly_digest: a.weekly_digest,
                urgent_words: a.urgent_words.map(|w| vec![w]),
                strangers_may_retry: a.strangers_may_retry.map(|s| s == "on"),
            };
            if update == ScheduleUpdate::default() && !a.no_focus {
                return Err(Phrase::new("cli.schedule.nothing_to_change").into());
            }
            emit(json, &backend.call(call::ScheduleSet(update)).await?, |s| render::schedule(w, s))
        }
        Command::Client(c) => client(backend, c, json, w).await,
        Command::Channel(ChannelCommand::List) => emit(json, &backend.call(call::ChannelList).await?, |c| render::channels(w, c)),
        Command::Channel(ChannelCommand::Add(add)) => {
            let (mut spec, ask) = add.into_spec()?;
            if let Some(ask) = ask {
                spec.password = Some(read_password(&ask, w)?);
            }
            let created = backend.call(call::ChannelAdd(spec)).await?;
            let running = backend.server_url().await;
            let base = running.clone().unwrap_or_else(|| server::base_url(lull_api::listen::usual_addr(backend.dir())));
            emit(json, &created, |c| render::channel_created(w, c, &base, running.is_some()))
        }
        Command::Channel(ChannelCommand::Edit(edit)) => {
            let current = backend.call(call::ChannelList).await?.into_iter().find(|c| c.name == edit.name);
            let Some(current) = current else {
                return Err(Phrase::new("channel.no_such").with("name", format!("{:?}", edit.name)).into());
            };
            let (mut spec, ask) = edit.apply(current.spec)?;
            if let Some(ask) = ask {
                spec.password = Some(read_password(&ask, w)?);
            }
            emit(json, &backend.call(call::ChannelEdit(spec)).await?, |c| render::channels(w, std::slice::from_ref(c)))
        }
        Command::Channel(ChannelCommand::Test { name }) => {
            let t = backend.call(ChannelTest { name }).await?;
            emit(json, &t, |t| render::channel_test(w, t))?;
            // A failed test fails the command, with what is wrong as its error.
            if t.ok {
                Ok(())
            } else {
                Err(Phrase::new("cli.channel_test_failed").with("name", &t.name).with_phrase("problem", t.outcome).into())
            }
        }
        Command::Push(PushCommand::List) => emit(json, &backend.call(call::PushList).await?, |p| render::push_targets(w, p)),
        Command::Push(PushCommand::Add(add)) => {
            let (mut spec, token_stdin) = add.into_spec()?;
            if token_stdin {
                let token = stdin_line()?.trim().to_owned();
                if token.is_empty() {
                    return Err(Phrase::new("cli.empty_token").into());
                }
                spec.token = Some(token);
            }
            emit(json, &backend.call(call::PushAdd(spec)).await?, |p| render::push_targets(w, std::slice::from_ref(p)))
        }
        Command::Push(PushCommand::Test { name }) => {
            let t = backend.call(lull_api::push::PushTest { name }).await?;
            emit(json, &t, |t| render::push_test(w, t))?;
            if t.ok {
                Ok(())
            } else {
                Err(Phrase::new("cli.push_test_failed").with("name", &t.name).with_phrase("problem", t.answer).into())
            }
        }
        Command::Push(PushCommand::Remove { name }) => {
            let removed = backend.call(lull_api::push::PushRemove { name }).await?;
            emit(json, &removed, |p| render::push_removed(w, p))
        }
        Command::AutoReply(command) => auto_reply(backend, command, json, w).await,
        Command::Platform(command) => platform(backend, command, json, w).await,
        Command::Reply { id, text } => {
            backend.call(lull_api::messages::Reply { id, text }).await?;
            emit(json, &serde_json::json!({"sent": true}), |_| format!("{}\n", w.t("cli.replied", &[])))
        }
        Command::Explain(a) => {
            let at = parse_at(a.at.as_deref())?;
            let query = ExplainQuery {
                from: a.from,
                at,
                title: a.title,
                body: a.body,
                category: parse::<Category>(a.category.as_deref())?,
                channel: a.channel,
                app: a.app,
                client: None,
                schedule: None,
                reply_template: None,
            };
            let tz = user_tz(backend).await?;
            emit(json, &backend.call(call::Explain(query)).await?, |e| render::explanation(w, e, tz))
        }
        Command::Focus(FocusCommand::Start { duration }) => {
            let minutes = parse_minutes(&duration)?;
            let tz = user_tz(backend).await?;
            emit(json, &backend.call(FocusStart { minutes }).await?, |f| render::focus(w, f, tz, true))
        }
        Command::Focus(FocusCommand::Stop) => {
            let tz = user_tz(backend).await?;
            emit(json, &backend.call(call::FocusStop).await?, |f| render::focus(w, f, tz, false))
        }
        Command::Inbox(a) => {
            let tz = user_tz(backend).await?;
            // The engine answers at most 500 a page: page with its cursor up to the limit asked.
            let mut query = InboxQuery {
                held_only: a.held,
                client: a.client,
                search: a.search,
                limit: Some(a.limit),
                before: None,
                record_check: true,
                interruptions_only: false,
                archived: false,
                snoozed_only: a.snoozed,
            };
            let mut page = backend.call(call::Inbox(query.clone())).await?;
            while (page.messages.len() as u32) < a.limit
                && let Some(next) = page.next.take()
            {
                query.before = Some(next);
                query.record_check = false;
                query.limit = Some(a.limit - page.messages.len() as u32);
                let more = backend.call(call::Inbox(query.clone())).await?;
                page.messages.extend(more.messages);
                page.next = more.next;
            }
            emit(json, &page, |p| render::inbox(w, p, tz))
        }
        Command::Digest(d) => {
            let tz = user_tz(backend).await?;
            match d {
                DigestCommand::List { limit } => emit(json, &backend.call(DigestList { limit }).await?, |l| render::digests(w, l, tz)),
                DigestCommand::Show { id } => emit(json, &backend.call(DigestShow { id }).await?, |d| render::digest(w, d, tz)),
                DigestCommand::Now => emit(json, &backend.call(call::DigestNow).await?, |d| render::digest_released(w, d.as_ref(), tz)),
            }
        }
        Command::Demo { remove: false } => emit(json, &backend.call(call::Demo).await?, |d| render::demo(w, d)),
        Command::Demo { remove: true } => emit(json, &backend.call(call::DemoRemove).await?, |d| render::demo_removed(w, d)),
        Command::Open { no_browser } => {
            let Some(server) = backend.server_url().await else {
                return Err(Phrase::new("cli.not_running").into());
            };
            // A one-time code, good for a minute, rather than the token: what is passed to
            // `xdg-open` is in every process's command line and often in the browser's history.
            let code = backend.call(call::SignInCode).await?;
            let link = format!("{server}#code={code}");
            println!("{link}");
            if !no_browser {
                let opened = std::process::Command::new("xdg-open")
                    .arg(&link)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
                if !opened.is_ok_and(|s| s.success()) {
                    eprintln!("lull: {}", w.t("cli.no_browser", &[]));
                }
            }
            Ok(())
        }
        Command::Stats(StatsCommand::Week { week }) => emit(json, &backend.call(StatsWeek { week }).await?, |s| render::stats(w, s)),
        Command::Simulate { trace, week } => {
            let path = trace.display().to_string();
            let text = std::fs::read_to_string(&trace).map_err(|e| Phrase::new("cli.cannot_read").with("path", &path).with("detail", e))?;
            let entries = parse_trace(&text).map_err(|errors| {
                let mut lines: Vec<String> = errors.iter().take(20).map(|e| format!("  {path}: {}", w.phrase(&e.phrase()))).collect();
                if errors.len() > 20 {
                    lines.push(format!("  {}", w.tn("cli.stats.more", (errors.len() - 20) as u64, &[])));
                }
                Phrase::new("cli.bad_trace").with("count", errors.len()).with("lines", lines.join("\n"))
            })?;
            if entries.is_empty() {
                return Err(Phrase::new("cli.empty_trace").with("path", &path).into());
            }
            let tz = user_tz(backend).await?;
            emit(json, &backend.call(Simulate { trace: entries, week }).await?, |s| render::simulation(w, s, tz))
        }
    }
}

/// Time zone, tier, mode and quota as given on the command line.
type Settings = (Option<String>, Option<Tier>, Option<ClientMode>, Option<u32>);

fn client_settings(s: &ClientSettings) -> Result<Settings, CliError> {
    Ok((s.tz.clone(), parse::<Tier>(s.tier.as_deref())?, parse::<ClientMode>(s.mode.as_deref())?, s.quota))
}

/// What `--auto-reply`, `--no-auto-reply` and `--lang` ask for; `current` is the language set
/// before, kept when `--lang` is not given.
fn reply_switch(s: &ClientSettings, current: Option<ReplyLang>, w: Words) -> Result<Option<ReplySwitch>, CliError> {
    let lang = parse::<ReplyLang>(s.lang.as_deref())?;
    if s.no_auto_reply {
        return Ok(Some(ReplySwitch::Off));
    }
    if !s.auto_reply {
        return match (lang, current) {
            (None, _) => Ok(None),
            (Some(l), Some(_)) => Ok(Some(Some(l).into())),
            (Some(_), None) => Err(Phrase::new("cli.lang_without_auto_reply").into()),
        };
    }
    let mine = match w.lang() {
        Lang::Fr => ReplyLang::Fr,
        Lang::En => ReplyLang::En,
    };
    Ok(Some(Some(lang.or(current).unwrap_or(mine)).into()))
}

async fn client(backend: &Backend, command: ClientCommand, json: bool, w: Words) -> Result<(), CliError> {
    match command {
        ClientCommand::List => emit(json, &backend.call(call::ClientList).await?, |l| render::clients(w, l)),
        ClientCommand::Add(a) => {
            let (tz, tier, mode, bypass_quota) = client_settings(&a.settings)?;
            let auto_reply = reply_switch(&a.settings, None, w)?;
            let spec = ClientSpec { name: a.name, tz, tier, mode, bypass_quota, matches: a.matches, live: a.live, auto_reply };
            emit(json, &backend.call(call::ClientAdd(spec)).await?, |c| render::client(w, c))
        }
        ClientCommand::Edit(a) => {
            let (tz, tier, mode, bypass_quota) = client_settings(&a.settings)?;
            let current = if a.settings.auto_reply || a.settings.lang.is_some() {
                backend.call(call::ClientList).await?.into_iter().find(|c| c.name.eq_ignore_ascii_case(&a.name)).and_then(|c| c.auto_reply)
            } else {
                None
            };
            let auto_reply = reply_switch(&a.settings, current, w)?;
            let edit = ClientEdit {
                name: a.name,
                rename: a.rename,
                tz,
                tier,
                mode,
                bypass_quota,
                add_matches: a.matches,
                remove_matches: a.unmatches,
                live: if a.no_live { Some(Vec::new()) } else { (!a.live.is_empty()).then_some(a.live) },
                auto_reply,
            };
            emit(json, &backend.call(call::ClientEdit(edit)).await?, |c| render::client(w, c))
        }
        ClientCommand::Charter { name, lang, format } => {
            let lang = parse::<ReplyLang>(lang.as_deref())?;
            let mine = match w.lang() {
                Lang::Fr => ReplyLang::Fr,
                Lang::En => ReplyLang::En,
            };
            let lang = match lang {
                Some(l) => Some(l),
                None => backend
                    .call(call::ClientList)
                    .await?
                    .into_iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&name))
                    .map(|c| c.auto_reply.unwrap_or(mine)),
            };
            let format = format.trim().to_ascii_lowercase();
            if !["text", "html", "ics"].contains(&format.as_str()) {
                return Err(Phrase::new("cli.unknown_charter_format").with("value", format!("{format:?}")).into());
            }
            let view = backend.call(call::ClientCharter(lull_api::clients::ClientCharter { name, lang, mark_shared: true })).await?;
            emit(json, &*view, |v| match format.as_str() {
                "html" => v.html.clone(),
                "ics" => v.ics.clone(),
                _ => v.text.clone(),
            })
        }
        ClientCommand::Remove { name } => {
            let removed = backend.call(ClientRemove { name }).await?;
            emit(json, &removed, |r| render::removed(w, r))
        }
    }
}

async fn platform(backend: &Backend, command: PlatformCommand, json: bool, w: Words) -> Result<(), CliError> {
    let platforms = match command {
        PlatformCommand::List => backend.call(call::PlatformsShow).await?,
        PlatformCommand::Set { name, respond_within } => {
            let set = match parse_clock(&respond_within)? {
                ClockChoice::Within(secs) => PlatformSet { platform: name, within_secs: Some(secs), reset: false },
                ClockChoice::Off => PlatformSet { platform: name, within_secs: None, reset: false },
                ClockChoice::Default => PlatformSet { platform: name, within_secs: None, reset: true },
            };
            backend.call(set).await?
        }
    };
    emit(json, &platforms, |p| render::platforms(w, p))
}

async fn auto_reply(backend: &Backend, command: AutoReplyCommand, json: bool, w: Words) -> Result<(), CliError> {
    match command {
        AutoReplyCommand::Show => emit(json, &backend.call(call::RepliesShow).await?, |r| render::replies(w, r)),
        AutoReplyCommand::Set(a) => {
            let mut settings = backend.call(call::RepliesShow).await?.settings;
            if let Some(every) = a.every.as_deref() {
                settings.interval_hours = if every.trim().eq_ignore_ascii_case("hold") {
                    0
                } else {
                    let secs = parse_interval(every).map_err(CliError::from)?;
                    u32::try_from(secs.div_ceil(3600)).unwrap_or(u32::MAX)
                };
            }
            if let Some(lang) = parse::<ReplyLang>(a.lang.as_deref())? {
                let text = if a.default_template {
                    Some(None)
                } else if a.template_stdin {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .map_err(|e| Phrase::new("cli.cannot_read").with("path", "stdin").with("detail", e))?;
                    Some(Some(text))
                } else if let Some(path) = a.template_file.as_deref() {
                    Some(Some(read_text_file(path)?))
                } else {
                    None
                };
                if let Some(text) = text {
                    match lang {
                        ReplyLang::En => settings.template_en = text,
                        ReplyLang::Fr => settings.template_fr = text,
                    }
                }
            }
            emit(json, &backend.call(call::RepliesSet(settings)).await?, |r| render::replies(w, r))
        }
        AutoReplyCommand::Preview { client, at, from, template_file } => {
            let at = parse_at(at.as_deref())?;
            let found = backend.call(call::ClientList).await?.into_iter().find(|c| c.name.eq_ignore_ascii_case(&client));
            let Some(found) = found else {
                return Err(Phrase::new("client.no_such").with("name", format!("{client:?}")).into());
            };
            let from = match from {
                Some(f) => f,
                None => found
                    .matches
                    .iter()
                    .find_map(|m| m.strip_prefix("email:").map(str::to_owned))
                    .or_else(|| found.matches.iter().find_map(|m| m.strip_prefix("domain:").map(|d| format!("someone@{d}"))))
                    .ok_or_else(|| Phrase::new("cli.preview_needs_from").with("client", &found.name))?,
            };
            let query = ExplainQuery {
                from,
                at,
                title: w.t("cli.preview.subject", &[]),
                body: String::new(),
                category: None,
                channel: None,
                app: None,
                client: Some(found.name.clone()),
                schedule: None,
                reply_template: template_file.as_deref().map(read_text_file).transpose()?,
            };
            let tz = user_tz(backend).await?;
            emit(json, &backend.call(call::Explain(query)).await?, |e| render::explanation(w, e, tz))
        }
    }
}

/// `--at` as given (RFC 3339), or now.
fn parse_at(at: Option<&str>) -> Result<DateTime<Utc>, CliError> {
    Ok(match at {
        Some(t) => DateTime::parse_from_rfc3339(t.trim())
            .map_err(|e| Phrase::new("cli.bad_at").with("value", format!("{t:?}")).with("detail", e))?
            .with_timezone(&Utc),
        None => SystemClock.now(),
    })
}

fn read_text_file(path: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| Phrase::new("cli.cannot_read").with("path", format!("{path:?}")).with("detail", e).into())
}

/// A password from stdin (`--password-stdin`: the first line, for password managers and
/// scripts) or typed at a prompt without echo. Never from the command line, where other users
/// could see it in the process list.
/// The first line of stdin, without its line end: how secrets are piped in (a password
/// manager's output), never taken from the command line.
fn stdin_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Phrase::new("cli.password_unreadable").with("detail", e))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn read_password(ask: &PasswordAsk, w: Words) -> Result<String, CliError> {
    let password = if ask.from_stdin {
        stdin_line()?
    } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let prompt = w.t("cli.password_prompt", &[("user", &ask.user), ("host", &ask.host)]);
        rpassword::prompt_password(format!("{prompt} ")).map_err(|e| Phrase::new("cli.password_unreadable").with("detail", e))?
    } else {
        return Err(Phrase::new("cli.no_password").into());
    };
    if password.is_empty() {
        return Err(Phrase::new("cli.empty_password").into());
    }
    Ok(password)
}
