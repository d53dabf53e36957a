//! Lambda: the retention sweep, on the daily EventBridge schedule. Reports what it deleted.
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use tokiflow_shared::adapters::aws::AwsAdapters;
use tokiflow_shared::services::sweep_retention::sweep_retention;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let aws = Arc::new(AwsAdapters::from_env().await?);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let aws = aws.clone();
        async move {
            let r =
                sweep_retention(aws.store.as_ref(), aws.store.as_ref(), aws.blobs.as_ref(), chrono::Utc::now()).await?;
            Ok::<_, lambda_runtime::Error>(serde_json::json!({
                "orgs": r.orgs, "monitors": r.monitors, "runsDeleted": r.runs_deleted,
                "blobsDeleted": r.blobs_deleted, "incidentsDeleted": r.incidents_deleted,
            }))
        }
    }))
    .await
}
