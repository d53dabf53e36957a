//! `/monitors/{id}/runs`: a monitor's runs and their full output.
use super::call::Call;
use super::wire::page;
use crate::domain::ids::{MonitorId, OrgId, RunId};
use crate::domain::incident::Severity;
use crate::domain::run::{PingMethod, Run, RunKey, RunState, Scheme};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::pagination::Page;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;
use std::net::IpAddr;
use url::Url;

/// A run, with `outputUrl` when its full output is stored apart (never the key of where:
/// that is storage detail).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView<'a> {
    id: &'a RunId,
    org_id: &'a OrgId,
    monitor_id: &'a MonitorId,
    state: RunState,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<Severity>,
    received_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    z_score: Option<f64>,
    output: OutputView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rid: Option<&'a RunKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<PingMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<Scheme>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded_for: Option<IpAddr>,
}

#[derive(Serialize)]
struct OutputView<'a> {
    preview: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

impl<'a> RunView<'a> {
    pub fn new(run: &'a Run, output_url: Option<Url>) -> Self {
        Self {
            id: &run.id,
            org_id: &run.org_id,
            monitor_id: &run.monitor_id,
            state: run.state,
            exit_code: run.exit_code,
            severity: run.severity,
            received_at: run.received_at,
            duration_ms: run.duration_ms,
            z_score: run.z_score,
            output: OutputView { preview: &run.output.preview, size: run.output.size, truncated: run.output.truncated },
            source_ip: run.source_ip,
            user_agent: run.user_agent.as_deref(),
            rid: run.rid.as_ref(),
            output_url: output_url.map(String::from),
            method: run.via.method,
            scheme: run.via.scheme,
            forwarded_for: run.via.forwarded_for,
        }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let p = c.page_params()?;
    let before = p
        .cursor
        .as_deref()
        .map(|cursor| {
            RunId::parse(cursor).ok_or_else(|| ApiError::bad_request("cursor", "not a cursor this API gave out"))
        })
        .transpose()?;
    let runs = c.manage().runs(c.org(), c.param(0), p.limit, before.as_ref()).await?;
    let mut items = Vec::with_capacity(runs.items.len());
    for run in &runs.items {
        items.push(RunView::new(run, c.manage().output_url(run).await?));
    }
    Ok(page(&Page { items, next: runs.next.map(|r| r.to_string()) }, |v| v))
}

/// The run's whole output as plain text.
pub(super) async fn output(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let (_, output) = c.manage().run_output(c.org(), c.param(0), c.param(1)).await?;
    Ok(text(output))
}

fn text(body: Bytes) -> ApiResponse {
    let mut res = ApiResponse::new(body);
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    // Job output is anyone's text: never let a browser guess it is HTML.
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}
