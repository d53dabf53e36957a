//! Orgs, their users and API keys.
use super::{EmbeddedStore, backend, delete_simple, to_doc, unique};
use crate::domain::ids::{ApiKeyId, OrgId, UserId};
use crate::domain::org::{ApiKey, Org, User};
use crate::domain::secret::SecretHash;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::params;

#[async_trait]
impl OrgStore for EmbeddedStore {
    async fn create_org(&self, org: &Org) -> Result<(), StoreError> {
        let (id, doc) = (org.id.to_string(), to_doc(org)?);
        self.write(move |c| {
            c.execute("INSERT INTO orgs (id, doc) VALUES (?1, ?2)", params![id, doc]).map_err(unique("org"))?;
            Ok(())
        })
        .await
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError> {
        self.doc("SELECT doc FROM orgs WHERE id = ?1", id.as_str())
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.docs("SELECT doc FROM orgs WHERE ?1 = ?1 ORDER BY id", "")
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, org, email, doc) =
            (user.id.to_string(), user.org_id.to_string(), user.email.as_str().to_owned(), to_doc(user)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO users (id, org_id, email, doc) VALUES (?1, ?2, ?3, ?4)",
                params![id, org, email, doc],
            )
            .map_err(unique("user"))?;
            Ok(())
        })
        .await
    }

    async fn users_of_org(&self, org: &OrgId) -> Result<Vec<User>, StoreError> {
        self.docs("SELECT doc FROM users WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, StoreError> {
        self.doc_of_org("users", id.as_str(), org)
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let (id, org, hash, doc) = (key.id.to_string(), key.org_id.to_string(), key.key_hash.to_hex(), to_doc(key)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO api_keys (id, org_id, key_hash, doc) VALUES (?1, ?2, ?3, ?4)",
                params![id, org, hash, doc],
            )
            .map_err(unique("api key"))?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        self.doc("SELECT doc FROM api_keys WHERE key_hash = ?1", &hash.to_hex())
    }

    async fn api_keys_of_org(&self, org: &OrgId) -> Result<Vec<ApiKey>, StoreError> {
        self.docs("SELECT doc FROM api_keys WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn api_key(&self, org: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        self.doc_of_org("api_keys", id.as_str(), org)
    }

    async fn put_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let (id, hash, doc) = (key.id.to_string(), key.key_hash.to_hex(), to_doc(key)?);
        self.write(move |c| {
            let n = c
                .execute("UPDATE api_keys SET key_hash = ?2, doc = ?3 WHERE id = ?1", params![id, hash, doc])
                .map_err(unique("api key"))?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("api key")) }
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, org, doc) = (user.id.to_string(), user.org_id.to_string(), to_doc(user)?);
        self.write(move |c| {
            let n = c
                .execute("UPDATE users SET doc = ?3 WHERE id = ?1 AND org_id = ?2", params![id, org, doc])
                .map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("user")) }
        })
        .await
    }

    async fn delete_user(&self, org: &OrgId, id: &UserId) -> Result<(), StoreError> {
        delete_simple(self, "users", id.as_str(), org).await
    }

    async fn update_org(&self, org: &Org) -> Result<(), StoreError> {
        let (id, doc) = (org.id.to_string(), to_doc(org)?);
        self.write(move |c| {
            let n = c.execute("UPDATE orgs SET doc = ?2 WHERE id = ?1", params![id, doc]).map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("org")) }
        })
        .await
    }
}
