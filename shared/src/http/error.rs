//! The one mapping from failures to HTTP statuses and the JSON error body
//! `{"error": {"code", "message", "field"}}`.
use super::ApiResponse;
use crate::domain::ping::PingError;
use crate::ports::store::StoreError;
use crate::services::ingest_ping::IngestError;
use crate::services::manage::ManageError;
use http::{HeaderName, HeaderValue, StatusCode, header};
use serde::Serialize;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The request field at fault: a parameter, or a JSON path such as `schedule.seconds`.
    pub field: Option<Cow<'static, str>>,
    /// One header the answer needs (`Allow`, `Retry-After`, `WWW-Authenticate`).
    /// Boxed: errors travel in every `Result` of the routes, and are rarely this.
    header: Option<Box<(HeaderName, HeaderValue)>>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, header: None }
    }

    pub fn bad_request(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(StatusCode::BAD_REQUEST, "bad_request", message) }
    }

    /// Well-formed, but not acceptable (a rule of the domain says no).
    pub fn unprocessable(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { field: Some(field.into()), ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message) }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        let header = Some(Box::new((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))));
        Self { header, ..Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message) }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let header = Some(Box::new((header::RETRY_AFTER, HeaderValue::from(retry_after_secs))));
        Self {
            header,
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests; retry in {retry_after_secs} s"),
            )
        }
    }

    /// The response header this error carries, if any.
    pub fn header(&self) -> Option<&(HeaderName, HeaderValue)> {
        self.header.as_deref()
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn method_not_allowed(allow: &str) -> Self {
        let header = HeaderValue::from_str(allow).ok().map(|v| Box::new((header::ALLOW, v)));
        Self { header, ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("use {allow}")) }
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body must be at most {limit} bytes"),
        )
    }

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; it has been logged")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "too much contention on this item; retry")
    }

    pub fn into_response(self) -> ApiResponse {
        let body = Body { error: Inner { code: self.code, message: &self.message, field: self.field.as_deref() } };
        let res = super::json(self.status, &body);
        self.with_header(res)
    }

    /// The answer as Healthchecks gives it on its ping routes: the status, and a short
    /// plain-text body (`not found`, `invalid url format`, …) that scripts can print.
    pub fn into_plain_text(self) -> ApiResponse {
        let text = match (self.status, self.field.as_deref()) {
            (StatusCode::NOT_FOUND, _) => "not found".to_owned(),
            (StatusCode::BAD_REQUEST, None | Some("exitCode" | "path")) => "invalid url format".to_owned(),
            (StatusCode::METHOD_NOT_ALLOWED, _) => "method not allowed".to_owned(),
            (StatusCode::TOO_MANY_REQUESTS, _) => "rate limited".to_owned(),
            (_, Some(field)) => format!("invalid {field}: {}", self.message),
            _ => self.message.clone(),
        };
        let mut res = ApiResponse::new(bytes::Bytes::from(text));
        *res.status_mut() = self.status;
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        self.with_header(res)
    }

    fn with_header(self, mut res: ApiResponse) -> ApiResponse {
        if let Some(h) = self.header {
            let (name, value) = *h;
            res.headers_mut().insert(name, value);
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::unavailable(),
            StoreError::NotFound(what) => Self::not_found(format!("{what} not found")),
            StoreError::AlreadyExists(what) => Self::conflict(format!("{what} already exists")),
            StoreError::Backend(msg) => {
                tracing::error!(error = %msg, "store failed");
                Self::internal()
            }
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::UnknownToken => Self::not_found("no monitor has this ping URL"),
            IngestError::BadPing(PingError::UnknownPath(p)) => Self::not_found(format!("unknown ping path /{p}")),
            IngestError::BadPing(e) => Self::bad_request(e.field().unwrap_or("path"), e.to_string()),
            IngestError::Store(e) => e.into(),
            IngestError::Blob(e) => {
                tracing::error!(error = %e, "blob store failed");
                Self::internal()
            }
            IngestError::Scheduler(e) => {
                tracing::error!(error = %e, "scheduler failed");
                Self::internal()
            }
        }
    }
}

impl From<ManageError> for ApiError {
    fn from(e: ManageError) -> Self {
        match e {
            ManageError::NotFound(what) => Self::not_found(format!("{what} not found")),
            ManageError::Invalid { field, message } => Self::unprocessable(field, message),
            ManageError::Missing(field) => {
                let message = format!("{field} is required");
                Self::bad_request(field, message)
            }
            ManageError::Conflict(message) => Self::conflict(message),
            ManageError::Forbidden(message) => Self::forbidden(message),
            ManageError::Store(e) => e.into(),
            ManageError::Scheduler(e) => {
                tracing::error!(error = %e, "scheduler failed");
                Self::internal()
            }
            ManageError::Blob(e) => {
                tracing::error!(error = %e, "blob store failed");
                Self::internal()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_shape() {
        let res = ApiError::bad_request("severity", "bad severity").into_response();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let v: serde_json::Value = serde_json::from_slice(res.body()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"error": {"code": "bad_request", "message": "bad severity", "field": "severity"}})
        );
    }

    #[test]
    fn backend_details_are_not_leaked() {
        let res = ApiError::from(StoreError::Backend("disk /var/secret full".into())).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!String::from_utf8_lossy(res.body()).contains("secret"));
    }
}
