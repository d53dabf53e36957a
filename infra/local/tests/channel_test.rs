//! "Send test" over real TCP: the local server renders a channel's test message and sends
//! it through the real HTTP transport to a receiver on loopback, which gets exactly the
//! documented payload, signed; the API answers with how the receiver replied.
mod common;

use axum::http::StatusCode;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use common::{TestServer, webhook_receiver};
use tokiflow_shared::domain::channel::{ChannelTarget, SigningSecret, WebhookUrl};
use tokiflow_shared::domain::notification::test_message::{test_context, test_incident};
use tokiflow_shared::domain::notification::webhook::{DEFAULT_TOLERANCE, verify};
use tokiflow_shared::domain::notification::{Message, Notice, render};
use tokiflow_shared::ports::store::OrgStore;
use tokiflow_shared::services::seed::{DEMO_ORG_NAME, seed_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_send_reaches_the_receiver_with_the_exact_signed_payload() {
    let s = TestServer::start().await;
    let demo = seed_demo(s.store.as_ref(), Utc::now()).await.unwrap();
    let auth = format!("Bearer {}", demo.api_key.reveal());
    let api = |method: &'static str, path: String, body: String| {
        let auth = auth.clone();
        let s = &s;
        async move {
            let req = http::Request::builder()
                .method(method)
                .uri(format!("{}{path}", s.base))
                .header("authorization", auth)
                .body(http_body_util::Full::new(Bytes::from(body)))
                .unwrap();
            let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
            let res = client.request(req).await.unwrap();
            let status = res.status().as_u16();
            let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
            (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap())
        }
    };

    let (url, received) = webhook_receiver(StatusCode::OK).await;
    let secret = "whsec-0123456789abcdef";
    let body = serde_json::json!({"name": "hook", "target": {"kind": "WEBHOOK", "url": url, "secret": secret}});
    let (status, channel) = api("POST", "/api/v1/channels".into(), body.to_string()).await;
    assert_eq!(status, 201, "{channel}");
    let id = channel["id"].as_str().unwrap();

    let (status, result) = api("POST", format!("/api/v1/channels/{id}/test"), String::new()).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(
        (&result["delivered"], &result["status"], &result["error"]),
        (&true.into(), &200.into(), &serde_json::Value::Null),
        "{result}"
    );
    assert!(
        !result.to_string().contains(secret) && !result.to_string().contains(&url),
        "no URL or secret in the answer: {result}"
    );

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "sent once");
    let (headers, sent) = &got[0];
    // The payload is the domain's rendering of the test notice, byte for byte.
    let doc: serde_json::Value = serde_json::from_slice(sent).unwrap();
    let at: DateTime<Utc> = doc["createdAt"].as_str().unwrap().parse().unwrap();
    let org = s.store.orgs().await.unwrap().into_iter().find(|o| o.name.as_str() == DEMO_ORG_NAME).unwrap();
    let incident = test_incident(&org.id, at);
    let target =
        ChannelTarget::Webhook { url: WebhookUrl::new(&url).unwrap(), secret: SigningSecret::new(secret).unwrap() };
    // The local server's links point at its configured base URL (the default listen address).
    let ctx = test_context(org.name.clone(), "http://127.0.0.1:8080".parse().unwrap());
    let Message::Post(expected) = render(&Notice::test(&incident, at), &target, &ctx) else {
        panic!("a webhook is a POST")
    };
    assert_eq!(String::from_utf8_lossy(sent), expected.body);
    assert_eq!(doc["type"], "incident.test");
    assert_eq!(result["noticeId"], doc["id"], "the answer names the message sent");
    assert_eq!(headers["tokiflow-event"], "incident.test");
    assert_eq!(headers["tokiflow-event-id"], doc["id"].as_str().unwrap());
    assert_eq!(headers["content-type"], "application/json");
    let signature = headers["tokiflow-signature"].to_str().unwrap();
    verify(&SigningSecret::new(secret).unwrap(), signature, sent, Utc::now(), DEFAULT_TOLERANCE)
        .expect("signed with the channel's secret");

    // A receiver that refuses: one attempt, its status (not its words) in the answer.
    let (url, refused) = webhook_receiver(StatusCode::SERVICE_UNAVAILABLE).await;
    let body = serde_json::json!({"name": "down", "target": {"kind": "WEBHOOK", "url": url, "secret": secret}});
    let (_, down) = api("POST", "/api/v1/channels".into(), body.to_string()).await;
    let (status, result) =
        api("POST", format!("/api/v1/channels/{}/test", down["id"].as_str().unwrap()), String::new()).await;
    assert_eq!(status, 200, "the test ran; its result says it failed: {result}");
    assert_eq!((&result["delivered"], &result["status"]), (&false.into(), &503.into()), "{result}");
    assert_eq!(result["error"], "HTTP 503");
    assert!(!result.to_string().contains("receiver says hi"), "an SSRF probe reads nothing back: {result}");
    assert_eq!(refused.lock().unwrap().len(), 1, "a test is not retried");
}
