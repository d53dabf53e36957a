//! Use cases: what the Lambda handlers and the local server both call.
pub mod auth;
pub mod bootstrap;
pub mod check_missed;
pub mod deliver;
pub mod incident_events;
pub mod ingest_ping;
pub mod keyed_locks;
pub mod manage;
pub mod notify;
pub mod publish_status_page;
pub mod render_status_page;
pub mod retry;
pub mod schedule_preview;
pub mod seed;
pub mod subscribers;
pub mod sweep_retention;
pub mod test_channel;
