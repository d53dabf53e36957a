//! Maintenance windows: when an org's monitors' incidents are held back.
use super::{ManageError, ManageService, invalid};
use crate::domain::ids::{MaintenanceId, MonitorId};
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::org::Org;
use crate::domain::text::Name;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MaintenanceInput {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub recurrence: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub monitor_ids: Vec<String>,
}

impl ManageService {
    async fn window_from(
        &self,
        org: &Org,
        id: MaintenanceId,
        input: MaintenanceInput,
    ) -> Result<MaintenanceWindow, ManageError> {
        let monitor_ids = self.org_monitor_ids(org, "monitorIds", &input.monitor_ids).await?;
        let mut w = window(
            org,
            &input.name,
            input.starts_at,
            input.ends_at,
            input.recurrence.as_deref(),
            input.time_zone.as_deref(),
            monitor_ids,
        )?;
        w.id = id;
        Ok(w)
    }

    pub async fn maintenance_windows(&self, org: &Org) -> Result<Vec<MaintenanceWindow>, ManageError> {
        Ok(self.store.maintenance_of_org(&org.id).await?)
    }

    pub async fn maintenance_window(&self, org: &Org, id: &str) -> Result<MaintenanceWindow, ManageError> {
        let id = MaintenanceId::parse(id).ok_or(ManageError::NotFound("maintenance window"))?;
        self.store.maintenance_window(&org.id, &id).await?.ok_or(ManageError::NotFound("maintenance window"))
    }

    pub async fn create_maintenance(
        &self,
        org: &Org,
        input: MaintenanceInput,
    ) -> Result<MaintenanceWindow, ManageError> {
        let w = self.window_from(org, MaintenanceId::generate(), input).await?;
        self.store.put_maintenance(&w).await?;
        Ok(w)
    }

    pub async fn replace_maintenance(
        &self,
        org: &Org,
        id: &str,
        input: MaintenanceInput,
    ) -> Result<MaintenanceWindow, ManageError> {
        let existing = self.maintenance_window(org, id).await?;
        let w = self.window_from(org, existing.id, input).await?;
        self.store.put_maintenance(&w).await?;
        Ok(w)
    }

    pub async fn delete_maintenance(&self, org: &Org, id: &str) -> Result<(), ManageError> {
        let w = self.maintenance_window(org, id).await?;
        Ok(self.store.delete_maintenance(&org.id, &w.id).await?)
    }
}

/// A maintenance window from its wire parts (name, times, RRULE, IANA zone), each rule
/// failure naming its field; shared by org maintenance and a status page's.
pub(super) fn window(
    org: &Org,
    name: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    recurrence: Option<&str>,
    time_zone: Option<&str>,
    monitor_ids: Vec<MonitorId>,
) -> Result<MaintenanceWindow, ManageError> {
    let name = Name::new(name).map_err(|e| invalid("name", e))?;
    let recurrence = recurrence.map(Recurrence::parse).transpose().map_err(|e| invalid("recurrence", e))?;
    let tz = match time_zone {
        None => Tz::UTC,
        Some(s) => {
            s.parse::<Tz>().map_err(|_| invalid("timeZone", "expected an IANA time zone such as Europe/Berlin"))?
        }
    };
    MaintenanceWindow::new(org.id.clone(), name, starts_at, ends_at, recurrence, tz, monitor_ids)
        .map_err(|e| invalid(e.field(), e))
}
