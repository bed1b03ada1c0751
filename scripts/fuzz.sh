#!/usr/bin/env bash
# Lull's fuzz targets (fuzz/fuzz_targets), run with cargo-fuzz and libFuzzer.
#
#   scripts/fuzz.sh                 # every target for 10 s (CI's setting), with AddressSanitizer
#   scripts/fuzz.sh 600 mail feed   # chosen targets, 10 minutes each
#   LULL_FUZZ_RUNS=10000000 scripts/fuzz.sh 0   # the long run: 10⁷ executions per target
#
# Each target starts from its checked-in corpus (fuzz/corpus/<target>, read only) and writes
# what it finds to a scratch corpus; a crash leaves its input in fuzz/artifacts/<target>/ and
# fails the script. `cargo fuzz run <target> fuzz/artifacts/<target>/<file>` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
export PATH="$HOME/.cargo/bin:$PATH"
# libFuzzer's coverage instrumentation is enabled with `-Z` flags; RUSTC_BOOTSTRAP lets the
# project's own stable compiler take them, so no nightly toolchain is needed.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")/fuzz"
seconds="${1:-10}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(webhook mail html feed syntax api)
sanitizer="${LULL_FUZZ_SANITIZER:-address}"
cd fuzz
cargo fuzz build -O -s "$sanitizer"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  limit=(-max_total_time="$seconds")
  [ "$seconds" = 0 ] && limit=(-runs="${LULL_FUZZ_RUNS:-10000000}")
  echo "fuzz: $t"
  log="$scratch/$t.log"
  status=0
  cargo fuzz run -O -s "$sanitizer" "$t" "$scratch/$t" "corpus/$t" -- \
    "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  if [ "$status" != 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz: $t found a failure (exit $status); its input is in fuzz/artifacts/$t" >&2
    exit 1
  fi
done
