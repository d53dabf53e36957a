//! The port conformance suites against the embedded adapters (SQLite file, file system).
use std::sync::Arc;
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::adapters::fs::{FsBlobStore, FsStaticSite};

/// Each backend lives in its own temporary directory, removed when the test ends.
struct InDir<T> {
    inner: Arc<T>,
    _dir: tempfile::TempDir,
}

impl<T> std::ops::Deref for InDir<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

async fn store() -> InDir<EmbeddedStore> {
    let dir = tempfile::tempdir().unwrap();
    InDir { inner: Arc::new(EmbeddedStore::open(dir.path()).unwrap()), _dir: dir }
}

async fn blobs() -> InDir<FsBlobStore> {
    let dir = tempfile::tempdir().unwrap();
    InDir { inner: Arc::new(FsBlobStore::new(dir.path(), "http://127.0.0.1:8080".parse().unwrap())), _dir: dir }
}

async fn site() -> InDir<FsStaticSite> {
    let dir = tempfile::tempdir().unwrap();
    InDir { inner: Arc::new(FsStaticSite::new(dir.path())), _dir: dir }
}

tokiflow_shared::store_conformance_tests!(store());
tokiflow_shared::blob_conformance_tests!(blobs());
tokiflow_shared::static_site_conformance_tests!(site());
