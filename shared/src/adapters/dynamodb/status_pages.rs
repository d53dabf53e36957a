//! What a status page shows besides its components: its incidents and announced maintenance.
use super::calls::Q;
use super::{DynamoStore, config_item, from_item, org_pk, s, to_doc};
use crate::domain::ids::{OrgId, StatusPageId};
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::ports::store::*;
use async_trait::async_trait;

/// A page's own items share the `PAGE#<id>` partition with its marker item (`sk` `PAGE`).
pub(super) fn page_pk(page: &StatusPageId) -> String {
    format!("PAGE#{page}")
}

#[async_trait]
impl StatusStore for DynamoStore {
    async fn put_status_incident(&self, i: &StatusIncident) -> Result<(), StoreError> {
        let item = config_item(page_pk(&i.page_id), format!("SINC#{}", i.id), to_doc(i)?);
        self.put("put_status_incident", &self.t.config, item, None).await
    }

    /// Ids are UUIDv7, so a backwards query on `SINC#` is newest first.
    async fn status_incidents_of_page(
        &self,
        page: &StatusPageId,
        limit: usize,
    ) -> Result<Vec<StatusIncident>, StoreError> {
        let q = Q {
            table: &self.t.config,
            index: None,
            condition: "pk = :pk AND begins_with(sk, :prefix)",
            values: vec![(":pk", s(page_pk(page))), (":prefix", s("SINC#"))],
            newest_first: true,
            limit: Some(limit.clamp(1, MAX_PAGE)),
        };
        self.query("status_incidents_of_page", q).await?.iter().map(from_item).collect()
    }

    async fn put_page_maintenance(&self, m: &PageMaintenance) -> Result<(), StoreError> {
        let item = config_item(page_pk(&m.page_id), format!("PMNT#{}", m.id), to_doc(m)?);
        self.put("put_page_maintenance", &self.t.config, item, None).await
    }

    async fn page_maintenance_of_page(&self, page: &StatusPageId) -> Result<Vec<PageMaintenance>, StoreError> {
        self.config_docs("page_maintenance_of_page", page_pk(page), "PMNT#").await
    }

    async fn status_pages_of_org(&self, org: &OrgId) -> Result<Vec<StatusPage>, StoreError> {
        self.config_docs("status_pages_of_org", org_pk(org), "PAGE#").await
    }
}
