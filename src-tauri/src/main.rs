//! Lull's desktop window: the web UI in a Tauri 2 shell, as its own process. The engine runs in
//! the background as `lull serve --tray` (a process with neither WebKit nor GTK, 17 MiB), which
//! this window starts when it is not running. The window's one command, `api`, relays the same
//! typed requests the browser sends to the engine's loopback API, and the engine's live events
//! come back the same way, both through `lull-api`'s client; closing the window ends this
//! process, so what stays in the background is the engine alone.
//!
//! When the engine cannot start (another program holds its port, most often), the window
//! still opens and says what went wrong, with a way out ([`StartProblem`]); it never panics.
//!
//! This is the only crate that depends on Tauri, and it links `lull-api`, not the engine.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod popups;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use lull_api::paths::DataDir;
use lull_api::{ApiError, Client, ErrorCode, Phrase, Request, Response};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_opener::OpenerExt;
use tauri_plugin_window_state::{StateFlags, WindowExt};

/// Why the engine is not there, for the window to show with a way out.
#[derive(Debug, Clone, Serialize)]
struct StartProblem {
    /// What went wrong, worded by the window.
    problem: Phrase,
    /// The address another program holds, when that is the problem.
    taken: Option<String>,
    /// A free address to move Lull to.
    free: Option<String>,
}

/// The engine this window talks to, once it runs, or why it does not.
struct EngineSlot {
    dir: DataDir,
    client: RwLock<Option<Client>>,
    problem: Mutex<Option<StartProblem>>,
    /// True while a connection (and perhaps the engine's start) is under way. The window opens
    /// meanwhile, so WebKit's start and the engine's overlap; the UI's first requests wait
    /// here for the outcome rather than fail.
    connecting: tokio::sync::watch::Sender<bool>,
}

impl EngineSlot {
    fn client(&self) -> Option<Client> {
        self.client.read().ok().and_then(|c| c.clone())
    }

    /// Waits until no connection is under way.
    async fn settled(&self) {
        let mut connecting = self.connecting.subscribe();
        let _ = connecting.wait_for(|busy| !busy).await;
    }

    /// Connects to the engine of the data directory, starting it if needed; on failure, keeps
    /// the problem for the window to show.
    fn connect(&self, app: &AppHandle) -> Result<(), StartProblem> {
        self.connecting.send_replace(true);
        let outcome = match ensure_engine(&self.dir) {
            Ok(client) => {
                tracing::info!(url = client.url(), "connected to Lull's engine");
                if let Ok(mut slot) = self.client.write() {
                    *slot = Some(client);
                }
                if let Ok(mut p) = self.problem.lock() {
                    *p = None;
                }
                tauri::async_runtime::spawn(relay_events(app.clone()));
                Ok(())
            }
            Err(problem) => {
                tracing::error!(problem = %lull_api::english(&problem.problem), "Lull's engine did not start");
                if let Ok(mut p) = self.problem.lock() {
                    *p = Some(problem.clone());
                }
                Err(problem)
            }
        };
        // Whoever waits learns the outcome: the slot and the problem are set by now.
        self.connecting.send_replace(false);
        outcome
    }
}

/// The UI's one entry to the engine: the typed API, relayed to the engine's loopback server.
#[tauri::command]
async fn api(engine: tauri::State<'_, EngineSlot>, request: Request) -> Result<Response, ApiError> {
    engine.settled().await;
    match engine.client() {
        Some(client) => client.send(&request).await,
        None => Err(ApiError::new(ErrorCode::Unavailable, Phrase::new("window.no_engine"))),
    }
}

/// Why the engine did not start, if it did not: the window shows it instead of the inbox.
#[tauri::command]
async fn start_problem(engine: tauri::State<'_, EngineSlot>) -> Result<Option<StartProblem>, ()> {
    engine.settled().await;
    Ok(engine.problem.lock().ok().and_then(|p| p.clone()))
}

/// Tries to start the engine again (the other program may have quit).
#[tauri::command]
async fn retry_engine(app: AppHandle, engine: tauri::State<'_, EngineSlot>) -> Result<(), StartProblem> {
    engine.connect(&app)
}

/// Moves Lull to `addr` for good (recorded in the data directory, where `lull serve` and the
/// `lull` command find it too) and starts the engine there.
#[tauri::command]
// Tauri commands take their arguments by value.
#[allow(clippy::needless_pass_by_value)]
async fn move_engine(app: AppHandle, engine: tauri::State<'_, EngineSlot>, addr: String) -> Result<(), StartProblem> {
    let problem = |p: Phrase| StartProblem { problem: p, taken: None, free: None };
    let addr: SocketAddr = addr.trim().parse().map_err(|_| problem(Phrase::new("listen.not_recordable").with("addr", addr.trim())))?;
    lull_api::listen::record(&engine.dir, addr).map_err(|e| problem(lull_api::Said::phrase(&e)))?;
    engine.connect(&app)
}

/// Opens a link from a message in the user's browser: only web and mail links, never files or
/// other schemes a message might carry.
#[tauri::command]
// Tauri commands take their arguments by value.
#[allow(clippy::needless_pass_by_value)]
fn open_link(app: AppHandle, url: String) -> Result<(), ApiError> {
    let Some(url) = lull_api::openable_link(&url) else {
        return Err(ApiError::invalid(Phrase::new("link.not_opened")));
    };
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ApiError::new(ErrorCode::Unavailable, Phrase::new("link.cannot_open").with("detail", e)))
}

/// Whether the window may show `url`: only the app's own pages (`tauri://localhost` on Linux
/// and macOS, `http(s)://tauri.localhost` elsewhere). Anything else, a message's link, a
/// planted `location = …`, a `window.open`, is refused, so the window can never become a
/// browser with the app's IPC bridge in it; links open in the user's browser through
/// [`open_link`].
fn is_app_page(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    }
}

/// The route given on the command line (`--route /digests/5`), e.g. by a clicked notification.
fn route_arg(argv: &[String]) -> Option<String> {
    argv.iter().position(|a| a == "--route").and_then(|i| argv.get(i + 1)).filter(|r| r.starts_with('/')).cloned()
}

/// Shows the main window, at `route` if given.
fn show_main(app: &AppHandle, route: Option<String>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        if let Some(route) = route {
            let _ = window.eval(format!("location.hash = {}", serde_json::Value::String(format!("#{route}"))));
        }
        return;
    }
    let page = match route {
        Some(r) => format!("index.html#{r}"),
        None => "index.html".to_owned(),
    };
    match WebviewWindowBuilder::new(app, "main", WebviewUrl::App(page.into()))
        .title("Lull")
        .inner_size(1200.0, 800.0)
        .min_inner_size(820.0, 560.0)
        .visible(false)
        .on_navigation(|url| {
            let allowed = is_app_page(url);
            if !allowed {
                tracing::warn!(url = %lull_api::redact_url(url.as_str()), "the window refused to leave the app");
            }
            allowed
        })
        .on_new_window(|url, _| {
            tracing::warn!(url = %lull_api::redact_url(url.as_str()), "the window refused to open another window");
            tauri::webview::NewWindowResponse::Deny
        })
        .build()
    {
        Ok(window) => {
            // One page that never navigates needs no memory cache or back-forward cache: the
            // "document viewer" model keeps WebKit's web process smaller.
            #[cfg(target_os = "linux")]
            let _ = window.with_webview(|webview| {
                use webkit2gtk::{WebContextExt, WebViewExt};
                if let Some(context) = webview.inner().context() {
                    context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
                }
            });
            // Remembered size and position; shown once placed, so it does not jump.
            let _ = window.restore_state(StateFlags::all());
            let _ = window.show();
            let _ = window.set_focus();
        }
        Err(e) => tracing::error!(error = %e, "cannot open the Lull window"),
    }
}

/// The `lull` binary: `LULL_BIN`, else the one installed beside this app, else on the PATH.
fn lull_binary() -> PathBuf {
    lull_api::paths::companion("LULL_BIN", "lull").unwrap_or_else(|| PathBuf::from("lull"))
}

/// The running engine, starting `lull serve --tray` in the background first if no engine
/// runs on this data directory. Where it will listen is checked first, so a port another
/// program holds is a problem the window can explain, not an engine that dies at start.
fn ensure_engine(dir: &DataDir) -> Result<Client, StartProblem> {
    let problem = |p: Phrase| StartProblem { problem: p, taken: None, free: None };
    let said = |e: &dyn lull_api::Said| problem(e.phrase());
    dir.ensure().map_err(|e| said(&e))?;
    if let Some(client) = Client::of_running_engine(dir).map_err(|e| problem(e.problem))? {
        return Ok(client);
    }
    // `LULL_LISTEN` (tests, benchmarks) wins over the address recorded in the directory.
    let forced = std::env::var("LULL_LISTEN").ok();
    let listen = match forced.as_deref().map(str::parse::<SocketAddr>) {
        Some(Ok(addr)) => addr,
        Some(Err(_)) => return Err(problem(Phrase::new("listen.not_recordable").with("addr", forced.unwrap_or_default()))),
        None => lull_api::listen::resolve(dir).map_err(|e| said(&e))?.addr,
    };
    if !lull_api::listen::is_free(listen) {
        return Err(StartProblem {
            problem: Phrase::new("window.port_taken").with("addr", listen),
            taken: Some(listen.to_string()),
            free: lull_api::listen::free_near(listen).map(|a| a.to_string()),
        });
    }
    let bin = lull_binary();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("--data-dir").arg(dir.root()).args(["serve", "--tray"]);
    if let Some(listen) = &forced {
        cmd.args(["--listen", listen]);
    }
    // Its own process group: the engine outlives this window.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null());
    let mut child =
        cmd.spawn().map_err(|e| problem(Phrase::new("window.cannot_start_engine").with("path", bin.display()).with("detail", e)))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(client) = Client::of_running_engine(dir).map_err(|e| problem(e.problem))? {
            return Ok(client);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(problem(Phrase::new("window.engine_stopped").with("status", status)));
        }
        if Instant::now() > deadline {
            return Err(problem(Phrase::new("window.engine_slow")));
        }
        // Start-up, before any runtime: a blocking wait is what is wanted.
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Relays the engine's live events to the window, reconnecting after a drop.
async fn relay_events(app: AppHandle) {
    use futures_util::StreamExt;
    loop {
        let Some(engine) = app.try_state::<EngineSlot>().and_then(|slot| slot.client()) else { return };
        if let Ok(events) = engine.events().await {
            let mut events = std::pin::pin!(events);
            while let Some(event) = events.next().await {
                let _ = app.emit("engine", event);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let dir = DataDir::resolve(std::env::var_os("LULL_DATA_DIR").map(Into::into))?;
    let (connecting, _) = tokio::sync::watch::channel(true);
    app.manage(EngineSlot { dir, client: RwLock::new(None), problem: Mutex::new(None), connecting });
    // The window first, the engine alongside: WebKit's start (most of the launch) and the
    // engine's overlap. A problem is kept for the window to show (`start_problem`).
    let handle = app.handle().clone();
    std::thread::spawn(move || {
        let _ = handle.state::<EngineSlot>().connect(&handle);
    });
    let argv: Vec<String> = std::env::args().collect();
    show_main(app.handle(), route_arg(&argv));
    Ok(())
}

fn main() {
    // The popups of gatekeeper mode: GTK only, before (and instead of) Tauri.
    if std::env::args().nth(1).as_deref() == Some("--popups") {
        std::process::exit(popups::run());
    }
    // WebKitGTK's DMA-BUF renderer shows blank windows on some GPUs and Wayland compositors;
    // the software path is reliable. An explicit setting wins.
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: nothing else runs yet: no threads have been started.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
        }
    }
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LULL_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let app = tauri::Builder::default()
        // First, so a second launch (the launcher, a clicked notification) only wakes the
        // window already open, at the route it asks for.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| show_main(app, route_arg(&argv))))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![api, open_link, start_problem, retry_engine, move_engine])
        .setup(setup)
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("{e}");
            std::process::exit(1);
        }
    };
    // Closing the window ends this process; the engine goes on in the background.
    app.run(|_app, event| {
        if let RunEvent::Exit = event {
            tracing::info!("window closed");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::is_app_page;

    #[test]
    fn the_window_shows_only_the_apps_own_pages() {
        let url = |s: &str| tauri::Url::parse(s).expect("a URL");
        for ok in [
            "tauri://localhost/index.html",
            "tauri://localhost/index.html#/digests/5",
            "http://tauri.localhost/",
            "https://tauri.localhost/x",
        ] {
            assert!(is_app_page(&url(ok)), "{ok}");
        }
        for refused in [
            "https://evil.example/",
            "http://127.0.0.1:7707/api",
            "http://localhost/",
            "file:///etc/passwd",
            "tauri://evil.example/",
            "http://tauri.localhost:8080/",
            "https://tauri.localhost.evil.example/",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "about:blank",
            "mailto:jane@acme.example",
        ] {
            assert!(!is_app_page(&url(refused)), "{refused}");
        }
    }
}
