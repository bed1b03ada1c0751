//! Lull's desktop app: the engine (the same one `lull serve` runs) in a Tauri 2 shell with a
//! tray. The window is the web UI; its one command, `api`, carries the same typed requests the
//! browser sends over HTTP. Closing the window destroys its webview and leaves the engine running
//! in the tray, so the background footprint is the engine's alone.
//!
//! This is the only crate that depends on Tauri.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod tray;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use lull_engine::api::{ApiError, ErrorCode, Request, Response};
use lull_engine::clock::{Clock, SystemClock};
use lull_engine::lock::EngineLock;
use lull_engine::notifier::{DesktopNotifier, OpenTarget};
use lull_engine::paths::DataDir;
use lull_engine::{Engine, EngineOptions, server};
use tauri::{AppHandle, Emitter, Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_opener::OpenerExt;
use tauri_plugin_window_state::{StateFlags, WindowExt};

/// What the app keeps for its whole life.
struct Desktop {
    engine: Engine,
    /// Held while the app runs: one engine per data directory.
    lock: Mutex<Option<EngineLock>>,
    stop_server: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    started: Instant,
}

/// The UI's one entry to the engine: the typed API, as over HTTP.
#[tauri::command]
async fn api(state: tauri::State<'_, Desktop>, request: Request) -> Result<Response, ApiError> {
    state.engine.handle(request).await
}

/// Opens a link from a message in the user's browser: only web and mail links, never files or
/// other schemes a message might carry.
#[tauri::command]
// Tauri commands take their arguments by value.
#[allow(clippy::needless_pass_by_value)]
fn open_link(app: AppHandle, url: String) -> Result<(), ApiError> {
    let lower = url.trim().to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("mailto:")) {
        return Err(ApiError::invalid("only https and mailto links are opened"));
    }
    app.opener().open_url(url.trim(), None::<&str>).map_err(|e| ApiError::new(ErrorCode::Unavailable, format!("cannot open the link: {e}")))
}

/// The UI route a clicked notification opens.
fn route_of(target: OpenTarget) -> String {
    match target {
        OpenTarget::Digest(id) => format!("/digests/{id}"),
        OpenTarget::Message(_) => "/inbox".to_owned(),
    }
}

/// Shows the main window, creating it (and its webview) if it was closed, at `route` if given.
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
            // Remembered size and position; shown once placed, so it does not jump.
            let _ = window.restore_state(StateFlags::all());
            let _ = window.show();
            let _ = window.set_focus();
        }
        Err(e) => tracing::error!(error = %e, "cannot open the Lull window"),
    }
}

fn setup(app: &mut tauri::App, started: Instant) -> Result<(), Box<dyn std::error::Error>> {
    let dir = DataDir::resolve(std::env::var_os("LULL_DATA_DIR").map(Into::into))?;
    dir.ensure()?;
    let mut lock = EngineLock::acquire(dir.root(), SystemClock.now())?;

    let handle = app.handle().clone();
    let notifier = DesktopNotifier::with_open_handler(Arc::new(move |target| {
        let app = handle.clone();
        let route = route_of(target);
        let _ = handle.run_on_main_thread(move || show_main(&app, Some(route)));
    }));
    let engine = tauri::async_runtime::block_on(Engine::open(EngineOptions {
        data_dir: dir.clone(),
        clock: Arc::new(SystemClock),
        notifier: Arc::new(notifier),
    }))?;

    // The loopback server: webhooks post there, and a browser can open the same UI. The usual
    // port keeps webhook URLs stable; if it is taken, any free one.
    let listen: std::net::SocketAddr = std::env::var("LULL_LISTEN")
        .ok()
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| server::DEFAULT_LISTEN.parse().unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 7707))));
    let listener = tauri::async_runtime::block_on(async {
        match server::bind_loopback(listen).await {
            Ok(l) => Ok(l),
            Err(e) => {
                tracing::warn!(error = %e, "using another port for webhooks");
                server::bind_loopback(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await
            }
        }
    })?;
    let url = server::base_url(listener.local_addr()?);
    lock.publish_url(&url)?;
    tracing::info!(%url, data_dir = %dir.root().display(), "Lull is running");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let token = dir.api_token()?;
    tauri::async_runtime::spawn(server::run(engine.clone(), listener, token, async move {
        let _ = stop_rx.await;
    }));

    // Live events to the window (when there is one) and the tray.
    let mut events = engine.subscribe();
    let events_app = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = events_app.emit("engine", &event);
                    tray::refresh(&events_app).await;
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => tray::refresh(&events_app).await,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });

    app.manage(Desktop { engine, lock: Mutex::new(Some(lock)), stop_server: Mutex::new(Some(stop_tx)), started });
    tray::create(app)?;
    let refresh = app.handle().clone();
    tauri::async_runtime::spawn(async move { tray::keep_fresh(refresh).await });

    if !std::env::args().any(|a| a == "--minimized") {
        show_main(app.handle(), None);
    }
    Ok(())
}

fn main() {
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
    let started = Instant::now();
    let app = tauri::Builder::default()
        // First, so a second launch only wakes the first one.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| show_main(app, None)))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, Some(vec!["--minimized"])))
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![api, open_link])
        .setup(move |app| setup(app, started))
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            // Setup errors (another engine on this data directory, an unreadable database)
            // already say what to do.
            tracing::error!("{e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| match event {
        // Closing the last window keeps Lull in the tray; only Quit (an explicit exit code)
        // ends it.
        RunEvent::ExitRequested { api, code: None, .. } => api.prevent_exit(),
        RunEvent::Exit => {
            if let Some(desktop) = app.try_state::<Desktop>() {
                if let Some(stop) = desktop.stop_server.lock().ok().and_then(|mut s| s.take()) {
                    let _ = stop.send(());
                }
                tauri::async_runtime::block_on(desktop.engine.shutdown());
                desktop.lock.lock().ok().and_then(|mut l| l.take());
                tracing::info!(uptime = ?desktop.started.elapsed(), "Lull stopped");
            }
        }
        _ => {}
    });
}
