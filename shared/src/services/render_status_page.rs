//! Rendering a status page: load what it shows from the store, build the view at `now`,
//! render the requested resource.
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::view::{CHART_DAYS, MonitorHistory, PageLocation, RECENT_INCIDENTS, StatusView};
use crate::ports::store::{IncidentStore, ProbeStore, StatusStore, StoreError};
use chrono::{DateTime, Duration, Utc};

/// Reads the linked monitors' incidents and (for probes) daily rollups, the page's status
/// incidents and maintenance, and builds the view.
pub async fn load_view<S: ?Sized + IncidentStore + StatusStore + ProbeStore>(
    store: &S,
    page: StatusPage,
    location: PageLocation,
    now: DateTime<Utc>,
) -> Result<StatusView, StoreError> {
    let mut history = MonitorHistory::default();
    let first_day = (now - Duration::days(CHART_DAYS - 1)).date_naive();
    for id in page.components.iter().flat_map(|c| &c.monitor_ids) {
        if !history.incidents.contains_key(id) {
            history.incidents.insert(id.clone(), store.incidents_of_monitor(id).await?);
            history.downtime.insert(id.clone(), store.downtime_windows(id).await?);
            history.rollups.insert(id.clone(), store.rollups(id, first_day, now.date_naive()).await?);
        }
    }
    let incidents = store.status_incidents_of_page(&page.id, RECENT_INCIDENTS).await?;
    let maintenance = store.page_maintenance_of_page(&page.id).await?;
    Ok(StatusView::build(page, &history, incidents, maintenance, location, now))
}
