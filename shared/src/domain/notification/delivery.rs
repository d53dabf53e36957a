//! The delivery log: what happened when one message was sent to one channel, attempt by
//! attempt, as stored and shown by the API. Error texts never hold credentials: the
//! transports describe failures without URLs, bodies or keys.
use crate::domain::channel::ChannelKind;
use crate::domain::ids::ChannelId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryOutcome {
    Delivered,
    /// Gave up: a permanent refusal, or retries or time ran out.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    pub started_at: DateTime<Utc>,
    pub elapsed_ms: u64,
    /// The HTTP status the receiver answered, if it answered (webhooks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One message to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The notice's id (the incident event's key, or a reminder's).
    pub notice_id: String,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    pub outcome: DeliveryOutcome,
    pub attempts: Vec<DeliveryAttempt>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

impl Delivery {
    pub fn delivered(&self) -> bool {
        self.outcome == DeliveryOutcome::Delivered
    }

    pub fn last_status(&self) -> Option<u16> {
        self.attempts.last().and_then(|a| a.status)
    }

    pub fn last_error(&self) -> Option<&str> {
        self.attempts.last().and_then(|a| a.error.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let t: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let d = Delivery {
            notice_id: "inc_x#OPENED".into(),
            channel_id: ChannelId::parse("chn_0193a1b2c3d4e5f60718293a4b5c6d7e").unwrap(),
            channel_kind: ChannelKind::Slack,
            outcome: DeliveryOutcome::Delivered,
            attempts: vec![
                DeliveryAttempt { started_at: t, elapsed_ms: 12, status: Some(500), error: Some("HTTP 500".into()) },
                DeliveryAttempt { started_at: t, elapsed_ms: 8, status: Some(200), error: None },
            ],
            started_at: t,
            finished_at: t,
        };
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["outcome"], "DELIVERED");
        assert_eq!(json["channelKind"], "SLACK");
        assert_eq!(
            json["attempts"][1],
            serde_json::json!({"startedAt": "2026-11-23T10:00:00Z", "elapsedMs": 8, "status": 200})
        );
        assert_eq!(serde_json::from_value::<Delivery>(json).unwrap(), d);
        assert_eq!((d.last_status(), d.last_error(), d.delivered()), (Some(200), None, true));
    }
}
