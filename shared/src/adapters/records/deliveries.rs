//! The notifier's delivery log entry (a `DeliveryRecord`) as stored, with its attempts.
use super::RecordError;
use crate::domain::channel::ChannelKind;
use crate::domain::ids::{ChannelId, IncidentId};
use crate::domain::notification::NoticeKind;
use crate::domain::notification::delivery::DeliveryAttempt;
use crate::domain::notification::record::{DeliveryRecord, DeliveryStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLogRecord {
    pub event_key: String,
    pub change: NoticeKind,
    pub incident_id: IncidentId,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub status: DeliveryStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<DeliveryAttemptRecord>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttemptRecord {
    pub started_at: DateTime<Utc>,
    pub elapsed_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&DeliveryRecord> for DeliveryLogRecord {
    fn from(r: &DeliveryRecord) -> Self {
        Self {
            event_key: r.event_key.clone(),
            change: r.change,
            incident_id: r.incident_id.clone(),
            channel_id: r.channel_id.clone(),
            channel_kind: r.channel_kind,
            status: r.status,
            attempts: r.attempts.iter().map(DeliveryAttemptRecord::from).collect(),
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

impl TryFrom<DeliveryLogRecord> for DeliveryRecord {
    type Error = RecordError;
    fn try_from(r: DeliveryLogRecord) -> Result<Self, RecordError> {
        Ok(Self {
            event_key: r.event_key,
            change: r.change,
            incident_id: r.incident_id,
            channel_id: r.channel_id,
            channel_kind: r.channel_kind,
            status: r.status,
            attempts: r.attempts.into_iter().map(DeliveryAttempt::from).collect(),
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

impl From<&DeliveryAttempt> for DeliveryAttemptRecord {
    fn from(a: &DeliveryAttempt) -> Self {
        Self { started_at: a.started_at, elapsed_ms: a.elapsed_ms, status: a.status, error: a.error.clone() }
    }
}

impl From<DeliveryAttemptRecord> for DeliveryAttempt {
    fn from(r: DeliveryAttemptRecord) -> Self {
        Self { started_at: r.started_at, elapsed_ms: r.elapsed_ms, status: r.status, error: r.error }
    }
}
