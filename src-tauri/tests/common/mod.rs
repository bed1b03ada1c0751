//! What the desktop tests share: the hostile-content corpus of the browser tests.

use std::process::Command;

/// The hostile-content corpus the browser tests use (`ui/e2e/hostile.mjs`), read through Node.
pub fn hostile_strings() -> Vec<String> {
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/e2e/hostile.mjs");
    let script =
        format!("import('{module}').then((m) => process.stdout.write(JSON.stringify(m.hostileStrings().filter((s) => s.isWellFormed()))))");
    let out = Command::new("node").args(["-e", &script]).output().expect("node (installed by scripts/install-deps.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the corpus")
}
