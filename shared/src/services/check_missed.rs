//! The scheduled check of one monitor: what the missed-check Lambda and the local
//! timer both run when a monitor's timer fires. Safe to run twice (events arrive at
//! least once): the commit is conditional on the monitor's version.
use crate::domain::ids::MonitorId;
use crate::domain::incident::IncidentKind;
use crate::domain::maintenance::maintenance_until;
use crate::ports::scheduler::{Scheduler, SchedulerError};
use crate::ports::store::{ConfigStore, IncidentStore, MonitorStore, PingStore, StoreError};
use crate::services::retry::{MayConflict, retry_on_conflict};
use crate::services::upstream::upstream_trouble;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    pub opened: Vec<(IncidentKind, Option<String>)>,
    pub armed: Option<DateTime<Utc>>,
}

/// What a check came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Done(CheckReport),
    /// The monitor was deleted after its check was armed: nothing to check, nothing to
    /// retry (the same answer in Lambda and locally).
    Gone,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
}

impl MayConflict for CheckError {
    fn is_conflict(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_conflict())
    }
}

/// What a check reads and writes: the monitor, its org's maintenance and dependencies,
/// upstream incidents, and the commit.
pub trait CheckStore: MonitorStore + PingStore + ConfigStore + IncidentStore {}
impl<T: ?Sized + MonitorStore + PingStore + ConfigStore + IncidentStore> CheckStore for T {}

pub struct MissedCheckService {
    store: Arc<dyn CheckStore>,
    scheduler: Arc<dyn Scheduler>,
}

impl MissedCheckService {
    pub fn new(store: Arc<dyn CheckStore>, scheduler: Arc<dyn Scheduler>) -> Self {
        Self { store, scheduler }
    }

    pub async fn check(&self, id: &MonitorId, now: DateTime<Utc>) -> Result<Checked, CheckError> {
        retry_on_conflict(|_| async move {
            let Some(m) = self.store.monitor(id).await? else {
                tracing::info!(monitor_id = %id, "monitor gone; nothing to check");
                return Ok(Checked::Gone);
            };
            let windows = self.store.maintenance_of_org(&m.org_id).await?;
            let upstream = upstream_trouble(self.store.as_ref(), &m).await?;
            let outcome = m.check_due(now, maintenance_until(&windows, id, now), upstream.as_ref());
            // Arm before committing: a commit that then fails leaves at worst one spare
            // check, which finds nothing due; the reverse could lose the check.
            if let Some(at) = outcome.arm {
                self.scheduler.arm(id, at).await?;
            }
            self.store.commit_check(&outcome, m.version).await?;
            for i in &outcome.opened {
                tracing::info!(monitor_id = %id, incident_id = %i.id, kind = ?i.kind, severity = ?i.severity,
                    cascade = i.cascade_reason.is_some(), "incident opened");
            }
            Ok(Checked::Done(CheckReport {
                opened: outcome.opened.iter().map(|i| (i.kind, i.cascade_reason.clone())).collect(),
                armed: outcome.arm,
            }))
        })
        .await
    }
}
