#!/bin/sh
# The build step: the ledger's text form (ledger/, reviewed in git) into
# the bundle the binary embeds (schema.bundle). Run it after the ledger
# changes, before `cargo build`; CI runs it and fails when the committed
# bundle is not the ledger's (see docs/embedding.md).
#
#   STRATA=path/to/strata sh make-bundle.sh
set -eu
cd "$(dirname "$0")"
strata=${STRATA:-strata}
work=target/ledger-data
rm -rf "$work"
"$strata" --ledger "$work" import ledger
"$strata" --ledger "$work" export --bundle schema.bundle
