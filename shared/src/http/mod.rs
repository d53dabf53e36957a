//! The HTTP face of the services, independent of any server: API Gateway events (via
//! lambda_http) and the local server both convert to `ApiRequest` and call `handle`.
pub mod api;
mod error;
#[cfg(feature = "lambda")]
pub mod lambda;
mod ping;
mod query;
mod schedule;
mod status;
mod subscribe;

pub use error::ApiError;

use crate::config::BodyLimits;
use crate::domain::rate_limit::RateLimit;
use crate::ports::store::Store;
use crate::services::auth::RateLimiter;
use crate::services::ingest_ping::PingService;
use crate::services::manage::ManageService;
use crate::services::probe::ProbeService;
use crate::services::publish_status_page::StatusPublisher;
use crate::services::subscribers::SubscriberService;
use crate::services::test_channel::ChannelTester;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use std::net::IpAddr;
use std::sync::Arc;

pub type ApiResponse = Response<Bytes>;

/// A request as the services see it: the body already read (and possibly cut).
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// The raw (percent-encoded) path.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The size of the body as sent; larger than `body.len()` when it was cut.
    pub body_size: u64,
    pub source_ip: Option<IpAddr>,
}

/// How much of a request body a server should read before calling `handle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyPolicy {
    /// Keep at most this many bytes.
    pub keep: usize,
    /// Read and count the rest (pings are never refused for size), or stop reading.
    pub drain_rest: bool,
}

/// Everything the routes need, built once per process (or Lambda cold start).
pub struct App {
    pub store: Arc<dyn Store>,
    pub pings: PingService,
    pub limits: BodyLimits,
    pub manage: ManageService,
    pub rate_limiter: RateLimiter,
    /// Sends channels' test messages; set where the process has the notifier's transports.
    pub channel_tester: Option<ChannelTester>,
    /// Status page subscriptions; without them the subscription routes answer 404.
    pub subscribers: Option<Arc<SubscriberService>>,
    /// Publishes status pages after the API changes them (stores, tells subscribers and
    /// writes the static copy); without it the API only stores.
    pub publisher: Option<Arc<StatusPublisher>>,
    /// Runs debug sessions on demand; without it `POST …/debug-sessions` answers 503.
    pub probes: Option<Arc<ProbeService>>,
}

impl App {
    /// The routes over services built by a runtime's composition root (`crate::wiring`),
    /// without the optional ones (added by the `with_…` methods).
    pub fn new(store: Arc<dyn Store>, pings: PingService, manage: ManageService, limits: BodyLimits) -> Self {
        Self {
            pings,
            manage,
            rate_limiter: RateLimiter::new(RateLimit::default()),
            channel_tester: None,
            subscribers: None,
            publisher: None,
            probes: None,
            store,
            limits,
        }
    }

    /// The same app with another per-key rate limit.
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limiter = RateLimiter::new(limit);
        self
    }

    /// The same app, able to send channels' test messages.
    pub fn with_channel_tester(mut self, tester: ChannelTester) -> Self {
        self.channel_tester = Some(tester);
        self
    }

    /// The same app, taking status page subscriptions.
    pub fn with_subscribers(mut self, subscribers: Arc<SubscriberService>) -> Self {
        self.subscribers = Some(subscribers);
        self
    }

    /// The same app, publishing status pages after the API changes them.
    pub fn with_publisher(mut self, publisher: Arc<StatusPublisher>) -> Self {
        self.publisher = Some(publisher);
        self
    }

    /// The same app, running debug sessions on demand.
    pub fn with_probes(mut self, probes: Arc<ProbeService>) -> Self {
        self.probes = Some(probes);
        self
    }

    pub fn body_policy(&self, path: &str) -> BodyPolicy {
        if path.starts_with("/ping/") {
            BodyPolicy { keep: self.limits.stored, drain_rest: true }
        } else {
            // One byte more than allowed, so `handle` can tell "too large" from "exactly at the limit".
            BodyPolicy { keep: self.limits.api_json + 1, drain_rest: false }
        }
    }

    /// Every route: the local server.
    pub async fn handle(&self, req: ApiRequest) -> ApiResponse {
        let head = req.method == Method::HEAD;
        finish(head, self.route(req).await)
    }

    /// The ping routes only: the ping-ingest function. Each HTTP function serves (and
    /// so links) only its own routes, which keeps its binary and cold start small.
    pub async fn handle_pings(&self, req: ApiRequest) -> ApiResponse {
        let head = req.method == Method::HEAD;
        finish(head, self.route_pings(req).await)
    }

    /// The status pages only, by path or custom domain: the status-page function.
    pub async fn handle_status_pages(&self, req: ApiRequest) -> ApiResponse {
        let head = req.method == Method::HEAD;
        finish(head, self.route_status_pages(req).await)
    }

    /// The management API only: the api function.
    pub async fn handle_api(&self, req: ApiRequest) -> ApiResponse {
        let head = req.method == Method::HEAD;
        finish(head, self.route_api(req).await)
    }

    async fn route(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        match req.path.as_str() {
            p if p.starts_with("/ping/") || p == "/healthz" => self.route_pings(req).await,
            // `/api/v2/…` on a custom domain is a status page's Statuspage JSON.
            p if p == "/api/v1" || p.starts_with("/api/v1/") => self.route_api(req).await,
            _ => self.route_status_pages(req).await,
        }
    }

    async fn route_pings(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        let path = req.path.clone();
        if let Some(rest) = path.strip_prefix("/ping/") {
            // Refusals in Healthchecks' plain text, or as the API's JSON error (with the
            // field at fault) for a client that asks for JSON.
            let wants_json = ping::wants_json(&req.headers);
            let answer = ping::handle(self, rest, req).await.unwrap_or_else(|e| match wants_json {
                true => e.into_response(),
                false => e.into_plain_text(),
            });
            return Ok(ping::with_ping_headers(answer, self.limits.stored));
        }
        match (req.method.clone(), path.as_str()) {
            (Method::GET | Method::HEAD, "/healthz") => Ok(json(StatusCode::OK, &serde_json::json!({"status": "ok"}))),
            (_, "/healthz") => Err(ApiError::method_not_allowed("GET, HEAD")),
            _ => Err(ApiError::not_found("no such route")),
        }
    }

    async fn route_status_pages(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        self.json_body_fits(&req)?;
        if let Some(rest) = req.path.strip_prefix("/status/") {
            return status::by_slug(self, rest, &req).await;
        }
        match status::by_domain(self, &req).await {
            Some(res) => res,
            None => Err(ApiError::not_found("no such route")),
        }
    }

    async fn route_api(&self, req: ApiRequest) -> Result<ApiResponse, ApiError> {
        self.json_body_fits(&req)?;
        if req.path == "/api/v1" || req.path.starts_with("/api/v1/") {
            return api::handle(self, &req).await;
        }
        Err(ApiError::not_found("no such route"))
    }

    fn json_body_fits(&self, req: &ApiRequest) -> Result<(), ApiError> {
        if req.body_size > self.limits.api_json as u64 {
            return Err(ApiError::too_large(self.limits.api_json));
        }
        Ok(())
    }
}

/// The response to send: an error's JSON body, and no body at all for HEAD.
fn finish(head: bool, routed: Result<ApiResponse, ApiError>) -> ApiResponse {
    let mut res = routed.unwrap_or_else(ApiError::into_response);
    if head {
        *res.body_mut() = Bytes::new();
    }
    res
}

pub(crate) fn json(status: StatusCode, body: &impl serde::Serialize) -> ApiResponse {
    let bytes = serde_json::to_vec(body).expect("API bodies serialise");
    let mut res = Response::new(Bytes::from(bytes));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}
