#!/usr/bin/env bash
# Takes the README's screenshots from the real desktop app, on a virtual display, with a demo
# data directory; they land in docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
scripts/build-ui.sh
cargo build --locked -p lull-cli -p lull-desktop --bin lull --bin lull-desktop
target="${CARGO_TARGET_DIR:-target}"
data="$(mktemp -d)"
# The window starts the engine in the background; stop it with the rest.
trap 'pkill -f -- "--data-dir $data serve" || true; rm -rf "$data"' EXIT
"$target/debug/lull" --data-dir "$data" schedule set --tz Europe/Paris >/dev/null
"$target/debug/lull" --data-dir "$data" demo
export LULL_DATA_DIR="$data" LULL_LISTEN=127.0.0.1:0 LULL_LOG=warn NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1
dbus-run-session -- xvfb-run -a -s "-screen 0 1200x800x24" python3 scripts/screenshots.py docs/screenshots
# A digest opened at 1024 px, and the first run, in headless Chromium.
lull_bin="$(realpath "$target/debug/lull")"
(cd ui && LULL_BIN="$lull_bin" node e2e/readme-shots.mjs ../docs/screenshots)
