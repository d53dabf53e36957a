//! Lambda: the retention sweep, on the daily EventBridge schedule. Reports what it deleted.
use lambda_runtime::{LambdaEvent, service_fn};
use tokiflow_shared::services::sweep_retention::sweep_retention;
use tokiflow_shared::wiring::aws::{self, SendsNothing};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let services = aws::from_env::<SendsNothing>().await?;
    let (store, blobs) = (services.store, services.blobs);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| {
        let (store, blobs) = (store.clone(), blobs.clone());
        async move {
            let r = sweep_retention(store.as_ref(), blobs.as_ref(), chrono::Utc::now()).await?;
            Ok::<_, lambda_runtime::Error>(serde_json::json!({
                "orgs": r.orgs, "monitors": r.monitors, "runsDeleted": r.runs_deleted,
                "blobsDeleted": r.blobs_deleted, "incidentsDeleted": r.incidents_deleted,
            }))
        }
    }))
    .await
}
