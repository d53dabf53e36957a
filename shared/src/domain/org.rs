//! Organisations, their users and roles, API keys with scopes, and the IP allowlist.
use super::ids::{ApiKeyId, OrgId, UserId};
use super::secret::SecretHash;
use super::text::{Name, validated_string};
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::IpAddr;

pub const DEFAULT_RETENTION_DAYS: u16 = 30;
pub const MAX_ALLOWLIST: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("retention must be between 1 and 3650 days")]
    BadRetention,
    #[error("at most {MAX_ALLOWLIST} allowlist entries")]
    AllowlistTooLong,
    #[error("not an email address")]
    BadEmail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub id: OrgId,
    pub name: Name,
    /// When non-empty, the API answers only requests from these networks.
    pub ip_allowlist: Vec<IpNet>,
    pub retention_days: u16,
    pub created_at: DateTime<Utc>,
}

impl Org {
    pub fn new(name: Name, now: DateTime<Utc>) -> Self {
        Self {
            id: OrgId::generate(),
            name,
            ip_allowlist: Vec::new(),
            retention_days: DEFAULT_RETENTION_DAYS,
            created_at: now,
        }
    }

    pub fn set_allowlist(&mut self, nets: Vec<IpNet>) -> Result<(), OrgError> {
        if nets.len() > MAX_ALLOWLIST {
            return Err(OrgError::AllowlistTooLong);
        }
        self.ip_allowlist = nets;
        Ok(())
    }

    pub fn set_retention_days(&mut self, days: u16) -> Result<(), OrgError> {
        if !(1..=3650).contains(&days) {
            return Err(OrgError::BadRetention);
        }
        self.retention_days = days;
        Ok(())
    }

    /// An empty allowlist allows everyone; IPv4-mapped IPv6 addresses match IPv4 networks.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.ip_allowlist.is_empty() || self.ip_allowlist.iter().any(|n| n.contains(&ip))
    }
}

/// Ordered by power: each role can do what the ones below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Viewer,
    Member,
    Admin,
    Owner,
}

/// A lowercased address with one '@' and a dotted domain, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn new(s: &str) -> Result<Self, OrgError> {
        let s = s.trim().to_ascii_lowercase();
        let (local, domain) = s.split_once('@').ok_or(OrgError::BadEmail)?;
        let ok = s.len() <= 254
            && !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(Self(s)).ok_or(OrgError::BadEmail)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(Email, OrgError, new);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: Email,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "monitors:read")]
    MonitorsRead,
    #[serde(rename = "monitors:write")]
    MonitorsWrite,
    #[serde(rename = "incidents:read")]
    IncidentsRead,
    #[serde(rename = "incidents:write")]
    IncidentsWrite,
    #[serde(rename = "channels:read")]
    ChannelsRead,
    #[serde(rename = "channels:write")]
    ChannelsWrite,
    #[serde(rename = "status_pages:read")]
    StatusPagesRead,
    #[serde(rename = "status_pages:write")]
    StatusPagesWrite,
    #[serde(rename = "org:admin")]
    OrgAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub org_id: OrgId,
    pub name: Name,
    /// Keys act as their creator, never with more than the creator's role allows.
    pub created_by: UserId,
    pub key_hash: SecretHash,
    pub scopes: BTreeSet<Scope>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Org {
        Org::new(Name::new("Acme").unwrap(), DateTime::UNIX_EPOCH)
    }

    #[test]
    fn allowlist_matches_v4_v6_and_mapped() {
        let mut o = org();
        assert!(o.allows("203.0.113.9".parse().unwrap()), "empty allows all");
        o.set_allowlist(vec!["10.0.0.0/8".parse().unwrap(), "2001:db8::/32".parse().unwrap()]).unwrap();
        assert!(o.allows("10.1.2.3".parse().unwrap()));
        assert!(o.allows("::ffff:10.1.2.3".parse().unwrap()));
        assert!(o.allows("2001:db8::1".parse().unwrap()));
        assert!(!o.allows("192.168.0.1".parse().unwrap()));
        assert!(!o.allows("2001:db9::1".parse().unwrap()));
    }

    #[test]
    fn retention_and_allowlist_are_bounded() {
        let mut o = org();
        assert_eq!(o.set_retention_days(0), Err(OrgError::BadRetention));
        assert!(o.set_retention_days(90).is_ok());
        let many = vec!["10.0.0.0/8".parse().unwrap(); MAX_ALLOWLIST + 1];
        assert_eq!(o.set_allowlist(many), Err(OrgError::AllowlistTooLong));
    }

    #[test]
    fn roles_order_by_power_and_scopes_use_colon_names() {
        assert!(Role::Owner > Role::Admin && Role::Member > Role::Viewer);
        assert_eq!(serde_json::to_string(&Scope::StatusPagesWrite).unwrap(), "\"status_pages:write\"");
    }

    #[test]
    fn emails() {
        assert_eq!(Email::new(" Viewer@Example.com ").unwrap().as_str(), "viewer@example.com");
        for bad in ["", "a", "a@b", "@b.c", "a@b@c.d", "a b@c.d", "a@.c", "a@c."] {
            assert!(Email::new(bad).is_err(), "{bad}");
        }
    }
}
