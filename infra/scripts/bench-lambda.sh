#!/usr/bin/env bash
# Benchmark: the ping-ingest Lambda's release binary size and cold start under
# `cargo lambda watch`, against DynamoDB Local and moto (started and stopped here).
set -euo pipefail
cd "$(dirname "$0")/../.."
./infra/scripts/install-tools.sh
source ./infra/scripts/env.sh
./infra/scripts/with-emulators.sh cargo run --quiet -p tokiflow-lambda-tests --bin lambda_bench
