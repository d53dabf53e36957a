//! Logging set-up for the Lambda functions: JSON lines with structured fields, which
//! CloudWatch Logs Insights can query.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tracing_subscriber::EnvFilter;

static STARTED: OnceLock<Instant> = OnceLock::new();
static FIRST_HANDLED: AtomicBool = AtomicBool::new(false);

/// Logs, once per process, how long it took from start (the logging set-up, the first
/// thing a function's `main` does) to the end of the first handled event: the cold start
/// as the function itself sees it (`coldStartMs`).
pub fn first_event_handled() {
    if let Some(started) = STARTED.get()
        && !FIRST_HANDLED.swap(true, Ordering::Relaxed)
    {
        let cold_start_ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(cold_start_ms, "first event handled");
    }
}

/// Initialises JSON logs at `RUST_LOG` (default `info`), without ANSI colours or
/// timestamps (CloudWatch adds its own).
pub fn init_lambda_logging() {
    STARTED.get_or_init(Instant::now);
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(false)
        .without_time()
        .with_current_span(false)
        .flatten_event(true)
        .init();
}
