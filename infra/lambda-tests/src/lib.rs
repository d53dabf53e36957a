//! A harness for the Lambda functions under `cargo lambda watch`: an emulated Lambda
//! control plane on loopback, with the functions pointed at DynamoDB Local and moto
//! (`infra/scripts/with-emulators.sh` starts those and exports their endpoints).
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokiflow_shared::adapters::dynamodb::{DynamoStore, DynamoTables};
use tokiflow_shared::adapters::eventbridge::{EventBridgeScheduler, ScheduleTarget};
use tokiflow_shared::adapters::s3::S3BlobStore;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through infra/scripts/test.sh (it starts DynamoDB Local and moto)")
    })
}

/// Fresh tables, bucket and schedule group in the emulators, and the environment that
/// points a function at them.
pub struct Backends {
    pub store: DynamoStore,
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
                .load()
        };
        let tables = DynamoTables::with_prefix(prefix);
        let store = DynamoStore::new(&config(ddb.clone()).await, tables.clone());
        store.create_tables().await.expect("tables");
        let bucket = format!("{prefix}outputs");
        let moto_config = config(moto.clone()).await;
        S3BlobStore::new(&moto_config, &bucket, "outputs/", true).create_bucket().await.expect("bucket");
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
            ("TOKIFLOW_BUCKET", bucket),
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
            ("RUST_LOG", "info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Self { store, env }
    }
}

/// `cargo lambda watch` in its own process group, stopped on drop.
pub struct Watch {
    child: Child,
    pub port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Watch {
    pub fn start(env: &[(String, String)]) -> Self {
        use std::os::unix::process::CommandExt;
        // Build first, without a time limit: the watch's own `cargo run` then finds the
        // binaries fresh, and the first invoke does not wait for a compile.
        let built = Command::new("cargo")
            .current_dir(workspace_root())
            .args(["build", "--quiet", "-p", "ping-ingest", "-p", "missed-check", "-p", "retention-sweep", "-p", "api"])
            .status()
            .expect("cargo build");
        assert!(built.success(), "building the functions failed");
        let port = free_port();
        let mut cmd = Command::new("cargo");
        cmd.current_dir(workspace_root())
            .args(["lambda", "watch", "--ignore-changes", "--quiet", "--timeout", "60", "-A", "127.0.0.1", "-P", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
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
        eprintln!("invoking {function} with events/{event}");
        let out = Command::new("cargo")
            .current_dir(workspace_root())
            .args(["lambda", "invoke", function, "-A", "127.0.0.1", "-P", &self.port.to_string(), "-o", "json", "--data-file"])
            .arg(workspace_root().join("events").join(event))
            .output()
            .expect("cargo lambda invoke");
        assert!(out.status.success(), "invoke {function} {event}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{event}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // The whole group: cargo lambda, and the cargo and function processes it started.
        let _ = Command::new("kill").args(["-s", "KILL", "--", &format!("-{}", self.child.id())]).status();
        let _ = self.child.wait();
    }
}
