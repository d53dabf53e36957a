//! Notification channels and maintenance windows.
use super::{ManageError, ManageService, invalid};
use crate::domain::channel::{Channel, ChannelTarget, RealertInterval};
use crate::domain::ids::{ChannelId, MaintenanceId, MonitorId};
use crate::domain::incident::Severity;
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::org::Org;
use crate::domain::text::{Name, Slug};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// Create and replace take the whole channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelInput {
    pub name: String,
    pub target: ChannelTarget,
    #[serde(default)]
    pub min_severity: Option<Severity>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Monitors the channel subscribes to by id (with `tags`; neither means all).
    #[serde(default)]
    pub monitors: Vec<String>,
    /// Whether cascaded incidents (downstream of a known failure) are sent too.
    #[serde(default)]
    pub page_cascades: bool,
    /// Re-alert interval in seconds for still-open incidents (300 to 604800).
    #[serde(default)]
    pub realert_after_secs: Option<i64>,
}

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

/// At most this many tags or monitors in one channel or window.
const MAX_LIST: usize = 100;

impl ManageService {
    /// Ids given in the body (under `field`) that must name monitors of the org.
    async fn org_monitor_ids(&self, org: &Org, field: &str, raw: &[String]) -> Result<Vec<MonitorId>, ManageError> {
        if raw.len() > MAX_LIST {
            return Err(invalid(field.to_owned(), format!("at most {MAX_LIST} monitors")));
        }
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let known = self.store.monitors_of_org(&org.id).await?;
        raw.iter()
            .enumerate()
            .map(|(i, raw)| {
                MonitorId::parse(raw)
                    .filter(|id| known.iter().any(|m| &m.id == id))
                    .ok_or_else(|| invalid(format!("{field}[{i}]"), "no monitor of this organisation has this id"))
            })
            .collect()
    }

    async fn channel_from(&self, org: &Org, id: ChannelId, input: ChannelInput) -> Result<Channel, ManageError> {
        if input.tags.len() > MAX_LIST {
            return Err(invalid("tags", format!("at most {MAX_LIST} tags")));
        }
        let monitors = self.org_monitor_ids(org, "monitors", &input.monitors).await?.into_iter().collect();
        let realert_after = input
            .realert_after_secs
            .map(|secs| RealertInterval::try_from(secs).map_err(|e| invalid("realertAfterSecs", e)))
            .transpose()?;
        let tags = input
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| Slug::new(t).map_err(|e| invalid(format!("tags[{i}]"), e)))
            .collect::<Result<_, _>>()?;
        Ok(Channel {
            id,
            org_id: org.id.clone(),
            name: Name::new(&input.name).map_err(|e| invalid("name", e))?,
            target: input.target,
            min_severity: input.min_severity.unwrap_or(Severity::Low),
            tags,
            monitors,
            page_cascades: input.page_cascades,
            realert_after,
        })
    }

    pub async fn channels(&self, org: &Org) -> Result<Vec<Channel>, ManageError> {
        Ok(self.store.channels_of_org(&org.id).await?)
    }

    pub async fn channel(&self, org: &Org, id: &str) -> Result<Channel, ManageError> {
        let id = ChannelId::parse(id).ok_or(ManageError::NotFound("channel"))?;
        self.store.channel(&org.id, &id).await?.ok_or(ManageError::NotFound("channel"))
    }

    pub async fn create_channel(&self, org: &Org, input: ChannelInput) -> Result<Channel, ManageError> {
        let ch = self.channel_from(org, ChannelId::generate(), input).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn replace_channel(&self, org: &Org, id: &str, input: ChannelInput) -> Result<Channel, ManageError> {
        let existing = self.channel(org, id).await?;
        let ch = self.channel_from(org, existing.id, input).await?;
        self.store.put_channel(&ch).await?;
        Ok(ch)
    }

    pub async fn delete_channel(&self, org: &Org, id: &str) -> Result<(), ManageError> {
        let ch = self.channel(org, id).await?;
        Ok(self.store.delete_channel(&org.id, &ch.id).await?)
    }

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
