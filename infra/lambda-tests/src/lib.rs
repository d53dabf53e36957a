//! A harness for the Lambda functions under `cargo lambda watch`: an emulated Lambda
//! control plane on loopback, with the functions pointed at DynamoDB Local and moto
//! (`infra/scripts/with-emulators.sh` starts those and exports their endpoints).
use chrono::{DateTime, Utc};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokiflow_shared::adapters::dynamodb::{DynamoStore, DynamoTables};
use tokiflow_shared::adapters::eventbridge::{EventBridgeScheduler, ScheduleTarget};
use tokiflow_shared::adapters::s3::{S3BlobStore, S3StaticSite};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{MonitorStore, OrgStore};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through infra/scripts/test.sh (it starts DynamoDB Local and moto)")
    })
}

/// The org of the sample incident stream event (`events/incident-stream.json`).
pub const EVENTS_ORG: &str = "org_0195f3c0a0a07c9e8d7f6a5b4c3d2e10";

/// The ping token of the sample events in `events/`, and the monitor the missed-check
/// sample names.
pub const EVENTS_TOKEN: &str = "sample-token-for-events";
pub const EVENTS_MONITOR: &str = "mon_0195f3c0a0b07c9e8d7f6a5b4c3d2e1f";

/// Fresh tables, bucket and schedule group in the emulators, and the environment that
/// points a function at them.
pub struct Backends {
    pub store: DynamoStore,
    /// The status bucket the notifier publishes to.
    pub status_site: S3StaticSite,
    pub env: Vec<(String, String)>,
}

impl Backends {
    pub async fn create(prefix: &str) -> Self {
        let (ddb, moto) = (endpoint("TOKIFLOW_TEST_DYNAMODB_ENDPOINT"), endpoint("TOKIFLOW_TEST_MOTO_ENDPOINT"));
        let config = |url: String| {
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "tests"))
                .endpoint_url(url)
                .http_client(tokiflow_shared::adapters::aws_sdk::https_client())
                .load()
        };
        let tables = DynamoTables::with_prefix(prefix);
        let store = DynamoStore::new(&config(ddb.clone()).await, tables.clone());
        store.create_tables().await.expect("tables");
        let bucket = format!("{prefix}outputs");
        let moto_config = config(moto.clone()).await;
        S3BlobStore::new(&moto_config, &bucket, "outputs/", true).create_bucket().await.expect("bucket");
        let status_bucket = format!("{prefix}status");
        let status_site = S3StaticSite::new(&moto_config, &status_bucket, true);
        status_site.create_bucket().await.expect("status bucket");
        let target = ScheduleTarget {
            group: format!("{prefix}missed-checks"),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:missed-check".into(),
            role_arn: "arn:aws:iam::123456789012:role/scheduler-invoke".into(),
            dead_letter_arn: None,
        };
        EventBridgeScheduler::new(&moto_config, target.clone()).create_group().await.expect("schedule group");
        let env = [
            ("TOKIFLOW_TABLE_MONITORS", tables.monitors),
            ("TOKIFLOW_TABLE_RUNS", tables.runs),
            ("TOKIFLOW_TABLE_INCIDENTS", tables.incidents),
            ("TOKIFLOW_TABLE_CONFIG", tables.config),
            ("TOKIFLOW_TABLE_PROBES", tables.probes),
            ("TOKIFLOW_BUCKET", bucket),
            ("TOKIFLOW_STATUS_BUCKET", status_bucket),
            ("TOKIFLOW_STATUS_URL", "https://status.tokiflow.example".into()),
            ("TOKIFLOW_S3_PATH_STYLE", "true".into()),
            ("TOKIFLOW_SCHEDULE_GROUP", target.group),
            ("TOKIFLOW_MISSED_CHECK_ARN", target.function_arn),
            ("TOKIFLOW_SCHEDULER_ROLE_ARN", target.role_arn),
            ("AWS_ENDPOINT_URL_DYNAMODB", ddb),
            ("AWS_ENDPOINT_URL_S3", moto.clone()),
            ("AWS_ENDPOINT_URL_SCHEDULER", moto),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("TOKIFLOW_EMAIL_FROM", "alerts@example.com".into()),
            ("TOKIFLOW_APP_URL", "https://app.tokiflow.example".into()),
            // The tests' webhook receiver is on loopback, which the cloud build refuses.
            ("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "true".into()),
            ("RUST_LOG", "info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Self { store, status_site, env }
    }
}

impl Backends {
    /// A new org with one monitor (every minute, 30 s grace) pinged with `token`, created
    /// at `created`; with the given id, if any.
    pub async fn monitor(&self, id: Option<&str>, token: &PingToken, created: DateTime<Utc>) -> Monitor {
        let org = Org::new(Name::new("Lambda tests").unwrap(), Utc::now());
        self.store.create_org(&org).await.unwrap();
        let spec = MonitorSpec {
            name: Name::new("nightly").unwrap(),
            schedule: Schedule::interval(60).unwrap(),
            grace: chrono::Duration::seconds(30),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: None,
            probe: None,
        };
        let mut m = Monitor::new(org.id, spec, token.hash(), created).unwrap();
        if let Some(id) = id {
            m.id = MonitorId::parse(id).unwrap();
        }
        self.store.create_monitor(&m).await.unwrap();
        m
    }
}

/// The Lambda functions of the workspace, by binary name.
pub const FUNCTIONS: [&str; 7] =
    ["ping-ingest", "missed-check", "retention-sweep", "incident-notifier", "status-page", "api", "bootstrap"];

/// How long an invoke may wait for its answer: generous, because should the watch still
/// find something to compile on a slow machine, the first invoke waits for that compile.
const INVOKE_TIMEOUT_SECS: &str = "600";

/// `cargo lambda watch` in its own process group, stopped on drop.
pub struct Watch {
    child: Child,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// How the functions are built and where their logs go.
pub struct WatchOptions {
    pub release: bool,
    /// The functions' (and the watch's) stderr: inherited when `None`.
    pub log: Option<PathBuf>,
}

impl Watch {
    /// Debug builds, logs on the test's stderr.
    pub fn start(env: &[(String, String)]) -> Self {
        Self::start_with(env, WatchOptions { release: false, log: None })
    }

    pub fn start_with(env: &[(String, String)], options: WatchOptions) -> Self {
        use std::os::unix::process::CommandExt;
        let profile: &[&str] = if options.release { &["--release"] } else { &[] };
        // Build first, without a time limit, exactly as the watch's own `cargo run --bin
        // NAME` will (no `-p`: the same package selection, so the same feature set): it
        // then finds the binaries fresh, and the first invoke does not wait for a compile.
        let built = Command::new("cargo")
            .current_dir(workspace_root())
            .args(["build", "--quiet"])
            .args(profile)
            .args(FUNCTIONS.iter().flat_map(|f| ["--bin", f]))
            .status()
            .expect("cargo build");
        assert!(built.success(), "building the functions failed");
        let port = free_port();
        let mut cmd = Command::new("cargo");
        cmd.current_dir(workspace_root())
            .args([
                "lambda",
                "watch",
                "--ignore-changes",
                "--quiet",
                "--timeout",
                INVOKE_TIMEOUT_SECS,
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
            ])
            .args(profile)
            .process_group(0);
        // The functions log (JSON lines) on stdout: into the log file when there is one.
        match &options.log {
            Some(path) => {
                let file = std::fs::File::create(path).expect("watch log file");
                cmd.stdout(file.try_clone().expect("watch log file")).stderr(file);
            }
            None => {
                cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
            }
        }
        for (k, v) in env {
            cmd.arg("--env-var").arg(format!("{k}={v}"));
        }
        let child = cmd.spawn().expect("cargo lambda watch (run infra/scripts/install-tools.sh)");
        let watch = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "cargo lambda watch did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        watch
    }

    /// Invokes `function` with an event file from `events/`; returns its JSON answer.
    pub fn invoke(&self, function: &str, event: &str) -> serde_json::Value {
        self.try_invoke(function, event).unwrap_or_else(|e| panic!("invoke {function} {event}: {e}"))
    }

    /// Invokes `function` with an event file from `events/`: its JSON answer, or what
    /// `cargo lambda invoke` said when the function failed.
    pub fn try_invoke(&self, function: &str, event: &str) -> Result<serde_json::Value, String> {
        eprintln!("invoking {function} with events/{event}");
        let out = Command::new("cargo")
            .current_dir(workspace_root())
            .args([
                "lambda",
                "invoke",
                function,
                "-A",
                "127.0.0.1",
                "-P",
                &self.port.to_string(),
                "-o",
                "json",
                "--data-file",
            ])
            .arg(workspace_root().join("events").join(event))
            .output()
            .expect("cargo lambda invoke");
        if !out.status.success() {
            return Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)));
        }
        Ok(serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{event}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The whole group: cargo lambda, and the cargo and function processes it started.
        let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}

/// A webhook receiver on loopback: answers 200 to every request and keeps the bodies.
pub struct Receiver {
    pub url: String,
    pub bodies: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = bodies.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let mut reader = BufReader::new(stream);
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).await.is_ok() {
                        kept.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null));
                    }
                    let _ = reader
                        .get_mut()
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                });
            }
        });
        Self { url, bodies }
    }

    pub fn received(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
}
