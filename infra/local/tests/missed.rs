//! Missed detection end to end in the local server: real timers, real HTTP pings.
mod common;

use chrono::{Duration, Utc};
use common::TestServer;
use tokiflow_shared::domain::dependency::MonitorDependency;
use tokiflow_shared::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity};
use tokiflow_shared::domain::maintenance::MaintenanceWindow;
use tokiflow_shared::domain::monitor::{Monitor, MonitorStatus};
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{ConfigStore, IncidentStore, MonitorStore};

async fn incidents(s: &TestServer, m: &Monitor) -> Vec<Incident> {
    s.store.incidents_of_monitor(&m.id).await.unwrap()
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_monitor_gets_exactly_one_missed_incident_within_a_second_and_a_late_ping_resolves_it() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (m, token) = s.monitor_in(&org, "every 2 s", 2, 1).await;
    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    let deadline = s.reload(&m).await.deadline().unwrap();
    assert_eq!(s.timers.armed_at(&m.id), Some(deadline), "the ping armed the timer at the deadline");

    sleep_ms(((deadline - Utc::now()).num_milliseconds().max(0) + 1000) as u64).await;
    let found = incidents(&s, &m).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let missed = &found[0];
    assert_eq!(
        (missed.kind, missed.severity, missed.status),
        (IncidentKind::Missed, Severity::High, IncidentStatus::Open)
    );
    let delay = missed.opened_at - deadline;
    assert!(delay >= Duration::zero() && delay < Duration::seconds(1), "detected {delay} after the deadline");
    assert_eq!(s.reload(&m).await.status, MonitorStatus::Down);

    sleep_ms(2500).await;
    assert_eq!(incidents(&s, &m).await.len(), 1, "still exactly one");

    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    let after = incidents(&s, &m).await;
    assert_eq!(after[0].status, IncidentStatus::Resolved, "the late success resolves it");
    assert_eq!(s.reload(&m).await.status, MonitorStatus::Up);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_monitors_and_monitors_in_maintenance_stay_quiet() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (paused, pt) = s.monitor_in(&org, "paused", 1, 0).await;
    let (maint, mt) = s.monitor_in(&org, "in maintenance", 1, 0).await;
    s.get(&format!("/ping/{}", pt.reveal())).await;
    s.get(&format!("/ping/{}", mt.reveal())).await;
    let mut p = s.reload(&paused).await;
    p.status = MonitorStatus::Paused;
    p.version += 1;
    s.store.update_monitor(&p, p.version - 1).await.unwrap();
    let now = Utc::now();
    let window = MaintenanceWindow::new(
        org.id.clone(),
        Name::new("upgrade").unwrap(),
        now - Duration::seconds(1),
        now + Duration::seconds(3),
        None,
        chrono_tz::Tz::UTC,
        vec![maint.id.clone()],
    )
    .unwrap();
    s.store.put_maintenance(&window).await.unwrap();

    sleep_ms(2500).await;
    assert!(incidents(&s, &paused).await.is_empty(), "paused");
    assert!(incidents(&s, &maint).await.is_empty(), "in maintenance");
    assert_eq!(s.timers.armed_at(&maint.id), Some(window.ends_at), "re-armed for the end of the window");

    sleep_ms(1500).await;
    let after = incidents(&s, &maint).await;
    assert_eq!(after.len(), 1, "missed once the window is over");
    assert!(after[0].opened_at >= window.ends_at);
    assert!(incidents(&s, &paused).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miss_downstream_of_a_failing_monitor_is_a_lowered_cascade() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (db, db_token) = s.monitor_in(&org, "Database", 3600, 0).await;
    let (api, api_token) = s.monitor_in(&org, "API", 1, 0).await;
    let dep = MonitorDependency::new(org.id.clone(), db.id.clone(), api.id.clone(), &[]).unwrap();
    s.store.add_dependency(&dep).await.unwrap();
    s.get(&format!("/ping/{}/fail", db_token.reveal())).await;
    s.get(&format!("/ping/{}", api_token.reveal())).await;

    sleep_ms(2000).await;
    let found = incidents(&s, &api).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, IncidentKind::Missed);
    assert_eq!(found[0].severity, Severity::Medium, "HIGH lowered one step");
    let reason = found[0].cascade_reason.as_deref().expect("cascade reason");
    assert!(reason.contains("Database") && reason.contains("Fail"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timers_survive_a_restart_and_overdue_ones_fire_on_start() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (m, token) = s.monitor_in(&org, "job", 1, 0).await;
    s.get(&format!("/ping/{}", token.reveal())).await;
    let dir = s.shutdown().await;
    sleep_ms(1500).await; // the deadline passes while the server is down
    let s = TestServer::start_in(dir).await;
    sleep_ms(300).await;
    let found = incidents(&s, &m).await;
    assert_eq!(found.len(), 1, "the overdue check fired on start");
    assert_eq!(found[0].kind, IncidentKind::Missed);
}

/// As Healthchecks: a job that failed is not expected again until it succeeds, so its
/// silence after the failure raises no MISSED beside the FAIL; a success expects it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_job_alerts_once_not_again_as_missed() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (m, token) = s.monitor_in(&org, "every 1 s", 1, 0).await;
    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    assert_eq!(s.reload(&m).await.next_expected_at, None);

    sleep_ms(3500).await;
    let found = incidents(&s, &m).await;
    assert_eq!(found.iter().map(|i| i.kind).collect::<Vec<_>>(), vec![IncidentKind::Fail], "{found:?}");
    assert_eq!(s.reload(&m).await.status, MonitorStatus::Down);

    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    let up = s.reload(&m).await;
    assert!(up.next_expected_at.is_some() && up.deadline().is_some(), "expected again after the success");
    assert_eq!(s.timers.armed_at(&m.id), up.deadline());
}
