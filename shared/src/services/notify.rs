//! The notifier: one incident event to every channel that should hear of it, each at most
//! once however often the event is delivered (the delivery log is the claim), with each
//! delivery's attempts recorded for the API.
use crate::domain::channel::Channel;
use crate::domain::ids::ChannelId;
use crate::domain::incident_event::{IncidentChange, IncidentEvent};
use crate::domain::maintenance::maintenance_until;
use crate::domain::notification::record::{DeliveryRecord, DeliveryStatus};
use crate::domain::notification::routing::{RouteFacts, Skip, route};
use crate::domain::notification::{Notice, NotifyContext, render};
use crate::domain::text::Name;
use crate::ports::store::{Store, StoreError};
use crate::ports::transport::{EmailSender, HttpPoster, SmsSender};
use crate::services::deliver::{RetryPolicy, Transports, deliver};
use chrono::{Duration, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use url::Url;

/// How long a claimed delivery is left to its sender before another may take it over.
pub const CLAIM_LEASE: Duration = Duration::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What became of one event.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NotifyReport {
    pub delivered: Vec<ChannelId>,
    pub failed: Vec<ChannelId>,
    /// Claimed by an earlier delivery of the same event (sent, or being sent).
    pub already: Vec<ChannelId>,
    pub skipped: Vec<(ChannelId, Skip)>,
}

#[derive(Clone)]
pub struct NotifierTransports {
    pub http: Arc<dyn HttpPoster>,
    pub email: Arc<dyn EmailSender>,
    pub sms: Arc<dyn SmsSender>,
}

pub struct Notifier {
    store: Arc<dyn Store>,
    transports: NotifierTransports,
    policy: RetryPolicy,
    /// The web app's base URL, for links in messages.
    app_url: Url,
    /// Overrides PagerDuty's endpoint (tests point it at a loopback receiver).
    pub pagerduty_url: Option<crate::domain::channel::WebhookUrl>,
}

impl Notifier {
    pub fn new(store: Arc<dyn Store>, transports: NotifierTransports, policy: RetryPolicy, app_url: Url) -> Self {
        Self { store, transports, policy, app_url, pagerduty_url: None }
    }

    #[tracing::instrument(skip_all, fields(incident_id = %event.incident.id, change = event.change.as_str()))]
    pub async fn notify(&self, event: &IncidentEvent) -> Result<NotifyReport, NotifyError> {
        let incident = &event.incident;
        let now = Utc::now();
        let channels = self.store.channels_of_org(&incident.org_id).await?;
        let mut report = NotifyReport::default();
        if channels.is_empty() {
            return Ok(report);
        }
        let monitor = self.store.monitor(&incident.monitor_id).await?;
        let org = self.store.org(&incident.org_id).await?;
        let windows = self.store.maintenance_of_org(&incident.org_id).await?;
        let told = self.told(event).await?;
        let tags = monitor.as_ref().map(|m| m.tags.clone()).unwrap_or_default();
        let facts = RouteFacts {
            monitor_tags: &tags,
            in_maintenance: maintenance_until(&windows, &incident.monitor_id, now).is_some(),
            told: Some(&told),
        };
        let name = |n: Option<Name>, fallback: &str| n.unwrap_or_else(|| Name::new(fallback).expect("a valid name"));
        let mut ctx = NotifyContext::new(
            name(org.map(|o| o.name), "Tokiflow"),
            name(monitor.as_ref().map(|m| m.name.clone()), "deleted monitor"),
            self.app_url.clone(),
        );
        if let Some(url) = &self.pagerduty_url {
            ctx.pagerduty_url = url.clone();
        }
        ctx.output_preview = self.last_output(event).await?;

        let mut sends = Vec::new();
        for channel in &channels {
            match route(event, channel, &facts) {
                Err(skip) => report.skipped.push((channel.id.clone(), skip)),
                Ok(()) => sends.push(self.send(event, channel, &ctx)),
            }
        }
        // Channels are independent: one slow receiver's retries do not hold up the others.
        for (channel, sent) in futures_util::future::join_all(sends).await {
            match sent? {
                None => report.already.push(channel),
                Some(true) => report.delivered.push(channel),
                Some(false) => report.failed.push(channel),
            }
        }
        tracing::info!(delivered = report.delivered.len(), failed = report.failed.len(),
            already = report.already.len(), skipped = report.skipped.len(), "incident event notified");
        Ok(report)
    }

    /// Claims, renders, delivers and records one channel's message: `None` if another
    /// delivery of this event already claimed it, else whether it was delivered.
    async fn send(
        &self,
        event: &IncidentEvent,
        channel: &Channel,
        ctx: &NotifyContext,
    ) -> (ChannelId, Result<Option<bool>, StoreError>) {
        let sent = async {
            let claim = DeliveryRecord::claim(event, &channel.id, channel.target.kind(), Utc::now());
            if !self.store.claim_delivery(&claim, CLAIM_LEASE).await? {
                return Ok(None);
            }
            let notice = Notice::from(event);
            let message = render(&notice, &channel.target, ctx);
            let transports =
                Transports { http: &*self.transports.http, email: &*self.transports.email, sms: &*self.transports.sms };
            let delivery = deliver(&transports, &self.policy, channel, &notice.id(), &message).await;
            let delivered = delivery.delivered();
            self.store.finish_delivery(&claim.finish(delivery)).await?;
            Ok(Some(delivered))
        };
        (channel.id.clone(), sent.await)
    }

    /// The channels that were sent the opening or an escalation of this incident, so its
    /// acknowledgement and resolution go to exactly them.
    async fn told(&self, event: &IncidentEvent) -> Result<BTreeSet<ChannelId>, StoreError> {
        if !matches!(event.change, IncidentChange::Acknowledged | IncidentChange::Resolved) {
            return Ok(BTreeSet::new());
        }
        let log = self.store.deliveries_of_incident(&event.incident.id).await?;
        let raised = [IncidentChange::Opened, IncidentChange::Escalated];
        Ok(log
            .into_iter()
            .filter(|r| r.status == DeliveryStatus::Delivered && raised.contains(&r.change))
            .map(|r| r.channel_id)
            .collect())
    }

    /// The start of the monitor's latest output, for the message.
    async fn last_output(&self, event: &IncidentEvent) -> Result<Option<String>, StoreError> {
        let latest = self.store.runs(&event.incident.monitor_id, 1, None).await?;
        Ok(latest.items.into_iter().next().map(|r| r.output.preview).filter(|p| !p.is_empty()))
    }
}
