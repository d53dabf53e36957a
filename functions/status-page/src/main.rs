//! Lambda: status pages (`/status/{slug}/…`, and custom domains by Host) behind API
//! Gateway and CloudFront, on DynamoDB. The routes are `tokiflow_shared::http`, the same
//! the local server serves.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tokiflow_shared::http::lambda::run_from_env_subscribing(|app, req| async move { app.handle_status_pages(req).await }).await
}
