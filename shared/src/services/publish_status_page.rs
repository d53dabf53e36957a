//! Publishing a status page after a change: recompute its components' statuses from the
//! linked monitors' open incidents (and status incidents, maintenance) and store them,
//! tell the subscribers what changed, and write the public page's static copy (HTML,
//! Statuspage JSON, feeds, badges) so CloudFront serves it even when the function or the
//! database is degraded. Only files whose bytes changed are written; a private page has
//! no static copy (it is removed if the page was public before).
use crate::domain::ids::{MonitorId, OrgId};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::publish::{STATIC_CACHE, changed_components, files, roots};
use crate::domain::status_page::subscriber::Announcement;
use crate::domain::status_page::view::{PageLocation, StatusView};
use crate::domain::status_page::{StatusPage, Visibility};
use crate::ports::static_site::{SiteError, SiteFile, SitePath, StaticSite};
use crate::ports::store::{ConfigStore, IncidentStore, OrgStore, ProbeStore, StatusStore, StoreError};
use crate::services::render_status_page::load_view;
use crate::services::subscribers::SubscriberService;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Site(#[from] SiteError),
}

/// What one publish did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PublishReport {
    /// Components whose stored status changed.
    pub changed_components: usize,
    /// Files written (their bytes differed from the published ones).
    pub written: usize,
    pub unchanged: usize,
    /// Messages sent to subscribers.
    pub announced: usize,
}

/// What publishing reads and writes: the orgs' pages and what they show (status
/// incidents, maintenance, the linked monitors' incidents), and the pages' components.
pub trait PublishStore: OrgStore + ConfigStore + StatusStore + IncidentStore + ProbeStore {}
impl<T: ?Sized + OrgStore + ConfigStore + StatusStore + IncidentStore + ProbeStore> PublishStore for T {}

pub struct StatusPublisher {
    store: Arc<dyn PublishStore>,
    site: Arc<dyn StaticSite>,
    subscribers: Arc<SubscriberService>,
    /// The origin the static copy's links use for `/status/{slug}` (the CDN's name in AWS).
    public_url: String,
}

impl StatusPublisher {
    pub fn new(
        store: Arc<dyn PublishStore>,
        site: Arc<dyn StaticSite>,
        subscribers: Arc<SubscriberService>,
        public_url: &str,
    ) -> Self {
        Self { store, site, subscribers, public_url: public_url.trim_end_matches('/').to_owned() }
    }

    /// Publishes every page of `org` that shows `monitor`: what the notifier calls for
    /// each incident event.
    #[tracing::instrument(skip_all, fields(org_id = %org, monitor_id = %monitor))]
    pub async fn publish_for_monitor(
        &self,
        org: &OrgId,
        monitor: &MonitorId,
        now: DateTime<Utc>,
    ) -> Result<Vec<PublishReport>, PublishError> {
        let pages = self.store.status_pages_of_org(org).await?;
        let mut reports = Vec::new();
        for page in pages.into_iter().filter(|p| p.components.iter().any(|c| c.monitor_ids.contains(monitor))) {
            reports.push(self.publish_page(page, now).await?);
        }
        Ok(reports)
    }

    /// Publishes every page of every org (the local server at start: the static copy
    /// catches up with whatever changed while it was down). Failures are logged.
    pub async fn publish_all(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut published = 0;
        for org in self.store.orgs().await? {
            for page in self.store.status_pages_of_org(&org.id).await? {
                match self.publish_page(page, now).await {
                    Ok(_) => published += 1,
                    Err(e) => tracing::error!(org_id = %org.id, error = %e, "publishing a status page failed"),
                }
            }
        }
        Ok(published)
    }

    /// What the notifier calls after each incident event: publishes the pages that show
    /// the incident's monitor. Best effort: a failure is logged, and the next event (or
    /// the function's own rendering) covers it.
    pub async fn publish_after(&self, event: &IncidentEvent) {
        let i = &event.incident;
        if let Err(e) = self.publish_for_monitor(&i.org_id, &i.monitor_id, Utc::now()).await {
            tracing::error!(incident_id = %i.id, error = %e, "publishing status pages failed");
        }
    }

    /// Where subscribers' links point: the page's custom domain, else `/status/{slug}` on
    /// the public URL.
    pub fn public_location(&self, page: &StatusPage) -> PageLocation {
        match &page.custom_domain {
            Some(domain) => PageLocation { origin: format!("https://{domain}"), prefix: String::new() },
            None => PageLocation { origin: self.public_url.clone(), prefix: format!("/status/{}", page.slug) },
        }
    }

    /// Stores a status incident (opened or updated), tells the subscribers and publishes.
    pub async fn put_status_incident(
        &self,
        page: StatusPage,
        incident: &StatusIncident,
        now: DateTime<Utc>,
    ) -> Result<PublishReport, PublishError> {
        self.store.put_status_incident(incident).await?;
        let told = self
            .subscribers
            .announce(&page, &self.public_location(&page), &Announcement::status_incident(incident))
            .await?;
        let mut report = self.publish_page(page, now).await?;
        report.announced += told.sent;
        Ok(report)
    }

    /// Stores announced maintenance (new, changed or cancelled), tells the subscribers
    /// and publishes.
    pub async fn put_page_maintenance(
        &self,
        page: StatusPage,
        m: &PageMaintenance,
        now: DateTime<Utc>,
    ) -> Result<PublishReport, PublishError> {
        self.store.put_page_maintenance(m).await?;
        let told =
            self.subscribers.announce(&page, &self.public_location(&page), &Announcement::maintenance(m, now)).await?;
        let mut report = self.publish_page(page, now).await?;
        report.announced += told.sent;
        Ok(report)
    }

    /// Publishes `page` after an edit: first removes the copies under the roots `before`
    /// had and `page` has not (a changed slug or custom domain), then publishes.
    pub async fn republish(
        &self,
        before: &StatusPage,
        page: StatusPage,
        now: DateTime<Utc>,
    ) -> Result<PublishReport, PublishError> {
        let kept = roots(&page);
        for root in roots(before).into_iter().filter(|r| !kept.contains(r)) {
            self.site.delete_under(&site_path(&root, None)?).await?;
        }
        self.publish_page(page, now).await
    }

    /// Recomputes and stores the components' statuses (telling subscribers of each
    /// change), then writes the static copy of a public page or removes a private one's.
    #[tracing::instrument(skip_all, fields(page_id = %page.id, slug = %page.slug))]
    pub async fn publish_page(&self, page: StatusPage, now: DateTime<Utc>) -> Result<PublishReport, PublishError> {
        let location = PageLocation { origin: self.public_url.clone(), prefix: format!("/status/{}", page.slug) };
        let view = load_view(self.store.as_ref(), page.clone(), location, now).await?;
        let mut report = PublishReport::default();

        let changed = changed_components(&page, &view.page.components);
        if !changed.is_empty() {
            report.changed_components = changed.len();
            self.store.put_status_page(&view.page).await?;
            let at = self.public_location(&view.page);
            for (component, before) in changed {
                let news = Announcement::component_changed(component, before, now);
                report.announced += self.subscribers.announce(&view.page, &at, &news).await?.sent;
            }
        }

        let roots = roots(&view.page);
        if let Visibility::Private { .. } = view.page.visibility {
            for root in &roots {
                self.site.delete_under(&site_path(root, None)?).await?;
            }
            return Ok(report);
        }
        for root in &roots {
            // A custom domain's copy links to its own root.
            let on_domain = root.starts_with("domains/");
            let view = match (&view.page.custom_domain, on_domain) {
                (Some(domain), true) => StatusView {
                    location: PageLocation { origin: format!("https://{domain}"), prefix: String::new() },
                    ..view.clone()
                },
                _ => view.clone(),
            };
            for (path, rendered) in files(&view) {
                let file = SiteFile::new(
                    site_path(root, Some(&path))?,
                    Bytes::from(rendered.body),
                    rendered.content_type,
                    STATIC_CACHE,
                );
                if self.site.etag(&file.path).await?.as_deref() == Some(file.etag()) {
                    report.unchanged += 1;
                } else {
                    self.site.put(&file).await?;
                    report.written += 1;
                }
            }
        }
        tracing::info!(
            changed_components = report.changed_components,
            written = report.written,
            unchanged = report.unchanged,
            announced = report.announced,
            "status page published"
        );
        Ok(report)
    }
}

/// `root` (`status/{slug}/`) joined with a file's path, or the root itself as a prefix.
/// Slugs, host names and ids always make valid site paths.
fn site_path(root: &str, file: Option<&str>) -> Result<SitePath, SiteError> {
    let made = match file {
        Some(f) => SitePath::new(&format!("{root}{f}")),
        None => SitePath::prefix(root),
    };
    made.ok_or_else(|| SiteError::Backend(format!("not a site path: {root}{}", file.unwrap_or_default())))
}
