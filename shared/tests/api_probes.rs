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
