#!/usr/bin/env bash
# The one test command: installs the tools (infra/scripts/install-tools.sh), validates the
# SAM template (sam validate --lint, which runs cfn-lint), and runs every test of the
# workspace under infra/scripts/with-emulators.sh, which starts DynamoDB Local and moto
# server on loopback, exports their endpoints for the conformance suites, and stops both.
# Extra arguments go to `cargo nextest run`.
set -euo pipefail
cd "$(dirname "$0")/../.."

./infra/scripts/install-tools.sh
source ./infra/scripts/env.sh

if [ -f template.yaml ]; then
  sam validate --lint --template template.yaml
fi

./infra/scripts/with-emulators.sh cargo nextest run --workspace --no-fail-fast "$@"
