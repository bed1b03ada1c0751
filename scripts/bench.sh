#!/usr/bin/env bash
# Runs Lull's benchmarks in full (release build). The first run builds a 1-million-message
# database for the statistics benchmark and keeps it under the target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo bench --locked -p lull-engine --bench engine
