//! `/maintenance`: windows in which monitors' incidents are held back.
use super::call::{Call, by_id};
use super::wire::{created, no_content, ok, page};
use crate::domain::ids::{MaintenanceId, MonitorId, OrgId};
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::text::Name;
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::MaintenanceInput;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceView<'a> {
    id: &'a MaintenanceId,
    org_id: &'a OrgId,
    name: &'a Name,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurrence: Option<&'a Recurrence>,
    time_zone: Tz,
    monitor_ids: &'a [MonitorId],
}

impl<'a> From<&'a MaintenanceWindow> for MaintenanceView<'a> {
    fn from(w: &'a MaintenanceWindow) -> Self {
        Self {
            id: &w.id,
            org_id: &w.org_id,
            name: &w.name,
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            recurrence: w.recurrence.as_ref(),
            time_zone: w.time_zone,
            monitor_ids: &w.monitor_ids,
        }
    }
}

/// What `PUT` takes back from a `MaintenanceView` and ignores.
pub const READ_ONLY: &[&str] = &["id", "orgId"];

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let windows = c.manage().maintenance_windows(c.org()).await?;
    Ok(page(&by_id(c, windows, |w| w.id.to_string())?, MaintenanceView::from))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(created(MaintenanceView::from(&c.manage().create_maintenance(c.org(), c.body()?).await?)))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(MaintenanceView::from(&c.manage().maintenance_window(c.org(), c.param(0)).await?)))
}

pub(super) async fn replace(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let input: MaintenanceInput = c.body_accepting(READ_ONLY)?;
    Ok(ok(MaintenanceView::from(&c.manage().replace_maintenance(c.org(), c.param(0), input).await?)))
}

pub(super) async fn delete(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().delete_maintenance(c.org(), c.param(0)).await?;
    Ok(no_content())
}
