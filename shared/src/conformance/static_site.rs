//! The static site port's contract.
use crate::ports::static_site::{SiteFile, SitePath, StaticSite};
use bytes::Bytes;

fn file(path: &str, body: &'static [u8]) -> SiteFile {
    SiteFile::new(SitePath::new(path).unwrap(), Bytes::from_static(body), "application/json", "public, max-age=30")
}

pub async fn put_then_etag_names_the_body(site: &dyn StaticSite) {
    let f = file("status/acme/api/v2/summary.json", b"{\"a\":1}");
    assert_eq!(site.etag(&f.path).await.unwrap(), None, "nothing published yet");
    site.put(&f).await.unwrap();
    assert_eq!(site.etag(&f.path).await.unwrap().as_deref(), Some(f.etag()), "the tag of what was put");
    let g = file("status/acme/api/v2/summary.json", b"{\"a\":2}");
    site.put(&g).await.unwrap();
    assert_eq!(site.etag(&g.path).await.unwrap().as_deref(), Some(g.etag()), "replaced");
    assert_ne!(f.etag(), g.etag());
}

pub async fn delete_under_removes_only_that_prefix(site: &dyn StaticSite) {
    let kept = file("status/acme-two/index.html", b"two");
    for f in [file("status/acme/index.html", b"x"), file("status/acme/components/cmp_1/badge.svg", b"y"), kept.clone()]
    {
        site.put(&f).await.unwrap();
    }
    let prefix = SitePath::prefix("status/acme/").unwrap();
    site.delete_under(&prefix).await.unwrap();
    assert_eq!(site.etag(&SitePath::new("status/acme/index.html").unwrap()).await.unwrap(), None);
    assert_eq!(site.etag(&SitePath::new("status/acme/components/cmp_1/badge.svg").unwrap()).await.unwrap(), None);
    assert_eq!(
        site.etag(&kept.path).await.unwrap().as_deref(),
        Some(kept.etag()),
        "a page whose slug starts alike is kept"
    );
    site.delete_under(&prefix).await.expect("deleting nothing is fine");
}
