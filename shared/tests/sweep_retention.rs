//! The retention sweep over the embedded store and file blobs: what ages out goes,
//! with its stored output; what is recent or in a longer-retention org stays.
use bytes::Bytes;
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::adapters::fs::FsBlobStore;
use tokiflow_shared::domain::ids::RunId;
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::ping::PingSignal;
use tokiflow_shared::domain::run::{RunOutput, RunState};
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::blob::{BlobKey, BlobStore};
use tokiflow_shared::ports::store::{MonitorStore, OrgStore, PingStore, RunStore};
use tokiflow_shared::services::sweep_retention::sweep_retention;

async fn org_with_runs(
    store: &EmbeddedStore,
    blobs: &FsBlobStore,
    retention_days: u16,
    ages_days: &[i64],
) -> (Monitor, Vec<BlobKey>) {
    let mut org = Org::new(Name::new("o").unwrap(), Utc::now());
    org.set_retention_days(retention_days).unwrap();
    store.create_org(&org).await.unwrap();
    let spec = MonitorSpec {
        name: Name::new("m").unwrap(),
        schedule: Schedule::interval(60).unwrap(),
        grace: Duration::zero(),
        severity: Severity::Low,
        tags: BTreeSet::new(),
        max_runtime: None,
        probe: None,
    };
    let mut m =
        Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), Utc::now() - Duration::days(400)).unwrap();
    store.create_monitor(&m).await.unwrap();
    let mut keys = Vec::new();
    for age in ages_days {
        let at = Utc::now() - Duration::days(*age);
        let run_id = RunId::generate_at(at);
        let key = BlobKey::for_run(&org.id, &m.id, &run_id);
        blobs.put(&key, Bytes::from_static(b"big output")).await.unwrap();
        keys.push(key.clone());
        let out = m.apply_ping(ReceivedPing {
            run_id,
            signal: PingSignal { state: RunState::Success, exit_code: None, severity: None, rid: None },
            received_at: at,
            output: RunOutput {
                preview: "big".into(),
                size: 10_000,
                blob_key: Some(key.as_str().into()),
                truncated: false,
            },
            source_ip: None,
            user_agent: None,
            via: Default::default(),
        });
        store.commit_ping(&out, m.version).await.unwrap();
        m = out.monitor;
    }
    (m, keys)
}

#[tokio::test]
async fn sweeps_each_org_by_its_own_retention() {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let blobs = FsBlobStore::new(dir.path().join("blobs"), "http://127.0.0.1:8080".parse().unwrap());
    let (short, short_keys) = org_with_runs(&store, &blobs, 30, &[45, 31, 2]).await;
    let (long, long_keys) = org_with_runs(&store, &blobs, 90, &[45, 31, 2]).await;

    let report = sweep_retention(&store, &blobs, Utc::now()).await.unwrap();
    assert_eq!((report.orgs, report.monitors, report.runs_deleted, report.blobs_deleted), (2, 2, 2, 2));
    assert_eq!(store.run_count(&short.id).await.unwrap(), 1);
    assert_eq!(store.run_count(&long.id).await.unwrap(), 3, "90-day org keeps all");
    assert_eq!(blobs.get(&short_keys[0]).await.unwrap(), None, "aged-out output deleted");
    assert!(blobs.get(&short_keys[2]).await.unwrap().is_some(), "recent output kept");
    assert!(blobs.get(&long_keys[0]).await.unwrap().is_some());

    let again = sweep_retention(&store, &blobs, Utc::now()).await.unwrap();
    assert_eq!(again.runs_deleted, 0, "idempotent");
}

#[tokio::test]
async fn probe_checks_age_out_with_the_org_and_rollups_after_400_days() {
    use tokiflow_shared::domain::probe::check::ProbeCheck;
    use tokiflow_shared::domain::probe::observation::{Observation, ProbeFailure};
    use tokiflow_shared::domain::probe::spec::{Host, ProbeSpec, ProbeTarget, TcpProbe};
    use tokiflow_shared::domain::probe::state::Surroundings;
    use tokiflow_shared::ports::store::{CheckQuery, ProbeStore};
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let blobs = FsBlobStore::new(dir.path().join("blobs"), "http://127.0.0.1:8080".parse().unwrap());
    let mut org = Org::new(Name::new("o").unwrap(), Utc::now());
    org.set_retention_days(30).unwrap();
    store.create_org(&org).await.unwrap();
    let probe = ProbeSpec {
        target: ProbeTarget::Tcp(TcpProbe { host: Host::new("127.0.0.1").unwrap(), port: 9 }),
        interval_secs: 60,
        timeout_ms: 1000,
        failure_threshold: 1,
        recovery_threshold: 1,
        degraded_after_ms: None,
    };
    let spec = MonitorSpec {
        name: Name::new("db").unwrap(),
        schedule: Schedule::interval(60).unwrap(),
        grace: Duration::zero(),
        severity: Severity::Low,
        tags: BTreeSet::new(),
        max_runtime: None,
        probe: Some(probe.clone()),
    };
    let now = Utc::now();
    let mut m = Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), now - Duration::days(500)).unwrap();
    store.create_monitor(&m).await.unwrap();
    // Checks 450, 45 and 2 days old: the first a failure, which opens a window and
    // closes it a day later.
    for (age, failed) in [(450, true), (449, false), (45, false), (2, false)] {
        let obs = match failed {
            true => Observation { failure: Some(ProbeFailure::Refused), ..Default::default() },
            false => Observation { total_ms: 3.0, ..Default::default() },
        };
        let check =
            ProbeCheck::judged(&probe, &obs, org.id.clone(), m.id.clone(), now - Duration::days(age), "local".into());
        let out = m.apply_check(check, Surroundings::default());
        store.commit_probe(&out, m.version).await.unwrap();
        m = out.monitor;
    }
    let all = CheckQuery { from: None, to: None, status: None, limit: 10, before: None };
    assert_eq!(store.check_count(&m.id, &all).await.unwrap(), 4);
    let report = sweep_retention(&store, &blobs, now).await.unwrap();
    assert_eq!(store.check_count(&m.id, &all).await.unwrap(), 1, "only the check within 30 days stays");
    let days =
        |from: i64, to: i64| ((now - Duration::days(from)).date_naive(), (now - Duration::days(to)).date_naive());
    let (old_from, old_to) = days(460, 440);
    assert!(store.rollups(&m.id, old_from, old_to).await.unwrap().is_empty(), "rollups past 400 days go");
    assert!(store.downtime_windows(&m.id).await.unwrap().is_empty(), "so does a window that ended then");
    let (from, to) = days(50, 0);
    assert_eq!(store.rollups(&m.id, from, to).await.unwrap().len(), 2, "rollups within 400 days stay");
    assert!(report.probe_items_deleted >= 5, "{report:?}");
}
