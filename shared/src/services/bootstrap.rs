//! The first owner of a new installation: an org, its owner and the owner's first API
//! key, made once on an empty store (`tokiflow-local init`, the `bootstrap` function).
use crate::domain::org::{ApiKey, Email, FIRST_KEY_NAME, Org, Role, Scope, User};
use crate::domain::secret::ApiKeySecret;
use crate::domain::text::Name;
use crate::ports::store::{OrgStore, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(
        "this installation already has an organisation ({0:?}): init runs once, on an empty store; invite people from there"
    )]
    AlreadyInitialised(String),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was made; the key's secret is shown only this once.
#[derive(Debug)]
pub struct FirstOwner {
    pub org: Org,
    pub owner: User,
    pub key: ApiKey,
    pub secret: ApiKeySecret,
}

/// Makes the org, its owner and the owner's first key, unless the store has any org:
/// checked inputs first, so a refusal changes nothing.
pub async fn bootstrap(
    store: &dyn OrgStore,
    org_name: &str,
    owner_email: &str,
    now: DateTime<Utc>,
) -> Result<FirstOwner, BootstrapError> {
    let name = Name::new(org_name).map_err(|e| BootstrapError::Invalid { field: "org", message: e.to_string() })?;
    let email =
        Email::new(owner_email).map_err(|e| BootstrapError::Invalid { field: "owner", message: e.to_string() })?;
    if let Some(existing) = store.orgs().await?.into_iter().next() {
        return Err(BootstrapError::AlreadyInitialised(existing.name.to_string()));
    }
    let org = Org::new(name, now);
    store.create_org(&org).await?;
    let owner = User::new(org.id.clone(), email, Role::Owner, now);
    store.create_user(&owner).await?;
    let key_name = Name::new(FIRST_KEY_NAME).expect("a valid name");
    let (key, secret) = ApiKey::issue(org.id.clone(), key_name, owner.id.clone(), Scope::for_role(Role::Owner), now);
    store.create_api_key(&key).await?;
    tracing::info!(org_id = %org.id, user_id = %owner.id, key_id = %key.id, "installation bootstrapped");
    Ok(FirstOwner { org, owner, key, secret })
}
