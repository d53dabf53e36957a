//! Lambda: the ping API (`/ping/…`) behind API Gateway, on DynamoDB, S3 and EventBridge
//! Scheduler. The routes are `tokiflow_shared::http`, the same the local server serves.
use tokiflow_shared::http::lambda::{self, Pings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::run_from_env(Pings).await
}
