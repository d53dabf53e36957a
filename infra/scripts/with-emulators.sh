#!/usr/bin/env bash
# Runs a command with AWS stand-ins on loopback: DynamoDB Local (AWS's own jar) and moto
# server (S3, SNS, SES, EventBridge Scheduler), each on a free port. Exports
#   TOKIFLOW_TEST_DYNAMODB_ENDPOINT, TOKIFLOW_TEST_MOTO_ENDPOINT
# and stops both when the command ends, however it ends.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/infra/scripts/env.sh"
[ -x "${TOKIFLOW_DYNAMODB_LOCAL:-}" ] && [ -x "${TOKIFLOW_MOTO_SERVER:-}" ] \
  || { echo "with-emulators: tools missing; run infra/scripts/install-tools.sh" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # port name pid
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "with-emulators: $2 exited; see $logs" >&2; return 1; }
    sleep 0.1
  done
  echo "with-emulators: $2 did not open port $1 within 30 s" >&2; return 1
}

logs="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ddb_port="$(free_port)"
# The launcher binds DynamoDB Local to 127.0.0.1 only (the plain jar binds every interface).
"$TOKIFLOW_DYNAMODB_LOCAL" -inMemory -disableTelemetry -port "$ddb_port" >"$logs/dynamodb.log" 2>&1 &
pids+=($!)
moto_port="$(free_port)"
"$TOKIFLOW_MOTO_SERVER" -H 127.0.0.1 -p "$moto_port" >"$logs/moto.log" 2>&1 &
pids+=($!)

wait_port "$ddb_port" "DynamoDB Local" "${pids[0]}"
wait_port "$moto_port" "moto server" "${pids[1]}"
export TOKIFLOW_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port"
export TOKIFLOW_TEST_MOTO_ENDPOINT="http://127.0.0.1:$moto_port"
echo "with-emulators: DynamoDB Local at $TOKIFLOW_TEST_DYNAMODB_ENDPOINT, moto at $TOKIFLOW_TEST_MOTO_ENDPOINT (logs in $logs)" >&2
"$@"
