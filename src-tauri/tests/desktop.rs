//! The real desktop window end to end, over WebDriver (tauri-driver with Debian's
//! WebKitWebDriver) under a virtual display: the window starts the engine in the background
//! (`lull serve --tray`), a message posted to a webhook appears in its inbox, a digest reaches
//! the recording notification server on a private session bus, and clicking that notification
//! opens the digest in the window (the engine launches the app, which hands the route to the
//! window already open). The engine outlives the window.
//!
//! Needs a display and tauri-driver, so `scripts/test.sh` runs it under `xvfb-run` with
//! `--ignored`. With `LULL_SCREENSHOTS=DIR` it also saves screenshots of the real window.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::hostile_strings;
use lull_testkit::{PrivateBus, RecordingServer};
use serde_json::{Value, json};

const APP: &str = env!("CARGO_BIN_EXE_lull-desktop");

/// A minimal W3C WebDriver client: only what the test needs.
struct WebDriver {
    http: reqwest::Client,
    session: String,
}

impl WebDriver {
    async fn start(driver: &str, app: &str) -> WebDriver {
        let http = reqwest::Client::new();
        let caps = json!({ "capabilities": { "alwaysMatch": { "tauri:options": { "application": app } } } });
        let resp: Value = http.post(format!("{driver}/session")).json(&caps).send().await.expect("new session").json().await.expect("json");
        let id = resp["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {resp}"));
        WebDriver { http, session: format!("{driver}/session/{id}") }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.http.post(format!("{}{path}", self.session)).json(&body).send().await.expect("webdriver").json().await.expect("json")
    }

    /// Runs `script` in the page; its `return` value comes back.
    async fn js(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] })).await["value"].clone()
    }

    /// Waits until `script` returns a truthy value.
    async fn wait(&self, what: &str, script: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.js(script).await;
            if !(v.is_null() || v == json!(false) || v == json!("") || v == json!(0)) {
                return v;
            }
            if Instant::now() >= deadline {
                // Say what the window showed instead: a failure must be diagnosable from CI logs.
                let page = self.js("return location.hash + '\\n' + document.body.innerText").await;
                panic!("timed out waiting for {what}; the window showed:\n{}", page.as_str().unwrap_or_default());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn screenshot(&self, path: &Path) {
        let v =
            self.http.get(format!("{}/screenshot", self.session)).send().await.expect("screenshot").json::<Value>().await.expect("json");
        let data = v["value"].as_str().expect("base64 png");
        std::fs::write(path, base64_decode(data)).expect("write screenshot");
    }

    async fn quit(self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let table = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|c| u32::from(table(*c))).collect();
        let n = v.iter().enumerate().fold(0u32, |acc, (i, x)| acc | (x << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// `TAURI_DRIVER`, else `tauri-driver` on the PATH (scripts/install-deps.sh --test installs it).
fn tauri_driver() -> PathBuf {
    std::env::var_os("TAURI_DRIVER").map_or_else(|| PathBuf::from("tauri-driver"), PathBuf::from)
}

async fn api(url: &str, token: &str, request: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}api"))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json")
}

/// tauri-driver, ready, for the app on the private bus `bus` with the data directory `data`;
/// `listen` is passed as `LULL_LISTEN` (the engine's address) when given.
async fn start_driver(bus: &PrivateBus, data: &Path, listen: Option<&str>) -> (Driver, String) {
    // The window starts the engine (`lull serve --tray`) in the background: the `lull` built
    // beside this test.
    let lull = std::env::current_exe().expect("test path").parent().and_then(|d| d.parent()).map(|d| d.join("lull")).expect("target dir");
    assert!(lull.is_file(), "{} is missing: build it first (cargo build -p lull-cli)", lull.display());
    let port = free_port();
    let mut command = Command::new(tauri_driver());
    command
        .args(["--port", &port.to_string(), "--native-port", &free_port().to_string()])
        .env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .env("LULL_DATA_DIR", data)
        .env("LULL_BIN", &lull)
        .env_remove("LULL_LISTEN")
        .env("LULL_LOG", "warn")
        // In English, the window and the engine it starts: the test reads their words.
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("NO_AT_BRIDGE", "1")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(listen) = listen {
        command.env("LULL_LISTEN", listen);
    }
    let driver = Driver(command.spawn().expect("start tauri-driver (cargo install tauri-driver --locked)"));
    let driver_url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while reqwest::get(format!("{driver_url}/status")).await.is_err() {
        assert!(Instant::now() < deadline, "tauri-driver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, driver_url)
}

/// Stops the engine the window started, and waits until it let go of `data`.
async fn stop_engine(data: &Path) {
    let holder = lull_api::lock::current_holder(data).expect("lock file").expect("the engine still runs after the window");
    let _ = Command::new("kill").args(["-TERM", &holder.pid.to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while lull_api::lock::current_holder(data).ok().flatten().is_some() {
        assert!(Instant::now() < deadline, "the engine did not stop");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: scripts/test.sh runs it under xvfb-run"]
async fn the_desktop_window_shows_new_messages_and_notifies_digests() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display, e.g. xvfb-run -a");
    let data = tempfile::tempdir().expect("temp dir");
    let bus = PrivateBus::start().expect("private dbus-daemon");
    let recorder = RecordingServer::start(bus.address()).await.expect("recording notification server");
    // The window starts the engine (`lull serve --tray`) in the background: the `lull` built
    // beside this test.
    let (_driver, driver_url) = start_driver(&bus, data.path(), Some("127.0.0.1:0")).await;
    let wd = WebDriver::start(&driver_url, APP).await;
    // The app is up: its window has settled on a screen.
    wd.wait("the window", "return document.querySelector('.shell[data-settled=true]') !== null", Duration::from_secs(30)).await;
    let holder = lull_api::lock::current_holder(data.path()).expect("lock file").expect("the app holds the engine lock");
    let url = holder.url.expect("the app's server URL");
    let token = std::fs::read_to_string(data.path().join("api-token")).expect("api token");

    // Focus everywhere, so the message is held and the digest has something to release.
    let r = api(
        &url,
        &token,
        json!({"method": "schedule_set", "params": {"tz": "Europe/Paris", "focus": ["daily 00:00-24:00"], "work": ["daily 00:00-24:00"]}}),
    )
    .await;
    assert_eq!(r["type"], "schedule", "{r}");
    let created = api(&url, &token, json!({"method": "channel_add", "params": {"kind": "webhook", "name": "desk"}})).await;
    let hook_token = created["data"]["token"].as_str().expect("token").to_owned();
    let resp = reqwest::Client::new()
        .post(format!("{url}hooks/desk"))
        .bearer_auth(&hook_token)
        .json(&json!({"id": "d1", "from": "Jane <jane@acme.example>", "title": "Desktop test message", "body": "Hello from the webhook"}))
        .send()
        .await
        .expect("webhook");
    assert_eq!(resp.status().as_u16(), 200);

    // Opening Lull during focus shows reassurance first; go on to the inbox. It appears there
    // without a reload (live events over IPC).
    wd.js("document.querySelector('[data-testid=reassurance] button')?.click(); location.hash = '#/inbox'").await;
    wd.wait(
        "the message in the inbox",
        "return [...document.querySelectorAll('[data-testid=message] .title')].some(t => t.textContent.includes('Desktop test message'))",
        Duration::from_secs(15),
    )
    .await;
    if let Some(dir) = std::env::var_os("LULL_SCREENSHOTS") {
        wd.screenshot(&PathBuf::from(dir).join("desktop-inbox.png")).await;
    }

    // A digest reaches the notification server, with an action to open it.
    let released = api(&url, &token, json!({"method": "digest_now"})).await;
    let digest_id = released["data"]["id"].as_i64().expect("a digest");
    let shown = recorder.wait_for(1, Duration::from_secs(15)).await;
    let digest = shown
        .iter()
        .find(|n| n.summary.contains("digest: 1 message from 1 client"))
        .unwrap_or_else(|| panic!("no digest notification: {shown:?}"));
    assert_eq!(digest.app_name, "Lull");
    assert!(digest.actions.contains(&"default".to_owned()), "{digest:?}");

    // Clicking it opens that digest in the window.
    recorder.click(digest.id).await.expect("click");
    let hash = wd
        .wait(
            "the digest opened",
            &format!("return location.hash === '#/digests/{digest_id}' && document.querySelector('[data-testid=digest-detail]') !== null"),
            Duration::from_secs(15),
        )
        .await;
    assert_eq!(hash, json!(true));
    if let Some(dir) = std::env::var_os("LULL_SCREENSHOTS") {
        wd.screenshot(&PathBuf::from(dir).join("desktop-digest.png")).await;
    }

    // The window never leaves the app: not for a page, a local service, a file, nor a new window.
    for attempt in [
        "location.href = 'https://evil.example/'",
        &format!("location.href = '{url}api'"),
        "location.href = 'file:///etc/passwd'",
        "const a = document.createElement('a'); a.href = 'http://127.0.0.1:9/'; document.body.append(a); a.click()",
        "const a = document.createElement('a'); a.href = 'https://evil.example/'; a.target = '_blank'; document.body.append(a); a.click()",
    ] {
        wd.js(attempt).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        let still = wd.js("return location.protocol + '//' + location.host + '|' + (document.querySelector('.shell') !== null)").await;
        assert_eq!(still, json!("tauri://localhost|true"), "after {attempt}");
    }
    let opened = wd.js("return window.open('https://evil.example/') === null").await;
    assert_eq!(opened, json!(true), "window.open is refused");
    let windows = wd.http.get(format!("{}/window/handles", wd.session)).send().await.expect("handles").json::<Value>().await.expect("json");
    assert_eq!(windows["value"].as_array().map(Vec::len), Some(1), "no other window: {windows}");

    hostile_content_is_shown_as_text(&wd, &url, &token, &hook_token, &recorder).await;

    wd.quit().await;
    // The engine outlives the window, in the background, until it is told to quit.
    stop_engine(data.path()).await;
}

/// The first `n` characters.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Several hundred hostile strings as sender, title, body and link, in the real WebKitGTK
/// window: every message of their digest opened, nothing runs, nothing is fetched, nothing the
/// CSP had to refuse, text shown as sent, and the digest's notification escapes its markup.
async fn hostile_content_is_shown_as_text(wd: &WebDriver, url: &str, token: &str, hook_token: &str, recorder: &RecordingServer) {
    // Instruments in the page (a hash change keeps them), proven to see what they are for.
    wd.js("window.__ran = []; window.__pwned = (n) => window.__ran.push(n); window.__csp = [];
         document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.blockedURI || e.violatedDirective));")
        .await;
    wd.js("window.__pwned(0); fetch('https://pwn.invalid/self-check').catch(() => {})").await;
    wd.wait("the self-check's CSP report", "return window.__csp.length > 0", Duration::from_secs(5)).await;
    assert_eq!(wd.js("return window.__ran").await, json!([0]), "a call to __pwned is seen");
    wd.js("window.__ran = []; window.__csp = []").await;

    let client = reqwest::Client::new();
    let mut titles = std::collections::HashSet::new();
    for (i, s) in hostile_strings().iter().enumerate() {
        let message = json!({"id": format!("h-{i}"), "from": cut(s, 400), "title": cut(s, 900), "body": s, "url": cut(s, 4000)});
        let resp = client.post(format!("{url}hooks/desk")).bearer_auth(hook_token).json(&message).send().await.expect("webhook");
        assert_eq!(resp.status().as_u16(), 200, "message {i}");
        titles.insert(cut(s, 900));
    }
    let released = api(url, token, json!({"method": "digest_now"})).await;
    let digest_id = released["data"]["id"].as_i64().expect("a digest");
    wd.js(&format!("location.hash = '#/digests/{digest_id}'")).await;
    wd.wait(
        "the hostile digest",
        &format!("return document.querySelectorAll('[data-testid=digest-message]').length === {}", titles.len()),
        Duration::from_secs(30),
    )
    .await;
    // Every message opened and closed again, then what was shown and what ran.
    wd.js("return (async () => {
           for (const line of document.querySelectorAll('[data-testid=digest-message]')) {
             line.click();
             await new Promise((r) => requestAnimationFrame(r));
             line.click();
           }
         })()")
        .await;
    let shown = wd.js("return [...document.querySelectorAll('[data-testid=digest-message] .title')].map((t) => t.textContent)").await;
    let shown: Vec<String> = serde_json::from_value(shown).expect("titles");
    assert_eq!(shown.len(), titles.len());
    for title in &shown {
        assert!(titles.contains(title), "a title shown differs from every title sent: {:?}", cut(title, 80));
    }
    let wide = wd.js("return document.documentElement.scrollWidth <= innerWidth").await;
    assert_eq!(wide, json!(true), "the window does not scroll sideways");
    assert_eq!(wd.js("return window.__ran").await, json!([]), "no hostile script ran");
    assert_eq!(wd.js("return window.__csp").await, json!([]), "nothing the CSP had to refuse");
    let elsewhere = wd
        .js(&format!(
            "return performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith('tauri://') && !n.startsWith('{url}') || /pwn/i.test(n))"
        ))
        .await;
    assert_eq!(elsewhere, json!([]), "nothing fetched from anywhere but Lull");
    // The notification server renders markup (it says so), so the digest's text is escaped.
    let notes = recorder.notifications();
    let last = notes.last().expect("the hostile digest's notification");
    assert!(!last.body.contains('<'), "markup escaped in the notification: {:?}", cut(&last.body, 200));
}

/// When another program holds Lull's address, the window opens anyway and says so, and its
/// "Move Lull to …" starts the engine on a free port, recorded where the next start and the
/// `lull` command find it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a display and tauri-driver: scripts/test.sh runs it under xvfb-run"]
async fn the_window_explains_a_taken_port_and_moves_lull() {
    assert!(std::env::var_os("DISPLAY").is_some(), "run under a display, e.g. xvfb-run -a");
    let data = tempfile::tempdir().expect("temp dir");
    let bus = PrivateBus::start().expect("private dbus-daemon");
    // Lull's address (recorded, so the test does not depend on who holds 7707 here) is taken.
    let squatter = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = squatter.local_addr().expect("addr");
    std::fs::write(data.path().join("listen"), format!("{taken}\n")).expect("record the address");
    let (_driver, driver_url) = start_driver(&bus, data.path(), None).await;
    let wd = WebDriver::start(&driver_url, APP).await;
    let text = wd
        .wait(
            "the start problem",
            "return document.querySelector('[data-testid=start-problem-text]')?.textContent",
            Duration::from_secs(30),
        )
        .await;
    let text = text.as_str().unwrap_or_default().to_owned();
    assert!(text.contains(&format!("Another program is using {taken}")), "{text}");
    let button = wd.js("return document.querySelector('[data-testid=move-engine]').textContent.trim()").await;
    let free = button.as_str().and_then(|b| b.strip_prefix("Move Lull to ")).expect("a move offered").to_owned();
    // No WebDriver screenshot here: WebKitWebDriver's snapshot waits for a repaint that this
    // still page never makes.
    wd.js("document.querySelector('[data-testid=move-engine]').click()").await;
    wd.wait("the app, connected", "return document.querySelector('.shell[data-settled=true]') !== null", Duration::from_secs(30)).await;
    let holder = lull_api::lock::current_holder(data.path()).expect("lock").expect("the engine runs");
    assert_eq!(holder.url, Some(format!("http://{free}/")));
    assert_eq!(std::fs::read_to_string(data.path().join("listen")).expect("recorded").trim(), free);
    wd.quit().await;
    stop_engine(data.path()).await;
    drop(squatter);
}
