//! Lambda: the incident notifier. The incidents table's stream, filtered by the event
//! source mapping to inserted incident events, arrives in batches; each event goes to
//! its org's channels through `Notifier::notify`, which claims every delivery in the
//! delivery log first, so a retried batch sends nothing twice. Then the status pages that
//! show the incident's monitor are published (`StatusPublisher::publish_after`).
use lambda_runtime::{LambdaEvent, service_fn};
use std::sync::Arc;
use tokiflow_shared::adapters::aws::AwsAdapters;
use tokiflow_shared::adapters::dynamodb_stream::{BatchResponse, ItemFailure, StreamBatch};
use tokiflow_shared::services::notify::Notifier;
use tokiflow_shared::services::publish_status_page::StatusPublisher;

async fn handle(
    notifier: &Notifier,
    publisher: Option<&StatusPublisher>,
    batch: LambdaEvent<StreamBatch>,
) -> Result<BatchResponse, lambda_runtime::Error> {
    let mut response = BatchResponse::default();
    for record in &batch.payload.records {
        let event = match record.incident_event() {
            Ok(Some(event)) => event,
            Ok(None) => continue,
            // Unreadable now means unreadable on every retry: log it, do not block the shard.
            Err(e) => {
                tracing::error!(error = %e, "incident event record skipped");
                continue;
            }
        };
        if let Err(e) = notifier.notify(&event).await {
            // Lambda retries from the first failed record (the rest of the batch with it).
            tracing::error!(incident_id = %event.incident.id, error = %e, "notifying failed; the batch is retried from here");
            response.batch_item_failures.push(ItemFailure { item_identifier: record.dynamodb.sequence_number.clone() });
            break;
        }
        if let Some(publisher) = publisher {
            publisher.publish_after(&event).await;
        }
    }
    tokiflow_shared::telemetry::first_event_handled();
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let aws = AwsAdapters::from_env().await?;
    let notifier = Arc::new(aws.notifier()?);
    let publisher = aws.status_publisher()?.map(Arc::new);
    lambda_runtime::run(service_fn(move |batch| {
        let (notifier, publisher) = (notifier.clone(), publisher.clone());
        async move { handle(&notifier, publisher.as_deref(), batch).await }
    }))
    .await
}
