//! `/monitors`: what a monitor shows, and its routes.
use super::call::{Call, by_id};
use super::wire::{created, no_content, ok, page};
use crate::domain::ids::{IncidentId, MonitorId, OrgId};
use crate::domain::incident::{IncidentKind, Severity};
use crate::domain::monitor::{Monitor, MonitorStatus};
use crate::domain::probe::spec::{HttpMethod, MonitorKind, ProbeTarget, RecordType, StatusMatch, is_secret_header};
use crate::domain::schedule::Schedule;
use crate::domain::text::{Name, Slug};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::{MASKED_HEADER, UpdateMonitor};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A monitor as the API shows it: never its token's hash, nor the bookkeeping only the
/// state machine needs (open starts, the armed timer, the version, recent durations).
/// Heartbeats show their schedule and pings; probes their target and checks.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView<'a> {
    id: &'a MonitorId,
    org_id: &'a OrgId,
    kind: MonitorKind,
    name: &'a Name,
    enabled: bool,
    status: MonitorStatus,
    severity: Severity,
    tags: &'a BTreeSet<Slug>,
    created_at: DateTime<Utc>,
    open_incidents: &'a BTreeMap<IncidentKind, IncidentId>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    heartbeat: Option<HeartbeatView<'a>>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    probe: Option<ProbeView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HeartbeatView<'a> {
    schedule: &'a Schedule,
    /// Seconds.
    grace: i64,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    max_runtime: Option<i64>,
    last_ping_at: Option<DateTime<Utc>>,
    last_start_at: Option<DateTime<Utc>>,
    next_expected_at: Option<DateTime<Utc>>,
    #[serde(rename = "durationP50Ms")]
    duration_p50_ms: Option<u64>,
    #[serde(rename = "durationP95Ms")]
    duration_p95_ms: Option<u64>,
    #[serde(rename = "durationP99Ms")]
    duration_p99_ms: Option<u64>,
    ping_count: u64,
    /// Failed runs in a row before a FAIL incident.
    failure_threshold: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProbeView<'a> {
    /// Seconds.
    interval: u32,
    /// Milliseconds.
    timeout: u32,
    failure_threshold: u32,
    recovery_threshold: u32,
    degraded_after_ms: Option<u32>,
    #[serde(flatten)]
    target: TargetView<'a>,
    last_checked_at: Option<DateTime<Utc>>,
    next_check_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum TargetView<'a> {
    #[serde(rename_all = "camelCase")]
    Http {
        url: &'a str,
        method: HttpMethod,
        /// Secret headers' values masked.
        headers: BTreeMap<&'a str, &'a str>,
        body: Option<&'a str>,
        expect: HttpExpectView,
        follow_redirects: bool,
        verify_tls: bool,
        cert_expiry_days: u32,
        redact_headers: &'a BTreeSet<String>,
    },
    Tcp {
        host: &'a str,
        port: u16,
    },
    #[serde(rename_all = "camelCase")]
    Dns {
        host: &'a str,
        record_type: RecordType,
        expect: DnsExpectView<'a>,
        resolver: Option<String>,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HttpExpectView {
    /// Codes as numbers, classes as `"2xx"`.
    status: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keyword_absent: Option<String>,
}

#[derive(Serialize)]
struct DnsExpectView<'a> {
    values: &'a [String],
}

impl<'a> TargetView<'a> {
    fn new(t: &'a ProbeTarget) -> Self {
        match t {
            ProbeTarget::Http(h) => Self::Http {
                url: h.url.as_str(),
                method: h.method,
                headers: h
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        let shown = if is_secret_header(n, &h.redact_headers) { MASKED_HEADER } else { v.as_str() };
                        (n.as_str(), shown)
                    })
                    .collect(),
                body: h.body.as_deref(),
                expect: HttpExpectView {
                    status: h
                        .expect
                        .status
                        .iter()
                        .map(|m| match m {
                            StatusMatch::Code(c) => (*c).into(),
                            class => class.to_string().into(),
                        })
                        .collect(),
                    keyword: h.expect.keyword.clone(),
                    keyword_absent: h.expect.keyword_absent.clone(),
                },
                follow_redirects: h.follow_redirects,
                verify_tls: h.verify_tls,
                cert_expiry_days: h.cert_expiry_days,
                redact_headers: &h.redact_headers,
            },
            ProbeTarget::Tcp(t) => Self::Tcp { host: t.host.as_str(), port: t.port },
            ProbeTarget::Dns(d) => Self::Dns {
                host: d.host.as_str(),
                record_type: d.record_type,
                expect: DnsExpectView { values: &d.expect_values },
                resolver: d.resolver.map(|r| r.to_string()),
            },
        }
    }
}

impl<'a> From<&'a Monitor> for MonitorView<'a> {
    fn from(m: &'a Monitor) -> Self {
        let heartbeat = m.probe.is_none().then(|| HeartbeatView {
            schedule: &m.schedule,
            grace: m.grace.num_seconds(),
            max_runtime: m.max_runtime.map(|d| d.num_seconds()),
            last_ping_at: m.last_ping_at,
            last_start_at: m.last_start_at,
            next_expected_at: m.next_expected_at,
            duration_p50_ms: m.durations.p50_ms,
            duration_p95_ms: m.durations.p95_ms,
            duration_p99_ms: m.durations.p99_ms,
            ping_count: m.ping_count,
            failure_threshold: m.failure_threshold,
        });
        let probe = m.probe.as_ref().map(|p| ProbeView {
            interval: p.spec.interval_secs,
            timeout: p.spec.timeout_ms,
            failure_threshold: p.spec.failure_threshold,
            recovery_threshold: p.spec.recovery_threshold,
            degraded_after_ms: p.spec.degraded_after_ms,
            target: TargetView::new(&p.spec.target),
            last_checked_at: p.state.last_checked_at,
            next_check_at: p.state.next_check_at,
        });
        Self {
            id: &m.id,
            org_id: &m.org_id,
            kind: m.kind(),
            name: &m.name,
            enabled: m.enabled,
            status: m.status,
            severity: m.severity,
            tags: &m.tags,
            created_at: m.created_at,
            open_incidents: &m.open_incidents,
            heartbeat,
            probe,
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
    "lastCheckedAt",
    "nextCheckAt",
];

/// A new monitor, with its ping token shown this once (heartbeats only: probes are
/// not pinged).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedMonitorView<'a> {
    #[serde(flatten)]
    monitor: MonitorView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ping_token: Option<&'a str>,
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let monitors = c.manage().monitors(c.org()).await?;
    Ok(page(&by_id(c, monitors, |m| m.id.to_string())?, MonitorView::from))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let made = c.manage().create_monitor(c.org(), c.body()?, c.now).await?;
    let ping_token = made.monitor.probe.is_none().then(|| made.token.reveal());
    Ok(created(CreatedMonitorView { monitor: MonitorView::from(&made.monitor), ping_token }))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(MonitorView::from(&c.manage().monitor(c.org(), c.param(0)).await?)))
}

pub(super) async fn update(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let edit: UpdateMonitor = c.body_accepting(READ_ONLY)?;
    Ok(ok(MonitorView::from(&c.manage().update_monitor(c.org(), c.param(0), edit, c.now).await?)))
}

pub(super) async fn delete(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().delete_monitor(c.org(), c.param(0), c.now).await?;
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
