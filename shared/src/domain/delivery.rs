//! Delivery records: what happened when one incident event went to one channel — the
//! delivery log the API shows, and the claim that keeps a re-delivered event from
//! sending anything twice.
use super::channel::ChannelKind;
use super::ids::{ChannelId, IncidentId};
use super::incident_event::IncidentEvent;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Claimed by a sender that has not reported back (yet).
    InFlight,
    Delivered,
    /// Every attempt failed; a later delivery of the same event may try again.
    Failed,
}

/// The longest error text kept: receivers' error pages are not worth storing whole.
pub const MAX_ERROR_LEN: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub event_key: String,
    pub incident_id: IncidentId,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub status: DeliveryStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

impl DeliveryRecord {
    /// The claim a sender writes before it sends.
    pub fn claim(event: &IncidentEvent, channel_id: &ChannelId, channel_kind: ChannelKind, now: DateTime<Utc>) -> Self {
        Self {
            event_key: event.key(),
            incident_id: event.incident_id().clone(),
            channel_id: channel_id.clone(),
            channel_kind,
            status: DeliveryStatus::InFlight,
            attempts: 0,
            status_code: None,
            error: None,
            started_at: now,
            finished_at: None,
        }
    }

    /// One delivery per event and channel.
    pub fn key(&self) -> String {
        format!("{}#{}", self.event_key, self.channel_id)
    }

    pub fn finish(
        mut self,
        delivered: bool,
        attempts: u32,
        status_code: Option<u16>,
        error: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        self.status = if delivered { DeliveryStatus::Delivered } else { DeliveryStatus::Failed };
        self.attempts = attempts;
        self.status_code = status_code;
        self.error = error.map(|e| e.chars().take(MAX_ERROR_LEN).collect());
        self.finished_at = Some(now);
        self
    }

    /// Whether a new claim may replace `existing`: never a delivered one, nor an in-flight
    /// one younger than `lease` (its sender may still be at work); a failed one, or an
    /// in-flight one whose sender evidently died, may be retried.
    pub fn may_replace(existing: &DeliveryRecord, now: DateTime<Utc>, lease: Duration) -> bool {
        match existing.status {
            DeliveryStatus::Delivered => false,
            DeliveryStatus::Failed => true,
            DeliveryStatus::InFlight => existing.started_at + lease <= now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{MonitorId, OrgId};
    use crate::domain::incident::{Incident, IncidentKind, Severity};

    fn record(now: DateTime<Utc>) -> DeliveryRecord {
        let incident = Incident::open(OrgId::generate(), MonitorId::generate(), IncidentKind::Fail, Severity::High, now);
        DeliveryRecord::claim(&IncidentEvent::opened(&incident), &ChannelId::generate(), ChannelKind::Slack, now)
    }

    #[test]
    fn claims_are_replaced_only_when_failed_or_abandoned() {
        let t = DateTime::UNIX_EPOCH;
        let lease = Duration::minutes(5);
        let claim = record(t);
        assert!(!DeliveryRecord::may_replace(&claim, t + Duration::minutes(1), lease), "still in flight");
        assert!(DeliveryRecord::may_replace(&claim, t + lease, lease), "its sender died");
        let failed = claim.clone().finish(false, 3, Some(500), Some("x".repeat(1000)), t);
        assert_eq!(failed.error.as_ref().map(String::len), Some(MAX_ERROR_LEN));
        assert!(DeliveryRecord::may_replace(&failed, t, lease));
        let delivered = claim.finish(true, 1, Some(200), None, t);
        assert!(!DeliveryRecord::may_replace(&delivered, t + Duration::days(1), lease));
    }

    #[test]
    fn key_is_per_event_and_channel() {
        let r = record(DateTime::UNIX_EPOCH);
        assert_eq!(r.key(), format!("{}#OPENED#{}", r.incident_id, r.channel_id));
    }
}
