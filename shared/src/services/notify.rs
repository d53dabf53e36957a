//! The notifier: one incident event to every channel that should hear of it, each at most
//! once however often the event is delivered (the delivery log is the claim), with each
//! delivery's attempts recorded for the API; and reminders of incidents left open.
use crate::domain::channel::Channel;
use crate::domain::ids::{ChannelId, MonitorId};
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::{IncidentChange, IncidentEvent};
use crate::domain::maintenance::maintenance_until;
use crate::domain::notification::record::{DeliveryRecord, DeliveryStatus};
use crate::domain::notification::routing::{RouteFacts, Skip, reminder_due, route};
use crate::domain::notification::{Notice, NotifyContext, render};
use crate::domain::text::{Name, Slug};
use crate::ports::store::{ConfigStore, DeliveryStore, IncidentStore, MonitorStore, OrgStore, RunStore, StoreError};
use crate::ports::transport::{EmailSender, HttpPoster, SmsSender};
use crate::services::deliver::{RetryPolicy, Transports, deliver};
use chrono::{DateTime, Duration, Utc};
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

impl NotifyReport {
    pub fn is_empty(&self) -> bool {
        self.delivered.is_empty() && self.failed.is_empty() && self.already.is_empty() && self.skipped.is_empty()
    }

    fn record(&mut self, sent: Vec<(ChannelId, Result<Option<bool>, StoreError>)>) -> Result<(), StoreError> {
        for (channel, sent) in sent {
            match sent? {
                None => self.already.push(channel),
                Some(true) => self.delivered.push(channel),
                Some(false) => self.failed.push(channel),
            }
        }
        Ok(())
    }
}

/// What the messages about one incident share.
struct About {
    ctx: NotifyContext,
    tags: BTreeSet<Slug>,
    in_maintenance: bool,
}

#[derive(Clone)]
pub struct NotifierTransports {
    pub http: Arc<dyn HttpPoster>,
    pub email: Arc<dyn EmailSender>,
    pub sms: Arc<dyn SmsSender>,
}

/// What the notifier reads and writes: the org's channels and maintenance, the incident
/// and its monitor (names, tags, latest output), and the delivery log.
pub trait NotifyStore: ConfigStore + DeliveryStore + IncidentStore + MonitorStore + OrgStore + RunStore {}
impl<T: ?Sized + ConfigStore + DeliveryStore + IncidentStore + MonitorStore + OrgStore + RunStore> NotifyStore for T {}

pub struct Notifier {
    store: Arc<dyn NotifyStore>,
    transports: NotifierTransports,
    policy: RetryPolicy,
    /// The web app's base URL, for links in messages.
    app_url: Url,
    /// Overrides PagerDuty's endpoint (tests point it at a loopback receiver).
    pub pagerduty_url: Option<crate::domain::channel::WebhookUrl>,
}

impl Notifier {
    pub fn new(store: Arc<dyn NotifyStore>, transports: NotifierTransports, policy: RetryPolicy, app_url: Url) -> Self {
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
        let about = self.about(incident, now).await?;
        let told = self.told(event).await?;
        let facts = RouteFacts { monitor_tags: &about.tags, in_maintenance: about.in_maintenance, told: Some(&told) };
        let notice = Notice::from(event);
        let mut sends = Vec::new();
        for channel in &channels {
            match route(event, channel, &facts) {
                Err(skip) => report.skipped.push((channel.id.clone(), skip)),
                Ok(()) => sends.push(self.send(notice, channel, &about.ctx, now)),
            }
        }
        report.record(futures_util::future::join_all(sends).await)?;
        tracing::info!(
            delivered = report.delivered.len(),
            failed = report.failed.len(),
            already = report.already.len(),
            skipped = report.skipped.len(),
            "incident event notified"
        );
        Ok(report)
    }

    /// Sends every reminder that is due at `now`: each open, unacknowledged incident to
    /// each channel that asks for re-alerts and was told of it, once the channel's
    /// interval has passed since the last alert it was sent. Run periodically (a timer
    /// locally, an EventBridge schedule in AWS); two overlapping sweeps send each reminder
    /// once, because reminders are numbered and claimed like any other delivery.
    #[tracing::instrument(skip_all)]
    pub async fn remind(&self, now: DateTime<Utc>) -> Result<NotifyReport, NotifyError> {
        let mut report = NotifyReport::default();
        for org in self.store.orgs().await? {
            let channels: Vec<Channel> =
                self.store.channels_of_org(&org.id).await?.into_iter().filter(|c| c.realert_after.is_some()).collect();
            if channels.is_empty() {
                continue;
            }
            // Read once per org: what every incident of its monitors is checked against.
            let windows = self.store.maintenance_of_org(&org.id).await?;
            for monitor in self.store.monitors_of_org(&org.id).await? {
                let in_maintenance = maintenance_until(&windows, &monitor.id, now).is_some();
                for id in monitor.open_incidents.values() {
                    let Some(incident) = self.store.incident(id).await? else { continue };
                    if incident.status != IncidentStatus::Open {
                        continue;
                    }
                    let log = self.store.deliveries_of_incident(&incident.id).await?;
                    let due: Vec<(&Channel, u32)> = channels
                        .iter()
                        .filter_map(|c| {
                            reminder_due(&incident, c, &monitor.tags, in_maintenance, &log, now).map(|n| (c, n))
                        })
                        .collect();
                    if due.is_empty() {
                        continue;
                    }
                    let ctx = self.context(Some(org.name.clone()), Some(monitor.name.clone()), &monitor.id).await?;
                    let sends = due.iter().map(|(c, n)| self.send(Notice::reminder(&incident, *n, now), c, &ctx, now));
                    report.record(futures_util::future::join_all(sends).await)?;
                }
            }
        }
        if !report.is_empty() {
            tracing::info!(
                delivered = report.delivered.len(),
                failed = report.failed.len(),
                already = report.already.len(),
                "reminders sent"
            );
        }
        Ok(report)
    }

    /// What every message about `incident` needs: names and links, the monitor's tags and
    /// latest output, and whether maintenance covers it at `now`.
    async fn about(&self, incident: &Incident, now: DateTime<Utc>) -> Result<About, StoreError> {
        let monitor = self.store.monitor(&incident.monitor_id).await?;
        let org = self.store.org(&incident.org_id).await?;
        let windows = self.store.maintenance_of_org(&incident.org_id).await?;
        let tags = monitor.as_ref().map(|m| m.tags.clone()).unwrap_or_default();
        let ctx = self.context(org.map(|o| o.name), monitor.map(|m| m.name), &incident.monitor_id).await?;
        Ok(About { ctx, tags, in_maintenance: maintenance_until(&windows, &incident.monitor_id, now).is_some() })
    }

    /// Names and links for messages about an incident of `monitor` (fallbacks for a
    /// deleted org or monitor), with the monitor's latest output.
    async fn context(
        &self,
        org_name: Option<Name>,
        monitor_name: Option<Name>,
        monitor: &MonitorId,
    ) -> Result<NotifyContext, StoreError> {
        let name = |n: Option<Name>, fallback: &str| n.unwrap_or_else(|| Name::new(fallback).expect("a valid name"));
        let mut ctx =
            NotifyContext::new(name(org_name, "Tokiflow"), name(monitor_name, "deleted monitor"), self.app_url.clone());
        if let Some(url) = &self.pagerduty_url {
            ctx.pagerduty_url = url.clone();
        }
        ctx.output_preview = self.last_output(monitor).await?;
        Ok(ctx)
    }

    /// Claims, renders, delivers and records one channel's message: `None` if another
    /// delivery of this notice already claimed it, else whether it was delivered.
    async fn send(
        &self,
        notice: Notice<'_>,
        channel: &Channel,
        ctx: &NotifyContext,
        now: DateTime<Utc>,
    ) -> (ChannelId, Result<Option<bool>, StoreError>) {
        let sent = async {
            let claim = DeliveryRecord::claim(&notice, &channel.id, channel.target.kind(), now);
            if !self.store.claim_delivery(&claim, CLAIM_LEASE).await? {
                return Ok(None);
            }
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
        Ok(log
            .into_iter()
            .filter(|r| r.status == DeliveryStatus::Delivered && r.change.raises())
            .map(|r| r.channel_id)
            .collect())
    }

    /// The start of the monitor's latest output, for the message.
    async fn last_output(&self, monitor: &MonitorId) -> Result<Option<String>, StoreError> {
        let latest = self.store.runs(monitor, 1, None).await?;
        Ok(latest.items.into_iter().next().map(|r| r.output.preview).filter(|p| !p.is_empty()))
    }
}
