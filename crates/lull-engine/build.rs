//! Embeds the built web UI (`ui/dist`) into the engine, so `lull serve` and the desktop app
//! serve it without files on disk. When the UI has not been built, a page saying how to build
//! it is embedded instead, so the Rust side still builds and tests on its own.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = manifest.join("../../ui/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut found = Vec::new();
    files(&dist, &mut found);
    found.sort();
    let mut code = String::from(
        "/// The web UI's files: path (without a leading slash), content, media type.\npub static UI_FILES: &[(&str, &[u8], &str)] = &[\n",
    );
    let built = found.iter().any(|p| p.ends_with("index.html"));
    if built {
        for path in &found {
            let rel = path.strip_prefix(&dist).unwrap_or(path).to_string_lossy().replace('\\', "/");
            let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
            let _ = writeln!(code, "    ({rel:?}, include_bytes!({:?}), {:?}),", abs.display().to_string(), mime(path));
        }
    } else {
        let page = "<!doctype html><meta charset=\"utf-8\"><title>Lull</title><h1>Lull is running</h1>\
            <p>Its web UI was not built into this binary. Build it with <code>npm --prefix ui ci &amp;&amp; npm --prefix ui run build</code>, \
            then rebuild Lull (<code>scripts/run.sh</code> does both). The <code>lull</code> command works meanwhile.</p>";
        let _ = writeln!(code, "    (\"index.html\", {page:?}.as_bytes(), \"text/html; charset=utf-8\"),");
    }
    code.push_str("];\n");
    let _ = writeln!(code, "/// Whether the real UI is embedded (not the placeholder).\npub const UI_BUILT: bool = {built};");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("ui_files.rs");
    if let Err(e) = fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
