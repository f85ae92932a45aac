#!/usr/bin/env bash
# The quickstart, end to end: record the seed scenario into a fresh ledger,
# read its history back, and check the chain. Runs in a scratch folder, so
# it never touches ./ledger-data. Uses $STRATA when set (the tests set it to
# the binary they built), else builds strata with cargo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${STRATA:-}" ]]; then
  cargo build --quiet --release -p strata-cli --manifest-path "$here/../../Cargo.toml"
  STRATA="$here/../../target/release/strata"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export STRATA_LEDGER="$work/ledger" STRATA_AUTHOR="${STRATA_AUTHOR:-quickstart}"
step() { printf '\n$ strata %s\n' "$*"; "$STRATA" "$@"; }

step init
step record -m "create users" "$here/001_create_users.sql"
step record -m "add created_at" "$here/002_add_created_at.sql"
step tag v1
step log
step schema --at 1
step schema --at v1
step show head~1
step verify --deep
