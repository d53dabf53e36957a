//! The admin routes of a status page's subscribers: listed without secrets, deleted, and
//! only within the caller's org.
#[path = "api/harness.rs"]
mod harness;

use chrono::Utc;
use harness::Env;
use http::{Method, StatusCode};
use std::collections::BTreeSet;
use tokiflow_shared::domain::channel::{SigningSecret, WebhookUrl};
use tokiflow_shared::domain::org::{Email, Org, Role, Scope};
use tokiflow_shared::domain::status_page::StatusPage;
use tokiflow_shared::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};
use tokiflow_shared::domain::text::{Name, Slug};
use tokiflow_shared::ports::store::{ConfigStore, OrgStore, SubscriberStore};

async fn page(env: &Env, org: &Org, slug: &str) -> StatusPage {
    let page = StatusPage::new(org.id.clone(), Name::new("Status").unwrap(), Slug::new(slug).unwrap());
    env.store.put_status_page(&page).await.unwrap();
    page
}

async fn subscriber(env: &Env, page: &StatusPage, target: SubscriberTarget) -> Subscriber {
    let s = Subscriber::subscribe(
        page.id.clone(),
        target,
        BTreeSet::new(),
        BTreeSet::from([SubscriberEvent::Outage]),
        Utc::now(),
    )
    .unwrap()
    .subscriber;
    env.store.put_subscriber(&s).await.unwrap();
    s
}

#[tokio::test]
async fn admins_list_and_delete_a_pages_subscribers() {
    let env = Env::new().await;
    let key = env.key(Role::Admin, &[Scope::StatusPagesWrite]).await;
    let p = page(&env, &env.org, "acme").await;
    let email = subscriber(&env, &p, SubscriberTarget::Email { address: Email::new("a@example.com").unwrap() }).await;
    let secret = SigningSecret::generate();
    let hook =
        SubscriberTarget::Webhook { url: WebhookUrl::new("https://example.com/hook").unwrap(), secret: secret.clone() };
    let webhook = subscriber(&env, &p, hook).await;

    let list = format!("/api/v1/status-pages/{}/subscribers", p.id);
    let res = env.call(Method::GET, &list, &key, None).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let body = res.json();
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], email.id.to_string());
    assert_eq!(items[0]["target"], serde_json::json!({"kind": "EMAIL", "address": "a@example.com"}));
    assert_eq!(items[1]["target"]["secret"], "********");
    let text = String::from_utf8_lossy(&res.body);
    assert!(!text.contains(secret.expose_secret()) && !text.contains("Hash"), "no secrets or hashes: {text}");
    let res = env.call(Method::GET, &format!("{list}?limit=1"), &key, None).await;
    assert_eq!(res.json()["nextCursor"], email.id.to_string(), "paged");

    let one = format!("{list}/{}", webhook.id);
    assert_eq!(env.call(Method::DELETE, &one, &key, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(env.call(Method::DELETE, &one, &key, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(env.store.subscribers_of_page(&p.id).await.unwrap(), vec![email]);
    let bad = format!("{list}/not-an-id");
    assert_eq!(env.call(Method::DELETE, &bad, &key, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn another_orgs_page_is_not_found() {
    let env = Env::new().await;
    let key = env.key(Role::Admin, &[Scope::StatusPagesWrite]).await;
    let other = Org::new(Name::new("Other").unwrap(), Utc::now());
    env.store.create_org(&other).await.unwrap();
    let theirs = page(&env, &other, "theirs").await;
    let s = subscriber(&env, &theirs, SubscriberTarget::Email { address: Email::new("b@example.com").unwrap() }).await;
    let list = format!("/api/v1/status-pages/{}/subscribers", theirs.id);
    assert_eq!(env.call(Method::GET, &list, &key, None).await.status, StatusCode::NOT_FOUND);
    let one = format!("{list}/{}", s.id);
    assert_eq!(env.call(Method::DELETE, &one, &key, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(env.store.subscribers_of_page(&theirs.id).await.unwrap().len(), 1, "nothing deleted");
    let res = env.call(Method::GET, "/api/v1/status-pages/sp_nope/subscribers", &key, None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
