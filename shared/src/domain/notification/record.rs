//! Delivery records: the stored delivery log of one notice to one channel, which is
//! also the claim that keeps a re-delivered event from sending anything twice.
use super::delivery::{Delivery, DeliveryAttempt};
use super::{Notice, NoticeKind};
use crate::domain::channel::ChannelKind;
use crate::domain::ids::{ChannelId, IncidentId};
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    pub event_key: String,
    /// What the message was about (stored as `change`: OPENED … RESOLVED, REMINDER).
    pub change: NoticeKind,
    pub incident_id: IncidentId,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub status: DeliveryStatus,
    /// Every attempt of the delivery that finished this record (none while in flight).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<DeliveryAttempt>,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
}

impl DeliveryRecord {
    /// The claim a sender writes before it sends.
    pub fn claim(notice: &Notice, channel_id: &ChannelId, channel_kind: ChannelKind, now: DateTime<Utc>) -> Self {
        Self {
            event_key: notice.id(),
            change: notice.occasion.kind(),
            incident_id: notice.incident.id.clone(),
            channel_id: channel_id.clone(),
            channel_kind,
            status: DeliveryStatus::InFlight,
            attempts: Vec::new(),
            started_at: now,
            finished_at: None,
        }
    }

    /// When the message that reached the channel was sent out (claimed), if it did.
    pub fn delivered_at(&self) -> Option<DateTime<Utc>> {
        (self.status == DeliveryStatus::Delivered).then_some(self.started_at)
    }

    /// One delivery per event and channel.
    pub fn key(&self) -> String {
        format!("{}#{}", self.event_key, self.channel_id)
    }

    /// The claim, completed with what the delivery came to.
    pub fn finish(mut self, delivery: Delivery) -> Self {
        self.status = if delivery.delivered() { DeliveryStatus::Delivered } else { DeliveryStatus::Failed };
        self.finished_at = Some(delivery.finished_at);
        self.attempts = delivery.attempts;
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
    use crate::conformance::store::delivery_of;
    use crate::domain::ids::{MonitorId, OrgId};
    use crate::domain::incident::{Incident, IncidentKind, Severity};
    use crate::domain::incident_event::IncidentEvent;

    fn record(now: DateTime<Utc>) -> DeliveryRecord {
        let incident =
            Incident::open(OrgId::generate(), MonitorId::generate(), IncidentKind::Fail, Severity::High, now);
        DeliveryRecord::claim(
            &Notice::from(&IncidentEvent::opened(&incident)),
            &ChannelId::generate(),
            ChannelKind::Slack,
            now,
        )
    }

    #[test]
    fn claims_are_replaced_only_when_failed_or_abandoned() {
        let t = DateTime::UNIX_EPOCH;
        let lease = Duration::minutes(5);
        let claim = record(t);
        assert!(!DeliveryRecord::may_replace(&claim, t + Duration::minutes(1), lease), "still in flight");
        assert!(DeliveryRecord::may_replace(&claim, t + lease, lease), "its sender died");
        let failed = claim.clone().finish(delivery_of(&claim, false, 500, t));
        assert_eq!((failed.status, failed.attempts.len()), (DeliveryStatus::Failed, 1));
        assert!(DeliveryRecord::may_replace(&failed, t, lease));
        let delivered = claim.clone().finish(delivery_of(&claim, true, 200, t));
        assert!(!DeliveryRecord::may_replace(&delivered, t + Duration::days(1), lease));
    }

    #[test]
    fn key_is_per_event_and_channel() {
        let r = record(DateTime::UNIX_EPOCH);
        assert_eq!(r.key(), format!("{}#OPENED#{}", r.incident_id, r.channel_id));
    }
}
