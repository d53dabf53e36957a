//! `/status-pages`: what an org's customers are shown, its incidents and maintenance.
//! Every write is published when the process publishes.
use super::call::{Call, by_id};
use super::maintenance::MaintenanceView;
use super::wire::{created, ok, page};
use crate::domain::ids::{
    ComponentId, IncidentUpdateId, MonitorId, OrgId, PageMaintenanceId, StatusIncidentId, StatusPageId,
};
use crate::domain::status_page::incident::{
    ComponentChange, Impact, IncidentState, IncidentUpdate, StatusIncident, UpdateBody,
};
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::{Component, ComponentStatus, HexColour, Hostname, StatusPage, Visibility};
use crate::domain::text::{Name, Slug};
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::pagination::paginate;
use crate::services::manage::{SavedStatusPage, StatusPageInput};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A status page: who may see it (never its access token's hash), how it looks, and its
/// components with their computed status.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusPageView<'a> {
    id: &'a StatusPageId,
    org_id: &'a OrgId,
    name: &'a Name,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    slug: &'a Slug,
    /// `PUBLIC` or `PRIVATE`, as a write takes it.
    visibility: &'static str,
    theme: ThemeView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_domain: Option<&'a Hostname>,
    components: Vec<ComponentView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThemeView<'a> {
    brand_colour: &'a HexColour,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon_url: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentView<'a> {
    id: &'a ComponentId,
    name: &'a Name,
    position: u16,
    monitor_ids: &'a [MonitorId],
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a Slug>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    status: ComponentStatus,
}

impl<'a> From<&'a Component> for ComponentView<'a> {
    fn from(c: &'a Component) -> Self {
        Self {
            id: &c.id,
            name: &c.name,
            position: c.position,
            monitor_ids: &c.monitor_ids,
            service: c.service.as_ref(),
            description: c.description.as_deref(),
            status: c.status,
        }
    }
}

impl<'a> From<&'a StatusPage> for StatusPageView<'a> {
    fn from(p: &'a StatusPage) -> Self {
        Self {
            id: &p.id,
            org_id: &p.org_id,
            name: &p.name,
            description: p.description.as_deref(),
            slug: &p.slug,
            visibility: match p.visibility {
                Visibility::Public => "PUBLIC",
                Visibility::Private { .. } => "PRIVATE",
            },
            theme: ThemeView {
                brand_colour: &p.theme.brand_colour,
                logo_url: p.theme.logo_url.as_deref(),
                favicon_url: p.theme.favicon_url.as_deref(),
            },
            custom_domain: p.custom_domain.as_ref(),
            components: p.components.iter().map(ComponentView::from).collect(),
        }
    }
}

/// What `PUT` takes back from a `StatusPageView` and ignores.
pub const READ_ONLY: &[&str] = &["id", "orgId", "components[].status"];

/// A page just saved: with `accessToken` when this write made one (shown only here).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SavedPageView<'a> {
    #[serde(flatten)]
    page: StatusPageView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<&'a str>,
}

impl<'a> From<&'a SavedStatusPage> for SavedPageView<'a> {
    fn from(saved: &'a SavedStatusPage) -> Self {
        Self { page: StatusPageView::from(&saved.page), access_token: saved.token.as_ref().map(|t| t.reveal()) }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusIncidentView<'a> {
    id: &'a StatusIncidentId,
    page_id: &'a StatusPageId,
    name: &'a Name,
    impact: Impact,
    state: IncidentState,
    created_at: DateTime<Utc>,
    affected: &'a BTreeMap<ComponentId, ComponentStatus>,
    updates: Vec<UpdateView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UpdateView<'a> {
    id: &'a IncidentUpdateId,
    state: IncidentState,
    body: &'a UpdateBody,
    at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<ChangeView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeView<'a> {
    component_id: &'a ComponentId,
    old_status: ComponentStatus,
    new_status: ComponentStatus,
}

impl<'a> From<&'a StatusIncident> for StatusIncidentView<'a> {
    fn from(i: &'a StatusIncident) -> Self {
        let change = |c: &'a ComponentChange| ChangeView {
            component_id: &c.component_id,
            old_status: c.old_status,
            new_status: c.new_status,
        };
        let update = |u: &'a IncidentUpdate| UpdateView {
            id: &u.id,
            state: u.state,
            body: &u.body,
            at: u.at,
            changes: u.changes.iter().map(change).collect(),
        };
        Self {
            id: &i.id,
            page_id: &i.page_id,
            name: &i.name,
            impact: i.impact,
            state: i.state,
            created_at: i.created_at,
            affected: &i.affected,
            updates: i.updates.iter().map(update).collect(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageMaintenanceView<'a> {
    id: &'a PageMaintenanceId,
    page_id: &'a StatusPageId,
    window: MaintenanceView<'a>,
    component_ids: &'a [ComponentId],
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a UpdateBody>,
    auto_status: bool,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancelled_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a PageMaintenance> for PageMaintenanceView<'a> {
    fn from(m: &'a PageMaintenance) -> Self {
        Self {
            id: &m.id,
            page_id: &m.page_id,
            window: MaintenanceView::from(&m.window),
            component_ids: &m.component_ids,
            description: m.description.as_ref(),
            auto_status: m.auto_status,
            created_at: m.created_at,
            cancelled_at: m.cancelled_at,
        }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let pages = c.manage().status_pages(c.org()).await?;
    Ok(page(&by_id(c, pages, |p| p.id.to_string())?, StatusPageView::from))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let publisher = c.app.publisher.as_deref();
    Ok(created(SavedPageView::from(&c.manage().create_status_page(c.org(), c.body()?, publisher, c.now).await?)))
}

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(StatusPageView::from(&c.manage().status_page(c.org(), c.param(0)).await?)))
}

pub(super) async fn replace(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let input: StatusPageInput = c.body_accepting(READ_ONLY)?;
    let publisher = c.app.publisher.as_deref();
    let saved = c.manage().replace_status_page(c.org(), c.param(0), input, publisher, c.now).await?;
    Ok(ok(SavedPageView::from(&saved)))
}

pub(super) async fn list_incidents(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let mut items = c.manage().status_incidents(c.org(), c.param(0)).await?;
    items.sort_by_key(|i| std::cmp::Reverse(i.id.to_string()));
    let p = c.page_params()?;
    Ok(page(&paginate(items, |i| i.id.to_string(), p.limit, p.cursor.as_deref(), true), StatusIncidentView::from))
}

pub(super) async fn create_incident(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let publisher = c.app.publisher.as_deref();
    let made = c.manage().create_status_incident(c.org(), c.param(0), c.body()?, publisher, c.now).await?;
    Ok(created(StatusIncidentView::from(&made)))
}

pub(super) async fn post_incident_update(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let publisher = c.app.publisher.as_deref();
    let updated = c.manage().post_incident_update(c.org(), c.param(0), c.param(1), c.body()?, publisher, c.now).await?;
    Ok(ok(StatusIncidentView::from(&updated)))
}

pub(super) async fn list_maintenance(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let mut items = c.manage().page_maintenance(c.org(), c.param(0)).await?;
    items.sort_by_key(|x| x.id.to_string());
    Ok(page(&by_id(c, items, |x| x.id.to_string())?, PageMaintenanceView::from))
}

pub(super) async fn create_maintenance(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let publisher = c.app.publisher.as_deref();
    let made = c.manage().create_page_maintenance(c.org(), c.param(0), c.body()?, publisher, c.now).await?;
    Ok(created(PageMaintenanceView::from(&made)))
}
