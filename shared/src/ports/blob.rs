//! Where full ping outputs live when they are too large to keep inline.
use crate::domain::ids::{MonitorId, OrgId, RunId};
use async_trait::async_trait;
use bytes::Bytes;
use std::time::Duration;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob backend failed: {0}")]
    Backend(String),
}

/// `{org}/{monitor}/{run}`: made only from ids, so it is always a safe path and S3 key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn for_run(org: &OrgId, monitor: &MonitorId, run: &RunId) -> Self {
        Self(format!("{org}/{monitor}/{run}"))
    }

    /// Re-reads a stored key, accepting only the shape `for_run` makes.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('/');
        let ok = parts.next().and_then(OrgId::parse).is_some()
            && parts.next().and_then(MonitorId::parse).is_some()
            && parts.next().and_then(RunId::parse).is_some()
            && parts.next().is_none();
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The org, monitor and run ids the key is made of.
    pub fn ids(&self) -> (&str, &str, &str) {
        let mut parts = self.0.splitn(3, '/');
        let mut next = || parts.next().unwrap_or_default();
        (next(), next(), next())
    }
}

/// How long a download URL for a run's output stays valid.
pub const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(300);

#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &BlobKey, body: Bytes) -> Result<(), BlobError>;
    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError>;
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError>;
    /// A URL to download the blob from for about `valid_for` (S3: a presigned GET that
    /// needs no other credential; the local file store: the API route that serves the
    /// run's output, called with an API key). Made without checking the blob exists.
    async fn download_url(&self, key: &BlobKey, valid_for: Duration) -> Result<Url, BlobError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_reject_traversal() {
        let k = BlobKey::for_run(&OrgId::generate(), &MonitorId::generate(), &RunId::generate());
        assert_eq!(BlobKey::parse(k.as_str()), Some(k.clone()));
        let (org, monitor, run) = k.ids();
        assert_eq!(format!("{org}/{monitor}/{run}"), k.as_str());
        assert_eq!(BlobKey::parse("../../etc/passwd"), None);
        assert_eq!(BlobKey::parse(&format!("{}/x", k.as_str())), None);
    }
}
