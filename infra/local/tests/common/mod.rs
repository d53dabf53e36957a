//! A real local server on a loopback port with its own data directory, and a small client.
#![allow(dead_code)]
use bytes::Bytes;
use chrono::{Duration, Utc};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeSet;
use std::sync::Arc;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::config::Config;
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{MonitorStore, OrgStore};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct TestServer {
    pub base: String,
    pub store: Arc<EmbeddedStore>,
    pub timers: Arc<tokiflow_shared::adapters::timer::TimerScheduler>,
    pub mailbox: Arc<tokiflow_shared::adapters::mailbox::Mailbox>,
    pub notifier: Arc<tokiflow_shared::services::notify::Notifier>,
    pub publisher: Arc<tokiflow_shared::services::publish_status_page::StatusPublisher>,
    /// The static copy of the public status pages.
    pub site_dir: std::path::PathBuf,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
    pub fn error_field(&self) -> Option<String> {
        self.json()["error"]["field"].as_str().map(str::to_owned)
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_in(tempfile::tempdir().unwrap()).await
    }

    pub async fn start_in(dir: tempfile::TempDir) -> Self {
        Self::start_with(dir, |_| {}).await
    }

    /// Starts with the default configuration changed by `edit`.
    pub async fn start_with(dir: tempfile::TempDir, edit: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.data_dir = dir.path().to_owned();
        edit(&mut config);
        let local = tokiflow_local::Local::open(&config).unwrap();
        local.start_timers().await.unwrap();
        local.start_notifier();
        let (app, store, timers, mailbox) =
            (local.app.clone(), local.store.clone(), local.timers.clone(), local.mailbox.clone());
        let notifier = local.notifier.clone();
        let (publisher, site_dir) = (local.publisher.clone(), local.site.root().to_owned());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            tokiflow_local::serve(app, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            base,
            store,
            timers,
            mailbox,
            notifier,
            publisher,
            site_dir,
            dir,
            stop: Some(stop),
            task: Some(task),
            client,
        }
    }

    /// Stops serving and closes the store, keeping the data directory.
    pub async fn shutdown(mut self) -> tempfile::TempDir {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.take().unwrap().await.unwrap();
        self.store.close();
        self.dir
    }

    pub async fn send(&self, method: &str, path: &str, body: impl Into<Bytes>) -> Reply {
        self.request(method, path, &[("user-agent", "tokiflow-tests")], body.into()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, Bytes::new()).await
    }

    /// A request with a body and extra headers.
    pub async fn send_body_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        self.request(method, path, headers, body.into()).await
    }

    /// A request with extra headers (a `host` one replaces the default).
    pub async fn send_with(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(method, path, headers, Bytes::new()).await
    }

    async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Bytes) -> Reply {
        let mut req = http::Request::builder().method(method).uri(format!("{}{}", self.base, path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = self.client.request(req.body(Full::new(body)).unwrap()).await.expect("request failed");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body }
    }

    /// An org with one interval monitor (30 s grace); returns it and its ping token.
    pub async fn monitor(&self, interval_secs: u64) -> (Monitor, PingToken) {
        let org = Org::new(Name::new("Test org").unwrap(), Utc::now());
        self.store.create_org(&org).await.unwrap();
        self.monitor_in(&org, "job", interval_secs, 30).await
    }

    pub async fn org(&self) -> Org {
        let org = Org::new(Name::new("Test org").unwrap(), Utc::now());
        self.store.create_org(&org).await.unwrap();
        org
    }

    pub async fn monitor_in(&self, org: &Org, name: &str, interval_secs: u64, grace_secs: i64) -> (Monitor, PingToken) {
        let token = PingToken::generate();
        let spec = MonitorSpec {
            name: Name::new(name).unwrap(),
            schedule: Schedule::interval(interval_secs).unwrap(),
            grace: Duration::seconds(grace_secs),
            severity: Severity::High,
            tags: BTreeSet::new(),
            max_runtime: None,
            probe: None,
        };
        let m = Monitor::new(org.id.clone(), spec, token.hash(), Utc::now()).unwrap();
        self.store.create_monitor(&m).await.unwrap();
        (m, token)
    }

    pub async fn reload(&self, m: &Monitor) -> Monitor {
        self.store.monitor(&m.id).await.unwrap().unwrap()
    }
}

/// Polls `done` every 50 ms for up to ten seconds (what the background notifier does is
/// awaited, never timed).
pub async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// What a webhook receiver was sent: each request's headers and body.
pub type Received = Arc<std::sync::Mutex<Vec<(http::HeaderMap, Bytes)>>>;

/// A webhook receiver on loopback at `/hook`, answering `status`; records what it is sent.
pub async fn webhook_receiver(status: http::StatusCode) -> (String, Received) {
    use axum::extract::State;
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(move |State(r): State<Received>, headers: http::HeaderMap, body: Bytes| async move {
                r.lock().unwrap().push((headers, body));
                (status, "receiver says hi")
            }),
        )
        .with_state(received.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}
