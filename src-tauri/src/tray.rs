//! The tray: what is held and when the next digest comes, focus sessions, a digest now, the
//! window, start at login, quit. Everything is in the menu: Linux trays do not reliably report
//! clicks on the icon itself.

use lull_engine::api::{Request, Response, StatusView};
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_autostart::ManagerExt;

use crate::Desktop;
use lull_engine::tray_text::{self as locale, Lang};

/// The two lines of the menu that change.
struct StatusItems {
    focus: MenuItem<Wry>,
    held: MenuItem<Wry>,
    lang: Lang,
}

pub fn create(app: &tauri::App) -> tauri::Result<()> {
    let lang = locale::system();
    let item = |id: &str| MenuItem::with_id(app, id, locale::text(lang, id), true, None::<&str>);
    let focus = MenuItem::with_id(app, "status-focus", locale::focus_line(lang, None), false, None::<&str>)?;
    let held = MenuItem::with_id(app, "status-held", "…", false, None::<&str>)?;
    let autostart_on = app.autolaunch().is_enabled().unwrap_or(false);
    let autostart = CheckMenuItem::with_id(app, "autostart", locale::text(lang, "autostart"), true, autostart_on, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &focus,
            &held,
            &PredefinedMenuItem::separator(app)?,
            &item("focus-25")?,
            &item("focus-50")?,
            &item("focus-90")?,
            &item("focus-stop")?,
            &PredefinedMenuItem::separator(app)?,
            &item("digest-now")?,
            &item("open")?,
            &PredefinedMenuItem::separator(app)?,
            &autostart,
            &item("quit")?,
        ],
    )?;
    let mut builder =
        TrayIconBuilder::with_id("lull").tooltip("Lull").menu(&menu).show_menu_on_left_click(true).on_menu_event(|app, event| {
            let app = app.clone();
            let id = event.id().as_ref().to_owned();
            tauri::async_runtime::spawn(async move { on_menu(&app, &id).await });
        });
    if let Some(icon) = app.default_window_icon() {
        builder = builder.icon(icon.clone());
    }
    builder.build(app)?;
    app.manage(StatusItems { focus, held, lang });
    Ok(())
}

async fn on_menu(app: &AppHandle, id: &str) {
    let Some(desktop) = app.try_state::<Desktop>() else { return };
    let request = match id {
        "focus-25" => Some(Request::FocusStart { minutes: 25 }),
        "focus-50" => Some(Request::FocusStart { minutes: 50 }),
        "focus-90" => Some(Request::FocusStart { minutes: 90 }),
        "focus-stop" => Some(Request::FocusStop),
        "digest-now" => Some(Request::DigestNow),
        "open" => {
            let handle = app.clone();
            let _ = app.run_on_main_thread(move || crate::show_main(&handle, None));
            None
        }
        "autostart" => {
            let launcher = app.autolaunch();
            let result = if launcher.is_enabled().unwrap_or(false) { launcher.disable() } else { launcher.enable() };
            if let Err(e) = result {
                tracing::warn!(error = %e, "changing start at login");
            }
            None
        }
        "quit" => {
            app.exit(0);
            None
        }
        _ => None,
    };
    if let Some(request) = request
        && let Err(e) = desktop.engine.handle(request).await
    {
        tracing::warn!(error = %e, action = id, "tray action");
    }
    refresh(app).await;
}

/// Brings the tray's status lines and tooltip up to date.
pub async fn refresh(app: &AppHandle) {
    let Some(desktop) = app.try_state::<Desktop>() else { return };
    let Ok(Response::Status(status)) = desktop.engine.handle(Request::Status).await else { return };
    let Some(items) = app.try_state::<StatusItems>() else { return };
    let (focus, held) = lines(&status, items.lang);
    let _ = items.focus.set_text(&focus);
    let _ = items.held.set_text(&held);
    if let Some(tray) = app.tray_by_id("lull") {
        let _ = tray.set_tooltip(Some(format!("Lull · {held}")));
    }
}

fn lines(status: &StatusView, lang: Lang) -> (String, String) {
    let tz: chrono_tz::Tz = status.tz.parse().unwrap_or(chrono_tz::UTC);
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%H:%M").to_string();
    let until = status.focus.until.filter(|_| status.focus.in_focus).map(local);
    (locale::focus_line(lang, until.as_deref()), locale::held_line(lang, status.held, &local(status.next_digest)))
}

/// Refreshes the tray on a slow timer too: the next digest time moves at a slot even when the
/// slot releases nothing (and so sends no event).
pub async fn keep_fresh(app: AppHandle) {
    loop {
        refresh(&app).await;
        tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    }
}
