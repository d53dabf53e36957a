//! The static copy of the public status pages: files CloudFront serves without calling a
//! function (S3 in AWS, a directory locally).
use async_trait::async_trait;
use bytes::Bytes;

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("static site backend failed: {0}")]
    Backend(String),
}

/// A path in the site, relative to its root: made by the publisher from slugs, host
/// names, ids and fixed names, and checked again here so no adapter can be led outside
/// its root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SitePath(String);

impl SitePath {
    pub fn new(s: &str) -> Option<Self> {
        let segment_ok = |seg: &str| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        let ok = s.len() <= 512 && s.split('/').all(segment_ok);
        ok.then(|| Self(s.to_owned()))
    }

    /// A prefix of paths (`status/acme/`): a path with a trailing slash.
    pub fn prefix(s: &str) -> Option<Self> {
        Self::new(s.strip_suffix('/')?).map(|p| Self(format!("{}/", p.0)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct SiteFile {
    pub path: SitePath,
    pub body: Bytes,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    /// The body's validator (`render::etag`): a later publish compares it to tell an
    /// unchanged file, and writes nothing.
    etag: String,
}

impl SiteFile {
    pub fn new(path: SitePath, body: Bytes, content_type: &'static str, cache_control: &'static str) -> Self {
        let etag = crate::domain::status_page::render::etag(&body);
        Self { path, body, content_type, cache_control, etag }
    }

    pub fn etag(&self) -> &str {
        &self.etag
    }
}

#[async_trait]
pub trait StaticSite: Send + Sync {
    /// The `etag` the file at `path` was last put with; `None` if there is none.
    async fn etag(&self, path: &SitePath) -> Result<Option<String>, SiteError>;
    async fn put(&self, file: &SiteFile) -> Result<(), SiteError>;
    /// Removes every file under `prefix` (a page that went private or away); idempotent.
    async fn delete_under(&self, prefix: &SitePath) -> Result<(), SiteError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        assert!(SitePath::new("status/acme/api/v2/summary.json").is_some());
        assert!(SitePath::new("domains/status.example.com/index.html").is_some());
        for bad in ["", "/abs", "a//b", "a/../b", "..", "a/./b", "a b", "a/b/", "a\\b"] {
            assert!(SitePath::new(bad).is_none(), "{bad}");
        }
        assert_eq!(SitePath::prefix("status/acme/").unwrap().as_str(), "status/acme/");
        assert!(SitePath::prefix("status/acme").is_none());
    }
}
