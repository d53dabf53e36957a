//! A status page's subscribers, for its org's admins: listed and removed.
use super::{ManageError, ManageService};
use crate::domain::ids::SubscriberId;
use crate::domain::org::Org;
use crate::domain::status_page::subscriber::Subscriber;

impl ManageService {
    /// Oldest first; a page of another org is not found.
    pub async fn subscribers(&self, org: &Org, page_id: &str) -> Result<Vec<Subscriber>, ManageError> {
        let page = self.status_page(org, page_id).await?;
        Ok(self.store.subscribers_of_page(&page.id).await?)
    }

    pub async fn remove_subscriber(&self, org: &Org, page_id: &str, id: &str) -> Result<(), ManageError> {
        let page = self.status_page(org, page_id).await?;
        let id = SubscriberId::parse(id).ok_or(ManageError::NotFound("subscriber"))?;
        self.store.subscriber(&page.id, &id).await?.ok_or(ManageError::NotFound("subscriber"))?;
        Ok(self.store.delete_subscriber(&page.id, &id).await?)
    }
}
