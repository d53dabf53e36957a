//! Lambda: the management API (`/api/v1/…`) behind API Gateway, on DynamoDB, S3 and
//! EventBridge Scheduler, sending channels' test messages through the notifier's
//! transports. The routes are `tokiflow_shared::http::api`, the same the local server
//! serves. The per-key rate limit lives in this instance's memory, so it is per
//! instance; API Gateway's route throttling is the account-wide brake.
use tokiflow_shared::http::lambda::{self, ManagementApi};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::run_from_env_sending(ManagementApi).await
}
