#!/usr/bin/env bash
# Runs Lull's benchmarks in full (release builds), each beside a baseline measured in the same
# run: the engine (ingest, decisions, weekly stats over a million messages; the first run builds
# that database and keeps it under the target directory), the channels (IMAP first sync from
# Dovecot against a raw fetch; desktop notification capture latency; the gatekeeper's answer; the phone path from
# kdeconnectd, in a private network namespace), the web UI's search and scroll over
# 100,000 messages in headless Chromium, and the desktop app's footprint and start-up beside an
# empty Tauri app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
scripts/build-ui.sh
cargo bench --locked -p lull-engine --bench engine
cargo bench --locked -p lull-engine --bench channels
cargo build --release --locked -p lull-cli
lull_release="$(realpath -m "${CARGO_TARGET_DIR:-target}")/release/lull"
(cd ui && LULL_BIN="$lull_release" node e2e/bench.mjs)
scripts/bench-desktop.sh
