//! The command line: every subcommand and option of `lull`, how a channel kind's flags become
//! its settings, and which flag stands for which field of the API ([`flag_of`]).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lull_api::channels::{ChannelSpec, SecretStore};
use lull_core::channel::{
    ChannelKind, ChannelSettings, DesktopSettings, FeedSettings, ImapSettings, TlsMode, WebhookPreset, WebhookSettings,
};
use lull_core::phrase::Phrase;

/// Lull gathers your clients' messages into one local inbox, lets through only what may
/// interrupt you now, and releases the rest as digests at the times you choose.
#[derive(Debug, Parser)]
#[command(name = "lull", version = lull_api::about::version(), propagate_version = true, max_term_width = 100, after_long_help = MORE_HELP)]
pub struct Cli {
    /// Where Lull keeps its data (default: ~/.local/share/lull).
    #[arg(long, global = true, env = "LULL_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of text (field names are stable; see the README).
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The end of `lull --help`, and of the manual page: where things are, and a first session.
const MORE_HELP: &str = "\
Files:
  ~/.local/share/lull   the data directory (or --data-dir, or $LULL_DATA_DIR): the inbox
                        (lull.db), the API token, copies made before upgrades (lull.db.before-vN)

Environment:
  LULL_DATA_DIR         where Lull keeps its data
  LULL_LOG              what the log shows, e.g. info or lull_engine=debug (default: warn; info
                        for `lull serve`)
  LC_ALL, LC_MESSAGES, LANG
                        the language: French when it starts with fr, else English

Examples:
  lull demo                      fill an empty data directory with two weeks of messages
  lull schedule set --tz Europe/Paris --focus \"mon-fri 09:00-12:00\" --digest 13:00,17:00
  lull client add Acme --tz America/New_York --match domain:acme.com
  lull serve --tray              run the engine (the desktop app, lull-desktop, starts it too)
  lull inbox                     what came in, and what is held until the next digest";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the engine headless: webhooks, digests and the API on 127.0.0.1.
    Serve {
        /// The loopback address and port to listen on; port 0 picks a free one. Without it,
        /// the address recorded with --remember, else 127.0.0.1:7707.
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Record --listen as where Lull listens from now on (the window and later starts use
        /// it): for when another program holds 127.0.0.1:7707. Webhook senders must then post
        /// to the new address.
        #[arg(long, requires = "listen")]
        remember: bool,
        /// Show a tray icon (StatusNotifierItem) with the held count, the next digest, focus
        /// sessions and "Digest now".
        #[arg(long)]
        tray: bool,
    },
    /// Show or change your week: focus blocks, working hours, digest times.
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// Add, list, edit and remove clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Add and list channels (where messages come from).
    #[command(subcommand)]
    Channel(ChannelCommand),
    /// Where Lull rings your phone: ntfy topics and programs of yours.
    #[command(subcommand)]
    Push(PushCommand),
    /// Answer a message from Lull (a phone notification that offers a quick reply).
    Reply {
        /// The message's id (`lull inbox --json` shows it).
        id: i64,
        /// What to send.
        text: String,
    },
    /// What would happen to a message from ADDR at a given time, and why.
    Explain(ExplainArgs),
    /// Availability replies: show or change how often and what they say, preview one.
    #[command(subcommand)]
    AutoReply(AutoReplyCommand),
    /// Freelance platforms (Fiverr, Malt, Upwork): the response clocks Lull watches for you.
    #[command(subcommand)]
    Platform(PlatformCommand),
    /// Start or stop a manual focus session.
    #[command(subcommand)]
    Focus(FocusCommand),
    /// Focus in force, messages held, next digest.
    Status,
    /// List messages, newest first.
    Inbox(InboxArgs),
    /// Digests: history, contents, and releasing one now.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Weekly dispersion statistics.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Fill an empty data directory with two realistic weeks of messages, to try Lull.
    Demo {
        /// Remove what the demo made (its clients, channels and their messages), nothing else.
        #[arg(long)]
        remove: bool,
    },
    /// Print (and open in a browser) a sign-in link to the web UI: a one-time code, good for a
    /// minute, never the access token.
    Open {
        /// Only print the address.
        #[arg(long)]
        no_browser: bool,
    },
    /// Replay a trace of messages through your schedule and clients without touching the inbox.
    Simulate {
        /// A JSON Lines file: one {"received_at", "from", "title", "body", "category"?} a line.
        #[arg(long, value_name = "FILE")]
        trace: PathBuf,
        /// The ISO week to report (default: the week of the last message), e.g. 2026-W48.
        #[arg(long, value_name = "WEEK")]
        week: Option<String>,
    },
    /// Print lull's completion script for a shell (bash, zsh, fish, elvish or powershell). The
    /// package installs them; from source: `lull completions bash > ~/.local/share/bash-completion/completions/lull`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write lull's manual pages into DIR: lull.1 and one page per command (for packaging).
    #[command(hide = true)]
    ManPages {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Change the schedule; options left out keep their value.
    Set(ScheduleSetArgs),
    /// Show the schedule and the next digest.
    Show,
}

#[derive(Debug, Args)]
pub struct ScheduleSetArgs {
    /// Your IANA time zone, e.g. Europe/Paris.
    #[arg(long, value_name = "TZ")]
    pub tz: Option<String>,
    /// A focus block, e.g. "mon-fri 09:00-12:00"; repeat for several; replaces the current ones.
    #[arg(long, value_name = "DAYS HH:MM-HH:MM")]
    pub focus: Vec<String>,
    /// Remove every focus block.
    #[arg(long, conflicts_with = "focus")]
    pub no_focus: bool,
    /// Working hours, e.g. "mon-fri 09:00-18:00"; repeat for several; replaces the current ones.
    #[arg(long, value_name = "DAYS HH:MM-HH:MM")]
    pub work: Vec<String>,
    /// Digest times on working days, e.g. 09:00,13:00,17:00.
    #[arg(long, value_name = "HH:MM,...")]
    pub digest: Vec<String>,
    /// When ratings and reviews are released, once a week, e.g. "fri 17:00".
    #[arg(long, value_name = "DAY HH:MM")]
    pub weekly_digest: Option<String>,
    /// Words that make a VIP's message urgent, comma-separated; replaces the current list.
    #[arg(long, value_name = "WORD,...")]
    pub urgent_words: Option<String>,
    /// Let senders no client is known by break through focus by trying again (three times in
    /// fifteen minutes): on or off (default off).
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    pub strangers_may_retry: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Add a client.
    Add(ClientAddArgs),
    /// List clients with their local time and recent volume.
    List,
    /// Change a client; options left out keep their value.
    Edit(ClientEditArgs),
    /// Remove a client; its messages stay, attributed to Unknown.
    Remove { name: String },
    /// "How to reach me" for a client, in its time zone: live windows, when messages are read,
    /// working hours, days off, how to escalate. Recorded as shared, so Lull can tell when it
    /// is out of date.
    Charter {
        name: String,
        /// en or fr (default: the client's reply language, else yours).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
        /// text (default), html (a page to send or attach) or ics (a calendar to import).
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: String,
    },
}

#[derive(Debug, Args)]
pub struct ClientAddArgs {
    pub name: String,
    #[command(flatten)]
    pub settings: ClientSettings,
    /// How to recognise the client: email:ADDR, domain:DOMAIN, channel:NAME, feed:NAME,
    /// app:APP[:TEXT] (a desktop notification from APP whose summary or body contains TEXT) or
    /// platform:NAME:PERSON (their messages relayed by Malt, Upwork or Fiverr); repeatable.
    #[arg(long = "match", value_name = "KIND:VALUE")]
    pub matches: Vec<String>,
    /// When the client may reach you live, e.g. "tue,thu 14:00-16:00" (your time) or
    /// "tue,thu 14:00-16:00@client" (theirs); repeatable.
    #[arg(long, value_name = "WINDOW")]
    pub live: Vec<String>,
}

/// What `client add` and `client edit` both set; left out, a setting keeps its value (or its
/// default for a new client).
#[derive(Debug, Args)]
pub struct ClientSettings {
    /// The client's IANA time zone (default: yours).
    #[arg(long, value_name = "TZ")]
    pub tz: Option<String>,
    /// vip (urgent words break through focus), normal, or low (digests only).
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// normal, digest-only, or muted.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
    /// Bypasses allowed per day (default 3).
    #[arg(long, value_name = "N")]
    pub quota: Option<u32>,
    /// Answer held email from this client once, saying when you will read it (needs a mail
    /// channel with --smtp-host).
    #[arg(long, conflicts_with = "no_auto_reply")]
    pub auto_reply: bool,
    /// Stop answering held email from this client.
    #[arg(long)]
    pub no_auto_reply: bool,
    /// The language of the replies: en or fr (default: the one set before, else yours).
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
}

#[derive(Debug, Args)]
pub struct ClientEditArgs {
    pub name: String,
    #[arg(long, value_name = "NEW NAME")]
    pub rename: Option<String>,
    #[command(flatten)]
    pub settings: ClientSettings,
    /// Add an identity; repeatable.
    #[arg(long = "match", value_name = "KIND:VALUE")]
    pub matches: Vec<String>,
    /// Remove an identity; repeatable.
    #[arg(long = "unmatch", value_name = "KIND:VALUE")]
    pub unmatches: Vec<String>,
    /// Replace the live windows; repeatable.
    #[arg(long, value_name = "WINDOW")]
    pub live: Vec<String>,
    /// Remove every live window.
    #[arg(long, conflicts_with = "live")]
    pub no_live: bool,
}

#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Add a channel: webhook, feed, imap, desktop or phone.
    #[command(subcommand)]
    Add(AddChannel),
    /// Change a channel's settings; its connector restarts with them.
    Edit(Box<EditChannel>),
    /// Check that a channel works now (fetch the feed, reach the bus, …); stores nothing.
    Test { name: String },
    /// List channels with their state, health and activity.
    List,
}

#[derive(Debug, Subcommand)]
pub enum PushCommand {
    /// Add a push target: an ntfy topic, or a program of yours.
    #[command(subcommand)]
    Add(AddPush),
    /// List push targets with their last success, last error and queue.
    List,
    /// Send a test push now and say what the target answered.
    Test { name: String },
    /// Remove a push target; the pushes it still owed go with it.
    Remove { name: String },
}

/// What every push target gets.
#[derive(Debug, Args)]
pub struct PushOptions {
    /// Send only the client and the decision ("Acme: urgent, open Lull"), never a message's
    /// text: ntfy is not end-to-end encrypted.
    #[arg(long)]
    pub private: bool,
    /// Push every digest too (the default).
    #[arg(long, overrides_with = "no_digests")]
    pub digests: bool,
    /// Push only what may interrupt, not digests.
    #[arg(long)]
    pub no_digests: bool,
}

#[derive(Debug, Subcommand)]
pub enum AddPush {
    /// An ntfy topic (ntfy.sh or your own server); the ntfy app rings your phone.
    Ntfy {
        name: String,
        /// The server, e.g. https://ntfy.sh
        #[arg(long)]
        server: String,
        /// The topic your phone subscribes to; on a public server, one nobody will guess.
        #[arg(long)]
        topic: String,
        /// Read an access token for a protected topic from stdin; it is kept in the keyring.
        #[arg(long)]
        token_stdin: bool,
        /// Where to keep the token: keyring (default) or file.
        #[arg(long, value_name = "STORE")]
        secret_store: Option<String>,
        #[command(flatten)]
        options: PushOptions,
    },
    /// A program run once per push with the push as JSON on stdin (signal-cli,
    /// matrix-commander, a script): lull push add command NAME -- PROGRAM ARGS…
    Command {
        name: String,
        /// Kill the program, and retry later, after this long (e.g. 30s, 2m; default 30s).
        #[arg(long, value_name = "DURATION")]
        timeout: Option<String>,
        #[command(flatten)]
        options: PushOptions,
        /// The program and its arguments.
        #[arg(last = true, required = true, value_name = "PROGRAM")]
        command: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AddChannel {
    /// A webhook: POST /hooks/NAME. Prints its URL and token (shown once).
    Webhook {
        /// A short name: lower-case letters, digits, '-', '_' or '.'.
        name: String,
        /// Read another service's payloads: FIELD=/json/pointer, several pointers separated by
        /// '|' are tried in order, header:NAME reads a request header. Fields: id, from, title,
        /// body, url, time, category. Repeatable.
        #[arg(long = "map", value_name = "FIELD=POINTER")]
        map: Vec<String>,
        /// Payloads of a known sender: github, gitlab or jira (--map overrides its fields).
        #[arg(long)]
        preset: Option<String>,
    },
    /// An RSS, Atom or JSON feed, polled over HTTP.
    Feed {
        name: String,
        /// The feed's address, e.g. https://status.acme.com/history.rss
        url: String,
        /// How often to poll, e.g. 15m, 1h (at least 1m; default 15m).
        #[arg(long, value_name = "DURATION")]
        every: Option<String>,
    },
    /// An email account over IMAP. The password is read from stdin (--password-stdin) or a
    /// prompt, never from the command line, and kept in the OS keyring.
    Imap {
        name: String,
        #[command(flatten)]
        server: Box<ImapArgs>,
    },
    /// Your phone's notifications, through KDE Connect (Android) or GSConnect (GNOME).
    Phone {
        name: String,
        /// Only this paired device (see `kdeconnect-cli -a --id-only`); default every paired
        /// device.
        #[arg(long, value_name = "ID")]
        device: Option<String>,
        /// Dismiss a held notification on the phone, so its shade stops pulling; it comes back
        /// in the digest.
        #[arg(long)]
        dismiss_held: bool,
    },
    /// Notifications shown on this Linux desktop (Slack, Teams, Thunderbird, browsers, …).
    Desktop {
        name: String,
        /// Do not take this app's notifications; repeatable.
        #[arg(long = "ignore-app", value_name = "APP")]
        ignore_apps: Vec<String>,
        /// Be this desktop's notification daemon (for sway, i3 and others without one): show
        /// what passes in Lull's popups and hold the rest until the digest. Refused when
        /// another daemon runs.
        #[arg(long)]
        gatekeeper: bool,
    },
}

#[derive(Debug, Args)]
pub struct ImapArgs {
    /// The mail server, e.g. imap.fastmail.com.
    #[arg(long)]
    pub host: String,
    /// The port (default 993 with TLS, 143 with STARTTLS).
    #[arg(long)]
    pub port: Option<u16>,
    /// The user name, usually your email address.
    #[arg(long)]
    pub user: String,
    /// tls (default), starttls, or none (only for a server on this machine).
    #[arg(long, value_name = "MODE")]
    pub tls: Option<String>,
    /// A folder to watch (default INBOX); repeatable.
    #[arg(long = "folder", value_name = "FOLDER")]
    pub folders: Vec<String>,
    /// Read the password from stdin (e.g. from a password manager) instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
    /// A PEM file of certificate authorities to trust (a self-hosted server's own CA).
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<String>,
    /// Where to keep the password: keyring (default) or file (a file only you can read, for
    /// machines without a keyring).
    #[arg(long, value_name = "STORE")]
    pub secret_store: Option<String>,
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// The mail server availability replies are sent through (SMTP submission).
#[derive(Debug, Args)]
pub struct SmtpArgs {
    /// IMAP: send availability replies through this server, e.g. smtp.fastmail.com.
    #[arg(long, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// IMAP: its port (default 587 with STARTTLS, 465 with TLS).
    #[arg(long, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// IMAP: starttls (default), tls, or none (only for a server on this machine).
    #[arg(long, value_name = "MODE")]
    pub smtp_tls: Option<String>,
    /// IMAP: the SMTP user when it is not the IMAP user (the password is the channel's).
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// IMAP: your own address, the From of replies (default: the user name, when it is one).
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
}

impl SmtpArgs {
    fn given(&self) -> bool {
        self.smtp_host.is_some()
            || self.smtp_port.is_some()
            || self.smtp_tls.is_some()
            || self.smtp_user.is_some()
            || self.address.is_some()
    }

    /// Sets what was given on `settings`.
    fn apply(self, settings: &mut ImapSettings) -> Result<(), Phrase> {
        if let Some(tls) = self.smtp_tls.as_deref() {
            settings.smtp_tls = Some(parse_tls(tls)?);
            // A new mode takes its own default port unless one is given.
            settings.smtp_port = None;
        }
        settings.smtp_host = self.smtp_host.or(settings.smtp_host.take());
        settings.smtp_port = self.smtp_port.or(settings.smtp_port);
        settings.smtp_user = self.smtp_user.or(settings.smtp_user.take());
        settings.address = self.address.or(settings.address.take());
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct EditChannel {
    pub name: String,
    /// Feeds: a new address.
    #[arg(long)]
    pub url: Option<String>,
    /// Feeds: a new polling interval, e.g. 30m.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// Webhooks: set a field's mapping (FIELD=POINTER); repeatable.
    #[arg(long = "map", value_name = "FIELD=POINTER")]
    pub map: Vec<String>,
    /// Webhooks: remove a field's mapping; repeatable.
    #[arg(long = "unmap", value_name = "FIELD")]
    pub unmap: Vec<String>,
    /// Webhooks: use a preset (github, gitlab, jira); `none` removes it.
    #[arg(long)]
    pub preset: Option<String>,
    /// Desktop: replace the apps whose notifications are not taken; repeatable.
    #[arg(long = "ignore-app", value_name = "APP")]
    pub ignore_apps: Vec<String>,
    /// Desktop: become this desktop's notification daemon (gatekeeper mode).
    #[arg(long, conflicts_with = "no_gatekeeper")]
    pub gatekeeper: bool,
    /// Desktop: go back to watching the desktop's own notification daemon.
    #[arg(long)]
    pub no_gatekeeper: bool,
    /// IMAP: a new server.
    #[arg(long)]
    pub host: Option<String>,
    /// IMAP: a new port.
    #[arg(long)]
    pub port: Option<u16>,
    /// IMAP: a new user name.
    #[arg(long)]
    pub user: Option<String>,
    /// IMAP: tls, starttls or none.
    #[arg(long, value_name = "MODE")]
    pub tls: Option<String>,
    /// IMAP: replace the folders watched; repeatable.
    #[arg(long = "folder", value_name = "FOLDER")]
    pub folders: Vec<String>,
    /// IMAP: set a new password, read from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// IMAP: set a new password at a prompt.
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: bool,
    /// IMAP: where to keep a new password: keyring or file.
    #[arg(long, value_name = "STORE")]
    pub secret_store: Option<String>,
    #[command(flatten)]
    pub smtp: SmtpArgs,
    /// IMAP: stop sending availability replies (forget the SMTP server).
    #[arg(long, conflicts_with = "smtp_host")]
    pub no_smtp: bool,
    /// Phone: take only this paired device's notifications.
    #[arg(long, value_name = "ID", conflicts_with = "any_device")]
    pub device: Option<String>,
    /// Phone: take every paired device's notifications.
    #[arg(long)]
    pub any_device: bool,
    /// Phone: dismiss held notifications on the phone; they come back in the digest.
    #[arg(long, conflicts_with = "keep_held")]
    pub dismiss_held: bool,
    /// Phone: leave held notifications on the phone.
    #[arg(long)]
    pub keep_held: bool,
}

/// A password to ask for: on stdin, or at a prompt naming the account.
#[derive(Debug)]
pub struct PasswordAsk {
    pub from_stdin: bool,
    pub user: String,
    pub host: String,
}

impl AddChannel {
    /// The channel to add, from its kind's flags, and the password to ask for if it keeps one.
    pub fn into_spec(self) -> Result<(ChannelSpec, Option<PasswordAsk>), Phrase> {
        Ok(match self {
            AddChannel::Webhook { name, map, preset } => {
                let preset = preset.as_deref().map(parse_preset).transpose()?;
                (ChannelSpec::new(name, ChannelSettings::Webhook(WebhookSettings { preset, map })), None)
            }
            AddChannel::Feed { name, url, every } => {
                let every_secs = every.as_deref().map(parse_interval).transpose()?.unwrap_or(lull_core::channel::DEFAULT_FEED_EVERY_SECS);
                (ChannelSpec::new(name, ChannelSettings::Feed(FeedSettings { url, every_secs })), None)
            }
            AddChannel::Imap { name, server } => {
                let ask = PasswordAsk { from_stdin: server.password_stdin, user: server.user.clone(), host: server.host.clone() };
                let settings = ImapSettings {
                    host: server.host,
                    port: server.port,
                    user: server.user,
                    tls: server.tls.as_deref().map(parse_tls).transpose()?.unwrap_or_default(),
                    folders: server.folders,
                    ca_file: server.ca_file.map(absolute),
                    ..ImapSettings::default()
                };
                let mut settings = settings;
                server.smtp.apply(&mut settings)?;
                let spec = ChannelSpec {
                    secret_store: server.secret_store.as_deref().map(parse_store).transpose()?,
                    ..ChannelSpec::new(name, ChannelSettings::Imap(settings))
                };
                (spec, Some(ask))
            }
            AddChannel::Desktop { name, ignore_apps, gatekeeper } => {
                (ChannelSpec::new(name, ChannelSettings::Desktop(DesktopSettings { ignore_apps, gatekeeper })), None)
            }
            AddChannel::Phone { name, device, dismiss_held } => {
                (ChannelSpec::new(name, ChannelSettings::Phone(lull_core::channel::PhoneSettings { device, dismiss_held })), None)
            }
        })
    }
}

impl EditChannel {
    /// The flags given, each with the kind it is for.
    fn given(&self) -> Vec<(&'static str, ChannelKind)> {
        let flags = [
            ("--url", ChannelKind::Feed, self.url.is_some()),
            ("--every", ChannelKind::Feed, self.every.is_some()),
            ("--map", ChannelKind::Webhook, !self.map.is_empty()),
            ("--unmap", ChannelKind::Webhook, !self.unmap.is_empty()),
            ("--preset", ChannelKind::Webhook, self.preset.is_some()),
            ("--ignore-app", ChannelKind::Desktop, !self.ignore_apps.is_empty()),
            ("--gatekeeper", ChannelKind::Desktop, self.gatekeeper),
            ("--no-gatekeeper", ChannelKind::Desktop, self.no_gatekeeper),
            ("--host", ChannelKind::Imap, self.host.is_some()),
            ("--port", ChannelKind::Imap, self.port.is_some()),
            ("--user", ChannelKind::Imap, self.user.is_some()),
            ("--tls", ChannelKind::Imap, self.tls.is_some()),
            ("--folder", ChannelKind::Imap, !self.folders.is_empty()),
            ("--password-stdin", ChannelKind::Imap, self.password_stdin),
            ("--password", ChannelKind::Imap, self.password),
            ("--secret-store", ChannelKind::Imap, self.secret_store.is_some()),
            ("--smtp-host", ChannelKind::Imap, self.smtp.given()),
            ("--no-smtp", ChannelKind::Imap, self.no_smtp),
            ("--device", ChannelKind::Phone, self.device.is_some()),
            ("--any-device", ChannelKind::Phone, self.any_device),
            ("--dismiss-held", ChannelKind::Phone, self.dismiss_held),
            ("--keep-held", ChannelKind::Phone, self.keep_held),
        ];
        flags.into_iter().filter(|(_, _, given)| *given).map(|(flag, kind, _)| (flag, kind)).collect()
    }

    /// `spec` with the flags' changes, and the password to ask for if a new one was asked for.
    pub fn apply(self, mut spec: ChannelSpec) -> Result<(ChannelSpec, Option<PasswordAsk>), Phrase> {
        let kind = spec.kind();
        if let Some((flag, _)) = self.given().into_iter().find(|(_, k)| *k != kind) {
            return Err(Phrase::new("cli.flag_not_applicable").with("flag", flag).with("kind", kind));
        }
        let mut ask = None;
        match &mut spec.settings {
            ChannelSettings::Webhook(w) => {
                match self.preset.as_deref() {
                    Some("none") => w.preset = None,
                    Some(p) => w.preset = Some(parse_preset(p)?),
                    None => {}
                }
                let field = |m: &str| m.split_once('=').map_or(m, |(f, _)| f).trim().to_ascii_lowercase();
                w.map.retain(|m| !self.unmap.iter().any(|u| u.trim().eq_ignore_ascii_case(&field(m))));
                for m in self.map {
                    w.map.retain(|old| field(old) != field(&m));
                    w.map.push(m);
                }
            }
            ChannelSettings::Feed(f) => {
                if let Some(url) = self.url {
                    f.url = url;
                }
                if let Some(every) = self.every {
                    f.every_secs = parse_interval(&every)?;
                }
            }
            ChannelSettings::Desktop(d) => {
                if self.gatekeeper || self.no_gatekeeper {
                    d.gatekeeper = self.gatekeeper;
                }
                if !self.ignore_apps.is_empty() {
                    d.ignore_apps = self.ignore_apps;
                }
            }
            ChannelSettings::Imap(i) => {
                i.host = self.host.unwrap_or(std::mem::take(&mut i.host));
                i.port = self.port.or(i.port);
                i.user = self.user.unwrap_or(std::mem::take(&mut i.user));
                if let Some(tls) = self.tls.as_deref() {
                    i.tls = parse_tls(tls)?;
                }
                if !self.folders.is_empty() {
                    i.folders = self.folders;
                }
                if self.no_smtp {
                    (i.smtp_host, i.smtp_port, i.smtp_tls, i.smtp_user) = (None, None, None, None);
                }
                self.smtp.apply(i)?;
                if self.password_stdin || self.password {
                    ask = Some(PasswordAsk { from_stdin: self.password_stdin, user: i.user.clone(), host: i.host.clone() });
                    spec.secret_store = self.secret_store.as_deref().map(parse_store).transpose()?.or(spec.secret_store);
                }
            }
            ChannelSettings::Phone(p) => {
                if self.device.is_some() || self.any_device {
                    p.device = self.device;
                }
                if self.dismiss_held || self.keep_held {
                    p.dismiss_held = self.dismiss_held;
                }
            }
        }
        Ok((spec, ask))
    }
}

fn parse_preset(s: &str) -> Result<WebhookPreset, Phrase> {
    s.parse().map_err(|_| {
        let known: Vec<&str> = WebhookPreset::ALL.iter().map(|p| p.as_str()).collect();
        Phrase::new("cli.unknown_preset").with("value", format!("{s:?}")).with("presets", known.join(", "))
    })
}

fn parse_tls(s: &str) -> Result<TlsMode, Phrase> {
    s.parse().map_err(|_| Phrase::new("cli.unknown_tls").with("value", format!("{s:?}")))
}

fn parse_store(s: &str) -> Result<SecretStore, Phrase> {
    s.parse()
}

/// Paths given on the command line are taken from where the user stands.
fn absolute(path: String) -> String {
    std::path::absolute(&path).map_or(path, |p| p.display().to_string())
}

impl AddPush {
    /// The push target to add, and whether its token is to be read from stdin.
    pub fn into_spec(self) -> Result<(lull_api::push::PushSpec, bool), Phrase> {
        use lull_core::push::{CommandSettings, NtfySettings, PushSettings};
        let (name, settings, options, token_stdin, store) = match self {
            AddPush::Ntfy { name, server, topic, token_stdin, secret_store, options } => {
                (name, PushSettings::Ntfy(NtfySettings { server, topic }), options, token_stdin, secret_store)
            }
            AddPush::Command { name, timeout, options, mut command } => {
                let timeout_secs =
                    timeout.as_deref().map(parse_interval).transpose()?.unwrap_or(lull_core::push::DEFAULT_COMMAND_TIMEOUT_SECS);
                let program = if command.is_empty() { String::new() } else { command.remove(0) };
                (
                    name,
                    PushSettings::Command(CommandSettings { program: absolute_program(program), args: command, timeout_secs }),
                    options,
                    false,
                    None,
                )
            }
        };
        let secret_store = store.as_deref().map(str::parse::<SecretStore>).transpose()?;
        let spec = lull_api::push::PushSpec {
            digests: !options.no_digests,
            private: options.private,
            secret_store,
            ..lull_api::push::PushSpec::new(name, settings)
        };
        Ok((spec, token_stdin))
    }
}

/// A program named by a path relative to where the user stands is made absolute (the server
/// runs it from elsewhere); a bare name is looked up in `PATH` when it runs.
fn absolute_program(program: String) -> String {
    if program.contains('/') { absolute(program) } else { program }
}

/// Reads an interval such as `90s`, `15m`, `1h` or `1h30m` into seconds.
pub fn parse_interval(s: &str) -> Result<u64, Phrase> {
    sum_units(&s.trim().to_ascii_lowercase(), &[('h', 3600), ('m', 60), ('s', 1)])
        .ok_or_else(|| Phrase::new("cli.bad_interval").with("value", format!("{s:?}")))
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The sender, e.g. jane@acme.com or "Jane <jane@acme.com>".
    #[arg(long, value_name = "ADDR")]
    pub from: String,
    /// When it would arrive (RFC 3339, e.g. 2026-11-24T10:15:00+01:00; default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[arg(long, default_value = "")]
    pub title: String,
    #[arg(long, default_value = "")]
    pub body: String,
    /// direct, mention, platform, rating, social, newsletter or system.
    #[arg(long)]
    pub category: Option<String>,
    /// The channel it would arrive on.
    #[arg(long)]
    pub channel: Option<String>,
    /// The desktop app it would come from (a notification), e.g. Slack.
    #[arg(long)]
    pub app: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PlatformCommand {
    /// Each platform and how long it gives to answer a client.
    List,
    /// Change how long a platform gives: a held message it relays breaks through once, at the
    /// last digest or live window before that time runs out.
    Set {
        /// Fiverr, Malt or Upwork.
        name: String,
        /// e.g. 24h, 12h, 2d, 90m; `off` to watch no clock, `default` for Lull's (24h).
        #[arg(long, value_name = "DURATION")]
        respond_within: String,
    },
}

/// Reads a response clock: `24h`, `2d`, `1h30m`; `off` for none; `default` for Lull's.
/// `Ok(None)`: off; `Err` for anything else that does not read.
pub fn parse_clock(s: &str) -> Result<ClockChoice, Phrase> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "off" | "none" | "no" => Ok(ClockChoice::Off),
        "default" => Ok(ClockChoice::Default),
        _ => sum_units(&t, &[('d', 86_400), ('h', 3600), ('m', 60)])
            .and_then(|s| i64::try_from(s).ok())
            .map(ClockChoice::Within)
            .ok_or_else(|| Phrase::new("cli.bad_clock").with("value", format!("{s:?}"))),
    }
}

/// What `--respond-within` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChoice {
    /// This many seconds.
    Within(i64),
    Off,
    Default,
}

#[derive(Debug, Subcommand)]
pub enum AutoReplyCommand {
    /// The clients who get replies, the channels that send them, how often, and the templates.
    Show,
    /// Change how often one sender may be told, or a language's template.
    Set(AutoReplySetArgs),
    /// The reply CLIENT would get for an email held at a given time.
    Preview {
        client: String,
        /// When the email would arrive (RFC 3339; default: now).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// The sender's address (default: the client's first email or domain identity).
        #[arg(long, value_name = "ADDR")]
        from: Option<String>,
        /// Preview this template instead of the saved one.
        #[arg(long, value_name = "FILE")]
        template_file: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AutoReplySetArgs {
    /// At most one reply per sender in this long, e.g. 24h (the default) or 12h; `hold` for
    /// once per hold period only.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
    /// The language whose template changes: en or fr.
    #[arg(long, value_name = "LANG", required_unless_present = "every")]
    pub lang: Option<String>,
    /// The new template, from a file (placeholders: {hello} {name} {away} {reading} {urgent}
    /// {until} {times}).
    #[arg(long, value_name = "FILE", requires = "lang", conflicts_with_all = ["template_stdin", "default_template"])]
    pub template_file: Option<String>,
    /// The new template, from stdin.
    #[arg(long, requires = "lang", conflicts_with = "default_template")]
    pub template_stdin: bool,
    /// Go back to Lull's own template for --lang.
    #[arg(long, requires = "lang")]
    pub default_template: bool,
}

#[derive(Debug, Subcommand)]
pub enum FocusCommand {
    /// Hold everything but urgent messages for a while, e.g. --for 90m.
    Start {
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
    },
    /// End the running focus session.
    Stop,
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// Only messages waiting for a digest (not archived, not snoozed).
    #[arg(long, conflicts_with = "snoozed")]
    pub held: bool,
    /// Only snoozed messages, with when they come back.
    #[arg(long)]
    pub snoozed: bool,
    /// Only this client's messages ("Unknown" for unattributed ones).
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,
    /// Full-text search in sender, title and body (accents and case ignored).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// Digests released, most recent first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// What a digest contained, grouped by client.
    Show { id: i64 },
    /// Release everything held now, as one digest.
    Now,
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// The statistics of one ISO week, with the week before for trends.
    Week {
        /// `this` (the week in progress, compared with the same part of the week before), `last`
        /// (the default: the last complete week), or e.g. 2026-W48.
        #[arg(long)]
        week: Option<String>,
    },
}

/// The flag that sets the API's input `field`, for naming it in errors; `None` for a field the
/// command line takes as an argument (a name).
pub fn flag_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "tz" => "--tz",
        "focus" => "--focus",
        "work" => "--work",
        "digests" => "--digest",
        "weekly_digest" => "--weekly-digest",
        "urgent_words" => "--urgent-words",
        "strangers_may_retry" => "--strangers-may-retry",
        "matches" | "add_matches" => "--match",
        "remove_matches" => "--unmatch",
        "live" => "--live",
        "rename" => "--rename",
        "tier" => "--tier",
        "mode" => "--mode",
        "bypass_quota" => "--quota",
        "from" => "--from",
        "minutes" => "--for",
        "week" => "--week",
        "url" => "--url",
        "every_secs" => "--every",
        "within_secs" => "--respond-within",
        "map" => "--map",
        "preset" => "--preset",
        "ignore_apps" => "--ignore-app",
        "gatekeeper" => "--gatekeeper",
        "host" => "--host",
        "port" => "--port",
        "user" => "--user",
        "tls" => "--tls",
        "folders" => "--folder",
        "ca_file" => "--ca-file",
        "smtp_host" => "--smtp-host",
        "smtp_port" => "--smtp-port",
        "smtp_tls" => "--smtp-tls",
        "smtp_user" => "--smtp-user",
        "address" => "--address",
        "password" => "--password-stdin",
        "secret_store" => "--secret-store",
        "device" => "--device",
        "dismiss_held" => "--dismiss-held",
        "server" => "--server",
        "topic" => "--topic",
        "token" => "--token-stdin",
        "program" => "--",
        "timeout_secs" => "--timeout",
        _ => return None,
    })
}

/// Reads `90m`, `1h30m`, `2h` or a bare number of minutes.
pub fn parse_minutes(s: &str) -> Result<u32, Phrase> {
    let err = || Phrase::new("cli.bad_duration").with("value", format!("{s:?}"));
    let t = s.trim().to_ascii_lowercase();
    if let Ok(m) = t.parse::<u32>() {
        return Ok(m);
    }
    let total = sum_units(&t, &[('h', 60), ('m', 1)]).ok_or_else(err)?;
    u32::try_from(total).map_err(|_| err())
}

/// Adds up `1h30m`-style parts, each unit worth its factor; `None` for anything else, an
/// overflow, or a total of zero.
fn sum_units(t: &str, units: &[(char, u64)]) -> Option<u64> {
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let factor = units.iter().find(|(u, _)| *u == c).map(|(_, f)| *f).filter(|_| !number.is_empty())?;
        let n: u64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(factor)?)?;
        number.clear();
    }
    (number.is_empty() && total > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn durations() {
        assert_eq!(parse_minutes("90m"), Ok(90));
        assert_eq!(parse_minutes("1h30m"), Ok(90));
        assert_eq!(parse_minutes("2h"), Ok(120));
        assert_eq!(parse_minutes("25"), Ok(25));
        assert!(parse_minutes("soon").is_err());
        assert!(parse_minutes("1h30").is_err());
        assert_eq!(parse_interval("15m"), Ok(900));
        assert_eq!(parse_interval("1h30m"), Ok(5_400));
        assert_eq!(parse_interval("90s"), Ok(90));
        assert!(parse_interval("15").is_err() && parse_interval("0m").is_err() && parse_interval("soon").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The examples at the end of `lull --help` (and of `man lull`) are commands that parse.
    #[test]
    fn the_help_examples_parse() {
        let examples: Vec<&str> =
            MORE_HELP.lines().map(str::trim_start).filter(|l| l.starts_with("lull ")).map(|l| l.split("  ").next().unwrap_or(l)).collect();
        assert!(examples.len() >= 5, "{examples:?}");
        for example in examples {
            // Words, with a double-quoted one kept whole.
            let words: Vec<String> = example
                .split('"')
                .enumerate()
                .flat_map(|(i, part)| if i % 2 == 1 { vec![part.to_owned()] } else { part.split_whitespace().map(str::to_owned).collect() })
                .collect();
            if let Err(e) = Cli::try_parse_from(&words) {
                panic!("{example:?} does not parse: {e}");
            }
        }
    }
}
