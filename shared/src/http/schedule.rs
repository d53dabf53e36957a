//! `GET /api/v1/schedule/preview`.
use super::query::Query;
use super::{ApiError, ApiRequest, ApiResponse, json};
use crate::services::schedule_preview::{PreviewQuery, preview as next_times};
use chrono::{DateTime, SecondsFormat, Utc};
use http::StatusCode;

pub fn preview(req: &ApiRequest, now: DateTime<Utc>) -> Result<ApiResponse, ApiError> {
    let q = Query::parse(req.query.as_deref())?;
    let query = PreviewQuery {
        cron: q.get("cron"),
        tz: q.get("tz"),
        interval: q.get("interval"),
        count: q.get("count"),
        from: q.get("from"),
    };
    let next = next_times(&query, now).map_err(|e| ApiError::bad_request(e.field, e.message))?;
    let next: Vec<String> = next.iter().map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)).collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "next": next })))
}
