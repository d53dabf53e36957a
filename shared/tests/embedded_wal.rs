//! The embedded store's WAL stays bounded under sustained writes with readers always
//! active: passive checkpoints alone never get to restart it, so it used to grow without
//! end (1.6 GB after 30 s of load).
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokiflow_shared::adapters::embedded::{EmbeddedStore, WAL_SIZE_LIMIT};
use tokiflow_shared::domain::ids::RunId;
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::ping::PingSignal;
use tokiflow_shared::domain::run::{RunOutput, RunState};
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{MonitorStore, OrgStore, PingStore, RunStore};

/// Enough concurrent writers for group commits of many pings, as under real load.
const WRITERS: usize = 32;
const PINGS_PER_WRITER: usize = 1_500;
const READERS: usize = 2;

async fn new_monitor(store: &EmbeddedStore, org: &Org) -> Monitor {
    let spec = MonitorSpec {
        name: Name::new("m").unwrap(),
        schedule: Schedule::interval(3600).unwrap(),
        grace: Duration::hours(1),
        severity: Severity::Low,
        tags: BTreeSet::new(),
        max_runtime: None,
        probe: None,
    };
    let m = Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), Utc::now()).unwrap();
    store.create_monitor(&m).await.unwrap();
    m
}

/// Pings `m` back to back through the store's write path: one commit each.
async fn ping_repeatedly(store: Arc<EmbeddedStore>, mut m: Monitor) {
    for _ in 0..PINGS_PER_WRITER {
        let out = m.apply_ping(ReceivedPing {
            run_id: RunId::generate(),
            signal: PingSignal { state: RunState::Success, exit_code: None, severity: None, rid: None },
            received_at: Utc::now(),
            output: RunOutput { preview: "backup done".into(), size: 11, ..RunOutput::default() },
            source_ip: None,
            user_agent: None,
            via: Default::default(),
        });
        store.commit_ping(&out, m.version).await.unwrap();
        m = out.monitor;
    }
}

/// Reads the monitors and their latest runs until told to stop, so there is always a
/// reader holding a snapshot somewhere in the WAL.
async fn read_until(store: Arc<EmbeddedStore>, monitors: Vec<Monitor>, done: Arc<AtomicBool>) {
    while !done.load(Ordering::Relaxed) {
        for m in &monitors {
            store.monitor(&m.id).await.unwrap().unwrap();
            store.runs(&m.id, 20, None).await.unwrap();
        }
        tokio::task::yield_now().await;
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Samples the WAL's size until told to stop; returns the largest seen.
async fn sample_wal(path: PathBuf, done: Arc<AtomicBool>, peak: Arc<AtomicU64>) {
    while !done.load(Ordering::Relaxed) {
        peak.fetch_max(file_len(&path), Ordering::Relaxed);
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wal_stays_bounded_under_sustained_pings_and_reads() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    let org = Org::new(Name::new("o").unwrap(), Utc::now());
    store.create_org(&org).await.unwrap();
    let mut monitors = Vec::new();
    for _ in 0..WRITERS {
        monitors.push(new_monitor(&store, &org).await);
    }

    let (done, peak) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let sampler = tokio::spawn(sample_wal(store.wal_path(), done.clone(), peak.clone()));
    let readers: Vec<_> =
        (0..READERS).map(|_| tokio::spawn(read_until(store.clone(), monitors.clone(), done.clone()))).collect();
    let writers: Vec<_> = monitors.iter().map(|m| tokio::spawn(ping_repeatedly(store.clone(), m.clone()))).collect();
    for w in writers {
        w.await.unwrap();
    }
    let at_end = file_len(&store.wal_path());
    done.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    sampler.await.unwrap();

    let mut runs = 0;
    for m in &monitors {
        runs += store.run_count(&m.id).await.unwrap();
    }
    assert_eq!(runs, (WRITERS * PINGS_PER_WRITER) as u64, "every ping committed");
    let mb = |b: u64| b as f64 / 1e6;
    let (peak, limit) = (peak.load(Ordering::Relaxed).max(at_end), WAL_SIZE_LIMIT);
    eprintln!("WAL: peak {:.1} MB, at the end {:.1} MB, limit {:.1} MB", mb(peak), mb(at_end), mb(limit));
    assert!(peak <= limit, "the WAL reached {:.1} MB, over its {:.1} MB bound", mb(peak), mb(limit));
}
