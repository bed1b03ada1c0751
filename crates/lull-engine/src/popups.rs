//! The popups of gatekeeper mode (see [`lull_channels::gatekeeper`]), drawn by
//! `lull-desktop --popups`: a small GTK process, without a webview, that the engine starts when
//! a popup is due and stops a minute after the last one went away, so the background stays the
//! engine alone. They talk over the helper's stdin and stdout, one JSON object per line
//! ([`PopupCommand`] in, [`PopupEvent`] out).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

pub use lull_api::popups::{CloseReason, Popup, PopupCommand, PopupEvent};
pub use lull_channels::gatekeeper::Popups;
use lull_core::phrase::Phrase;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// How long the helper stays after its last popup closed.
const IDLE: Duration = Duration::from_secs(60);

/// Popups drawn by `lull-desktop --popups`.
#[derive(Debug, Default)]
pub struct HelperPopups {
    commands: Mutex<Option<mpsc::UnboundedSender<PopupCommand>>>,
}

impl HelperPopups {
    pub fn new() -> HelperPopups {
        HelperPopups::default()
    }

    fn send(&self, command: PopupCommand) {
        if let Ok(guard) = self.commands.lock()
            && let Some(tx) = guard.as_ref()
        {
            let _ = tx.send(command);
        }
    }
}

impl Popups for HelperPopups {
    fn open(&self, events: mpsc::UnboundedSender<PopupEvent>) -> Result<(), Phrase> {
        // GTK popups are override-redirect X11 windows: on Wayland desktops (sway) they are
        // drawn through XWayland, which sets DISPLAY.
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(Phrase::new("gatekeeper.no_display"));
        }
        let Some(app) = lull_api::paths::desktop_app() else {
            return Err(Phrase::new("gatekeeper.no_desktop_app"));
        };
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut guard) = self.commands.lock() {
            // Replacing the sender ends the previous driver, and its helper with it.
            *guard = Some(tx);
        }
        tokio::spawn(drive(app, rx, events));
        Ok(())
    }

    fn show(&self, popup: Popup) {
        self.send(PopupCommand::Show(popup));
    }

    fn close(&self, id: u32) {
        self.send(PopupCommand::Close(id));
    }
}

/// Starts the helper when a command comes, relays commands and events, and lets the helper go
/// (by closing its stdin) once nothing has been on screen for [`IDLE`].
async fn drive(app: PathBuf, mut commands: mpsc::UnboundedReceiver<PopupCommand>, events: mpsc::UnboundedSender<PopupEvent>) {
    let mut pending: Option<PopupCommand> = None;
    loop {
        let first = match pending.take() {
            Some(c) => c,
            None => match commands.recv().await {
                Some(c) => c,
                None => return,
            },
        };
        if matches!(first, PopupCommand::Close(_)) {
            continue; // nothing is on screen without a helper
        }
        let mut child = match tokio::process::Command::new(&app)
            .arg("--popups")
            .env("GDK_BACKEND", "x11")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, app = %app.display(), "cannot start the notification popups; the notification is in the inbox");
                continue;
            }
        };
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else { continue };
        let mut lines = BufReader::new(stdout).lines();
        let mut on_screen = std::collections::HashSet::new();
        let mut next = Some(first);
        loop {
            if let Some(command) = next.take() {
                match &command {
                    PopupCommand::Show(p) => on_screen.insert(p.id),
                    PopupCommand::Close(id) => on_screen.remove(id),
                };
                let mut line = serde_json::to_string(&command).unwrap_or_default();
                line.push('\n');
                if stdin.write_all(line.as_bytes()).await.is_err() {
                    // The helper died: start another one for this command.
                    pending = Some(command);
                    break;
                }
            }
            tokio::select! {
                command = commands.recv() => match command {
                    Some(c) => next = Some(c),
                    None => return,
                },
                line = lines.next_line() => match line {
                    Ok(Some(line)) => match serde_json::from_str::<PopupEvent>(&line) {
                        Ok(event) => {
                            if let PopupEvent::Action { id, .. } | PopupEvent::Closed { id, .. } = &event {
                                on_screen.remove(id);
                            }
                            let _ = events.send(event);
                        }
                        Err(e) => tracing::warn!(error = %e, "the notification popups said something unreadable"),
                    },
                    _ => {
                        tracing::warn!("the notification popups stopped; they restart with the next notification");
                        break;
                    }
                },
                () = tokio::time::sleep(IDLE), if on_screen.is_empty() => break,
            }
        }
        drop(stdin);
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    }
}
