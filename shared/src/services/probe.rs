//! Probe checks: run one check of a probe monitor and record all that follows (what the
//! local timer and a probe-runner function call when a probe is due), and debug sessions.
//! Safe to run twice: the commit is conditional on the monitor's version.
use crate::domain::ids::MonitorId;
use crate::domain::maintenance::maintenance_until;
use crate::domain::monitor::{Monitor, MonitorStatus};
use crate::domain::probe::check::{CheckStatus, Location, ProbeCheck};
use crate::domain::probe::debug::{DebugSession, DebugTrigger};
use crate::domain::probe::state::Surroundings;
use crate::ports::prober::Prober;
use crate::ports::scheduler::{Scheduler, SchedulerError};
use crate::ports::store::{ConfigStore, IncidentStore, MonitorStore, ProbeStore, StoreError};
use crate::services::retry::{MayConflict, retry_on_conflict};
use crate::services::upstream::upstream_trouble;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;

/// What a probe run reads and writes.
pub trait ProbeRunStore: MonitorStore + ProbeStore + ConfigStore + IncidentStore {}
impl<T: ?Sized + MonitorStore + ProbeStore + ConfigStore + IncidentStore> ProbeRunStore for T {}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
}

impl MayConflict for ProbeError {
    fn is_conflict(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_conflict())
    }
}

/// What a run came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Probed {
    Checked {
        status: CheckStatus,
        monitor_status: MonitorStatus,
        debug_session: Option<DebugSession>,
    },
    /// Paused, disabled, deleted, or not a probe: nothing ran, nothing is armed.
    Skipped,
}

pub struct ProbeService {
    store: Arc<dyn ProbeRunStore>,
    prober: Arc<dyn Prober>,
    scheduler: Arc<dyn Scheduler>,
    location: Location,
}

impl ProbeService {
    pub fn new(
        store: Arc<dyn ProbeRunStore>,
        prober: Arc<dyn Prober>,
        scheduler: Arc<dyn Scheduler>,
        location: impl Into<Location>,
    ) -> Self {
        Self { store, prober, scheduler, location: location.into() }
    }

    /// Checks the monitor once (the network attempt is not repeated on a conflict: its
    /// result is applied to the re-read monitor), records it, and arms the next check.
    /// A transition to DOWN also runs and stores a debug session.
    pub async fn run(&self, id: &MonitorId, now: DateTime<Utc>) -> Result<Probed, ProbeError> {
        match self.store.monitor(id).await? {
            Some(m) => self.run_read(m, now).await,
            None => {
                tracing::info!(monitor_id = %id, "monitor gone; nothing to probe");
                Ok(Probed::Skipped)
            }
        }
    }

    /// `run` for a monitor the caller has just read (a fired timer's duty reads it once).
    pub async fn run_read(&self, m: Monitor, now: DateTime<Utc>) -> Result<Probed, ProbeError> {
        let id = &m.id.clone();
        let Some(probe) = m.probe.as_ref().filter(|_| m.enabled && m.status != MonitorStatus::Paused) else {
            return Ok(Probed::Skipped);
        };
        let obs = self.prober.observe(&probe.spec).await;
        let cert_not_after = obs.cert_not_after;
        let first = &m;
        let (outcome, spec) = retry_on_conflict(|attempt| {
            let obs = &obs;
            async move {
                let m = match attempt {
                    1 => first.clone(),
                    _ => match self.store.monitor(id).await? {
                        Some(m) if m.probe.is_some() => m,
                        _ => return Ok(None),
                    },
                };
                let Some(probe) = m.probe.as_ref() else { return Ok(None) };
                let check =
                    ProbeCheck::judged(&probe.spec, obs, m.org_id.clone(), m.id.clone(), now, self.location.clone());
                let windows = self.store.maintenance_of_org(&m.org_id).await?;
                let upstream = upstream_trouble(self.store.as_ref(), &m).await?;
                let around = Surroundings {
                    maintenance_until: maintenance_until(&windows, id, now),
                    upstream: upstream.as_ref(),
                    cert_not_after,
                };
                let outcome = m.apply_check(check, around);
                // As the missed check: armed before the commit, so a stored monitor never
                // lacks its next check.
                if let Some(at) = outcome.arm {
                    self.scheduler.arm(id, at).await?;
                }
                self.store.commit_probe(&outcome, m.version).await?;
                Ok::<_, ProbeError>(Some((outcome, probe.spec.clone())))
            }
        })
        .await?
        .map_or((None, None), |(o, s)| (Some(o), Some(s)));
        let (Some(outcome), Some(spec)) = (outcome, spec) else { return Ok(Probed::Skipped) };
        let c = &outcome.check;
        tracing::debug!(monitor_id = %id, status = ?c.status, ms = c.response_time_ms, "probe checked");
        for i in &outcome.opened {
            tracing::info!(monitor_id = %id, incident_id = %i.id, kind = ?i.kind, "incident opened");
        }
        let debug_session = if outcome.went_down {
            Some(self.record_session(&outcome.monitor, &spec, DebugTrigger::Down, Utc::now()).await?)
        } else {
            None
        };
        Ok(Probed::Checked { status: c.status, monitor_status: outcome.monitor.status, debug_session })
    }

    /// Runs one traced request of the monitor's probe now and stores it.
    pub async fn debug(&self, m: &Monitor, now: DateTime<Utc>) -> Result<Option<DebugSession>, ProbeError> {
        let Some(probe) = &m.probe else { return Ok(None) };
        Ok(Some(self.record_session(m, &probe.spec, DebugTrigger::Manual, now).await?))
    }

    async fn record_session(
        &self,
        m: &Monitor,
        spec: &crate::domain::probe::spec::ProbeSpec,
        trigger: DebugTrigger,
        now: DateTime<Utc>,
    ) -> Result<DebugSession, ProbeError> {
        let started = Instant::now();
        let trace = self.prober.trace(spec).await;
        let completed_at = now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let secrets = spec.target.as_http().map(|h| h.redact_headers.clone()).unwrap_or_default();
        let session =
            DebugSession::of_trace(m.org_id.clone(), m.id.clone(), trigger, now, completed_at, trace, &secrets);
        self.store.put_debug_session(&session).await?;
        tracing::info!(monitor_id = %m.id, session = %session.key, success = session.success, "debug session recorded");
        Ok(session)
    }
}
