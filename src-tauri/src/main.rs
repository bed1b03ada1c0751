//! Lull's desktop window: the web UI in a Tauri 2 shell, as its own process. The engine runs in
//! the background as `lull serve --tray` (a process with neither WebKit nor GTK, 17 MiB), which
//! this window starts when it is not running. The window's one command, `api`, relays the same
//! typed requests the browser sends to the engine's loopback API, and the engine's live events
//! come back the same way, both through `lull-api`'s client; closing the window ends this
//! process, so what stays in the background is the engine alone.
//!
//! This is the only crate that depends on Tauri, and it links `lull-api`, not the engine.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod popups;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lull_api::paths::DataDir;
use lull_api::{ApiError, Client, ErrorCode, Phrase, Request, Response};
use tauri::{AppHandle, Emitter, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_opener::OpenerExt;
use tauri_plugin_window_state::{StateFlags, WindowExt};

/// The UI's one entry to the engine: the typed API, relayed to the engine's loopback server.
#[tauri::command]
async fn api(engine: tauri::State<'_, Client>, request: Request) -> Result<Response, ApiError> {
    engine.send(&request).await
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
/// runs on this data directory.
fn ensure_engine(dir: &DataDir) -> Result<Client, Box<dyn std::error::Error>> {
    if let Some(client) = Client::of_running_engine(dir)? {
        return Ok(client);
    }
    let bin = lull_binary();
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("--data-dir").arg(dir.root()).args(["serve", "--tray"]);
    if let Ok(listen) = std::env::var("LULL_LISTEN") {
        cmd.args(["--listen", &listen]);
    }
    // Its own process group: the engine outlives this window.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start Lull's engine ({}): {e}", bin.display()))?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(client) = Client::of_running_engine(dir)? {
            return Ok(client);
        }
        if let Some(status) = child.try_wait()? {
            return Err(format!("Lull's engine stopped at start ({status}); run `lull serve` to see why").into());
        }
        if Instant::now() > deadline {
            return Err("Lull's engine did not start within 20 s; run `lull serve` to see why".into());
        }
        // Start-up, before any runtime: a blocking wait is what is wanted.
        #[allow(clippy::disallowed_methods)]
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Relays the engine's live events to the window, reconnecting after a drop.
async fn relay_events(app: AppHandle) {
    use futures_util::StreamExt;
    loop {
        let Some(engine) = app.try_state::<Client>() else { return };
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
    dir.ensure()?;
    let engine = ensure_engine(&dir)?;
    tracing::info!(url = engine.url(), "connected to Lull's engine");
    app.manage(engine);
    tauri::async_runtime::spawn(relay_events(app.handle().clone()));
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
        .invoke_handler(tauri::generate_handler![api, open_link])
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
