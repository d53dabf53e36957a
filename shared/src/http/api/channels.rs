//! `/channels`: where incidents are sent. A webhook's signing secret is write-only.
use super::call::{Call, by_id};
use super::wire::{created, no_content, ok, page};
use crate::domain::channel::{Channel, ChannelKind, ChannelTarget};
use crate::domain::ids::{ChannelId, MonitorId, OrgId};
use crate::domain::incident::Severity;
use crate::domain::notification::delivery::{Delivery, DeliveryAttempt, DeliveryOutcome};
use crate::domain::org::Role;
use crate::domain::text::{Name, Slug};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::{ChannelInput, MASKED_SECRET};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView<'a> {
    id: &'a ChannelId,
    org_id: &'a OrgId,
    name: &'a Name,
    target: TargetView,
    min_severity: Severity,
    tags: &'a BTreeSet<Slug>,
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    monitors: &'a BTreeSet<MonitorId>,
    page_cascades: bool,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    realert_after_secs: Option<i64>,
}

/// Where the channel sends. Below ADMIN (who may change a channel) its addresses and keys
/// show only their last four characters.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
enum TargetView {
    Email { to: String },
    Sms { phone: String },
    Slack { webhook_url: String },
    Teams { webhook_url: String },
    Pagerduty { routing_key: String },
    Webhook { url: String, secret: String },
}

impl<'a> ChannelView<'a> {
    pub fn new(c: &'a Channel, caller_role: Role) -> Self {
        let shown = |s: &str| if caller_role >= Role::Admin { s.to_owned() } else { last_four(s) };
        let target = match &c.target {
            ChannelTarget::Email { to } => TargetView::Email { to: shown(to.as_str()) },
            ChannelTarget::Sms { phone } => TargetView::Sms { phone: shown(phone.as_str()) },
            ChannelTarget::Slack { webhook_url } => {
                TargetView::Slack { webhook_url: shown(webhook_url.as_url().as_str()) }
            }
            ChannelTarget::Teams { webhook_url } => {
                TargetView::Teams { webhook_url: shown(webhook_url.as_url().as_str()) }
            }
            ChannelTarget::Pagerduty { routing_key } => {
                TargetView::Pagerduty { routing_key: shown(routing_key.expose_secret()) }
            }
            ChannelTarget::Webhook { url, secret: _ } => {
                TargetView::Webhook { url: shown(url.as_url().as_str()), secret: shown(MASKED_SECRET) }
            }
        };
        Self {
            id: &c.id,
            org_id: &c.org_id,
            name: &c.name,
            target,
            min_severity: c.min_severity,
            tags: &c.tags,
            monitors: &c.monitors,
            page_cascades: c.page_cascades,
            realert_after_secs: c.realert_after.map(|r| r.duration().num_seconds()),
        }
    }
}

fn last_four(s: &str) -> String {
    let tail: Vec<char> = s.chars().rev().take(4).collect();
    format!("…{}", tail.into_iter().rev().collect::<String>())
}

/// What `PUT` takes back from a `ChannelView` and ignores.
pub const READ_ONLY: &[&str] = &["id", "orgId"];

/// What a channel test came to: the delivery (no URL or secret is in it), with its last
/// status code and error lifted out.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestResultView<'a> {
    notice_id: &'a str,
    channel_id: &'a ChannelId,
    channel_kind: ChannelKind,
    outcome: DeliveryOutcome,
    attempts: &'a [DeliveryAttempt],
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    delivered: bool,
    status: Option<u16>,
    error: Option<&'a str>,
}

impl<'a> From<&'a Delivery> for TestResultView<'a> {
    fn from(d: &'a Delivery) -> Self {
        Self {
            notice_id: &d.notice_id,
            channel_id: &d.channel_id,
            channel_kind: d.channel_kind,
            outcome: d.outcome,
            attempts: &d.attempts,
            started_at: d.started_at,
            finished_at: d.finished_at,
            delivered: d.delivered(),
            status: d.last_status(),
            error: d.last_error(),
        }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let role = c.who.user.role;
    let channels = c.manage().channels(c.org()).await?;
    Ok(page(&by_id(c, channels, |ch| ch.id.to_string())?, |ch| ChannelView::new(ch, role)))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(created(ChannelView::new(&c.manage().create_channel(c.org(), c.body()?).await?, c.who.user.role)))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(ChannelView::new(&c.manage().channel(c.org(), c.param(0)).await?, c.who.user.role)))
}

/// A webhook's secret sent back as the mask keeps the stored one (`TargetInput`).
pub(super) async fn replace(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let input: ChannelInput = c.body_accepting(READ_ONLY)?;
    Ok(ok(ChannelView::new(&c.manage().replace_channel(c.org(), c.param(0), input).await?, c.who.user.role)))
}

pub(super) async fn delete(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().delete_channel(c.org(), c.param(0)).await?;
    Ok(no_content())
}

pub(super) async fn test(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let channel = c.manage().channel(c.org(), c.param(0)).await?;
    let Some(tester) = &c.app.channel_tester else {
        tracing::error!("channel test asked of a process without transports");
        return Err(ApiError::internal());
    };
    Ok(ok(TestResultView::from(&tester.send(c.org(), &channel, c.now).await)))
}
