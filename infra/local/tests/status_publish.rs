//! Status pages after a change, over the real local server: the notifier publishes the
//! static copy (files in `{data_dir}/site`) and stores the recomputed component status;
//! private pages are never published; unchanged renders are not rewritten. Subscribers:
//! subscribe by e-mail, confirm from the mailbox, hear of an incident with an unsubscribe
//! link, unsubscribe, and hear nothing of the next one.
mod common;

use common::{Reply, TestServer, wait_for};
use std::path::Path;
use tokiflow_shared::adapters::mailbox::MailboxEntry;
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::secret::PageToken;
use tokiflow_shared::domain::status_page::{Component, ComponentStatus, StatusPage, Visibility};
use tokiflow_shared::domain::text::{Name, Slug};
use tokiflow_shared::ports::store::{ConfigStore, SubscriberStore};

async fn page(s: &TestServer, org: &Org, slug: &str, monitor: &MonitorId, visibility: Visibility) -> StatusPage {
    let mut page = StatusPage::new(org.id.clone(), Name::new("Acme status").unwrap(), Slug::new(slug).unwrap());
    page.visibility = visibility;
    page.components = vec![Component::new(Name::new("Backups").unwrap(), 0, vec![monitor.clone()])];
    s.store.put_status_page(&page).await.unwrap();
    page
}

type Acme = (
    TestServer,
    Org,
    tokiflow_shared::domain::monitor::Monitor,
    tokiflow_shared::domain::secret::PingToken,
    StatusPage,
);

/// A server, an org with a monitor, and its public page `acme` showing the monitor.
async fn acme() -> Acme {
    acme_on(TestServer::start().await).await
}

/// `acme` on a server whose subscribers' webhooks may reach this test's loopback
/// receivers (the server itself never allows it).
async fn acme_reaching_loopback() -> Acme {
    let dir = tempfile::tempdir().unwrap();
    acme_on(
        TestServer::start_with(dir, |c| {
            c.subscriber_egress = tokiflow_shared::adapters::egress::EgressPolicy::AllowPrivate
        })
        .await,
    )
    .await
}

async fn acme_on(s: TestServer) -> Acme {
    let org = s.org().await;
    let (m, token) = s.monitor_in(&org, "backup", 3600, 600).await;
    let public = page(&s, &org, "acme", &m.id, Visibility::Public).await;
    (s, org, m, token, public)
}

/// The published summary's component status, if the file exists.
fn published_status(site: &Path, slug: &str) -> Option<String> {
    let bytes = std::fs::read(site.join(format!("status/{slug}/api/v2/summary.json"))).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v["components"][0]["status"].as_str().map(str::to_owned)
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_republish_the_static_copy_of_public_pages_only() {
    let (s, org, m, token, public) = acme().await;
    page(&s, &org, "acme-internal", &m.id, Visibility::Private { token_hash: PageToken::generate().hash() }).await;
    assert_eq!(s.publisher.publish_all(chrono::Utc::now()).await.unwrap(), 2, "what the server does at start");
    assert_eq!(published_status(&s.site_dir, "acme").as_deref(), Some("operational"));

    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    wait_for("the outage in the published summary", || {
        published_status(&s.site_dir, "acme").as_deref() == Some("partial_outage")
    })
    .await;
    let root = s.site_dir.join("status/acme");
    for file in
        ["index.html", "api/v2/status.json", "api/v2/incidents/unresolved.json", "feed.atom", "feed.rss", "badge.svg"]
    {
        assert!(root.join(file).is_file(), "{file} published");
    }
    assert!(root.join(format!("components/{}/badge.svg", public.components[0].id)).is_file());
    assert!(!s.site_dir.join("status/acme-internal").exists(), "a private page is never published");
    let stored = s.store.status_page_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(
        stored.components[0].status,
        ComponentStatus::PartialOutage,
        "the cached status is recomputed and stored"
    );
    // The static copy is what the function serves, but for links: those are on the
    // configured public URL, not on the test's loopback port.
    let mut served = s.get("/status/acme/api/v2/summary.json").await.json();
    let published: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("api/v2/summary.json")).unwrap()).unwrap();
    assert_eq!(published["page"]["url"], "http://127.0.0.1:8080/status/acme");
    served["page"]["url"] = published["page"]["url"].clone();
    assert_eq!(published, served);

    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200, "the job recovers");
    wait_for("recovery in the published summary", || {
        published_status(&s.site_dir, "acme").as_deref() == Some("operational")
    })
    .await;
    // The summary is written first; the notifier marks the event delivered only after the
    // whole page is published (under load the rest can still be on its way).
    wait_for("the notifier to finish publishing", || s.store.pending_events(64).is_ok_and(|p| p.is_empty())).await;
    let stored = s.store.status_page_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(stored.components[0].status, ComponentStatus::Operational);

    // Published again with nothing changed: every file compares equal, none is written.
    let modified = |p: &str| std::fs::metadata(root.join(p)).unwrap().modified().unwrap();
    let before = modified("index.html");
    let report = s.publisher.publish_page(stored.clone(), chrono::Utc::now()).await.unwrap();
    assert_eq!((report.written, report.changed_components), (0, 0), "{report:?}");
    assert!(report.unchanged >= 12, "{report:?}");
    assert_eq!(modified("index.html"), before);

    // A page that turns private loses its static copy.
    let mut private = stored;
    private.visibility = Visibility::Private { token_hash: PageToken::generate().hash() };
    s.store.put_status_page(&private).await.unwrap();
    s.publisher.publish_page(private, chrono::Utc::now()).await.unwrap();
    assert!(!root.exists(), "removed when the page went private");
}

/// The e-mails to `to`, oldest first: subject and text.
fn mail_to(s: &TestServer, to: &str) -> Vec<(String, String)> {
    s.mailbox
        .entries()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            MailboxEntry::Email { to: t, subject, text, .. } if t.as_str() == to => Some((subject, text)),
            _ => None,
        })
        .collect()
}

/// The path and query of the first link in `text` on a line containing `marker`. (The
/// confirmation request links to where the page was reached, the news to the configured
/// public URL, on another port than the test server's.)
fn link(text: &str, marker: &str) -> String {
    let line = text.lines().find(|l| l.contains(marker)).unwrap_or_else(|| panic!("no {marker} link in {text}"));
    let after_scheme = &line[line.find("http://").unwrap_or_else(|| panic!("{line}")) + "http://".len()..];
    after_scheme[after_scheme.find('/').unwrap()..].trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_confirm_hear_of_an_incident_unsubscribe_hear_nothing() {
    let (s, _, _, token, page) = acme().await;
    let fan = "fan@example.com";
    let json = [("content-type", "application/json")];

    let r = s
        .send_body_with(
            "POST",
            "/status/acme/subscribe",
            &json,
            format!(r#"{{"email":"{fan}","events":["outage","resolved"]}}"#),
        )
        .await;
    assert_eq!(r.status, 202, "{}", text(&r));
    assert_eq!(r.json()["status"], "pending");
    let mails = mail_to(&s, fan);
    assert_eq!(mails.len(), 1, "one confirmation request");
    assert!(mails[0].0.starts_with("Confirm your subscription to Acme status"), "{mails:?}");
    let verify = link(&mails[0].1, "/subscribe/verify?token=");

    // Unconfirmed: an incident sends it nothing.
    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    wait_for("the outage published", || published_status(&s.site_dir, "acme").as_deref() == Some("partial_outage"))
        .await;
    assert_eq!(mail_to(&s, fan).len(), 1, "nothing before confirmation");
    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    wait_for("the recovery published", || published_status(&s.site_dir, "acme").as_deref() == Some("operational"))
        .await;

    let r = s.get(&verify).await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(text(&r).contains("Subscription confirmed"));
    assert_eq!(s.get(&verify).await.status, 200, "a second click is fine");
    let subs = s.store.subscribers_of_page(&page.id).await.unwrap();
    assert_eq!(subs.len(), 1);
    assert!(subs[0].is_verified());

    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    wait_for("the outage notice", || mail_to(&s, fan).len() == 2).await;
    let (subject, body) = mail_to(&s, fan).remove(1);
    assert_eq!(subject, "[Acme status] Backups: partial outage");
    let unsubscribe = link(&body, "Unsubscribe:");
    assert!(unsubscribe.starts_with("/status/acme/unsubscribe?token="), "{unsubscribe}");

    // The link shows one button (a mail scanner following it unsubscribes nobody) ...
    let r = s.get(&unsubscribe).await;
    assert_eq!(r.status, 200);
    assert!(text(&r).contains("<form method=\"post\""), "{}", text(&r));
    assert_eq!(s.store.subscribers_of_page(&page.id).await.unwrap().len(), 1);
    // ... which posts back: one click.
    let r = s.send("POST", &unsubscribe, "").await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(s.store.subscribers_of_page(&page.id).await.unwrap().is_empty());
    assert_eq!(s.send("POST", &unsubscribe, "").await.status, 404, "the subscription is gone");

    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    wait_for("the recovery published", || published_status(&s.site_dir, "acme").as_deref() == Some("operational"))
        .await;
    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    wait_for("the next outage published", || {
        published_status(&s.site_dir, "acme").as_deref() == Some("partial_outage")
    })
    .await;
    assert_eq!(mail_to(&s, fan).len(), 2, "nothing after unsubscribing");
}

#[tokio::test]
async fn subscription_routes_refuse_bad_input_clearly() {
    let (s, org, m, _, _) = acme().await;
    page(&s, &org, "hidden", &m.id, Visibility::Private { token_hash: PageToken::generate().hash() }).await;
    let json = [("content-type", "application/json")];
    let post = |path: &'static str, body: &'static str| s.send_body_with("POST", path, &json, body);

    let r = post("/status/acme/subscribe", r#"{"email":"not-an-address"}"#).await;
    assert_eq!((r.status, r.error_field().as_deref()), (422, Some("email")));
    let r = post("/status/acme/subscribe", r#"{"email":"a@example.com","webhookUrl":"https://example.com/h"}"#).await;
    assert_eq!((r.status, r.error_field().as_deref()), (422, Some("email")), "exactly one target");
    let r = post("/status/acme/subscribe", r#"{"email":"a@example.com","events":["sometimes"]}"#).await;
    assert_eq!((r.status, r.error_field().as_deref()), (422, Some("events")));
    let r = post(
        "/status/acme/subscribe",
        r#"{"email":"a@example.com","components":["cmp_00000000000000000000000000000000"]}"#,
    )
    .await;
    assert_eq!((r.status, r.error_field().as_deref()), (422, Some("components")));
    let r = post("/status/acme/subscribe", r#"{"email":"a@example.com","colour":"red"}"#).await;
    assert_eq!((r.status, r.error_field().as_deref()), (400, Some("colour")));
    let r = post("/status/acme/subscribe", r#"{"email":"#).await;
    assert_eq!((r.status, r.error_field().as_deref()), (400, Some("body")));
    let big = format!(r#"{{"email":"{}@example.com"}}"#, "a".repeat(70_000));
    let r = s.send_body_with("POST", "/status/acme/subscribe", &json, big).await;
    assert_eq!(r.status, 413);
    assert_eq!(s.get("/status/acme/subscribe").await.status, 405);
    assert_eq!(
        post("/status/hidden/subscribe", r#"{"email":"a@example.com"}"#).await.status,
        404,
        "private pages take none"
    );
    assert_eq!(post("/status/nope/subscribe", r#"{"email":"a@example.com"}"#).await.status, 404);

    let r = s.get("/status/acme/subscribe/verify").await;
    assert_eq!((r.status, r.error_field().as_deref()), (400, Some("token")));
    assert_eq!(s.get("/status/acme/subscribe/verify?token=garbage").await.status, 404);
    assert_eq!(s.get("/status/acme/subscribe/verify?token=sub_00000000000000000000000000000000.abc").await.status, 404);
    assert_eq!(s.send("POST", "/status/acme/unsubscribe?token=garbage", "").await.status, 404);
    assert!(mail_to(&s, "a@example.com").is_empty(), "refused requests send nothing");

    // A form works as JSON does.
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = s
        .send_body_with(
            "POST",
            "/status/acme/subscribe",
            &form,
            "email=form%40example.com&events=outage&events=resolved",
        )
        .await;
    assert_eq!(r.status, 202, "{}", text(&r));
    assert_eq!(mail_to(&s, "form@example.com").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_incident_reaches_confirmed_subscribers_signed_and_is_published() {
    use std::collections::{BTreeMap, BTreeSet};
    use tokiflow_shared::domain::notification::webhook::verify;
    use tokiflow_shared::domain::status_page::incident::{Impact, StatusIncident, UpdateBody};
    use tokiflow_shared::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};

    let (s, _, _, _, page) = acme_reaching_loopback().await;
    let (url, received) = common::webhook_receiver(http::StatusCode::OK).await;
    let json = [("content-type", "application/json")];
    let r = s.send_body_with("POST", "/status/acme/subscribe", &json, format!(r#"{{"webhookUrl":"{url}"}}"#)).await;
    assert_eq!(r.status, 202, "{}", text(&r));
    let secret = r.json()["signingSecret"].as_str().expect("the signing secret, once").to_owned();
    wait_for("the confirmation request", || received.lock().unwrap().len() == 1).await;
    let (headers, body) = received.lock().unwrap()[0].clone();
    assert_eq!(headers["tokiflow-event"], "subscription.verify");
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let verify_url = request["actionUrl"].as_str().unwrap();
    let verify_path = &verify_url[verify_url.find("/status/").unwrap()..];
    assert_eq!(s.get(verify_path).await.status, 200);

    // Someone who only wants to hear of maintenance hears nothing of an outage.
    let quiet =
        SubscriberTarget::Email { address: tokiflow_shared::domain::org::Email::new("quiet@example.com").unwrap() };
    let mut quiet = Subscriber::subscribe(
        page.id.clone(),
        quiet,
        BTreeSet::new(),
        BTreeSet::from([SubscriberEvent::Maintenance]),
        chrono::Utc::now(),
    )
    .unwrap()
    .subscriber;
    quiet.verified_at = Some(chrono::Utc::now());
    s.store.put_subscriber(&quiet).await.unwrap();

    let incident = StatusIncident::open(
        page.id.clone(),
        Name::new("Backups delayed").unwrap(),
        Impact::Major,
        UpdateBody::new("We are looking into it.").unwrap(),
        BTreeMap::from([(page.components[0].id.clone(), ComponentStatus::MajorOutage)]),
        chrono::Utc::now(),
    );
    let report = s.publisher.put_status_incident(page.clone(), &incident, chrono::Utc::now()).await.unwrap();
    assert_eq!(report.changed_components, 1, "{report:?}");
    assert_eq!(published_status(&s.site_dir, "acme").as_deref(), Some("major_outage"));

    let got = received.lock().unwrap().clone();
    let types: Vec<&str> = got.iter().map(|(h, _)| h["tokiflow-event"].to_str().unwrap()).collect();
    assert_eq!(
        types,
        ["subscription.verify", "status.outage", "status.outage"],
        "the incident, then the component it took down"
    );
    let secret = tokiflow_shared::domain::channel::SigningSecret::new(&secret).unwrap();
    for (headers, body) in &got[1..] {
        let signature = headers["tokiflow-signature"].to_str().unwrap();
        verify(&secret, signature, body, chrono::Utc::now(), chrono::Duration::minutes(5))
            .expect("signed with the subscription's secret");
        let news: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert!(news["unsubscribeUrl"].as_str().unwrap().contains("/status/acme/unsubscribe?token=sub_"), "{news}");
    }
    let first: serde_json::Value = serde_json::from_slice(&got[1].1).unwrap();
    assert_eq!(first["title"], "[Acme status] Investigating: Backups delayed");
    assert!(mail_to(&s, "quiet@example.com").is_empty(), "filtered out");
}

/// Hardening: a stranger cannot make the server call its own network through a
/// subscription, whatever the server allows its channels (locally: private addresses).
#[tokio::test]
async fn subscriber_webhooks_never_reach_the_servers_own_network() {
    let (s, _, _, _, page) = acme().await;
    let (url, received) = common::webhook_receiver(http::StatusCode::OK).await;
    let json = [("content-type", "application/json")];
    for field in ["webhookUrl", "slackWebhookUrl"] {
        let r = s.send_body_with("POST", "/status/acme/subscribe", &json, format!(r#"{{"{field}":"{url}"}}"#)).await;
        assert_eq!(r.status, 202, "{}", text(&r));
    }
    assert!(received.lock().unwrap().is_empty(), "the confirmation request was refused by the address guard");
    let pending = s.store.subscribers_of_page(&page.id).await.unwrap();
    assert!(pending.iter().all(|p| !p.is_verified()), "nothing confirmed");
}

/// Hardening: sign-ups cannot be used to mail-bomb an address or to fill a page.
#[tokio::test]
async fn repeated_sign_ups_send_one_request_and_a_page_takes_an_hours_worth() {
    use tokiflow_shared::domain::status_page::subscriber::SIGNUPS_PER_HOUR;
    let (s, _, _, _, page) = acme().await;
    let json = [("content-type", "application/json")];
    for _ in 0..50 {
        let r = s.send_body_with("POST", "/status/acme/subscribe", &json, r#"{"email":"victim@example.com"}"#).await;
        assert_eq!(r.status, 202, "{}", text(&r));
    }
    assert_eq!(mail_to(&s, "victim@example.com").len(), 1, "fifty sign-ups, one confirmation request");
    assert_eq!(s.store.subscribers_of_page(&page.id).await.unwrap().len(), 1);

    for i in 1..SIGNUPS_PER_HOUR {
        let r = s
            .send_body_with("POST", "/status/acme/subscribe", &json, format!(r#"{{"email":"p{i}@example.com"}}"#))
            .await;
        assert_eq!(r.status, 202, "{i}: {}", text(&r));
    }
    let r = s.send_body_with("POST", "/status/acme/subscribe", &json, r#"{"email":"one-too-many@example.com"}"#).await;
    assert_eq!(r.status, 429, "{}", text(&r));
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(mail_to(&s, "one-too-many@example.com").is_empty());
    assert_eq!(s.store.subscribers_of_page(&page.id).await.unwrap().len(), SIGNUPS_PER_HOUR);
}
