//! Lambda: the first owner of a new deployment. Invoked once by hand
//! (`sam remote invoke BootstrapFunction --event-file events/bootstrap.json`) with
//! `{"org": "Acme", "owner": "ops@acme.test"}`: makes the org, its owner and the owner's
//! first API key, and answers the key (shown this once). Refuses when an org exists.
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use tokiflow_shared::services::bootstrap::bootstrap;
use tokiflow_shared::wiring::aws::{self, SendsNothing};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    org: String,
    owner: String,
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let store = aws::from_env::<SendsNothing>().await?.store;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Input>| {
        let store = store.clone();
        async move {
            let made = bootstrap(store.as_ref(), &event.payload.org, &event.payload.owner, chrono::Utc::now()).await?;
            tokiflow_shared::telemetry::first_event_handled();
            Ok::<_, lambda_runtime::Error>(serde_json::json!({
                "orgId": made.org.id, "ownerId": made.owner.id, "ownerEmail": made.owner.email,
                "apiKeyId": made.key.id, "apiKey": made.secret.reveal(),
            }))
        }
    }))
    .await
}
