//! Demo data: an org with users, monitors with history, a dependency, a resolved LATE
//! incident, a status page (with a resolved and an active status incident and upcoming
//! maintenance) and an API key. Seeding twice re-issues the secrets instead
//! of duplicating data, since secrets are stored only as hashes and shown once.
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{ComponentId, MonitorId, RunId, StatusPageId, UserId};
use crate::domain::incident::{Incident, IncidentKind, Severity};
use crate::domain::maintenance::{MaintenanceWindow, Recurrence};
use crate::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use crate::domain::org::{ApiKey, Email, Org, Role, Scope, User};
use crate::domain::ping::PingSignal;
use crate::domain::run::{RunKey, RunOutput, RunState};
use crate::domain::schedule::Schedule;
use crate::domain::secret::{ApiKeySecret, PingToken};
use crate::domain::status_page::incident::{Impact, IncidentState, StatusIncident, UpdateBody};
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::{Component, ComponentStatus, StatusPage, Theme, Visibility};
use crate::domain::text::{Name, Slug};
use crate::ports::store::{ConfigStore, IncidentStore, MonitorStore, OrgStore, PingStore, StatusStore, StoreError};
use chrono::{DateTime, Datelike, Duration, Utc};
use std::collections::BTreeMap;

pub const DEMO_ORG_NAME: &str = "Tokiflow Demo";
pub const DEMO_STATUS_SLUG: &str = "dev-status";
const DEMO_KEY_NAME: &str = "demo";

/// The secrets of the demo, to print once.
#[derive(Debug)]
pub struct DemoCredentials {
    pub monitors: Vec<(String, PingToken)>,
    pub api_key: ApiKeySecret,
    pub status_page_slug: String,
    /// False when the demo existed and only its secrets were re-issued.
    pub created: bool,
}

struct DemoMonitor {
    name: &'static str,
    schedule: fn() -> Schedule,
    grace_secs: i64,
    severity: Severity,
    tags: &'static [&'static str],
    /// (minutes ago the run started, seconds it ran, exit code, output)
    history: &'static [(i64, i64, u8, &'static str)],
}

const DEMO_MONITORS: &[DemoMonitor] = &[
    DemoMonitor {
        name: "API heartbeat",
        schedule: || Schedule::interval(60).expect("valid"),
        grace_secs: 30,
        severity: Severity::High,
        tags: &["api", "prod"],
        history: &[
            (5, 1, 0, "GET /health 200 in 12ms"),
            (4, 1, 0, "GET /health 200 in 9ms"),
            (3, 2, 0, "GET /health 200 in 15ms"),
        ],
    },
    DemoMonitor {
        name: "Database backup",
        schedule: || Schedule::cron("0 2 * * *", "UTC").expect("valid"),
        grace_secs: 1800,
        severity: Severity::Critical,
        tags: &["db", "prod"],
        history: &[
            (3 * 1440, 754, 0, "pg_dump: dumped 1.9 GB in 12m34s\nuploaded to s3://backups/2026/db.sql.gz"),
            (2 * 1440, 1490, 0, "pg_dump: dumped 1.9 GB in 24m50s (slow disk)\nuploaded"),
            (1440, 731, 0, "pg_dump: dumped 2.0 GB in 12m11s\nuploaded"),
        ],
    },
    DemoMonitor {
        name: "Morning report",
        schedule: || Schedule::cron("0 9 * * 1-5", "America/New_York").expect("valid"),
        grace_secs: 900,
        severity: Severity::Medium,
        tags: &["reports"],
        history: &[
            (1440, 42, 1, "report.py: KeyError: 'region'\nTraceback (most recent call last): ..."),
            (60, 40, 0, "report sent to 14 recipients"),
        ],
    },
];

fn name(s: &str) -> Name {
    Name::new(s).expect("demo names are valid")
}

/// What the demo writes: an org with its owner and key, monitors with runs and
/// incidents, maintenance, and a status page with what it shows.
pub trait SeedStore: OrgStore + MonitorStore + PingStore + IncidentStore + ConfigStore + StatusStore {}
impl<T: ?Sized + OrgStore + MonitorStore + PingStore + IncidentStore + ConfigStore + StatusStore> SeedStore for T {}

/// Creates the demo org, or re-issues its secrets when it exists.
pub async fn seed_demo(store: &dyn SeedStore, now: DateTime<Utc>) -> Result<DemoCredentials, StoreError> {
    let existing = store.orgs().await?.into_iter().find(|o| o.name.as_str() == DEMO_ORG_NAME);
    match existing {
        Some(org) => reissue(store, org, now).await,
        None => create(store, now).await,
    }
}

async fn new_api_key(
    store: &dyn SeedStore,
    org: &Org,
    owner: &UserId,
    now: DateTime<Utc>,
) -> Result<ApiKeySecret, StoreError> {
    let all = Scope::ALL.into_iter().collect();
    let (key, secret) = ApiKey::issue(org.id.clone(), name(DEMO_KEY_NAME), owner.clone(), all, now);
    store.create_api_key(&key).await?;
    Ok(secret)
}

async fn reissue(store: &dyn SeedStore, org: Org, now: DateTime<Utc>) -> Result<DemoCredentials, StoreError> {
    let mut monitors = Vec::new();
    // Only the demo's own monitors: one made through the API keeps its token (its job's
    // scripts would otherwise start getting 404).
    let demo_names: Vec<&str> = DEMO_MONITORS.iter().map(|d| d.name).collect();
    for m in store.monitors_of_org(&org.id).await? {
        if !demo_names.contains(&m.name.as_str()) {
            continue;
        }
        let token = PingToken::generate();
        let mut updated = m.clone();
        updated.token_hash = token.hash();
        updated.version += 1;
        store.update_monitor(&updated, m.version).await?;
        monitors.push((m.name.to_string(), token));
    }
    for mut key in store.api_keys_of_org(&org.id).await? {
        if key.name.as_str() == DEMO_KEY_NAME && key.is_active() {
            key.revoked_at = Some(now);
            store.put_api_key(&key).await?;
        }
    }
    let users = store.users_of_org(&org.id).await?;
    let owner = users.iter().find(|u| u.role == Role::Owner).ok_or(StoreError::NotFound("demo owner"))?;
    let api_key = new_api_key(store, &org, &owner.id, now).await?;
    Ok(DemoCredentials { monitors, api_key, status_page_slug: DEMO_STATUS_SLUG.into(), created: false })
}

async fn create(store: &dyn SeedStore, now: DateTime<Utc>) -> Result<DemoCredentials, StoreError> {
    let org = Org::new(name(DEMO_ORG_NAME), now);
    store.create_org(&org).await?;
    let mut owner_id = None;
    for (email, role) in [("owner@example.com", Role::Owner), ("viewer@example.com", Role::Viewer)] {
        let user = User::new(org.id.clone(), Email::new(email).expect("valid"), role, now);
        store.create_user(&user).await?;
        if role == Role::Owner {
            owner_id = Some(user.id);
        }
    }
    let owner_id = owner_id.expect("owner created");

    let mut credentials = Vec::new();
    let mut created = Vec::new();
    for demo in DEMO_MONITORS {
        let token = PingToken::generate();
        let spec = MonitorSpec {
            name: name(demo.name),
            schedule: (demo.schedule)(),
            grace: Duration::seconds(demo.grace_secs),
            severity: demo.severity,
            tags: demo.tags.iter().map(|t| Slug::new(t).expect("valid")).collect(),
            max_runtime: None,
            probe: None,
        };
        let start_of_history = now - Duration::days(4);
        let monitor =
            Monitor::new(org.id.clone(), spec, token.hash(), start_of_history).expect("demo monitor is valid");
        store.create_monitor(&monitor).await?;
        let monitor = replay_history(store, monitor, demo, now).await?;
        credentials.push((demo.name.to_owned(), token));
        created.push(monitor);
    }

    let (api, db) = (&created[0], &created[1]);
    store
        .add_dependency(&MonitorDependency::new(org.id.clone(), db.id.clone(), api.id.clone(), &[]).expect("acyclic"))
        .await?;

    let mut late =
        Incident::open(org.id.clone(), db.id.clone(), IncidentKind::Late, Severity::Medium, now - Duration::days(2));
    late.summary = Some("backup ran 24m50s, past its 20 minute max runtime".into());
    late.resolve(now - Duration::days(2) + Duration::minutes(25)).expect("open incident resolves");
    store.put_incident(&late).await?;

    let components = created
        .iter()
        .enumerate()
        .map(|(i, m)| Component {
            id: ComponentId::generate(),
            name: m.name.clone(),
            position: i as u16,
            monitor_ids: vec![m.id.clone()],
            service: None,
            description: None,
            status: if m.open_incidents.is_empty() {
                ComponentStatus::Operational
            } else {
                ComponentStatus::PartialOutage
            },
        })
        .collect();
    let mut page = StatusPage {
        id: StatusPageId::generate(),
        org_id: org.id.clone(),
        name: name("Tokiflow Demo Status"),
        description: Some("Live status of the demo services".into()),
        slug: Slug::new(DEMO_STATUS_SLUG).expect("valid"),
        visibility: Visibility::Public,
        theme: Theme::default(),
        custom_domain: None,
        components: Vec::new(),
    };
    page.set_components(components).expect("few components");
    store.put_status_page(&page).await?;
    seed_status_news(store, &page, &db.id, now).await?;

    let api_key = new_api_key(store, &org, &owner_id, now).await?;
    Ok(DemoCredentials { monitors: credentials, api_key, status_page_slug: DEMO_STATUS_SLUG.into(), created: true })
}

/// What the demo page tells its customers: a resolved incident (the slow backup), an
/// active one on the API, and upcoming weekly database maintenance (also an org
/// maintenance window, so the backup monitor's missed checks respect it).
async fn seed_status_news(
    store: &dyn SeedStore,
    page: &StatusPage,
    db_monitor: &MonitorId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let body = |s: &str| UpdateBody::new(s).expect("valid demo text");
    let (api, db) = (page.components[0].id.clone(), page.components[1].id.clone());

    let t = now - Duration::days(2);
    let mut backup = StatusIncident::open(
        page.id.clone(),
        name("Nightly backup delayed"),
        Impact::Minor,
        body("Last night's database backup is running slower than usual."),
        BTreeMap::from([(db.clone(), ComponentStatus::DegradedPerformance)]),
        t,
    );
    backup
        .post(
            IncidentState::Identified,
            body("A slow disk on the backup host; moving the job."),
            None,
            t + Duration::minutes(10),
        )
        .expect("open");
    backup
        .post(IncidentState::Resolved, body("The backup completed and was uploaded."), None, t + Duration::minutes(25))
        .expect("open");
    store.put_status_incident(&backup).await?;

    let t = now - Duration::minutes(20);
    let mut latency = StatusIncident::open(
        page.id.clone(),
        name("Elevated API latency"),
        Impact::Minor,
        body("Some API requests take several seconds. We are investigating."),
        BTreeMap::from([(api, ComponentStatus::DegradedPerformance)]),
        t,
    );
    latency
        .post(
            IncidentState::Identified,
            body("A cache node is overloaded; adding capacity."),
            None,
            t + Duration::minutes(12),
        )
        .expect("open");
    store.put_status_incident(&latency).await?;

    // Sundays 02:00-03:00 UTC, from the next Sunday on.
    let days_to_sunday = (7 - now.weekday().num_days_from_sunday() as i64) % 7;
    let first = now.date_naive().and_hms_opt(2, 0, 0).expect("valid time").and_utc()
        + Duration::days(if days_to_sunday == 0 { 7 } else { days_to_sunday });
    let window = MaintenanceWindow::new(
        page.org_id.clone(),
        name("Weekly database maintenance"),
        first,
        first + Duration::hours(1),
        Some(Recurrence::parse("FREQ=WEEKLY;BYDAY=SU").expect("valid rule")),
        chrono_tz::Tz::UTC,
        vec![db_monitor.clone()],
    )
    .expect("valid window");
    store.put_maintenance(&window).await?;
    let announced = PageMaintenance::new(
        page.id.clone(),
        window,
        vec![db],
        Some(body("Backups may start up to an hour late.")),
        now,
    );
    store.put_page_maintenance(&announced).await
}

/// Feeds the demo history through the real state machine, oldest first.
async fn replay_history(
    store: &dyn SeedStore,
    mut monitor: Monitor,
    demo: &DemoMonitor,
    now: DateTime<Utc>,
) -> Result<Monitor, StoreError> {
    /// (when, state, exit code, output, rid)
    type Event<'a> = (DateTime<Utc>, RunState, Option<u8>, &'a str, String);
    let mut events: Vec<Event> = Vec::new();
    for (i, &(ago_min, secs, code, output)) in demo.history.iter().enumerate() {
        let started = now - Duration::minutes(ago_min);
        let rid = format!("demo-{i}");
        events.push((started, RunState::Start, None, "", rid.clone()));
        let state = if code == 0 { RunState::Success } else { RunState::Fail };
        events.push((started + Duration::seconds(secs), state, Some(code), output, rid));
    }
    events.sort_by_key(|e| e.0);
    for (at, state, exit_code, output, rid) in events {
        let ping = ReceivedPing {
            run_id: RunId::generate_at(at),
            signal: PingSignal { state, exit_code, severity: None, rid: RunKey::new(&rid) },
            received_at: at,
            output: RunOutput { preview: output.to_owned(), size: output.len() as u64, ..Default::default() },
            source_ip: Some("203.0.113.10".parse().expect("valid ip")),
            user_agent: Some("curl/8.5.0".into()),
            via: Default::default(),
        };
        let expected = monitor.version;
        let outcome = monitor.apply_ping(ping);
        store.commit_ping(&outcome, expected).await?;
        monitor = outcome.monitor;
    }
    Ok(monitor)
}

#[cfg(all(test, feature = "embedded"))]
mod tests {
    use super::*;
    use crate::adapters::embedded::EmbeddedStore;
    use crate::ports::store::{MonitorStore, OrgStore};

    #[tokio::test]
    async fn seeding_again_reissues_only_the_demos_own_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let now = Utc::now();
        let first = seed_demo(&store, now).await.unwrap();
        let org = store.orgs().await.unwrap().pop().unwrap();
        let spec = MonitorSpec {
            name: name("made through the API"),
            schedule: Schedule::interval(60).unwrap(),
            grace: Duration::seconds(30),
            severity: Severity::Low,
            tags: Default::default(),
            max_runtime: None,
            probe: None,
        };
        let token = PingToken::generate();
        store.create_monitor(&Monitor::new(org.id.clone(), spec, token.hash(), now).unwrap()).await.unwrap();

        let again = seed_demo(&store, now).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.monitors.len(), first.monitors.len(), "{:?}", again.monitors);
        assert!(store.monitor_by_token(&token.hash()).await.unwrap().is_some(), "the user's monitor keeps its token");
        for (_, old) in &first.monitors {
            assert!(store.monitor_by_token(&old.hash()).await.unwrap().is_none(), "the demo's tokens are re-issued");
        }
        store.close();
    }
}
