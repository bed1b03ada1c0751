//! An empty Tauri 2 app, built with the same Tauri, features and profile as Lull's desktop app:
//! one window on a blank page. `scripts/bench-desktop.sh` measures it beside Lull, so Lull's
//! memory and start-up figures have a baseline from the same machine and the same run.

fn main() {
    let app = tauri::Builder::default()
        .setup(|app| {
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::External("about:blank".parse()?))
                .title("Empty Tauri app")
                .inner_size(1200.0, 800.0)
                .build()?;
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = app {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("empty_app: {e}");
        }
        std::process::exit(1);
    }
}
