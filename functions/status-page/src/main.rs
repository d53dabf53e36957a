//! Lambda: status pages (`/status/{slug}/…`, and custom domains by Host) behind API
//! Gateway and CloudFront, on DynamoDB. The routes are `tokiflow_shared::http`, the same
//! the local server serves.
use std::sync::Arc;
use tokiflow_shared::adapters::aws::AwsAdapters;
use tokiflow_shared::config::BodyLimits;
use tokiflow_shared::http::App;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let aws = AwsAdapters::from_env().await?;
    let app = Arc::new(App::new(aws.store, aws.blobs, aws.scheduler, BodyLimits::default()));
    tokiflow_shared::http::lambda::run(app).await
}
