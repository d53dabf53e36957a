//! `/api-keys`: the org's keys (never their hashes; a new key's secret shown once).
use super::call::{Call, by_id};
use super::wire::{created, ok, page};
use crate::domain::ids::{ApiKeyId, OrgId, UserId};
use crate::domain::org::{ApiKey, Scope};
use crate::domain::text::Name;
use crate::http::{ApiError, ApiResponse};
use crate::services::manage::CreatedApiKey;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView<'a> {
    id: &'a ApiKeyId,
    org_id: &'a OrgId,
    name: &'a Name,
    created_by: &'a UserId,
    scopes: &'a BTreeSet<Scope>,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a ApiKey> for ApiKeyView<'a> {
    fn from(k: &'a ApiKey) -> Self {
        Self {
            id: &k.id,
            org_id: &k.org_id,
            name: &k.name,
            created_by: &k.created_by,
            scopes: &k.scopes,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key with its secret, shown this once.
#[derive(Serialize)]
pub struct CreatedApiKeyView<'a> {
    #[serde(flatten)]
    key: ApiKeyView<'a>,
    secret: &'a str,
}

impl<'a> From<&'a CreatedApiKey> for CreatedApiKeyView<'a> {
    fn from(made: &'a CreatedApiKey) -> Self {
        Self { key: ApiKeyView::from(&made.key), secret: made.secret.reveal() }
    }
}

pub(super) async fn list(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    let keys = c.manage().api_keys(c.org()).await?;
    Ok(page(&by_id(c, keys, |k| k.id.to_string())?, ApiKeyView::from))
}

pub(super) async fn create(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(created(CreatedApiKeyView::from(&c.manage().create_api_key(c.who, c.body()?, c.now).await?)))
}

pub(super) async fn revoke(c: &Call<'_>) -> Result<ApiResponse, ApiError> {
    Ok(ok(ApiKeyView::from(&c.manage().revoke_api_key(c.who, c.param(0), c.now).await?)))
}
