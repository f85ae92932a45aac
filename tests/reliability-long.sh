#!/usr/bin/env bash
# The long form of the reliability harnesses (docs/reliability.md): the
# crash harness at full size, then every fuzz target for MINUTES minutes
# each (default 10). Needs a nightly toolchain and cargo-fuzz for the fuzz
# part (`rustup toolchain install nightly; cargo install cargo-fuzz`).
#
#   bash tests/reliability-long.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
if ! [[ $minutes =~ ^[1-9][0-9]*$ ]]; then
  echo "MINUTES must be a whole number of minutes, 1 or more" >&2
  exit 2
fi

echo "==> crash harness, long form"
STRATA_CRASH_LONG=1 cargo test --release --locked -p strata-cli --test e2e crash:: -- --nocapture 2>&1 | grep -E '^crash:|test result'

for target in ddl point event projector; do
  echo "==> fuzz $target for $minutes minutes"
  cargo +nightly fuzz run --fuzz-dir crates/fuzz -O "$target" -- \
    -max_total_time=$((minutes * 60)) -max_len=4096 -rss_limit_mb=2048 -timeout=20 \
    -print_final_stats=1 2>&1 | grep -E '^stat::number_of_executed_units|^Done|ERROR|panicked' || true
done

echo "==> replay of the kept corpus"
cargo test --locked -p strata-cli --test e2e fuzz_replay:: -- --nocapture 2>&1 | grep -E 'inputs replayed|test result'
