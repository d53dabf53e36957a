//! Rendering a `StatusView` to the bytes served: the HTML page, Statuspage-compatible
//! JSON, Atom and RSS feeds, SVG badges; each with a strong ETag. Pure functions.
pub mod badge;
pub mod feed;
pub mod html;
pub mod json;

use super::view::StatusView;
pub use crate::domain::text::{escape, push_escaped};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// What can be served of a page, by its path under the page (`/status/{slug}` or the
/// root of its custom domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Html,
    Json(json::Document),
    Atom,
    Rss,
    PageBadge,
    ComponentBadge(String),
}

impl Resource {
    /// `""`, `"/"`, `"/api/v2/summary.json"`, `"/feed.atom"`, `"/components/{id}/badge.svg"`…
    pub fn from_path(path: &str) -> Option<Self> {
        Some(match path {
            // `/index.html`: the static copy's key, which CloudFront asks the function
            // for when S3 cannot answer.
            "" | "/" | "/index.html" => Self::Html,
            "/feed.atom" | "/history.atom" => Self::Atom,
            "/feed.rss" | "/history.rss" => Self::Rss,
            "/badge.svg" => Self::PageBadge,
            _ => {
                if let Some(doc) = path.strip_prefix("/api/v2/") {
                    return json::Document::from_path(doc).map(Self::Json);
                }
                let id = path.strip_prefix("/components/")?.strip_suffix("/badge.svg")?;
                // Bounded and plain, since it is looked up and never echoed.
                if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    return None;
                }
                Self::ComponentBadge(id.to_owned())
            }
        })
    }
}

/// The resource rendered from `view`; `None` for a component the page does not have.
pub fn render(view: &StatusView, resource: &Resource) -> Option<Rendered> {
    Some(match resource {
        Resource::Html => html::render(view),
        Resource::Json(doc) => json::render(view, *doc),
        Resource::Atom => feed::atom(view),
        Resource::Rss => feed::rss(view),
        Resource::PageBadge => badge::page(view),
        Resource::ComponentBadge(id) => return badge::component(view, id),
    })
}

/// A rendered body and what to serve it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// A strong validator of exactly these bytes, quoted (`"…"`).
    pub etag: String,
}

impl Rendered {
    pub fn new(body: impl Into<Vec<u8>>, content_type: &'static str) -> Self {
        let body = body.into();
        let etag = etag(&body);
        Self { body, content_type, etag }
    }
}

/// 128 bits of the body's SHA-256: equal bytes, equal tag; anything else, another.
pub fn etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(&Sha256::digest(body)[..16]))
}

/// `0.99953` → `99.95%`: two decimals, rounded down so an outage never shows as 100%.
pub fn percent(share: f64) -> String {
    let hundredths = (share * 10_000.0).floor().clamp(0.0, 10_000.0) as u32;
    let mut s = String::new();
    let _ = write!(s, "{}.{:02}%", hundredths / 100, hundredths % 100);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
    }

    #[test]
    fn etag_is_strong_and_changes_with_the_body() {
        let a = etag(b"one");
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        assert_eq!(a, etag(b"one"));
        assert_ne!(a, etag(b"one "));
    }

    #[test]
    fn resources_by_path() {
        assert_eq!(Resource::from_path(""), Some(Resource::Html));
        assert_eq!(Resource::from_path("/"), Some(Resource::Html));
        assert_eq!(
            Resource::from_path("/api/v2/incidents/unresolved.json"),
            Some(Resource::Json(json::Document::UnresolvedIncidents))
        );
        assert_eq!(Resource::from_path("/api/v2/nope.json"), None);
        assert_eq!(Resource::from_path("/feed.rss"), Some(Resource::Rss));
        assert_eq!(Resource::from_path("/components/cmp_1/badge.svg"), Some(Resource::ComponentBadge("cmp_1".into())));
        assert_eq!(Resource::from_path("/components/<x>/badge.svg"), None);
        assert_eq!(Resource::from_path("/components//badge.svg"), None);
        assert_eq!(Resource::from_path("/other"), None);
    }

    #[test]
    fn percent_rounds_down() {
        assert_eq!(percent(1.0), "100.00%");
        assert_eq!(percent(0.999_99), "99.99%");
        assert_eq!(percent(0.5), "50.00%");
        assert_eq!(percent(0.0), "0.00%");
    }
}
