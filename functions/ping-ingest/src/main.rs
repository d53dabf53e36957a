//! Lambda: the ping API (`/ping/…`) behind API Gateway, on DynamoDB, S3 and EventBridge
//! Scheduler. The routes are `tokiflow_shared::http`, the same the local server serves.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tokiflow_shared::http::lambda::run_from_env(|app, req| async move { app.handle_pings(req).await }).await
}
