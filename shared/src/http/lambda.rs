//! API Gateway (HTTP API, payload v2) events to and from `ApiRequest`/`ApiResponse`, so
//! every HTTP Lambda is `App::handle` behind this conversion.
use super::{ApiRequest, ApiResponse, App};
use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use std::net::IpAddr;

pub fn to_api_request(app: &App, req: Request) -> ApiRequest {
    let source_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()),
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

/// Serves `app` as a Lambda function until the runtime stops.
pub async fn run(app: std::sync::Arc<App>) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let app = app.clone();
        async move {
            let api_req = to_api_request(&app, req);
            let res = to_lambda_response(app.handle(api_req).await);
            crate::telemetry::first_event_handled();
            Ok::<_, std::convert::Infallible>(res)
        }
    }))
    .await
}

/// The whole `main` of an HTTP function: JSON logs, the AWS adapters from the
/// environment (clients built once per cold start), status page subscriptions where the
/// function sends e-mail, and `App` behind API Gateway.
#[cfg(feature = "aws")]
pub async fn run_from_env() -> Result<(), lambda_http::Error> {
    crate::telemetry::init_lambda_logging();
    let aws = crate::adapters::aws::AwsAdapters::from_env().await?;
    let subscribers = aws.subscribers()?;
    let mut app = App::new(aws.store, aws.blobs, aws.scheduler, crate::config::BodyLimits::default());
    if let Some(subscribers) = subscribers {
        app = app.with_subscribers(subscribers);
    }
    run(std::sync::Arc::new(app)).await
}
