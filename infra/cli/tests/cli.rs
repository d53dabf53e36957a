//! The `tokiflow` binary against a real local server over TCP.
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::config::Config;
use tokiflow_shared::domain::ids::ApiKeyId;
use tokiflow_shared::domain::incident::{IncidentKind, IncidentStatus, Severity};
use tokiflow_shared::domain::monitor::{MAX_GRACE_SECS, Monitor, MonitorSpec};
use tokiflow_shared::domain::org::{ApiKey, Email, Org, Role, Scope, User};
use tokiflow_shared::domain::run::RunState;
use tokiflow_shared::domain::schedule::{MAX_PERIOD_SECS, Schedule};
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
    tokio::spawn(tokiflow_local::serve(local.app.clone(), listener, std::future::pending()));

    let now = Utc::now();
    let org = Org::new(Name::new("CLI org").unwrap(), now);
    store.create_org(&org).await.unwrap();
    let owner = User::new(org.id.clone(), Email::new("o@example.com").unwrap(), Role::Owner, now);
    store.create_user(&owner).await.unwrap();
    let key = ApiKeySecret::generate();
    let scopes: BTreeSet<Scope> =
        [Scope::MonitorsRead, Scope::MonitorsWrite, Scope::IncidentsRead, Scope::IncidentsWrite].into_iter().collect();
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
        probe: None,
    };
    let monitor = Monitor::new(org.id.clone(), spec, token.hash(), now).unwrap();
    store.create_monitor(&monitor).await.unwrap();
    Server { base, store, monitor, token, key, _dir: dir }
}

/// The binary without the caller's `TOKIFLOW_*` variables, so a developer's own settings
/// can neither make a test pass nor fail.
fn bare(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tokiflow"));
    c.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TOKIFLOW_") {
            c.env_remove(name);
        }
    }
    c
}

async fn tokiflow(server: &Server, args: &[&str]) -> std::process::Output {
    bare(args).env("TOKIFLOW_URL", &server.base).env("TOKIFLOW_API_KEY", server.key.reveal()).output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrapping_a_failing_command_opens_a_fail_incident_with_its_output() {
    let s = start().await;
    let script = "echo starting; echo 'disk full on /var' >&2; exit 3";
    let out = tokiflow(&s, &["run", "--token", s.token.reveal(), "--", "sh", "-c", script]).await;
    assert_eq!(out.status.code(), Some(3), "the job's exit code, unchanged: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "starting\n", "stdout streamed through");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "disk full on /var\n", "stderr streamed through");

    let runs = s.store.runs(&s.monitor.id, 10, None).await.unwrap().items;
    assert_eq!(runs.iter().map(|r| r.state).collect::<Vec<_>>(), [RunState::Fail, RunState::Start]);
    assert_eq!(runs[0].exit_code, Some(3));
    assert!(runs[0].duration_ms.is_some(), "start and finish paired by rid");
    assert!(runs[0].output.preview.contains("starting") && runs[0].output.preview.contains("disk full on /var"));
    let incidents = s.store.incidents_of_monitor(&s.monitor.id).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!((incidents[0].kind, incidents[0].status), (IncidentKind::Fail, IncidentStatus::Open));
    // The summary is the exit code and the output's first line; stdout and stderr are
    // read from two pipes, so which of the two lines came first is up to the scheduler.
    let summary = incidents[0].summary.as_deref().unwrap_or_default();
    assert!(["exit code 3: starting", "exit code 3: disk full on /var"].contains(&summary), "{summary}");

    // The same incident through the management commands.
    let listed = tokiflow(&s, &["incidents", "list", "--status", "open"]).await;
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains(incidents[0].id.as_str()) && text.contains("FAIL"), "{text}");
    let acked = tokiflow(&s, &["incidents", "ack", incidents[0].id.as_str()]).await;
    assert!(String::from_utf8_lossy(&acked.stdout).contains("ACKNOWLEDGED"), "{acked:?}");
    let resolved = tokiflow(&s, &["incidents", "resolve", incidents[0].id.as_str()]).await;
    assert!(String::from_utf8_lossy(&resolved.stdout).contains("RESOLVED"), "{resolved:?}");
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

    let out = tokiflow(&s, &["run", "--token", s.token.reveal(), "--", "/no/such/command"]).await;
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(s.store.runs(&s.monitor.id, 10, None).await.unwrap().items[0].exit_code, Some(127));

    // A ping that cannot be delivered never changes the job's exit code.
    let out = bare(&["run", "--token", "nope", "--", "sh", "-c", "exit 4"])
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
        &["monitors", "create", "--name", "reports", "--cron", "0 9 * * 1-5", "--tz", "Europe/Riga", "--grace", "600"],
    )
    .await;
    assert!(created.status.success(), "{created:?}");
    let text = String::from_utf8_lossy(&created.stdout).into_owned();
    let id = text.split_whitespace().nth(1).unwrap().to_owned();
    let token = text.lines().nth(1).unwrap().rsplit(' ').next().unwrap().to_owned();
    let paused = tokiflow(&s, &["monitors", "pause", &id]).await;
    assert!(String::from_utf8_lossy(&paused.stdout).contains("PAUSED"), "{paused:?}");
    let list = tokiflow(&s, &["monitors", "list"]).await;
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("reports") && listed.contains("PAUSED") && listed.contains("backup"), "{listed}");
    let resumed = tokiflow(&s, &["monitors", "resume", &id]).await;
    assert!(String::from_utf8_lossy(&resumed.stdout).contains("NEW"), "{resumed:?}");
    let pinged = tokiflow(&s, &["ping", "--token", &token, "fail", "--body", "it broke"]).await;
    assert!(pinged.status.success(), "{pinged:?}");
    let open = tokiflow(&s, &["incidents", "list", "--monitor", &id]).await;
    assert!(String::from_utf8_lossy(&open.stdout).contains("it broke"), "{open:?}");
    let bad = tokiflow(&s, &["monitors", "create", "--name", "x"]).await;
    assert_eq!(bad.status.code(), Some(2));
}

/// Environment variables to set for one invocation.
type Vars<'a> = &'a [(&'a str, &'a str)];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn every_command_has_help_with_its_subcommands_and_flags() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "run",
                "ping",
                "monitors",
                "incidents",
                "--version",
                "--server",
                "TOKIFLOW_URL",
                "--api-key",
                "TOKIFLOW_API_KEY",
            ],
        ),
        (&["run"], &["-- <COMMAND>...", "--token", "--url", "TOKIFLOW_PING_URL", "TOKIFLOW_PING_TOKEN"]),
        (&["ping"], &["[KIND]", "0-255", "--body", "--token", "--url", "TOKIFLOW_PING_URL", "TOKIFLOW_PING_TOKEN"]),
        (&["monitors"], &["list", "create", "pause", "resume"]),
        (&["monitors", "list"], &["--server"]),
        (&["monitors", "create"], &["--name", "--interval", "--cron", "--tz", "--grace"]),
        (&["monitors", "pause"], &["<MONITOR_ID>"]),
        (&["monitors", "resume"], &["<MONITOR_ID>"]),
        (&["incidents"], &["list", "ack", "resolve", "events"]),
        (&["incidents", "list"], &["--status", "open, acknowledged, resolved", "--monitor"]),
        (&["incidents", "ack"], &["<INCIDENT_ID>"]),
        (&["incidents", "resolve"], &["<INCIDENT_ID>"]),
        (&["incidents", "events"], &["<INCIDENT_ID>"]),
    ];
    let key = "tf_never_shown_in_help";
    for (path, wanted) in cases {
        let out = bare(&[*path, &["--help"][..]].concat()).env("TOKIFLOW_API_KEY", key).output().await.unwrap();
        let help = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{path:?}: {out:?}");
        // The first line is the command's own one-line description, then its usage.
        let first = help.lines().next().unwrap_or_default();
        assert!(!first.is_empty() && !first.starts_with("Usage"), "{path:?}: {help}");
        let usage = ["Usage: tokiflow", &path.join(" ")].join(" ");
        assert!(help.contains(usage.trim_end()), "{path:?}: {help}");
        for w in *wanted {
            assert!(help.contains(w), "{path:?} help lacks {w:?}: {help}");
        }
        assert!(!help.contains(key), "{path:?} help shows the API key: {help}");
    }
    // Each parent lists its subcommands with a description, not just their names.
    for (path, subcommands) in [
        (&[][..], &["run", "ping", "monitors", "incidents"][..]),
        (&["monitors"], &["list", "create", "pause", "resume"]),
        (&["incidents"], &["list", "ack", "resolve", "events"]),
    ] {
        let help = text(&bare(&[path, &["--help"][..]].concat()).output().await.unwrap().stdout);
        for sub in subcommands {
            let line = help
                .lines()
                .find(|l| l.split_whitespace().next() == Some(sub))
                .unwrap_or_else(|| panic!("{path:?} help does not list {sub}: {help}"));
            assert!(line.split_whitespace().count() > 2, "{path:?}: {line:?}");
        }
    }
    // A bare `tokiflow` prints the usage and succeeds, as it always has.
    let out = bare(&[]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stdout).contains("Usage: tokiflow"), "{out:?}");
}

#[tokio::test]
async fn version_is_the_crates() {
    for flag in ["--version", "-V"] {
        let out = bare(&[flag]).output().await.unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(text(&out.stdout), format!("tokiflow {}\n", env!("CARGO_PKG_VERSION")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_and_ping_find_their_monitor_in_the_environment() {
    let s = start().await;
    let url = format!("{}/ping/{}", s.base, s.token.reveal());
    // A port nothing listens on: with TOKIFLOW_PING_URL the base must come from that URL.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let out = bare(&["run", "--", "sh", "-c", "echo from the environment"])
        .env("TOKIFLOW_PING_URL", &url)
        .env("TOKIFLOW_URL", &closed)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let runs = s.store.runs(&s.monitor.id, 10, None).await.unwrap().items;
    assert_eq!(runs.iter().map(|r| r.state).collect::<Vec<_>>(), [RunState::Success, RunState::Start]);
    assert!(runs[0].duration_ms.is_some(), "start and finish paired by rid");
    assert!(runs[0].output.preview.contains("from the environment"));

    // The order of precedence: --token, --url, TOKIFLOW_PING_URL, TOKIFLOW_PING_TOKEN. Each
    // step sets a wrong token in every place that should lose, so a wrong choice is a 404.
    let wrong_url = format!("{}/ping/nope", s.base);
    let steps: [(&[&str], Vars); 4] = [
        (&[], &[("TOKIFLOW_PING_TOKEN", s.token.reveal())]),
        (&[], &[("TOKIFLOW_PING_URL", &url), ("TOKIFLOW_PING_TOKEN", "nope")]),
        (&["--url", &url], &[("TOKIFLOW_PING_URL", &wrong_url), ("TOKIFLOW_PING_TOKEN", "nope")]),
        (&["--token", s.token.reveal()], &[("TOKIFLOW_PING_URL", &wrong_url), ("TOKIFLOW_PING_TOKEN", "nope")]),
    ];
    for (i, (flags, env)) in steps.iter().enumerate() {
        let body = format!("step {i}");
        let out = bare(&[&["ping", "log", "--body", &body][..], flags].concat())
            .env("TOKIFLOW_URL", &s.base)
            .envs(env.iter().copied())
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "step {i}: {out:?}");
        let newest = &s.store.runs(&s.monitor.id, 1, None).await.unwrap().items[0];
        assert_eq!((newest.state, newest.output.preview.as_str()), (RunState::Log, body.as_str()));
    }
}

#[tokio::test]
async fn without_a_ping_target_nothing_runs_and_the_error_names_the_options() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let marker = marker.to_str().unwrap();
    for args in [&["run", "--", "touch", marker][..], &["ping", "fail"]] {
        let out = bare(args).output().await.unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = text(&out.stderr);
        for option in ["--token", "--url", "TOKIFLOW_PING_URL", "TOKIFLOW_PING_TOKEN"] {
            assert!(err.contains(option), "{args:?}: {err}");
        }
    }
    assert!(!std::path::Path::new(marker).exists(), "the job ran without a ping target");

    // A malformed target is refused by its name, never shown.
    let secret = "Zq8sEcReTtOkEn";
    let pings_url = format!("https://tokiflow.example/pings/{secret}");
    let bad_token = format!("{secret}/fail");
    let cases: [(&[&str], Vars, &str); 3] = [
        (&["ping"], &[("TOKIFLOW_PING_URL", &pings_url)], "TOKIFLOW_PING_URL"),
        (&["ping", "--url", &pings_url], &[], "--url"),
        (&["ping", "--token", &bad_token], &[], "--token"),
    ];
    for (args, env, named) in cases {
        let out = bare(args).envs(env.iter().copied()).output().await.unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = text(&out.stderr);
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(!err.contains(secret), "{args:?} shows the token: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_out_of_range_are_usage_errors_and_the_bounds_are_the_servers() {
    let s = start().await;
    let token = s.token.reveal();
    let over_interval = (MAX_PERIOD_SECS + 1).to_string();
    let over_grace = (MAX_GRACE_SECS + 1).to_string();
    let create = ["monitors", "create", "--name", "x"];
    let refused: [&[&str]; 8] = [
        &["ping", "--token", token, "256"],
        &["ping", "--token", token, "-1"],
        &["ping", "--token", token, "99999999999999999999"],
        &[&create[..], &["--interval", "0"]].concat(),
        &[&create[..], &["--interval", &over_interval]].concat(),
        &[&create[..], &["--interval", "ten"]].concat(),
        &[&create[..], &["--interval", "-5"]].concat(),
        &[&create[..], &["--cron", "0 2 * * *", "--grace", &over_grace]].concat(),
    ];
    for args in refused {
        let out = tokiflow(&s, args).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        // clap's own error, pointing at the help, rather than one from the server.
        assert!(err.starts_with("error: ") && err.contains("'--help'"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert!(s.store.runs(&s.monitor.id, 10, None).await.unwrap().items.is_empty());

    // The largest values the server takes are taken.
    let max_interval = MAX_PERIOD_SECS.to_string();
    let max_grace = MAX_GRACE_SECS.to_string();
    let out = tokiflow(&s, &[&create[..], &["--interval", &max_interval, "--grace", &max_grace]].concat()).await;
    assert!(out.status.success(), "{out:?}");
    let out = tokiflow(&s, &["ping", "--token", token, "255"]).await;
    assert!(out.status.success(), "{out:?}");
    let listed = text(&tokiflow(&s, &["monitors", "list"]).await.stdout);
    assert_eq!(listed.lines().count(), 2, "only the in-range monitor was created: {listed}");
}
