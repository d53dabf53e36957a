//! Lambda: runs what a monitor's schedule fires (`TimerDuty`) for the monitor named in
//! the schedule's input `{"monitorId": "...", "deadline": "..."}`: a heartbeat's missed
//! check, or a probe monitor's check. Delivered at least once; checking twice opens one
//! incident.
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Deserialize;
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::services::check_missed::Checked;
use tokiflow_shared::services::probe::Probed;
use tokiflow_shared::services::timer_duty::{Fired, TimerDuty};
use tokiflow_shared::wiring::aws::{self, SendsNothing};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduledCheck {
    monitor_id: String,
    #[allow(dead_code)]
    deadline: Option<String>,
}

async fn handle(
    duty: &TimerDuty,
    event: LambdaEvent<ScheduledCheck>,
) -> Result<serde_json::Value, lambda_runtime::Error> {
    let Some(id) = MonitorId::parse(&event.payload.monitor_id) else {
        tracing::warn!(monitor_id = %event.payload.monitor_id, "not a monitor id; dropping");
        return Ok(serde_json::json!({ "status": "ignored" }));
    };
    match duty.fire(&id, chrono::Utc::now()).await {
        Ok(Fired::Missed(Checked::Done(report))) => Ok(serde_json::json!({
            "status": "checked",
            "opened": report.opened.iter().map(|(kind, _)| kind).collect::<Vec<_>>(),
            "armed": report.armed,
        })),
        Ok(Fired::Missed(Checked::Gone)) => Ok(serde_json::json!({ "status": "gone" })),
        Ok(Fired::Probed(Probed::Checked { status, monitor_status, .. })) => {
            Ok(serde_json::json!({ "status": "probed", "check": status, "monitor": monitor_status }))
        }
        Ok(Fired::Probed(Probed::Skipped)) => Ok(serde_json::json!({ "status": "skipped" })),
        Err(e) => Err(e.into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tokiflow_shared::telemetry::init_lambda_logging();
    let duty = aws::from_env::<SendsNothing>().await?.timer_duty()?;
    lambda_runtime::run(service_fn(move |event| {
        let duty = duty.clone();
        async move { handle(&duty, event).await }
    }))
    .await
}
