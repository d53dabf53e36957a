//! The org itself, its members and its API keys.
use super::{ManageError, ManageService, invalid};
use crate::domain::ids::{ApiKeyId, UserId};
use crate::domain::org::{
    ApiKey, Email, FIRST_KEY_NAME, InvitationError, InvitationToken, Org, OrgError, Role, Scope, User,
};
use crate::domain::secret::ApiKeySecret;
use crate::domain::text::Name;
use crate::ports::store::StoreError;
use crate::services::auth::Principal;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateOrg {
    pub name: Option<String>,
    pub ip_allowlist: Option<Vec<IpNet>>,
    pub retention_days: Option<u16>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InviteMember {
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMember {
    pub role: Role,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApiKey {
    pub name: String,
    pub scopes: BTreeSet<Scope>,
}

/// A new key and its secret, which is shown only this once.
#[derive(Debug)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    pub secret: ApiKeySecret,
}

/// A member with a fresh invitation, whose token is shown only this once.
#[derive(Debug)]
pub struct InvitedMember {
    pub user: User,
    pub token: InvitationToken,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcceptInvitation {
    pub token: String,
    /// The name of the member's first key (default `FIRST_KEY_NAME`).
    pub key_name: Option<String>,
}

/// An accepted invitation: the member and their first API key.
#[derive(Debug)]
pub struct AcceptedInvitation {
    pub user: User,
    pub key: CreatedApiKey,
}

impl ManageService {
    /// Refuses an allowlist that would shut out the very request setting it.
    pub async fn update_org(
        &self,
        caller: &Principal,
        input: UpdateOrg,
        from: Option<std::net::IpAddr>,
    ) -> Result<Org, ManageError> {
        let mut org = self.store.org(&caller.org.id).await?.ok_or(ManageError::NotFound("org"))?;
        if let Some(n) = &input.name {
            org.name = Name::new(n).map_err(|e| invalid("name", e))?;
        }
        if let Some(days) = input.retention_days {
            org.set_retention_days(days).map_err(|e| invalid("retentionDays", e))?;
        }
        if let Some(nets) = input.ip_allowlist {
            org.set_allowlist(nets).map_err(|e| match e {
                OrgError::HostBits { index, .. } => invalid(format!("ipAllowlist[{index}]"), e),
                e => invalid("ipAllowlist", e),
            })?;
            if !org.ip_allowlist.is_empty() && !from.is_some_and(|ip| org.allows(ip)) {
                return Err(invalid("ipAllowlist", "the allowlist must include the address you are calling from"));
            }
        }
        self.store.update_org(&org).await?;
        Ok(org)
    }

    pub async fn members(&self, org: &Org) -> Result<Vec<User>, ManageError> {
        Ok(self.store.users_of_org(&org.id).await?)
    }

    async fn member(&self, org: &Org, id: &str) -> Result<User, ManageError> {
        let id = UserId::parse(id).ok_or(ManageError::NotFound("member"))?;
        self.store.user(&org.id, &id).await?.ok_or(ManageError::NotFound("member"))
    }

    /// Adds the member with an invitation: its token, given to them, is how they get a
    /// first API key of their own (`accept_invitation`).
    pub async fn invite_member(
        &self,
        caller: &Principal,
        input: InviteMember,
        now: DateTime<Utc>,
    ) -> Result<InvitedMember, ManageError> {
        let email = Email::new(&input.email).map_err(|e| invalid("email", e))?;
        if input.role > caller.user.role {
            return Err(invalid("role", "you cannot grant a role above your own"));
        }
        let mut user = User::new(caller.org.id.clone(), email, input.role, now);
        let token = user.invite(now);
        match self.store.create_user(&user).await {
            Ok(()) => Ok(InvitedMember { user, token }),
            Err(StoreError::AlreadyExists(_)) => {
                Err(ManageError::Conflict("a member with this e-mail already exists".into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A new invitation for an existing member (the last one expired or was lost); the
    /// earlier token stops working.
    pub async fn reinvite_member(
        &self,
        caller: &Principal,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<InvitedMember, ManageError> {
        let mut user = self.member(&caller.org, id).await?;
        if user.role > caller.user.role {
            return Err(ManageError::Forbidden("you cannot invite a member above your own role".into()));
        }
        let token = user.invite(now);
        self.store.update_user(&user).await?;
        Ok(InvitedMember { user, token })
    }

    /// Uses up an invitation and gives the member their first API key, acting with their
    /// own role and the scopes it can use. No caller key: the token is the credential.
    pub async fn accept_invitation(
        &self,
        input: AcceptInvitation,
        from: Option<std::net::IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<AcceptedInvitation, ManageError> {
        let unknown = || ManageError::NotFound("invitation");
        let token = InvitationToken::parse(&input.token).ok_or_else(unknown)?;
        let key_name =
            Name::new(input.key_name.as_deref().unwrap_or(FIRST_KEY_NAME)).map_err(|e| invalid("keyName", e))?;
        let org = self.store.org(&token.org_id).await?.ok_or_else(unknown)?;
        let mut user = self.store.user(&org.id, &token.user_id).await?.ok_or_else(unknown)?;
        user.accept_invitation(&token, now).map_err(|e| match e {
            InvitationError::Unknown => unknown(),
            InvitationError::Expired => invalid("token", e),
        })?;
        if !org.ip_allowlist.is_empty() && !from.is_some_and(|ip| org.allows(ip)) {
            return Err(ManageError::Forbidden(
                "requests from this address are not allowed for this organisation".into(),
            ));
        }
        let (mut key, secret) =
            ApiKey::issue(org.id.clone(), key_name, user.id.clone(), Scope::for_role(user.role), now);
        // The key's id comes from the invitation, so two racing acceptances of one token
        // collide on it and only one gets a key.
        key.id = ApiKeyId::derived_from(&token.secret.hash());
        match self.store.create_api_key(&key).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(_)) => return Err(unknown()),
            Err(e) => return Err(e.into()),
        }
        self.store.update_user(&user).await?;
        tracing::info!(org_id = %org.id, user_id = %user.id, key_id = %key.id, "invitation accepted");
        Ok(AcceptedInvitation { user, key: CreatedApiKey { key, secret } })
    }

    /// An org always keeps at least one owner.
    async fn keeps_an_owner(&self, org: &Org, changed: &User) -> Result<(), ManageError> {
        let owners =
            self.members(org).await?.into_iter().filter(|u| u.role == Role::Owner && u.id != changed.id).count();
        if owners == 0 {
            return Err(ManageError::Conflict("the organisation must keep at least one owner".into()));
        }
        Ok(())
    }

    pub async fn update_member(&self, caller: &Principal, id: &str, input: UpdateMember) -> Result<User, ManageError> {
        let mut user = self.member(&caller.org, id).await?;
        if input.role > caller.user.role {
            return Err(invalid("role", "you cannot grant a role above your own"));
        }
        if user.role == Role::Owner && input.role != Role::Owner {
            self.keeps_an_owner(&caller.org, &user).await?;
        }
        user.role = input.role;
        self.store.update_user(&user).await?;
        Ok(user)
    }

    pub async fn remove_member(&self, caller: &Principal, id: &str) -> Result<(), ManageError> {
        let user = self.member(&caller.org, id).await?;
        if user.role == Role::Owner {
            self.keeps_an_owner(&caller.org, &user).await?;
        }
        self.store.delete_user(&caller.org.id, &user.id).await?;
        Ok(())
    }

    pub async fn api_keys(&self, org: &Org) -> Result<Vec<ApiKey>, ManageError> {
        Ok(self.store.api_keys_of_org(&org.id).await?)
    }

    /// A key can hand out only scopes it holds itself; the new key acts as the caller's owner.
    pub async fn create_api_key(
        &self,
        caller: &Principal,
        input: CreateApiKey,
        now: DateTime<Utc>,
    ) -> Result<CreatedApiKey, ManageError> {
        let name = Name::new(&input.name).map_err(|e| invalid("name", e))?;
        if input.scopes.is_empty() {
            return Err(invalid("scopes", "at least one scope"));
        }
        if let Some(extra) = input.scopes.iter().find(|s| !caller.key.scopes.contains(s)) {
            return Err(invalid(
                "scopes",
                format!(
                    "{} is not a scope of the key making this request",
                    serde_json::to_string(extra).unwrap_or_default()
                ),
            ));
        }
        let (key, secret) = ApiKey::issue(caller.org.id.clone(), name, caller.user.id.clone(), input.scopes, now);
        self.store.create_api_key(&key).await?;
        tracing::info!(org_id = %key.org_id, key_id = %key.id, "api key created");
        Ok(CreatedApiKey { key, secret })
    }

    /// A caller revokes their own keys and those of members up to their own role: an
    /// admin cannot lock an owner out.
    pub async fn revoke_api_key(
        &self,
        caller: &Principal,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<ApiKey, ManageError> {
        let org = &caller.org;
        let id = ApiKeyId::parse(id).ok_or(ManageError::NotFound("api key"))?;
        let mut key = self.store.api_key(&org.id, &id).await?.ok_or(ManageError::NotFound("api key"))?;
        if key.created_by != caller.user.id {
            let holder = self.store.user(&org.id, &key.created_by).await?;
            if holder.is_some_and(|u| u.role > caller.user.role) {
                return Err(ManageError::Forbidden("this key belongs to a member above your role".into()));
            }
        }
        if key.revoked_at.is_none() {
            key.revoked_at = Some(now);
            self.store.put_api_key(&key).await?;
            tracing::info!(org_id = %org.id, key_id = %key.id, "api key revoked");
        }
        Ok(key)
    }
}
