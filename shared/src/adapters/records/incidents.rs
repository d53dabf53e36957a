//! The incident's record, and the record of each recorded change (incident event).
use super::RecordError;
use crate::domain::ids::{IncidentId, MonitorId, OrgId};
use crate::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity};
use crate::domain::incident_event::{IncidentChange, IncidentEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentRecord {
    pub id: IncidentId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cascade_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// The incident as the change left it, so the notifier needs no other read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentEventRecord {
    pub change: IncidentChange,
    pub at: DateTime<Utc>,
    pub incident: IncidentRecord,
}

impl From<&Incident> for IncidentRecord {
    fn from(i: &Incident) -> Self {
        Self {
            id: i.id.clone(),
            org_id: i.org_id.clone(),
            monitor_id: i.monitor_id.clone(),
            kind: i.kind,
            severity: i.severity,
            status: i.status,
            opened_at: i.opened_at,
            acknowledged_at: i.acknowledged_at,
            resolved_at: i.resolved_at,
            z_score: i.z_score,
            cascade_reason: i.cascade_reason.clone(),
            summary: i.summary.clone(),
        }
    }
}

impl TryFrom<IncidentRecord> for Incident {
    type Error = RecordError;
    fn try_from(r: IncidentRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            kind: r.kind,
            severity: r.severity,
            status: r.status,
            opened_at: r.opened_at,
            acknowledged_at: r.acknowledged_at,
            resolved_at: r.resolved_at,
            z_score: r.z_score,
            cascade_reason: r.cascade_reason,
            summary: r.summary,
        })
    }
}

impl From<&IncidentEvent> for IncidentEventRecord {
    fn from(e: &IncidentEvent) -> Self {
        Self { change: e.change, at: e.at, incident: IncidentRecord::from(&e.incident) }
    }
}

impl TryFrom<IncidentEventRecord> for IncidentEvent {
    type Error = RecordError;
    fn try_from(r: IncidentEventRecord) -> Result<Self, RecordError> {
        Ok(Self { change: r.change, at: r.at, incident: r.incident.try_into()? })
    }
}
