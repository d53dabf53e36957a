//! What a monitor's timer does when it fires: a probe monitor's check, or a heartbeat's
//! missed check. The local timers call this; so can a function fed by the scheduler.
use crate::domain::ids::MonitorId;
use crate::ports::store::{MonitorStore, StoreError};
use crate::services::check_missed::{CheckError, Checked, MissedCheckService};
use crate::services::probe::{ProbeError, ProbeService, Probed};
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum DutyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Missed(#[from] CheckError),
    #[error(transparent)]
    Probe(#[from] ProbeError),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Fired {
    Missed(Checked),
    Probed(Probed),
}

pub struct TimerDuty {
    monitors: Arc<dyn MonitorStore>,
    missed: Arc<MissedCheckService>,
    probes: Arc<ProbeService>,
}

impl TimerDuty {
    pub fn new(monitors: Arc<dyn MonitorStore>, missed: Arc<MissedCheckService>, probes: Arc<ProbeService>) -> Self {
        Self { monitors, missed, probes }
    }

    pub async fn fire(&self, id: &MonitorId, now: DateTime<Utc>) -> Result<Fired, DutyError> {
        Ok(match self.monitors.monitor(id).await? {
            // The probe runs on the monitor read here: one read per check.
            Some(m) if m.probe.is_some() => Fired::Probed(self.probes.run_read(m, now).await?),
            // A monitor deleted since its timer was armed is `Checked::Gone`.
            _ => Fired::Missed(self.missed.check(id, now).await?),
        })
    }
}
