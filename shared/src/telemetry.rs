//! Logging set-up for the Lambda functions: JSON lines with structured fields, which
//! CloudWatch Logs Insights can query.
use tracing_subscriber::EnvFilter;

/// Initialises JSON logs at `RUST_LOG` (default `info`), without ANSI colours or
/// timestamps (CloudWatch adds its own).
pub fn init_lambda_logging() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(false)
        .without_time()
        .with_current_span(false)
        .flatten_event(true)
        .init();
}
