//! A status page's subscribers.
use super::{EmbeddedStore, backend, put_page_row};
use crate::domain::ids::{StatusPageId, SubscriberId};
use crate::domain::status_page::subscriber::Subscriber;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl SubscriberStore for EmbeddedStore {
    async fn put_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        put_page_row(self, "subscribers", subscriber.id.as_str(), &subscriber.page_id, subscriber).await
    }

    async fn subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        let found: Option<Subscriber> = self.doc("SELECT doc FROM subscribers WHERE id = ?1", id.as_str())?;
        Ok(found.filter(|s| &s.page_id == page))
    }

    async fn subscribers_of_page(&self, page: &StatusPageId) -> Result<Vec<Subscriber>, StoreError> {
        self.docs("SELECT doc FROM subscribers WHERE page_id = ?1 ORDER BY id", page.as_str())
    }

    async fn delete_subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<(), StoreError> {
        let (page, id) = (page.to_string(), id.to_string());
        self.write(move |c| {
            c.execute("DELETE FROM subscribers WHERE id = ?1 AND page_id = ?2", params![id, page]).map_err(backend)?;
            Ok(())
        })
        .await
    }
}
