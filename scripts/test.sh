#!/usr/bin/env bash
# Runs every check and test of Lull: formatting, lints, unit, property, integration and
# end-to-end tests (real loopback servers, a private dbus-daemon), and the benchmarks in their
# quick smoke mode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export PATH="$HOME/.cargo/bin:$PATH"
cargo fmt --all --check
cargo clippy --locked --workspace --all-targets -- -D warnings
cargo test --locked --workspace --all-targets
