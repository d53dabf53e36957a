//! The status page routes over real HTTP, on the demo data: every resource, caching
//! (ETag, 304), private pages, custom domains, and a monitor failure showing on the page.
mod common;

use common::{Reply, TestServer};
use tokiflow_shared::domain::ids::StatusPageId;
use tokiflow_shared::domain::secret::PageToken;
use tokiflow_shared::domain::status_page::{Hostname, StatusPage, Theme, Visibility};
use tokiflow_shared::domain::text::{Name, Slug};
use tokiflow_shared::ports::store::ConfigStore;
use tokiflow_shared::services::seed::{DemoCredentials, seed_demo};

async fn demo() -> (TestServer, DemoCredentials) {
    let s = TestServer::start().await;
    let creds = seed_demo(s.store.as_ref(), chrono::Utc::now()).await.unwrap();
    (s, creds)
}

fn text(r: &Reply) -> String {
    String::from_utf8(r.body.to_vec()).unwrap()
}

fn header<'a>(r: &'a Reply, name: &str) -> &'a str {
    r.headers.get(name).unwrap_or_else(|| panic!("no {name} header")).to_str().unwrap()
}

#[tokio::test]
async fn demo_page_renders_banner_components_incidents_and_maintenance() {
    let (s, _) = demo().await;
    let r = s.get("/status/dev-status").await;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "public, max-age=30, stale-while-revalidate=60");
    assert!(header(&r, "content-security-policy").starts_with("default-src 'none'"));
    let page = text(&r);
    assert!(page.contains("role=status>Partially Degraded Service</p>"), "banner");
    for name in ["API heartbeat", "Database backup", "Morning report"] {
        assert!(page.contains(&format!("<h3>{name}</h3>")), "component {name}");
    }
    assert!(page.contains("Elevated API latency") && page.contains("Nightly backup delayed"));
    assert!(page.contains("Weekly database maintenance"));
    assert_eq!(s.get("/status/dev-status/").await.body, r.body, "trailing slash is the same page");
}

#[tokio::test]
async fn statuspage_json_documents() {
    let (s, _) = demo().await;
    let get = |path: &'static str| {
        let s = &s;
        async move {
            let r = s.get(&format!("/status/dev-status/api/v2/{path}")).await;
            assert_eq!(r.status, 200, "{path}: {}", text(&r));
            assert_eq!(header(&r, "content-type"), "application/json");
            assert_eq!(header(&r, "access-control-allow-origin"), "*");
            r.json()
        }
    };
    let summary = get("summary.json").await;
    assert_eq!(
        summary["status"],
        serde_json::json!({"indicator": "minor", "description": "Partially Degraded Service"})
    );
    assert_eq!(summary["page"]["name"], "Tokiflow Demo Status");
    assert!(summary["page"]["url"].as_str().unwrap().ends_with("/status/dev-status"));
    let statuses: Vec<&str> =
        summary["components"].as_array().unwrap().iter().map(|c| c["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["degraded_performance", "operational", "operational"]);
    assert_eq!(summary["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(summary["incidents"][0]["name"], "Elevated API latency");
    assert_eq!(summary["scheduled_maintenances"][0]["status"], "scheduled");
    assert_eq!(get("status.json").await["status"]["indicator"], "minor");
    assert_eq!(get("components.json").await["components"].as_array().unwrap().len(), 3);
    let all = get("incidents.json").await;
    let names: Vec<&str> = all["incidents"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Elevated API latency", "Nightly backup delayed"], "newest first");
    assert_eq!(all["incidents"][1]["status"], "resolved");
    assert_eq!(get("incidents/unresolved.json").await["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(get("scheduled-maintenances.json").await["scheduled_maintenances"].as_array().unwrap().len(), 1);
    assert_eq!(get("scheduled-maintenances/active.json").await["scheduled_maintenances"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn feeds_and_badges() {
    let (s, _) = demo().await;
    let atom = s.get("/status/dev-status/feed.atom").await;
    assert_eq!(header(&atom, "content-type"), "application/atom+xml; charset=utf-8");
    assert_eq!(text(&atom).matches("<entry>").count(), 2);
    let rss = s.get("/status/dev-status/feed.rss").await;
    assert_eq!(header(&rss, "content-type"), "application/rss+xml; charset=utf-8");
    assert_eq!(text(&rss).matches("<item>").count(), 2);

    let badge = s.get("/status/dev-status/badge.svg").await;
    assert_eq!(header(&badge, "content-type"), "image/svg+xml");
    assert!(text(&badge).contains("Tokiflow Demo Status: partially degraded service"));
    let components = s.get("/status/dev-status/api/v2/components.json").await.json();
    let db = components["components"][1]["id"].as_str().unwrap().to_owned();
    let one = s.get(&format!("/status/dev-status/components/{db}/badge.svg")).await;
    assert_eq!(one.status, 200);
    assert!(text(&one).contains("<title>Database backup: operational</title>"));
    let missing = s.get("/status/dev-status/components/cmp_00000000000000000000000000000000/badge.svg").await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn etag_revalidation_and_methods() {
    let (s, _) = demo().await;
    for path in [
        "/status/dev-status",
        "/status/dev-status/api/v2/summary.json",
        "/status/dev-status/feed.atom",
        "/status/dev-status/badge.svg",
    ] {
        let first = s.get(path).await;
        let etag = header(&first, "etag").to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
        assert_eq!(header(&s.get(path).await, "etag"), etag, "{path}: unchanged page, same tag");
        let again = s.send_with("GET", path, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(header(&again, "etag"), etag);
        assert!(again.headers.contains_key("cache-control"));
        let stale = s.send_with("GET", path, &[("if-none-match", "\"0000\"")]).await;
        assert_eq!(stale.status, 200);
        assert_eq!(stale.body, first.body);
        let head = s.send("HEAD", path, "").await;
        assert_eq!((head.status, head.body.len()), (200, 0));
        assert_eq!(header(&head, "etag"), etag);
    }
    let post = s.send("POST", "/status/dev-status", "").await;
    assert_eq!(post.status, 405);
    assert_eq!(header(&post, "allow"), "GET, HEAD");
}

#[tokio::test]
async fn unknown_pages_and_paths_are_404() {
    let (s, _) = demo().await;
    for path in [
        "/status/no-such-page",
        "/status/Dev-Status",
        "/status/",
        "/status/dev-status/nope",
        "/status/dev-status/api/v2/pages.json",
        "/status/dev-status/components/%3Cx%3E/badge.svg",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error"]["code"], "not_found", "{path}");
    }
}

#[tokio::test]
async fn a_failing_monitor_shows_on_its_component_and_changes_the_etag() {
    let (s, creds) = demo().await;
    let before = s.get("/status/dev-status/api/v2/summary.json").await;
    let token = &creds.monitors.iter().find(|(n, _)| n == "Database backup").unwrap().1;
    assert_eq!(s.get(&format!("/ping/{}/fail", token.reveal())).await.status, 200);
    let after = s.get("/status/dev-status/api/v2/summary.json").await;
    assert_ne!(header(&after, "etag"), header(&before, "etag"));
    let v = after.json();
    assert_eq!(v["components"][1]["status"], "major_outage", "CRITICAL monitor incident");
    assert_eq!(v["status"]["indicator"], "critical");
    let revalidated = s
        .send_with("GET", "/status/dev-status/api/v2/summary.json", &[("if-none-match", header(&before, "etag"))])
        .await;
    assert_eq!(revalidated.status, 200, "the old tag no longer matches");
}

async fn put_page(s: &TestServer, slug: &str, visibility: Visibility, domain: Option<&str>) -> StatusPage {
    let org = s.org().await;
    let page = StatusPage {
        id: StatusPageId::generate(),
        org_id: org.id,
        name: Name::new("Internal").unwrap(),
        description: None,
        slug: Slug::new(slug).unwrap(),
        visibility,
        theme: Theme::default(),
        custom_domain: domain.map(|d| Hostname::new(d).unwrap()),
        components: vec![],
    };
    s.store.put_status_page(&page).await.unwrap();
    page
}

#[tokio::test]
async fn private_pages_need_their_token_and_otherwise_do_not_exist() {
    let s = TestServer::start().await;
    let token = PageToken::generate();
    put_page(&s, "internal", Visibility::Private { token_hash: token.hash() }, None).await;
    let unknown = s.get("/status/never-existed").await;
    for path in ["/status/internal", "/status/internal/api/v2/summary.json", "/status/internal/badge.svg"] {
        for r in [
            s.get(path).await,
            s.get(&format!("{path}?token=sp_wrong")).await,
            s.send_with("GET", path, &[("authorization", "Bearer sp_wrong")]).await,
            s.get(&format!("{path}?token={}", "x".repeat(5000))).await,
        ] {
            assert_eq!(r.status, 404, "{path}");
            assert_eq!(r.body, unknown.body, "{path}: no hint that the page exists");
        }
        let ok = s.get(&format!("{path}?token={}", token.reveal())).await;
        assert_eq!(ok.status, 200, "{path}");
        assert_eq!(header(&ok, "cache-control"), "private, no-cache");
        assert!(!ok.headers.contains_key("access-control-allow-origin"));
        let bearer = format!("Bearer {}", token.reveal());
        assert_eq!(s.send_with("GET", path, &[("authorization", &bearer)]).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn custom_domain_selects_the_page_without_the_prefix() {
    let s = TestServer::start().await;
    put_page(&s, "acme", Visibility::Public, Some("status.acme.test")).await;
    let host = [("host", "status.acme.test")];
    let html = s.send_with("GET", "/", &host).await;
    assert_eq!(html.status, 200, "{}", text(&html));
    assert!(text(&html).contains("<h1>Internal</h1>"));
    assert!(text(&html).contains("href=\"/feed.atom\""), "links without the prefix");
    let json = s.send_with("GET", "/api/v2/status.json", &[("host", "status.acme.test:443")]).await;
    assert_eq!(json.status, 200);
    assert_eq!(json.json()["page"]["url"], "https://status.acme.test");
    assert_eq!(s.send_with("GET", "/feed.rss", &host).await.status, 200);
    let via_cdn = s.send_with("GET", "/api/v2/status.json", &[("x-tokiflow-host", "status.acme.test")]).await;
    assert_eq!(via_cdn.status, 200, "behind CloudFront the viewer's host comes in x-tokiflow-host");
    assert_eq!(s.send_with("GET", "/", &[("host", "other.acme.test")]).await.status, 404);
    assert_eq!(s.send_with("GET", "/nope", &host).await.status, 404);
    assert_eq!(s.get("/").await.status, 404, "our own host has no page at /");
    assert_eq!(s.get("/status/acme").await.status, 200, "the slug still works");
}

/// Hardening: a private page behind a custom domain answers exactly as a host with no
/// page, so the private domain's existence does not show.
#[tokio::test]
async fn a_private_custom_domain_answers_as_an_unknown_host() {
    use tokiflow_shared::domain::secret::PageToken;
    let s = TestServer::start().await;
    put_page(&s, "hidden", Visibility::Private { token_hash: PageToken::generate().hash() }, Some("private.acme.test"))
        .await;
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/api/v2/summary.json"),
        ("GET", "/feed.atom"),
        ("POST", "/subscribe"),
        ("GET", "/unsubscribe?token=x"),
    ] {
        let private = s.send_with(method, path, &[("host", "private.acme.test")]).await;
        let nobody = s.send_with(method, path, &[("host", "nobody.acme.test")]).await;
        assert_eq!((private.status, &private.body), (nobody.status, &nobody.body), "{method} {path}");
        assert_eq!(private.status, 404, "{method} {path}");
    }
}
