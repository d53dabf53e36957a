//! The blob port's contract.
use crate::domain::ids::{MonitorId, OrgId, RunId};
use crate::ports::blob::{BlobKey, BlobStore};
use bytes::Bytes;

fn key() -> BlobKey {
    BlobKey::for_run(&OrgId::generate(), &MonitorId::generate(), &RunId::generate())
}

pub async fn put_get_round_trip(b: &dyn BlobStore) {
    let k = key();
    let body = Bytes::from((0..20_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    b.put(&k, body.clone()).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap(), Some(body), "get returns what put stored, byte for byte");
}

pub async fn missing_is_none(b: &dyn BlobStore) {
    assert_eq!(b.get(&key()).await.unwrap(), None, "a missing key is None, not an error");
}

pub async fn put_overwrites(b: &dyn BlobStore) {
    let k = key();
    b.put(&k, Bytes::from_static(b"first")).await.unwrap();
    b.put(&k, Bytes::from_static(b"second")).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap().as_deref(), Some(&b"second"[..]));
}

pub async fn delete_is_idempotent(b: &dyn BlobStore) {
    let k = key();
    b.put(&k, Bytes::from_static(b"x")).await.unwrap();
    b.delete(&k).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap(), None, "deleted");
    b.delete(&k).await.expect("deleting a missing key is fine");
}

pub async fn empty_body(b: &dyn BlobStore) {
    let k = key();
    b.put(&k, Bytes::new()).await.unwrap();
    assert_eq!(b.get(&k).await.unwrap(), Some(Bytes::new()), "an empty blob exists and is empty");
}

/// A download URL is absolute, names the run, and is there for any stored blob.
pub async fn download_url_names_the_blob(b: &dyn BlobStore) {
    let k = key();
    b.put(&k, Bytes::from_static(b"full output")).await.unwrap();
    let url = b.download_url(&k, crate::ports::blob::DOWNLOAD_URL_TTL).await.unwrap();
    assert!(matches!(url.scheme(), "http" | "https"), "{url}");
    let (_, monitor, run) = k.ids();
    assert!(url.path().contains(run) && url.path().contains(monitor), "the URL names the run: {url}");
}
