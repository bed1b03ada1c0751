#!/usr/bin/env bash
# Builds Lull and runs it headless: prints the URL it serves on 127.0.0.1. Extra arguments go to
# `lull serve` (e.g. --listen 127.0.0.1:8080, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
scripts/build-ui.sh
cargo build --release --locked -p lull-cli
bin="${CARGO_TARGET_DIR:-target}/release/lull"
echo "Lull is built: $bin (put it on your PATH to use the lull command)"
exec "$bin" serve "$@"
