//! The records of an org, its users (with a pending invitation) and its API keys.
use super::RecordError;
use crate::domain::ids::{ApiKeyId, OrgId, UserId};
use crate::domain::org::{ApiKey, Email, Invitation, Org, Role, Scope, User};
use crate::domain::secret::SecretHash;
use crate::domain::text::Name;
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: Name,
    pub ip_allowlist: Vec<IpNet>,
    pub retention_days: u16,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRecord {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: Email,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<InvitationRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationRecord {
    pub token_hash: SecretHash,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub org_id: OrgId,
    pub name: Name,
    pub created_by: UserId,
    pub key_hash: SecretHash,
    pub scopes: BTreeSet<Scope>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&Org> for OrgRecord {
    fn from(o: &Org) -> Self {
        Self {
            id: o.id.clone(),
            name: o.name.clone(),
            ip_allowlist: o.ip_allowlist.clone(),
            retention_days: o.retention_days,
            created_at: o.created_at,
        }
    }
}

impl TryFrom<OrgRecord> for Org {
    type Error = RecordError;
    fn try_from(r: OrgRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            name: r.name,
            ip_allowlist: r.ip_allowlist,
            retention_days: r.retention_days,
            created_at: r.created_at,
        })
    }
}

impl From<&User> for UserRecord {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            org_id: u.org_id.clone(),
            email: u.email.clone(),
            role: u.role,
            created_at: u.created_at,
            invitation: u
                .invitation
                .as_ref()
                .map(|i| InvitationRecord { token_hash: i.token_hash, expires_at: i.expires_at }),
        }
    }
}

impl TryFrom<UserRecord> for User {
    type Error = RecordError;
    fn try_from(r: UserRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            email: r.email,
            role: r.role,
            created_at: r.created_at,
            invitation: r.invitation.map(|i| Invitation { token_hash: i.token_hash, expires_at: i.expires_at }),
        })
    }
}

impl From<&ApiKey> for ApiKeyRecord {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id.clone(),
            org_id: k.org_id.clone(),
            name: k.name.clone(),
            created_by: k.created_by.clone(),
            key_hash: k.key_hash,
            scopes: k.scopes.clone(),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

impl TryFrom<ApiKeyRecord> for ApiKey {
    type Error = RecordError;
    fn try_from(r: ApiKeyRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            created_by: r.created_by,
            key_hash: r.key_hash,
            scopes: r.scopes,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
    }
}
