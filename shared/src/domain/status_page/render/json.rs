//! Atlassian Statuspage's public v2 JSON (`/api/v2/summary.json` and friends): the same
//! field names and shapes, so existing Statuspage clients and widgets read our pages.
use super::Rendered;
use crate::domain::status_page::incident::{IncidentState, StatusIncident};
use crate::domain::status_page::maintenance::MaintenanceState;
use crate::domain::status_page::view::{ComponentView, MaintenanceView, StatusView};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

const CONTENT_TYPE: &str = "application/json";

/// The documents under `/api/v2/`, by their path there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Summary,
    Status,
    Components,
    Incidents,
    UnresolvedIncidents,
    ScheduledMaintenances,
    UpcomingMaintenances,
    ActiveMaintenances,
}

impl Document {
    pub fn from_path(path: &str) -> Option<Self> {
        Some(match path {
            "summary.json" => Self::Summary,
            "status.json" => Self::Status,
            "components.json" => Self::Components,
            "incidents.json" => Self::Incidents,
            "incidents/unresolved.json" => Self::UnresolvedIncidents,
            "scheduled-maintenances.json" => Self::ScheduledMaintenances,
            "scheduled-maintenances/upcoming.json" => Self::UpcomingMaintenances,
            "scheduled-maintenances/active.json" => Self::ActiveMaintenances,
            _ => return None,
        })
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Serialize)]
struct PageJson<'a> {
    id: &'a str,
    name: &'a str,
    url: String,
    time_zone: &'static str,
    updated_at: String,
}

#[derive(Serialize)]
struct StatusJson {
    indicator: &'static str,
    description: &'static str,
}

#[derive(Serialize)]
struct ComponentJson<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    created_at: String,
    updated_at: String,
    position: usize,
    description: Option<&'a str>,
    showcase: bool,
    start_date: Option<String>,
    group_id: Option<&'a str>,
    page_id: &'a str,
    group: bool,
    only_show_if_degraded: bool,
}

#[derive(Serialize)]
struct AffectedJson<'a> {
    code: &'a str,
    name: &'a str,
    old_status: &'static str,
    new_status: &'static str,
}

#[derive(Serialize)]
struct UpdateJson<'a> {
    id: String,
    status: &'static str,
    body: &'a str,
    incident_id: &'a str,
    created_at: String,
    updated_at: String,
    display_at: String,
    affected_components: Option<Vec<AffectedJson<'a>>>,
    deliver_notifications: bool,
    custom_tweet: Option<String>,
    tweet_id: Option<String>,
}

#[derive(Serialize)]
struct IncidentJson<'a> {
    id: &'a str,
    name: &'a str,
    status: &'static str,
    created_at: String,
    updated_at: String,
    monitoring_at: Option<String>,
    resolved_at: Option<String>,
    impact: &'static str,
    shortlink: String,
    started_at: String,
    page_id: &'a str,
    /// Newest first, as Statuspage lists them.
    incident_updates: Vec<UpdateJson<'a>>,
    components: Vec<ComponentJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_for: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_until: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    page: PageJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    components: Option<Vec<ComponentJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    incidents: Option<Vec<IncidentJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_maintenances: Option<Vec<IncidentJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusJson>,
}

struct Json<'a> {
    view: &'a StatusView,
}

impl<'a> Json<'a> {
    fn page(&self) -> PageJson<'a> {
        let v = self.view;
        PageJson {
            id: v.page.id.as_str(),
            name: v.page.name.as_str(),
            url: v.location.url(""),
            time_zone: "Etc/UTC",
            updated_at: ts(v.updated_at()),
        }
    }

    fn status(&self) -> StatusJson {
        StatusJson { indicator: self.view.indicator.code(), description: self.view.indicator.description() }
    }

    fn component(&self, position: usize, c: &'a ComponentView) -> ComponentJson<'a> {
        let at = ts(self.view.updated_at());
        ComponentJson {
            id: c.component.id.as_str(),
            name: c.component.name.as_str(),
            status: c.component.status.code(),
            created_at: at.clone(),
            updated_at: at,
            position,
            description: c.component.description.as_deref(),
            showcase: true,
            start_date: c.days.first().map(|d| d.date.to_string()),
            group_id: None,
            page_id: self.view.page.id.as_str(),
            group: false,
            only_show_if_degraded: false,
        }
    }

    fn components(&self) -> Vec<ComponentJson<'a>> {
        self.view.components.iter().enumerate().map(|(i, c)| self.component(i + 1, c)).collect()
    }

    fn components_named(&self, ids: impl Iterator<Item = &'a str>) -> Vec<ComponentJson<'a>> {
        let wanted: Vec<&str> = ids.collect();
        self.view
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| wanted.contains(&c.component.id.as_str()))
            .map(|(i, c)| self.component(i + 1, c))
            .collect()
    }

    fn component_name(&self, id: &str) -> &'a str {
        self.view.component(id).map_or("(removed component)", |c| c.component.name.as_str())
    }

    fn incident(&self, i: &'a StatusIncident) -> IncidentJson<'a> {
        let updates = i
            .updates
            .iter()
            .rev()
            .map(|u| UpdateJson {
                id: u.id.to_string(),
                status: u.state.code(),
                body: u.body.as_str(),
                incident_id: i.id.as_str(),
                created_at: ts(u.at),
                updated_at: ts(u.at),
                display_at: ts(u.at),
                affected_components: (!u.changes.is_empty()).then(|| {
                    u.changes
                        .iter()
                        .map(|c| AffectedJson {
                            code: c.component_id.as_str(),
                            name: self.component_name(c.component_id.as_str()),
                            old_status: c.old_status.code(),
                            new_status: c.new_status.code(),
                        })
                        .collect()
                }),
                deliver_notifications: true,
                custom_tweet: None,
                tweet_id: None,
            })
            .collect();
        // Every component the incident ever touched, not only those still affected.
        let touched = i.updates.iter().flat_map(|u| u.changes.iter().map(|c| c.component_id.as_str()));
        IncidentJson {
            id: i.id.as_str(),
            name: i.name.as_str(),
            status: i.state.code(),
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at()),
            monitoring_at: i.first_at(IncidentState::Monitoring).map(ts),
            resolved_at: i.resolved_at().map(ts),
            impact: i.impact.code(),
            shortlink: self.view.location.url(&format!("#{}", i.id)),
            started_at: ts(i.created_at),
            page_id: self.view.page.id.as_str(),
            incident_updates: updates,
            components: self.components_named(touched),
            scheduled_for: None,
            scheduled_until: None,
        }
    }

    fn maintenance(&self, m: &'a MaintenanceView) -> IncidentJson<'a> {
        let (mt, o) = (&m.maintenance, m.occurrence);
        let id = mt.id.as_str();
        let body = mt.description.as_ref().map_or(mt.window.name.as_str(), |d| d.as_str());
        let update = UpdateJson {
            id: format!("{id}-scheduled"),
            status: MaintenanceState::Scheduled.code(),
            body,
            incident_id: id,
            created_at: ts(mt.created_at),
            updated_at: ts(mt.created_at),
            display_at: ts(mt.created_at),
            affected_components: None,
            deliver_notifications: true,
            custom_tweet: None,
            tweet_id: None,
        };
        IncidentJson {
            id,
            name: mt.window.name.as_str(),
            status: o.state.code(),
            created_at: ts(mt.created_at),
            updated_at: ts(mt.created_at),
            monitoring_at: None,
            resolved_at: (o.state == MaintenanceState::Completed).then(|| ts(o.ends_at)),
            impact: "maintenance",
            shortlink: self.view.location.url(&format!("#{id}")),
            started_at: ts(o.starts_at),
            page_id: self.view.page.id.as_str(),
            incident_updates: vec![update],
            components: self.components_named(mt.component_ids.iter().map(|c| c.as_str())),
            scheduled_for: Some(ts(o.starts_at)),
            scheduled_until: Some(ts(o.ends_at)),
        }
    }

    fn maintenances(&self, keep: impl Fn(MaintenanceState) -> bool) -> Vec<IncidentJson<'a>> {
        // Newest first, as Statuspage lists them.
        self.view.maintenance.iter().rev().filter(|m| keep(m.occurrence.state)).map(|m| self.maintenance(m)).collect()
    }

    fn document(&self, doc: Document) -> Envelope<'a> {
        let active = |s| s == MaintenanceState::InProgress;
        let pending = |s| matches!(s, MaintenanceState::Scheduled | MaintenanceState::InProgress);
        let mut e = Envelope {
            page: self.page(),
            components: None,
            incidents: None,
            scheduled_maintenances: None,
            status: None,
        };
        match doc {
            Document::Summary => {
                e.components = Some(self.components());
                e.incidents = Some(self.view.unresolved().map(|i| self.incident(i)).collect());
                e.scheduled_maintenances = Some(self.maintenances(pending));
                e.status = Some(self.status());
            }
            Document::Status => e.status = Some(self.status()),
            Document::Components => e.components = Some(self.components()),
            Document::Incidents => e.incidents = Some(self.view.incidents.iter().map(|i| self.incident(i)).collect()),
            Document::UnresolvedIncidents => {
                e.incidents = Some(self.view.unresolved().map(|i| self.incident(i)).collect())
            }
            Document::ScheduledMaintenances => e.scheduled_maintenances = Some(self.maintenances(|_| true)),
            Document::UpcomingMaintenances => {
                e.scheduled_maintenances = Some(self.maintenances(|s| s == MaintenanceState::Scheduled))
            }
            Document::ActiveMaintenances => e.scheduled_maintenances = Some(self.maintenances(active)),
        }
        e
    }
}

pub fn render(view: &StatusView, doc: Document) -> Rendered {
    let body = serde_json::to_vec(&Json { view }.document(doc)).expect("status JSON serialises");
    Rendered::new(body, CONTENT_TYPE)
}
