//! The run's record, with its output.
use super::RecordError;
use crate::domain::ids::{MonitorId, OrgId, RunId};
use crate::domain::incident::Severity;
use crate::domain::run::{PingMethod, PingVia, Run, RunKey, RunOutput, RunState, Scheme};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub id: RunId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub state: RunState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_score: Option<f64>,
    pub output: RunOutputRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<RunKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<PingMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<Scheme>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_for: Option<IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutputRecord {
    pub preview: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_key: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl From<&Run> for RunRecord {
    fn from(r: &Run) -> Self {
        Self {
            id: r.id.clone(),
            org_id: r.org_id.clone(),
            monitor_id: r.monitor_id.clone(),
            state: r.state,
            exit_code: r.exit_code,
            severity: r.severity,
            received_at: r.received_at,
            duration_ms: r.duration_ms,
            z_score: r.z_score,
            output: RunOutputRecord::from(&r.output),
            source_ip: r.source_ip,
            user_agent: r.user_agent.clone(),
            method: r.via.method,
            scheme: r.via.scheme,
            forwarded_for: r.via.forwarded_for,
            rid: r.rid.clone(),
        }
    }
}

impl TryFrom<RunRecord> for Run {
    type Error = RecordError;
    fn try_from(r: RunRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            state: r.state,
            exit_code: r.exit_code,
            severity: r.severity,
            received_at: r.received_at,
            duration_ms: r.duration_ms,
            z_score: r.z_score,
            output: r.output.into(),
            source_ip: r.source_ip,
            user_agent: r.user_agent,
            via: PingVia { method: r.method, scheme: r.scheme, forwarded_for: r.forwarded_for },
            rid: r.rid,
        })
    }
}

impl From<&RunOutput> for RunOutputRecord {
    fn from(o: &RunOutput) -> Self {
        Self { preview: o.preview.clone(), size: o.size, blob_key: o.blob_key.clone(), truncated: o.truncated }
    }
}

impl From<RunOutputRecord> for RunOutput {
    fn from(r: RunOutputRecord) -> Self {
        Self { preview: r.preview, size: r.size, blob_key: r.blob_key, truncated: r.truncated }
    }
}
