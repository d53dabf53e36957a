//! Every ping form and every bad input over real HTTP, asserting the response and
//! what was stored afterwards.
mod common;

use common::TestServer;
use tokiflow_shared::domain::incident::{IncidentKind, IncidentStatus, Severity};
use tokiflow_shared::domain::monitor::MonitorStatus;
use tokiflow_shared::domain::run::RunState;
use tokiflow_shared::ports::blob::{BlobKey, BlobStore};
use tokiflow_shared::ports::store::{IncidentStore, RunStore};

async fn latest_run(
    s: &TestServer,
    m: &tokiflow_shared::domain::monitor::Monitor,
) -> tokiflow_shared::domain::run::Run {
    s.store.runs(&m.id, 1, None).await.unwrap().items.remove(0)
}

#[tokio::test]
async fn every_path_and_query_form_records_the_right_state() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    let t = token.reveal();
    let cases: &[(&str, &str, RunState, Option<u8>)] = &[
        ("GET", "", RunState::Success, None),
        ("POST", "", RunState::Success, None),
        ("HEAD", "", RunState::Success, None),
        ("GET", "/start", RunState::Start, None),
        ("GET", "/fail", RunState::Fail, None),
        ("GET", "/log", RunState::Log, None),
        ("GET", "/0", RunState::Success, Some(0)),
        ("GET", "/255", RunState::Fail, Some(255)),
        ("GET", "?state=fail", RunState::Fail, None),
        ("GET", "?state=start", RunState::Start, None),
        ("GET", "?state=success", RunState::Success, None),
        ("GET", "?exitCode=3", RunState::Fail, Some(3)),
        ("POST", "/fail?exitCode=1&severity=low", RunState::Fail, Some(1)),
    ];
    for (i, (method, suffix, state, code)) in cases.iter().enumerate() {
        let r = s.send(method, &format!("/ping/{t}{suffix}"), "").await;
        assert_eq!(r.status, 200, "{method} {suffix}: {:?}", r.body);
        if *method != "HEAD" {
            assert_eq!(&r.body[..], b"OK");
        }
        assert_eq!(r.headers["access-control-allow-origin"], "*");
        assert_eq!(r.headers["cache-control"], "no-cache", "{method} {suffix}");
        assert_eq!(r.headers["ping-body-limit"], "1048576", "{method} {suffix}");
        let run = latest_run(&s, &m).await;
        assert_eq!((run.state, run.exit_code), (*state, *code), "{method} {suffix}");
        assert_eq!(s.reload(&m).await.ping_count, i as u64 + 1);
    }
    let run = latest_run(&s, &m).await;
    assert_eq!(run.severity, Some(Severity::Low));
    assert_eq!(run.user_agent.as_deref(), Some("tokiflow-tests"));
    assert_eq!(run.source_ip, Some("127.0.0.1".parse().unwrap()));
    // The user agent is kept to 200 characters, as Healthchecks keeps it.
    let long = format!("agent/{}", "a".repeat(300));
    assert_eq!(s.send_with("GET", &format!("/ping/{t}"), &[("user-agent", &long)]).await.status, 200);
    let kept = latest_run(&s, &m).await.user_agent.unwrap();
    assert_eq!(kept, long.chars().take(200).collect::<String>());
}

#[tokio::test]
async fn fail_opens_an_incident_and_success_resolves_it() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    let t = token.reveal();
    assert_eq!(s.send("POST", &format!("/ping/{t}/fail?severity=critical"), "disk full\n").await.status, 200);
    let down = s.reload(&m).await;
    assert_eq!(down.status, MonitorStatus::Down);
    let incidents = s.store.incidents_of_monitor(&m.id).await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!((incidents[0].kind, incidents[0].severity), (IncidentKind::Fail, Severity::Critical));
    assert_eq!(incidents[0].summary.as_deref(), Some("disk full"));

    s.get(&format!("/ping/{t}/fail")).await;
    assert_eq!(s.store.incidents_of_monitor(&m.id).await.unwrap().len(), 1, "one open incident per kind");

    s.get(&format!("/ping/{t}")).await;
    let up = s.reload(&m).await;
    assert_eq!(up.status, MonitorStatus::Up);
    assert!(up.open_incidents.is_empty());
    let resolved = s.store.incident(&incidents[0].id).await.unwrap().unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved);
    assert!(resolved.resolved_at.is_some());
}

#[tokio::test]
async fn start_and_finish_give_durations_paired_by_rid() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    let t = token.reveal();
    s.get(&format!("/ping/{t}/start?rid=a")).await;
    s.get(&format!("/ping/{t}/start?rid=b")).await;
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    s.get(&format!("/ping/{t}?rid=a")).await;
    let run = latest_run(&s, &m).await;
    assert!(run.duration_ms.unwrap() >= 30, "{run:?}");
    let after = s.reload(&m).await;
    assert_eq!(after.open_starts.len(), 1, "b is still running");
    assert!(after.durations.p50_ms.is_some());
    assert!(after.last_start_at.is_some());
    assert!(after.next_expected_at.unwrap() > after.last_ping_at.unwrap());
}

#[tokio::test]
async fn bodies_keep_a_preview_and_large_ones_go_to_the_blob_store() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    let t = token.reveal();

    s.send("POST", &format!("/ping/{t}"), "small output").await;
    let run = latest_run(&s, &m).await;
    assert_eq!(run.output.preview, "small output");
    assert_eq!((run.output.size, run.output.blob_key.is_none(), run.output.truncated), (12, true, false));

    let medium = "x".repeat(20 * 1024);
    s.send("POST", &format!("/ping/{t}"), medium.clone()).await;
    let run = latest_run(&s, &m).await;
    assert_eq!(run.output.preview.len(), 1024);
    let key = BlobKey::parse(run.output.blob_key.as_deref().unwrap()).unwrap();
    let blobs = tokiflow_shared::adapters::fs::FsBlobStore::new(s.dir.path().join("blobs"), s.base.parse().unwrap());
    assert_eq!(blobs.get(&key).await.unwrap().unwrap().len(), medium.len());
    assert!(!run.output.truncated);

    // Never refused for its size: 3 MB is accepted, 1 MB kept, marked truncated.
    let huge = vec![b'y'; 3 * 1024 * 1024];
    let r = s.send("POST", &format!("/ping/{t}/fail"), huge).await;
    assert_eq!(r.status, 200);
    let run = latest_run(&s, &m).await;
    assert_eq!(run.output.size, 3 * 1024 * 1024);
    assert!(run.output.truncated);
    let key = BlobKey::parse(run.output.blob_key.as_deref().unwrap()).unwrap();
    assert_eq!(blobs.get(&key).await.unwrap().unwrap().len(), 1024 * 1024);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    let t = token.reveal();
    let cases: &[(&str, &str, u16, Option<&str>)] = &[
        ("GET", "/ping/doesnotexist", 404, None),
        ("GET", "/ping/doesnotexist/fail", 404, None),
        ("GET", &format!("/ping/{}", "z".repeat(500)), 404, None),
        ("GET", &format!("/ping/{t}/256"), 400, Some("exitCode")),
        ("GET", &format!("/ping/{t}/99999"), 400, Some("exitCode")),
        ("GET", &format!("/ping/{t}?exitCode=-1"), 400, Some("exitCode")),
        ("GET", &format!("/ping/{t}?exitCode=abc"), 400, Some("exitCode")),
        ("GET", &format!("/ping/{t}?severity=urgent"), 400, Some("severity")),
        ("GET", &format!("/ping/{t}?state=maybe"), 400, Some("state")),
        ("GET", &format!("/ping/{t}/fail?state=success"), 400, Some("state")),
        ("GET", &format!("/ping/{t}?rid=has%20space"), 400, Some("rid")),
        ("GET", &format!("/ping/{t}/bogus"), 404, None),
        ("GET", &format!("/ping/{t}/fail/extra"), 404, None),
        ("GET", &format!("/ping/{t}?x={}", "a".repeat(5000)), 400, Some("query")),
        ("PUT", &format!("/ping/{t}"), 405, None),
        ("DELETE", &format!("/ping/{t}"), 405, None),
        ("GET", "/nope", 404, None),
    ];
    for (method, path, status, field) in cases {
        // As Healthchecks answers: the status and a plain-text word or two.
        let plain = s.send(method, path, "").await;
        assert_eq!(plain.status, *status, "{method} {path}");
        if path.starts_with("/ping/") {
            assert_eq!(plain.headers["content-type"], "text/plain; charset=utf-8", "{method} {path}");
            let text = String::from_utf8_lossy(&plain.body).into_owned();
            let expected = match (*status, *field) {
                (404, _) => "not found".to_owned(),
                (405, _) => "method not allowed".to_owned(),
                (400, Some("exitCode")) => "invalid url format".to_owned(),
                (400, Some(f)) => format!("invalid {f}: "),
                _ => unreachable!(),
            };
            assert!(text.starts_with(&expected), "{method} {path}: {text:?}");
        }
        // A client asking for JSON gets the API's error, naming the field.
        let r = s.send_with(method, path, &[("accept", "application/json")]).await;
        assert_eq!(r.status, *status, "{method} {path}");
        assert_eq!(r.headers["content-type"], "application/json", "{method} {path}");
        assert_eq!(r.error_field().as_deref(), *field, "{method} {path}");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
        if path.starts_with("/ping/") {
            assert_eq!(r.headers["cache-control"], "no-cache", "{method} {path}: refusals are not cached either");
        }
    }
    assert_eq!(s.reload(&m).await, m, "monitor unchanged");
    assert_eq!(s.store.run_count(&m.id).await.unwrap(), 0);
}

#[tokio::test]
async fn schedule_preview_route() {
    let s = TestServer::start().await;
    let r = s.get("/api/v1/schedule/preview?interval=60&count=3&from=2026-01-01T00:00:00Z").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::json!({"next": ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z", "2026-01-01T00:03:00Z"]})
    );
    let r = s.get("/api/v1/schedule/preview?cron=0%202%20*%20*%20*&tz=Mars%2FBase").await;
    assert_eq!((r.status, r.error_field().as_deref()), (400, Some("tz")));
    let r = s.get("/api/v1/schedule/preview?cron=0%2025%20*%20*%20*").await;
    assert_eq!((r.status, r.error_field().as_deref()), (400, Some("cron")));
    let r = s.send("POST", "/api/v1/schedule/preview", vec![b'{'; 70 * 1024]).await;
    assert_eq!(r.status, 413);
    assert_eq!(s.get("/healthz").await.json(), serde_json::json!({"status": "ok"}));
}
