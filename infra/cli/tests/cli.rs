//! The `tokiflow` binary against a real local server over TCP.
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::config::Config;
use tokiflow_shared::domain::ids::ApiKeyId;
use tokiflow_shared::domain::incident::{IncidentKind, IncidentStatus, Severity};
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec};
use tokiflow_shared::domain::org::{ApiKey, Email, Org, Role, Scope, User};
use tokiflow_shared::domain::run::RunState;
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::{ApiKeySecret, PingToken};
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{IncidentStore, MonitorStore, OrgStore, RunStore};
use tokio::net::TcpListener;
use tokio::process::Command;

struct Server {
    base: String,
    store: Arc<EmbeddedStore>,
    monitor: Monitor,
    token: PingToken,
    key: ApiKeySecret,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::from_lookup(|_| None).unwrap();
    config.data_dir = dir.path().to_owned();
    let local = tokiflow_local::Local::open(&config).unwrap();
    let store = local.store.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(tokiflow_local::serve(
        local.app.clone(),
        listener,
        std::future::pending(),
    ));

    let now = Utc::now();
    let org = Org::new(Name::new("CLI org").unwrap(), now);
    store.create_org(&org).await.unwrap();
    let owner = User::new(org.id.clone(), Email::new("o@example.com").unwrap(), Role::Owner, now);
    store.create_user(&owner).await.unwrap();
    let key = ApiKeySecret::generate();
    let scopes: BTreeSet<Scope> = [
        Scope::MonitorsRead,
        Scope::MonitorsWrite,
        Scope::IncidentsRead,
        Scope::IncidentsWrite,
    ]
    .into_iter()
    .collect();
    let api_key = ApiKey {
        id: ApiKeyId::generate(),
        org_id: org.id.clone(),
        name: Name::new("cli").unwrap(),
        created_by: owner.id,
        key_hash: key.hash(),
        scopes,
        created_at: now,
        revoked_at: None,
    };
    store.create_api_key(&api_key).await.unwrap();
    let token = PingToken::generate();
    let spec = MonitorSpec {
        name: Name::new("backup").unwrap(),
        schedule: Schedule::interval(3600).unwrap(),
        grace: Duration::minutes(5),
        severity: Severity::High,
        tags: BTreeSet::new(),
        max_runtime: None,
    };
    let monitor = Monitor::new(org.id.clone(), spec, token.hash(), now).unwrap();
    store.create_monitor(&monitor).await.unwrap();
    Server {
        base,
        store,
        monitor,
        token,
        key,
        _dir: dir,
    }
}

async fn tokiflow(server: &Server, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tokiflow"))
        .args(args)
        .env("TOKIFLOW_URL", &server.base)
        .env("TOKIFLOW_API_KEY", server.key.reveal())
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrapping_a_failing_command_opens_a_fail_incident_with_its_output() {
    let s = start().await;
    let script = "echo starting; echo 'disk full on /var' >&2; exit 3";
    let out = tokiflow(
        &s,
        &["run", "--token", s.token.reveal(), "--", "sh", "-c", script],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "the job's exit code, unchanged: {out:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "starting\n",
        "stdout streamed through"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "disk full on /var\n",
        "stderr streamed through"
    );

    let runs = s.store.runs(&s.monitor.id, 10, None).await.unwrap().items;
    assert_eq!(
        runs.iter().map(|r| r.state).collect::<Vec<_>>(),
        [RunState::Fail, RunState::Start]
    );
    assert_eq!(runs[0].exit_code, Some(3));
    assert!(
        runs[0].duration_ms.is_some(),
        "start and finish paired by rid"
    );
    assert!(
        runs[0].output.preview.contains("starting")
            && runs[0].output.preview.contains("disk full on /var")
    );
    let incidents = s.store.incidents_of_monitor(&s.monitor.id).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(
        (incidents[0].kind, incidents[0].status),
        (IncidentKind::Fail, IncidentStatus::Open)
    );
    // The summary is the exit code and the output's first line; stdout and stderr are
    // read from two pipes, so which of the two lines came first is up to the scheduler.
    let summary = incidents[0].summary.as_deref().unwrap_or_default();
    assert!(
        ["exit code 3: starting", "exit code 3: disk full on /var"].contains(&summary),
        "{summary}"
    );

    // The same incident through the management commands.
    let listed = tokiflow(&s, &["incidents", "list", "--status", "open"]).await;
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains(incidents[0].id.as_str()) && text.contains("FAIL"),
        "{text}"
    );
    let acked = tokiflow(&s, &["incidents", "ack", incidents[0].id.as_str()]).await;
    assert!(
        String::from_utf8_lossy(&acked.stdout).contains("ACKNOWLEDGED"),
        "{acked:?}"
    );
    let resolved = tokiflow(&s, &["incidents", "resolve", incidents[0].id.as_str()]).await;
    assert!(
        String::from_utf8_lossy(&resolved.stdout).contains("RESOLVED"),
        "{resolved:?}"
    );
    let events = tokiflow(&s, &["incidents", "events", incidents[0].id.as_str()]).await;
    assert!(events.status.success(), "{events:?}");
    let changes: Vec<String> = String::from_utf8_lossy(&events.stdout)
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(changes, ["OPENED", "ACKNOWLEDGED", "RESOLVED"], "{events:?}");
    let unknown = tokiflow(&s, &["incidents", "events", "inc_0190abcdef0123456789abcdef012345"]).await;
    assert!(!unknown.status.success(), "an unknown incident is an error: {unknown:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_succeeding_job_pings_success_and_a_missing_command_exits_127() {
    let s = start().await;
    let out = tokiflow(&s, &["run", "--token", s.token.reveal(), "--", "true"]).await;
    assert_eq!(out.status.code(), Some(0));
    let m = s.store.monitor(&s.monitor.id).await.unwrap().unwrap();
    assert_eq!(format!("{:?}", m.status), "Up");

    let out = tokiflow(
        &s,
        &["run", "--token", s.token.reveal(), "--", "/no/such/command"],
    )
    .await;
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(
        s.store.runs(&s.monitor.id, 10, None).await.unwrap().items[0].exit_code,
        Some(127)
    );

    // A ping that cannot be delivered never changes the job's exit code.
    let out = Command::new(env!("CARGO_BIN_EXE_tokiflow"))
        .args(["run", "--token", "nope", "--", "sh", "-c", "exit 4"])
        .env("TOKIFLOW_URL", &s.base)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitors_commands_and_ping() {
    let s = start().await;
    let created = tokiflow(
        &s,
        &[
            "monitors",
            "create",
            "--name",
            "reports",
            "--cron",
            "0 9 * * 1-5",
            "--tz",
            "Europe/Riga",
            "--grace",
            "600",
        ],
    )
    .await;
    assert!(created.status.success(), "{created:?}");
    let text = String::from_utf8_lossy(&created.stdout).into_owned();
    let id = text.split_whitespace().nth(1).unwrap().to_owned();
    let token = text
        .lines()
        .nth(1)
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let paused = tokiflow(&s, &["monitors", "pause", &id]).await;
    assert!(
        String::from_utf8_lossy(&paused.stdout).contains("PAUSED"),
        "{paused:?}"
    );
    let list = tokiflow(&s, &["monitors", "list"]).await;
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("reports") && listed.contains("PAUSED") && listed.contains("backup"),
        "{listed}"
    );
    let resumed = tokiflow(&s, &["monitors", "resume", &id]).await;
    assert!(
        String::from_utf8_lossy(&resumed.stdout).contains("NEW"),
        "{resumed:?}"
    );
    let pinged = tokiflow(
        &s,
        &["ping", "--token", &token, "fail", "--body", "it broke"],
    )
    .await;
    assert!(pinged.status.success(), "{pinged:?}");
    let open = tokiflow(&s, &["incidents", "list", "--monitor", &id]).await;
    assert!(
        String::from_utf8_lossy(&open.stdout).contains("it broke"),
        "{open:?}"
    );
    let bad = tokiflow(&s, &["monitors", "create", "--name", "x"]).await;
    assert_eq!(bad.status.code(), Some(2));
}
