#!/usr/bin/env bash
# Lull's reliability suites, one command each, in their long setting (CI runs the short one as
# part of scripts/test.sh). RELIABILITY.md says what each promises and the last long run's
# figures.
#
#   scripts/reliability.sh crash    # 1,000 SIGKILLs of `lull serve` under senders (≈3 min)
#   scripts/reliability.sh faults   # 100 cut IMAP connections, failing feed polls, bus restarts
#   scripts/reliability.sh storage  # damaged, locked, newer database; a full disk (tmpfs)
#   scripts/reliability.sh attack   # the listener: tokens, origins, rebinding, bodies, floods
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
flood() {
    LULL_BENCH=flood cargo bench --locked -p lull-engine --bench engine
}
case "$what" in
    crash) crash ;;
    faults) faults ;;
    storage) storage ;;
    attack) attack ;;
    flood) flood ;;
    all) crash; faults; storage; attack; flood ;;
    *) echo "usage: scripts/reliability.sh crash|faults|storage|attack|flood|all" >&2; exit 2 ;;
esac
