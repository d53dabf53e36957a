//! A status page's subscribers.
use super::status_pages::page_pk;
use super::{DynamoStore, Item, config_item, config_key, to_doc};
use crate::domain::ids::{StatusPageId, SubscriberId};
use crate::domain::status_page::subscriber::Subscriber;
use crate::ports::store::*;
use async_trait::async_trait;

pub(super) fn subscriber_key(page: &StatusPageId, id: &SubscriberId) -> Item {
    config_key(page_pk(page), format!("SUB#{id}"))
}

#[async_trait]
impl SubscriberStore for DynamoStore {
    async fn put_subscriber(&self, sub: &Subscriber) -> Result<(), StoreError> {
        let item = config_item(page_pk(&sub.page_id), format!("SUB#{}", sub.id), to_doc(sub)?);
        self.put("put_subscriber", &self.t.config, item, None).await
    }

    async fn subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        self.get_doc("subscriber", &self.t.config, subscriber_key(page, id)).await
    }

    async fn subscribers_of_page(&self, page: &StatusPageId) -> Result<Vec<Subscriber>, StoreError> {
        self.config_docs("subscribers_of_page", page_pk(page), "SUB#").await
    }

    async fn delete_subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<(), StoreError> {
        self.delete("delete_subscriber", &self.t.config, subscriber_key(page, id)).await
    }
}
