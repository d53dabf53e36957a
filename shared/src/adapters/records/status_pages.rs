//! The records of a status page, the incidents written for its readers, its maintenance.
use super::{MaintenanceRecord, RecordError, all};
use crate::domain::ids::{
    ComponentId, IncidentUpdateId, MonitorId, OrgId, PageMaintenanceId, StatusIncidentId, StatusPageId,
};
use crate::domain::secret::SecretHash;
use crate::domain::status_page::incident::{
    ComponentChange, Impact, IncidentState, IncidentUpdate, StatusIncident, UpdateBody,
};
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::{Component, ComponentStatus, HexColour, Hostname, StatusPage, Theme, Visibility};
use crate::domain::text::{Name, Slug};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusPageRecord {
    pub id: StatusPageId,
    pub org_id: OrgId,
    pub name: Name,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub slug: Slug,
    pub visibility: VisibilityRecord,
    pub theme: ThemeRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<Hostname>,
    pub components: Vec<ComponentRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum VisibilityRecord {
    #[serde(rename = "PUBLIC")]
    Public,
    #[serde(rename = "PRIVATE")]
    Private {
        #[serde(rename = "tokenHash")]
        token_hash: SecretHash,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThemeRecord {
    pub brand_colour: HexColour,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub favicon_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentRecord {
    pub id: ComponentId,
    pub name: Name,
    pub position: u16,
    pub monitor_ids: Vec<MonitorId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Slug>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusIncidentRecord {
    pub id: StatusIncidentId,
    pub page_id: StatusPageId,
    pub name: Name,
    pub impact: Impact,
    pub state: IncidentState,
    pub created_at: DateTime<Utc>,
    pub affected: BTreeMap<ComponentId, ComponentStatus>,
    pub updates: Vec<IncidentUpdateRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentUpdateRecord {
    pub id: IncidentUpdateId,
    pub state: IncidentState,
    pub body: UpdateBody,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ComponentChangeRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentChangeRecord {
    pub component_id: ComponentId,
    pub old_status: ComponentStatus,
    pub new_status: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageMaintenanceRecord {
    pub id: PageMaintenanceId,
    pub page_id: StatusPageId,
    pub window: MaintenanceRecord,
    pub component_ids: Vec<ComponentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<UpdateBody>,
    /// Absent in maintenance stored before the choice existed: those set statuses.
    #[serde(default = "yes")]
    pub auto_status: bool,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
}

fn yes() -> bool {
    true
}

impl From<&StatusPage> for StatusPageRecord {
    fn from(p: &StatusPage) -> Self {
        Self {
            id: p.id.clone(),
            org_id: p.org_id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            slug: p.slug.clone(),
            visibility: match &p.visibility {
                Visibility::Public => VisibilityRecord::Public,
                Visibility::Private { token_hash } => VisibilityRecord::Private { token_hash: *token_hash },
            },
            theme: ThemeRecord {
                brand_colour: p.theme.brand_colour.clone(),
                logo_url: p.theme.logo_url.clone(),
                favicon_url: p.theme.favicon_url.clone(),
            },
            custom_domain: p.custom_domain.clone(),
            components: p.components.iter().map(ComponentRecord::from).collect(),
        }
    }
}

impl TryFrom<StatusPageRecord> for StatusPage {
    type Error = RecordError;
    fn try_from(r: StatusPageRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            description: r.description,
            slug: r.slug,
            visibility: match r.visibility {
                VisibilityRecord::Public => Visibility::Public,
                VisibilityRecord::Private { token_hash } => Visibility::Private { token_hash },
            },
            theme: Theme {
                brand_colour: r.theme.brand_colour,
                logo_url: r.theme.logo_url,
                favicon_url: r.theme.favicon_url,
            },
            custom_domain: r.custom_domain,
            components: all(r.components)?,
        })
    }
}

impl From<&Component> for ComponentRecord {
    fn from(c: &Component) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            position: c.position,
            monitor_ids: c.monitor_ids.clone(),
            service: c.service.clone(),
            description: c.description.clone(),
            status: c.status,
        }
    }
}

impl TryFrom<ComponentRecord> for Component {
    type Error = RecordError;
    fn try_from(r: ComponentRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            name: r.name,
            position: r.position,
            monitor_ids: r.monitor_ids,
            service: r.service,
            description: r.description,
            status: r.status,
        })
    }
}

impl From<&StatusIncident> for StatusIncidentRecord {
    fn from(i: &StatusIncident) -> Self {
        Self {
            id: i.id.clone(),
            page_id: i.page_id.clone(),
            name: i.name.clone(),
            impact: i.impact,
            state: i.state,
            created_at: i.created_at,
            affected: i.affected.clone(),
            updates: i.updates.iter().map(IncidentUpdateRecord::from).collect(),
        }
    }
}

impl TryFrom<StatusIncidentRecord> for StatusIncident {
    type Error = RecordError;
    fn try_from(r: StatusIncidentRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            page_id: r.page_id,
            name: r.name,
            impact: r.impact,
            state: r.state,
            created_at: r.created_at,
            affected: r.affected,
            updates: all(r.updates)?,
        })
    }
}

impl From<&IncidentUpdate> for IncidentUpdateRecord {
    fn from(u: &IncidentUpdate) -> Self {
        Self {
            id: u.id.clone(),
            state: u.state,
            body: u.body.clone(),
            at: u.at,
            changes: u
                .changes
                .iter()
                .map(|c| ComponentChangeRecord {
                    component_id: c.component_id.clone(),
                    old_status: c.old_status,
                    new_status: c.new_status,
                })
                .collect(),
        }
    }
}

impl TryFrom<IncidentUpdateRecord> for IncidentUpdate {
    type Error = RecordError;
    fn try_from(r: IncidentUpdateRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            state: r.state,
            body: r.body,
            at: r.at,
            changes: r
                .changes
                .into_iter()
                .map(|c| ComponentChange {
                    component_id: c.component_id,
                    old_status: c.old_status,
                    new_status: c.new_status,
                })
                .collect(),
        })
    }
}

impl From<&PageMaintenance> for PageMaintenanceRecord {
    fn from(m: &PageMaintenance) -> Self {
        Self {
            id: m.id.clone(),
            page_id: m.page_id.clone(),
            window: MaintenanceRecord::from(&m.window),
            component_ids: m.component_ids.clone(),
            description: m.description.clone(),
            auto_status: m.auto_status,
            created_at: m.created_at,
            cancelled_at: m.cancelled_at,
        }
    }
}

impl TryFrom<PageMaintenanceRecord> for PageMaintenance {
    type Error = RecordError;
    fn try_from(r: PageMaintenanceRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            page_id: r.page_id,
            window: r.window.try_into()?,
            component_ids: r.component_ids,
            description: r.description,
            auto_status: r.auto_status,
            created_at: r.created_at,
            cancelled_at: r.cancelled_at,
        })
    }
}
