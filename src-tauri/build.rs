//! Generates Tauri's context and the permissions of the app's own commands: with an app
//! manifest, every command is checked against the window's capability, not allowed by default.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&["api", "open_link", "start_problem", "retry_engine", "move_engine"]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build step failed: {e}");
    }
}
