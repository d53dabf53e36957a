//! `/incidents`: what went wrong, its history and who was told.
use super::call::Call;
use super::wire::{list as whole_list, ok, page};
use crate::domain::channel::ChannelKind;
use crate::domain::ids::{ChannelId, IncidentId, MonitorId, OrgId};
use crate::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity};
use crate::domain::incident_event::{IncidentChange, IncidentEvent};
use crate::domain::notification::NoticeKind;
use crate::domain::notification::delivery::DeliveryAttempt;
use crate::domain::notification::record::{DeliveryRecord, DeliveryStatus};
use crate::http::query::Query;
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::pagination::paginate;
use crate::services::manage::{IncidentFilter, incident_sort_key};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentView<'a> {
    id: &'a IncidentId,
    org_id: &'a OrgId,
    monitor_id: &'a MonitorId,
    kind: IncidentKind,
    severity: Severity,
    status: IncidentStatus,
    opened_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acknowledged_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    z_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cascade_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
}

impl<'a> From<&'a Incident> for IncidentView<'a> {
    fn from(i: &'a Incident) -> Self {
        Self {
            id: &i.id,
            org_id: &i.org_id,
            monitor_id: &i.monitor_id,
            kind: i.kind,
            severity: i.severity,
            status: i.status,
            opened_at: i.opened_at,
            acknowledged_at: i.acknowledged_at,
            resolved_at: i.resolved_at,
            z_score: i.z_score,
            cascade_reason: i.cascade_reason.as_deref(),
            summary: i.summary.as_deref(),
        }
    }
}

/// One change of an incident: what, when, and the severity and status it left.
#[derive(Serialize)]
pub struct EventView {
    change: IncidentChange,
    at: DateTime<Utc>,
    severity: Severity,
    status: IncidentStatus,
}

impl From<&IncidentEvent> for EventView {
    fn from(e: &IncidentEvent) -> Self {
        Self { change: e.change, at: e.at, severity: e.incident.severity, status: e.incident.status }
    }
}

/// One delivery of one event to one channel, as the delivery log has it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView<'a> {
    event_key: &'a str,
    change: NoticeKind,
    incident_id: &'a IncidentId,
    channel_id: &'a ChannelId,
    channel_kind: ChannelKind,
    status: DeliveryStatus,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attempts: &'a [DeliveryAttempt],
    started_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a DeliveryRecord> for DeliveryView<'a> {
    fn from(d: &'a DeliveryRecord) -> Self {
        Self {
            event_key: &d.event_key,
            change: d.change,
            incident_id: &d.incident_id,
            channel_id: &d.channel_id,
            channel_kind: d.channel_kind,
            status: d.status,
            attempts: &d.attempts,
            started_at: d.started_at,
            finished_at: d.finished_at,
        }
    }
}

/// A query filter given as its wire name (`OPEN`, `fail`…), case-insensitive.
fn filter<T: DeserializeOwned>(q: &Query, name: &'static str) -> Result<Option<T>, ApiError> {
    q.get(name)
        .map(|raw| {
            serde_json::from_value::<T>(serde_json::json!(raw.to_ascii_uppercase())).map_err(|_| {
                ApiError::bad_request(name, format!("unknown {name} {:?}", raw.chars().take(32).collect::<String>()))
            })
        })
        .transpose()
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let f = IncidentFilter {
        status: filter::<IncidentStatus>(&c.query, "status")?,
        kind: filter::<IncidentKind>(&c.query, "kind")?,
        severity: filter::<Severity>(&c.query, "severity")?,
        monitor: c.query.get("monitorId"),
    };
    let p = c.page_params()?;
    let incidents = c.manage().incidents(c.org(), &f).await?;
    Ok(page(&paginate(incidents, incident_sort_key, p.limit, p.cursor.as_deref(), true), IncidentView::from))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(IncidentView::from(&c.manage().incident(c.org(), c.param(0)).await?)))
}

pub(super) async fn acknowledge(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(IncidentView::from(&c.manage().acknowledge_incident(c.org(), c.param(0), c.now).await?)))
}

pub(super) async fn resolve(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(IncidentView::from(&c.manage().resolve_incident(c.org(), c.param(0), c.now).await?)))
}

pub(super) async fn events(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(whole_list(c.manage().incident_events(c.org(), c.param(0)).await?.iter().map(EventView::from)))
}

pub(super) async fn deliveries(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(whole_list(c.manage().incident_deliveries(c.org(), c.param(0)).await?.iter().map(DeliveryView::from)))
}
