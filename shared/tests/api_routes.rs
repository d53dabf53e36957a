//! The management routes end to end on `App::handle`: what each answers and what it
//! stored, and bad input on every write route (refused with the field named, nothing
//! changed).
#[path = "api/harness.rs"]
mod harness;

use harness::Env;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::http::ApiRequest;
use tokiflow_shared::ports::store::{IncidentStore, MonitorStore};

async fn create_monitor(env: &Env, key: &str, name: &str) -> Value {
    let body =
        json!({"name": name, "schedule": {"kind": "interval", "seconds": 60}, "grace": 30, "tags": ["db"]}).to_string();
    let res = env.post("/api/v1/monitors", key, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    res.json()
}

async fn ping(env: &Env, token: &str, suffix: &str, body: &str) {
    let req = ApiRequest {
        method: Method::POST,
        path: format!("/ping/{token}{suffix}"),
        query: None,
        headers: Default::default(),
        body: bytes::Bytes::from(body.to_owned()),
        body_size: body.len() as u64,
        source_ip: None,
    };
    assert_eq!(env.app.handle(req).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn monitors_create_arms_the_check_and_edits_round_trip() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "backup").await;
    let id = MonitorId::parse(m["id"].as_str().unwrap()).unwrap();
    assert!(m["pingToken"].as_str().unwrap().len() >= 20, "the token is shown once: {m}");
    assert!(m.get("tokenHash").is_none() && m.get("version").is_none(), "internals stay inside: {m}");
    let stored = env.store.monitor(&id).await.unwrap().unwrap();
    assert_eq!(env.timers.armed_at(&id), stored.deadline(), "the missed check is armed at the deadline");
    assert_eq!(stored.armed_for, stored.deadline());

    let got = env.get(&format!("/api/v1/monitors/{id}"), &key).await.json();
    assert_eq!(got["name"], "backup");
    assert!(got.get("pingToken").is_none(), "never shown again");

    let res = env
        .call(
            Method::PATCH,
            &format!("/api/v1/monitors/{id}"),
            &key,
            Some(r#"{"name":"nightly backup","grace":10,"maxRuntime":600}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let stored = env.store.monitor(&id).await.unwrap().unwrap();
    assert_eq!((stored.name.as_str(), stored.grace.num_seconds()), ("nightly backup", 10));
    assert_eq!(env.timers.armed_at(&id), stored.deadline(), "an earlier deadline re-arms");
    let res = env.call(Method::PATCH, &format!("/api/v1/monitors/{id}"), &key, Some(r#"{"maxRuntime":null}"#)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(env.store.monitor(&id).await.unwrap().unwrap().max_runtime, None, "null clears");

    let res =
        env.call(Method::PUT, &format!("/api/v1/monitors/{id}/tags"), &key, Some(r#"{"tags":["prod","db"]}"#)).await;
    assert_eq!(res.json()["tags"], json!(["db", "prod"]));

    let paused = env.post(&format!("/api/v1/monitors/{id}/pause"), &key, "").await.json();
    assert_eq!(paused["status"], "PAUSED");
    assert_eq!(env.timers.armed_at(&id), None, "pausing disarms");
    let resumed = env.post(&format!("/api/v1/monitors/{id}/resume"), &key, "").await.json();
    assert_eq!(resumed["status"], "NEW");
    assert!(env.timers.armed_at(&id).is_some(), "resuming arms again");

    let res = env.call(Method::DELETE, &format!("/api/v1/monitors/{id}"), &key, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(env.store.monitor(&id).await.unwrap(), None);
    assert_eq!(env.timers.armed_at(&id), None);
    assert_eq!(env.get(&format!("/api/v1/monitors/{id}"), &key).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listings_page_with_a_cursor() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create_monitor(&env, &key, &format!("job {i}")).await["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut url = "/api/v1/monitors?limit=2".to_owned();
    loop {
        let page = env.get(&url, &key).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()));
        match page["nextCursor"].as_str() {
            Some(c) => url = format!("/api/v1/monitors?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every monitor once, oldest first");
    for bad in ["limit=0", "limit=201", "limit=x", "cursor=a%2Fb"] {
        let res = env.get(&format!("/api/v1/monitors?{bad}"), &key).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.field().is_some(), "{bad}");
    }
}

#[tokio::test]
async fn runs_newest_first_with_full_output() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "job").await;
    let (id, token) = (m["id"].as_str().unwrap(), m["pingToken"].as_str().unwrap());
    let big = "line of output\n".repeat(1000);
    ping(&env, token, "/start", "").await;
    ping(&env, token, "", &big).await;
    ping(&env, token, "/log", "hello").await;
    let page = env.get(&format!("/api/v1/monitors/{id}/runs?limit=2"), &key).await.json();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|r| r["state"].as_str().unwrap()).collect::<Vec<_>>(), ["LOG", "SUCCESS"]);
    let next = page["nextCursor"].as_str().unwrap();
    let rest = env.get(&format!("/api/v1/monitors/{id}/runs?cursor={next}"), &key).await.json();
    assert_eq!(rest["items"][0]["state"], "START");
    assert_eq!(rest["nextCursor"], Value::Null);
    let run = items[1]["id"].as_str().unwrap();
    let out = env.get(&format!("/api/v1/monitors/{id}/runs/{run}/output"), &key).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(out.headers["x-content-type-options"], "nosniff");
    assert_eq!(out.body.len(), big.len(), "the whole body, from the blob store");
    let small = items[0]["id"].as_str().unwrap();
    assert_eq!(&env.get(&format!("/api/v1/monitors/{id}/runs/{small}/output"), &key).await.body[..], b"hello");
    assert_eq!((items[0]["method"].as_str(), items[0].get("scheme")), (Some("POST"), None));

    // Behind a proxy: the scheme it says, and the first client it forwarded for.
    let mut headers = http::HeaderMap::new();
    headers.insert("x-forwarded-proto", "https".parse().unwrap());
    headers.insert("x-forwarded-for", "203.0.113.9:4444, 10.0.0.1".parse().unwrap());
    let req = ApiRequest {
        method: Method::GET,
        path: format!("/ping/{token}"),
        query: None,
        headers,
        body: bytes::Bytes::new(),
        body_size: 0,
        source_ip: Some("10.0.0.1".parse().unwrap()),
    };
    assert_eq!(env.app.handle(req).await.status(), StatusCode::OK);
    let newest = env.get(&format!("/api/v1/monitors/{id}/runs?limit=1"), &key).await.json()["items"][0].clone();
    assert_eq!((newest["method"].as_str(), newest["scheme"].as_str()), (Some("GET"), Some("https")));
    assert_eq!((newest["forwardedFor"].as_str(), newest["sourceIp"].as_str()), (Some("203.0.113.9"), Some("10.0.0.1")));
}

#[tokio::test]
async fn incidents_filter_acknowledge_and_resolve() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let a = create_monitor(&env, &key, "a").await;
    let b = create_monitor(&env, &key, "b").await;
    ping(&env, a["pingToken"].as_str().unwrap(), "/fail", "disk full").await;
    ping(&env, b["pingToken"].as_str().unwrap(), "/2", "oops").await;

    let all = env.get("/api/v1/incidents?status=open", &key).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let only_a = env
        .get(&format!("/api/v1/incidents?monitorId={}&kind=FAIL&severity=high", a["id"].as_str().unwrap()), &key)
        .await
        .json();
    let items = only_a["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["summary"], "disk full");
    let inc = items[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(env.get("/api/v1/incidents?status=bogus", &key).await.field().as_deref(), Some("status"));

    let acked = env.post(&format!("/api/v1/incidents/{inc}/acknowledge"), &key, "").await;
    assert_eq!(acked.json()["status"], "ACKNOWLEDGED");
    let again = env.post(&format!("/api/v1/incidents/{inc}/acknowledge"), &key, "").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let resolved = env.post(&format!("/api/v1/incidents/{inc}/resolve"), &key, "").await;
    assert_eq!(resolved.json()["status"], "RESOLVED");
    let monitor = env.store.monitor(&MonitorId::parse(a["id"].as_str().unwrap()).unwrap()).await.unwrap().unwrap();
    assert!(monitor.open_incidents.is_empty(), "resolving frees the monitor's slot");
    // So the next failure opens a new incident.
    ping(&env, a["pingToken"].as_str().unwrap(), "/fail", "again").await;
    assert_eq!(env.store.incidents_of_monitor(&monitor.id).await.unwrap().len(), 2);
    assert_eq!(env.post(&format!("/api/v1/incidents/{inc}/resolve"), &key, "").await.status, StatusCode::CONFLICT);
    assert_eq!(
        env.post("/api/v1/incidents/inc_0190abcdef0123456789abcdef012345/resolve", &key, "").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dependencies_refuse_cycles_and_foreign_ids() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let ids: Vec<String> = {
        let mut v = Vec::new();
        for n in ["a", "b", "c"] {
            v.push(create_monitor(&env, &key, n).await["id"].as_str().unwrap().to_owned());
        }
        v
    };
    let dep = |u: &str, d: &str| json!({"upstream": u, "downstream": d}).to_string();
    assert_eq!(env.post("/api/v1/dependencies", &key, &dep(&ids[0], &ids[1])).await.status, StatusCode::CREATED);
    assert_eq!(env.post("/api/v1/dependencies", &key, &dep(&ids[1], &ids[2])).await.status, StatusCode::CREATED);
    let before = env.snapshot().await;
    let cycle = env.post("/api/v1/dependencies", &key, &dep(&ids[2], &ids[0])).await;
    assert_eq!((cycle.status, cycle.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("downstream")));
    let foreign = env.post("/api/v1/dependencies", &key, &dep(&MonitorId::generate().to_string(), &ids[0])).await;
    assert_eq!((foreign.status, foreign.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("upstream")));
    let dup = env.post("/api/v1/dependencies", &key, &dep(&ids[0], &ids[1])).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(env.snapshot().await, before);
    let listed = env.get("/api/v1/dependencies", &key).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let res = env.call(Method::DELETE, &format!("/api/v1/dependencies/{}/{}", ids[0], ids[1]), &key, None).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    // Deleting a monitor takes its dependencies with it.
    env.call(Method::DELETE, &format!("/api/v1/monitors/{}", ids[2]), &key, None).await;
    assert_eq!(env.get("/api/v1/dependencies", &key).await.json()["items"], json!([]));
}

#[tokio::test]
async fn api_keys_show_the_secret_once_and_revoke() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let made = env.post("/api/v1/api-keys", &key, r#"{"name":"ci","scopes":["monitors:read"]}"#).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let made = made.json();
    let secret = made["secret"].as_str().unwrap();
    assert!(secret.starts_with("tf_"));
    assert_eq!(env.get("/api/v1/monitors", secret).await.status, StatusCode::OK);
    assert_eq!(env.get("/api/v1/incidents", secret).await.status, StatusCode::FORBIDDEN, "only its scopes");
    let listed = env.get("/api/v1/api-keys", &key).await;
    assert!(
        !String::from_utf8_lossy(&listed.body).contains(secret)
            && !String::from_utf8_lossy(&listed.body).contains("keyHash")
    );
    let id = made["id"].as_str().unwrap();
    let revoked = env.call(Method::DELETE, &format!("/api/v1/api-keys/{id}"), &key, None).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.json()["revokedAt"].is_string());
    assert_eq!(env.get("/api/v1/monitors", secret).await.status, StatusCode::UNAUTHORIZED);

    // A key cannot mint scopes it does not hold.
    let narrow =
        env.key(tokiflow_shared::domain::org::Role::Admin, &[tokiflow_shared::domain::org::Scope::OrgAdmin]).await;
    let res = env.post("/api/v1/api-keys", &narrow, r#"{"name":"x","scopes":["monitors:write"]}"#).await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("scopes")));
}

#[tokio::test]
async fn members_invite_change_and_remove_keeping_an_owner() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let made = env.post("/api/v1/members", &key, r#"{"email":"New@Example.com","role":"MEMBER"}"#).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let id = made.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(made.json()["email"], "new@example.com");
    assert_eq!(
        env.post("/api/v1/members", &key, r#"{"email":"new@example.com","role":"VIEWER"}"#).await.status,
        StatusCode::CONFLICT
    );
    let changed = env.call(Method::PATCH, &format!("/api/v1/members/{id}"), &key, Some(r#"{"role":"ADMIN"}"#)).await;
    assert_eq!(changed.json()["role"], "ADMIN");
    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/members/{id}"), &key, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(env.get("/api/v1/members", &key).await.json()["items"].as_array().unwrap().len(), 4);

    let owner = &env.user(tokiflow_shared::domain::org::Role::Owner).id;
    let demote = env.call(Method::PATCH, &format!("/api/v1/members/{owner}"), &key, Some(r#"{"role":"ADMIN"}"#)).await;
    assert_eq!(demote.status, StatusCode::CONFLICT, "the last owner stays: {:?}", demote.body);
    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/members/{owner}"), &key, None).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn channels_and_maintenance_crud() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let body = r#"{"name":"hooks","target":{"kind":"WEBHOOK","url":"https://example.com/hook","secret":"0123456789abcdef0123"},"minSeverity":"HIGH"}"#;
    let made = env.post("/api/v1/channels", &key, body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let ch = made.json();
    assert_eq!(ch["target"]["secret"], "********", "the signing secret is write-only");
    let id = ch["id"].as_str().unwrap();
    let replaced = env
        .call(
            Method::PUT,
            &format!("/api/v1/channels/{id}"),
            &key,
            Some(r#"{"name":"mail","target":{"kind":"EMAIL","to":"ops@example.com"}}"#),
        )
        .await;
    assert_eq!(replaced.json()["target"]["kind"], "EMAIL");
    assert_eq!(env.get(&format!("/api/v1/channels/{id}"), &key).await.json()["name"], "mail");
    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/channels/{id}"), &key, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(env.get(&format!("/api/v1/channels/{id}"), &key).await.status, StatusCode::NOT_FOUND);

    let w = r#"{"name":"upgrade","startsAt":"2026-01-04T01:00:00Z","endsAt":"2026-01-04T03:00:00Z","recurrence":"FREQ=WEEKLY;BYDAY=SU","timeZone":"Europe/Berlin"}"#;
    let made = env.post("/api/v1/maintenance", &key, w).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let id = made.json()["id"].as_str().unwrap().to_owned();
    let moved = w.replace("03:00", "02:00");
    assert_eq!(
        env.call(Method::PUT, &format!("/api/v1/maintenance/{id}"), &key, Some(&moved)).await.json()["endsAt"],
        "2026-01-04T02:00:00Z"
    );
    assert_eq!(env.get("/api/v1/maintenance", &key).await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/maintenance/{id}"), &key, None).await.status,
        StatusCode::NO_CONTENT
    );
}

/// (method, path, body, expected status, expected field)
type Case = (Method, String, String, u16, &'static str);

#[tokio::test]
async fn bad_input_on_every_write_route_names_the_field_and_changes_nothing() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "existing").await;
    let mid = m["id"].as_str().unwrap().to_owned();
    let ch = env.post("/api/v1/channels", &key, r#"{"name":"c","target":{"kind":"EMAIL","to":"a@b.co"}}"#).await.json();
    let cid = ch["id"].as_str().unwrap().to_owned();
    let w = env
        .post(
            "/api/v1/maintenance",
            &key,
            r#"{"name":"w","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z"}"#,
        )
        .await
        .json();
    let wid = w["id"].as_str().unwrap().to_owned();
    let uid = env.user(tokiflow_shared::domain::org::Role::Viewer).id.to_string();
    let long = "x".repeat(121);
    let ghost_mon = MonitorId::generate().to_string();
    let ghost_window = tokiflow_shared::domain::ids::DowntimeId::generate().to_string();
    let interval = r#"{"kind":"interval","seconds":60}"#;
    let (post, patch, put) = (Method::POST, Method::PATCH, Method::PUT);
    let cases: Vec<Case> = vec![
        (post.clone(), "/api/v1/monitors".into(), "".into(), 400, "body"),
        (post.clone(), "/api/v1/monitors".into(), "{\"name\":".into(), 400, "body"),
        (post.clone(), "/api/v1/monitors".into(), "[]".into(), 400, "body"),
        (post.clone(), "/api/v1/monitors".into(), format!(r#"{{"schedule":{interval}}}"#), 400, "name"),
        (post.clone(), "/api/v1/monitors".into(), r#"{"name":"x"}"#.into(), 400, "schedule"),
        (post.clone(), "/api/v1/monitors".into(), format!(r#"{{"name":7,"schedule":{interval}}}"#), 400, "name"),
        (post.clone(), "/api/v1/monitors".into(), format!(r#"{{"name":"{long}","schedule":{interval}}}"#), 422, "name"),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            r#"{"name":"x","schedule":{"kind":"interval"}}"#.into(),
            400,
            "schedule.seconds",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            r#"{"name":"x","schedule":{"kind":"cron","expr":"99 * * * *","tz":"UTC"}}"#.into(),
            400,
            "schedule",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            format!(r#"{{"name":"x","schedule":{interval},"grace":"soon"}}"#),
            400,
            "grace",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            format!(r#"{{"name":"x","schedule":{interval},"grace":99999999}}"#),
            422,
            "grace",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            format!(r#"{{"name":"x","schedule":{interval},"tags":["ok","Not A Tag"]}}"#),
            422,
            "tags[1]",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            format!(r#"{{"name":"x","schedule":{interval},"severity":"URGENT"}}"#),
            400,
            "severity",
        ),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            format!(r#"{{"name":"x","schedule":{interval},"nmae":"typo"}}"#),
            400,
            "nmae",
        ),
        (patch.clone(), format!("/api/v1/monitors/{mid}"), format!(r#"{{"name":"{long}"}}"#), 422, "name"),
        (patch.clone(), format!("/api/v1/monitors/{mid}"), r#"{"enabled":"yes"}"#.into(), 400, "enabled"),
        (patch.clone(), format!("/api/v1/monitors/{mid}"), r#"{"maxRuntime":0}"#.into(), 422, "maxRuntime"),
        (patch.clone(), format!("/api/v1/monitors/{mid}"), r#"{"grace":18446744073709551615}"#.into(), 422, "grace"),
        (patch.clone(), format!("/api/v1/monitors/{ghost_mon}"), r#"{"name":"x"}"#.into(), 404, ""),
        (post.clone(), format!("/api/v1/monitors/{ghost_mon}/pause"), "".into(), 404, ""),
        (post.clone(), format!("/api/v1/monitors/{ghost_mon}/resume"), "".into(), 404, ""),
        (put.clone(), format!("/api/v1/monitors/{mid}/tags"), r#"{"tags":"db"}"#.into(), 400, "tags"),
        (
            patch.clone(),
            format!("/api/v1/monitors/{mid}/downtime/{ghost_window}"),
            r#"{"rootCause":5}"#.into(),
            400,
            "rootCause",
        ),
        (patch.clone(), format!("/api/v1/monitors/{mid}/downtime/{ghost_window}"), r#"{"notes":"x"}"#.into(), 404, ""),
        (post.clone(), format!("/api/v1/monitors/{mid}/debug-sessions"), "".into(), 422, "monitorId"),
        (post.clone(), format!("/api/v1/monitors/{ghost_mon}/debug-sessions"), "".into(), 404, ""),
        (put.clone(), format!("/api/v1/monitors/{mid}/tags"), format!(r#"{{"tags":["{long}"]}}"#), 422, "tags[0]"),
        (post.clone(), "/api/v1/dependencies".into(), format!(r#"{{"upstream":"{mid}"}}"#), 400, "downstream"),
        (
            post.clone(),
            "/api/v1/dependencies".into(),
            format!(r#"{{"upstream":"{mid}","downstream":"{mid}"}}"#),
            422,
            "downstream",
        ),
        (
            post.clone(),
            "/api/v1/dependencies".into(),
            format!(r#"{{"upstream":"{ghost_mon}","downstream":"{mid}"}}"#),
            422,
            "upstream",
        ),
        (post.clone(), "/api/v1/incidents/inc_0190abcdef0123456789abcdef012345/acknowledge".into(), "".into(), 404, ""),
        (post.clone(), "/api/v1/incidents/inc_0190abcdef0123456789abcdef012345/resolve".into(), "".into(), 404, ""),
        (post.clone(), "/api/v1/incidents/not-an-id/resolve".into(), "".into(), 404, ""),
        (patch.clone(), "/api/v1/org".into(), r#"{"retentionDays":0}"#.into(), 422, "retentionDays"),
        (patch.clone(), "/api/v1/org".into(), r#"{"ipAllowlist":["not-a-net"]}"#.into(), 400, "ipAllowlist[0]"),
        (
            patch.clone(),
            "/api/v1/org".into(),
            r#"{"ipAllowlist":["127.0.0.0/8","10.1.2.3/8"]}"#.into(),
            422,
            "ipAllowlist[1]",
        ),
        (patch.clone(), "/api/v1/org".into(), "{\"name\":\"evil\\u202etxt\"}".into(), 422, "name"),
        (patch.clone(), "/api/v1/org".into(), r#"{"name":"two\nlines"}"#.into(), 422, "name"),
        (
            post.clone(),
            "/api/v1/monitors".into(),
            r#"{"name":"nul\u0000","schedule":{"kind":"interval","seconds":60}}"#.into(),
            422,
            "name",
        ),
        (patch.clone(), "/api/v1/org".into(), format!(r#"{{"name":"{long}"}}"#), 422, "name"),
        (post.clone(), "/api/v1/members".into(), r#"{"email":"nope","role":"MEMBER"}"#.into(), 422, "email"),
        (post.clone(), "/api/v1/members".into(), r#"{"email":"a@b.co","role":"KING"}"#.into(), 400, "role"),
        (post.clone(), "/api/v1/members".into(), r#"{"role":"MEMBER"}"#.into(), 400, "email"),
        (post.clone(), "/api/v1/members/not-an-id/invitation".into(), "".into(), 404, ""),
        (post.clone(), "/api/v1/invitations/accept".into(), "{}".into(), 400, "token"),
        (post.clone(), "/api/v1/invitations/accept".into(), r#"{"token":"a.b.c","keyName":""}"#.into(), 404, ""),
        (patch.clone(), format!("/api/v1/members/{uid}"), r#"{"role":5}"#.into(), 400, "role"),
        (
            patch.clone(),
            "/api/v1/members/usr_0190abcdef0123456789abcdef012345".into(),
            r#"{"role":"VIEWER"}"#.into(),
            404,
            "",
        ),
        (post.clone(), "/api/v1/api-keys".into(), r#"{"name":"k","scopes":["everything"]}"#.into(), 400, "scopes[0]"),
        (post.clone(), "/api/v1/api-keys".into(), r#"{"name":"k","scopes":[]}"#.into(), 422, "scopes"),
        (
            post.clone(),
            "/api/v1/api-keys".into(),
            format!(r#"{{"name":"{long}","scopes":["monitors:read"]}}"#),
            422,
            "name",
        ),
        (
            post.clone(),
            "/api/v1/channels".into(),
            r#"{"name":"c","target":{"kind":"SLACK","webhookUrl":"ftp://x"}}"#.into(),
            400,
            "target",
        ),
        (
            post.clone(),
            "/api/v1/channels".into(),
            r#"{"name":"c","target":{"kind":"PAGERDUTY","routingKey":"short"}}"#.into(),
            400,
            "target",
        ),
        (post.clone(), "/api/v1/channels".into(), r#"{"target":{"kind":"EMAIL","to":"a@b.co"}}"#.into(), 400, "name"),
        // Far out of range: once a panic (TimeDelta::seconds) that took the server down.
        (
            post.clone(),
            "/api/v1/channels".into(),
            r#"{"name":"c","target":{"kind":"EMAIL","to":"a@b.co"},"realertAfterSecs":9223372036854775807}"#.into(),
            422,
            "realertAfterSecs",
        ),
        (
            post.clone(),
            "/api/v1/channels".into(),
            r#"{"name":"c","target":{"kind":"EMAIL","to":"a@b.co"},"realertAfterSecs":-9223372036854775808}"#.into(),
            422,
            "realertAfterSecs",
        ),
        (
            put.clone(),
            format!("/api/v1/channels/{cid}"),
            format!(r#"{{"name":"{long}","target":{{"kind":"EMAIL","to":"a@b.co"}}}}"#),
            422,
            "name",
        ),
        (
            put.clone(),
            format!("/api/v1/channels/{cid}"),
            r#"{"name":"c","target":{"kind":"EMAIL","to":"a@b.co"},"realertAfterSecs":9223372036854775807}"#.into(),
            422,
            "realertAfterSecs",
        ),
        (
            put.clone(),
            "/api/v1/channels/chn_0190abcdef0123456789abcdef012345".into(),
            r#"{"name":"c","target":{"kind":"EMAIL","to":"a@b.co"}}"#.into(),
            404,
            "",
        ),
        (post.clone(), "/api/v1/channels/chn_0190abcdef0123456789abcdef012345/test".into(), "".into(), 404, ""),
        (post.clone(), "/api/v1/channels/not-an-id/test".into(), "{}".into(), 404, ""),
        (
            post.clone(),
            "/api/v1/maintenance".into(),
            r#"{"name":"w","startsAt":"2026-01-01T01:00:00Z","endsAt":"2026-01-01T00:00:00Z"}"#.into(),
            422,
            "endsAt",
        ),
        (
            post.clone(),
            "/api/v1/maintenance".into(),
            r#"{"name":"w","startsAt":"yesterday","endsAt":"2026-01-01T00:00:00Z"}"#.into(),
            400,
            "startsAt",
        ),
        (
            post.clone(),
            "/api/v1/maintenance".into(),
            r#"{"name":"w","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","timeZone":"Mars/Base"}"#
                .into(),
            422,
            "timeZone",
        ),
        (
            post.clone(),
            "/api/v1/maintenance".into(),
            format!(
                r#"{{"name":"w","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","monitorIds":["{ghost_mon}"]}}"#
            ),
            422,
            "monitorIds[0]",
        ),
        (
            post.clone(),
            "/api/v1/maintenance".into(),
            r#"{"name":"w","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z","recurrence":"BYDAY=SU"}"#
                .into(),
            422,
            "recurrence",
        ),
        (put.clone(), format!("/api/v1/maintenance/{wid}"), r#"{"name":"w"}"#.into(), 400, "startsAt"),
    ];
    let before = env.snapshot().await;
    for (method, path, body, status, field) in &cases {
        let res = env.call(method.clone(), path, &key, Some(body)).await;
        let what = format!("{method} {path} {body}: {} {}", res.status, String::from_utf8_lossy(&res.body));
        assert_eq!(res.status.as_u16(), *status, "{what}");
        if !field.is_empty() {
            assert_eq!(res.field().as_deref(), Some(*field), "{what}");
        }
    }
    // Every write route of the table was probed (status pages' in their own test).
    for route in tokiflow_shared::http::api::policy::ROUTES {
        if matches!(route.method, Method::POST | Method::PUT | Method::PATCH) && !route.path.starts_with(STATUS_PAGES) {
            let probed = cases.iter().any(|(m, p, ..)| {
                *m == route.method && tokiflow_shared::http::api::policy::match_path(route.path, p).is_some()
            });
            assert!(probed, "no bad-input case for {} {}", route.method, route.path);
        }
    }
    let huge = format!(r#"{{"name":"{}","schedule":{interval}}}"#, "x".repeat(70 * 1024));
    let res = env.post("/api/v1/monitors", &key, &huge).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(env.snapshot().await, before, "refused requests changed nothing");
}

// Incident history, run output URLs and channel tests.

/// 404 with the JSON error body, for each path.
async fn all_not_found(env: &Env, method: Method, paths: &[String], key: &str) {
    for path in paths {
        let res = env.call(method.clone(), path, key, None).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {:?}", res.body);
        assert_eq!(res.json()["error"]["code"], "not_found", "{path}");
    }
}

/// `GET /api/v1/incidents/{id}/{what}` is 404 for an unknown, a malformed, and another
/// org's incident (stored directly, as the API cannot make one there).
async fn incident_reads_not_found(env: &Env, what: &str, key: &str) {
    use tokiflow_shared::domain::ids::OrgId;
    use tokiflow_shared::domain::incident::{Incident, IncidentKind, Severity};
    let other = Incident::open(
        OrgId::generate(),
        MonitorId::generate(),
        IncidentKind::Fail,
        Severity::High,
        chrono::Utc::now(),
    );
    env.store.put_incident(&other).await.unwrap();
    let paths = ["inc_0190abcdef0123456789abcdef012345", "not-an-id", other.id.as_str()]
        .map(|id| format!("/api/v1/incidents/{id}/{what}"));
    all_not_found(env, Method::GET, &paths, key).await;
}

#[tokio::test]
async fn incident_events_are_its_changes_in_order() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "job").await;
    ping(&env, m["pingToken"].as_str().unwrap(), "/fail", "disk full").await;
    let inc = env.get("/api/v1/incidents", &key).await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    env.post(&format!("/api/v1/incidents/{inc}/acknowledge"), &key, "").await;
    env.post(&format!("/api/v1/incidents/{inc}/resolve"), &key, "").await;

    let viewer = env
        .key(tokiflow_shared::domain::org::Role::Viewer, &[tokiflow_shared::domain::org::Scope::IncidentsRead])
        .await;
    let res = env.get(&format!("/api/v1/incidents/{inc}/events"), &viewer).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let events = res.json()["items"].as_array().unwrap().clone();
    let seen: Vec<(&str, &str)> =
        events.iter().map(|e| (e["change"].as_str().unwrap(), e["status"].as_str().unwrap())).collect();
    assert_eq!(seen, [("OPENED", "OPEN"), ("ACKNOWLEDGED", "ACKNOWLEDGED"), ("RESOLVED", "RESOLVED")]);
    assert!(events.iter().all(|e| e["severity"] == "HIGH"));
    let at = |i: usize| chrono::DateTime::parse_from_rfc3339(events[i]["at"].as_str().unwrap()).unwrap();
    assert!(at(0) <= at(1) && at(1) <= at(2), "chronological: {events:?}");

    incident_reads_not_found(&env, "events", &key).await;
}

#[tokio::test]
async fn incident_deliveries_show_the_log_without_secrets() {
    use tokiflow_shared::conformance::store::delivery_of;
    use tokiflow_shared::domain::channel::{Channel, ChannelTarget, SigningSecret, WebhookUrl};
    use tokiflow_shared::domain::incident::Severity;
    use tokiflow_shared::domain::notification::record::DeliveryRecord;
    use tokiflow_shared::domain::text::Name;
    use tokiflow_shared::ports::store::{ConfigStore, DeliveryStore};
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "job").await;
    ping(&env, m["pingToken"].as_str().unwrap(), "/fail", "boom").await;
    let incident =
        env.store.incidents_of_monitor(&MonitorId::parse(m["id"].as_str().unwrap()).unwrap()).await.unwrap().remove(0);
    let empty = env.get(&format!("/api/v1/incidents/{}/deliveries", incident.id), &key).await;
    assert_eq!((empty.status, empty.json()["items"].clone()), (StatusCode::OK, json!([])));

    let secret_url = "https://hooks.example.com/services/T0/B0/sekrit-token-in-url";
    let channel = Channel::new(
        env.org.id.clone(),
        Name::new("hook").unwrap(),
        ChannelTarget::Webhook {
            url: WebhookUrl::new(secret_url).unwrap(),
            secret: SigningSecret::new("a-signing-secret-1234").unwrap(),
        },
        Severity::Low,
    );
    env.store.put_channel(&channel).await.unwrap();
    let opened = env.store.incident_events(&incident.id).await.unwrap().remove(0);
    let t = chrono::Utc::now();
    let claim = DeliveryRecord::claim(
        &tokiflow_shared::domain::notification::Notice::from(&opened),
        &channel.id,
        channel.target.kind(),
        t,
    );
    assert!(env.store.claim_delivery(&claim, chrono::Duration::minutes(5)).await.unwrap());
    env.store.finish_delivery(&claim.clone().finish(delivery_of(&claim, false, 503, t))).await.unwrap();

    let res = env.get(&format!("/api/v1/incidents/{}/deliveries", incident.id), &key).await;
    assert_eq!(res.status, StatusCode::OK);
    let log = res.json()["items"].clone();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    let d = &log[0];
    assert_eq!(
        (&d["change"], &d["channelId"], &d["channelKind"], &d["status"]),
        (&json!("OPENED"), &json!(channel.id), &json!("WEBHOOK"), &json!("FAILED"))
    );
    assert_eq!(d["attempts"][0]["status"], 503);
    let text = String::from_utf8_lossy(&res.body);
    assert!(
        !text.contains("sekrit") && !text.contains("hooks.example.com") && !text.contains("a-signing-secret"),
        "no channel URL or secret: {text}"
    );

    incident_reads_not_found(&env, "deliveries", &key).await;
}

#[tokio::test]
async fn runs_with_stored_output_carry_a_download_url() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "job").await;
    let (id, token) = (m["id"].as_str().unwrap(), m["pingToken"].as_str().unwrap());
    let big = "x".repeat(9 * 1024);
    ping(&env, token, "", &big).await;
    ping(&env, token, "/log", "small").await;
    let items = env.get(&format!("/api/v1/monitors/{id}/runs"), &key).await.json()["items"].clone();
    assert!(items[0].get("outputUrl").is_none(), "kept inline: no URL: {}", items[0]);
    let url = items[1]["outputUrl"].as_str().expect("stored apart: a URL");
    let run = items[1]["id"].as_str().unwrap();
    assert_eq!(url, format!("{}/api/v1/monitors/{id}/runs/{run}/output", harness::BASE_URL));
    assert!(items[1]["output"].get("blobKey").is_none(), "storage detail stays inside");
    let fetched = env.get(url.strip_prefix(harness::BASE_URL).unwrap(), &key).await;
    assert_eq!((fetched.status, fetched.body.len()), (StatusCode::OK, big.len()));
}

#[tokio::test]
async fn channel_tests_send_through_the_transport_and_say_how_it_went() {
    use tokiflow_shared::adapters::mailbox::MailboxEntry;
    let env = Env::new().await;
    let key = env.owner_key().await;
    let email = env
        .post("/api/v1/channels", &key, r#"{"name":"ops mail","target":{"kind":"EMAIL","to":"ops@example.com"}}"#)
        .await
        .json();
    let res = env.post(&format!("/api/v1/channels/{}/test", email["id"].as_str().unwrap()), &key, "").await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let r = res.json();
    assert_eq!(
        (&r["delivered"], &r["outcome"], &r["channelKind"], &r["status"], &r["error"]),
        (&json!(true), &json!("DELIVERED"), &json!("EMAIL"), &Value::Null, &Value::Null)
    );
    let sent = env.mailbox.entries().unwrap();
    match sent.as_slice() {
        [MailboxEntry::Email { to, subject, text, .. }] => {
            assert_eq!(to.to_string(), "ops@example.com");
            assert!(subject.contains("Test notification"), "{subject}");
            assert!(text.contains("nothing is wrong"), "{text}");
        }
        other => panic!("one e-mail in the mailbox: {other:?}"),
    }

    // A receiver that is not there: one attempt (a test is not retried), the error shown.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let hook = env
        .post(
            "/api/v1/channels",
            &key,
            &json!({"name": "hook", "target": {"kind": "WEBHOOK", "url": format!("http://127.0.0.1:{port}/hook"), "secret": "0123456789abcdef"}}).to_string(),
        )
        .await
        .json();
    let r = env.post(&format!("/api/v1/channels/{}/test", hook["id"].as_str().unwrap()), &key, "").await.json();
    assert_eq!((&r["delivered"], &r["outcome"]), (&json!(false), &json!("FAILED")), "{r}");
    assert_eq!(r["attempts"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["error"], "connection failed", "a category, not the socket's error: {r}");
    assert!(
        !r.to_string().contains("0123456789abcdef") && !r.to_string().contains("/hook"),
        "the secret and URL stay inside: {r}"
    );

    // Unknown, malformed and foreign channel ids are 404.
    let foreign = tokiflow_shared::domain::channel::Channel::new(
        tokiflow_shared::domain::ids::OrgId::generate(),
        tokiflow_shared::domain::text::Name::new("theirs").unwrap(),
        tokiflow_shared::domain::channel::ChannelTarget::Email {
            to: tokiflow_shared::domain::org::Email::new("them@example.com").unwrap(),
        },
        tokiflow_shared::domain::incident::Severity::Low,
    );
    tokiflow_shared::ports::store::ConfigStore::put_channel(env.store.as_ref(), &foreign).await.unwrap();
    all_not_found(
        &env,
        Method::POST,
        &[
            "/api/v1/channels/chn_0190abcdef0123456789abcdef012345/test".into(),
            "/api/v1/channels/nope/test".into(),
            format!("/api/v1/channels/{}/test", foreign.id),
        ],
        &key,
    )
    .await;
    assert_eq!(env.mailbox.entries().unwrap().len(), 1, "nothing else was sent");

    // A channel reader may look but not send.
    let reader =
        env.key(tokiflow_shared::domain::org::Role::Owner, &[tokiflow_shared::domain::org::Scope::ChannelsRead]).await;
    let res = env.post(&format!("/api/v1/channels/{}/test", email["id"].as_str().unwrap()), &reader, "").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

// Status pages, their incidents and maintenance.

const STATUS_PAGES: &str = "/api/v1/status-pages";

async fn create_page(env: &Env, key: &str, body: Value) -> Value {
    let res = env.post(STATUS_PAGES, key, &body.to_string()).await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    res.json()
}

/// The public page's resource, as a customer's request (no API key).
async fn public(env: &Env, path: &str) -> harness::Reply {
    env.call_from(Method::GET, path, None, None, None).await
}

/// A page of another org, stored directly (the API cannot make one there).
async fn foreign_page(env: &Env) -> String {
    use tokiflow_shared::domain::ids::OrgId;
    use tokiflow_shared::domain::status_page::StatusPage;
    use tokiflow_shared::domain::text::{Name, Slug};
    use tokiflow_shared::ports::store::ConfigStore;
    let page = StatusPage::new(OrgId::generate(), Name::new("Theirs").unwrap(), Slug::new("theirs").unwrap());
    env.store.put_status_page(&page).await.unwrap();
    page.id.to_string()
}

#[tokio::test]
async fn status_pages_create_read_replace_and_publish() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let mid = create_monitor(&env, &key, "api").await["id"].as_str().unwrap().to_owned();
    let page = create_page(&env, &key, json!({
        "name": "Acme status", "slug": "acme", "description": "How Acme is doing",
        "theme": {"brandColour": "#AA0000", "logoUrl": "https://acme.example/logo.png"},
        "components": [{"name": "API", "position": 5, "monitorIds": [mid], "description": "REST"}, {"name": "Billing", "service": "billing"}]
    }))
    .await;
    let pid = page["id"].as_str().unwrap().to_owned();
    assert_eq!(page["visibility"], "PUBLIC");
    assert!(page.get("accessToken").is_none(), "a public page has no token: {page}");
    assert_eq!(page["theme"]["brandColour"], "#aa0000");
    let names: Vec<&str> = page["components"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Billing", "API"], "components in position order");
    assert_eq!(page["components"][1]["monitorIds"], json!([mid]));

    let got = env.get(&format!("{STATUS_PAGES}/{pid}"), &key).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json(), page);
    let listed = env.get(STATUS_PAGES, &key).await.json();
    assert_eq!(listed["items"], json!([page]));
    // Published: the static copy and the dynamic page.
    let index = std::fs::read_to_string(env.site.join("status/acme/index.html")).unwrap();
    assert!(index.contains("Acme status"), "{index}");
    assert_eq!(public(&env, "/status/acme/api/v2/components.json").await.status, StatusCode::OK);

    // Replace: a component named by id is kept, one left out is gone.
    let api_id = page["components"][1]["id"].as_str().unwrap().to_owned();
    let res = env
        .call(
            Method::PUT,
            &format!("{STATUS_PAGES}/{pid}"),
            &key,
            Some(
                &json!({
                    "name": "Acme", "slug": "acme-cloud",
                    "components": [{"id": api_id, "name": "Public API", "monitorIds": [mid]}]
                })
                .to_string(),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let replaced = res.json();
    assert_eq!(replaced["id"], page["id"]);
    assert_eq!(replaced["slug"], "acme-cloud");
    assert_eq!(replaced["components"].as_array().unwrap().len(), 1);
    assert_eq!(replaced["components"][0]["id"], api_id.as_str());
    assert_eq!(replaced["components"][0]["name"], "Public API");
    assert!(replaced.get("description").is_none(), "replace takes the whole page: {replaced}");
    assert_eq!(public(&env, "/status/acme-cloud/api/v2/summary.json").await.status, StatusCode::OK);
    assert_eq!(public(&env, "/status/acme/api/v2/summary.json").await.status, StatusCode::NOT_FOUND);
    assert!(env.site.join("status/acme-cloud/index.html").exists());
    assert!(!env.site.join("status/acme").exists(), "the old slug's copy is removed");

    // Slugs and custom domains are unique: 409, and nothing changes.
    create_page(&env, &key, json!({"name": "Other", "slug": "other", "customDomain": "status.acme.example"})).await;
    let before = env.snapshot().await;
    for body in [
        json!({"name": "Dup", "slug": "acme-cloud"}),
        json!({"name": "Dup", "slug": "dup", "customDomain": "status.acme.example"}),
    ] {
        let res = env.post(STATUS_PAGES, &key, &body.to_string()).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{body}: {:?}", res.body);
        assert_eq!(res.json()["error"]["code"], "conflict");
    }
    let res =
        env.call(Method::PUT, &format!("{STATUS_PAGES}/{pid}"), &key, Some(r#"{"name":"Acme","slug":"other"}"#)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{:?}", res.body);
    assert_eq!(env.snapshot().await, before, "conflicts changed nothing");
}

#[tokio::test]
async fn a_private_page_shows_its_token_once_and_stores_only_its_hash() {
    use tokiflow_shared::domain::ids::StatusPageId;
    use tokiflow_shared::domain::status_page::Visibility;
    use tokiflow_shared::ports::store::StatusStore;
    let env = Env::new().await;
    let key = env.owner_key().await;
    let page = create_page(&env, &key, json!({"name": "Internal", "slug": "internal", "visibility": "PRIVATE"})).await;
    let pid = page["id"].as_str().unwrap().to_owned();
    let token = page["accessToken"].as_str().unwrap().to_owned();
    assert!(token.starts_with("sp_") && token.len() > 20, "{page}");
    assert_eq!(page["visibility"], "PRIVATE", "no hash in the answer: {page}");

    let stored = env.store.status_pages_of_org(&env.org.id).await.unwrap();
    let stored = stored.iter().find(|p| p.id == StatusPageId::parse(&pid).unwrap()).unwrap();
    let Visibility::Private { token_hash } = &stored.visibility else { panic!("stored public: {stored:?}") };
    assert!(token_hash.matches(&token));
    assert!(!serde_json::to_string(stored).unwrap().contains(&token), "the token itself is not stored");

    let got = env.get(&format!("{STATUS_PAGES}/{pid}"), &key).await.json();
    assert!(got.get("accessToken").is_none() && got["visibility"] == "PRIVATE", "{got}");
    assert_eq!(public(&env, "/status/internal").await.status, StatusCode::NOT_FOUND);
    assert_eq!(public(&env, &format!("/status/internal?token={token}")).await.status, StatusCode::OK);
    assert!(!env.site.join("status/internal").exists(), "a private page is never published");

    // Replacing keeps the token unless asked to rotate it.
    let put = |body: Value| {
        let (env, key, pid) = (&env, &key, &pid);
        async move { env.call(Method::PUT, &format!("{STATUS_PAGES}/{pid}"), key, Some(&body.to_string())).await.json() }
    };
    let kept = put(json!({"name": "Internal!", "slug": "internal", "visibility": "PRIVATE"})).await;
    assert!(kept.get("accessToken").is_none(), "{kept}");
    assert_eq!(public(&env, &format!("/status/internal?token={token}")).await.status, StatusCode::OK);
    let rotated =
        put(json!({"name": "Internal", "slug": "internal", "visibility": "PRIVATE", "rotateToken": true})).await;
    let new_token = rotated["accessToken"].as_str().unwrap();
    assert_ne!(new_token, token);
    assert_eq!(public(&env, &format!("/status/internal?token={token}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(public(&env, &format!("/status/internal?token={new_token}")).await.status, StatusCode::OK);
    // Made public: published.
    put(json!({"name": "Internal", "slug": "internal"})).await;
    assert_eq!(public(&env, "/status/internal").await.status, StatusCode::OK);
    assert!(env.site.join("status/internal/index.html").exists());
}

#[tokio::test]
async fn status_incidents_and_updates_show_on_the_page() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let page = create_page(
        &env,
        &key,
        json!({"name": "Acme", "slug": "acme", "components": [{"name": "API"}, {"name": "Web"}]}),
    )
    .await;
    let pid = page["id"].as_str().unwrap().to_owned();
    let api = page["components"][0]["id"].as_str().unwrap().to_owned();
    let incidents = format!("{STATUS_PAGES}/{pid}/incidents");

    let res = env
        .post(
            &incidents,
            &key,
            &json!({
                "name": "Elevated API errors", "impact": "MAJOR", "body": "Some requests fail.",
                "state": "IDENTIFIED", "components": {api.clone(): "partial_outage"}
            })
            .to_string(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    let inc = res.json();
    let iid = inc["id"].as_str().unwrap().to_owned();
    assert_eq!(inc["state"], "IDENTIFIED");
    assert_eq!(inc["updates"][0]["state"], "IDENTIFIED");
    assert_eq!(inc["affected"][&api], "partial_outage");

    let shown = public(&env, "/status/acme/api/v2/incidents/unresolved.json").await.json();
    assert_eq!(shown["incidents"][0]["name"], "Elevated API errors", "{shown}");
    assert_eq!(shown["incidents"][0]["status"], "identified");
    let components = public(&env, "/status/acme/api/v2/components.json").await.json();
    let api_status =
        components["components"].as_array().unwrap().iter().find(|c| c["id"] == api.as_str()).unwrap()["status"]
            .clone();
    assert_eq!(api_status, "partial_outage");
    let published = std::fs::read_to_string(env.site.join("status/acme/api/v2/incidents.json")).unwrap();
    assert!(published.contains("Some requests fail."), "the static copy shows it: {published}");

    let update = format!("{incidents}/{iid}/updates");
    let res = env.post(&update, &key, r#"{"state":"MONITORING","body":"A fix is out."}"#).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!(res.json()["updates"].as_array().unwrap().len(), 2);
    let res = env.post(&update, &key, r#"{"state":"RESOLVED","body":"All good."}"#).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!(res.json()["affected"], json!({}));

    let all = public(&env, "/status/acme/api/v2/incidents.json").await.json();
    let bodies: Vec<&str> = all["incidents"][0]["incident_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["All good.", "A fix is out.", "Some requests fail."]);
    assert_eq!(public(&env, "/status/acme/api/v2/incidents/unresolved.json").await.json()["incidents"], json!([]));
    let published = std::fs::read_to_string(env.site.join("status/acme/api/v2/incidents.json")).unwrap();
    assert!(published.contains("All good."), "{published}");

    // A resolved incident takes no more updates.
    let res = env.post(&update, &key, r#"{"state":"MONITORING","body":"Again?"}"#).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{:?}", res.body);
    let listed = env.get(&incidents, &key).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["updates"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn page_maintenance_is_announced_on_the_page() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let mid = create_monitor(&env, &key, "db").await["id"].as_str().unwrap().to_owned();
    let page = create_page(
        &env,
        &key,
        json!({"name": "Acme", "slug": "acme", "components": [{"name": "DB", "monitorIds": [mid]}]}),
    )
    .await;
    let pid = page["id"].as_str().unwrap().to_owned();
    let db = page["components"][0]["id"].as_str().unwrap().to_owned();
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let res = env
        .post(
            &format!("{STATUS_PAGES}/{pid}/maintenance"),
            &key,
            &json!({
                "name": "Database upgrade", "startsAt": starts, "endsAt": starts + chrono::Duration::hours(2),
                "recurrence": "FREQ=WEEKLY;BYDAY=SU", "timeZone": "Europe/Riga",
                "componentIds": [db], "description": "Short read-only spells."
            })
            .to_string(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
    let m = res.json();
    assert_eq!(m["componentIds"], json!([db]));
    assert_eq!(m["window"]["monitorIds"], json!([mid]), "the components' monitors");
    assert_eq!(m["autoStatus"], true);
    let listed = env.get(&format!("{STATUS_PAGES}/{pid}/maintenance"), &key).await.json();
    assert_eq!(listed["items"], json!([m]));
    let upcoming = public(&env, "/status/acme/api/v2/scheduled-maintenances/upcoming.json").await.json();
    assert_eq!(upcoming["scheduled_maintenances"][0]["name"], "Database upgrade", "{upcoming}");
    let published = std::fs::read_to_string(env.site.join("status/acme/api/v2/scheduled-maintenances.json")).unwrap();
    assert!(published.contains("Database upgrade"), "{published}");
}

#[tokio::test]
async fn another_orgs_or_an_unknown_page_is_not_found() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let theirs = foreign_page(&env).await;
    let before = env.snapshot().await;
    for id in [theirs.as_str(), "sp_0190abcdef0123456789abcdef012345", "not-an-id"] {
        let base = format!("{STATUS_PAGES}/{id}");
        all_not_found(
            &env,
            Method::GET,
            &[base.clone(), format!("{base}/incidents"), format!("{base}/maintenance")],
            &key,
        )
        .await;
        let writes = [
            (Method::PUT, base.clone(), r#"{"name":"x","slug":"x"}"#),
            (Method::POST, format!("{base}/incidents"), r#"{"name":"x","impact":"MINOR","body":"b"}"#),
            (
                Method::POST,
                format!("{base}/incidents/sin_0190abcdef0123456789abcdef012345/updates"),
                r#"{"state":"MONITORING","body":"b"}"#,
            ),
            (
                Method::POST,
                format!("{base}/maintenance"),
                r#"{"name":"w","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z"}"#,
            ),
        ];
        for (method, path, body) in writes {
            let res = env.call(method, &path, &key, Some(body)).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}: {:?}", res.body);
        }
    }
    assert_eq!(env.get(STATUS_PAGES, &key).await.json()["items"], json!([]), "their page is not listed");
    assert_eq!(env.snapshot().await, before);
}

#[tokio::test]
async fn bad_input_on_every_status_page_write_route_names_the_field_and_changes_nothing() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let page = create_page(&env, &key, json!({"name": "Acme", "slug": "acme", "components": [{"name": "API"}]})).await;
    let pid = page["id"].as_str().unwrap().to_owned();
    let cid = page["components"][0]["id"].as_str().unwrap().to_owned();
    let inc = env
        .post(&format!("{STATUS_PAGES}/{pid}/incidents"), &key, r#"{"name":"Down","impact":"MINOR","body":"Looking."}"#)
        .await
        .json();
    let iid = inc["id"].as_str().unwrap().to_owned();
    let ghost_mon = MonitorId::generate().to_string();
    let long = "x".repeat(121);
    let huge_text = "x".repeat(4097);
    let (post, put) = (Method::POST, Method::PUT);
    let pages = STATUS_PAGES.to_owned();
    let this = format!("{STATUS_PAGES}/{pid}");
    let incidents = format!("{this}/incidents");
    let updates = format!("{incidents}/{iid}/updates");
    let maintenance = format!("{this}/maintenance");
    let window = r#""startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z""#;
    let cases: Vec<Case> = vec![
        (post.clone(), pages.clone(), "".into(), 400, "body"),
        (post.clone(), pages.clone(), "[]".into(), 400, "body"),
        (post.clone(), pages.clone(), r#"{"slug":"x"}"#.into(), 400, "name"),
        (post.clone(), pages.clone(), r#"{"name":"x"}"#.into(), 400, "slug"),
        (post.clone(), pages.clone(), r#"{"name":7,"slug":"x"}"#.into(), 400, "name"),
        (post.clone(), pages.clone(), format!(r#"{{"name":"{long}","slug":"x"}}"#), 422, "name"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"Not A Slug"}"#.into(), 422, "slug"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","visibility":"SECRET"}"#.into(), 400, "visibility"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","customDomain":"localhost"}"#.into(), 422, "customDomain"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","theme":{"brandColour":"red"}}"#.into(), 422, "theme.brandColour"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","theme":{"logoUrl":"javascript:alert(1)"}}"#.into(), 422, "theme.logoUrl"),
        (post.clone(), pages.clone(), r##"{"name":"x","slug":"x","theme":{"colour":"#000000"}}"##.into(), 400, "theme.colour"),
        (post.clone(), pages.clone(), format!(r#"{{"name":"x","slug":"x","description":"{}"}}"#, "d".repeat(2001)), 422, "description"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","components":[{"monitorIds":[]}]}"#.into(), 400, "components[0].name"),
        (post.clone(), pages.clone(), format!(r#"{{"name":"x","slug":"x","components":[{{"name":"c","monitorIds":["{ghost_mon}"]}}]}}"#), 422, "components[0].monitorIds[0]"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","components":[{"name":"c","position":-1}]}"#.into(), 400, "components[0].position"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","components":[{"name":"c","service":"Not A Slug"}]}"#.into(), 422, "components[0].service"),
        (post.clone(), pages.clone(), r#"{"name":"x","slug":"x","components":[{"name":"c","id":"cmp_0190abcdef0123456789abcdef012345"}]}"#.into(), 422, "components[0].id"),
        (post.clone(), pages.clone(), format!(r#"{{"name":"x","slug":"x","components":[{}]}}"#, vec![r#"{"name":"c"}"#; 201].join(",")), 422, "components"),
        (put.clone(), this.clone(), r#"{"name":"x"}"#.into(), 400, "slug"),
        (put.clone(), this.clone(), format!(r#"{{"name":"x","slug":"acme","components":[{{"id":"{cid}","name":"a"}},{{"id":"{cid}","name":"b"}}]}}"#), 422, "components[1].id"),
        (post.clone(), incidents.clone(), r#"{"impact":"MINOR","body":"b"}"#.into(), 400, "name"),
        (post.clone(), incidents.clone(), r#"{"name":"x","body":"b"}"#.into(), 400, "impact"),
        (post.clone(), incidents.clone(), r#"{"name":"x","impact":"MINOR"}"#.into(), 400, "body"),
        (post.clone(), incidents.clone(), r#"{"name":"x","impact":"HUGE","body":"b"}"#.into(), 400, "impact"),
        (post.clone(), incidents.clone(), r#"{"name":"x","impact":"MINOR","body":"   "}"#.into(), 422, "body"),
        (post.clone(), incidents.clone(), format!(r#"{{"name":"x","impact":"MINOR","body":"{huge_text}"}}"#), 422, "body"),
        (post.clone(), incidents.clone(), r#"{"name":"x","impact":"MINOR","body":"b","state":"RESOLVED"}"#.into(), 422, "state"),
        (post.clone(), incidents.clone(), r#"{"name":"x","impact":"MINOR","body":"b","components":{"cmp_0190abcdef0123456789abcdef012345":"major_outage"}}"#.into(), 422, "components.cmp_0190abcdef0123456789abcdef012345"),
        (post.clone(), incidents.clone(), format!(r#"{{"name":"x","impact":"MINOR","body":"b","components":{{"{cid}":"on_fire"}}}}"#), 400, ""),
        (post.clone(), updates.clone(), r#"{"body":"b"}"#.into(), 400, "state"),
        (post.clone(), updates.clone(), r#"{"state":"FIXED","body":"b"}"#.into(), 400, "state"),
        (post.clone(), updates.clone(), r#"{"state":"MONITORING","body":7}"#.into(), 400, "body"),
        (post.clone(), updates.clone(), r#"{"state":"MONITORING","body":"b","components":{"nope":"operational"}}"#.into(), 422, "components.nope"),
        (post.clone(), format!("{incidents}/sin_0190abcdef0123456789abcdef012345/updates"), r#"{"state":"MONITORING","body":"b"}"#.into(), 404, ""),
        (post.clone(), maintenance.clone(), format!(r#"{{{window}}}"#), 400, "name"),
        (post.clone(), maintenance.clone(), r#"{"name":"w","startsAt":"soon","endsAt":"2026-01-01T01:00:00Z"}"#.into(), 400, "startsAt"),
        (post.clone(), maintenance.clone(), r#"{"name":"w","startsAt":"2026-01-01T01:00:00Z","endsAt":"2026-01-01T00:00:00Z"}"#.into(), 422, "endsAt"),
        (post.clone(), maintenance.clone(), format!(r#"{{"name":"w",{window},"recurrence":"BYDAY=SU"}}"#), 422, "recurrence"),
        (post.clone(), maintenance.clone(), format!(r#"{{"name":"w",{window},"timeZone":"Mars/Base"}}"#), 422, "timeZone"),
        (post.clone(), maintenance.clone(), format!(r#"{{"name":"w",{window},"componentIds":["{ghost_mon}"]}}"#), 422, "componentIds[0]"),
        (post.clone(), maintenance.clone(), format!(r#"{{"name":"w",{window},"description":"{huge_text}"}}"#), 422, "description"),
        (post.clone(), maintenance.clone(), format!(r#"{{"name":"w",{window},"autoStatus":"yes"}}"#), 400, "autoStatus"),
    ];
    let before = env.snapshot().await;
    for (method, path, body, status, field) in &cases {
        let res = env.call(method.clone(), path, &key, Some(body)).await;
        let what = format!(
            "{method} {path} {}: {} {}",
            body.chars().take(200).collect::<String>(),
            res.status,
            String::from_utf8_lossy(&res.body)
        );
        assert_eq!(res.status.as_u16(), *status, "{what}");
        if !field.is_empty() {
            assert_eq!(res.field().as_deref(), Some(*field), "{what}");
        }
    }
    for route in tokiflow_shared::http::api::policy::ROUTES {
        if matches!(route.method, Method::POST | Method::PUT | Method::PATCH) && route.path.starts_with(STATUS_PAGES) {
            let probed = cases.iter().any(|(m, p, ..)| {
                *m == route.method && tokiflow_shared::http::api::policy::match_path(route.path, p).is_some()
            });
            assert!(probed, "no bad-input case for {} {}", route.method, route.path);
        }
    }
    let huge = format!(r#"{{"name":"x","slug":"x","description":"{}"}}"#, "x".repeat(70 * 1024));
    assert_eq!(env.post(STATUS_PAGES, &key, &huge).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(env.snapshot().await, before, "refused requests changed nothing");
}

/// Accepts an invitation as the invitee would: no API key, the token in the body.
async fn accept(env: &Env, token: &str) -> harness::Reply {
    let body = json!({ "token": token }).to_string();
    env.call_from(Method::POST, "/api/v1/invitations/accept", None, Some(&body), Some("127.0.0.1".parse().unwrap()))
        .await
}

fn assert_no_hash(v: &Value) {
    let text = v.to_string();
    assert!(!text.contains("tokenHash") && !text.contains("keyHash"), "a hash leaked: {text}");
}

#[tokio::test]
async fn invitations_give_a_member_their_own_first_key_once() {
    use tokiflow_shared::domain::ids::UserId;
    use tokiflow_shared::domain::org::{Org, Role, User};
    use tokiflow_shared::domain::text::Name;
    use tokiflow_shared::ports::store::OrgStore;

    let env = Env::new().await;
    let key = env.owner_key().await;
    let invited = env.post("/api/v1/members", &key, r#"{"email":"new@example.com","role":"MEMBER"}"#).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{:?}", invited.body);
    let invited = invited.json();
    assert_no_hash(&invited);
    let token = invited["invitation"]["token"].as_str().unwrap().to_owned();
    assert!(invited["invitationExpiresAt"].is_string());
    let member_id = invited["id"].as_str().unwrap().to_owned();
    let listed = env.get("/api/v1/members", &key).await.json();
    assert_no_hash(&listed);
    assert!(!listed.to_string().contains(&token), "the token is shown once");

    // Malformed and forged tokens, and one pointed at another org, find nothing.
    for (body, field) in [("{}", "token"), (r#"{"token":5}"#, "token"), (r#"{"token":"x","extra":1}"#, "extra")] {
        let res = env.call_from(Method::POST, "/api/v1/invitations/accept", None, Some(body), None).await;
        assert_eq!((res.status, res.field().as_deref()), (StatusCode::BAD_REQUEST, Some(field)), "{body}");
    }
    let (head, _secret) = token.rsplit_once('.').unwrap();
    let forged = format!("{head}.tfi_{}", "A".repeat(32));
    assert_eq!(accept(&env, &forged).await.status, StatusCode::NOT_FOUND);
    let other = Org::new(Name::new("Other").unwrap(), chrono::Utc::now());
    env.store.create_org(&other).await.unwrap();
    let foreign = token.replacen(env.org.id.as_str(), other.id.as_str(), 1);
    assert_eq!(accept(&env, &foreign).await.status, StatusCode::NOT_FOUND, "a token of another org");
    let before = env.snapshot().await;
    assert_eq!(accept(&env, "garbage").await.status, StatusCode::NOT_FOUND);
    assert_eq!(env.snapshot().await, before, "refusals change nothing");

    let accepted = accept(&env, &token).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{:?}", accepted.body);
    let accepted = accepted.json();
    assert_no_hash(&accepted);
    assert_eq!(accepted["member"]["id"], member_id.as_str());
    assert_eq!(accepted["member"]["role"], "MEMBER");
    assert!(accepted["member"]["invitationExpiresAt"].is_null());
    let member_key = accepted["apiKey"]["secret"].as_str().unwrap().to_owned();
    assert!(member_key.starts_with("tf_"));
    // The key acts as the member, with the member's role.
    assert_eq!(env.get("/api/v1/monitors", &member_key).await.status, StatusCode::OK);
    assert_eq!(create_monitor(&env, &member_key, "member's job").await["name"], "member's job");
    let channel = json!({"name": "x", "target": {"kind": "WEBHOOK", "url": "https://example.com/hook"}}).to_string();
    assert_eq!(env.post("/api/v1/channels", &member_key, &channel).await.status, StatusCode::FORBIDDEN);
    let keys = env.store.api_keys_of_org(&env.org.id).await.unwrap();
    let made = keys.iter().find(|k| k.id.as_str() == accepted["apiKey"]["id"].as_str().unwrap()).unwrap();
    assert_eq!(made.created_by.as_str(), member_id);

    // Single use.
    assert_eq!(accept(&env, &token).await.status, StatusCode::NOT_FOUND, "reuse");

    // A re-issued invitation replaces the earlier one; an expired one is refused by name.
    let again = env.post(&format!("/api/v1/members/{member_id}/invitation"), &key, "").await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    let second = again.json()["invitation"]["token"].as_str().unwrap().to_owned();
    let third =
        env.post(&format!("/api/v1/members/{member_id}/invitation"), &key, "").await.json()["invitation"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
    assert_eq!(accept(&env, &second).await.status, StatusCode::NOT_FOUND, "replaced");
    let id = UserId::parse(&member_id).unwrap();
    let mut user: User = env.store.users_of_org(&env.org.id).await.unwrap().into_iter().find(|u| u.id == id).unwrap();
    user.invitation.as_mut().unwrap().expires_at = chrono::Utc::now() - chrono::Duration::seconds(1);
    env.store.update_user(&user).await.unwrap();
    let expired = accept(&env, &third).await;
    assert_eq!((expired.status, expired.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("token")));
    assert!(expired.json()["error"]["message"].as_str().unwrap().contains("expired"));

    // Only owners invite, and nobody above their own role.
    let admin = env.key(Role::Admin, &harness::SCOPES).await;
    assert_eq!(
        env.post("/api/v1/members", &admin, r#"{"email":"b@example.com","role":"VIEWER"}"#).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Hardening: an admin cannot revoke an owner's key (the owner would have no way back).
#[tokio::test]
async fn an_admin_cannot_revoke_a_key_of_an_owner() {
    use tokiflow_shared::domain::org::Role;
    let env = Env::new().await;
    let owner = env.owner_key().await;
    let admin = env.key(Role::Admin, &harness::SCOPES).await;
    let keys = env.get("/api/v1/api-keys", &admin).await.json();
    let id_of = |role_user: &str| {
        keys["items"].as_array().unwrap().iter().find(|k| k["createdBy"] == role_user).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let owner_key_id = id_of(env.user(Role::Owner).id.as_str());
    let admin_key_id = id_of(env.user(Role::Admin).id.as_str());
    let before = env.snapshot().await;
    let res = env.call(Method::DELETE, &format!("/api/v1/api-keys/{owner_key_id}"), &admin, None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{:?}", res.body);
    assert_eq!(env.snapshot().await, before);
    assert_eq!(env.get("/api/v1/monitors", &owner).await.status, StatusCode::OK, "the owner's key still works");
    // Down the ladder and one's own keys are fine.
    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/api-keys/{admin_key_id}"), &owner, None).await.status,
        StatusCode::OK
    );
}

/// Hardening: channel credentials are shown in full only to those who may change them,
/// and a channel names only monitors of its org.
#[tokio::test]
async fn channel_targets_are_masked_below_admin_and_monitors_must_be_the_orgs() {
    use tokiflow_shared::domain::org::{Role, Scope};
    let env = Env::new().await;
    let admin = env.key(Role::Admin, &harness::SCOPES).await;
    let slack = "https://hooks.slack.com/services/T000/B000/SECRETsecretSECRET";
    let body = json!({"name": "ops", "target": {"kind": "SLACK", "webhookUrl": slack}}).to_string();
    let made = env.post("/api/v1/channels", &admin, &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.json()["target"]["webhookUrl"], slack, "the admin sees what they wrote");
    let id = made.json()["id"].as_str().unwrap().to_owned();
    for role in [Role::Viewer, Role::Member] {
        let key = env.key(role, &[Scope::ChannelsRead]).await;
        for path in ["/api/v1/channels".to_owned(), format!("/api/v1/channels/{id}")] {
            let text = String::from_utf8_lossy(&env.get(&path, &key).await.body).into_owned();
            assert!(!text.contains("SECRETsecret") && !text.contains("hooks.slack.com"), "{role:?} {path}: {text}");
            assert!(text.contains("…CRET"), "{role:?} sees the last four: {text}");
        }
    }

    let m = create_monitor(&env, &admin, "mine").await;
    let mine = m["id"].as_str().unwrap();
    let ghost = MonitorId::generate();
    let before = env.snapshot().await;
    for (monitors, field) in [(json!([mine, ghost.as_str()]), "monitors[1]"), (json!(["not-an-id"]), "monitors[0]")] {
        let body = json!({"name": "x", "target": {"kind": "EMAIL", "to": "a@b.co"}, "monitors": monitors}).to_string();
        let res = env.post("/api/v1/channels", &admin, &body).await;
        assert_eq!(
            (res.status, res.field().as_deref()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{:?}",
            res.body
        );
    }
    assert_eq!(env.snapshot().await, before, "refused channels stored nothing");
    let body = json!({"name": "x", "target": {"kind": "EMAIL", "to": "a@b.co"}, "monitors": [mine]}).to_string();
    assert_eq!(env.post("/api/v1/channels", &admin, &body).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn deleting_a_monitor_deletes_its_runs_outputs_and_incidents() {
    use tokiflow_shared::ports::blob::{BlobKey, BlobStore};
    use tokiflow_shared::ports::store::{RunStore, SweepStore};
    let env = Env::new().await;
    let key = env.owner_key().await;
    let m = create_monitor(&env, &key, "job").await;
    let other = create_monitor(&env, &key, "kept").await;
    let (id, token) = (m["id"].as_str().unwrap(), m["pingToken"].as_str().unwrap());
    let big = "x".repeat(20_000);
    ping(&env, token, "/fail", &big).await;
    ping(&env, token, "", "ok").await;
    ping(&env, other["pingToken"].as_str().unwrap(), "/fail", "").await;
    let mid = MonitorId::parse(id).unwrap();
    let runs = env.store.runs(&mid, 10, None).await.unwrap().items;
    let blob =
        runs.iter().find_map(|r| r.output.blob_key.as_deref()).and_then(BlobKey::parse).expect("a stored output");
    let blobs = tokiflow_shared::adapters::fs::FsBlobStore::new(
        env.data_dir().join("blobs"),
        harness::BASE_URL.parse().unwrap(),
    );
    assert!(blobs.get(&blob).await.unwrap().is_some());
    assert_eq!(env.store.incidents_of_monitor(&mid).await.unwrap().len(), 1);

    assert_eq!(
        env.call(Method::DELETE, &format!("/api/v1/monitors/{id}"), &key, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(env.store.run_count(&mid).await.unwrap(), 0, "runs deleted");
    assert!(env.store.runs_before(&mid, chrono::Utc::now() + chrono::Duration::days(1), 10).await.unwrap().is_empty());
    assert_eq!(blobs.get(&blob).await.unwrap(), None, "stored output deleted");
    assert!(env.store.incidents_of_monitor(&mid).await.unwrap().is_empty(), "incidents deleted");
    let kept = MonitorId::parse(other["id"].as_str().unwrap()).unwrap();
    assert_eq!(env.store.run_count(&kept).await.unwrap(), 1, "another monitor's history stays");
    assert_eq!(env.store.incidents_of_monitor(&kept).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_monitor_can_keep_an_existing_healthchecks_token() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let uuid = "0f6b7a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    let body = format!(r#"{{"name":"moved","schedule":{{"kind":"interval","seconds":60}},"token":"{uuid}"}}"#);
    let made = env.post("/api/v1/monitors", &key, &body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.json()["pingToken"], uuid, "the token kept, shown this once");
    ping(&env, uuid, "", "").await;
    let id = made.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(env.get(&format!("/api/v1/monitors/{id}"), &key).await.json()["status"], "UP");
    let again = env.post("/api/v1/monitors", &key, &body).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a token is one monitor's");
    for (body, field) in [
        (r#"{"name":"x","schedule":{"kind":"interval","seconds":60},"token":"short"}"#.to_owned(), "token"),
        (
            r#"{"name":"x","schedule":{"kind":"interval","seconds":60},"token":"has spaces in it ok"}"#.to_owned(),
            "token",
        ),
        (format!(r#"{{"kind":"tcp","name":"x","host":"h","port":1,"interval":10,"token":"{uuid}x"}}"#), "token"),
    ] {
        let res = env.post("/api/v1/monitors", &key, &body).await;
        assert_eq!((res.status, res.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{body}");
    }
    let res = env
        .call(Method::PATCH, &format!("/api/v1/monitors/{id}"), &key, Some(r#"{"token":"abcdefghijklmnopq"}"#))
        .await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("token")));
}

#[tokio::test]
async fn a_heartbeat_failure_threshold_opens_fail_only_after_that_many_failed_runs() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let body = r#"{"name":"flaky","schedule":{"kind":"interval","seconds":60},"failureThreshold":3}"#;
    let made = env.post("/api/v1/monitors", &key, body).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let m = made.json();
    assert_eq!(m["failureThreshold"], 3);
    let (id, token) = (m["id"].as_str().unwrap(), m["pingToken"].as_str().unwrap());
    let path = format!("/api/v1/monitors/{id}");
    for _ in 0..2 {
        ping(&env, token, "/fail", "").await;
    }
    let after_two = env.get(&path, &key).await.json();
    assert_eq!((after_two["status"].as_str(), after_two["openIncidents"].clone()), (Some("NEW"), json!({})));
    ping(&env, token, "/fail", "").await;
    let after_three = env.get(&path, &key).await.json();
    assert_eq!(after_three["status"], "DOWN");
    assert!(after_three["openIncidents"]["FAIL"].is_string(), "{after_three}");
    let res = env.call(Method::PATCH, &path, &key, Some(r#"{"failureThreshold":0}"#)).await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("failureThreshold")));
    let res = env.call(Method::PATCH, &path, &key, Some(&after_three.to_string())).await;
    assert_eq!(res.status, StatusCode::OK, "the view goes back: {:?}", res.body);
    let res = env.call(Method::PATCH, &path, &key, Some(r#"{"failureThreshold":1}"#)).await;
    assert_eq!(res.json()["failureThreshold"], 1);
}
