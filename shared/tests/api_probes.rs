//! Probe monitors through the API: creating each kind with its defaults, the refusals
//! (each naming its field), masked secret headers, and the history routes over real
//! checks of a real (refused, then listening) loopback port: DOWN after the threshold,
//! its window, incident and debug session, annotations, uptime and recovery.
#[path = "api/harness.rs"]
mod harness;

use harness::Env;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::ports::store::MonitorStore;

async fn create(env: &Env, key: &str, body: Value) -> Value {
    let res = env.post("/api/v1/monitors", key, &body.to_string()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{body}: {:?}", res.body);
    res.json()
}

#[tokio::test]
async fn each_kind_is_created_with_its_defaults_and_no_ping_token() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let http = create(
        &env,
        &key,
        json!({"kind": "http", "name": "site", "url": "https://example.com/health", "interval": 30,
               "headers": {"Authorization": "Bearer s3cret-value", "X-Api-Key": "k3y-value", "Accept": "text/html"},
               "expect": {"status": [200, "3xx"], "keyword": "ok"}}),
    )
    .await;
    assert_eq!(http["kind"], "http");
    assert_eq!(http["status"], "NEW");
    assert!(http.get("pingToken").is_none() && http.get("schedule").is_none(), "{http}");
    assert_eq!((http["timeout"].as_u64(), http["failureThreshold"].as_u64()), (Some(10_000), Some(2)));
    assert_eq!((http["recoveryThreshold"].as_u64(), http["certExpiryDays"].as_u64()), (Some(1), Some(14)));
    assert_eq!((http["followRedirects"].as_bool(), http["verifyTls"].as_bool()), (Some(true), Some(true)));
    assert_eq!(http["method"], "GET");
    assert_eq!(http["expect"]["status"], json!([200, "3xx"]));
    assert_eq!(http["headers"]["authorization"], "********");
    assert_eq!(http["headers"]["x-api-key"], "********");
    assert_eq!(http["headers"]["accept"], "text/html");
    let next = http["nextCheckAt"].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    assert!(next <= chrono::Utc::now() + chrono::Duration::seconds(30), "first check within one interval");

    // The view goes back unchanged, and the masked headers keep their stored values.
    let id = http["id"].as_str().unwrap();
    let path = format!("/api/v1/monitors/{id}");
    let back = env.call(Method::PATCH, &path, &key, Some(&http.to_string())).await;
    assert_eq!(back.status, StatusCode::OK, "{:?}", back.body);
    let stored = env.store.monitor(&MonitorId::parse(id).unwrap()).await.unwrap().unwrap();
    let probe = stored.probe.unwrap();
    let tokiflow_shared::domain::probe::spec::ProbeTarget::Http(h) = probe.spec.target else { panic!() };
    assert!(h.headers.contains(&("authorization".into(), "Bearer s3cret-value".into())), "{:?}", h.headers);
    let got = env.get(&path, &key).await.json();
    assert_eq!(got, http, "GET, PATCH it back, GET: unchanged");

    let tcp =
        create(&env, &key, json!({"kind": "tcp", "name": "db", "host": "db.internal", "port": 5432, "interval": 60}))
            .await;
    assert_eq!((tcp["host"].as_str(), tcp["port"].as_u64()), (Some("db.internal"), Some(5432)));
    let dns = create(
        &env,
        &key,
        json!({"kind": "dns", "name": "mx", "host": "example.com", "recordType": "MX", "interval": 300,
               "expect": {"values": ["10 mx.example.com"]}, "resolver": "1.1.1.1"}),
    )
    .await;
    assert_eq!((dns["recordType"].as_str(), dns["resolver"].as_str()), (Some("MX"), Some("1.1.1.1:53")));
    assert_eq!(dns["expect"]["values"], json!(["10 mx.example.com"]));
    let heartbeat = create(&env, &key, json!({"name": "job", "schedule": {"kind": "interval", "seconds": 60}})).await;
    assert_eq!(heartbeat["kind"], "heartbeat");
    assert!(heartbeat["pingToken"].is_string());
}

#[tokio::test]
async fn bad_probe_settings_are_refused_naming_the_field() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let http = |extra: Value| {
        let mut body = json!({"kind": "http", "name": "site", "url": "https://example.com/", "interval": 30});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let cases = [
        (json!({"kind": "http", "name": "site", "interval": 30}), 400, "url"),
        (json!({"kind": "http", "name": "site", "url": "https://example.com/"}), 400, "interval"),
        (json!({"kind": "tcp", "name": "db", "host": "db", "interval": 30}), 400, "port"),
        (json!({"kind": "gopher", "name": "x"}), 400, "kind"),
        (http(json!({"interval": 5})), 422, "interval"),
        (http(json!({"interval": 4_294_967_296_u64})), 422, "interval"),
        (http(json!({"timeout": 50})), 422, "timeout"),
        (http(json!({"failureThreshold": 0})), 422, "failureThreshold"),
        (http(json!({"url": "ftp://example.com/"})), 422, "url"),
        (http(json!({"url": "https://user:pw@example.com/"})), 422, "url"),
        (http(json!({"url": "not a url"})), 422, "url"),
        (http(json!({"port": 80})), 422, "port"),
        (http(json!({"schedule": {"kind": "interval", "seconds": 60}})), 422, "schedule"),
        (http(json!({"method": "BREW"})), 400, "method"),
        (http(json!({"headers": {"Host": "evil"}})), 422, "headers.Host"),
        (http(json!({"headers": {"bad name": "x"}})), 422, "headers.bad name"),
        (http(json!({"headers": {"x-a": "line\nbreak"}})), 422, "headers.x-a"),
        (http(json!({"expect": {"status": ["6xx"]}})), 422, "expect.status[0]"),
        (http(json!({"expect": {"status": [99]}})), 422, "expect.status[0]"),
        (http(json!({"expect": {"values": ["1.2.3.4"]}})), 422, "expect.values"),
        (http(json!({"certExpiryDays": 400})), 422, "certExpiryDays"),
        (http(json!({"body": "x".repeat(16 * 1024 + 1)})), 422, "body"),
        (json!({"kind": "tcp", "name": "db", "host": "db", "port": 70000, "interval": 30}), 422, "port"),
        (json!({"kind": "tcp", "name": "db", "host": "a b", "port": 1, "interval": 30}), 422, "host"),
        (json!({"kind": "tcp", "name": "db", "host": "db", "port": 1, "interval": 30, "url": "http://x/"}), 422, "url"),
        (json!({"kind": "dns", "name": "d", "host": "x.com", "interval": 30, "recordType": "SRV"}), 400, "recordType"),
        (
            json!({"kind": "dns", "name": "d", "host": "x.com", "interval": 30, "resolver": "dns.google"}),
            422,
            "resolver",
        ),
        (
            json!({"kind": "dns", "name": "d", "host": "x.com", "interval": 30, "expect": {"keyword": "a"}}),
            422,
            "expect.keyword",
        ),
        (json!({"name": "job", "schedule": {"kind": "interval", "seconds": 60}, "interval": 30}), 422, "interval"),
        (json!({"name": "job", "schedule": {"kind": "interval", "seconds": 60}, "url": "http://x/"}), 422, "url"),
    ];
    for (body, status, field) in cases {
        let res = env.post("/api/v1/monitors", &key, &body.to_string()).await;
        let what = format!("{body}: {} {:?}", res.status, String::from_utf8_lossy(&res.body));
        assert_eq!(res.status.as_u16(), status, "{what}");
        assert_eq!(res.field().as_deref(), Some(field), "{what}");
    }
    assert_eq!(env.get("/api/v1/monitors", &key).await.json()["items"], json!([]), "nothing was created");

    let made = create(&env, &key, http(json!({}))).await;
    let path = format!("/api/v1/monitors/{}", made["id"].as_str().unwrap());
    for (body, status, field) in [
        (json!({"kind": "tcp"}), 422, "kind"),
        (json!({"grace": 60}), 422, "grace"),
        (json!({"interval": 9}), 422, "interval"),
        (json!({"headers": {"x-new": "********"}}), 422, "headers.x-new"),
    ] {
        let res = env.call(Method::PATCH, &path, &key, Some(&body.to_string())).await;
        assert_eq!((res.status.as_u16(), res.field().as_deref()), (status, Some(field)), "{body}");
    }
    let res = env.call(Method::PATCH, &path, &key, Some(r#"{"interval": 120, "degradedAfterMs": 800}"#)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!((res.json()["interval"].as_u64(), res.json()["degradedAfterMs"].as_u64()), (Some(120), Some(800)));
}

/// A loopback port with nothing listening: bound, then freed.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_refused_port_goes_down_after_the_threshold_and_recovers_when_it_listens() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let port = free_port();
    let m = create(
        &env,
        &key,
        json!({"kind": "tcp", "name": "db", "host": "127.0.0.1", "port": port, "interval": 10,
               "failureThreshold": 2, "recoveryThreshold": 1, "timeout": 2000}),
    )
    .await;
    let id = MonitorId::parse(m["id"].as_str().unwrap()).unwrap();
    let path = |tail: &str| format!("/api/v1/monitors/{id}{tail}");
    let probes = env.app.probes.clone().expect("the local app runs probes");
    let t0 = chrono::Utc::now() - chrono::Duration::seconds(60);
    // As if made an hour ago, so the checks below lie within its life.
    let mut stored = env.store.monitor(&id).await.unwrap().unwrap();
    stored.created_at = t0 - chrono::Duration::hours(1);
    env.store.update_monitor(&stored, stored.version).await.unwrap();
    let at = |s: i64| t0 + chrono::Duration::seconds(s);

    // One refused check: not yet DOWN.
    probes.run(&id, at(0)).await.unwrap();
    let one = env.get(&path("/checks"), &key).await.json();
    assert_eq!(one["total"], 1);
    let check = &one["items"][0];
    assert_eq!((check["status"].as_str(), check["location"].as_str()), (Some("DOWN"), Some("local")));
    assert_eq!(check["error"], "connection refused");
    // The connection never opened: no phase completed (an IP literal needs no lookup).
    assert!(
        [&check["dnsMs"], &check["connectMs"], &check["tlsMs"], &check["ttfbMs"]].iter().all(|v| v.is_null()),
        "{check}"
    );
    assert_eq!(env.get(&path(""), &key).await.json()["status"], "NEW");
    assert_eq!(env.get(&path("/downtime"), &key).await.json()["items"], json!([]));

    // The second opens the window, the DOWN incident, and a debug session.
    probes.run(&id, at(10)).await.unwrap();
    let monitor = env.get(&path(""), &key).await.json();
    assert_eq!(monitor["status"], "DOWN");
    let incident_id = monitor["openIncidents"]["DOWN"].as_str().expect("a DOWN incident").to_owned();
    let incident = env.get(&format!("/api/v1/incidents/{incident_id}"), &key).await.json();
    assert_eq!((incident["kind"].as_str(), incident["status"].as_str()), (Some("DOWN"), Some("OPEN")));
    let windows = env.get(&path("/downtime"), &key).await.json()["items"].clone();
    assert_eq!(windows.as_array().unwrap().len(), 1);
    let w = &windows[0];
    assert_eq!((w["endedAt"].clone(), w["affectedChecks"].as_u64()), (Value::Null, Some(2)));
    assert_eq!(w["initialStatus"], "DOWN");
    let sessions = env.get(&path("/debug-sessions"), &key).await.json()["items"].clone();
    assert_eq!(sessions.as_array().unwrap().len(), 1, "a debug session on going DOWN");
    assert_eq!((sessions[0]["trigger"].as_str(), sessions[0]["success"].as_bool()), (Some("DOWN"), Some(false)));
    let events = sessions[0]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["type"] == "ERROR"), "{events:?}");

    // Notes stay through later checks, which count into the window.
    let wid = w["id"].as_str().unwrap();
    let note = r#"{"rootCause": "database restarted", "notes": "failover took 40 s"}"#;
    let res = env.call(Method::PATCH, &path(&format!("/downtime/{wid}")), &key, Some(note)).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    probes.run(&id, at(20)).await.unwrap();
    let w = env.get(&path("/downtime"), &key).await.json()["items"][0].clone();
    assert_eq!((w["rootCause"].as_str(), w["affectedChecks"].as_u64()), (Some("database restarted"), Some(3)));
    let res = env.call(Method::PATCH, &path(&format!("/downtime/{wid}")), &key, Some(r#"{"notes": 7}"#)).await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::BAD_REQUEST, Some("notes")));

    // On demand, a session too; then the port listens and the monitor recovers.
    let made = env.post(&path("/debug-sessions"), &key, "").await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let session = made.json();
    assert_eq!(session["trigger"], "MANUAL");
    let key_path = path(&format!("/debug-sessions/{}", session["sessionKey"].as_str().unwrap()));
    assert_eq!(env.get(&key_path, &key).await.json(), session);
    let _listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    probes.run(&id, at(30)).await.unwrap();
    let monitor = env.get(&path(""), &key).await.json();
    assert_eq!(monitor["status"], "UP");
    assert!(monitor["openIncidents"].get("DOWN").is_none());
    let w = env.get(&path("/downtime"), &key).await.json()["items"][0].clone();
    assert_eq!((w["recoveryStatus"].as_str(), w["durationSeconds"].as_i64()), (Some("UP"), Some(30)));
    assert_eq!(w["notes"], "failover took 40 s", "annotations survive the recovery");
    let incident = env.get(&format!("/api/v1/incidents/{incident_id}"), &key).await.json();
    assert_eq!(incident["status"], "RESOLVED");

    // Filters and uptime.
    let down = env.get(&path("/checks?status=DOWN&limit=2"), &key).await.json();
    assert_eq!((down["total"].as_u64(), down["items"].as_array().unwrap().len()), (Some(3), 2));
    let rest =
        env.get(&path(&format!("/checks?status=DOWN&cursor={}", down["nextCursor"].as_str().unwrap())), &key).await;
    assert_eq!(rest.json()["items"].as_array().unwrap().len(), 1);
    let from = urlencode(&at(15).to_rfc3339());
    assert_eq!(env.get(&path(&format!("/checks?from={from}")), &key).await.json()["total"], 2);
    for bad in ["status=SIDEWAYS", "from=yesterday", "limit=0", "cursor=chk_nope"] {
        let res = env.get(&path(&format!("/checks?{bad}")), &key).await;
        assert!(res.status.is_client_error(), "{bad}: {}", res.status);
    }
    let uptime = env.get(&path("/uptime?window=24h"), &key).await.json();
    assert_eq!((uptime["checks"].as_u64(), uptime["failedChecks"].as_u64()), (Some(4), Some(3)));
    assert_eq!(uptime["downtimeSeconds"], 30);
    assert!(uptime["uptimePercent"].as_f64().unwrap() < 100.0);
    let week = env.get(&path("/uptime?window=7d"), &key).await.json();
    assert_eq!((week["checks"].as_u64(), week["window"].as_str()), (Some(4), Some("7d")), "from the rollups");
    let res = env.get(&path("/uptime?window=1y"), &key).await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::BAD_REQUEST, Some("window")));

    // Deleting the monitor deletes its history.
    assert_eq!(env.call(Method::DELETE, &path(""), &key, None).await.status, StatusCode::NO_CONTENT);
    use tokiflow_shared::ports::store::{CheckQuery, ProbeStore};
    let q = CheckQuery { from: None, to: None, status: None, limit: 10, before: None };
    assert_eq!(env.store.check_count(&id, &q).await.unwrap(), 0);
    assert!(env.store.downtime_windows(&id).await.unwrap().is_empty());
    assert!(env.store.debug_sessions(&id, 10).await.unwrap().is_empty());
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
