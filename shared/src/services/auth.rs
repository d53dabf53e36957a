//! Who is calling the management API: an API key, found by its hash, acting with its
//! scopes and its owner's role, from where its org allows; and how fast it may call.
use crate::domain::ids::ApiKeyId;
use crate::domain::org::{ApiKey, Org, Role, Scope, User};
use crate::domain::rate_limit::{RateLimit, TokenBucket};
use crate::domain::secret::ApiKeySecret;
use crate::ports::store::{OrgStore, StoreError};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// A caller that proved who it is.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org: Org,
    pub user: User,
    pub key: ApiKey,
}

impl Principal {
    /// Both must hold: the key has the scope, and its owner has at least the role.
    pub fn may(&self, scope: Scope, role: Role) -> bool {
        self.key.scopes.contains(&scope) && self.user.role >= role
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing API key: send Authorization: Bearer tf_…")]
    Missing,
    /// One answer for unknown, revoked and orphaned keys, so a caller learns nothing.
    #[error("invalid or revoked API key")]
    Invalid,
    #[error("requests from this address are not allowed for this organisation")]
    AddressNotAllowed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads `Authorization: Bearer tf_…` and finds the key, its org and its owner.
pub async fn authenticate(
    store: &dyn OrgStore,
    authorization: Option<&str>,
    source_ip: Option<IpAddr>,
) -> Result<Principal, AuthError> {
    let value = authorization.ok_or(AuthError::Missing)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::Invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Invalid);
    }
    let token = token.trim();
    let secret =
        ApiKeySecret::from_untrusted(token).filter(|s| s.reveal().starts_with("tf_")).ok_or(AuthError::Invalid)?;
    let key = store.api_key_by_hash(&secret.hash()).await?.ok_or(AuthError::Invalid)?;
    // The lookup was by hash already; comparing again in constant time keeps the check
    // independent of how a backend matches its keys.
    if !key.key_hash.matches(secret.reveal()) || !key.is_active() {
        return Err(AuthError::Invalid);
    }
    let org = store.org(&key.org_id).await?.ok_or(AuthError::Invalid)?;
    // A key acts as its creator: once that member is removed, the key is dead.
    let user = store.user(&org.id, &key.created_by).await?.ok_or(AuthError::Invalid)?;
    // No known address (a transport that cannot tell) counts as elsewhere.
    if !org.ip_allowlist.is_empty() && !source_ip.is_some_and(|ip| org.allows(ip)) {
        tracing::info!(org_id = %org.id, key_id = %key.id, ip = ?source_ip, "request from outside the allowlist");
        return Err(AuthError::AddressNotAllowed);
    }
    Ok(Principal { org, user, key })
}

/// Per-key token buckets in this process. In Lambda each instance has its own, so the
/// effective limit is per instance (a burst spread over N warm instances gets N times
/// the allowance): a brake on runaway clients, not a quota.
pub struct RateLimiter {
    limit: RateLimit,
    epoch: Instant,
    buckets: Mutex<HashMap<ApiKeyId, TokenBucket>>,
}

/// Past this many keys, buckets that have refilled are forgotten.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self { limit, epoch: Instant::now(), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from the key's bucket, or says after how many seconds to retry.
    pub fn check(&self, key: &ApiKeyId) -> Result<(), u64> {
        let now = self.epoch.elapsed().as_secs_f64();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| !b.is_full(&self.limit, now));
        }
        buckets.entry(key.clone()).or_insert_with(|| TokenBucket::full(&self.limit, now)).take(&self.limit, now)
    }
}
