//! Organisations, their users and roles, API keys with scopes, and the IP allowlist.
use super::ids::{ApiKeyId, OrgId, UserId};
use super::secret::{ApiKeySecret, InvitationSecret, SecretHash};
use super::text::{Name, validated_string};
use chrono::{DateTime, Utc};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::IpAddr;

pub const DEFAULT_RETENTION_DAYS: u16 = 30;
/// The name a member's first API key gets (at bootstrap, or accepting an invitation).
pub const FIRST_KEY_NAME: &str = "first key";
/// How long an invitation can be accepted.
pub const INVITATION_DAYS: i64 = 7;
pub const MAX_ALLOWLIST: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("retention must be between 1 and 3650 days")]
    BadRetention,
    #[error("at most {MAX_ALLOWLIST} allowlist entries")]
    AllowlistTooLong,
    #[error("not an email address")]
    BadEmail,
    /// `10.1.2.3/8` names an address, not a network: said back rather than stored as sent.
    #[error("{given} has host bits set: the network is {network}")]
    HostBits { index: usize, given: IpNet, network: IpNet },
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
        if let Some((index, net)) = nets.iter().enumerate().find(|(_, n)| n.trunc() != **n) {
            return Err(OrgError::HostBits { index, given: *net, network: net.trunc() });
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
    /// Set while the member has not accepted their invitation: the one way an invited
    /// member gets a first API key of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<Invitation>,
}

impl User {
    pub fn new(org_id: OrgId, email: Email, role: Role, now: DateTime<Utc>) -> Self {
        Self { id: UserId::generate(), org_id, email, role, created_at: now, invitation: None }
    }

    /// Issues a fresh invitation (replacing any earlier one) and returns its token, to be
    /// shown once: it is stored only as a hash.
    pub fn invite(&mut self, now: DateTime<Utc>) -> InvitationToken {
        let secret = InvitationSecret::generate();
        self.invitation =
            Some(Invitation { token_hash: secret.hash(), expires_at: now + chrono::Duration::days(INVITATION_DAYS) });
        InvitationToken { org_id: self.org_id.clone(), user_id: self.id.clone(), secret }
    }

    /// Uses up the invitation `token` is for: `Ok` once, for an unexpired token whose
    /// secret matches (compared in constant time); afterwards the invitation is gone.
    pub fn accept_invitation(
        &mut self,
        token: &InvitationToken,
        now: DateTime<Utc>,
    ) -> Result<Invitation, InvitationError> {
        let invitation = self.invitation.as_ref().ok_or(InvitationError::Unknown)?;
        if token.user_id != self.id
            || token.org_id != self.org_id
            || !invitation.token_hash.matches(token.secret.reveal())
        {
            return Err(InvitationError::Unknown);
        }
        if now >= invitation.expires_at {
            return Err(InvitationError::Expired);
        }
        Ok(self.invitation.take().expect("checked above"))
    }
}

/// A pending invitation: the hash of its token and when it stops being valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub token_hash: SecretHash,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvitationError {
    /// One answer for forged, used-up, revoked and foreign tokens.
    #[error("no such invitation (it may have been used already)")]
    Unknown,
    #[error("the invitation has expired: ask an admin to invite you again")]
    Expired,
}

/// What an invited member receives: `<orgId>.<userId>.<secret>`, so acceptance finds the
/// member without a token index, and the secret is checked against the stored hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationToken {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub secret: InvitationSecret,
}

impl InvitationToken {
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().splitn(3, '.');
        let org_id = OrgId::parse(parts.next()?)?;
        let user_id = UserId::parse(parts.next()?)?;
        let secret = InvitationSecret::from_untrusted(parts.next()?).filter(|s| s.reveal().starts_with("tfi_"))?;
        Some(Self { org_id, user_id, secret })
    }

    /// The full token, to show once.
    pub fn reveal(&self) -> String {
        format!("{}.{}.{}", self.org_id, self.user_id, self.secret.reveal())
    }
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
    /// A new key acting as `created_by`, and its secret (shown once, stored as a hash).
    pub fn issue(
        org_id: OrgId,
        name: Name,
        created_by: UserId,
        scopes: BTreeSet<Scope>,
        now: DateTime<Utc>,
    ) -> (Self, ApiKeySecret) {
        let secret = ApiKeySecret::generate();
        let key = Self {
            id: ApiKeyId::generate(),
            org_id,
            name,
            created_by,
            key_hash: secret.hash(),
            scopes,
            created_at: now,
            revoked_at: None,
        };
        (key, secret)
    }

    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

impl Scope {
    pub const ALL: [Scope; 9] = [
        Scope::MonitorsRead,
        Scope::MonitorsWrite,
        Scope::IncidentsRead,
        Scope::IncidentsWrite,
        Scope::ChannelsRead,
        Scope::ChannelsWrite,
        Scope::StatusPagesRead,
        Scope::StatusPagesWrite,
        Scope::OrgAdmin,
    ];

    /// The least role that can use the scope at all (the route table's ladder): a key
    /// for a member holds just the scopes their role can use.
    pub fn least_role(self) -> Role {
        use Scope::*;
        match self {
            // A viewer reads the org with `org:admin` (`GET /org`).
            MonitorsRead | IncidentsRead | ChannelsRead | StatusPagesRead | OrgAdmin => Role::Viewer,
            MonitorsWrite | IncidentsWrite => Role::Member,
            ChannelsWrite | StatusPagesWrite => Role::Admin,
        }
    }

    pub fn for_role(role: Role) -> BTreeSet<Scope> {
        Self::ALL.into_iter().filter(|s| s.least_role() <= role).collect()
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
        let sloppy = vec!["10.0.0.0/8".parse().unwrap(), "10.1.2.3/8".parse().unwrap()];
        assert_eq!(
            o.set_allowlist(sloppy),
            Err(OrgError::HostBits {
                index: 1,
                given: "10.1.2.3/8".parse().unwrap(),
                network: "10.0.0.0/8".parse().unwrap()
            })
        );
        assert!(o.set_allowlist(vec!["2001:db8::1/128".parse().unwrap(), "192.168.1.7/32".parse().unwrap()]).is_ok());
    }

    #[test]
    fn roles_order_by_power_and_scopes_use_colon_names() {
        assert!(Role::Owner > Role::Admin && Role::Member > Role::Viewer);
        assert_eq!(serde_json::to_string(&Scope::StatusPagesWrite).unwrap(), "\"status_pages:write\"");
    }

    fn invited() -> (User, InvitationToken, DateTime<Utc>) {
        let now = DateTime::UNIX_EPOCH + chrono::Duration::days(100);
        let mut user = User::new(OrgId::generate(), Email::new("new@example.com").unwrap(), Role::Member, now);
        let token = user.invite(now);
        (user, token, now)
    }

    #[test]
    fn an_invitation_is_accepted_once_before_it_expires() {
        let (mut user, token, now) = invited();
        let parsed = InvitationToken::parse(&token.reveal()).expect("round trip");
        assert_eq!(parsed, token);
        assert!(user.accept_invitation(&parsed, now + chrono::Duration::days(6)).is_ok());
        assert_eq!(user.accept_invitation(&parsed, now), Err(InvitationError::Unknown), "used up");

        let (mut user, token, now) = invited();
        let late = now + chrono::Duration::days(INVITATION_DAYS);
        assert_eq!(user.accept_invitation(&token, late), Err(InvitationError::Expired));
    }

    #[test]
    fn a_forged_or_foreign_invitation_is_unknown() {
        let (mut user, token, now) = invited();
        let forged = InvitationToken { secret: InvitationSecret::generate(), ..token.clone() };
        assert_eq!(user.accept_invitation(&forged, now), Err(InvitationError::Unknown));
        let foreign = InvitationToken { org_id: OrgId::generate(), ..token.clone() };
        assert_eq!(user.accept_invitation(&foreign, now), Err(InvitationError::Unknown));
        assert!(user.invitation.is_some(), "a refused attempt uses nothing up");
        for bad in [
            "",
            "x.y.z",
            &format!("{}.{}", token.org_id, token.user_id),
            &format!("{}.{}.tf_abc", token.org_id, token.user_id),
        ] {
            assert!(InvitationToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn scopes_follow_the_role_ladder() {
        assert!(Scope::for_role(Role::Viewer).iter().all(|s| s.least_role() == Role::Viewer));
        assert!(!Scope::for_role(Role::Viewer).contains(&Scope::MonitorsWrite));
        assert!(Scope::for_role(Role::Member).contains(&Scope::MonitorsWrite));
        assert!(!Scope::for_role(Role::Member).contains(&Scope::ChannelsWrite));
        assert_eq!(Scope::for_role(Role::Owner).len(), Scope::ALL.len());
    }

    #[test]
    fn emails() {
        assert_eq!(Email::new(" Viewer@Example.com ").unwrap().as_str(), "viewer@example.com");
        for bad in ["", "a", "a@b", "@b.c", "a@b@c.d", "a b@c.d", "a@.c", "a@c."] {
            assert!(Email::new(bad).is_err(), "{bad}");
        }
    }
}
