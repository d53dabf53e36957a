//! The port conformance suites against the AWS adapters: DynamoDB on AWS's own DynamoDB
//! Local, S3 (and EventBridge Scheduler) on moto server. The test process starts the
//! emulators itself (see `emulators`); each test gets fresh tables or a fresh bucket.
use std::sync::Arc;
use tokiflow_shared::adapters::dynamodb::{DynamoStore, DynamoTables};
use tokiflow_shared::adapters::s3::{S3BlobStore, S3StaticSite};
use tokiflow_shared::domain::ids::RunId;

mod support;
use support::{emulator, emulators, sdk_config, unique};

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

async fn status_bucket() -> Arc<S3StaticSite> {
    let endpoint = emulator(emulators::moto).await;
    let site = S3StaticSite::new(&sdk_config(endpoint), unique("status-"), true);
    site.create_bucket().await.expect("create bucket in moto");
    Arc::new(site)
}

tokiflow_shared::store_conformance_tests!(dynamo());
tokiflow_shared::blob_conformance_tests!(s3());
tokiflow_shared::static_site_conformance_tests!(status_bucket());

/// S3's download URL is a real SigV4 presigned GET: fetched with no credentials at all,
/// moto hands back the stored bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presigned_url_serves_the_blob_without_credentials() {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use tokiflow_shared::domain::ids::{MonitorId, OrgId};
    use tokiflow_shared::ports::blob::{BlobKey, BlobStore, DOWNLOAD_URL_TTL};
    let blobs = s3().await;
    let key = BlobKey::for_run(&OrgId::generate(), &MonitorId::generate(), &RunId::generate());
    let body = Bytes::from((0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect::<Vec<_>>());
    blobs.put(&key, body.clone()).await.unwrap();
    let url = blobs.download_url(&key, DOWNLOAD_URL_TTL).await.unwrap();
    let query = url.query().unwrap_or_default();
    assert!(
        query.contains("X-Amz-Signature=") && query.contains("X-Amz-Expires=300"),
        "a SigV4 presigned URL valid for 5 minutes: {url}"
    );
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let res = client.get(url.as_str().parse().unwrap()).await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    assert_eq!(res.into_body().collect().await.unwrap().to_bytes(), body);
}

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
        probe: None,
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
        via: Default::default(),
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
    println!(
        "success ping: {:.1} RCU, {:.1} WCU (items: monitor {} B, run {} B)",
        plain.read, plain.write, bytes.monitor, bytes.run
    );
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
    println!(
        "rejected (stale) plain commit, as reported: {:.1} WCU (+ the failed monitor write, which DynamoDB bills but does not report)",
        conflict.write
    );

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
