//! An org's configuration: channels, maintenance windows, dependencies, status pages.
use super::calls::{Cond, OnFail, delete_write, put_write};
use super::{DynamoStore, attr, config_item, config_key, org_pk, s, to_doc};
use crate::domain::channel::Channel;
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{ChannelId, MaintenanceId, OrgId, StatusPageId};
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::status_page::StatusPage;
use crate::ports::store::*;
use async_trait::async_trait;

#[async_trait]
impl ConfigStore for DynamoStore {
    async fn add_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let item = config_item(org_pk(&dep.org_id), format!("DEP#{}#{}", dep.upstream, dep.downstream), to_doc(dep)?);
        self.put("add_dependency", &self.t.config, item, Some(Cond::absent(OnFail::Exists("dependency")))).await
    }

    async fn dependencies_of_org(&self, org: &OrgId) -> Result<Vec<MonitorDependency>, StoreError> {
        self.config_docs("dependencies_of_org", org_pk(org), "DEP#").await
    }

    async fn remove_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let key = config_key(org_pk(&dep.org_id), format!("DEP#{}#{}", dep.upstream, dep.downstream));
        self.delete("remove_dependency", &self.t.config, key).await
    }

    async fn delete_maintenance(&self, org: &OrgId, id: &MaintenanceId) -> Result<(), StoreError> {
        self.delete("delete_maintenance", &self.t.config, config_key(org_pk(org), format!("MNT#{id}"))).await
    }

    async fn delete_channel(&self, org: &OrgId, id: &ChannelId) -> Result<(), StoreError> {
        self.delete("delete_channel", &self.t.config, config_key(org_pk(org), format!("CHN#{id}"))).await
    }

    async fn put_maintenance(&self, w: &MaintenanceWindow) -> Result<(), StoreError> {
        let item = config_item(org_pk(&w.org_id), format!("MNT#{}", w.id), to_doc(w)?);
        self.put("put_maintenance", &self.t.config, item, None).await
    }

    async fn maintenance_of_org(&self, org: &OrgId) -> Result<Vec<MaintenanceWindow>, StoreError> {
        self.config_docs("maintenance_of_org", org_pk(org), "MNT#").await
    }

    async fn maintenance_window(
        &self,
        org: &OrgId,
        id: &MaintenanceId,
    ) -> Result<Option<MaintenanceWindow>, StoreError> {
        self.get_doc("maintenance_window", &self.t.config, config_key(org_pk(org), format!("MNT#{id}"))).await
    }

    async fn put_channel(&self, ch: &Channel) -> Result<(), StoreError> {
        let item = config_item(org_pk(&ch.org_id), format!("CHN#{}", ch.id), to_doc(ch)?);
        self.put("put_channel", &self.t.config, item, None).await
    }

    async fn channels_of_org(&self, org: &OrgId) -> Result<Vec<Channel>, StoreError> {
        self.config_docs("channels_of_org", org_pk(org), "CHN#").await
    }

    async fn channel(&self, org: &OrgId, id: &ChannelId) -> Result<Option<Channel>, StoreError> {
        self.get_doc("channel", &self.t.config, config_key(org_pk(org), format!("CHN#{id}"))).await
    }

    /// The page is stored under its slug and, if it has one, under its custom domain (each
    /// item unique across orgs and naming its owner, `pageId`); `PAGE#<id>` remembers which
    /// slug and domain the page holds, so a change releases the old ones in the same
    /// transaction, and is conditional on what was read, so two concurrent edits of one
    /// page cannot leave a stale slug or domain behind.
    async fn put_status_page(&self, page: &StatusPage) -> Result<(), StoreError> {
        let marker_key = config_key(format!("PAGE#{}", page.id), "PAGE");
        let old = self.get("put_status_page", &self.t.config, marker_key.clone(), true).await?;
        let old_slug = old.as_ref().map(|o| attr(o, "slug").map(str::to_owned)).transpose()?;
        let old_domain = old.as_ref().and_then(|o| attr(o, "domain").ok().map(str::to_owned));
        let (slug, domain) = (page.slug.as_str(), page.custom_domain.as_ref().map(|d| d.as_str()));

        let mut marker = marker_key;
        marker.insert("slug".into(), s(slug));
        if let Some(d) = domain {
            marker.insert("domain".into(), s(d));
        }
        let unchanged = match (&old_slug, &old_domain) {
            (None, _) => Cond::absent(OnFail::Conflict),
            (Some(os), Some(od)) => Cond::new("#slug = :slug AND #domain = :domain", OnFail::Conflict)
                .name("#slug", "slug")
                .name("#domain", "domain")
                .value(":slug", s(os))
                .value(":domain", s(od)),
            (Some(os), None) => Cond::new("#slug = :slug AND attribute_not_exists(#domain)", OnFail::Conflict)
                .name("#slug", "slug")
                .name("#domain", "domain")
                .value(":slug", s(os)),
        };
        let doc = to_doc(page)?;
        let owned = |what| {
            Cond::new("attribute_not_exists(pk) OR pageId = :id", OnFail::Exists(what))
                .value(":id", s(page.id.as_str()))
        };
        let claim = |pk: String, sk: &str| {
            let mut item = config_item(pk, sk, doc.clone());
            item.insert("pageId".into(), s(page.id.as_str()));
            item
        };

        let mut writes = vec![
            put_write(&self.t.config, marker, Some(unchanged))?,
            put_write(&self.t.config, claim(format!("SLUG#{slug}"), "SLUG"), Some(owned("status page slug")))?,
            // The org's listing of its pages (the publisher looks for a monitor's pages).
            put_write(
                &self.t.config,
                config_item(org_pk(&page.org_id), format!("PAGE#{}", page.id), doc.clone()),
                None,
            )?,
        ];
        if let Some(d) = domain {
            writes.push(put_write(
                &self.t.config,
                claim(format!("DOMAIN#{d}"), "DOMAIN"),
                Some(owned("status page domain")),
            )?);
        }
        if let Some(old) = old_slug.filter(|o| o != slug) {
            writes.push(delete_write(&self.t.config, config_key(format!("SLUG#{old}"), "SLUG"))?);
        }
        if let Some(old) = old_domain.filter(|o| Some(o.as_str()) != domain) {
            writes.push(delete_write(&self.t.config, config_key(format!("DOMAIN#{old}"), "DOMAIN"))?);
        }
        self.transact("put_status_page", writes).await
    }

    /// The org's listing of the page, written in the same transaction as the page.
    async fn status_page(&self, org: &OrgId, id: &StatusPageId) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page", &self.t.config, config_key(org_pk(org), format!("PAGE#{id}"))).await
    }

    async fn status_page_by_slug(&self, slug: &str) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page_by_slug", &self.t.config, config_key(format!("SLUG#{slug}"), "SLUG")).await
    }

    async fn status_page_by_domain(&self, host: &str) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page_by_domain", &self.t.config, config_key(format!("DOMAIN#{host}"), "DOMAIN")).await
    }
}
