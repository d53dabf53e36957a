//! Orgs, their users and API keys.
use super::calls::{Cond, OnFail, delete_write, put_write};
use super::{DynamoStore, config_item, config_key, org_pk, to_doc};
use crate::domain::ids::{ApiKeyId, OrgId, UserId};
use crate::domain::org::{ApiKey, Org, User};
use crate::domain::secret::SecretHash;
use crate::ports::store::*;
use async_trait::async_trait;

#[async_trait]
impl OrgStore for DynamoStore {
    async fn create_org(&self, org: &Org) -> Result<(), StoreError> {
        let item = config_item("ORGS", org.id.as_str(), to_doc(org)?);
        self.put("create_org", &self.t.config, item, Some(Cond::absent(OnFail::Exists("org")))).await
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError> {
        self.get_doc("org", &self.t.config, config_key("ORGS", id.as_str())).await
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.config_docs("orgs", "ORGS".into(), OrgId::PREFIX).await
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let pk = org_pk(&user.org_id);
        let writes = vec![
            put_write(
                &self.t.config,
                config_item(&pk, format!("USER#{}", user.id), to_doc(user)?),
                Some(Cond::absent(OnFail::Exists("user"))),
            )?,
            // One e-mail per org: the marker collides, not the user.
            put_write(
                &self.t.config,
                config_key(&pk, format!("EMAIL#{}", user.email.as_str())),
                Some(Cond::absent(OnFail::Exists("user e-mail"))),
            )?,
        ];
        self.transact("create_user", writes).await
    }

    async fn users_of_org(&self, org: &OrgId) -> Result<Vec<User>, StoreError> {
        self.config_docs("users_of_org", org_pk(org), "USER#").await
    }

    async fn user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, StoreError> {
        self.get_doc("user", &self.t.config, config_key(org_pk(org), format!("USER#{id}"))).await
    }

    /// Two copies of the key, one listed under its org and one found by its hash.
    async fn create_api_key(&self, k: &ApiKey) -> Result<(), StoreError> {
        let doc = to_doc(k)?;
        let writes = vec![
            put_write(
                &self.t.config,
                config_item(org_pk(&k.org_id), format!("KEY#{}", k.id), doc.clone()),
                Some(Cond::absent(OnFail::Exists("api key"))),
            )?,
            put_write(
                &self.t.config,
                config_item(format!("APIKEY#{}", k.key_hash.to_hex()), "APIKEY", doc),
                Some(Cond::absent(OnFail::Exists("api key"))),
            )?,
        ];
        self.transact("create_api_key", writes).await
    }

    async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        self.get_doc("api_key_by_hash", &self.t.config, config_key(format!("APIKEY#{}", hash.to_hex()), "APIKEY")).await
    }

    async fn api_keys_of_org(&self, org: &OrgId) -> Result<Vec<ApiKey>, StoreError> {
        self.config_docs("api_keys_of_org", org_pk(org), "KEY#").await
    }

    async fn api_key(&self, org: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        self.get_doc("api_key", &self.t.config, config_key(org_pk(org), format!("KEY#{id}"))).await
    }

    async fn put_api_key(&self, k: &ApiKey) -> Result<(), StoreError> {
        let listed = config_key(org_pk(&k.org_id), format!("KEY#{}", k.id));
        let Some(current) = self.get_doc::<ApiKey>("put_api_key", &self.t.config, listed.clone()).await? else {
            return Err(StoreError::NotFound("api key"));
        };
        let doc = to_doc(k)?;
        let by_hash = config_item(format!("APIKEY#{}", k.key_hash.to_hex()), "APIKEY", doc.clone());
        let mut writes = vec![put_write(
            &self.t.config,
            config_item(org_pk(&k.org_id), format!("KEY#{}", k.id), doc),
            Some(Cond::new("attribute_exists(pk)", OnFail::Missing("api key"))),
        )?];
        if current.key_hash == k.key_hash {
            writes.push(put_write(&self.t.config, by_hash, None)?);
        } else {
            writes.push(delete_write(
                &self.t.config,
                config_key(format!("APIKEY#{}", current.key_hash.to_hex()), "APIKEY"),
            )?);
            writes.push(put_write(&self.t.config, by_hash, Some(Cond::absent(OnFail::Exists("api key"))))?);
        }
        self.transact("put_api_key", writes).await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let item = config_item(org_pk(&user.org_id), format!("USER#{}", user.id), to_doc(user)?);
        self.put("update_user", &self.t.config, item, Some(Cond::new("attribute_exists(pk)", OnFail::Missing("user"))))
            .await
    }

    /// Removes the user and its e-mail marker, so the address can be invited again.
    async fn delete_user(&self, org: &OrgId, id: &UserId) -> Result<(), StoreError> {
        let key = config_key(org_pk(org), format!("USER#{id}"));
        let Some(user) = self.get_doc::<User>("delete_user", &self.t.config, key.clone()).await? else {
            return Ok(());
        };
        let writes = vec![
            delete_write(&self.t.config, key)?,
            delete_write(&self.t.config, config_key(org_pk(org), format!("EMAIL#{}", user.email.as_str())))?,
        ];
        self.transact("delete_user", writes).await
    }

    async fn update_org(&self, org: &Org) -> Result<(), StoreError> {
        let item = config_item("ORGS", org.id.as_str(), to_doc(org)?);
        self.put("update_org", &self.t.config, item, Some(Cond::new("attribute_exists(pk)", OnFail::Missing("org"))))
            .await
    }
}
