//! The monitor's record, with its schedule and open starts.
use super::{ProbeRecord, RecordError};
use crate::domain::durations::DurationStats;
use crate::domain::ids::{IncidentId, MonitorId, OrgId};
use crate::domain::incident::{IncidentKind, Severity};
use crate::domain::monitor::{Monitor, MonitorStatus, OpenStart};
use crate::domain::run::RunKey;
use crate::domain::schedule::Schedule;
use crate::domain::secret::SecretHash;
use crate::domain::text::{Name, Slug};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorRecord {
    pub id: MonitorId,
    pub org_id: OrgId,
    pub name: Name,
    pub token_hash: SecretHash,
    pub schedule: ScheduleRecord,
    /// Seconds.
    pub grace: i64,
    pub enabled: bool,
    pub status: MonitorStatus,
    pub severity: Severity,
    pub tags: BTreeSet<Slug>,
    /// Seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_runtime: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_ping_at: Option<DateTime<Utc>>,
    pub last_start_at: Option<DateTime<Utc>>,
    pub next_expected_at: Option<DateTime<Utc>>,
    /// Milliseconds, oldest first.
    #[serde(rename = "recentDurationsMs")]
    pub recent_durations_ms: VecDeque<u64>,
    #[serde(rename = "durationP50Ms")]
    pub duration_p50_ms: Option<u64>,
    #[serde(rename = "durationP95Ms")]
    pub duration_p95_ms: Option<u64>,
    #[serde(rename = "durationP99Ms")]
    pub duration_p99_ms: Option<u64>,
    pub open_starts: Vec<OpenStartRecord>,
    pub open_incidents: BTreeMap<IncidentKind, IncidentId>,
    pub ping_count: u64,
    /// Also read in place by the embedded store (`json_extract(doc, '$.armedFor')`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed_for: Option<DateTime<Utc>>,
    /// Probe monitors only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeRecord>,
    /// Heartbeats; absent when 1 (the first failure opens FAIL).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub failure_threshold: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub consecutive_failures: u32,
    pub version: u64,
}

/// `{"kind":"interval","seconds":60}` or `{"kind":"cron","expr":"0 2 * * *","tz":"UTC"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ScheduleRecord {
    #[serde(rename = "interval")]
    Interval { seconds: u64 },
    #[serde(rename = "cron")]
    Cron { expr: String, tz: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenStartRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<RunKey>,
    pub at: DateTime<Utc>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn seconds(secs: i64) -> Result<Duration, RecordError> {
    Duration::try_seconds(secs).ok_or_else(|| RecordError::new("seconds out of range"))
}

impl From<&Monitor> for MonitorRecord {
    fn from(m: &Monitor) -> Self {
        Self {
            id: m.id.clone(),
            org_id: m.org_id.clone(),
            name: m.name.clone(),
            token_hash: m.token_hash,
            schedule: ScheduleRecord::from(&m.schedule),
            grace: m.grace.num_seconds(),
            enabled: m.enabled,
            status: m.status,
            severity: m.severity,
            tags: m.tags.clone(),
            max_runtime: m.max_runtime.map(|d| d.num_seconds()),
            created_at: m.created_at,
            last_ping_at: m.last_ping_at,
            last_start_at: m.last_start_at,
            next_expected_at: m.next_expected_at,
            recent_durations_ms: m.durations.recent_ms.clone(),
            duration_p50_ms: m.durations.p50_ms,
            duration_p95_ms: m.durations.p95_ms,
            duration_p99_ms: m.durations.p99_ms,
            open_starts: m.open_starts.iter().map(OpenStartRecord::from).collect(),
            open_incidents: m.open_incidents.clone(),
            ping_count: m.ping_count,
            armed_for: m.armed_for,
            probe: m.probe.as_ref().map(ProbeRecord::from),
            failure_threshold: m.failure_threshold,
            consecutive_failures: m.consecutive_failures,
            version: m.version,
        }
    }
}

impl TryFrom<MonitorRecord> for Monitor {
    type Error = RecordError;
    fn try_from(r: MonitorRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            token_hash: r.token_hash,
            schedule: r.schedule.try_into()?,
            grace: seconds(r.grace)?,
            enabled: r.enabled,
            status: r.status,
            severity: r.severity,
            tags: r.tags,
            max_runtime: r.max_runtime.map(seconds).transpose()?,
            created_at: r.created_at,
            last_ping_at: r.last_ping_at,
            last_start_at: r.last_start_at,
            next_expected_at: r.next_expected_at,
            durations: DurationStats {
                recent_ms: r.recent_durations_ms,
                p50_ms: r.duration_p50_ms,
                p95_ms: r.duration_p95_ms,
                p99_ms: r.duration_p99_ms,
            },
            open_starts: r.open_starts.into_iter().map(OpenStart::from).collect(),
            open_incidents: r.open_incidents,
            ping_count: r.ping_count,
            armed_for: r.armed_for,
            probe: r.probe.map(TryInto::try_into).transpose()?,
            failure_threshold: r.failure_threshold.max(1),
            consecutive_failures: r.consecutive_failures,
            version: r.version,
        })
    }
}

impl From<&Schedule> for ScheduleRecord {
    fn from(s: &Schedule) -> Self {
        match s {
            Schedule::Interval { period } => Self::Interval { seconds: period.num_seconds() as u64 },
            Schedule::Cron { expr, tz } => Self::Cron { expr: expr.to_string(), tz: tz.name().to_owned() },
        }
    }
}

impl TryFrom<ScheduleRecord> for Schedule {
    type Error = RecordError;
    fn try_from(r: ScheduleRecord) -> Result<Self, RecordError> {
        match r {
            ScheduleRecord::Interval { seconds } => Schedule::interval(seconds),
            ScheduleRecord::Cron { expr, tz } => Schedule::cron(&expr, &tz),
        }
        .map_err(RecordError::new)
    }
}

impl From<&OpenStart> for OpenStartRecord {
    fn from(o: &OpenStart) -> Self {
        Self { rid: o.rid.clone(), at: o.at }
    }
}

impl From<OpenStartRecord> for OpenStart {
    fn from(r: OpenStartRecord) -> Self {
        Self { rid: r.rid, at: r.at }
    }
}
