//! What a status page shows besides its components: its incidents and announced maintenance.
use super::{EmbeddedStore, backend, from_doc, put_page_row};
use crate::domain::ids::{OrgId, StatusPageId};
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl StatusStore for EmbeddedStore {
    async fn put_status_incident(&self, incident: &StatusIncident) -> Result<(), StoreError> {
        put_page_row(self, "status_incidents", incident.id.as_str(), &incident.page_id, incident).await
    }

    async fn status_incidents_of_page(
        &self,
        page: &StatusPageId,
        limit: usize,
    ) -> Result<Vec<StatusIncident>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE) as i64;
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM status_incidents WHERE page_id = ?1 ORDER BY id DESC LIMIT ?2")
                .map_err(backend)?;
            let rows = stmt.query_map(params![page.as_str(), limit], |r| r.get::<_, String>(0)).map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    async fn put_page_maintenance(&self, m: &PageMaintenance) -> Result<(), StoreError> {
        put_page_row(self, "page_maintenance", m.id.as_str(), &m.page_id, m).await
    }

    async fn page_maintenance_of_page(&self, page: &StatusPageId) -> Result<Vec<PageMaintenance>, StoreError> {
        self.docs("SELECT doc FROM page_maintenance WHERE page_id = ?1 ORDER BY id", page.as_str())
    }

    async fn status_pages_of_org(&self, org: &OrgId) -> Result<Vec<StatusPage>, StoreError> {
        self.docs("SELECT doc FROM status_pages WHERE org_id = ?1 ORDER BY id", org.as_str())
    }
}
