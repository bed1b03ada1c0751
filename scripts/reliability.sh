#!/usr/bin/env bash
# Lull's reliability suites, one command each, in their long setting (CI runs the short one as
# part of scripts/test.sh). RELIABILITY.md says what each promises and the last long run's
# figures.
#
#   scripts/reliability.sh crash    # 1,000 SIGKILLs of `lull serve` under senders (≈3 min)
#   scripts/reliability.sh faults   # 100 cut IMAP connections, failing feed polls, bus restarts
#   scripts/reliability.sh storage  # damaged, locked, newer database; a full disk (tmpfs)
#   scripts/reliability.sh attack   # the listener: tokens, origins, rebinding, bodies, floods
#   scripts/reliability.sh load     # 1,000 posts/s for 60 s, then a 10-minute soak (release build)
#   scripts/reliability.sh fuzz     # every fuzz target for 10⁷ executions
#   scripts/reliability.sh hostile  # the hostile-content corpus in Chromium
#   scripts/reliability.sh flood    # one sender flooding against 50 senders (release build)
#   scripts/reliability.sh all
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$HOME/.local/lull-node/bin:$PATH"
scripts/build-ui.sh
what="${1:-all}"
crash() {
    LULL_CRASH_KILLS="${LULL_CRASH_KILLS:-1000}" cargo test --locked -p lull-cli --test crash -- --nocapture
}
faults() {
    LULL_FAULT_ROUNDS="${LULL_FAULT_ROUNDS:-100}" cargo test --locked -p lull-channels --test faults -- --nocapture
    cargo test --locked -p lull-channels --test imap --test phone
}
storage() {
    cargo test --locked -p lull-cli --test storage
}
attack() {
    cargo test --locked -p lull-engine --test engine listener
}
load() {
    LULL_LOAD_RATE="${LULL_LOAD_RATE:-1000}" LULL_LOAD_SECS="${LULL_LOAD_SECS:-60}" \
    LULL_SOAK_RATE="${LULL_SOAK_RATE:-200}" LULL_SOAK_SECS="${LULL_SOAK_SECS:-600}" \
        cargo test --locked --release -p lull-cli --test load -- --nocapture
}
fuzz() {
    LULL_FUZZ_SANITIZER="${LULL_FUZZ_SANITIZER:-none}" LULL_FUZZ_RUNS="${LULL_FUZZ_RUNS:-10000000}" scripts/fuzz.sh 0
}
hostile() {
    cargo build --locked -p lull-cli
    (cd ui && LULL_BIN="$(realpath -m "${CARGO_TARGET_DIR:-target}")/debug/lull" node --test e2e/hostile.test.mjs)
}
flood() {
    LULL_BENCH=flood cargo bench --locked -p lull-engine --bench engine
}
case "$what" in
    crash) crash ;;
    faults) faults ;;
    storage) storage ;;
    attack) attack ;;
    load) load ;;
    fuzz) fuzz ;;
    hostile) hostile ;;
    flood) flood ;;
    all) crash; faults; storage; attack; hostile; load; flood; fuzz ;;
    *) echo "usage: scripts/reliability.sh crash|faults|storage|attack|hostile|load|flood|fuzz|all" >&2; exit 2 ;;
esac
