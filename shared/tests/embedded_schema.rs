//! The embedded store's versioned schema: a data directory written before versioning
//! opens and reads back, now with its version recorded; one written by a newer release
//! is refused, untouched.
use std::path::Path;
use tokiflow_shared::adapters::embedded::{EmbeddedStore, SCHEMA_VERSION};
use tokiflow_shared::domain::incident::IncidentStatus;
use tokiflow_shared::ports::store::{ConfigStore, IncidentStore, MonitorStore, OrgStore, RunStore, StoreError};
use tokiflow_shared::services::seed::{DEMO_ORG_NAME, DEMO_STATUS_SLUG, seed_demo};

/// `tokiflow-local --demo`'s data directory as the release before versioning left it
/// (checkpointed: no `-wal` file), made by that release's `EmbeddedStore` and `seed_demo`.
const PRE_VERSIONING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pre-versioning/tokiflow.db");

/// A copy of the fixture in a fresh directory: opening a store writes to it.
fn data_dir_from(fixture: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture, dir.path().join("tokiflow.db")).unwrap();
    dir
}

/// The schema version a database file records, read past the store.
fn recorded_version(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("tokiflow.db")).unwrap();
    conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

fn set_recorded_version(dir: &Path, version: i64) {
    let conn = rusqlite::Connection::open(dir.join("tokiflow.db")).unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {version}")).unwrap();
}

#[tokio::test]
async fn a_data_dir_from_before_versioning_opens_with_its_data_and_records_the_version() {
    let dir = data_dir_from(PRE_VERSIONING);
    assert_eq!(recorded_version(dir.path()), 0, "the fixture predates versioning");
    let store = EmbeddedStore::open(dir.path()).unwrap();

    let orgs = store.orgs().await.unwrap();
    let org = orgs.iter().find(|o| o.name.as_str() == DEMO_ORG_NAME).expect("the demo org");
    let monitors = store.monitors_of_org(&org.id).await.unwrap();
    let mut names: Vec<_> = monitors.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["API heartbeat", "Database backup", "Morning report"]);
    let mut runs = 0;
    let mut resolved = 0;
    for m in &monitors {
        let page = store.runs(&m.id, 50, None).await.unwrap();
        assert!(!page.items.is_empty(), "{} has its runs", m.name.as_str());
        assert!(page.items.iter().all(|r| r.monitor_id == m.id));
        runs += store.run_count(&m.id).await.unwrap();
        let incidents = store.incidents_of_monitor(&m.id).await.unwrap();
        resolved += incidents.iter().filter(|i| i.status == IncidentStatus::Resolved).count();
    }
    assert_eq!(runs, 16, "every run of the demo history");
    assert!(resolved >= 1, "the demo's resolved LATE incident");
    assert!(store.status_page_by_slug(DEMO_STATUS_SLUG).await.unwrap().is_some());

    // Writable too: seeding again finds the demo and re-issues its secrets.
    let again = seed_demo(&store, chrono::Utc::now()).await.unwrap();
    assert!(!again.created);
    store.close();
    drop(store);
    assert_eq!(recorded_version(dir.path()), SCHEMA_VERSION as i64);
}

#[tokio::test]
async fn reopening_a_current_data_dir_keeps_its_version() {
    let dir = tempfile::tempdir().unwrap();
    drop(EmbeddedStore::open(dir.path()).unwrap());
    assert_eq!(recorded_version(dir.path()), SCHEMA_VERSION as i64);
    drop(EmbeddedStore::open(dir.path()).unwrap());
    assert_eq!(recorded_version(dir.path()), SCHEMA_VERSION as i64);
}

#[tokio::test]
async fn a_data_dir_from_a_newer_release_is_refused_and_left_as_it_was() {
    let dir = data_dir_from(PRE_VERSIONING);
    let newer = SCHEMA_VERSION as i64 + 1;
    set_recorded_version(dir.path(), newer);
    let before = std::fs::read(dir.path().join("tokiflow.db")).unwrap();

    let refused = EmbeddedStore::open(dir.path());
    match refused {
        Err(StoreError::Backend(msg)) => {
            assert!(msg.contains("written by a newer Tokiflow"), "{msg}");
            assert!(msg.contains(&dir.path().display().to_string()), "names the data directory: {msg}");
        }
        Err(e) => panic!("expected a backend error, got {e:?}"),
        Ok(_) => panic!("a database of schema version {newer} was opened by a build that knows {SCHEMA_VERSION}"),
    }
    assert_eq!(recorded_version(dir.path()), newer);
    assert_eq!(std::fs::read(dir.path().join("tokiflow.db")).unwrap(), before, "not a byte changed");
}

/// A data directory of schema version 1 (the pre-versioning fixture once version 1 was
/// recorded: that migration changes nothing else) gains the probe history's tables and
/// keeps its data.
#[tokio::test]
async fn a_data_dir_of_version_1_gains_the_probe_history() {
    use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec};
    use tokiflow_shared::domain::probe::check::{CheckStatus, ProbeCheck};
    use tokiflow_shared::domain::probe::spec::{Host, ProbeSpec, ProbeTarget, TcpProbe};
    use tokiflow_shared::domain::probe::state::Surroundings;
    use tokiflow_shared::domain::schedule::Schedule;
    use tokiflow_shared::domain::secret::PingToken;
    use tokiflow_shared::domain::text::Name;
    use tokiflow_shared::ports::store::{CheckQuery, ProbeStore};

    let dir = data_dir_from(PRE_VERSIONING);
    set_recorded_version(dir.path(), 1);
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let org = store.orgs().await.unwrap().into_iter().find(|o| o.name.as_str() == DEMO_ORG_NAME).unwrap();
    assert_eq!(store.monitors_of_org(&org.id).await.unwrap().len(), 3, "the old data reads");

    let now = chrono::Utc::now();
    let spec = MonitorSpec {
        name: Name::new("db port").unwrap(),
        schedule: Schedule::interval(60).unwrap(),
        grace: chrono::Duration::zero(),
        severity: tokiflow_shared::domain::incident::Severity::High,
        tags: Default::default(),
        max_runtime: None,
        probe: Some(ProbeSpec {
            target: ProbeTarget::Tcp(TcpProbe { host: Host::new("127.0.0.1").unwrap(), port: 5432 }),
            interval_secs: 60,
            timeout_ms: 1000,
            failure_threshold: 2,
            recovery_threshold: 1,
            degraded_after_ms: None,
        }),
    };
    let m = Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), now).unwrap();
    store.create_monitor(&m).await.unwrap();
    let check = ProbeCheck {
        id: tokiflow_shared::domain::ids::CheckId::generate_at(now),
        org_id: org.id.clone(),
        monitor_id: m.id.clone(),
        checked_at: now,
        status: CheckStatus::Up,
        http_status: None,
        method: None,
        response_time_ms: Some(3.0),
        timings: Default::default(),
        error: None,
        location: "local".into(),
    };
    let outcome = m.apply_check(check.clone(), Surroundings::default());
    store.commit_probe(&outcome, m.version).await.unwrap();
    let query = CheckQuery { from: None, to: None, status: None, limit: 10, before: None };
    assert_eq!(store.checks(&m.id, &query).await.unwrap().items, vec![check]);
    store.close();
    drop(store);
    assert_eq!(recorded_version(dir.path()), SCHEMA_VERSION as i64);
}
