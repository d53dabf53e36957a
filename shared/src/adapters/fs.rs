//! The blob port on the local file system: one file per key under a root directory.
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
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
        Self {
            root: root.into(),
            base_url,
        }
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
