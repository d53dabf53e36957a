//! `/org`: the caller's organisation.
use super::call::Call;
use super::wire::ok;
use crate::domain::ids::OrgId;
use crate::domain::org::Org;
use crate::domain::text::Name;
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::UpdateOrg;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgView<'a> {
    id: &'a OrgId,
    name: &'a Name,
    ip_allowlist: &'a [IpNet],
    retention_days: u16,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a Org> for OrgView<'a> {
    fn from(o: &'a Org) -> Self {
        Self {
            id: &o.id,
            name: &o.name,
            ip_allowlist: &o.ip_allowlist,
            retention_days: o.retention_days,
            created_at: o.created_at,
        }
    }
}

/// What `PATCH` takes back from an `OrgView` and ignores.
pub const READ_ONLY: &[&str] = &["id", "createdAt"];

pub(super) async fn get(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(OrgView::from(c.org())))
}

pub(super) async fn update(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let edit: UpdateOrg = c.body_accepting(READ_ONLY)?;
    Ok(ok(OrgView::from(&c.manage().update_org(c.who, edit, c.req.source_ip).await?)))
}
