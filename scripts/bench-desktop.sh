#!/usr/bin/env bash
# Desktop footprint and start-up: Lull's app beside an empty Tauri 2 app built the same way,
# on a virtual display with a private session bus, through tauri-driver. Uses a demo data
# directory so the inbox has something to paint.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
scripts/build-ui.sh
cargo build --release --locked -p lull-cli -p lull-desktop --bin lull --bin lull-desktop --example empty_app
target="${CARGO_TARGET_DIR:-target}"
# The window's binary as built (with line tables for backtraces) and stripped (what a package
# ships).
stripped="$(mktemp)"
strip -o "$stripped" "$target/release/lull-desktop"
printf '# lull-desktop binary: %s bytes as built, %s bytes stripped\n\n' \
  "$(stat -c %s "$target/release/lull-desktop")" "$(stat -c %s "$stripped")"
rm -f "$stripped"
data="$(mktemp -d)"
trap 'pkill -f -- "--data-dir $data serve" || true; rm -rf "$data"' EXIT
"$target/release/lull" --data-dir "$data" schedule set --tz Europe/Paris >/dev/null
"$target/release/lull" --data-dir "$data" demo
export LULL_DATA_DIR="$data" LULL_LISTEN=127.0.0.1:0 LULL_LOG=warn NO_AT_BRIDGE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x860x24" python3 scripts/bench-desktop.py
