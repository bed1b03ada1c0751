//! The tray of `lull serve --tray`: the engine in the background with a tray icon and no
//! window, for desktops where the app's own window is not wanted (or not yet open). It is a
//! StatusNotifierItem spoken over D-Bus (KDE, XFCE, Cinnamon, sway's bars, GNOME with the
//! AppIndicator extension), so this process links neither GTK nor WebKit and stays small.
//!
//! The menu shows what is held and when the next digest comes, starts and stops focus
//! sessions, releases a digest now, opens Lull (the desktop window when it is installed, else
//! the web UI in the browser), turns start at login on and off, and quits.

use std::sync::Arc;

use ksni::menu::{MenuItem, StandardItem};
use ksni::{ToolTip, TrayMethods};
use lull_api::call::{self, Request};
use lull_api::status::FocusStart;
use lull_engine::Engine;
use lull_words::{Lang, Words, words};
use tokio::sync::{mpsc, watch};

/// What a menu entry asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Focus(u32),
    StopFocus,
    DigestNow,
    Open,
    Autostart,
    Quit,
}

#[derive(Debug)]
struct LullTray {
    words: Words,
    focus_line: String,
    held_line: String,
    actions: mpsc::UnboundedSender<Action>,
}

impl LullTray {
    fn item(&self, key: &str, action: Action) -> MenuItem<Self> {
        StandardItem {
            label: self.words.t(key, &[]),
            activate: Box::new(move |t: &mut Self| {
                let _ = t.actions.send(action);
            }),
            ..Default::default()
        }
        .into()
    }
}

impl ksni::Tray for LullTray {
    // Linux trays differ on what a click on the icon does; the menu holds everything.
    const MENU_ON_ACTIVATE: bool = true;

    fn id(&self) -> String {
        "lull".into()
    }

    fn title(&self) -> String {
        format!("Lull · {}", self.held_line)
    }

    fn icon_name(&self) -> String {
        // A crescent moon from the freedesktop icon theme.
        "weather-clear-night".into()
    }

    fn tool_tip(&self) -> ToolTip {
        ToolTip { title: "Lull".into(), description: format!("{}\n{}", self.focus_line, self.held_line), ..Default::default() }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let line = |text: &str| StandardItem { label: text.to_owned(), enabled: false, ..Default::default() }.into();
        vec![
            line(&self.focus_line),
            line(&self.held_line),
            MenuItem::Separator,
            self.item("tray.focus_25", Action::Focus(25)),
            self.item("tray.focus_50", Action::Focus(50)),
            self.item("tray.focus_90", Action::Focus(90)),
            self.item("tray.focus_stop", Action::StopFocus),
            MenuItem::Separator,
            self.item("tray.digest_now", Action::DigestNow),
            self.item("tray.open", Action::Open),
            MenuItem::Separator,
            ksni::menu::CheckmarkItem {
                label: self.words.t("tray.autostart", &[]),
                checked: autostart_path().is_some_and(|p| p.is_file()),
                activate: Box::new(|t: &mut Self| {
                    let _ = t.actions.send(Action::Autostart);
                }),
                ..Default::default()
            }
            .into(),
            self.item("tray.quit", Action::Quit),
        ]
    }
}

/// Shows the tray until `quit` is sent or the engine stops; a missing tray host is logged, not
/// fatal (the engine serves on).
pub async fn run(engine: Engine, web_ui: String, data_dir: std::path::PathBuf, quit: watch::Sender<bool>) {
    let words = words(Lang::from_env());
    let (actions, mut incoming) = mpsc::unbounded_channel();
    let (focus_line, held_line) = lines(&engine, words).await;
    let tray = LullTray { words, focus_line, held_line, actions };
    let handle = match tray.assume_sni_available(true).spawn().await {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "no tray: the desktop has no StatusNotifierItem host; Lull keeps running without one");
            return;
        }
    };
    let handle = Arc::new(handle);
    let mut events = engine.subscribe();
    let mut stopping = quit.subscribe();
    loop {
        tokio::select! {
            action = incoming.recv() => {
                let Some(action) = action else { break };
                let request = match action {
                    Action::Focus(minutes) => Some(Request::from(FocusStart { minutes })),
                    Action::StopFocus => Some(Request::from(call::FocusStop)),
                    Action::DigestNow => Some(Request::from(call::DigestNow)),
                    Action::Open => {
                        open(&web_ui, &engine);
                        None
                    }
                    Action::Autostart => {
                        if let Err(e) = toggle_autostart(&data_dir) {
                            tracing::warn!(error = %e, "changing start at login");
                        }
                        None
                    }
                    Action::Quit => {
                        // The tray host is still waiting for the answer to its click: give it
                        // a moment, or the process ends before the answer leaves (NoReply).
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        let _ = quit.send(true);
                        break;
                    }
                };
                if let Some(request) = request
                    && let Err(e) = engine.handle(request).await
                {
                    tracing::warn!(error = %e, ?action, "tray action");
                }
            }
            event = events.recv() => {
                if matches!(event, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    break;
                }
            }
            // The next digest time moves at each slot even when nothing is released.
            () = tokio::time::sleep(std::time::Duration::from_secs(300)) => {}
            _ = stopping.changed() => break,
        }
        let (focus_line, held_line) = lines(&engine, words).await;
        handle
            .update(move |t| {
                t.focus_line = focus_line;
                t.held_line = held_line;
            })
            .await;
    }
    handle.shutdown().await;
}

/// The focus and held lines, in the user's time zone.
async fn lines(engine: &Engine, words: Words) -> (String, String) {
    match engine.call(call::Status).await {
        Ok(s) => {
            let tz = s.tz.parse().unwrap_or(chrono_tz::UTC);
            words.tray_lines(s.focus.until.filter(|_| s.focus.in_focus), s.held, s.next_digest, tz)
        }
        Err(_) => (words.t("tray.not_in_focus", &[]), String::new()),
    }
}

/// The desktop window when the app is installed beside this binary, else the web UI in the
/// user's browser, signed in with a one-time code (never the token: it would be in every
/// process's command line).
fn open(web_ui: &str, engine: &Engine) {
    let app = lull_api::paths::desktop_app();
    let spawned = match app {
        Some(app) => std::process::Command::new(app).spawn(),
        None => std::process::Command::new("xdg-open").arg(format!("{web_ui}#code={}", engine.sign_in_code())).spawn(),
    };
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot open Lull's window or the browser");
    }
}

/// The XDG autostart entry that starts the engine and its tray at login.
fn autostart_path() -> Option<std::path::PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".config")))?;
    Some(config.join("autostart").join("lull.desktop"))
}

/// The autostart entry for this binary and data directory.
fn autostart_entry(exe: &std::path::Path, data_dir: Option<&std::path::Path>) -> String {
    let dir = data_dir.map(|d| format!(" --data-dir \"{}\"", d.display())).unwrap_or_default();
    format!(
        "[Desktop Entry]\nType=Application\nName=Lull\nComment=Holds client messages for your digests\nExec=\"{}\"{dir} serve --tray\nIcon=weather-clear-night\nX-GNOME-Autostart-enabled=true\nNoDisplay=true\n",
        exe.display()
    )
}

fn toggle_autostart(data_dir: &std::path::Path) -> std::io::Result<()> {
    let path = autostart_path().ok_or_else(|| std::io::Error::other("no HOME"))?;
    if path.is_file() {
        return std::fs::remove_file(path);
    }
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(path.parent().unwrap_or(&path))?;
    std::fs::write(path, autostart_entry(&exe, Some(data_dir)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_autostart_entry_starts_the_engine_with_its_tray() {
        let entry = super::autostart_entry(std::path::Path::new("/opt/lull/lull"), Some(std::path::Path::new("/home/me/lull data")));
        assert!(entry.contains("Exec=\"/opt/lull/lull\" --data-dir \"/home/me/lull data\" serve --tray\n"), "{entry}");
        assert!(entry.starts_with("[Desktop Entry]\nType=Application\n"));
    }
}
