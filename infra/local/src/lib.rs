//! The local server: the shared `App` behind a real HTTP listener, on embedded storage.
mod conn;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::Request;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
pub use conn::ConnLimits;
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::sync::Arc;
use tokiflow_shared::config::Config;
use tokiflow_shared::http::{ApiError, ApiRequest, App};
use tokiflow_shared::services::sweep_retention::sweep_retention;
use tokiflow_shared::wiring::local::LocalServices;
use tokio::net::TcpListener;

/// Everything the local server runs, on the embedded adapters under `config.data_dir`:
/// the services the local composition root builds, which this drives with a listener and
/// background loops.
pub struct Local(LocalServices);

impl std::ops::Deref for Local {
    type Target = LocalServices;
    fn deref(&self) -> &LocalServices {
        &self.0
    }
}

/// The most outbox events the notifier takes at once.
const NOTIFY_BATCH: usize = 64;

impl Local {
    /// Every service, built by the local composition root (`wiring::local::build`).
    pub fn open(config: &Config) -> anyhow::Result<Self> {
        Ok(Self(tokiflow_shared::wiring::local::build(config)?))
    }

    /// Sends the incident events the store records (its outbox), as the DynamoDB stream
    /// feeds the notifier function in AWS: each event through `IncidentEventHandler`
    /// (notify, then publish the status pages showing its monitor) once, in order, marked
    /// delivered when every channel's delivery is done (a crash in between re-sends only
    /// what the delivery log has not recorded).
    pub fn start_notifier(&self) {
        let (store, events) = (self.store.clone(), self.incident_events.clone());
        let recorded = store.events_recorded();
        tokio::spawn(async move {
            loop {
                let pending = match store.pending_events(NOTIFY_BATCH) {
                    Ok(pending) => pending,
                    Err(e) => {
                        tracing::error!(error = %e, "reading the incident outbox failed");
                        Vec::new()
                    }
                };
                if pending.is_empty() {
                    // Woken by the next commit that records events; a timeout as a safety net.
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), recorded.notified()).await;
                    continue;
                }
                for entry in pending {
                    match events.handle(&entry.event).await {
                        Ok(_) => {
                            // A failure here (the store closing at shutdown, say) must not
                            // spin on the same events: wait, then read them again.
                            if let Err(e) = store.mark_delivered(vec![entry.seq]).await {
                                tracing::error!(error = %e, "marking an incident event delivered failed; will retry");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::error!(incident_id = %entry.event.incident.id, error = %e, "notifying failed; will retry");
                            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            break;
                        }
                    }
                }
            }
        });
    }

    /// Re-arms the timers recorded in the store (overdue ones fire at once) and runs
    /// what each fires in the background: a heartbeat's missed check (as EventBridge
    /// Scheduler does in AWS) or a probe monitor's check. Probes' timers are spread over
    /// their interval by their ids, so monitors of one interval do not fire together.
    pub async fn start_timers(&self) -> anyhow::Result<usize> {
        let restored = self.timers.restore(self.store.armed_checks()?);
        let duty = self.timer_duty.clone();
        tokio::spawn(self.timers.clone().run(move |monitor, due| {
            let duty = duty.clone();
            async move {
                // A monitor deleted since its timer was armed is not an error.
                if let Err(e) = duty.fire(&monitor, chrono::Utc::now()).await {
                    tracing::error!(monitor_id = %monitor, %due, error = %e, "timer duty failed");
                }
            }
        }));
        Ok(restored)
    }

    /// Runs the retention sweep every `every`, the first time one minute after start
    /// (as the daily EventBridge schedule does in AWS).
    pub fn start_retention_sweep(&self, every: std::time::Duration) {
        let (store, blobs) = (self.store.clone(), self.blobs.clone());
        repeat("retention sweep", std::time::Duration::from_secs(60), every, move |now| {
            let (store, blobs) = (store.clone(), blobs.clone());
            async move { sweep_retention(store.as_ref(), blobs.as_ref(), now).await.map(drop) }
        });
    }

    /// Sends due reminders of open incidents every `every` (as the notifier's
    /// EventBridge schedule does in AWS).
    pub fn start_reminders(&self, every: std::time::Duration) {
        let notifier = self.notifier.clone();
        repeat("reminder sweep", every, every, move |now| {
            let notifier = notifier.clone();
            async move { notifier.remind(now).await.map(drop) }
        });
    }
}

/// Runs `job` after `first`, then every `every`, logging (not stopping on) its failures.
fn repeat<F, Fut, E>(what: &'static str, first: std::time::Duration, every: std::time::Duration, job: F)
where
    F: Fn(chrono::DateTime<chrono::Utc>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), E>> + Send,
    E: std::fmt::Display,
{
    tokio::spawn(async move {
        tokio::time::sleep(first).await;
        loop {
            if let Err(e) = job(chrono::Utc::now()).await {
                tracing::error!(error = %e, job = what, "periodic job failed");
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight; connections bounded by the default `ConnLimits`.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(router(app), listener, ConnLimits::default(), shutdown).await
}

/// Every route of `app`: one fallback that hands the request to `App::handle`.
pub fn router(app: Arc<App>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(app)
}

/// Serves `router` within `limits`, each request guarded by `contain_panics`.
pub async fn serve_router(
    router: axum::Router,
    listener: TcpListener,
    limits: ConnLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    conn::serve(router.layer(axum::middleware::from_fn(contain_panics)), listener, limits, shutdown).await
}

/// A panic while answering one request answers that request 500 and leaves the server
/// serving (the `local` and `dev` profiles unwind; `release`, the Lambda build, aborts).
async fn contain_panics(req: Request<Body>, next: axum::middleware::Next) -> Response {
    use futures_util::FutureExt;
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    match std::panic::AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(res) => res,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(%method, %path, panic = %message, "request handler panicked; answered 500");
            to_axum(ApiError::internal().into_response())
        }
    }
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request<Body>,
) -> Response {
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

/// A fresh data directory under the system's temporary directory, removed on drop: what
/// the bench binaries run their in-process server on.
pub struct ScratchDir(pub std::path::PathBuf);

impl ScratchDir {
    pub fn new(name: &str) -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("tokiflow-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }

    /// The default configuration, on this directory.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::from_lookup(|_| None)?;
        config.data_dir = self.0.clone();
        Ok(config)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
