//! A test fixture: a deterministic page (fixed ids and times): what the golden tests compare and
//! the render benchmark measures.
use super::incident::{Impact, IncidentState, StatusIncident, UpdateBody};
use super::maintenance::PageMaintenance;
use super::view::{MonitorHistory, PageLocation, StatusView};
use super::{Component, ComponentStatus, StatusPage, Theme, Visibility};
use crate::domain::ids::{
    ComponentId, IncidentId, IncidentUpdateId, MaintenanceId, MonitorId, OrgId, PageMaintenanceId, StatusIncidentId,
    StatusPageId,
};
use crate::domain::incident::{Incident, IncidentKind, Severity};
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::text::{Name, Slug};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};

const NAMES: &[&str] = &["API", "Dashboard", "Database", "Webhooks", "Scheduler", "Email delivery"];

/// The moment the sample is rendered at.
pub fn now() -> DateTime<Utc> {
    "2026-03-31T12:00:00Z".parse().expect("valid time")
}

/// `prefix_` and `n` as 32 hex digits: the shape `generate` makes, but fixed.
macro_rules! fixed {
    ($t:ty, $n:expr) => {
        <$t>::parse(&format!("{}_{:032x}", <$t>::PREFIX, $n)).expect("fixed id")
    };
}

fn name(s: &str) -> Name {
    Name::new(s).expect("valid name")
}

fn body(s: &str) -> UpdateBody {
    UpdateBody::new(s).expect("valid body")
}

/// A page of `components` components, each with `incidents_per_component` resolved
/// monitor incidents spread over the last 90 days; one resolved and one active status
/// incident; one completed and one upcoming (weekly) maintenance.
pub fn view(components: usize, incidents_per_component: usize) -> StatusView {
    let now = now();
    let page_id: StatusPageId = fixed!(StatusPageId, 1);
    let org_id: OrgId = fixed!(OrgId, 1);
    let mut monitor_incidents: HashMap<MonitorId, Vec<Incident>> = HashMap::new();
    let mut cs = Vec::new();
    for i in 0..components {
        let monitor: MonitorId = fixed!(MonitorId, i + 1);
        let label = NAMES.get(i).map_or_else(|| format!("Service {}", i + 1), |n| (*n).to_owned());
        let mut list = Vec::new();
        for k in 0..incidents_per_component {
            let days_ago = ((i * 7 + k * 23) % 88 + 1) as i64;
            let opened = now - Duration::days(days_ago) + Duration::minutes(((i * 37 + k * 11) % 600) as i64);
            let severity = [Severity::Medium, Severity::High, Severity::Critical][(i + k) % 3];
            let mut inc = Incident::open(org_id.clone(), monitor.clone(), IncidentKind::Missed, severity, opened);
            inc.id = fixed!(IncidentId, i * 1000 + k + 1);
            inc.resolve(opened + Duration::minutes(20 + ((i * k) % 120) as i64)).expect("open");
            list.push(inc);
        }
        monitor_incidents.insert(monitor.clone(), list);
        cs.push(Component {
            id: fixed!(ComponentId, i + 1),
            name: name(&label),
            position: i as u16,
            monitor_ids: vec![monitor],
            service: None,
            description: (i == 0).then(|| "Public REST API & webhooks <v2>".to_owned()),
            status: ComponentStatus::Operational,
        });
    }
    let mut page = StatusPage {
        id: page_id.clone(),
        org_id: org_id.clone(),
        name: name("Acme Cloud"),
        description: Some("Live status of Acme's services".into()),
        slug: Slug::new("acme").expect("valid slug"),
        visibility: Visibility::Public,
        theme: Theme::default(),
        custom_domain: None,
        components: vec![],
    };
    page.set_components(cs).expect("within the bound");

    let comp = |n: usize| page.components[n.min(page.components.len() - 1)].id.clone();
    let t_resolved = now - Duration::days(3);
    let mut resolved = StatusIncident::open(
        page_id.clone(),
        name("Delayed webhook deliveries"),
        Impact::Minor,
        body("Webhooks are being delivered with a delay of up to 10 minutes. We are investigating."),
        BTreeMap::from([(comp(3), ComponentStatus::DegradedPerformance)]),
        t_resolved,
    );
    resolved
        .post(
            IncidentState::Identified,
            body("A queue consumer was stuck after a deploy."),
            None,
            t_resolved + Duration::minutes(12),
        )
        .expect("open");
    resolved
        .post(
            IncidentState::Monitoring,
            body("Consumers restarted; the backlog is draining."),
            None,
            t_resolved + Duration::minutes(25),
        )
        .expect("open");
    resolved
        .post(
            IncidentState::Resolved,
            body("All webhooks have been delivered."),
            None,
            t_resolved + Duration::minutes(48),
        )
        .expect("open");

    let t_active = now - Duration::minutes(40);
    let mut active = StatusIncident::open(
        page_id.clone(),
        name("Elevated API error rates"),
        Impact::Major,
        body("Some API requests fail with 503. We are investigating."),
        BTreeMap::from([(comp(0), ComponentStatus::PartialOutage)]),
        t_active,
    );
    active
        .post(
            IncidentState::Identified,
            body("One database replica is unhealthy; failing over."),
            None,
            t_active + Duration::minutes(15),
        )
        .expect("open");
    for (n, i) in [&mut resolved, &mut active].into_iter().enumerate() {
        i.id = fixed!(StatusIncidentId, n + 1);
        for (k, u) in i.updates.iter_mut().enumerate() {
            u.id = fixed!(IncidentUpdateId, (n + 1) * 100 + k);
        }
    }

    let window = |id: usize, start: DateTime<Utc>, hours: i64, rule: Option<&str>, label: &str| {
        let mut w = MaintenanceWindow::new(
            org_id.clone(),
            name(label),
            start,
            start + Duration::hours(hours),
            rule.map(|r| Recurrence::parse(r).expect("valid rule")),
            chrono_tz::Tz::UTC,
            vec![],
        )
        .expect("valid window");
        w.id = fixed!(MaintenanceId, id);
        w
    };
    let mut upcoming = PageMaintenance::new(
        page_id.clone(),
        window(
            1,
            now + Duration::days(2) - Duration::hours(10),
            2,
            Some("FREQ=WEEKLY;COUNT=8"),
            "Weekly database patching",
        ),
        vec![comp(2)],
        Some(body("The database may be read-only for up to five minutes.")),
        now - Duration::days(1),
    );
    upcoming.id = fixed!(PageMaintenanceId, 1);
    let mut done = PageMaintenance::new(
        page_id.clone(),
        window(2, now - Duration::days(10), 1, None, "Network upgrade"),
        vec![comp(1)],
        None,
        now - Duration::days(14),
    );
    done.id = fixed!(PageMaintenanceId, 2);

    let location = PageLocation { origin: "https://status.example.com".into(), prefix: "/status/acme".into() };
    let history = MonitorHistory::of_incidents(monitor_incidents);
    StatusView::build(page, &history, vec![resolved, active], vec![upcoming, done], location, now)
}
