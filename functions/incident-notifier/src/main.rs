//! Lambda: the incident notifier. Two inputs:
//! - the incidents table's stream, filtered by the event source mapping to inserted
//!   incident events, in batches; each event goes to its org's channels through
//!   `Notifier::notify`, which claims every delivery in the delivery log first, so a
//!   retried batch sends nothing twice;
//! - `{"sweep": "reminders"}` from an EventBridge schedule every minute: reminders of
//!   incidents left open, through `Notifier::remind`.
//!
//! Each event goes through `IncidentEventHandler::handle` (notify, then publish the status
//! pages that show the incident's monitor), as the local server's notifier loop does; a
//! failure here becomes the batch item failure Lambda retries from.
use lambda_runtime::{LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use tokiflow_shared::adapters::dynamodb_stream::{BatchResponse, ItemFailure, StreamBatch};
use tokiflow_shared::services::incident_events::IncidentEventHandler;
use tokiflow_shared::services::notify::Notifier;
use tokiflow_shared::wiring::aws::{self, SendsMessages};

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

async fn stream(events: &IncidentEventHandler, batch: StreamBatch) -> BatchResponse {
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
        if let Err(e) = events.handle(&event).await {
            // Lambda retries from the first failed record (the rest of the batch with it).
            tracing::error!(incident_id = %event.incident.id, error = %e, "notifying failed; the batch is retried from here");
            response.batch_item_failures.push(ItemFailure { item_identifier: record.dynamodb.sequence_number.clone() });
            break;
        }
    }
    response
}

async fn handle(
    notifier: &Notifier,
    events: &IncidentEventHandler,
    input: LambdaEvent<Input>,
) -> Result<Output, lambda_runtime::Error> {
    let output = match input.payload {
        Input::Stream(batch) => Output::Stream(stream(events, batch).await),
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
    let (notifier, events) = aws::from_env::<SendsMessages>().await?.notifying()?;
    lambda_runtime::run(service_fn(move |input| {
        let (notifier, events) = (notifier.clone(), events.clone());
        async move { handle(&notifier, &events, input).await }
    }))
    .await
}
