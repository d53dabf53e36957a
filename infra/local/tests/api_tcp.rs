//! The management API over real TCP: the server passes the peer address on, so the
//! allowlist sees it, and keys, statuses and bodies survive the trip.
mod common;

use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokiflow_shared::ports::store::OrgStore;
use tokiflow_shared::services::seed::{DEMO_ORG_NAME, seed_demo};

async fn get(base: &str, path: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut req = http::Request::builder().uri(format!("{base}{path}"));
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let res = client.request(req.body(Full::new(Bytes::new())).unwrap()).await.unwrap();
    let status = res.status().as_u16();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_key_lists_monitors_and_the_allowlist_sees_the_peer() {
    let server = common::TestServer::start().await;
    let demo = seed_demo(server.store.as_ref(), Utc::now()).await.unwrap();
    let key = demo.api_key.reveal();

    let (status, body) = get(&server.base, "/api/v1/monitors", Some(key)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 3, "the demo's monitors: {body}");
    let (status, body) = get(&server.base, "/api/v1/monitors", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));

    let mut org = server.store.orgs().await.unwrap().into_iter().find(|o| o.name.as_str() == DEMO_ORG_NAME).unwrap();
    org.set_allowlist(vec!["10.0.0.0/8".parse().unwrap()]).unwrap();
    server.store.update_org(&org).await.unwrap();
    let (status, _) = get(&server.base, "/api/v1/monitors", Some(key)).await;
    assert_eq!(status, 401, "127.0.0.1 is not in 10.0.0.0/8: answered as a wrong key");
    org.set_allowlist(vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()]).unwrap();
    server.store.update_org(&org).await.unwrap();
    assert_eq!(get(&server.base, "/api/v1/monitors", Some(key)).await.0, 200);

    let (status, doc) = get(&server.base, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
}
