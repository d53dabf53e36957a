//! Lambda: status pages (`/status/{slug}/…`, and custom domains by Host) behind API
//! Gateway and CloudFront, on DynamoDB. The routes are `tokiflow_shared::http`, the same
//! the local server serves.
use tokiflow_shared::http::lambda::{self, StatusPages};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::run_from_env_subscribing(StatusPages).await
}
