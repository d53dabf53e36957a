//! A probe monitor's history: `/monitors/{id}/checks`, `/downtime`, `/uptime` and
//! `/debug-sessions`.
use super::call::Call;
use super::wire::{created, list, ok};
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId, MonitorId};
use crate::domain::probe::check::{CheckStatus, ProbeCheck};
use crate::domain::probe::debug::{DebugSession, DebugTrigger, EventType, NetworkEvent};
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::spec::HttpMethod;
use crate::domain::probe::uptime::{Uptime, UptimeWindow};
use crate::http::{ApiError, ApiResponse, json};
use crate::services::manage::{CheckFilter, DowntimeNote};
use chrono::{DateTime, Utc};
use http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// Milliseconds to 0.1 ms: what a reader can use, not float noise.
fn ms(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 10.0).round() / 10.0)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckView<'a> {
    id: &'a CheckId,
    checked_at: DateTime<Utc>,
    status: CheckStatus,
    http_status: Option<u16>,
    method: Option<HttpMethod>,
    response_time_ms: Option<f64>,
    dns_ms: Option<f64>,
    connect_ms: Option<f64>,
    tls_ms: Option<f64>,
    ttfb_ms: Option<f64>,
    error: Option<&'a str>,
    location: &'a str,
}

impl<'a> From<&'a ProbeCheck> for CheckView<'a> {
    fn from(c: &'a ProbeCheck) -> Self {
        Self {
            id: &c.id,
            checked_at: c.checked_at,
            status: c.status,
            http_status: c.http_status,
            method: c.method,
            response_time_ms: ms(c.response_time_ms),
            dns_ms: ms(c.timings.dns_ms),
            connect_ms: ms(c.timings.connect_ms),
            tls_ms: ms(c.timings.tls_ms),
            ttfb_ms: ms(c.timings.ttfb_ms),
            error: c.error.as_deref(),
            location: &c.location,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DowntimeView<'a> {
    id: &'a DowntimeId,
    monitor_id: &'a MonitorId,
    started_at: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    duration_seconds: i64,
    initial_status: CheckStatus,
    recovery_status: Option<CheckStatus>,
    affected_checks: u32,
    root_cause: Option<&'a str>,
    notes: Option<&'a str>,
}

impl<'a> DowntimeView<'a> {
    fn new(w: &'a DowntimeWindow, now: DateTime<Utc>) -> Self {
        Self {
            id: &w.id,
            monitor_id: &w.monitor_id,
            started_at: w.started_at,
            ended_at: w.ended_at,
            duration_seconds: w.duration_seconds(now),
            initial_status: w.initial_status,
            recovery_status: w.recovery_status,
            affected_checks: w.affected_checks,
            root_cause: w.root_cause.as_deref(),
            notes: w.notes.as_deref(),
        }
    }
}

/// What `PATCH …/downtime/{windowId}` takes back from a `DowntimeView` and ignores.
pub const DOWNTIME_READ_ONLY: &[&str] = &[
    "id",
    "monitorId",
    "startedAt",
    "endedAt",
    "durationSeconds",
    "initialStatus",
    "recoveryStatus",
    "affectedChecks",
];

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UptimeView {
    window: UptimeWindow,
    uptime_percent: f64,
    downtime_seconds: i64,
    checks: u64,
    failed_checks: u64,
    p50_ms: Option<u64>,
    p95_ms: Option<u64>,
}

impl From<Uptime> for UptimeView {
    fn from(u: Uptime) -> Self {
        Self {
            window: u.window,
            uptime_percent: u.uptime_percent,
            downtime_seconds: u.downtime_seconds,
            checks: u.checks,
            failed_checks: u.failed_checks,
            p50_ms: u.p50_ms,
            p95_ms: u.p95_ms,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView<'a> {
    #[serde(rename = "type")]
    kind: EventType,
    url: &'a str,
    method: Option<&'a str>,
    status_code: Option<u16>,
    request_headers: BTreeMap<&'a str, &'a str>,
    response_headers: BTreeMap<&'a str, &'a str>,
    request_payload: Option<&'a str>,
    response_payload: Option<&'a str>,
    timestamp: DateTime<Utc>,
    duration_ms: Option<f64>,
    error: Option<&'a str>,
}

fn headers(list: &[(String, String)]) -> BTreeMap<&str, &str> {
    list.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

impl<'a> From<&'a NetworkEvent> for EventView<'a> {
    fn from(e: &'a NetworkEvent) -> Self {
        Self {
            kind: e.kind,
            url: &e.url,
            method: e.method.as_deref(),
            status_code: e.status_code,
            request_headers: headers(&e.request_headers),
            response_headers: headers(&e.response_headers),
            request_payload: e.request_payload.as_deref(),
            response_payload: e.response_payload.as_deref(),
            timestamp: e.timestamp,
            duration_ms: ms(e.duration_ms),
            error: e.error.as_deref(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DebugSessionView<'a> {
    session_key: &'a DebugSessionKey,
    monitor_id: &'a MonitorId,
    trigger: DebugTrigger,
    started_at: DateTime<Utc>,
    completed_at: DateTime<Utc>,
    success: bool,
    error_message: Option<&'a str>,
    user_agent: &'a str,
    events: Vec<EventView<'a>>,
}

impl<'a> From<&'a DebugSession> for DebugSessionView<'a> {
    fn from(s: &'a DebugSession) -> Self {
        Self {
            session_key: &s.key,
            monitor_id: &s.monitor_id,
            trigger: s.trigger,
            started_at: s.started_at,
            completed_at: s.completed_at,
            success: s.success,
            error_message: s.error_message.as_deref(),
            user_agent: &s.user_agent,
            events: s.events.iter().map(EventView::from).collect(),
        }
    }
}

fn time(c: &Call<'_>, name: &'static str) -> Result<Option<DateTime<Utc>>, ApiError> {
    c.query
        .get(name)
        .map(|raw| {
            DateTime::parse_from_rfc3339(&raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| ApiError::bad_request(name, format!("{name} must be an RFC 3339 time")))
        })
        .transpose()
}

/// `GET /monitors/{id}/checks?from=&to=&status=&limit=&cursor=`:
/// `{"items", "nextCursor", "total"}`, newest first.
pub(super) async fn checks(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let p = c.page_params()?;
    let status = c
        .query
        .get("status")
        .map(|raw| {
            serde_json::from_value::<CheckStatus>(serde_json::Value::String(raw.to_ascii_uppercase()))
                .map_err(|_| ApiError::bad_request("status", "status must be UP, DOWN, DEGRADED or UNKNOWN"))
        })
        .transpose()?;
    let filter =
        CheckFilter { from: time(c, "from")?, to: time(c, "to")?, status, limit: Some(p.limit), cursor: p.cursor };
    let (page, total) = c.manage().checks(c.org(), c.param(0), filter).await?;
    let items: Vec<CheckView> = page.items.iter().map(CheckView::from).collect();
    let next = page.next.map(|id| id.to_string());
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items, "nextCursor": next, "total": total })))
}

pub(super) async fn downtime(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let windows = c.manage().downtime(c.org(), c.param(0)).await?;
    Ok(list(windows.iter().map(|w| DowntimeView::new(w, c.now))))
}

pub(super) async fn annotate_downtime(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let note: DowntimeNote = c.body_accepting(DOWNTIME_READ_ONLY)?;
    let w = c.manage().annotate_downtime(c.org(), c.param(0), c.param(1), note).await?;
    Ok(ok(DowntimeView::new(&w, c.now)))
}

/// `GET /monitors/{id}/uptime?window=24h|7d|30d|90d` (24h when absent).
pub(super) async fn uptime(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let window = match c.query.get("window") {
        None => UptimeWindow::Day,
        Some(raw) => UptimeWindow::parse(&raw)
            .ok_or_else(|| ApiError::bad_request("window", "window must be 24h, 7d, 30d or 90d"))?,
    };
    Ok(ok(UptimeView::from(c.manage().uptime(c.org(), c.param(0), window, c.now).await?)))
}

pub(super) async fn debug_sessions(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let sessions = c.manage().debug_sessions(c.org(), c.param(0)).await?;
    Ok(list(sessions.iter().map(DebugSessionView::from)))
}

pub(super) async fn debug_session(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(DebugSessionView::from(&c.manage().debug_session(c.org(), c.param(0), c.param(1)).await?)))
}

/// `POST /monitors/{id}/debug-sessions`: one traced request now; 201 with the session.
pub(super) async fn start_debug_session(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let m = c.manage().monitor(c.org(), c.param(0)).await?;
    if m.probe.is_none() {
        return Err(ApiError::unprocessable("monitorId", "only probe monitors (http, tcp, dns) have debug sessions"));
    }
    let probes = c.app.probes.as_ref().ok_or_else(ApiError::unavailable)?;
    let session = probes.debug(&m, c.now).await.map_err(|e| {
        tracing::error!(monitor_id = %m.id, error = %e, "debug session failed");
        ApiError::internal()
    })?;
    match session {
        Some(s) => Ok(created(DebugSessionView::from(&s))),
        None => Err(ApiError::unprocessable("monitorId", "only probe monitors have debug sessions")),
    }
}
