//! The local server's connections: a cap on how many are open at once (below the file
//! limit, so the listener never starves), a deadline for a request's headers, and an
//! idle timeout between requests on a kept-alive connection. What `axum::serve` does not
//! bound, and what a thousand idle sockets would otherwise exhaust.
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

/// How long a connection may hold a slot without a request, and how many slots there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// From a connection's first byte (or the end of its last answer) to the end of the
    /// next request's headers: an idle or trickling client is closed after this.
    pub idle: Duration,
    pub max_connections: usize,
}

/// File descriptors kept back from connections: the store, its WAL, logs, outbound calls.
const RESERVED_FDS: usize = 128;

impl Default for ConnLimits {
    fn default() -> Self {
        let fds = open_file_limit().unwrap_or(1024);
        Self { idle: Duration::from_secs(30), max_connections: fds.saturating_sub(RESERVED_FDS).clamp(16, 100_000) }
    }
}

impl ConnLimits {
    /// `TOKIFLOW_IDLE_TIMEOUT` (seconds, 1-3600) and `TOKIFLOW_MAX_CONNECTIONS` (16 up to
    /// the file limit less 128); the defaults otherwise.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, tokiflow_shared::config::ConfigError> {
        use tokiflow_shared::config::ConfigError;
        let mut limits = Self::default();
        if let Some(v) = get("TOKIFLOW_IDLE_TIMEOUT") {
            let secs = v.parse::<u64>().ok().filter(|s| (1..=3600).contains(s)).ok_or_else(|| ConfigError {
                var: "TOKIFLOW_IDLE_TIMEOUT",
                reason: "expected seconds from 1 to 3600".into(),
            })?;
            limits.idle = Duration::from_secs(secs);
        }
        if let Some(v) = get("TOKIFLOW_MAX_CONNECTIONS") {
            let most = limits.max_connections;
            limits.max_connections =
                v.parse::<usize>().ok().filter(|n| (16..=most).contains(n)).ok_or_else(|| ConfigError {
                    var: "TOKIFLOW_MAX_CONNECTIONS",
                    reason: format!("expected 16 to {most} (the open file limit less {RESERVED_FDS})"),
                })?;
        }
        Ok(limits)
    }
}

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Accepts connections on `listener` into `router` until `shutdown`, then lets the open
/// ones finish their requests. At the cap, new connections wait in the listen backlog.
pub async fn serve(
    router: axum::Router,
    listener: TcpListener,
    limits: ConnLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment rather than spin, and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().call(req)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.idle)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_the_environment_are_range_checked() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        };
        let set = ConnLimits::from_lookup(env(&[("TOKIFLOW_IDLE_TIMEOUT", "5"), ("TOKIFLOW_MAX_CONNECTIONS", "100")]))
            .unwrap();
        assert_eq!((set.idle, set.max_connections), (Duration::from_secs(5), 100));
        for (var, bad) in [
            ("TOKIFLOW_IDLE_TIMEOUT", "0"),
            ("TOKIFLOW_IDLE_TIMEOUT", "x"),
            ("TOKIFLOW_MAX_CONNECTIONS", "1"),
            ("TOKIFLOW_MAX_CONNECTIONS", "99999999999"),
        ] {
            let pairs: &'static [(&'static str, &'static str)] = Box::leak(vec![(var, bad)].into_boxed_slice());
            assert_eq!(ConnLimits::from_lookup(env(pairs)).unwrap_err().var, var, "{bad}");
        }
    }
}
