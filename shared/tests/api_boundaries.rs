//! The API's edge, tried as a client would: what a read answers can be written back
//! unchanged (read-only fields ignored, unknown ones still refused), and no answer of any
//! route shows a secret beyond the documented shown-once fields.
#[path = "api/harness.rs"]
mod harness;

use harness::{Env, is_probe_history};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tokiflow_shared::domain::channel::ChannelTarget;
use tokiflow_shared::domain::ids::{ChannelId, StatusPageId};
use tokiflow_shared::domain::org::Role;
use tokiflow_shared::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};
use tokiflow_shared::http::ApiRequest;
use tokiflow_shared::http::api::policy::{Access, ROUTES};
use tokiflow_shared::ports::store::{ConfigStore, SubscriberStore};

const WEBHOOK_SECRET: &str = "whsec_0123456789abcdef";

/// One of everything the API shows: a monitor with a run and an incident, a dependency,
/// a channel of each sensitive kind, a maintenance window, a private status page with a
/// component, its incident and maintenance, a subscriber, an invited member.
/// Secrets a probe sends, and a cookie its target answers: no answer may show them.
const PROBE_HEADERS: [(&str, &str); 3] =
    [("Authorization", "Bearer PROBE-AUTH-VALUE"), ("X-Api-Key", "PROBE-KEY-VALUE"), ("Accept", "text/plain")];
const PROBE_SECRETS: [&str; 3] = ["PROBE-AUTH-VALUE", "PROBE-KEY-VALUE", "SESSION-COOKIE-VALUE"];

struct World {
    ids: BTreeMap<&'static str, String>,
    /// What the writes answered (the creations), by route.
    created: Vec<(String, Value)>,
}

async fn world(env: &Env, key: &str) -> World {
    let mut created = Vec::new();
    let mut post = async |path: &str, body: Value| {
        let res = env.post(path, key, &body.to_string()).await;
        assert!(res.status.is_success(), "POST {path}: {} {:?}", res.status, res.body);
        let answer = res.json();
        created.push((format!("POST {path}"), answer.clone()));
        answer
    };
    let monitor = post(
        "/api/v1/monitors",
        json!({"name": "backup", "schedule": {"kind": "interval", "seconds": 60}, "tags": ["db"]}),
    )
    .await;
    let other = post(
        "/api/v1/monitors",
        json!({"name": "db", "schedule": {"kind": "cron", "expr": "0 2 * * *", "tz": "Europe/Riga"}}),
    )
    .await;
    post("/api/v1/dependencies", json!({"upstream": other["id"], "downstream": monitor["id"]})).await;
    let token = monitor["pingToken"].as_str().unwrap();
    let ping = ApiRequest {
        method: Method::POST,
        path: format!("/ping/{token}/fail"),
        query: None,
        headers: Default::default(),
        body: bytes::Bytes::from_static(b"disk full"),
        body_size: 9,
        source_ip: None,
    };
    assert_eq!(env.app.handle(ping).await.status(), StatusCode::OK);
    let channel = post(
        "/api/v1/channels",
        json!({"name": "hook", "target": {"kind": "WEBHOOK", "url": "https://hooks.example.com/x", "secret": WEBHOOK_SECRET},
               "realertAfterSecs": 3600, "monitors": [monitor["id"]]}),
    )
    .await;
    post("/api/v1/channels", json!({"name": "pd", "target": {"kind": "PAGERDUTY", "routingKey": "a".repeat(32)}}))
        .await;
    let window = post(
        "/api/v1/maintenance",
        json!({"name": "patch", "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-01T01:00:00Z",
               "recurrence": "FREQ=WEEKLY", "timeZone": "Europe/Riga", "monitorIds": [monitor["id"]]}),
    )
    .await;
    let page = post(
        "/api/v1/status-pages",
        json!({"name": "Status", "slug": "status", "visibility": "PRIVATE", "customDomain": "status.example.com",
               "theme": {"brandColour": "#112233"}, "components": [{"name": "API", "monitorIds": [monitor["id"]]}]}),
    )
    .await;
    let page_id = page["id"].as_str().unwrap().to_owned();
    let component = page["components"][0]["id"].clone();
    let incident = post(
        &format!("/api/v1/status-pages/{page_id}/incidents"),
        json!({"name": "Slow", "impact": "MINOR", "body": "Looking", "components": {component.as_str().unwrap(): "partial_outage"}}),
    )
    .await;
    post(
        &format!("/api/v1/status-pages/{page_id}/maintenance"),
        json!({"name": "db", "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-01T01:00:00Z", "componentIds": [component]}),
    )
    .await;
    let invited = post("/api/v1/members", json!({"email": "new@example.com", "role": "MEMBER"})).await;
    let subscriber = Subscriber::subscribe(
        StatusPageId::parse(&page_id).unwrap(),
        SubscriberTarget::Webhook {
            url: tokiflow_shared::domain::channel::WebhookUrl::new("https://sub.example.com/hook").unwrap(),
            secret: tokiflow_shared::domain::channel::SigningSecret::new(WEBHOOK_SECRET).unwrap(),
        },
        BTreeSet::new(),
        BTreeSet::from([SubscriberEvent::Outage]),
        chrono::Utc::now(),
    )
    .unwrap()
    .subscriber;
    env.store.put_subscriber(&subscriber).await.unwrap();

    let incident_id = env.get("/api/v1/incidents", key).await.json()["items"][0]["id"].as_str().unwrap().to_owned();
    let run_id = env.get(&format!("/api/v1/monitors/{}/runs", monitor["id"].as_str().unwrap()), key).await.json()["items"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (probe, downtime, session) =
        env.probe_gone_down(key, PROBE_HEADERS.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()).await;
    let s = |v: &Value| v.as_str().unwrap().to_owned();
    let ids = BTreeMap::from([
        ("probeId", probe),
        ("downtimeId", downtime),
        ("sessionKey", session),
        ("monitorId", s(&monitor["id"])),
        ("runId", run_id),
        ("incidentId", incident_id),
        ("channelId", s(&channel["id"])),
        ("windowId", s(&window["id"])),
        ("pageId", page_id),
        ("userId", s(&invited["id"])),
        ("subscriberId", subscriber.id.to_string()),
        ("statusIncidentId", s(&incident["id"])),
    ]);
    World { ids, created }
}

/// Every key whose name looks like a secret, with its path.
fn secret_like(value: &Value, path: &str, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let lower = k.to_ascii_lowercase();
                let here = format!("{path}.{k}");
                if ["secret", "hash", "password", "token"].iter().any(|w| lower.contains(w)) {
                    found.push((here.clone(), v.clone()));
                }
                secret_like(v, &here, found);
            }
        }
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| secret_like(v, &format!("{path}[{i}]"), found))
        }
        _ => {}
    }
}

#[tokio::test]
async fn no_answer_shows_a_secret_beyond_the_shown_once_fields() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let world = world(&env, &key).await;
    let mut answers = world.created.clone();
    // Every GET route of the table that answers JSON, its path filled with real ids.
    for route in ROUTES.iter().filter(|r| r.method == Method::GET && r.path != "/api/v1/openapi.json") {
        let mut path = route.path.to_owned();
        if is_probe_history(route.path) {
            path = path.replace("{monitorId}", &world.ids["probeId"]);
        }
        if route.path.contains("/status-pages/{pageId}/incidents/") {
            path = path.replace("{incidentId}", &world.ids["statusIncidentId"]);
        }
        for (name, id) in &world.ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        if route.path == "/api/v1/schedule/preview" {
            path.push_str("?cron=0+2+*+*+*");
        }
        let res = match route.access {
            Access::Public => env.call_from(Method::GET, &path, None, None, None).await,
            Access::Key(..) => env.get(&path, &key).await,
        };
        assert_eq!(res.status, StatusCode::OK, "GET {path}: {:?}", res.body);
        if res.headers.get(http::header::CONTENT_TYPE).is_some_and(|t| t == "application/json") {
            answers.push((format!("GET {path}"), res.json()));
        }
    }
    assert!(answers.len() >= 30, "walked {} answers", answers.len());

    // The documented shown-once fields, in the answers that made them.
    let shown_once = [
        ("POST /api/v1/monitors", ".pingToken"),
        ("POST /api/v1/status-pages", ".accessToken"),
        ("POST /api/v1/members", ".invitation.token"),
    ];
    let mut leaks = Vec::new();
    for (route, answer) in &answers {
        let mut found = Vec::new();
        secret_like(answer, "", &mut found);
        for (path, value) in found {
            let documented = shown_once.iter().any(|(r, p)| r == route && path == *p);
            // A write-only secret reads as the mask.
            let masked = value == "********" || value == "[redacted]";
            if !documented && !masked {
                leaks.push(format!("{route}: {path} = {value}"));
            }
        }
        let text = answer.to_string();
        assert!(!text.contains(WEBHOOK_SECRET), "{route} shows a webhook secret: {text}");
        for secret in PROBE_SECRETS {
            assert!(!text.contains(secret), "{route} shows a probe's secret header or cookie: {text}");
        }
    }
    assert!(leaks.is_empty(), "secret-like fields in answers:\n{}", leaks.join("\n"));
}

/// GET, then PUT or PATCH the same body unchanged: 200, and nothing changed.
async fn round_trip(env: &Env, key: &str, path: &str, write: Method) -> Value {
    let read = env.get(path, key).await;
    assert_eq!(read.status, StatusCode::OK, "GET {path}: {:?}", read.body);
    let before = read.json();
    let res = env.call(write.clone(), path, key, Some(&before.to_string())).await;
    assert_eq!(res.status, StatusCode::OK, "{write} {path} with what GET answered: {:?}", res.body);
    let after = env.get(path, key).await.json();
    assert_eq!(after, before, "{write} {path} of an unchanged body changed it");
    // Read-only fields are ignored, not a back door.
    let mut forged = before.clone();
    for field in ["id", "orgId", "createdAt"].into_iter().filter(|f| before.get(f).is_some()) {
        forged[field] = json!("forged");
    }
    let res = env.call(write.clone(), path, key, Some(&forged.to_string())).await;
    assert_eq!(res.status, StatusCode::OK, "{write} {path} with other read-only values: {:?}", res.body);
    assert_eq!(env.get(path, key).await.json(), before);
    // A field the resource does not have is still refused, named.
    let mut unknown = before.clone();
    unknown["bogus"] = json!(1);
    let res = env.call(write.clone(), path, key, Some(&unknown.to_string())).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{write} {path} with an unknown field: {:?}", res.body);
    assert_eq!(res.field().as_deref(), Some("bogus"));
    before
}

#[tokio::test]
async fn what_a_read_answers_can_be_written_back_for_every_editable_resource() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let world = world(&env, &key).await;
    let id = |name: &str| world.ids[name].clone();

    let monitor = round_trip(&env, &key, &format!("/api/v1/monitors/{}", id("monitorId")), Method::PATCH).await;
    assert_eq!(monitor["status"], "DOWN", "a monitor with its computed fields: {monitor}");
    round_trip(&env, &key, "/api/v1/org", Method::PATCH).await;
    let admin = env.user(Role::Admin).id.to_string();
    let members = env.get("/api/v1/members", &key).await.json();
    let member = members["items"].as_array().unwrap().iter().find(|m| m["id"] == admin.as_str()).unwrap().clone();
    let res = env.call(Method::PATCH, &format!("/api/v1/members/{admin}"), &key, Some(&member.to_string())).await;
    assert_eq!(res.status, StatusCode::OK, "PATCH a member as listed: {:?}", res.body);
    assert_eq!(res.json(), member);
    round_trip(&env, &key, &format!("/api/v1/maintenance/{}", id("windowId")), Method::PUT).await;
    let page = round_trip(&env, &key, &format!("/api/v1/status-pages/{}", id("pageId")), Method::PUT).await;
    assert_eq!(page["visibility"], "PRIVATE");
    assert_eq!(page["components"][0]["status"], "partial_outage", "the computed status went back and was ignored");

    // The channel's webhook secret reads as the mask; sent back so, it stays what it was.
    let channel = round_trip(&env, &key, &format!("/api/v1/channels/{}", id("channelId")), Method::PUT).await;
    assert_eq!(channel["target"]["secret"], "********");
    assert_eq!(channel["realertAfterSecs"], 3600);
    let org = env.org.id.clone();
    let stored = env.store.channels_of_org(&org).await.unwrap();
    let stored = stored.iter().find(|c| c.id == ChannelId::parse(&id("channelId")).unwrap()).unwrap();
    match &stored.target {
        ChannelTarget::Webhook { secret, .. } => assert_eq!(secret.expose_secret(), WEBHOOK_SECRET),
        other => panic!("not a webhook: {other:?}"),
    }
    // A new secret replaces it.
    let mut changed = channel.clone();
    changed["target"]["secret"] = json!("whsec_another_secret_1234");
    let path = format!("/api/v1/channels/{}", id("channelId"));
    assert_eq!(env.call(Method::PUT, &path, &key, Some(&changed.to_string())).await.status, StatusCode::OK);
    let stored = env.store.channels_of_org(&org).await.unwrap();
    let stored = stored.iter().find(|c| c.id == ChannelId::parse(&id("channelId")).unwrap()).unwrap();
    assert!(
        matches!(&stored.target, ChannelTarget::Webhook { secret, .. } if secret.expose_secret() == "whsec_another_secret_1234")
    );
    // The subscriber listing is read-only; its secret never shows either.
    let subscribers = env.get(&format!("/api/v1/status-pages/{}/subscribers", id("pageId")), &key).await.json();
    assert_eq!(subscribers["items"][0]["target"]["secret"], "********");
    assert_eq!(env.store.subscribers_of_page(&StatusPageId::parse(&id("pageId")).unwrap()).await.unwrap().len(), 1);
}
