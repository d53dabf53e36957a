//! Who may call what: the route × role × scope matrix generated from the policy table,
//! the IP allowlist, missing and bad keys, and the per-key rate limit.
#[path = "api/harness.rs"]
mod harness;

use harness::{Env, ROLES, SCOPES};
use http::{Method, StatusCode, header};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::domain::org::Role;
use tokiflow_shared::domain::rate_limit::RateLimit;
use tokiflow_shared::http::api::policy::{Access, ROUTES};
use tokiflow_shared::ports::store::OrgStore;

/// A concrete path for a route pattern: well-formed ids that name nothing.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| if seg.starts_with('{') { MonitorId::generate().to_string() } else { seg.to_owned() })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_route_allows_exactly_its_scope_and_roles() {
    let env = Env::new().await;
    let mut keys = Vec::new();
    for role in ROLES {
        for scope in SCOPES {
            keys.push((role, scope, env.key(role, &[scope]).await));
        }
    }
    let before = env.snapshot().await;
    let mut checked = 0;
    for route in ROUTES {
        let Access::Key(need_scope, need_role) = route.access else {
            continue;
        };
        let path = concrete(route.path);
        let body = matches!(route.method, Method::POST | Method::PUT | Method::PATCH).then_some("{}");
        for (role, scope, key) in &keys {
            let res = env.call(route.method.clone(), &path, key, body).await;
            let allowed = *scope == need_scope && *role >= need_role;
            let what =
                format!("{} {} as {role:?} with {scope:?}: {} {:?}", route.method, route.path, res.status, res.body);
            if allowed {
                assert!(
                    !matches!(res.status.as_u16(), 401 | 403 | 405) && !res.status.is_server_error(),
                    "should be allowed: {what}"
                );
            } else {
                assert_eq!(res.status, StatusCode::FORBIDDEN, "should be forbidden: {what}");
                assert_eq!(res.json()["error"]["code"], "forbidden", "{what}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 36 * 30, "the matrix covered {checked} cases");
    assert_eq!(env.snapshot().await, before, "probing the matrix changed nothing");
}

#[tokio::test]
async fn the_policy_follows_the_role_ladder() {
    // VIEWER reads only; MEMBER monitors and incidents; ADMIN also channels and keys, and
    // status pages (what customers see) with their subscribers (outsiders' addresses:
    // reading them is ADMIN's too);
    // OWNER also members and org settings.
    for route in ROUTES {
        let Access::Key(_, role) = route.access else {
            continue;
        };
        let write = route.method != Method::GET;
        let p = route.path;
        let expected = if p.ends_with("/subscribers") || p.contains("/subscribers/") {
            Role::Admin
        } else if !write {
            if p.starts_with("/api/v1/api-keys") { Role::Admin } else { Role::Viewer }
        } else if p.starts_with("/api/v1/members") || p == "/api/v1/org" {
            Role::Owner
        } else if p.starts_with("/api/v1/channels")
            || p.starts_with("/api/v1/api-keys")
            || p.starts_with("/api/v1/status-pages")
        {
            Role::Admin
        } else {
            Role::Member
        };
        assert_eq!(role, expected, "{} {}", route.method, p);
    }
}

#[tokio::test]
async fn missing_malformed_unknown_and_revoked_keys_get_401() {
    let env = Env::new().await;
    let good = env.owner_key().await;
    let ip = Some("127.0.0.1".parse().unwrap());
    let revoked = env.owner_key().await;
    let mut k = env.store.api_keys_of_org(&env.org.id).await.unwrap().pop().unwrap();
    k.revoked_at = Some(chrono::Utc::now());
    env.store.put_api_key(&k).await.unwrap();

    let no_header = env.call_from(Method::GET, "/api/v1/monitors", None, None, ip).await;
    assert_eq!(no_header.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_header.json()["error"]["code"], "unauthorized");
    assert_eq!(no_header.headers[header::WWW_AUTHENTICATE], "Bearer");
    for bad in ["tf_nope", "x".repeat(500).as_str(), "", &good[..good.len() - 1], &revoked] {
        let res = env.call(Method::GET, "/api/v1/monitors", bad, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "key {bad:?}");
        assert_eq!(res.json()["error"]["message"], "invalid or revoked API key");
    }
    assert_eq!(env.get("/api/v1/monitors", &good).await.status, StatusCode::OK);
    let mut req = tokiflow_shared::http::ApiRequest {
        method: Method::GET,
        path: "/api/v1/monitors".into(),
        query: None,
        headers: http::HeaderMap::new(),
        body: Default::default(),
        body_size: 0,
        source_ip: ip,
    };
    req.headers.insert(header::AUTHORIZATION, format!("Basic {good}").parse().unwrap());
    assert_eq!(env.app.handle(req).await.status(), StatusCode::UNAUTHORIZED, "only the Bearer scheme");
}

#[tokio::test]
async fn a_removed_members_keys_stop_working() {
    let env = Env::new().await;
    let key = env.key(Role::Member, &SCOPES).await;
    assert_eq!(env.get("/api/v1/monitors", &key).await.status, StatusCode::OK);
    env.store.delete_user(&env.org.id, &env.user(Role::Member).id).await.unwrap();
    assert_eq!(env.get("/api/v1/monitors", &key).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_ip_allowlist_admits_only_its_networks_v4_and_v6() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let mut org = env.org.clone();
    org.set_allowlist(vec!["10.0.0.0/8".parse().unwrap(), "2001:db8::/32".parse().unwrap()]).unwrap();
    env.store.update_org(&org).await.unwrap();
    for (ip, allowed) in [
        ("10.1.2.3", true),
        ("::ffff:10.1.2.3", true),
        ("2001:db8::5", true),
        ("192.168.1.1", false),
        ("11.0.0.1", false),
        ("2001:db9::1", false),
        ("::1", false),
    ] {
        let res = env.call_from(Method::GET, "/api/v1/monitors", Some(&key), None, Some(ip.parse().unwrap())).await;
        let want = if allowed { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
        assert_eq!(res.status, want, "from {ip}: {:?}", res.body);
        if !allowed {
            // No key oracle: from outside, a valid key answers exactly as a wrong one.
            let wrong = env
                .call_from(
                    Method::GET,
                    "/api/v1/monitors",
                    Some("tf_notAKeyAtAll0000000"),
                    None,
                    Some(ip.parse().unwrap()),
                )
                .await;
            assert_eq!((res.status, &res.body), (wrong.status, &wrong.body), "from {ip}");
        }
    }
    let unknown = env.call_from(Method::GET, "/api/v1/monitors", Some(&key), None, None).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "no known address counts as elsewhere");
    // Public routes stay public.
    let preview = env
        .call_from(
            Method::GET,
            "/api/v1/schedule/preview?interval=60",
            None,
            None,
            Some("192.168.1.1".parse().unwrap()),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
}

#[tokio::test]
async fn an_owner_cannot_lock_themselves_out() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let before = env.snapshot().await;
    let res = env.call(Method::PATCH, "/api/v1/org", &key, Some(r#"{"ipAllowlist":["10.0.0.0/8"]}"#)).await;
    assert_eq!((res.status, res.field().as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("ipAllowlist")));
    assert_eq!(env.snapshot().await, before);
    let res = env.call(Method::PATCH, "/api/v1/org", &key, Some(r#"{"ipAllowlist":["127.0.0.0/8","::1/128"]}"#)).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!(res.json()["ipAllowlist"], serde_json::json!(["127.0.0.0/8", "::1/128"]));
}

#[tokio::test]
async fn each_key_has_its_own_bucket_and_429_says_when_to_retry() {
    let env = Env::with_limit(RateLimit { capacity: 3.0, per_second: 0.1 }).await;
    let (a, b) = (env.owner_key().await, env.owner_key().await);
    for _ in 0..3 {
        assert_eq!(env.get("/api/v1/monitors", &a).await.status, StatusCode::OK);
    }
    let limited = env.get("/api/v1/monitors", &a).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
    let retry: u64 = limited.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "Retry-After {retry}");
    assert_eq!(env.get("/api/v1/monitors", &b).await.status, StatusCode::OK, "another key is not limited");
    // Bad keys are refused before they can use anyone's bucket.
    assert_eq!(env.get("/api/v1/monitors", "tf_unknown").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_routes_404_and_wrong_methods_405() {
    let env = Env::new().await;
    let key = env.owner_key().await;
    let res = env.get("/api/v1/nothing-here", &key).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = env.call(Method::PUT, "/api/v1/monitors", &key, Some("{}")).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers[header::ALLOW], "GET, HEAD, POST");
}
