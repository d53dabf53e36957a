#!/usr/bin/env bash
# The one test command: installs the tools (infra/scripts/install-tools.sh), checks the
# formatting (`cargo fmt --check`) and the lints (`cargo clippy --all-targets -D warnings`), validates the
# SAM template (sam validate --lint, which runs cfn-lint), and runs every test of the
# workspace under infra/scripts/with-emulators.sh, which starts DynamoDB Local and moto
# server on loopback, exports their endpoints for the conformance suites, and stops both.
# Extra arguments go to `cargo nextest run`.
set -euo pipefail
cd "$(dirname "$0")/../.."

./infra/scripts/install-tools.sh
source ./infra/scripts/env.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

if [ -f template.yaml ]; then
  sam validate --lint --template template.yaml
fi

./infra/scripts/with-emulators.sh cargo nextest run --workspace --no-fail-fast "$@"
