//! The record of a status page's subscriber.
use super::RecordError;
use crate::domain::channel::{SigningSecret, WebhookUrl};
use crate::domain::ids::{ComponentId, StatusPageId, SubscriberId};
use crate::domain::org::Email;
use crate::domain::secret::SecretHash;
use crate::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberRecord {
    pub id: SubscriberId,
    pub page_id: StatusPageId,
    pub target: SubscriberTargetRecord,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub components: BTreeSet<ComponentId>,
    pub events: BTreeSet<SubscriberEvent>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    pub verify_hash: SecretHash,
    /// The newest last.
    pub unsubscribe_hashes: Vec<SecretHash>,
}

/// Where a subscriber is told, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum SubscriberTargetRecord {
    #[serde(rename = "EMAIL")]
    Email { address: Email },
    #[serde(rename = "WEBHOOK")]
    Webhook { url: WebhookUrl, secret: SigningSecret },
    #[serde(rename = "SLACK")]
    Slack {
        #[serde(rename = "webhookUrl")]
        webhook_url: WebhookUrl,
    },
}

impl From<&Subscriber> for SubscriberRecord {
    fn from(s: &Subscriber) -> Self {
        Self {
            id: s.id.clone(),
            page_id: s.page_id.clone(),
            target: match s.target.clone() {
                SubscriberTarget::Email { address } => SubscriberTargetRecord::Email { address },
                SubscriberTarget::Webhook { url, secret } => SubscriberTargetRecord::Webhook { url, secret },
                SubscriberTarget::Slack { webhook_url } => SubscriberTargetRecord::Slack { webhook_url },
            },
            components: s.components.clone(),
            events: s.events.clone(),
            created_at: s.created_at,
            verified_at: s.verified_at,
            verify_hash: s.verify_hash,
            unsubscribe_hashes: s.unsubscribe_hashes.clone(),
        }
    }
}

impl TryFrom<SubscriberRecord> for Subscriber {
    type Error = RecordError;
    fn try_from(r: SubscriberRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            page_id: r.page_id,
            target: match r.target {
                SubscriberTargetRecord::Email { address } => SubscriberTarget::Email { address },
                SubscriberTargetRecord::Webhook { url, secret } => SubscriberTarget::Webhook { url, secret },
                SubscriberTargetRecord::Slack { webhook_url } => SubscriberTarget::Slack { webhook_url },
            },
            components: r.components,
            events: r.events,
            created_at: r.created_at,
            verified_at: r.verified_at,
            verify_hash: r.verify_hash,
            unsubscribe_hashes: r.unsubscribe_hashes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::records::{from_json, to_json};

    fn subscriber(target: SubscriberTarget) -> Subscriber {
        Subscriber {
            id: SubscriberId::parse("sub_00000000000000000000000000000001").unwrap(),
            page_id: StatusPageId::parse("sp_00000000000000000000000000000001").unwrap(),
            target,
            components: BTreeSet::from([ComponentId::parse("cmp_00000000000000000000000000000001").unwrap()]),
            events: BTreeSet::from([SubscriberEvent::Outage, SubscriberEvent::Resolved]),
            created_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            verified_at: Some("2026-01-01T00:05:00Z".parse().unwrap()),
            verify_hash: SecretHash::of("verify"),
            unsubscribe_hashes: vec![SecretHash::of("unsubscribe-1"), SecretHash::of("unsubscribe-2")],
        }
    }

    /// The stored document, pinned (see `shared/tests/stored_records.rs`).
    #[track_caller]
    fn pinned(value: &Subscriber, golden: &str) {
        let written = to_json(value).unwrap();
        assert_eq!(written, golden, "the stored document changed: existing data would no longer read the same");
        assert_eq!(&from_json::<Subscriber>(golden).unwrap(), value, "the document reads back to the value");
    }

    #[test]
    fn subscribers_of_every_kind() {
        let url = || WebhookUrl::new("https://hooks.example.com/services/T000/B000").unwrap();
        let email = subscriber(SubscriberTarget::Email { address: Email::new("reader@example.com").unwrap() });
        pinned(
            &email,
            r#"{"id":"sub_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","target":{"kind":"EMAIL","address":"reader@example.com"},"components":["cmp_00000000000000000000000000000001"],"events":["outage","resolved"],"createdAt":"2026-01-01T00:00:00Z","verifiedAt":"2026-01-01T00:05:00Z","verifyHash":"a12dd3a7fd3203a452eb34d91a9be20569d5e337a3384347068895c07f3e0c5a","unsubscribeHashes":["c0c72e0c4c2a446c3ef7f437a4c40412900955fdc4ae41f153eeb4ff9feb30a0","4120168166c43fa781f7aa33a14e0372603a98828cebb57b193e3d7805fdf111"]}"#,
        );
        let webhook = Subscriber {
            components: BTreeSet::new(),
            verified_at: None,
            unsubscribe_hashes: vec![],
            ..subscriber(SubscriberTarget::Webhook {
                url: url(),
                secret: SigningSecret::new("whsec_0123456789abcdef").unwrap(),
            })
        };
        pinned(
            &webhook,
            r#"{"id":"sub_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","target":{"kind":"WEBHOOK","url":"https://hooks.example.com/services/T000/B000","secret":"whsec_0123456789abcdef"},"events":["outage","resolved"],"createdAt":"2026-01-01T00:00:00Z","verifyHash":"a12dd3a7fd3203a452eb34d91a9be20569d5e337a3384347068895c07f3e0c5a","unsubscribeHashes":[]}"#,
        );
        pinned(
            &subscriber(SubscriberTarget::Slack { webhook_url: url() }),
            r#"{"id":"sub_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","target":{"kind":"SLACK","webhookUrl":"https://hooks.example.com/services/T000/B000"},"components":["cmp_00000000000000000000000000000001"],"events":["outage","resolved"],"createdAt":"2026-01-01T00:00:00Z","verifiedAt":"2026-01-01T00:05:00Z","verifyHash":"a12dd3a7fd3203a452eb34d91a9be20569d5e337a3384347068895c07f3e0c5a","unsubscribeHashes":["c0c72e0c4c2a446c3ef7f437a4c40412900955fdc4ae41f153eeb4ff9feb30a0","4120168166c43fa781f7aa33a14e0372603a98828cebb57b193e3d7805fdf111"]}"#,
        );
    }
}
