//! Gatekeeper mode's popups on a real (virtual) display: `lull-desktop --popups` alone (shown,
//! expired, clicked with xdotool, ended by closing its stdin), then `lull serve` as the
//! desktop's notification daemon on a private session bus, holding a notification during focus
//! and drawing the digest's popup, and refusing a second gatekeeper with the owner named.
//!
//! Needs a display, so `scripts/test.sh` runs it under `xvfb-run` with `--ignored`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lull_api::popups::{CloseReason, Popup, PopupCommand, PopupEvent};
mod common;

use common::hostile_strings;
use lull_testkit::PrivateBus;

const APP: &str = env!("CARGO_BIN_EXE_lull-desktop");

/// Reads the helper's events on a thread, so the test can wait with a timeout.
fn events(stdout: ChildStdout) -> mpsc::Receiver<PopupEvent> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let event = serde_json::from_str(&line).unwrap_or_else(|e| panic!("an event the engine cannot read: {line} ({e})"));
            if tx.send(event).is_err() {
                return;
            }
        }
    });
    rx
}

fn next(events: &mpsc::Receiver<PopupEvent>, what: &str) -> PopupEvent {
    events.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("no event: expected {what}"))
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool").args(args).output().expect("xdotool (scripts/install-deps.sh --test installs it)");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The X window whose name is `name`, waiting up to `timeout` for it.
fn window_named(name: &str, timeout: Duration) -> Option<String> {
    window_matching(&format!("^{}$", regex_escape(name)), timeout)
}

/// The X window whose name matches the regular expression `pattern`, waiting up to `timeout`.
fn window_matching(pattern: &str, timeout: Duration) -> Option<String> {
    let deadline = Instant::now() + timeout;
    loop {
        let found = xdotool(&["search", "--name", pattern]);
        if let Some(id) = found.lines().next().filter(|l| !l.is_empty()) {
            return Some(id.to_owned());
        }
        if Instant::now() >= deadline {
            return None;
        }
        pause(100);
    }
}

/// These tests run on plain threads, without an async runtime: blocking is what is wanted.
#[allow(clippy::disallowed_methods)]
fn pause(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

fn regex_escape(s: &str) -> String {
    s.chars().flat_map(|c| if c.is_ascii_alphanumeric() || c == ' ' { vec![c] } else { vec!['\\', c] }).collect()
}

fn popup(id: u32, summary: &str, actions: &[(&str, &str)], expire_ms: u32) -> PopupCommand {
    PopupCommand::Show(Popup {
        id,
        app: "Slack".into(),
        summary: summary.into(),
        body: "<b>not bold</b> & plain".into(),
        actions: actions.iter().map(|(k, l)| ((*k).to_owned(), (*l).to_owned())).collect(),
        urgency: 1,
        expire_ms,
    })
}

/// `lull-desktop --popups` on the display, and the events it says.
fn start_popups() -> (Child, mpsc::Receiver<PopupEvent>) {
    let mut helper = Command::new(APP)
        .arg("--popups")
        .env("GDK_BACKEND", "x11")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("lull-desktop --popups");
    let events = events(helper.stdout.take().expect("stdout"));
    (helper, events)
}

fn send(child: &mut Child, command: &PopupCommand) {
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{}", serde_json::to_string(command).expect("json")).expect("write");
    stdin.flush().expect("flush");
}

#[test]
#[ignore = "needs a display: scripts/test.sh runs it under xvfb-run"]
fn popups_are_shown_expire_and_answer_a_click() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display, e.g. xvfb-run -a");
    let (mut helper, events) = start_popups();

    send(&mut helper, &popup(1, "Call from Jane", &[("default", "Open"), ("decline", "Decline")], 0));
    send(&mut helper, &popup(2, "Invoice 2026-114", &[], 1_500));
    assert_eq!(next(&events, "the first popup on screen"), PopupEvent::Shown { id: 1 });
    assert_eq!(next(&events, "the second popup on screen"), PopupEvent::Shown { id: 2 });
    let first = window_named("Lull notification: Call from Jane", Duration::from_secs(5)).expect("a window for the first popup");
    assert!(window_named("Lull notification: Invoice 2026-114", Duration::from_secs(1)).is_some());
    // Stacked in the top-right corner, the first above.
    let geometry = xdotool(&["getwindowgeometry", &first]);
    assert!(geometry.contains("Position:"), "{geometry}");

    // The second expires on its own and is gone from the screen.
    assert_eq!(next(&events, "the second popup expiring"), PopupEvent::Closed { id: 2, reason: CloseReason::Expired });
    assert!(window_named("Lull notification: Invoice 2026-114", Duration::from_millis(500)).is_none(), "taken off the screen");

    // A click on the first chooses its default action.
    xdotool(&["mousemove", "--window", &first, "30", "12", "click", "1"]);
    assert_eq!(next(&events, "the click"), PopupEvent::Action { id: 1, key: "default".into() });
    assert!(window_named("Lull notification: Call from Jane", Duration::from_millis(500)).is_none(), "dismissed by the click");

    // A popup without a default action is dismissed by a click; one the app closes goes
    // without an event.
    send(&mut helper, &popup(3, "Build failed", &[], 0));
    assert_eq!(next(&events, "the third popup"), PopupEvent::Shown { id: 3 });
    let third = window_named("Lull notification: Build failed", Duration::from_secs(5)).expect("third window");
    xdotool(&["mousemove", "--window", &third, "30", "12", "click", "1"]);
    assert_eq!(next(&events, "the dismissal"), PopupEvent::Closed { id: 3, reason: CloseReason::Dismissed });
    send(&mut helper, &popup(4, "Deploy done", &[], 0));
    assert_eq!(next(&events, "the fourth popup"), PopupEvent::Shown { id: 4 });
    send(&mut helper, &PopupCommand::Close(4));
    let deadline = Instant::now() + Duration::from_secs(5);
    while window_named("Lull notification: Deploy done", Duration::ZERO).is_some() {
        assert!(Instant::now() < deadline, "the closed popup stayed on screen");
        pause(50);
    }

    // The engine lets it go by closing its stdin.
    drop(helper.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = helper.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "the popups did not end with their stdin");
        pause(50);
    }
    assert!(events.recv_timeout(Duration::from_millis(200)).is_err(), "nothing more was said");
}

/// Every hostile string as a popup's app, summary, body and button: each is shown (markup off,
/// so as text), the helper never falls over (a NUL, a lone control character, 100,000
/// characters), and no popup grows past a sensible size, however long its text.
#[test]
#[ignore = "needs a display: scripts/test.sh runs it under xvfb-run"]
fn hostile_text_in_popups_is_shown_as_text_and_fits() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display, e.g. xvfb-run -a");
    let (mut helper, events) = start_popups();
    let mut tallest = (0, 0, String::new());
    for (i, s) in hostile_strings().iter().enumerate() {
        let id = u32::try_from(i).expect("id") + 1;
        let command = PopupCommand::Show(Popup {
            id,
            app: s.clone(),
            summary: s.clone(),
            body: s.clone(),
            actions: vec![("default".into(), "Open".into()), ("reply".into(), s.chars().take(40).collect())],
            urgency: 1,
            expire_ms: 0,
        });
        send(&mut helper, &command);
        assert_eq!(
            next(&events, &format!("popup {i} on screen")),
            PopupEvent::Shown { id },
            "popup {i}: {:?}",
            s.chars().take(60).collect::<String>()
        );
        let window = window_matching("^Lull notification: ", Duration::from_secs(5)).unwrap_or_else(|| panic!("popup {i} has a window"));
        let geometry = xdotool(&["getwindowgeometry", &window]);
        let size = geometry.lines().find_map(|l| l.trim().strip_prefix("Geometry: ")).expect("geometry");
        let (w, h) = size.split_once('x').map(|(w, h)| (w.parse::<u32>().expect("w"), h.parse::<u32>().expect("h"))).expect("WxH");
        if h > tallest.1 {
            tallest = (w, h, s.chars().take(40).collect());
        }
        send(&mut helper, &PopupCommand::Close(id));
        while window_matching("^Lull notification: ", Duration::ZERO).is_some() {
            pause(20);
        }
    }
    let (w, h, text) = tallest;
    assert!(w <= 480 && h <= 400, "the largest popup is {w}×{h} px (for {text:?}); a popup must stay a popup");
    assert!(helper.try_wait().expect("wait").is_none(), "the helper is still running");
    drop(helper.stdin.take());
    let _ = helper.wait();
}

/// `lull` built beside this test.
fn lull_bin() -> PathBuf {
    let lull = std::env::current_exe().expect("test path").parent().and_then(|d| d.parent()).map(|d| d.join("lull")).expect("target");
    assert!(lull.is_file(), "{} is missing: build it first (cargo build -p lull-cli)", lull.display());
    lull
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs a display: scripts/test.sh runs it under xvfb-run"]
fn lull_serve_as_the_gatekeeper_holds_during_focus_and_shows_the_digest() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display, e.g. xvfb-run -a");
    let data = tempfile::tempdir().expect("temp dir");
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let lull = |args: &[&str]| {
        let out = Command::new(lull_bin())
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            // In English: the test reads its words.
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .expect("lull");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "lull {args:?} failed: {text}");
        text
    };
    lull(&["schedule", "set", "--tz", "Europe/Paris"]);
    lull(&["client", "add", "Acme", "--match", "app:Slack:Acme"]);
    lull(&["channel", "add", "desktop", "screen", "--gatekeeper"]);
    let _serve = Serve(
        Command::new(lull_bin())
            .arg("--data-dir")
            .arg(data.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
            .env("LULL_DESKTOP_BIN", APP)
            .env("LULL_LOG", "warn")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdout(Stdio::null())
            .spawn()
            .expect("lull serve"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lull(&["channel", "list"]).contains("ok") {
        assert!(Instant::now() < deadline, "the gatekeeper did not start: {}", lull(&["channel", "list"]));
        pause(200);
    }
    assert!(lull(&["channel", "test", "screen"]).contains("Lull is this desktop's notification daemon"));

    // In focus, Acme's Slack message is held: recorded, never drawn.
    lull(&["focus", "start", "--for", "25m"]);
    let sent = Command::new("notify-send")
        .args(["-a", "Slack", "Jane (Acme)", "Acme: can we move the call?"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .status()
        .expect("notify-send");
    assert!(sent.success());
    let inbox = lull(&["inbox", "--json"]);
    assert!(inbox.contains("Jane (Acme)") && inbox.contains("\"held\""), "{inbox}");
    assert!(window_named("Lull notification: Jane (Acme)", Duration::from_secs(2)).is_none(), "a held notification was shown");

    // The digest releases it: Lull's own notification goes through the gatekeeper to a popup.
    lull(&["digest", "now"]);
    assert!(window_matching("^Lull notification: .*digest", Duration::from_secs(10)).is_some(), "the digest's popup");

    // A second gatekeeper is refused, naming the first.
    lull(&["channel", "add", "desktop", "again", "--gatekeeper"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = lull(&["channel", "list"]);
        if list.contains("another notification daemon") {
            assert!(list.contains("lull"), "names the owner: {list}");
            break;
        }
        assert!(Instant::now() < deadline, "the second gatekeeper was not refused: {list}");
        pause(200);
    }
}
