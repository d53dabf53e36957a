//! Monitors: create (arming the missed check), edit, pause, resume, delete, tags,
//! dependencies, and their runs.
use super::probes::{ExpectInput, misplaced_probe_field, probe_spec};
use super::{ManageError, ManageService, invalid};
use crate::domain::dependency::{DependencyError, MonitorDependency};
use crate::domain::ids::{MonitorId, RunId};
use crate::domain::incident::Severity;
use crate::domain::monitor::{Monitor, MonitorSpec};
use crate::domain::org::Org;
use crate::domain::probe::spec::{HttpMethod, MonitorKind, RecordType};
use crate::domain::run::Run;
use crate::domain::schedule::Schedule;
use crate::domain::secret::PingToken;
use crate::domain::text::{Name, Slug};
use crate::ports::blob::BlobKey;
use crate::ports::store::Page;
use crate::services::retry::retry_on_conflict;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The shortest and longest token kept on import (a Healthchecks UUID is 36 characters).
const IMPORTED_TOKEN_LEN: std::ops::RangeInclusive<usize> = 16..=128;

/// A ping token brought from elsewhere: long enough not to be guessed, and made of what
/// a URL path carries as is.
fn imported_token(raw: &str) -> Result<PingToken, ManageError> {
    let fine = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if !IMPORTED_TOKEN_LEN.contains(&raw.len()) || !raw.bytes().all(fine) {
        return Err(invalid("token", "must be 16 to 128 letters, digits, - or _ (a Healthchecks UUID fits)"));
    }
    PingToken::from_untrusted(raw).ok_or_else(|| invalid("token", "is not a ping token"))
}

/// Failed runs in a row before a heartbeat's FAIL incident: 1 to 100.
fn heartbeat_threshold(n: u64) -> Result<u32, ManageError> {
    u32::try_from(n)
        .ok()
        .filter(|n| (1..=crate::domain::probe::spec::MAX_THRESHOLD).contains(n))
        .ok_or_else(|| invalid("failureThreshold", "must be between 1 and 100"))
}

/// Refuses probe fields on a heartbeat monitor, naming the first.
fn heartbeat_only(input: &MonitorInput) -> Result<(), ManageError> {
    match misplaced_probe_field(input, MonitorKind::Heartbeat) {
        Some(field) => Err(invalid(field, "only probe monitors (kind http, tcp or dns) take this")),
        None => Ok(()),
    }
}

/// Refuses heartbeat fields on a probe monitor, naming the first.
fn probe_only(input: &MonitorInput) -> Result<(), ManageError> {
    let heartbeat_fields = [
        (input.schedule.is_some(), "schedule"),
        (input.grace.is_some(), "grace"),
        (input.max_runtime.is_some(), "maxRuntime"),
    ];
    match heartbeat_fields.iter().find(|(set, _)| *set) {
        Some((_, field)) => Err(invalid(*field, "only heartbeat monitors take this; probes use interval")),
        None => Ok(()),
    }
}

/// A monitor as the API sends it, to create (`name` required; `schedule` for heartbeats,
/// `interval` and the target for probes) or to edit (every field optional: what is absent
/// stays; `null` clears `maxRuntime`, `degradedAfterMs`, `body` and `resolver`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MonitorInput {
    /// `heartbeat` (the default), `http`, `tcp` or `dns`; fixed once created.
    pub kind: Option<MonitorKind>,
    pub name: Option<String>,
    pub schedule: Option<Schedule>,
    /// Seconds after the expected time before a missing ping is an incident.
    pub grace: Option<u64>,
    pub severity: Option<Severity>,
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "some_or_null")]
    pub max_runtime: Option<Option<u64>>,
    pub enabled: Option<bool>,
    /// Probes: seconds between checks.
    pub interval: Option<u64>,
    /// Probes: milliseconds a check may take.
    pub timeout: Option<u64>,
    pub failure_threshold: Option<u64>,
    pub recovery_threshold: Option<u64>,
    #[serde(default, deserialize_with = "some_or_null")]
    pub degraded_after_ms: Option<Option<u64>>,
    pub url: Option<String>,
    pub method: Option<HttpMethod>,
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "some_or_null")]
    pub body: Option<Option<String>>,
    pub expect: Option<ExpectInput>,
    pub follow_redirects: Option<bool>,
    pub verify_tls: Option<bool>,
    pub cert_expiry_days: Option<u64>,
    pub redact_headers: Option<Vec<String>>,
    pub host: Option<String>,
    pub port: Option<u64>,
    pub record_type: Option<RecordType>,
    #[serde(default, deserialize_with = "some_or_null")]
    pub resolver: Option<Option<String>>,
    /// Create only: an existing ping token to keep (a Healthchecks check's UUID), so
    /// moved jobs keep their URLs but for the base.
    pub token: Option<String>,
}

pub type CreateMonitor = MonitorInput;
pub type UpdateMonitor = MonitorInput;

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
pub(super) fn some_or_null<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DependencyInput {
    pub upstream: String,
    pub downstream: String,
}

/// A new monitor and its ping token, which is shown only this once.
#[derive(Debug)]
pub struct CreatedMonitor {
    pub monitor: Monitor,
    pub token: PingToken,
}

const DEFAULT_GRACE_SECS: u64 = 300;
/// Probe history items deleted per store call when a monitor goes.
const HISTORY_BATCH: usize = 1000;

fn name(s: &str) -> Result<Name, ManageError> {
    Name::new(s).map_err(|e| invalid("name", e))
}

fn tags(list: &[String]) -> Result<BTreeSet<Slug>, ManageError> {
    list.iter().enumerate().map(|(i, t)| Slug::new(t).map_err(|e| invalid(format!("tags[{i}]"), e))).collect()
}

/// Any count above `u32::MAX` is far past every limit, and clamping it keeps chrono
/// (which panics past about `i64::MAX / 1000` seconds) out of reach of user input.
fn seconds(secs: u64) -> Duration {
    Duration::seconds(secs.min(u64::from(u32::MAX)) as i64)
}

impl ManageService {
    pub async fn create_monitor(
        &self,
        org: &Org,
        input: CreateMonitor,
        now: DateTime<Utc>,
    ) -> Result<CreatedMonitor, ManageError> {
        let kind = input.kind.unwrap_or(MonitorKind::Heartbeat);
        let probe = match kind {
            MonitorKind::Heartbeat => {
                heartbeat_only(&input)?;
                None
            }
            kind => {
                probe_only(&input)?;
                Some(probe_spec(kind, &input, None)?)
            }
        };
        let schedule = match (&probe, input.schedule) {
            (None, Some(s)) => s,
            (None, None) => return Err(ManageError::Missing("schedule".into())),
            // Shown nowhere; kept so the monitor is whole.
            (Some(p), _) => Schedule::interval(u64::from(p.interval_secs)).map_err(|e| invalid("interval", e))?,
        };
        let spec = MonitorSpec {
            name: name(input.name.as_deref().ok_or(ManageError::Missing("name".into()))?)?,
            schedule,
            grace: seconds(input.grace.unwrap_or(DEFAULT_GRACE_SECS)),
            severity: input.severity.unwrap_or(Severity::High),
            tags: tags(input.tags.as_deref().unwrap_or_default())?,
            max_runtime: input.max_runtime.flatten().map(seconds),
            probe,
        };
        let token = match &input.token {
            None => PingToken::generate(),
            Some(_) if kind != MonitorKind::Heartbeat => return Err(invalid("token", "probe monitors are not pinged")),
            Some(t) => imported_token(t)?,
        };
        let mut monitor = Monitor::new(org.id.clone(), spec, token.hash(), now).map_err(|e| invalid(e.field(), e))?;
        if input.enabled == Some(false) {
            monitor.enabled = false;
        }
        if let (None, Some(n)) = (&monitor.probe, input.failure_threshold) {
            monitor.failure_threshold = heartbeat_threshold(n)?;
        }
        // As ingest does: armed before the commit, so a stored monitor never lacks its check
        // (a timer without a monitor finds nothing and ends).
        if let Some(at) = monitor.rearm() {
            self.scheduler.arm(&monitor.id, at).await?;
        }
        self.store.create_monitor(&monitor).await?;
        tracing::info!(org_id = %org.id, monitor_id = %monitor.id, "monitor created");
        Ok(CreatedMonitor { monitor, token })
    }

    /// The monitor, if it belongs to `org` (another org's monitor is "not found").
    pub async fn monitor(&self, org: &Org, id: &str) -> Result<Monitor, ManageError> {
        let id = MonitorId::parse(id).ok_or(ManageError::NotFound("monitor"))?;
        self.store.monitor(&id).await?.filter(|m| m.org_id == org.id).ok_or(ManageError::NotFound("monitor"))
    }

    pub async fn monitors(&self, org: &Org) -> Result<Vec<Monitor>, ManageError> {
        Ok(self.store.monitors_of_org(&org.id).await?)
    }

    /// Re-reads and re-applies `edit` when a ping wrote the monitor in between; arms the
    /// check when the edit brings it earlier.
    async fn edit(
        &self,
        org: &Org,
        id: &str,
        edit: impl Fn(&Monitor) -> Result<Monitor, ManageError>,
    ) -> Result<Monitor, ManageError> {
        let edit = &edit;
        retry_on_conflict(|_| async move {
            let current = self.monitor(org, id).await?;
            let mut next = edit(&current)?;
            if let Some(at) = next.rearm() {
                self.scheduler.arm(&next.id, at).await?;
            }
            self.store.update_monitor(&next, current.version).await?;
            Ok(next)
        })
        .await
    }

    pub async fn update_monitor(
        &self,
        org: &Org,
        id: &str,
        input: UpdateMonitor,
        now: DateTime<Utc>,
    ) -> Result<Monitor, ManageError> {
        let new_name = input.name.as_deref().map(name).transpose()?;
        let new_tags = input.tags.as_deref().map(tags).transpose()?;
        self.edit(org, id, |m| {
            let kind = m.kind();
            if input.token.is_some() {
                return Err(invalid("token", "a monitor's ping token is fixed once created"));
            }
            if input.kind.is_some_and(|k| k != kind) {
                return Err(invalid("kind", "cannot change; create a new monitor of the other kind"));
            }
            let mut spec = m.spec();
            match &m.probe {
                None => heartbeat_only(&input)?,
                Some(p) => {
                    probe_only(&input)?;
                    spec.probe = Some(probe_spec(kind, &input, Some(&p.spec))?);
                }
            }
            if let Some(n) = &new_name {
                spec.name = n.clone();
            }
            if let Some(s) = &input.schedule {
                spec.schedule = s.clone();
            }
            if let Some(g) = input.grace {
                spec.grace = seconds(g);
            }
            if let Some(s) = input.severity {
                spec.severity = s;
            }
            if let Some(t) = &new_tags {
                spec.tags = t.clone();
            }
            if let Some(r) = input.max_runtime {
                spec.max_runtime = r.map(seconds);
            }
            let mut next = m.with_spec(spec, now).map_err(|e| invalid(e.field(), e))?;
            if let (None, Some(n)) = (&next.probe, input.failure_threshold) {
                next.failure_threshold = heartbeat_threshold(n)?;
            }
            if let Some(enabled) = input.enabled {
                next.enabled = enabled;
            }
            Ok(next)
        })
        .await
    }

    pub async fn set_tags(
        &self,
        org: &Org,
        id: &str,
        list: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Monitor, ManageError> {
        self.update_monitor(org, id, MonitorInput { tags: Some(list), ..Default::default() }, now).await
    }

    pub async fn pause_monitor(&self, org: &Org, id: &str) -> Result<Monitor, ManageError> {
        let m = self.edit(org, id, |m| Ok(m.paused())).await?;
        // The armed check would find the monitor paused and end; removing it saves the call.
        self.scheduler.disarm(&m.id).await?;
        Ok(m)
    }

    pub async fn resume_monitor(&self, org: &Org, id: &str, now: DateTime<Utc>) -> Result<Monitor, ManageError> {
        self.edit(org, id, |m| Ok(m.resumed(now))).await
    }

    /// Removes the monitor and everything it kept: its runs with their stored outputs,
    /// its incidents with their events and delivery log, a probe's checks, windows,
    /// debug sessions and rollups, its dependencies and its timer. The history goes
    /// first, so a delete that fails half-way is finished by deleting again; and once
    /// more after the monitor, for a ping that landed in between.
    pub async fn delete_monitor(&self, org: &Org, id: &str, now: DateTime<Utc>) -> Result<(), ManageError> {
        let m = self.monitor(org, id).await?;
        self.delete_history(&m, now).await?;
        let m = retry_on_conflict(|_| async move {
            let m = self.monitor(org, id).await?;
            self.store.delete_monitor(&m, m.version).await?;
            Ok::<_, ManageError>(m)
        })
        .await?;
        for dep in self.store.dependencies_of_org(&org.id).await? {
            if dep.upstream == m.id || dep.downstream == m.id {
                self.store.remove_dependency(&dep).await?;
            }
        }
        self.scheduler.disarm(&m.id).await?;
        self.delete_history(&m, now).await?;
        tracing::info!(org_id = %org.id, monitor_id = %m.id, "monitor deleted");
        Ok(())
    }

    /// Deletes a monitor's runs (outputs first), incidents and probe history, in batches.
    async fn delete_history(&self, m: &Monitor, now: DateTime<Utc>) -> Result<(), ManageError> {
        // Every run, however its clock was set.
        let after_everything = now + Duration::days(36_500);
        loop {
            let runs = self.store.runs_before(&m.id, after_everything, HISTORY_BATCH).await?;
            if runs.is_empty() {
                break;
            }
            for key in runs.iter().filter_map(|r| r.output.blob_key.as_deref()).filter_map(BlobKey::parse) {
                self.blobs.delete(&key).await?;
            }
            let ids: Vec<RunId> = runs.into_iter().map(|r| r.id).collect();
            self.store.delete_runs(&m.id, &ids).await?;
        }
        let incidents: Vec<_> = self.store.incidents_of_monitor(&m.id).await?.into_iter().map(|i| i.id).collect();
        for batch in incidents.chunks(HISTORY_BATCH) {
            self.store.delete_incidents(batch).await?;
        }
        if m.probe.is_some() {
            while self.store.delete_probe_history(&m.id, HISTORY_BATCH).await? > 0 {}
        }
        Ok(())
    }

    pub async fn dependencies(&self, org: &Org) -> Result<Vec<MonitorDependency>, ManageError> {
        Ok(self.store.dependencies_of_org(&org.id).await?)
    }

    /// A body id must name a monitor of the org.
    async fn org_monitor_id(&self, org: &Org, field: &'static str, id: &str) -> Result<MonitorId, ManageError> {
        match self.monitor(org, id).await {
            Ok(m) => Ok(m.id),
            Err(ManageError::NotFound(_)) => Err(invalid(field, "no monitor of this organisation has this id")),
            Err(e) => Err(e),
        }
    }

    pub async fn add_dependency(&self, org: &Org, input: DependencyInput) -> Result<MonitorDependency, ManageError> {
        let up = self.org_monitor_id(org, "upstream", &input.upstream).await?;
        let down = self.org_monitor_id(org, "downstream", &input.downstream).await?;
        let existing = self.store.dependencies_of_org(&org.id).await?;
        let dep = MonitorDependency::new(org.id.clone(), up, down, &existing).map_err(|e| match e {
            DependencyError::SelfDependency | DependencyError::Cycle => invalid("downstream", e),
        })?;
        self.store.add_dependency(&dep).await?;
        Ok(dep)
    }

    pub async fn remove_dependency(&self, org: &Org, upstream: &str, downstream: &str) -> Result<(), ManageError> {
        let found = self
            .store
            .dependencies_of_org(&org.id)
            .await?
            .into_iter()
            .find(|d| d.upstream.as_str() == upstream && d.downstream.as_str() == downstream)
            .ok_or(ManageError::NotFound("dependency"))?;
        Ok(self.store.remove_dependency(&found).await?)
    }

    pub async fn runs(
        &self,
        org: &Org,
        monitor: &str,
        limit: usize,
        before: Option<&RunId>,
    ) -> Result<Page<Run, RunId>, ManageError> {
        let m = self.monitor(org, monitor).await?;
        Ok(self.store.runs(&m.id, limit, before).await?)
    }

    /// The whole stored output of a run: from the blob store when it was too large to
    /// keep inline, else the preview (which then is all of it).
    pub async fn run_output(&self, org: &Org, monitor: &str, run: &str) -> Result<(Run, Bytes), ManageError> {
        let m = self.monitor(org, monitor).await?;
        let id = RunId::parse(run).ok_or(ManageError::NotFound("run"))?;
        let run = self.store.run(&m.id, &id).await?.ok_or(ManageError::NotFound("run"))?;
        let body = match run.output.blob_key.as_deref().and_then(BlobKey::parse) {
            Some(key) => self.blobs.get(&key).await?.ok_or(ManageError::NotFound("run output"))?,
            None => Bytes::from(run.output.preview.clone()),
        };
        Ok((run, body))
    }
}
