//! Lambda: runs `MissedCheckService::check` for the monitor named in the schedule's input
//! `{"monitorId": "...", "deadline": "..."}`. Delivered at least once; checking twice
//! opens one incident.
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::services::check_missed::{Checked, MissedCheckService};
use tokiflow_shared::wiring::aws::{self, SendsNothing};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduledCheck {
    monitor_id: String,
    #[allow(dead_code)]
    deadline: Option<String>,
}

async fn handle(
    checks: &MissedCheckService,
    event: LambdaEvent<ScheduledCheck>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let Some(id) = MonitorId::parse(&event.payload.monitor_id) else {
        tracing::warn!(monitor_id = %event.payload.monitor_id, "not a monitor id; dropping");
        return Ok(serde_json::json!({ "status": "ignored" }));
    };
    match checks.check(&id, chrono::Utc::now()).await {
        Ok(Checked::Done(report)) => Ok(serde_json::json!({
            "status": "checked",
            "opened": report.opened.iter().map(|(kind, _)| kind).collect::<Vec<_>>(),
            "armed": report.armed,
        })),
        Ok(Checked::Gone) => Ok(serde_json::json!({ "status": "gone" })),
        Err(e) => Err(e.into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let checks = aws::from_env::<SendsNothing>().await?.checks;
    lambda_runtime::run(service_fn(move |event| {
        let checks = checks.clone();
        async move { handle(&checks, event).await }
    }))
    .await
}
