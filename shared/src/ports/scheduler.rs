//! The scheduler: one one-off timer per monitor that triggers its missed/late check.
use crate::domain::ids::MonitorId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    #[error("scheduler backend failed: {0}")]
    Backend(String),
}

#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Arms the check of `monitor` at `at`, replacing whatever was armed for it.
    /// Idempotent: arming the same time twice is one timer.
    async fn arm(&self, monitor: &MonitorId, at: DateTime<Utc>) -> Result<(), SchedulerError>;
    /// Removes the monitor's timer, if any.
    async fn disarm(&self, monitor: &MonitorId) -> Result<(), SchedulerError>;
}
