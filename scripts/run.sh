#!/usr/bin/env bash
# Builds and runs Lull: the desktop app where there is a display, else the engine headless
# (`lull serve`, which prints the address of its web UI on 127.0.0.1). LULL_HEADLESS=1 forces
# the headless engine; extra arguments go to `lull serve` (e.g. --listen 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
# The commit this build is made from, for `lull --version` and Settings.
LULL_COMMIT="$(git describe --always --dirty --abbrev=12 2>/dev/null || true)"
export LULL_COMMIT
scripts/build-ui.sh
target="${CARGO_TARGET_DIR:-target}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${LULL_HEADLESS:-}" != 1 ]; then
  # A desktop: the window, which starts the engine and its tray in the background.
  cargo build --release --locked -p lull-cli -p lull-desktop --bin lull --bin lull-desktop
  echo "Lull is built: $target/release/lull-desktop (the app) and $target/release/lull (the command)"
  exec "$target/release/lull-desktop" "$@"
fi
# No display: the engine headless, printing the address of its web UI.
cargo build --release --locked -p lull-cli
echo "Lull is built: $target/release/lull (put it on your PATH to use the lull command)"
exec "$target/release/lull" serve "$@"
