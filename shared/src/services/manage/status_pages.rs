//! Status pages: the pages themselves (with their components), the status incidents
//! written for customers and the maintenance they announce. Every write is stored and,
//! when the process publishes, announced to subscribers and published (the static copy).
use super::maintenance::window;
use super::{ManageError, ManageService, invalid};
use crate::domain::ids::{ComponentId, MonitorId, StatusIncidentId, StatusPageId};
use crate::domain::org::Org;
use crate::domain::secret::PageToken;
use crate::domain::status_page::incident::{Impact, IncidentState, StatusIncident, UpdateBody};
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::{
    Component, ComponentStatus, HexColour, Hostname, MAX_COMPONENTS, StatusPage, Theme, Visibility,
};
use crate::domain::text::{Name, Slug};
use crate::ports::store::MAX_PAGE;
use crate::services::publish_status_page::{PublishError, StatusPublisher};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Create and replace take the whole page.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusPageInput {
    pub name: String,
    pub slug: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub visibility: Option<VisibilityInput>,
    /// A private page keeps its access token across replaces unless this is set.
    #[serde(default)]
    pub rotate_token: bool,
    #[serde(default)]
    pub theme: Option<ThemeInput>,
    #[serde(default)]
    pub custom_domain: Option<String>,
    #[serde(default)]
    pub components: Vec<ComponentInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VisibilityInput {
    Public,
    Private,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThemeInput {
    #[serde(default)]
    pub brand_colour: Option<String>,
    #[serde(default)]
    pub logo_url: Option<String>,
    #[serde(default)]
    pub favicon_url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentInput {
    /// An existing component of the page, to keep its id (and its incidents' links).
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub position: Option<u16>,
    #[serde(default)]
    pub monitor_ids: Vec<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusIncidentInput {
    pub name: String,
    pub impact: Impact,
    /// The first update's text.
    pub body: String,
    /// The first update's state (not RESOLVED); INVESTIGATING unless given.
    #[serde(default)]
    pub state: Option<IncidentState>,
    /// Affected components (by id) and the status each has while unresolved.
    #[serde(default)]
    pub components: BTreeMap<String, ComponentStatus>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IncidentUpdateInput {
    pub state: IncidentState,
    pub body: String,
    /// When given, replaces the affected components.
    #[serde(default)]
    pub components: Option<BTreeMap<String, ComponentStatus>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageMaintenanceInput {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub recurrence: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub component_ids: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub auto_status: bool,
}

fn yes() -> bool {
    true
}

/// A page as stored, with its access token when this write made one (shown once).
pub struct SavedStatusPage {
    pub page: StatusPage,
    pub token: Option<PageToken>,
}

/// Bounds on free text and lists.
const MAX_DESCRIPTION: usize = 2000;
const MAX_URL: usize = 2048;
const MAX_MONITORS_PER_COMPONENT: usize = 100;

fn bounded_text(field: String, s: Option<&str>, max: usize) -> Result<Option<String>, ManageError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if s.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    Ok(Some(s.to_owned()))
}

fn web_url(field: &'static str, s: Option<&str>) -> Result<Option<String>, ManageError> {
    let Some(s) = s else { return Ok(None) };
    let ok = s.len() <= MAX_URL
        && url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok {
        return Err(invalid(field, format!("expected an http(s) URL of at most {MAX_URL} characters")));
    }
    Ok(Some(s.to_owned()))
}

fn theme(input: Option<ThemeInput>) -> Result<Theme, ManageError> {
    let Some(t) = input else { return Ok(Theme::default()) };
    let default = Theme::default();
    Ok(Theme {
        brand_colour: match t.brand_colour.as_deref() {
            Some(c) => HexColour::new(c).map_err(|e| invalid("theme.brandColour", e))?,
            None => default.brand_colour,
        },
        logo_url: web_url("theme.logoUrl", t.logo_url.as_deref())?,
        favicon_url: web_url("theme.faviconUrl", t.favicon_url.as_deref())?,
    })
}

/// Maps `components` (component id → status) onto the page's components.
fn affected(
    page: &StatusPage,
    field: &str,
    components: &BTreeMap<String, ComponentStatus>,
) -> Result<BTreeMap<ComponentId, ComponentStatus>, ManageError> {
    if components.len() > MAX_COMPONENTS {
        return Err(invalid(field.to_owned(), format!("at most {MAX_COMPONENTS} components")));
    }
    components
        .iter()
        .map(|(raw, status)| {
            let id =
                ComponentId::parse(raw).filter(|id| page.components.iter().any(|c| &c.id == id)).ok_or_else(|| {
                    invalid(
                        format!("{field}.{}", raw.chars().take(64).collect::<String>()),
                        "no component of this page has this id",
                    )
                })?;
            Ok((id, *status))
        })
        .collect()
}

/// Logs a failed publish of something already stored: the write stands, and the next
/// publish (or the status function's own rendering) catches the public copy up.
fn published(what: &'static str, result: Result<(), PublishError>) -> Result<(), ManageError> {
    match result {
        Ok(()) => Ok(()),
        Err(PublishError::Store(e)) => Err(e.into()),
        Err(PublishError::Site(e)) => {
            tracing::error!(what, error = %e, "publishing the status page's static copy failed");
            Ok(())
        }
    }
}

impl ManageService {
    pub async fn status_pages(&self, org: &Org) -> Result<Vec<StatusPage>, ManageError> {
        Ok(self.store.status_pages_of_org(&org.id).await?)
    }

    /// The org's page: another org's or an unknown id is not found.
    pub async fn status_page(&self, org: &Org, id: &str) -> Result<StatusPage, ManageError> {
        let id = StatusPageId::parse(id).ok_or(ManageError::NotFound("status page"))?;
        self.store.status_page(&org.id, &id).await?.ok_or(ManageError::NotFound("status page"))
    }

    async fn page_from(
        &self,
        org: &Org,
        existing: Option<&StatusPage>,
        input: StatusPageInput,
    ) -> Result<SavedStatusPage, ManageError> {
        let name = Name::new(&input.name).map_err(|e| invalid("name", e))?;
        let slug = Slug::new(&input.slug).map_err(|e| invalid("slug", e))?;
        let mut page = StatusPage::new(org.id.clone(), name, slug);
        if let Some(old) = existing {
            page.id = old.id.clone();
        }
        page.description = bounded_text("description".into(), input.description.as_deref(), MAX_DESCRIPTION)?;
        page.theme = theme(input.theme)?;
        page.custom_domain = input
            .custom_domain
            .as_deref()
            .map(|d| Hostname::new(d).map_err(|e| invalid("customDomain", e)))
            .transpose()?;
        let mut token = None;
        page.visibility = match (input.visibility.unwrap_or(VisibilityInput::Public), existing.map(|p| &p.visibility)) {
            (VisibilityInput::Public, _) => Visibility::Public,
            (VisibilityInput::Private, Some(kept @ Visibility::Private { .. })) if !input.rotate_token => kept.clone(),
            (VisibilityInput::Private, _) => {
                let made = PageToken::generate();
                let token_hash = made.hash();
                token = Some(made);
                Visibility::Private { token_hash }
            }
        };

        if input.components.len() > MAX_COMPONENTS {
            return Err(invalid("components", format!("at most {MAX_COMPONENTS} components")));
        }
        let monitors = self.store.monitors_of_org(&org.id).await?;
        let mut components = Vec::with_capacity(input.components.len());
        for (i, c) in input.components.into_iter().enumerate() {
            let at = |f: &str| format!("components[{i}].{f}");
            let name = Name::new(&c.name).map_err(|e| invalid(at("name"), e))?;
            if c.monitor_ids.len() > MAX_MONITORS_PER_COMPONENT {
                return Err(invalid(at("monitorIds"), format!("at most {MAX_MONITORS_PER_COMPONENT} monitors")));
            }
            let mut monitor_ids = Vec::with_capacity(c.monitor_ids.len());
            for (j, raw) in c.monitor_ids.iter().enumerate() {
                let id = MonitorId::parse(raw).filter(|id| monitors.iter().any(|m| &m.id == id));
                monitor_ids.push(id.ok_or_else(|| {
                    invalid(at(&format!("monitorIds[{j}]")), "no monitor of this organisation has this id")
                })?);
            }
            let position = c.position.unwrap_or(u16::try_from(i).unwrap_or(u16::MAX));
            let mut component = Component::new(name, position, monitor_ids);
            if let Some(raw) = &c.id {
                let kept = ComponentId::parse(raw)
                    .and_then(|id| existing.and_then(|p| p.components.iter().find(|old| old.id == id)))
                    .ok_or_else(|| invalid(at("id"), "no component of this page has this id"))?;
                if components.iter().any(|k: &Component| k.id == kept.id) {
                    return Err(invalid(at("id"), "the same component twice"));
                }
                component.id = kept.id.clone();
                component.status = kept.status;
            }
            component.service =
                c.service.as_deref().map(|s| Slug::new(s).map_err(|e| invalid(at("service"), e))).transpose()?;
            component.description = bounded_text(at("description"), c.description.as_deref(), MAX_DESCRIPTION)?;
            components.push(component);
        }
        page.set_components(components).map_err(|e| invalid("components", e))?;
        Ok(SavedStatusPage { page, token })
    }

    /// Stores the page (slug and custom domain unique: else a conflict) and publishes it
    /// (removing the copy a changed slug or domain left behind).
    async fn save_page(
        &self,
        before: Option<&StatusPage>,
        saved: SavedStatusPage,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<SavedStatusPage, ManageError> {
        self.store.put_status_page(&saved.page).await?;
        if let Some(p) = publisher {
            let page = saved.page.clone();
            let report = match before {
                Some(before) => p.republish(before, page, now).await,
                None => p.publish_page(page, now).await,
            };
            published("status page", report.map(drop))?;
        }
        Ok(saved)
    }

    pub async fn create_status_page(
        &self,
        org: &Org,
        input: StatusPageInput,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<SavedStatusPage, ManageError> {
        let saved = self.page_from(org, None, input).await?;
        self.save_page(None, saved, publisher, now).await
    }

    pub async fn replace_status_page(
        &self,
        org: &Org,
        id: &str,
        input: StatusPageInput,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<SavedStatusPage, ManageError> {
        let existing = self.status_page(org, id).await?;
        let saved = self.page_from(org, Some(&existing), input).await?;
        self.save_page(Some(&existing), saved, publisher, now).await
    }

    /// The page's status incidents, newest first (the newest `MAX_PAGE`).
    pub async fn status_incidents(&self, org: &Org, page_id: &str) -> Result<Vec<StatusIncident>, ManageError> {
        let page = self.status_page(org, page_id).await?;
        Ok(self.store.status_incidents_of_page(&page.id, MAX_PAGE).await?)
    }

    async fn put_incident(
        &self,
        page: StatusPage,
        incident: &StatusIncident,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<(), ManageError> {
        match publisher {
            Some(p) => published("status incident", p.put_status_incident(page, incident, now).await.map(drop)),
            None => Ok(self.store.put_status_incident(incident).await?),
        }
    }

    pub async fn create_status_incident(
        &self,
        org: &Org,
        page_id: &str,
        input: StatusIncidentInput,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<StatusIncident, ManageError> {
        let page = self.status_page(org, page_id).await?;
        let name = Name::new(&input.name).map_err(|e| invalid("name", e))?;
        let body = UpdateBody::new(&input.body).map_err(|e| invalid("body", e))?;
        let state = input.state.unwrap_or(IncidentState::Investigating);
        if state == IncidentState::Resolved {
            return Err(invalid("state", "a new incident cannot be resolved; post it, then resolve it"));
        }
        let affected = affected(&page, "components", &input.components)?;
        let mut incident = StatusIncident::open(page.id.clone(), name, input.impact, body, affected, now);
        incident.state = state;
        for u in &mut incident.updates {
            u.state = state;
        }
        self.put_incident(page, &incident, publisher, now).await?;
        Ok(incident)
    }

    pub async fn post_incident_update(
        &self,
        org: &Org,
        page_id: &str,
        incident_id: &str,
        input: IncidentUpdateInput,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<StatusIncident, ManageError> {
        let page = self.status_page(org, page_id).await?;
        let unknown = || ManageError::NotFound("status incident");
        let id = StatusIncidentId::parse(incident_id).ok_or_else(unknown)?;
        let mut incident = self
            .store
            .status_incidents_of_page(&page.id, MAX_PAGE)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(unknown)?;
        let body = UpdateBody::new(&input.body).map_err(|e| invalid("body", e))?;
        let affected = input.components.as_ref().map(|c| affected(&page, "components", c)).transpose()?;
        incident.post(input.state, body, affected, now).map_err(|e| ManageError::Conflict(e.to_string()))?;
        self.put_incident(page, &incident, publisher, now).await?;
        Ok(incident)
    }

    /// The maintenance the page announces, oldest first.
    pub async fn page_maintenance(&self, org: &Org, page_id: &str) -> Result<Vec<PageMaintenance>, ManageError> {
        let page = self.status_page(org, page_id).await?;
        Ok(self.store.page_maintenance_of_page(&page.id).await?)
    }

    pub async fn create_page_maintenance(
        &self,
        org: &Org,
        page_id: &str,
        input: PageMaintenanceInput,
        publisher: Option<&StatusPublisher>,
        now: DateTime<Utc>,
    ) -> Result<PageMaintenance, ManageError> {
        let page = self.status_page(org, page_id).await?;
        if input.component_ids.len() > MAX_COMPONENTS {
            return Err(invalid("componentIds", format!("at most {MAX_COMPONENTS} components")));
        }
        let mut component_ids = Vec::with_capacity(input.component_ids.len());
        let mut monitor_ids: Vec<MonitorId> = Vec::new();
        for (i, raw) in input.component_ids.iter().enumerate() {
            let c = ComponentId::parse(raw)
                .and_then(|id| page.components.iter().find(|c| c.id == id))
                .ok_or_else(|| invalid(format!("componentIds[{i}]"), "no component of this page has this id"))?;
            if !component_ids.contains(&c.id) {
                component_ids.push(c.id.clone());
            }
            for m in &c.monitor_ids {
                if !monitor_ids.contains(m) {
                    monitor_ids.push(m.clone());
                }
            }
        }
        let w = window(
            org,
            &input.name,
            input.starts_at,
            input.ends_at,
            input.recurrence.as_deref(),
            input.time_zone.as_deref(),
            monitor_ids,
        )?;
        let description = input
            .description
            .as_deref()
            .map(|d| UpdateBody::new(d).map_err(|e| invalid("description", e)))
            .transpose()?;
        let mut m = PageMaintenance::new(page.id.clone(), w, component_ids, description, now);
        m.auto_status = input.auto_status;
        match publisher {
            Some(p) => published("page maintenance", p.put_page_maintenance(page, &m, now).await.map(drop))?,
            None => self.store.put_page_maintenance(&m).await?,
        }
        Ok(m)
    }
}
