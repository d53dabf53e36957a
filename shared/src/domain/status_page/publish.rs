//! The static copy of a public page: every file CloudFront serves from the status bucket
//! (or the local site directory), and which components changed since the last publish.
use super::render::{self, Rendered, Resource, json::Document};
use super::view::StatusView;
use super::{Component, ComponentStatus, StatusPage};

/// Short enough that a change shows within a minute; a CDN may keep serving a stale copy
/// while it revalidates, and for a day if the origin (S3, then the function) fails.
pub const STATIC_CACHE: &str = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400";

/// Where a page's files live in the static site: `status/{slug}/` (the paths the page has
/// under `/status/{slug}`) and, for a page with a custom domain, `domains/{host}/` too
/// (the CloudFront function maps a custom host's paths there).
pub fn roots(page: &StatusPage) -> Vec<String> {
    let mut roots = vec![format!("status/{}/", page.slug)];
    if let Some(d) = &page.custom_domain {
        roots.push(format!("domains/{d}/"));
    }
    roots
}

/// The JSON documents under `api/v2/`, by path.
const DOCUMENTS: [(&str, Document); 8] = [
    ("summary.json", Document::Summary),
    ("status.json", Document::Status),
    ("components.json", Document::Components),
    ("incidents.json", Document::Incidents),
    ("incidents/unresolved.json", Document::UnresolvedIncidents),
    ("scheduled-maintenances.json", Document::ScheduledMaintenances),
    ("scheduled-maintenances/upcoming.json", Document::UpcomingMaintenances),
    ("scheduled-maintenances/active.json", Document::ActiveMaintenances),
];

/// Every file of the page, by its path under a root: `index.html` (what `/` serves),
/// the Statuspage JSON, the feeds and the badges.
pub fn files(view: &StatusView) -> Vec<(String, Rendered)> {
    let mut resources: Vec<(String, Resource)> = vec![
        ("index.html".into(), Resource::Html),
        ("feed.atom".into(), Resource::Atom),
        ("feed.rss".into(), Resource::Rss),
        ("badge.svg".into(), Resource::PageBadge),
    ];
    resources.extend(DOCUMENTS.iter().map(|(path, doc)| (format!("api/v2/{path}"), Resource::Json(*doc))));
    resources.extend(view.components.iter().map(|c| {
        (format!("components/{}/badge.svg", c.component.id), Resource::ComponentBadge(c.component.id.to_string()))
    }));
    resources.into_iter().filter_map(|(path, r)| render::render(view, &r).map(|rendered| (path, rendered))).collect()
}

/// The components whose status differs between the stored page (its cached statuses)
/// and `now`'s roll-up: each with its status before.
pub fn changed_components<'a>(stored: &StatusPage, now: &'a [Component]) -> Vec<(&'a Component, ComponentStatus)> {
    now.iter()
        .filter_map(|c| {
            // A component new to the page counts as having been operational.
            let before =
                stored.components.iter().find(|s| s.id == c.id).map_or(ComponentStatus::Operational, |s| s.status);
            (before != c.status).then_some((c, before))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status_page::fixture;

    #[test]
    fn every_resource_of_the_page_is_a_file() {
        let view = fixture::view(3, 2);
        let files = files(&view);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        for p in ["index.html", "api/v2/summary.json", "api/v2/incidents/unresolved.json", "feed.atom", "badge.svg"] {
            assert!(paths.contains(&p), "{p}");
        }
        assert_eq!(paths.iter().filter(|p| p.starts_with("components/")).count(), 3);
        for (path, _) in &files {
            let served = format!("/{}", path.trim_end_matches("index.html"));
            assert!(Resource::from_path(&served).is_some(), "{path} is a path the function serves too");
        }
    }

    #[test]
    fn changes_compare_with_the_cached_status() {
        let view = fixture::view(2, 1);
        let mut stored = view.page.clone();
        assert!(changed_components(&stored, &view.page.components).is_empty());
        let other = if view.page.components[0].status == ComponentStatus::MajorOutage {
            ComponentStatus::Operational
        } else {
            ComponentStatus::MajorOutage
        };
        stored.components[0].status = other;
        let changed = changed_components(&stored, &view.page.components);
        assert_eq!(changed.len(), 1);
        assert_eq!((changed[0].0.id.clone(), changed[0].1), (view.page.components[0].id.clone(), other));
    }
}
