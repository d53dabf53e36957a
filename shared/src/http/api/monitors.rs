//! `/monitors`: what a monitor shows, and its routes.
use super::call::{Call, by_id};
use super::wire::{created, no_content, ok, page};
use crate::domain::ids::{IncidentId, MonitorId, OrgId};
use crate::domain::incident::{IncidentKind, Severity};
use crate::domain::monitor::{Monitor, MonitorStatus};
use crate::domain::schedule::Schedule;
use crate::domain::text::{Name, Slug};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::UpdateMonitor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A monitor as the API shows it: never its token's hash, nor the bookkeeping only the
/// state machine needs (open starts, the armed timer, the version, recent durations).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView<'a> {
    id: &'a MonitorId,
    org_id: &'a OrgId,
    name: &'a Name,
    schedule: &'a Schedule,
    /// Seconds.
    grace: i64,
    enabled: bool,
    status: MonitorStatus,
    severity: Severity,
    tags: &'a BTreeSet<Slug>,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_runtime: Option<i64>,
    created_at: DateTime<Utc>,
    last_ping_at: Option<DateTime<Utc>>,
    last_start_at: Option<DateTime<Utc>>,
    next_expected_at: Option<DateTime<Utc>>,
    #[serde(rename = "durationP50Ms")]
    duration_p50_ms: Option<u64>,
    #[serde(rename = "durationP95Ms")]
    duration_p95_ms: Option<u64>,
    #[serde(rename = "durationP99Ms")]
    duration_p99_ms: Option<u64>,
    open_incidents: &'a BTreeMap<IncidentKind, IncidentId>,
    ping_count: u64,
}

impl<'a> From<&'a Monitor> for MonitorView<'a> {
    fn from(m: &'a Monitor) -> Self {
        Self {
            id: &m.id,
            org_id: &m.org_id,
            name: &m.name,
            schedule: &m.schedule,
            grace: m.grace.num_seconds(),
            enabled: m.enabled,
            status: m.status,
            severity: m.severity,
            tags: &m.tags,
            max_runtime: m.max_runtime.map(|d| d.num_seconds()),
            created_at: m.created_at,
            last_ping_at: m.last_ping_at,
            last_start_at: m.last_start_at,
            next_expected_at: m.next_expected_at,
            duration_p50_ms: m.durations.p50_ms,
            duration_p95_ms: m.durations.p95_ms,
            duration_p99_ms: m.durations.p99_ms,
            open_incidents: &m.open_incidents,
            ping_count: m.ping_count,
        }
    }
}

/// What `PATCH` takes back from a `MonitorView` and ignores.
pub const READ_ONLY: &[&str] = &[
    "id",
    "orgId",
    "status",
    "createdAt",
    "lastPingAt",
    "lastStartAt",
    "nextExpectedAt",
    "durationP50Ms",
    "durationP95Ms",
    "durationP99Ms",
    "openIncidents",
    "pingCount",
];

/// A new monitor, with its ping token shown this once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedMonitorView<'a> {
    #[serde(flatten)]
    monitor: MonitorView<'a>,
    ping_token: &'a str,
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let monitors = c.manage().monitors(c.org()).await?;
    Ok(page(&by_id(c, monitors, |m| m.id.to_string())?, MonitorView::from))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let made = c.manage().create_monitor(c.org(), c.body()?, c.now).await?;
    Ok(created(CreatedMonitorView { monitor: MonitorView::from(&made.monitor), ping_token: made.token.reveal() }))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(MonitorView::from(&c.manage().monitor(c.org(), c.param(0)).await?)))
}

pub(super) async fn update(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let edit: UpdateMonitor = c.body_accepting(READ_ONLY)?;
    Ok(ok(MonitorView::from(&c.manage().update_monitor(c.org(), c.param(0), edit, c.now).await?)))
}

pub(super) async fn delete(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().delete_monitor(c.org(), c.param(0)).await?;
    Ok(no_content())
}

pub(super) async fn pause(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(MonitorView::from(&c.manage().pause_monitor(c.org(), c.param(0)).await?)))
}

pub(super) async fn resume(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(MonitorView::from(&c.manage().resume_monitor(c.org(), c.param(0), c.now).await?)))
}

/// `PUT /monitors/{id}/tags`: `{"tags": [...]}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Tags {
    tags: Vec<String>,
}

pub(super) async fn set_tags(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let tags: Tags = c.body()?;
    Ok(ok(MonitorView::from(&c.manage().set_tags(c.org(), c.param(0), tags.tags, c.now).await?)))
}
