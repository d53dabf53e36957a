//! Logging set-up for the Lambda functions: JSON lines with structured fields, which
//! CloudWatch Logs Insights can query.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

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
/// timestamps (CloudWatch adds its own). `RUST_LOG` takes `level` and `target=level`
/// directives (`info,tokiflow_shared=debug`); span and field filters, which would link a
/// regex engine into every function, are not supported.
pub fn init_lambda_logging() {
    STARTED.get_or_init(Instant::now);
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_ansi(false)
        .without_time()
        .with_current_span(false)
        .flatten_event(true);
    tracing_subscriber::registry().with(json).with(log_filter(std::env::var("RUST_LOG").ok().as_deref())).init();
}

/// The filter `RUST_LOG` asks for; `info` when it is unset or unreadable.
fn log_filter(directives: Option<&str>) -> Targets {
    directives.and_then(|d| d.parse::<Targets>().ok()).unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_directives() {
        let f = log_filter(Some("warn,tokiflow_shared=debug"));
        assert!(f.would_enable("tokiflow_shared::services", &tracing::Level::DEBUG));
        assert!(!f.would_enable("aws_smithy_runtime", &tracing::Level::INFO));
        let default = log_filter(None);
        assert!(default.would_enable("anything", &tracing::Level::INFO));
        assert!(!default.would_enable("anything", &tracing::Level::DEBUG));
        let unreadable = log_filter(Some("tokiflow=[span{field=/re/}]"));
        assert!(unreadable.would_enable("anything", &tracing::Level::INFO), "falls back to info");
    }
}
