//! The records of an org's notification channels, maintenance windows and dependencies.
use super::RecordError;
use crate::domain::channel::{
    Channel, ChannelTarget, PhoneNumber, RealertInterval, RoutingKey, SigningSecret, WebhookUrl,
};
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{ChannelId, MaintenanceId, MonitorId, OrgId};
use crate::domain::incident::Severity;
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::org::Email;
use crate::domain::text::{Name, Slug};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelRecord {
    pub id: ChannelId,
    pub org_id: OrgId,
    pub name: Name,
    pub target: ChannelTargetRecord,
    pub min_severity: Severity,
    pub tags: BTreeSet<Slug>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub monitors: BTreeSet<MonitorId>,
    #[serde(default)]
    pub page_cascades: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realert_after: Option<RealertInterval>,
}

/// Where a channel sends, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum ChannelTargetRecord {
    #[serde(rename = "EMAIL")]
    Email { to: Email },
    #[serde(rename = "SMS")]
    Sms { phone: PhoneNumber },
    #[serde(rename = "SLACK")]
    Slack {
        #[serde(rename = "webhookUrl")]
        webhook_url: WebhookUrl,
    },
    #[serde(rename = "TEAMS")]
    Teams {
        #[serde(rename = "webhookUrl")]
        webhook_url: WebhookUrl,
    },
    #[serde(rename = "PAGERDUTY")]
    Pagerduty {
        #[serde(rename = "routingKey")]
        routing_key: RoutingKey,
    },
    #[serde(rename = "WEBHOOK")]
    Webhook { url: WebhookUrl, secret: SigningSecret },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceRecord {
    pub id: MaintenanceId,
    pub org_id: OrgId,
    pub name: Name,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    /// Absent in windows stored before time zones: those are UTC.
    #[serde(default = "utc")]
    pub time_zone: Tz,
    pub monitor_ids: Vec<MonitorId>,
}

fn utc() -> Tz {
    Tz::UTC
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyRecord {
    pub org_id: OrgId,
    pub upstream: MonitorId,
    pub downstream: MonitorId,
}

impl From<&Channel> for ChannelRecord {
    fn from(c: &Channel) -> Self {
        Self {
            id: c.id.clone(),
            org_id: c.org_id.clone(),
            name: c.name.clone(),
            target: ChannelTargetRecord::from(&c.target),
            min_severity: c.min_severity,
            tags: c.tags.clone(),
            monitors: c.monitors.clone(),
            page_cascades: c.page_cascades,
            realert_after: c.realert_after,
        }
    }
}

impl TryFrom<ChannelRecord> for Channel {
    type Error = RecordError;
    fn try_from(r: ChannelRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            target: r.target.into(),
            min_severity: r.min_severity,
            tags: r.tags,
            monitors: r.monitors,
            page_cascades: r.page_cascades,
            realert_after: r.realert_after,
        })
    }
}

impl From<&ChannelTarget> for ChannelTargetRecord {
    fn from(t: &ChannelTarget) -> Self {
        match t.clone() {
            ChannelTarget::Email { to } => Self::Email { to },
            ChannelTarget::Sms { phone } => Self::Sms { phone },
            ChannelTarget::Slack { webhook_url } => Self::Slack { webhook_url },
            ChannelTarget::Teams { webhook_url } => Self::Teams { webhook_url },
            ChannelTarget::Pagerduty { routing_key } => Self::Pagerduty { routing_key },
            ChannelTarget::Webhook { url, secret } => Self::Webhook { url, secret },
        }
    }
}

impl From<ChannelTargetRecord> for ChannelTarget {
    fn from(r: ChannelTargetRecord) -> Self {
        match r {
            ChannelTargetRecord::Email { to } => Self::Email { to },
            ChannelTargetRecord::Sms { phone } => Self::Sms { phone },
            ChannelTargetRecord::Slack { webhook_url } => Self::Slack { webhook_url },
            ChannelTargetRecord::Teams { webhook_url } => Self::Teams { webhook_url },
            ChannelTargetRecord::Pagerduty { routing_key } => Self::Pagerduty { routing_key },
            ChannelTargetRecord::Webhook { url, secret } => Self::Webhook { url, secret },
        }
    }
}

impl From<&MaintenanceWindow> for MaintenanceRecord {
    fn from(w: &MaintenanceWindow) -> Self {
        Self {
            id: w.id.clone(),
            org_id: w.org_id.clone(),
            name: w.name.clone(),
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            recurrence: w.recurrence.clone(),
            time_zone: w.time_zone,
            monitor_ids: w.monitor_ids.clone(),
        }
    }
}

impl TryFrom<MaintenanceRecord> for MaintenanceWindow {
    type Error = RecordError;
    fn try_from(r: MaintenanceRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            recurrence: r.recurrence,
            time_zone: r.time_zone,
            monitor_ids: r.monitor_ids,
        })
    }
}

impl From<&MonitorDependency> for DependencyRecord {
    fn from(d: &MonitorDependency) -> Self {
        Self { org_id: d.org_id.clone(), upstream: d.upstream.clone(), downstream: d.downstream.clone() }
    }
}

impl TryFrom<DependencyRecord> for MonitorDependency {
    type Error = RecordError;
    fn try_from(r: DependencyRecord) -> Result<Self, RecordError> {
        Ok(Self { org_id: r.org_id, upstream: r.upstream, downstream: r.downstream })
    }
}
