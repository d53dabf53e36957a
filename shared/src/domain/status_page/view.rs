//! Everything one rendering of a page shows, computed once from the page, the linked
//! monitors' incidents, the status incidents and the maintenance, at a given moment.
use super::incident::StatusIncident;
use super::maintenance::{MaintenanceState, Occurrence, PageMaintenance};
use super::rollup::{Indicator, Signal, component_status, status_for_severity};
use super::uptime::{self, Day, HISTORY_DAYS, Span};
use super::{Component, ComponentStatus, StatusPage, overall_status};
use crate::domain::ids::MonitorId;
use crate::domain::incident::Incident;
use crate::domain::incident::Severity;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::rollup::{DailyRollup, LatencyHistogram};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// Past incidents shown on the HTML page and in feeds; the JSON lists up to Statuspage's 50.
pub const RECENT_INCIDENTS: usize = 50;

/// Where the page is served: the origin and the path prefix its links start with
/// (`/status/{slug}`, or empty on its custom domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLocation {
    pub origin: String,
    pub prefix: String,
}

impl PageLocation {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}{}", self.origin, self.prefix, path)
    }

    pub fn path(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentView {
    /// With `status` as of the view's moment.
    pub component: Component,
    /// Oldest first, `HISTORY_DAYS` of them.
    pub days: Vec<Day>,
    pub uptime: f64,
    /// The daily median response time of the component's probe monitors, oldest first,
    /// over the last `CHART_DAYS` (days without checks left out); empty when none of
    /// its monitors is a probe.
    pub latency: Vec<(NaiveDate, u64)>,
}

/// Days of response time a component's chart shows.
pub const CHART_DAYS: i64 = 14;

#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceView {
    pub maintenance: PageMaintenance,
    pub occurrence: Occurrence,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusView {
    pub page: StatusPage,
    pub at: DateTime<Utc>,
    pub location: PageLocation,
    pub components: Vec<ComponentView>,
    pub overall: ComponentStatus,
    pub indicator: Indicator,
    /// Newest first, at most `RECENT_INCIDENTS`.
    pub incidents: Vec<StatusIncident>,
    /// Soonest first; cancelled ones left out.
    pub maintenance: Vec<MaintenanceView>,
    /// When anything shown last changed (not when it was rendered, so that an unchanged
    /// page renders to the same bytes and keeps its ETag).
    pub updated_at: DateTime<Utc>,
}

/// What the page's linked monitors kept: their incidents (open and recent) and, for
/// probes, their downtime windows (kept 400 days, so the bars stay true after resolved
/// incidents are swept) and daily rollups (the response-time chart).
#[derive(Debug, Clone, Default)]
pub struct MonitorHistory {
    pub incidents: HashMap<MonitorId, Vec<Incident>>,
    pub downtime: HashMap<MonitorId, Vec<DowntimeWindow>>,
    pub rollups: HashMap<MonitorId, Vec<DailyRollup>>,
}

impl MonitorHistory {
    pub fn of_incidents(incidents: HashMap<MonitorId, Vec<Incident>>) -> Self {
        Self { incidents, ..Default::default() }
    }
}

impl StatusView {
    pub fn build(
        page: StatusPage,
        history: &MonitorHistory,
        mut incidents: Vec<StatusIncident>,
        maintenance: Vec<PageMaintenance>,
        location: PageLocation,
        now: DateTime<Utc>,
    ) -> Self {
        incidents.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.id.cmp(&a.id)));
        incidents.truncate(RECENT_INCIDENTS);
        let mut maintenance: Vec<MaintenanceView> = maintenance
            .into_iter()
            .map(|m| MaintenanceView { occurrence: m.occurrence_at(now), maintenance: m })
            .filter(|m| m.occurrence.state != MaintenanceState::Cancelled)
            .collect();
        maintenance.sort_by_key(|m| (m.occurrence.starts_at, m.maintenance.id.clone()));

        let components: Vec<ComponentView> =
            page.components.iter().map(|c| component_view(c, history, &incidents, &maintenance, now)).collect();
        let mut page = page;
        page.components = components.iter().map(|v| v.component.clone()).collect();
        let overall = overall_status(&page.components);
        let indicator = Indicator::of(overall, incidents.iter().filter(|i| !i.is_resolved()).map(|i| i.impact));
        let updated_at = last_change(&page, &history.incidents, &incidents, &maintenance, now);
        Self { page, at: now, location, components, overall, indicator, incidents, maintenance, updated_at }
    }

    pub fn unresolved(&self) -> impl Iterator<Item = &StatusIncident> {
        self.incidents.iter().filter(|i| !i.is_resolved())
    }

    pub fn resolved(&self) -> impl Iterator<Item = &StatusIncident> {
        self.incidents.iter().filter(|i| i.is_resolved())
    }

    /// In progress or scheduled, soonest first.
    pub fn upcoming(&self) -> impl Iterator<Item = &MaintenanceView> {
        self.maintenance
            .iter()
            .filter(|m| matches!(m.occurrence.state, MaintenanceState::Scheduled | MaintenanceState::InProgress))
    }

    pub fn component(&self, id: &str) -> Option<&ComponentView> {
        self.components.iter().find(|c| c.component.id.as_str() == id)
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// The latest change up to `now` of anything the page shows; the start of today when
/// nothing has happened yet (today's bar starts then).
fn last_change(
    page: &StatusPage,
    monitor_incidents: &HashMap<MonitorId, Vec<Incident>>,
    incidents: &[StatusIncident],
    maintenance: &[MaintenanceView],
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let linked = page.components.iter().flat_map(|c| &c.monitor_ids).filter_map(|m| monitor_incidents.get(m)).flatten();
    let monitor = linked.flat_map(|i| [Some(i.opened_at), i.resolved_at]).flatten();
    let status = incidents.iter().map(StatusIncident::updated_at);
    let planned =
        maintenance.iter().flat_map(|m| [m.maintenance.created_at, m.occurrence.starts_at, m.occurrence.ends_at]);
    let start_of_today = now.date_naive().and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    monitor.chain(status).chain(planned).filter(|t| *t <= now).max().unwrap_or(start_of_today)
}

fn component_view(
    c: &Component,
    history: &MonitorHistory,
    incidents: &[StatusIncident],
    maintenance: &[MaintenanceView],
    now: DateTime<Utc>,
) -> ComponentView {
    let linked: Vec<&Incident> = c.monitor_ids.iter().filter_map(|m| history.incidents.get(m)).flatten().collect();
    let signals = linked
        .iter()
        .filter(|i| !i.is_resolved())
        .map(|i| Signal::MonitorIncident(i.severity))
        .chain(incidents.iter().filter_map(|i| i.status_of(&c.id)).map(Signal::StatusIncident))
        .chain(maintenance.iter().filter(|m| m.maintenance.holds(&c.id, now)).map(|_| Signal::Maintenance));
    let status = component_status(signals);

    let mut spans: Vec<Span> = linked
        .iter()
        .map(|i| Span { start: i.opened_at, end: i.resolved_at, status: status_for_severity(i.severity) })
        .filter(|s| s.status != ComponentStatus::Operational)
        .collect();
    // A probe's downtime, as a DOWN incident of the default severity shows it.
    let down = status_for_severity(Severity::High);
    for w in c.monitor_ids.iter().filter_map(|m| history.downtime.get(m)).flatten() {
        spans.push(Span { start: w.started_at, end: w.ended_at, status: down });
    }
    for i in incidents {
        spans.extend(i.spans_for(&c.id).into_iter().map(|(start, end, status)| Span { start, end, status }));
    }
    for m in maintenance.iter().filter(|m| m.maintenance.auto_status && m.maintenance.covers(&c.id)) {
        let o = m.occurrence;
        if o.state == MaintenanceState::InProgress || o.ends_at <= now {
            spans.push(Span { start: o.starts_at, end: Some(o.ends_at), status: ComponentStatus::UnderMaintenance });
        }
    }
    let days = uptime::daily(&spans, now, HISTORY_DAYS);
    let uptime = uptime::overall_uptime(&days, now);
    let latency = latency(c, &history.rollups);
    ComponentView { component: Component { status, ..c.clone() }, days, uptime, latency }
}

/// The component's daily median response time, from its monitors' rollups merged by day.
fn latency(c: &Component, rollups: &HashMap<MonitorId, Vec<DailyRollup>>) -> Vec<(NaiveDate, u64)> {
    let mut days: BTreeMap<NaiveDate, LatencyHistogram> = BTreeMap::new();
    for r in c.monitor_ids.iter().filter_map(|m| rollups.get(m)).flatten() {
        days.entry(r.day).or_default().merge(&r.latency);
    }
    days.into_iter().filter_map(|(day, h)| h.quantile(0.5).map(|p50| (day, p50))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ComponentId, OrgId, StatusPageId};
    use crate::domain::incident::{IncidentKind, Severity};
    use crate::domain::status_page::incident::{Impact, UpdateBody};
    use crate::domain::status_page::{Theme, Visibility};
    use crate::domain::text::{Name, Slug};
    use chrono::Duration;
    use std::collections::BTreeMap;

    fn page(monitors: &[MonitorId]) -> StatusPage {
        let mut p = StatusPage {
            id: StatusPageId::generate(),
            org_id: OrgId::generate(),
            name: Name::new("Acme").unwrap(),
            description: None,
            slug: Slug::new("acme").unwrap(),
            visibility: Visibility::Public,
            theme: Theme::default(),
            custom_domain: None,
            components: vec![],
        };
        let cs = monitors
            .iter()
            .enumerate()
            .map(|(i, m)| Component {
                id: ComponentId::generate(),
                name: Name::new(&format!("C{i}")).unwrap(),
                position: i as u16,
                monitor_ids: vec![m.clone()],
                service: None,
                description: None,
                status: ComponentStatus::Operational,
            })
            .collect();
        p.set_components(cs).unwrap();
        p
    }

    fn here() -> PageLocation {
        PageLocation { origin: "http://h".into(), prefix: "/status/acme".into() }
    }

    #[test]
    fn component_status_rolls_up_from_monitor_and_status_incidents() {
        let now: DateTime<Utc> = "2026-03-31T12:00:00Z".parse().unwrap();
        let (m1, m2) = (MonitorId::generate(), MonitorId::generate());
        let p = page(&[m1.clone(), m2.clone()]);
        let mut critical = Incident::open(
            p.org_id.clone(),
            m1.clone(),
            IncidentKind::Missed,
            Severity::Critical,
            now - Duration::hours(2),
        );
        critical.resolve(now - Duration::hours(1)).unwrap();
        let high = Incident::open(
            p.org_id.clone(),
            m1.clone(),
            IncidentKind::Fail,
            Severity::High,
            now - Duration::minutes(30),
        );
        let monitor_incidents = HashMap::from([(m1.clone(), vec![high, critical])]);
        let declared = StatusIncident::open(
            p.id.clone(),
            Name::new("Slow reports").unwrap(),
            Impact::Minor,
            UpdateBody::new("Looking").unwrap(),
            BTreeMap::from([(p.components[1].id.clone(), ComponentStatus::DegradedPerformance)]),
            now - Duration::minutes(10),
        );
        let history = MonitorHistory::of_incidents(monitor_incidents);
        let v = StatusView::build(p, &history, vec![declared], vec![], here(), now);
        assert_eq!(v.components[0].component.status, ComponentStatus::PartialOutage, "the open HIGH incident");
        assert_eq!(v.components[1].component.status, ComponentStatus::DegradedPerformance, "the status incident");
        assert_eq!(v.overall, ComponentStatus::PartialOutage);
        assert_eq!(v.indicator, Indicator::Major);
        let today = v.components[0].days.last().unwrap();
        assert_eq!(today.worst, ComponentStatus::MajorOutage);
        assert_eq!(today.down_secs, 3600 + 1800);
        assert_eq!(v.unresolved().count(), 1);
    }

    #[test]
    fn a_probes_downtime_windows_draw_its_bars_after_its_incidents_are_swept() {
        use crate::domain::ids::DowntimeId;
        use crate::domain::probe::check::CheckStatus;
        let now: DateTime<Utc> = "2026-03-31T12:00:00Z".parse().unwrap();
        let m = MonitorId::generate();
        let p = page(std::slice::from_ref(&m));
        let started = now - Duration::days(60);
        let window = DowntimeWindow {
            id: DowntimeId::generate(),
            org_id: p.org_id.clone(),
            monitor_id: m.clone(),
            started_at: started,
            ended_at: Some(started + Duration::hours(2)),
            initial_status: CheckStatus::Down,
            recovery_status: Some(CheckStatus::Up),
            affected_checks: 12,
            root_cause: None,
            notes: None,
        };
        let mut rollup = DailyRollup::empty(p.org_id.clone(), m.clone(), now.date_naive());
        rollup.latency.record(120.0);
        let history = MonitorHistory {
            downtime: HashMap::from([(m.clone(), vec![window])]),
            rollups: HashMap::from([(m.clone(), vec![rollup])]),
            ..Default::default()
        };
        let v = StatusView::build(p, &history, vec![], vec![], here(), now);
        let c = &v.components[0];
        let day = c.days.iter().find(|d| d.date == started.date_naive()).unwrap();
        assert_eq!((day.worst, day.down_secs), (ComponentStatus::PartialOutage, 7200));
        assert_eq!(c.component.status, ComponentStatus::Operational, "long recovered");
        assert_eq!(c.latency, vec![(now.date_naive(), 123)], "today's median, from the rollup (within 5 %)");
    }
}
