//! The scheduler port on EventBridge Scheduler: one one-off `at()` schedule per monitor,
//! in a dedicated group, that invokes the missed-check function with
//! `{"monitorId", "deadline"}` and deletes itself after it has fired.
use crate::domain::ids::MonitorId;
use crate::ports::scheduler::{Scheduler, SchedulerError};
use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, Target,
};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// EventBridge Scheduler's limits on names.
const MAX_NAME: usize = 64;

/// Where schedules go and what they invoke; all from the SAM template's outputs (read by
/// `config::AwsConfig`).
#[derive(Debug, Clone)]
pub struct ScheduleTarget {
    pub group: String,
    /// The missed-check function.
    pub function_arn: String,
    /// The role EventBridge Scheduler assumes to invoke it (invoke-only).
    pub role_arn: String,
    pub dead_letter_arn: Option<String>,
}

pub struct EventBridgeScheduler {
    client: Client,
    target: ScheduleTarget,
}

/// The schedule's name: the monitor id is `mon_` + 32 hex digits, within the 64
/// characters of `[0-9a-zA-Z-_.]` that EventBridge allows (moto does not check; we do).
pub fn schedule_name(monitor: &MonitorId) -> Result<String, SchedulerError> {
    let name = format!("tf-{monitor}");
    let ok =
        name.len() <= MAX_NAME && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then_some(name).ok_or_else(|| SchedulerError::Backend(format!("bad schedule name for {monitor}")))
}

/// `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second so it never fires early.
pub fn at_expression(at: DateTime<Utc>) -> String {
    let whole = at.duration_trunc(Duration::seconds(1)).unwrap_or(at);
    let up = if whole < at { whole + Duration::seconds(1) } else { whole };
    format!("at({})", up.format("%Y-%m-%dT%H:%M:%S"))
}

fn backend<E: std::error::Error + 'static, R: std::fmt::Debug>(e: SdkError<E, R>) -> SchedulerError {
    SchedulerError::Backend(DisplayErrorContext(&e).to_string())
}

fn code_is<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>, code: &str) -> bool {
    e.as_service_error().and_then(|se| se.code()) == Some(code)
}

impl EventBridgeScheduler {
    pub fn new(sdk_config: &aws_config::SdkConfig, target: ScheduleTarget) -> Self {
        Self { client: Client::new(sdk_config), target }
    }

    fn target(&self, monitor: &MonitorId, at: DateTime<Utc>) -> Result<Target, SchedulerError> {
        let input = serde_json::json!({ "monitorId": monitor.as_str(), "deadline": at.to_rfc3339() }).to_string();
        let mut t =
            Target::builder().arn(&self.target.function_arn).role_arn(&self.target.role_arn).input(input).retry_policy(
                RetryPolicy::builder().maximum_retry_attempts(5).maximum_event_age_in_seconds(3600).build(),
            );
        if let Some(dlq) = &self.target.dead_letter_arn {
            t = t.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
        }
        t.build().map_err(|e| SchedulerError::Backend(e.to_string()))
    }

    /// The schedule's expression and input as EventBridge holds them (for tests and ops).
    pub async fn describe(&self, monitor: &MonitorId) -> Result<Option<(String, String)>, SchedulerError> {
        match self.client.get_schedule().group_name(&self.target.group).name(schedule_name(monitor)?).send().await {
            Ok(s) => Ok(Some((
                s.schedule_expression.unwrap_or_default(),
                s.target.and_then(|t| t.input).unwrap_or_default(),
            ))),
            Err(e) if code_is(&e, "ResourceNotFoundException") => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    pub async fn create_group(&self) -> Result<(), SchedulerError> {
        self.client.create_schedule_group().name(&self.target.group).send().await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl Scheduler for EventBridgeScheduler {
    async fn arm(&self, monitor: &MonitorId, at: DateTime<Utc>) -> Result<(), SchedulerError> {
        let name = schedule_name(monitor)?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| SchedulerError::Backend(e.to_string()))?;
        // Most arms follow a schedule that fired and deleted itself, so create first;
        // UpdateSchedule replaces the whole schedule when one is still there.
        let created = self
            .client
            .create_schedule()
            .group_name(&self.target.group)
            .name(&name)
            .schedule_expression(at_expression(at))
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window.clone())
            .action_after_completion(ActionAfterCompletion::Delete)
            .target(self.target(monitor, at)?)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e) if code_is(&e, "ConflictException") => {
                self.client
                    .update_schedule()
                    .group_name(&self.target.group)
                    .name(&name)
                    .schedule_expression(at_expression(at))
                    .schedule_expression_timezone("UTC")
                    .flexible_time_window(window)
                    .action_after_completion(ActionAfterCompletion::Delete)
                    .target(self.target(monitor, at)?)
                    .send()
                    .await
                    .map_err(backend)?;
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn disarm(&self, monitor: &MonitorId) -> Result<(), SchedulerError> {
        match self.client.delete_schedule().group_name(&self.target.group).name(schedule_name(monitor)?).send().await {
            Ok(_) => Ok(()),
            Err(e) if code_is(&e, "ResourceNotFoundException") => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_eventbridge_limits() {
        let name = schedule_name(&MonitorId::generate()).unwrap();
        assert!(name.len() <= MAX_NAME, "{name}");
        assert!(name.starts_with("tf-mon_"));
    }

    #[test]
    fn at_expressions_round_up_to_the_second() {
        let t: DateTime<Utc> = "2026-03-29T01:02:03.250Z".parse().unwrap();
        assert_eq!(at_expression(t), "at(2026-03-29T01:02:04)");
        let whole: DateTime<Utc> = "2026-03-29T01:02:03Z".parse().unwrap();
        assert_eq!(at_expression(whole), "at(2026-03-29T01:02:03)");
    }
}
