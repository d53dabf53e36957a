//! The blob port on the local file system (one file per key under a root directory), and
//! the static site port on a directory.
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
use crate::ports::static_site::{SiteError, SiteFile, SitePath, StaticSite};
use async_trait::async_trait;
use bytes::Bytes;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

pub struct FsBlobStore {
    root: PathBuf,
    /// Where the local server is reached (`Config::base_url`), for download URLs.
    base_url: Url,
}

impl FsBlobStore {
    pub fn new(root: impl Into<PathBuf>, base_url: Url) -> Self {
        Self { root: root.into(), base_url }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        // Keys are made only of ids and '/', so they cannot escape the root.
        self.root.join(key.as_str())
    }
}

fn backend(e: std::io::Error) -> BlobError {
    BlobError::Backend(e.to_string())
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &BlobKey, body: Bytes) -> Result<(), BlobError> {
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(backend)?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension("tmp");
        tokio::fs::write(&tmp, &body).await.map_err(backend)?;
        tokio::fs::rename(&tmp, &path).await.map_err(backend)
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        match tokio::fs::read(self.path(key)).await {
            Ok(v) => Ok(Some(Bytes::from(v))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(backend(e)),
            _ => Ok(()),
        }
    }

    /// The management API's run output route, which serves this blob to a caller with an
    /// API key: a file on disk has no signed URLs, and the key stands in for the signature,
    /// so `valid_for` does not apply.
    async fn download_url(&self, key: &BlobKey, _valid_for: Duration) -> Result<Url, BlobError> {
        let (_, monitor, run) = key.ids();
        let base = self.base_url.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/api/v1/monitors/{monitor}/runs/{run}/output"))
            .map_err(|e| BlobError::Backend(format!("download URL for {}: {e}", key.as_str())))
    }
}

/// The static site port on a directory: the files as CloudFront would serve them from S3.
pub struct FsStaticSite {
    root: PathBuf,
}

impl FsStaticSite {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    fn path(&self, p: &SitePath) -> PathBuf {
        // Site paths are checked segment by segment (no `..`, no absolute paths).
        self.root.join(p.as_str())
    }
}

fn site_backend(e: std::io::Error) -> SiteError {
    SiteError::Backend(e.to_string())
}

#[async_trait]
impl StaticSite for FsStaticSite {
    /// A directory keeps no metadata: the tag is the file's own, recomputed.
    async fn etag(&self, path: &SitePath) -> Result<Option<String>, SiteError> {
        match tokio::fs::read(self.path(path)).await {
            Ok(body) => Ok(Some(crate::domain::status_page::render::etag(&body))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(site_backend(e)),
        }
    }

    async fn put(&self, file: &SiteFile) -> Result<(), SiteError> {
        let path = self.path(&file.path);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(site_backend)?;
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        tokio::fs::write(&tmp, &file.body).await.map_err(site_backend)?;
        tokio::fs::rename(&tmp, &path).await.map_err(site_backend)
    }

    async fn delete_under(&self, prefix: &SitePath) -> Result<(), SiteError> {
        match tokio::fs::remove_dir_all(self.root.join(prefix.as_str().trim_end_matches('/'))).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(site_backend(e)),
            _ => Ok(()),
        }
    }
}
