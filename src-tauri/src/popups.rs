//! `lull-desktop --popups`: the notification popups of gatekeeper mode, when Lull is the
//! desktop's notification daemon. Plain GTK windows, no webview, so it starts quickly and
//! stays small; the engine starts it when a popup is due and ends it (by closing its stdin)
//! once nothing has been on screen for a minute.
//!
//! Commands come on stdin and events go to stdout, one JSON object per line (see
//! `lull_api::popups`). Popups stack in the top-right corner of the screen; a click on one
//! chooses its `default` action (or dismisses it), its other actions are buttons, it expires
//! after its timeout unless it is critical. Text is set as text, never as markup: what a
//! message says cannot change how it is drawn.

use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::time::Duration;

use gtk::prelude::*;
use gtk::{gdk, glib};
use lull_api::popups::{CloseReason, Popup, PopupCommand, PopupEvent};

const WIDTH: i32 = 380;
/// The most characters of any one text a popup takes: more would only be cut by its line limit,
/// after Pango laid out all of it.
const MAX_CHARS: usize = 1_000;
const MARGIN: i32 = 16;
const GAP: i32 = 10;

const CSS: &str = "
.lull-popup { background: #fbfaf7; color: #1d2433; border: 1px solid #c9ced8; border-radius: 8px; }
.lull-popup.critical { border: 2px solid #b3261e; }
.lull-popup .app { color: #5b6474; font-size: 0.85em; }
.lull-popup .summary { font-weight: bold; }
";

struct Open {
    id: u32,
    window: gtk::Window,
    expiry: Option<glib::SourceId>,
}

thread_local! {
    /// The popups on screen, top first (GTK objects live on the main thread only).
    static OPEN: RefCell<Vec<Open>> = const { RefCell::new(Vec::new()) };
}

/// Runs until stdin closes; the process's exit code. Its stderr is the engine's log.
#[allow(clippy::print_stderr)]
pub fn run() -> i32 {
    if let Err(e) = gtk::init() {
        eprintln!("lull-desktop --popups: cannot open the display ({e}); popups need a graphical session");
        return 1;
    }
    let provider = gtk::CssProvider::new();
    if provider.load_from_data(CSS.as_bytes()).is_ok()
        && let Some(screen) = gdk::Screen::default()
    {
        gtk::StyleContext::add_provider_for_screen(&screen, &provider, gtk::STYLE_PROVIDER_PRIORITY_APPLICATION);
    }
    std::thread::spawn(|| {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<PopupCommand>(&line) {
                Ok(command) => {
                    glib::idle_add_once(move || apply(command));
                }
                Err(e) => eprintln!("lull-desktop --popups: ignoring a command it cannot read ({e})"),
            }
        }
        glib::idle_add_once(gtk::main_quit);
    });
    gtk::main();
    0
}

fn emit(event: &PopupEvent) {
    let mut out = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(event) {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn apply(command: PopupCommand) {
    match command {
        PopupCommand::Show(popup) => show(&popup),
        PopupCommand::Close(id) => {
            remove(id);
        }
    }
}

/// Takes popup `id` off the screen; whether it was there.
fn remove(id: u32) -> bool {
    let removed = OPEN.with_borrow_mut(|open| open.iter().position(|o| o.id == id).map(|i| open.remove(i)));
    let Some(removed) = removed else { return false };
    if let Some(expiry) = removed.expiry {
        expiry.remove();
    }
    removed.window.close();
    restack();
    true
}

/// Text as GTK can take it: GTK wants C strings, so a NUL inside would abort the helper, and
/// other control characters draw as boxes. Both go (line breaks and tabs stay), and the text is
/// cut to [`MAX_CHARS`].
fn drawable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).take(MAX_CHARS).collect()
}

/// A label of at most `lines` lines, ellipsized after them, so no text makes a popup grow.
fn label(text: &str, class: &str, lines: i32) -> gtk::Label {
    let label = gtk::Label::new(Some(&drawable(text)));
    label.set_lines(lines);
    label.set_ellipsize(gtk::pango::EllipsizeMode::End);
    label.set_use_markup(false);
    label.set_xalign(0.0);
    label.set_line_wrap(true);
    label.set_line_wrap_mode(gtk::pango::WrapMode::WordChar);
    label.set_max_width_chars(36);
    label.style_context().add_class(class);
    label
}

fn show(popup: &Popup) {
    let id = popup.id;
    // A notification that replaces another takes its place.
    remove(id);
    let window = gtk::Window::new(gtk::WindowType::Popup);
    window.set_title(&format!("Lull notification: {}", drawable(&popup.summary)));
    window.set_size_request(WIDTH, -1);
    window.style_context().add_class("lull-popup");
    if popup.urgency >= 2 {
        window.style_context().add_class("critical");
    }
    let content = gtk::Box::new(gtk::Orientation::Vertical, 4);
    content.set_border_width(12);
    content.add(&label(&popup.app, "app", 1));
    content.add(&label(&popup.summary, "summary", 3));
    if !popup.body.is_empty() {
        content.add(&label(&popup.body, "body", 5));
    }
    let buttons: Vec<_> = popup.actions.iter().filter(|(key, _)| key != "default").collect();
    if !buttons.is_empty() {
        let row = gtk::Box::new(gtk::Orientation::Horizontal, 6);
        row.set_halign(gtk::Align::End);
        for (key, text) in buttons {
            let button = gtk::Button::with_label(&drawable(text).chars().take(40).collect::<String>());
            let key = key.clone();
            button.connect_clicked(move |_| {
                if remove(id) {
                    emit(&PopupEvent::Action { id, key: key.clone() });
                }
            });
            row.add(&button);
        }
        content.add(&row);
    }
    // A click anywhere else on the popup: its default action if it has one, else dismiss it.
    let has_default = popup.actions.iter().any(|(key, _)| key == "default");
    let area = gtk::EventBox::new();
    area.add(&content);
    area.connect_button_release_event(move |_, _| {
        if remove(id) {
            emit(&if has_default {
                PopupEvent::Action { id, key: "default".into() }
            } else {
                PopupEvent::Closed { id, reason: CloseReason::Dismissed }
            });
        }
        glib::Propagation::Stop
    });
    window.add(&area);
    // Critical notifications stay until the user acts on them, as the specification asks.
    let expiry = (popup.expire_ms > 0 && popup.urgency < 2).then(|| {
        glib::timeout_add_local_once(Duration::from_millis(u64::from(popup.expire_ms)), move || {
            // The source is finished once this runs: forget it before removing the popup.
            OPEN.with_borrow_mut(|open| {
                if let Some(o) = open.iter_mut().find(|o| o.id == id) {
                    o.expiry = None;
                }
            });
            if remove(id) {
                emit(&PopupEvent::Closed { id, reason: CloseReason::Expired });
            }
        })
    });
    window.connect_map_event(move |_, _| {
        emit(&PopupEvent::Shown { id });
        glib::Propagation::Proceed
    });
    window.show_all();
    OPEN.with_borrow_mut(|open| open.push(Open { id, window, expiry }));
    restack();
}

/// Places the popups in the top-right corner of the work area, the oldest at the top.
fn restack() {
    let area = gdk::Display::default()
        .and_then(|d| d.primary_monitor().or_else(|| d.monitor(0)))
        .map_or(gdk::Rectangle::new(0, 0, 1280, 800), |m| m.workarea());
    OPEN.with_borrow(|open| {
        let mut y = area.y() + MARGIN;
        for o in open {
            let (width, height) = o.window.size();
            o.window.move_(area.x() + area.width() - width.max(WIDTH) - MARGIN, y);
            y += height + GAP;
        }
    });
}
