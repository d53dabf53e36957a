//! Pure types and rules: no I/O, no clock reads (time is always a parameter).
pub mod channel;
pub mod cron;
pub mod dependency;
pub mod durations;
pub mod ids;
pub mod incident;
pub mod incident_event;
pub mod maintenance;
pub mod missed;
pub mod monitor;
pub mod org;
pub mod ping;
pub mod run;
pub mod schedule;
pub mod secret;
pub mod status_page;
pub mod text;
