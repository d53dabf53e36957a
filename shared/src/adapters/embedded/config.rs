//! An org's configuration: channels, maintenance windows, dependencies, status pages.
use super::{EmbeddedStore, backend, delete_simple, put_simple, to_doc, unique};
use crate::domain::channel::Channel;
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{ChannelId, MaintenanceId, OrgId, StatusPageId};
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::status_page::StatusPage;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl ConfigStore for EmbeddedStore {
    async fn add_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let (org, up, down, doc) =
            (dep.org_id.to_string(), dep.upstream.to_string(), dep.downstream.to_string(), to_doc(dep)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO dependencies (org_id, upstream, downstream, doc) VALUES (?1, ?2, ?3, ?4)",
                params![org, up, down, doc],
            )
            .map_err(unique("dependency"))?;
            Ok(())
        })
        .await
    }

    async fn dependencies_of_org(&self, org: &OrgId) -> Result<Vec<MonitorDependency>, StoreError> {
        self.docs("SELECT doc FROM dependencies WHERE org_id = ?1 ORDER BY upstream, downstream", org.as_str())
    }

    async fn remove_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let (org, up, down) = (dep.org_id.to_string(), dep.upstream.to_string(), dep.downstream.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM dependencies WHERE org_id = ?1 AND upstream = ?2 AND downstream = ?3",
                params![org, up, down],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_maintenance(&self, org: &OrgId, id: &MaintenanceId) -> Result<(), StoreError> {
        delete_simple(self, "maintenance", id.as_str(), org).await
    }

    async fn delete_channel(&self, org: &OrgId, id: &ChannelId) -> Result<(), StoreError> {
        delete_simple(self, "channels", id.as_str(), org).await
    }

    async fn put_maintenance(&self, w: &MaintenanceWindow) -> Result<(), StoreError> {
        put_simple(self, "maintenance", "maintenance window", w.id.as_str(), &w.org_id, w, true).await
    }

    async fn maintenance_of_org(&self, org: &OrgId) -> Result<Vec<MaintenanceWindow>, StoreError> {
        self.docs("SELECT doc FROM maintenance WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn maintenance_window(
        &self,
        org: &OrgId,
        id: &MaintenanceId,
    ) -> Result<Option<MaintenanceWindow>, StoreError> {
        self.doc_of_org("maintenance", id.as_str(), org)
    }

    async fn put_channel(&self, ch: &Channel) -> Result<(), StoreError> {
        put_simple(self, "channels", "channel", ch.id.as_str(), &ch.org_id, ch, true).await
    }

    async fn channels_of_org(&self, org: &OrgId) -> Result<Vec<Channel>, StoreError> {
        self.docs("SELECT doc FROM channels WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn channel(&self, org: &OrgId, id: &ChannelId) -> Result<Option<Channel>, StoreError> {
        self.doc_of_org("channels", id.as_str(), org)
    }

    async fn put_status_page(&self, page: &StatusPage) -> Result<(), StoreError> {
        let (id, org, slug, domain, doc) = (
            page.id.to_string(),
            page.org_id.to_string(),
            page.slug.to_string(),
            page.custom_domain.as_ref().map(|d| d.as_str().to_owned()),
            to_doc(page)?,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO status_pages (id, org_id, slug, custom_domain, doc) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, custom_domain = excluded.custom_domain,
                 doc = excluded.doc",
                params![id, org, slug, domain, doc],
            )
            .map_err(unique("status page slug or domain"))?;
            Ok(())
        })
        .await
    }

    async fn status_page(&self, org: &OrgId, id: &StatusPageId) -> Result<Option<StatusPage>, StoreError> {
        self.doc_of_org("status_pages", id.as_str(), org)
    }

    async fn status_page_by_slug(&self, slug: &str) -> Result<Option<StatusPage>, StoreError> {
        self.doc("SELECT doc FROM status_pages WHERE slug = ?1", slug)
    }

    async fn status_page_by_domain(&self, host: &str) -> Result<Option<StatusPage>, StoreError> {
        self.doc("SELECT doc FROM status_pages WHERE custom_domain = ?1", host)
    }
}
