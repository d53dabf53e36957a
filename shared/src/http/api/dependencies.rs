//! `/dependencies`: which monitor depends on which (for cascades).
use super::call::{Call, by_id};
use super::wire::{created, no_content, page};
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{MonitorId, OrgId};
use crate::http::{ApiError, ApiResponse};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyView<'a> {
    org_id: &'a OrgId,
    upstream: &'a MonitorId,
    downstream: &'a MonitorId,
}

impl<'a> From<&'a MonitorDependency> for DependencyView<'a> {
    fn from(d: &'a MonitorDependency) -> Self {
        Self { org_id: &d.org_id, upstream: &d.upstream, downstream: &d.downstream }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let deps = c.manage().dependencies(c.org()).await?;
    Ok(page(&by_id(c, deps, |d| format!("{}.{}", d.upstream, d.downstream))?, DependencyView::from))
}

pub(super) async fn add(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(created(DependencyView::from(&c.manage().add_dependency(c.org(), c.body()?).await?)))
}

pub(super) async fn remove(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    c.manage().remove_dependency(c.org(), c.param(0), c.param(1)).await?;
    Ok(no_content())
}
