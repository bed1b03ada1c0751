//! Gatekeeper mode for desktop notifications: on desktops without a notification daemon of
//! their own (sway, i3 and other bare window managers), Lull *is* the daemon. It owns
//! `org.freedesktop.Notifications`, so every app's notification reaches Lull first: what the
//! policy lets through is shown at once in a popup, what it holds is not shown and comes back
//! in the next digest. Watching (see [`crate::desktop`]) can only record; this can hold.
//!
//! Lull never takes the name from another daemon: when one owns it, gatekeeper mode stops with
//! a configuration error naming it. Showing is left to a [`Popups`] implementation (the engine
//! uses a small GTK helper process); this module speaks the notification specification 1.2:
//! `Notify`, `CloseNotification`, `GetCapabilities`, `GetServerInformation`, and the
//! `NotificationClosed` and `ActionInvoked` signals.
//!
//! What passes at once, whatever the policy: Lull's own notifications (digests, live messages
//! of other channels), apps the channel ignores (they are not recorded either) and critical
//! notifications (urgency 2: a low battery, an incoming call), which are still recorded.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use lull_core::model::ChannelId;
use lull_core::phrase::Phrase;
use tokio::sync::mpsc;
use zbus::fdo::RequestNameReply;
use zbus::object_server::SignalEmitter;
use zbus::wire::OwnedVariant;

use lull_api::popups::{CloseReason, Popup, PopupEvent};

use lull_core::channel::DesktopSettings;

use crate::desktop::Observed;
use crate::sink::{Health, IngestSink};
use crate::supervisor::ConnectorError;

/// The notification service's bus name and object path.
pub const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
/// Shown for this long when the app leaves it to the server (`expire_timeout` -1).
pub const DEFAULT_EXPIRE_MS: u32 = 6_000;

/// Shows popups. `open` is called at each start of the gatekeeper, with where to send what the
/// user does; it fails with a sentence the user can act on when popups cannot be shown.
pub trait Popups: Send + Sync {
    fn open(&self, events: mpsc::UnboundedSender<PopupEvent>) -> Result<(), Phrase>;
    fn show(&self, popup: Popup);
    fn close(&self, id: u32);
}

struct Gatekeeper {
    channel: ChannelId,
    settings: DesktopSettings,
    host: Arc<dyn IngestSink>,
    popups: Arc<dyn Popups>,
    next_id: AtomicU32,
    /// Makes notification keys unique across buses and runs ([`crate::desktop::run_id`]).
    run: String,
    /// Ids shown and not yet closed.
    shown: Mutex<HashSet<u32>>,
}

impl Gatekeeper {
    fn show(&self, popup: Popup) {
        if let Ok(mut shown) = self.shown.lock() {
            shown.insert(popup.id);
        }
        self.popups.show(popup);
    }
}

/// The `actions` argument, `[key, label, key, label, …]`, as pairs.
fn action_pairs(actions: &[String]) -> Vec<(String, String)> {
    actions.chunks_exact(2).map(|kv| (kv[0].clone(), kv[1].clone())).collect()
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Gatekeeper {
    // The D-Bus method's signature fixes the arguments and their ownership.
    #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
    async fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) -> u32 {
        let id = if replaces_id != 0 { replaces_id } else { self.next_id.fetch_add(1, Ordering::Relaxed) };
        let observed = Observed::from_notify(app_name, summary, body, &hints);
        let urgency = hints.get("urgency").and_then(|v| u8::try_from(&**v).ok()).unwrap_or(1);
        let popup = Popup {
            id,
            app: observed.app.clone(),
            summary: crate::desktop::plain(&observed.summary),
            body: crate::desktop::plain(&observed.body),
            actions: action_pairs(&actions),
            urgency,
            expire_ms: u32::try_from(expire_timeout).unwrap_or(DEFAULT_EXPIRE_MS),
        };
        // Lull's own and ignored apps' notifications pass without being recorded.
        if self.settings.leaves_out(&observed.app) {
            self.show(popup);
            return id;
        }
        // The phone's notifications re-shown by KDE Connect or GSConnect: the phone channel
        // records each one and decides it, and Lull's own notification rings for it when it may
        // interrupt; this pop-up would be the same message a second time.
        if self.host.claimed_elsewhere(self.channel, &observed.app, observed.desktop_entry.as_deref()) {
            return id;
        }
        let sender = header.sender().map(|s| s.as_str().to_owned()).unwrap_or_default();
        let key = format!("{}:{sender}:{}:{id}", self.run, header.primary().serial_num());
        let incoming = observed.into_incoming(key, self.host.now());
        // The app is waiting for its id: the decision is taken and committed first (a few
        // milliseconds), so a held notification is never shown, not even briefly.
        match self.host.ingest(self.channel, incoming).await {
            Ok(receipt) if receipt.decision.kind.interrupts() || urgency >= 2 => self.show(popup),
            Ok(_) => {}
            Err(e) => {
                // Never lose a notification: one that cannot be stored is shown.
                tracing::warn!(channel = self.channel, error = %e, "a notification could not be stored; shown at once");
                self.show(popup);
            }
        }
        id
    }

    async fn close_notification(&self, id: u32, #[zbus(signal_emitter)] emitter: SignalEmitter<'_>) {
        let was_shown = self.shown.lock().map(|mut s| s.remove(&id)).unwrap_or(false);
        if was_shown {
            self.popups.close(id);
        }
        // The specification asks for the signal whether or not the notification was showing.
        let _ = Gatekeeper::notification_closed(&emitter, id, CloseReason::Closed as u32).await;
    }

    fn get_capabilities(&self) -> Vec<String> {
        // Plain text bodies only: message text is shown as text, never as markup.
        ["body", "actions"].iter().map(|s| (*s).to_owned()).collect()
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("Lull".into(), "Lull".into(), env!("CARGO_PKG_VERSION").into(), "1.2".into())
    }

    #[zbus(signal)]
    async fn notification_closed(emitter: &SignalEmitter<'_>, id: u32, reason: u32) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, action_key: &str) -> zbus::Result<()>;
}

/// Why channel `name` cannot be the gatekeeper while `owner` shows the desktop's notifications
/// (the words say what to do).
pub fn name_taken(owner: &str, name: &str) -> Phrase {
    Phrase::new("gatekeeper.name_taken").with("owner", owner).with("name", name)
}

/// Runs the gatekeeper for channel `channel` (called `name`) until the session bus or the
/// popups go away.
pub async fn run(
    channel: ChannelId,
    name: String,
    settings: DesktopSettings,
    bus: Option<String>,
    host: Arc<dyn IngestSink>,
    popups: Arc<dyn Popups>,
) -> Result<(), ConnectorError> {
    host.report(channel, Health::Connecting);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    popups.open(events_tx).map_err(|why| ConnectorError::Config(why.with("name", &name)))?;
    let conn = crate::desktop::connect(bus.as_deref()).await?;
    let gatekeeper = Gatekeeper {
        channel,
        settings,
        host: host.clone(),
        popups: popups.clone(),
        next_id: AtomicU32::new(1),
        run: crate::desktop::run_id(),
        shown: Mutex::new(HashSet::new()),
    };
    conn.object_server().at(PATH, gatekeeper).await.map_err(ConnectorError::transient)?;
    let taken = match conn.request_name_with_flags(SERVICE, zbus::fdo::RequestNameFlags::DO_NOT_QUEUE).await {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => false,
        Ok(_) | Err(zbus::Error::NameTaken) => true,
        Err(e) => return Err(ConnectorError::Transient(Phrase::new("gatekeeper.cannot_ask").with("detail", e))),
    };
    if taken {
        let owner = crate::desktop::probe(bus.as_deref()).await.ok().flatten().unwrap_or_else(|| "another program".into());
        return Err(ConnectorError::Config(name_taken(&owner, &name)));
    }
    host.report(channel, Health::Ok);
    let emitter = SignalEmitter::new(&conn, PATH).map_err(ConnectorError::transient)?;
    let iface = conn.object_server().interface::<_, Gatekeeper>(PATH).await.map_err(ConnectorError::transient)?;
    let mut bus_messages = zbus::MessageStream::from(&conn);
    loop {
        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else {
                    return Err(ConnectorError::Transient(Phrase::new("gatekeeper.popups_stopped")));
                };
                let (id, reason) = match event {
                    PopupEvent::Shown { .. } => continue,
                    PopupEvent::Action { id, key } => {
                        let _ = Gatekeeper::action_invoked(&emitter, id, &key).await;
                        (id, CloseReason::Dismissed)
                    }
                    PopupEvent::Closed { id, reason } => (id, reason),
                };
                let was_shown = iface.get().await.shown.lock().map(|mut s| s.remove(&id)).unwrap_or(false);
                if was_shown {
                    let _ = Gatekeeper::notification_closed(&emitter, id, reason as u32).await;
                }
            }
            message = bus_messages.next() => {
                if message.is_none_or(|m| m.is_err()) {
                    return Err(ConnectorError::Transient(Phrase::new("desktop.bus_closed")));
                }
            }
        }
    }
}
