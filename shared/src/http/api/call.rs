//! What a handler reads: the authenticated call (who, which path parameters, the body
//! and query), and the paging of listings by id.
use super::super::query::Query;
use super::super::{ApiError, ApiRequest, App};
use super::wire::{self, PageParams};
use crate::domain::org::Org;
use crate::services::auth::Principal;
use crate::services::manage::ManageService;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// One authenticated call: who makes it, on which path parameters, with what.
pub(super) struct Call<'a> {
    pub app: &'a App,
    pub who: &'a Principal,
    pub params: &'a [&'a str],
    pub req: &'a ApiRequest,
    pub query: Query,
    pub now: DateTime<Utc>,
}

impl Call<'_> {
    pub fn org(&self) -> &Org {
        &self.who.org
    }

    pub fn manage(&self) -> &ManageService {
        &self.app.manage
    }

    /// The `i`th path parameter (`{monitorId}`…), in the route's order.
    pub fn param(&self, i: usize) -> &str {
        self.params.get(i).copied().unwrap_or_default()
    }

    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        wire::body(self.req)
    }

    /// The body of a write that takes back a view: its `read_only` fields are ignored.
    pub fn body_accepting<T: DeserializeOwned>(&self, read_only: &[&str]) -> Result<T, ApiError> {
        wire::body_accepting(self.req, read_only)
    }

    pub fn page_params(&self) -> Result<PageParams, ApiError> {
        wire::page_params(&self.query)
    }
}

/// Listings sorted by id (ids sort by creation), paged by id.
pub(super) fn by_id<T>(
    c: &Call<'_>,
    items: Vec<T>,
    id: impl Fn(&T) -> String,
) -> Result<crate::services::manage::pagination::Page<T>, ApiError> {
    let p = c.page_params()?;
    Ok(crate::services::manage::pagination::paginate(items, id, p.limit, p.cursor.as_deref(), false))
}
