//! `/status-pages/{id}/subscribers`: the people and systems outside the org an admin
//! answers for, listed without their tokens' hashes or webhook secrets, and removed.
use super::call::{Call, by_id};
use super::wire::{no_content, page};
use crate::domain::ids::{ComponentId, StatusPageId, SubscriberId};
use crate::domain::org::Email;
use crate::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::MASKED_SECRET;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberView<'a> {
    id: &'a SubscriberId,
    page_id: &'a StatusPageId,
    target: TargetView<'a>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    components: &'a BTreeSet<ComponentId>,
    events: &'a BTreeSet<SubscriberEvent>,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
enum TargetView<'a> {
    Email { address: &'a Email },
    Webhook { url: &'a str, secret: &'static str },
    Slack { webhook_url: &'a str },
}

impl<'a> From<&'a Subscriber> for SubscriberView<'a> {
    fn from(s: &'a Subscriber) -> Self {
        let target = match &s.target {
            SubscriberTarget::Email { address } => TargetView::Email { address },
            SubscriberTarget::Webhook { url, secret: _ } => {
                TargetView::Webhook { url: url.as_url().as_str(), secret: MASKED_SECRET }
            }
            SubscriberTarget::Slack { webhook_url } => TargetView::Slack { webhook_url: webhook_url.as_url().as_str() },
        };
        Self {
            id: &s.id,
            page_id: &s.page_id,
            target,
            components: &s.components,
            events: &s.events,
            created_at: s.created_at,
            verified_at: s.verified_at,
        }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let subscribers = c.manage().subscribers(c.org(), c.param(0)).await?;
    Ok(page(&by_id(c, subscribers, |s| s.id.to_string())?, SubscriberView::from))
}

pub(super) async fn delete(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().remove_subscriber(c.org(), c.param(0), c.param(1)).await?;
    Ok(no_content())
}
