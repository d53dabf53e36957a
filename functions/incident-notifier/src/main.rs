//! Lambda: the incident notifier. Two inputs:
//! - the incidents table's stream, filtered by the event source mapping to inserted
//!   incident events, in batches; each event goes to its org's channels through
//!   `Notifier::notify`, which claims every delivery in the delivery log first, so a
//!   retried batch sends nothing twice;
//! - `{"sweep": "reminders"}` from an EventBridge schedule every minute: reminders of
//!   incidents left open, through `Notifier::remind`.
//!
//! After each event, the status pages that show the incident's monitor are published
//! (`StatusPublisher::publish_after`).
use lambda_runtime::{LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokiflow_shared::adapters::aws::AwsAdapters;
use tokiflow_shared::adapters::dynamodb_stream::{BatchResponse, ItemFailure, StreamBatch};
use tokiflow_shared::services::notify::Notifier;
use tokiflow_shared::services::publish_status_page::StatusPublisher;

#[derive(Deserialize)]
#[serde(untagged)]
enum Input {
    Sweep { sweep: Sweep },
    Stream(StreamBatch),
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Sweep {
    Reminders,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Output {
    Stream(BatchResponse),
    Reminders { delivered: usize, failed: usize },
}

async fn stream(notifier: &Notifier, publisher: Option<&StatusPublisher>, batch: StreamBatch) -> BatchResponse {
    let mut response = BatchResponse::default();
    for record in &batch.records {
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
    response
}

async fn handle(
    notifier: &Notifier,
    publisher: Option<&StatusPublisher>,
    input: LambdaEvent<Input>,
) -> Result<Output, lambda_runtime::Error> {
    let output = match input.payload {
        Input::Stream(batch) => Output::Stream(stream(notifier, publisher, batch).await),
        Input::Sweep { sweep: Sweep::Reminders } => {
            let report = notifier.remind(chrono::Utc::now()).await?;
            Output::Reminders { delivered: report.delivered.len(), failed: report.failed.len() }
        }
    };
    tokiflow_shared::telemetry::first_event_handled();
    Ok(output)
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let aws = AwsAdapters::from_env().await?;
    let notifier = Arc::new(aws.notifier()?);
    let publisher = aws.status_publisher()?.map(Arc::new);
    lambda_runtime::run(service_fn(move |input| {
        let (notifier, publisher) = (notifier.clone(), publisher.clone());
        async move { handle(&notifier, publisher.as_deref(), input).await }
    }))
    .await
}
