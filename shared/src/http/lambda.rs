//! API Gateway (HTTP API, payload v2) events to and from `ApiRequest`/`ApiResponse`, so
//! every HTTP Lambda is `App::handle` behind this conversion.
use super::{ApiRequest, ApiResponse, App};
use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::net::IpAddr;

pub fn to_api_request(app: &App, req: Request) -> ApiRequest {
    let source_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            ctx.http.source_ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok())
        }
        _ => None,
    };
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let policy = app.body_policy(&path);
    // API Gateway has already buffered the whole body (≤ 10 MB); keep what the route keeps.
    let whole: &[u8] = body.as_ref();
    ApiRequest {
        method: parts.method,
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body: Bytes::copy_from_slice(&whole[..whole.len().min(policy.keep)]),
        body_size: whole.len() as u64,
        source_ip,
        path,
    }
}

pub fn to_lambda_response(res: ApiResponse) -> Response<Body> {
    res.map(|bytes| match String::from_utf8(bytes.to_vec()) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    })
}

/// The routes one function answers. A type per function, not a runtime choice, so each
/// function links only its own routes.
pub trait Routes: Clone + Copy + Send + Sync + 'static {
    fn answer(self, app: std::sync::Arc<App>, req: ApiRequest)
    -> impl std::future::Future<Output = ApiResponse> + Send;
}

/// `/ping/…`: the ping-ingest function.
#[derive(Debug, Clone, Copy)]
pub struct Pings;
/// Status pages by path and custom domain: the status-page function.
#[derive(Debug, Clone, Copy)]
pub struct StatusPages;
/// `/api/v1/…`: the api function.
#[derive(Debug, Clone, Copy)]
pub struct ManagementApi;

impl Routes for Pings {
    async fn answer(self, app: std::sync::Arc<App>, req: ApiRequest) -> ApiResponse {
        app.handle_pings(req).await
    }
}

impl Routes for StatusPages {
    async fn answer(self, app: std::sync::Arc<App>, req: ApiRequest) -> ApiResponse {
        app.handle_status_pages(req).await
    }
}

impl Routes for ManagementApi {
    async fn answer(self, app: std::sync::Arc<App>, req: ApiRequest) -> ApiResponse {
        app.handle_api(req).await
    }
}

/// Serves `app` as a Lambda function until the runtime stops, each request answered by
/// `handle` (one of `App::handle_pings`, `handle_status_pages`, `handle_api`).
pub async fn run(app: std::sync::Arc<App>, handle: impl Routes) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let app = app.clone();
        async move {
            let api_req = to_api_request(&app, req);
            let res = to_lambda_response(handle.answer(app, api_req).await);
            crate::telemetry::first_event_handled();
            Ok::<_, std::convert::Infallible>(res)
        }
    }))
    .await
}

/// The whole `main` of an HTTP function: JSON logs, every service from the environment
/// (`wiring::aws`, clients built once per cold start), and `App` behind API Gateway,
/// answering with `handle`. Sends nothing, so links no SES, SNS or webhook client.
#[cfg(feature = "aws")]
pub async fn run_from_env(handle: impl Routes) -> Result<(), lambda_http::Error> {
    start::<crate::wiring::aws::SendsNothing>(handle, |_| Ok(())).await
}

/// `run_from_env` for a function that also sends channels' test messages (the management
/// API), through the notifier's transports: it needs the notifier's environment
/// (`TOKIFLOW_EMAIL_FROM`, `TOKIFLOW_APP_URL`) and its SES and SNS permissions. With
/// `TOKIFLOW_STATUS_BUCKET` set it also publishes the status pages it changes.
#[cfg(feature = "aws")]
pub async fn run_from_env_sending(handle: impl Routes) -> Result<(), lambda_http::Error> {
    start::<crate::wiring::aws::SendsMessages>(handle, |services| services.require_channel_tester()).await
}

/// `run_from_env` for the status pages, which take subscriptions when the function sends
/// e-mail (`TOKIFLOW_EMAIL_FROM` set): confirmation requests go out through SES.
#[cfg(feature = "aws")]
pub async fn run_from_env_subscribing(handle: impl Routes) -> Result<(), lambda_http::Error> {
    start::<crate::wiring::aws::SendsMessages>(handle, |_| Ok(())).await
}

#[cfg(feature = "aws")]
async fn start<S: crate::wiring::aws::Sends>(
    handle: impl Routes,
    require: impl FnOnce(&crate::wiring::aws::AwsServices) -> Result<(), crate::config::ConfigError>,
) -> Result<(), lambda_http::Error> {
    crate::telemetry::init_lambda_logging();
    let services = crate::wiring::aws::from_env::<S>().await?;
    require(&services)?;
    run(services.app, handle).await
}
