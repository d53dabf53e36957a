//! An `App` on the embedded adapters in a temporary directory, built by the local
//! composition root (`wiring::local::build`), an org with one member per role, and a way
//! to call it as API Gateway or the local server would.
#![allow(dead_code)]
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;
use tokiflow_shared::adapters::egress::EgressPolicy;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::adapters::mailbox::Mailbox;
use tokiflow_shared::adapters::timer::TimerScheduler;
use tokiflow_shared::config::Config;
use tokiflow_shared::domain::ids::ApiKeyId;
use tokiflow_shared::domain::org::{ApiKey, Email, Org, Role, Scope, User};
use tokiflow_shared::domain::rate_limit::RateLimit;
use tokiflow_shared::domain::secret::ApiKeySecret;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::http::{ApiRequest, App};
use tokiflow_shared::ports::store::{ConfigStore, IncidentStore, MonitorStore, OrgStore, StatusStore};

/// Whether a route is a probe monitor's history (its `{monitorId}` must name a probe).
pub fn is_probe_history(pattern: &str) -> bool {
    ["/checks", "/downtime", "/uptime", "/debug-sessions"].iter().any(|p| pattern.contains(p))
}

pub const ROLES: [Role; 4] = [Role::Viewer, Role::Member, Role::Admin, Role::Owner];
pub const SCOPES: [Scope; 9] = Scope::ALL;

/// Where the test app says it is reached (download URLs, links in messages).
pub const BASE_URL: &str = "http://tokiflow.test";

pub struct Env {
    pub app: Arc<App>,
    pub store: Arc<EmbeddedStore>,
    pub timers: Arc<TimerScheduler>,
    /// Where the channel tests' e-mail and SMS go.
    pub mailbox: Arc<Mailbox>,
    /// Where status pages are published (the static copy).
    pub site: std::path::PathBuf,
    pub org: Org,
    /// One member per role, in `ROLES` order.
    pub users: Vec<User>,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
    pub fn field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_owned)
    }
}

impl Env {
    pub async fn new() -> Self {
        Self::with_limit(RateLimit { capacity: 10_000.0, per_second: 10_000.0 }).await
    }

    pub async fn with_limit(limit: RateLimit) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.data_dir = dir.path().to_owned();
        config.public_url = Some(BASE_URL.into());
        config.api_rate = limit;
        // Channel tests through the real transports; webhooks (subscribers' too) may reach
        // loopback receivers.
        config.outbound.egress = EgressPolicy::AllowPrivate;
        config.subscriber_egress = EgressPolicy::AllowPrivate;
        let built = tokiflow_shared::wiring::local::build(&config).unwrap();
        let (app, store, timers, mailbox) = (built.app, built.store, built.timers, built.mailbox);
        let site = built.site.root().to_owned();
        let org = Org::new(Name::new("Acme").unwrap(), Utc::now());
        store.create_org(&org).await.unwrap();
        let mut users = Vec::new();
        for role in ROLES {
            let user =
                User::new(org.id.clone(), Email::new(&format!("{role:?}@example.com")).unwrap(), role, Utc::now());
            store.create_user(&user).await.unwrap();
            users.push(user);
        }
        Self { app, store, timers, mailbox, site, org, users, _dir: dir }
    }

    pub fn user(&self, role: Role) -> &User {
        &self.users[ROLES.iter().position(|r| *r == role).unwrap()]
    }

    /// A key for the member with `role`, holding exactly `scopes`.
    pub async fn key(&self, role: Role, scopes: &[Scope]) -> String {
        let secret = ApiKeySecret::generate();
        let key = ApiKey {
            id: ApiKeyId::generate(),
            org_id: self.org.id.clone(),
            name: Name::new("test").unwrap(),
            created_by: self.user(role).id.clone(),
            key_hash: secret.hash(),
            scopes: scopes.iter().copied().collect::<BTreeSet<_>>(),
            created_at: Utc::now(),
            revoked_at: None,
        };
        self.store.create_api_key(&key).await.unwrap();
        secret.reveal().to_owned()
    }

    /// The org's owner with every scope.
    /// Where the app keeps its data (the store, `blobs/`, the mailbox).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn owner_key(&self) -> String {
        self.key(Role::Owner, &SCOPES).await
    }

    pub async fn call_from(
        &self,
        method: Method,
        path_and_query: &str,
        key: Option<&str>,
        body: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Reply {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        let mut headers = HeaderMap::new();
        if let Some(k) = key {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {k}")).unwrap());
        }
        let body = Bytes::from(body.unwrap_or("").to_owned());
        let req = ApiRequest { method, path, query, headers, body_size: body.len() as u64, body, source_ip: ip };
        let res = self.app.handle(req).await;
        Reply { status: res.status(), headers: res.headers().clone(), body: res.body().clone() }
    }

    pub async fn call(&self, method: Method, path: &str, key: &str, body: Option<&str>) -> Reply {
        self.call_from(method, path, Some(key), body, Some("127.0.0.1".parse().unwrap())).await
    }

    pub async fn get(&self, path: &str, key: &str) -> Reply {
        self.call(Method::GET, path, key, None).await
    }

    pub async fn post(&self, path: &str, key: &str, body: &str) -> Reply {
        self.call(Method::POST, path, key, Some(body)).await
    }

    /// Everything the API can change, to check that a refused request changed nothing.
    pub async fn snapshot(&self) -> String {
        let s = &self.store;
        let org = &self.org.id;
        let monitors = s.monitors_of_org(org).await.unwrap();
        let mut incidents = Vec::new();
        for m in &monitors {
            incidents.extend(s.incidents_of_monitor(&m.id).await.unwrap());
        }
        let pages = s.status_pages_of_org(org).await.unwrap();
        let mut shown = Vec::new();
        for p in &pages {
            shown.push(format!(
                "{:?}\n{:?}",
                s.status_incidents_of_page(&p.id, 200).await.unwrap(),
                s.page_maintenance_of_page(&p.id).await.unwrap()
            ));
        }
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            s.org(org).await.unwrap(),
            monitors,
            incidents,
            s.users_of_org(org).await.unwrap(),
            s.api_keys_of_org(org).await.unwrap(),
            s.dependencies_of_org(org).await.unwrap(),
            s.maintenance_of_org(org).await.unwrap(),
            s.channels_of_org(org).await.unwrap(),
            self.timers.armed(),
            pages,
            shown,
        )
    }

    /// An http probe (failure threshold 1, sending `headers`) at a loopback server that
    /// answers 500 with a cookie, checked once: DOWN, with its downtime window and the
    /// debug session of going down. Returns the monitor's id, the window's id and the
    /// session's key.
    pub async fn probe_gone_down(&self, key: &str, headers: Value) -> (String, String, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let answer = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nSet-Cookie: sid=SESSION-COOKIE-VALUE\r\nConnection: close\r\n\r\nfail";
                let _ = conn.write_all(answer.as_bytes()).await;
            }
        });
        let body = serde_json::json!({"kind": "http", "name": "site", "url": format!("http://127.0.0.1:{port}/health"),
            "interval": 30, "failureThreshold": 1, "headers": headers});
        let res = self.post("/api/v1/monitors", key, &body.to_string()).await;
        assert_eq!(res.status, StatusCode::CREATED, "{:?}", res.body);
        let id = res.json()["id"].as_str().unwrap().to_owned();
        let monitor = tokiflow_shared::domain::ids::MonitorId::parse(&id).unwrap();
        self.app.probes.as_ref().unwrap().run(&monitor, Utc::now()).await.unwrap();
        let window = self.get(&format!("/api/v1/monitors/{id}/downtime"), key).await.json()["items"][0]["id"].clone();
        let session =
            self.get(&format!("/api/v1/monitors/{id}/debug-sessions"), key).await.json()["items"][0]["sessionKey"]
                .clone();
        (id, window.as_str().expect("a downtime window").to_owned(), session.as_str().expect("a session").to_owned())
    }
}
