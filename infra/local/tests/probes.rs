//! Probes end to end in the local server: a TCP probe of a real loopback port, fired by
//! the real timers, goes DOWN while nothing listens (window, incident, debug session, and
//! the webhook receiver told), comes back UP once the port listens (all of it closed and
//! the receiver told), and is armed again by a restarted server.
mod common;

use chrono::{DateTime, Utc};
use common::{Received, TestServer, webhook_receiver};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::services::bootstrap::bootstrap;

/// The probe's interval: the shortest allowed.
const INTERVAL: Duration = Duration::from_secs(10);
/// One interval, and room for the check itself and what follows it.
const WITHIN_AN_INTERVAL: Duration = Duration::from_secs(12);

/// A loopback port with nothing listening: bound, then freed.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The management API with the owner's key: the status and the JSON answer.
async fn api(s: &TestServer, key: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
    let auth = format!("Bearer {key}");
    let body = if body.is_null() { String::new() } else { body.to_string() };
    let res = s.send_body_with(method, path, &[("authorization", &auth)], body).await;
    (res.status, res.json())
}

async fn get(s: &TestServer, key: &str, path: &str) -> Value {
    let (status, body) = api(s, key, "GET", path, Value::Null).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// Polls `found` every 100 ms until it gives a value, for at most `limit`.
async fn until<T, F: Future<Output = Option<T>>>(what: &str, limit: Duration, mut found: impl FnMut() -> F) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = found().await {
            return v;
        }
        assert!(Instant::now() < end, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The webhook bodies received so far, with their `type`s.
fn hooks(received: &Received) -> Vec<Value> {
    received.lock().unwrap().iter().map(|(_, body)| serde_json::from_slice(body).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_port_goes_down_with_a_webhook_and_recovers_when_it_listens_and_a_restart_rearms_it() {
    let s = TestServer::start().await;
    let owner = bootstrap(s.store.as_ref(), "Probe org", "ops@example.com", Utc::now()).await.unwrap();
    let key = owner.secret.reveal().to_owned();
    let (hook_url, received) = webhook_receiver(http::StatusCode::OK).await;
    let channel =
        json!({"name": "hook", "target": {"kind": "WEBHOOK", "url": hook_url, "secret": "whsec-0123456789abcdef"}});
    let (status, body) = api(&s, &key, "POST", "/api/v1/channels", channel).await;
    assert_eq!(status, 201, "{body}");

    let port = free_port();
    let created = Instant::now();
    let (status, m) = api(
        &s,
        &key,
        "POST",
        "/api/v1/monitors",
        json!({"kind": "tcp", "name": "db", "host": "127.0.0.1", "port": port, "interval": INTERVAL.as_secs(),
               "failureThreshold": 1, "recoveryThreshold": 1, "timeout": 2000}),
    )
    .await;
    assert_eq!(status, 201, "{m}");
    let id = m["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/monitors/{id}{tail}");
    let first: DateTime<Utc> = m["nextCheckAt"].as_str().unwrap().parse().unwrap();
    assert!(first <= Utc::now() + chrono::Duration::from_std(INTERVAL).unwrap(), "the first check within one interval");

    // Nothing listens: the first check (within one interval, by the jitter) takes it DOWN.
    let down = until("the monitor to be DOWN", WITHIN_AN_INTERVAL, || async {
        let m = get(&s, &key, &path("")).await;
        (m["status"] == "DOWN").then_some(m)
    })
    .await;
    let went_down = created.elapsed();
    let incident_id = down["openIncidents"]["DOWN"].as_str().expect("a DOWN incident").to_owned();
    let incident = get(&s, &key, &format!("/api/v1/incidents/{incident_id}")).await;
    assert_eq!((incident["kind"].as_str(), incident["status"].as_str()), (Some("DOWN"), Some("OPEN")));
    let checks = get(&s, &key, &path("/checks")).await;
    assert_eq!(checks["total"], 1, "{checks}");
    let check = &checks["items"][0];
    assert_eq!((check["status"].as_str(), check["error"].as_str()), (Some("DOWN"), Some("connection refused")));
    let checked_at: DateTime<Utc> = check["checkedAt"].as_str().unwrap().parse().unwrap();
    assert!(checked_at >= first, "not before it was due: {checked_at} < {first}");
    let windows = get(&s, &key, &path("/downtime")).await["items"].clone();
    assert_eq!(windows.as_array().unwrap().len(), 1, "{windows}");
    assert_eq!((&windows[0]["endedAt"], windows[0]["affectedChecks"].as_u64()), (&Value::Null, Some(1)));
    // The session is recorded just after the check's commit.
    let sessions = until("the DOWN debug session", Duration::from_secs(3), || async {
        let items = get(&s, &key, &path("/debug-sessions")).await["items"].clone();
        (!items.as_array().unwrap().is_empty()).then_some(items)
    })
    .await;
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert_eq!((sessions[0]["trigger"].as_str(), sessions[0]["success"].as_bool()), (Some("DOWN"), Some(false)));
    let opened = until("the opened notification", Duration::from_secs(5), || async {
        hooks(&received).into_iter().find(|h| h["type"] == "incident.opened")
    })
    .await;
    assert_eq!(
        (opened["incident"]["id"].as_str(), opened["monitor"]["id"].as_str()),
        (Some(&*incident_id), Some(&*id))
    );

    // The port listens (the kernel completes the handshake; nothing needs to accept): the
    // next check, within one interval, brings it back UP.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let listening = Instant::now();
    let up = until("the monitor to be UP", WITHIN_AN_INTERVAL, || async {
        let m = get(&s, &key, &path("")).await;
        (m["status"] == "UP").then_some(m)
    })
    .await;
    let came_up = listening.elapsed();
    assert!(up["openIncidents"].get("DOWN").is_none(), "{up}");
    let window = get(&s, &key, &path("/downtime")).await["items"][0].clone();
    assert_eq!(window["recoveryStatus"], "UP", "{window}");
    assert!(window["endedAt"].is_string(), "the window closed: {window}");
    let incident = get(&s, &key, &format!("/api/v1/incidents/{incident_id}")).await;
    assert_eq!(incident["status"], "RESOLVED");
    let resolved = until("the resolved notification", Duration::from_secs(5), || async {
        hooks(&received).into_iter().find(|h| h["type"] == "incident.resolved")
    })
    .await;
    assert_eq!(resolved["incident"]["id"].as_str(), Some(&*incident_id));
    let types: Vec<Value> = hooks(&received).iter().map(|h| h["type"].clone()).collect();
    assert_eq!(types, [json!("incident.opened"), json!("incident.resolved")], "one of each");

    // A restarted server arms the probe again from the store, and its check runs.
    let dir = s.shutdown().await;
    let s = TestServer::start_in(dir).await;
    let monitor_id = MonitorId::parse(&id).unwrap();
    // Polled: a check due while the server was down runs at once, and re-arms after it.
    until("the timer armed for the stored next check", Duration::from_secs(3), || async {
        let stored = get(&s, &key, &path("")).await;
        let next: DateTime<Utc> = stored["nextCheckAt"].as_str()?.parse().ok()?;
        (s.timers.armed_at(&monitor_id) == Some(next)).then_some(())
    })
    .await;
    let before = get(&s, &key, &path("/checks")).await["total"].as_u64().unwrap();
    until("a check after the restart", WITHIN_AN_INTERVAL, || async {
        let total = get(&s, &key, &path("/checks")).await["total"].as_u64().unwrap();
        (total > before).then_some(())
    })
    .await;
    assert_eq!(get(&s, &key, &path("")).await["status"], "UP");
    drop(listener);
    eprintln!("DOWN {went_down:?} after creation, UP {came_up:?} after listening");
}
