//! The local server: the shared `App` behind a real HTTP listener, on embedded storage.
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::Request;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::adapters::fs::FsBlobStore;
use tokiflow_shared::adapters::timer::TimerScheduler;
use tokiflow_shared::config::Config;
use tokiflow_shared::http::{ApiError, ApiRequest, App};
use tokiflow_shared::services::check_missed::MissedCheckService;
use tokiflow_shared::services::sweep_retention::sweep_retention;

/// Everything the local server runs, on the embedded adapters under `config.data_dir`.
pub struct Local {
    pub app: Arc<App>,
    pub store: Arc<EmbeddedStore>,
    pub blobs: Arc<FsBlobStore>,
    pub timers: Arc<TimerScheduler>,
    pub checks: Arc<MissedCheckService>,
}

impl Local {
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        let store = Arc::new(EmbeddedStore::open(&config.data_dir)?);
        let blobs = Arc::new(FsBlobStore::new(config.data_dir.join("blobs")));
        let timers = Arc::new(TimerScheduler::new());
        let app = Arc::new(App::new(store.clone(), blobs.clone(), timers.clone(), config.limits).with_rate_limit(config.api_rate));
        let checks = Arc::new(MissedCheckService::new(store.clone(), timers.clone()));
        Ok(Self { app, store, blobs, timers, checks })
    }

    /// Re-arms the timers recorded in the store (overdue ones fire at once) and runs
    /// the missed checks in the background, as EventBridge Scheduler does in AWS.
    pub async fn start_timers(&self) -> anyhow::Result<usize> {
        let restored = self.timers.restore(self.store.as_ref()).await?;
        let checks = self.checks.clone();
        tokio::spawn(self.timers.clone().run(move |monitor, deadline| {
            let checks = checks.clone();
            async move {
                if let Err(e) = checks.check(&monitor, chrono::Utc::now()).await {
                    tracing::error!(monitor_id = %monitor, %deadline, error = %e, "missed check failed");
                }
            }
        }));
        Ok(restored)
    }

    /// Runs the retention sweep every `every`, the first time one minute after start
    /// (as the daily EventBridge schedule does in AWS).
    pub fn start_retention_sweep(&self, every: std::time::Duration) {
        let (store, blobs) = (self.store.clone(), self.blobs.clone());
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            loop {
                let now = chrono::Utc::now();
                if let Err(e) = sweep_retention(store.as_ref(), store.as_ref(), blobs.as_ref(), now).await {
                    tracing::error!(error = %e, "retention sweep failed");
                }
                tokio::time::sleep(every).await;
            }
        });
    }
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = axum::Router::new().fallback(handle).with_state(app);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handle(State(app): State<Arc<App>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let policy = app.body_policy(parts.uri.path());
    let (body, body_size) = match read_body(body, policy.keep, policy.drain_rest).await {
        Ok(read) => read,
        Err(e) => {
            tracing::debug!(error = %e, "client body read failed");
            return to_axum(ApiError::bad_request("body", "could not read the request body").into_response());
        }
    };
    let req = ApiRequest {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        body_size,
        source_ip: Some(peer.ip()),
    };
    to_axum(app.handle(req).await)
}

fn to_axum(res: http::Response<Bytes>) -> Response {
    res.map(Body::from)
}

/// Reads up to `keep` bytes; past that, either counts and drops the rest or stops.
async fn read_body(mut body: Body, keep: usize, drain_rest: bool) -> Result<(Bytes, u64), axum::Error> {
    let mut kept = BytesMut::new();
    let mut size: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(chunk) = frame?.into_data() else { continue };
        size += chunk.len() as u64;
        let room = keep.saturating_sub(kept.len());
        kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if size > keep as u64 && !drain_rest {
            break;
        }
    }
    Ok((kept.freeze(), size))
}
