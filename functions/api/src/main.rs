//! Lambda: the management API (`/api/v1/…`) behind API Gateway, on DynamoDB, S3 and
//! EventBridge Scheduler. The routes are `tokiflow_shared::http::api`, the same the local
//! server serves. The per-key rate limit lives in this instance's memory, so it is per
//! instance; API Gateway's route throttling is the account-wide brake.
use std::sync::Arc;
use tokiflow_shared::adapters::aws::AwsAdapters;
use tokiflow_shared::config::BodyLimits;
use tokiflow_shared::http::App;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let aws = AwsAdapters::from_env().await?;
    let app = Arc::new(App::new(
        aws.store,
        aws.blobs,
        aws.scheduler,
        BodyLimits::default(),
    ));
    tokiflow_shared::http::lambda::run(app).await
}
