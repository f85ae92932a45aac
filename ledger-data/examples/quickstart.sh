#!/usr/bin/env bash
# The quickstart, end to end: record the seed scenario into a fresh ledger,
# read its history back, check the chain, and build a SQLite database from
# it step by step. Runs in a scratch folder, so
# it never touches ./ledger-data. Uses $STRATA when set (the tests set it to
# the binary they built), else builds strata with cargo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [[ -z "${STRATA:-}" ]]; then
  cargo build --quiet --release -p strata-cli --manifest-path "$here/../../Cargo.toml"
  STRATA="$here/../../target/release/strata"
fi
if [[ "$STRATA" == */* ]]; then # the script moves to a scratch folder
  STRATA="$(cd "$(dirname "$STRATA")" && pwd)/$(basename "$STRATA")"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export STRATA_LEDGER=ledger STRATA_AUTHOR="${STRATA_AUTHOR:-quickstart}"
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
step apply --db app.db --to 1
step status --db app.db
step apply --db app.db
step checkout --to v1 --db v1.db
step verify --db app.db
