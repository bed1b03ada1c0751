#!/usr/bin/env bash
# Runs every check and test of Lull: formatting, lints and types; the Rust unit, property,
# integration and end-to-end tests (real loopback servers, a private dbus-daemon); the web UI's
# unit tests; the web UI end to end in headless Chromium against a real `lull serve`; and the
# benchmarks in their quick smoke mode; and the Debian package, built and checked (its contents,
# dpkg-deb, lintian, AppStream and the menu entry; scripts/test-package.sh installs it in a fresh
# Debian root, which takes longer and is run by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
# The commit this build is made from, for `lull --version` and Settings.
LULL_COMMIT="$(git describe --always --dirty --abbrev=12 2>/dev/null || true)"
export LULL_COMMIT

scripts/build-ui.sh
(cd ui && npm run --silent check && npm run --silent test)

cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo test --locked --workspace --all-targets

lull_bin="$(realpath -m "${CARGO_TARGET_DIR:-target}")/debug/lull"
(cd ui && LULL_BIN="$lull_bin" npm run --silent e2e)

# Every fuzz target for 10 s from its checked-in corpus (scripts/fuzz.sh has the long setting).
scripts/fuzz.sh 10

# The real desktop window over WebDriver, and the gatekeeper's popups, on a virtual display.
xvfb-run -a -s "-screen 0 1280x860x24" cargo test --locked -p lull-desktop --tests -- --ignored

scripts/package.sh
