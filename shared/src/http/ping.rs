//! The ping routes, Healthchecks-compatible: `/ping/{token}[/start|/fail|/log|/{0-255}]`
//! plus `?state=`, `?exitCode=`, `?severity=`, `?rid=`; GET, HEAD and POST.
use super::query::Query;
use super::{ApiError, ApiRequest, ApiResponse, App};
use crate::domain::run::PingVia;
use crate::services::ingest_ping::PingRequest;
use bytes::Bytes;
use chrono::Utc;
use http::{HeaderValue, Method, Response, StatusCode, header};

pub async fn handle(app: &App, rest: &str, req: ApiRequest) -> Result<ApiResponse, ApiError> {
    if !matches!(req.method, Method::GET | Method::HEAD | Method::POST) {
        return Err(ApiError::method_not_allowed("GET, HEAD, POST"));
    }
    let mut segments = rest.split('/');
    let token = segments.next().unwrap_or_default();
    let suffix = segments.next();
    if token.is_empty() || segments.next().is_some() {
        return Err(ApiError::not_found("no such ping URL"));
    }
    let q = Query::parse(req.query.as_deref())?;
    let ping = PingRequest {
        token: token.to_owned(),
        suffix: suffix.map(str::to_owned),
        state: q.get("state"),
        exit_code: q.get("exitCode"),
        severity: q.get("severity"),
        rid: q.get("rid"),
        body: req.body,
        body_size: req.body_size,
        source_ip: req.source_ip,
        user_agent: req.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned),
        via: PingVia::of(&req.method, &req.headers),
    };
    app.pings.ingest(ping, Utc::now()).await?;
    let mut res = Response::new(Bytes::from_static(b"OK"));
    *res.status_mut() = StatusCode::OK;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    // Browsers may ping too (as with Healthchecks).
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(res)
}

/// Whether the client asked for JSON (`Accept: application/json`): then a refusal is the
/// API's JSON error, naming the field at fault.
pub fn wants_json(headers: &http::HeaderMap) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains("application/json"))
}

/// On every ping answer, refused ones too: never cached (a proxy answering a GET ping
/// itself would lose the ping), and how much of a body is kept (`Ping-Body-Limit`, as
/// Healthchecks says it).
pub fn with_ping_headers(mut res: ApiResponse, body_limit: usize) -> ApiResponse {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("ping-body-limit", HeaderValue::from(body_limit));
    res
}
