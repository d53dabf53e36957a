//! The store port's contract.
use crate::domain::channel::{Channel, ChannelTarget};
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{ApiKeyId, MonitorId, OrgId, RunId, StatusPageId, UserId};
use crate::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity};
use crate::domain::incident_event::IncidentChange;
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use crate::domain::org::{ApiKey, Email, Org, Role, Scope, User};
use crate::domain::ping::PingSignal;
use crate::domain::run::{RunOutput, RunState};
use crate::domain::schedule::Schedule;
use crate::domain::secret::{ApiKeySecret, PingToken, SecretHash};
use crate::domain::status_page::{Hostname, StatusPage, Theme, Visibility};
use crate::domain::text::{Name, Slug};
use crate::ports::store::{CheckQuery, Store, StoreError};
use chrono::{DateTime, Duration, DurationRound, Utc};

/// Stores may keep times at millisecond precision; so do the fixtures.
fn now() -> DateTime<Utc> {
    Utc::now().duration_trunc(Duration::milliseconds(1)).unwrap()
}

async fn org(s: &dyn Store) -> Org {
    let org = Org::new(Name::new("Conformance").unwrap(), now());
    s.create_org(&org).await.unwrap();
    org
}

async fn monitor(s: &dyn Store, org: &Org) -> (Monitor, PingToken) {
    let token = PingToken::generate();
    let spec = MonitorSpec {
        name: Name::new("nightly").unwrap(),
        schedule: Schedule::cron("0 2 * * *", "Europe/Berlin").unwrap(),
        grace: Duration::minutes(5),
        severity: Severity::High,
        tags: [Slug::new("db").unwrap()].into_iter().collect(),
        max_runtime: Some(Duration::hours(1)),
        probe: None,
    };
    let m = Monitor::new(org.id.clone(), spec, token.hash(), now()).unwrap();
    s.create_monitor(&m).await.unwrap();
    (m, token)
}

fn ping(state: RunState, at: DateTime<Utc>, output: &str) -> ReceivedPing {
    ReceivedPing {
        run_id: RunId::generate(),
        signal: PingSignal { state, exit_code: (state == RunState::Fail).then_some(1), severity: None, rid: None },
        received_at: at,
        output: RunOutput { preview: output.into(), size: output.len() as u64, ..Default::default() },
        source_ip: Some("192.0.2.1".parse().unwrap()),
        user_agent: Some("conformance".into()),
        via: Default::default(),
    }
}

pub async fn monitor_round_trips_by_id_and_token(s: &dyn Store) {
    let org = org(s).await;
    let (m, token) = monitor(s, &org).await;
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(m.clone()), "by id: same monitor back");
    assert_eq!(s.monitor_by_token(&token.hash()).await.unwrap(), Some(m.clone()), "by token hash");
    assert_eq!(s.monitor_by_token(&SecretHash::of("other")).await.unwrap(), None, "unknown token");
    assert_eq!(s.monitor(&MonitorId::generate()).await.unwrap(), None, "unknown id");
    assert_eq!(s.monitors_of_org(&org.id).await.unwrap(), vec![m], "listed under its org");
}

pub async fn create_monitor_refuses_duplicates(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let same_id = s.create_monitor(&m).await;
    assert!(matches!(same_id, Err(StoreError::AlreadyExists(_))), "same id: {same_id:?}");
    let mut same_token = m.clone();
    same_token.id = MonitorId::generate();
    let dup = s.create_monitor(&same_token).await;
    assert!(matches!(dup, Err(StoreError::AlreadyExists(_))), "same token: {dup:?}");
}

pub async fn update_monitor_is_conditional_on_version(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let mut next = m.clone();
    next.version += 1;
    next.enabled = false;
    s.update_monitor(&next, m.version).await.unwrap();
    let stale = s.update_monitor(&next, m.version).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "stale version must conflict: {stale:?}");
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(next));
}

pub async fn token_rotation_moves_the_lookup(s: &dyn Store) {
    let org = org(s).await;
    let (m, old) = monitor(s, &org).await;
    let new = PingToken::generate();
    let mut rotated = m.clone();
    rotated.token_hash = new.hash();
    rotated.version += 1;
    s.update_monitor(&rotated, m.version).await.unwrap();
    assert_eq!(s.monitor_by_token(&old.hash()).await.unwrap(), None, "old token no longer finds it");
    assert_eq!(s.monitor_by_token(&new.hash()).await.unwrap().map(|m| m.id), Some(m.id));
}

pub async fn commit_ping_writes_monitor_run_and_incidents(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let t0 = now();
    let failed = m.apply_ping(ping(RunState::Fail, t0, "boom"));
    assert_eq!(failed.opened.len(), 1);
    s.commit_ping(&failed, m.version).await.unwrap();
    let stored = s.monitor(&m.id).await.unwrap().unwrap();
    assert_eq!(stored, failed.monitor, "monitor as committed");
    let runs = s.runs(&m.id, 10, None).await.unwrap();
    assert_eq!(runs.items, vec![failed.run.clone()], "the run as committed");
    let incident = s.incident(&failed.opened[0].id).await.unwrap().expect("opened incident stored");
    assert_eq!(incident, failed.opened[0]);

    let t1 = t0 + Duration::seconds(5);
    let recovered = stored.apply_ping(ping(RunState::Success, t1, "ok"));
    assert_eq!(recovered.resolved, vec![incident.id.clone()]);
    s.commit_ping(&recovered, stored.version).await.unwrap();
    let resolved = s.incident(&incident.id).await.unwrap().unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved, "resolved by the success ping");
    assert_eq!(resolved.resolved_at, Some(t1));
    assert_eq!(s.run_count(&m.id).await.unwrap(), 2);
    assert_eq!(s.run(&m.id, &recovered.run.id).await.unwrap(), Some(recovered.run.clone()), "one run by id");
    assert_eq!(s.run(&MonitorId::generate(), &recovered.run.id).await.unwrap(), None, "only under its own monitor");
}

pub async fn stale_commit_writes_nothing(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let first = m.apply_ping(ping(RunState::Success, now(), "one"));
    s.commit_ping(&first, m.version).await.unwrap();
    let stale = m.apply_ping(ping(RunState::Fail, now(), "two"));
    let r = s.commit_ping(&stale, m.version).await;
    assert!(matches!(r, Err(StoreError::Conflict)), "stale commit must conflict: {r:?}");
    assert_eq!(s.run_count(&m.id).await.unwrap(), 1, "the stale run was not written");
    assert_eq!(s.incident(&stale.opened[0].id).await.unwrap(), None, "nor its incident");
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(first.monitor));
}

pub async fn racing_commits_exactly_one_wins(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let o: Vec<_> = (0..4).map(|i| m.apply_ping(ping(RunState::Success, now(), &format!("r{i}")))).collect();
    let v = m.version;
    let (a, b, c, d) = tokio::join!(
        s.commit_ping(&o[0], v),
        s.commit_ping(&o[1], v),
        s.commit_ping(&o[2], v),
        s.commit_ping(&o[3], v)
    );
    let results = [a, b, c, d];
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one of the racing commits wins: {results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(StoreError::Conflict))), "{results:?}");
    assert_eq!(s.run_count(&m.id).await.unwrap(), 1);
}

pub async fn commit_check_opens_missed_once(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let due_at = m.deadline().unwrap();
    let check = m.check_due(due_at, None, None);
    assert_eq!(check.opened.len(), 1);
    s.commit_check(&check, m.version).await.unwrap();
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(check.monitor.clone()));
    assert_eq!(s.incident(&check.opened[0].id).await.unwrap(), Some(check.opened[0].clone()));
    // A re-delivered event computed from the old monitor must not open a second incident.
    let twice = m.check_due(due_at, None, None);
    assert!(matches!(s.commit_check(&twice, m.version).await, Err(StoreError::Conflict)));
    assert_eq!(s.incident(&twice.opened[0].id).await.unwrap(), None);
    assert_eq!(s.incidents_of_monitor(&m.id).await.unwrap().len(), 1);
}

pub async fn runs_page_newest_first(s: &dyn Store) {
    let org = org(s).await;
    let (mut m, _) = monitor(s, &org).await;
    let t0 = now();
    for i in 0..7 {
        let out = m.apply_ping(ping(RunState::Log, t0 + Duration::seconds(i), &format!("run {i}")));
        s.commit_ping(&out, m.version).await.unwrap();
        m = out.monitor;
    }
    let p1 = s.runs(&m.id, 3, None).await.unwrap();
    let previews = |p: &crate::ports::store::Page<crate::domain::run::Run, crate::domain::ids::RunId>| {
        p.items.iter().map(|r| r.output.preview.clone()).collect::<Vec<_>>()
    };
    assert_eq!(previews(&p1), ["run 6", "run 5", "run 4"], "newest first");
    let p2 = s.runs(&m.id, 3, p1.next.as_ref()).await.unwrap();
    assert_eq!(previews(&p2), ["run 3", "run 2", "run 1"]);
    let p3 = s.runs(&m.id, 3, p2.next.as_ref()).await.unwrap();
    assert_eq!(previews(&p3), ["run 0"]);
    assert_eq!(p3.next, None, "no cursor after the last page");
    let other = s.runs(&MonitorId::generate(), 3, None).await.unwrap();
    assert!(other.items.is_empty() && other.next.is_none());
}

pub async fn incidents_of_monitor_newest_first(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let t0 = now();
    let mut a = Incident::open(org.id.clone(), m.id.clone(), IncidentKind::Late, Severity::Low, t0);
    let b =
        Incident::open(org.id.clone(), m.id.clone(), IncidentKind::Missed, Severity::High, t0 + Duration::minutes(1));
    s.put_incident(&a).await.unwrap();
    s.put_incident(&b).await.unwrap();
    a.acknowledge(t0 + Duration::minutes(2)).unwrap();
    s.put_incident(&a).await.unwrap();
    let listed = s.incidents_of_monitor(&m.id).await.unwrap();
    assert_eq!(listed, vec![b, a], "newest first, with the acknowledged update");
}

pub async fn orgs_users_and_api_keys(s: &dyn Store) {
    let org = org(s).await;
    assert_eq!(s.org(&org.id).await.unwrap(), Some(org.clone()));
    assert!(s.orgs().await.unwrap().contains(&org));
    let user = User::new(org.id.clone(), Email::new("a@example.com").unwrap(), Role::Admin, now());
    s.create_user(&user).await.unwrap();
    let mut twin = user.clone();
    twin.id = UserId::generate();
    assert!(matches!(s.create_user(&twin).await, Err(StoreError::AlreadyExists(_))), "one email per org");
    assert_eq!(s.users_of_org(&org.id).await.unwrap(), vec![user.clone()]);

    let secret = ApiKeySecret::generate();
    let mut key = ApiKey {
        id: ApiKeyId::generate(),
        org_id: org.id.clone(),
        name: Name::new("ci").unwrap(),
        created_by: user.id.clone(),
        key_hash: secret.hash(),
        scopes: [Scope::MonitorsRead].into_iter().collect(),
        created_at: now(),
        revoked_at: None,
    };
    s.create_api_key(&key).await.unwrap();
    assert_eq!(s.api_key_by_hash(&secret.hash()).await.unwrap(), Some(key.clone()));
    key.revoked_at = Some(now());
    s.put_api_key(&key).await.unwrap();
    assert_eq!(s.api_keys_of_org(&org.id).await.unwrap(), vec![key.clone()]);
    let mut ghost = key.clone();
    ghost.id = ApiKeyId::generate();
    assert!(matches!(s.put_api_key(&ghost).await, Err(StoreError::NotFound(_))), "put_api_key updates only");
}

pub async fn dependencies_maintenance_and_channels(s: &dyn Store) {
    let org = org(s).await;
    let (a, _) = monitor(s, &org).await;
    let (b, _) = monitor(s, &org).await;
    let dep = MonitorDependency::new(org.id.clone(), a.id.clone(), b.id.clone(), &[]).unwrap();
    s.add_dependency(&dep).await.unwrap();
    assert!(matches!(s.add_dependency(&dep).await, Err(StoreError::AlreadyExists(_))));
    assert_eq!(s.dependencies_of_org(&org.id).await.unwrap(), vec![dep]);

    let t0 = now();
    let w = MaintenanceWindow::new(
        org.id.clone(),
        Name::new("upgrade").unwrap(),
        t0,
        t0 + Duration::hours(1),
        None,
        chrono_tz::Tz::Europe__Berlin,
        vec![a.id.clone()],
    )
    .unwrap();
    s.put_maintenance(&w).await.unwrap();
    assert_eq!(s.maintenance_of_org(&org.id).await.unwrap(), vec![w]);

    let ch = Channel::new(
        org.id.clone(),
        Name::new("ops").unwrap(),
        ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() },
        Severity::Medium,
    );
    s.put_channel(&ch).await.unwrap();
    assert_eq!(s.channels_of_org(&org.id).await.unwrap(), vec![ch]);
}

pub async fn status_pages_by_slug_and_domain(s: &dyn Store) {
    let org = org(s).await;
    let slug = format!("page-{}", &RunId::generate().as_str()[4..16]);
    let domain = format!("{slug}.example.com");
    let mut page = StatusPage {
        id: StatusPageId::generate(),
        org_id: org.id.clone(),
        name: Name::new("Status").unwrap(),
        description: None,
        slug: Slug::new(&slug).unwrap(),
        visibility: Visibility::Public,
        theme: Theme::default(),
        custom_domain: Some(Hostname::new(&domain).unwrap()),
        components: vec![],
    };
    s.put_status_page(&page).await.unwrap();
    assert_eq!(s.status_page_by_slug(&slug).await.unwrap(), Some(page.clone()));
    assert_eq!(s.status_page_by_domain(&domain).await.unwrap(), Some(page.clone()));
    assert_eq!(s.status_page_by_slug("no-such-page").await.unwrap(), None);

    let mut other = page.clone();
    other.id = StatusPageId::generate();
    other.custom_domain = None;
    assert!(matches!(s.put_status_page(&other).await, Err(StoreError::AlreadyExists(_))), "slugs are unique");

    page.visibility = Visibility::Private { token_hash: SecretHash::of("page-token") };
    page.custom_domain = None;
    s.put_status_page(&page).await.unwrap();
    assert_eq!(s.status_page_by_slug(&slug).await.unwrap(), Some(page), "replaced in place");
    assert_eq!(s.status_page_by_domain(&domain).await.unwrap(), None, "old domain released");
}

/// Every change of an incident, whoever makes it, is recorded once, with the change.
pub async fn incident_changes_are_recorded_as_events<S: Store>(s: &S) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let t0 = now();
    let failed = m.apply_ping(ping(RunState::Fail, t0, "boom"));
    s.commit_ping(&failed, m.version).await.unwrap();
    let id = failed.opened[0].id.clone();
    let changes = |events: Vec<crate::domain::incident_event::IncidentEvent>| {
        events.into_iter().map(|e| (e.change, e.incident.status)).collect::<Vec<_>>()
    };
    assert_eq!(changes(s.incident_events(&id).await.unwrap()), [(IncidentChange::Opened, IncidentStatus::Open)]);

    let mut worse = s.incident(&id).await.unwrap().unwrap();
    worse.severity = Severity::Critical;
    s.put_incident(&worse).await.unwrap();
    s.put_incident(&worse).await.unwrap(); // the same write again: no change, no event
    let mut acked = worse.clone();
    acked.acknowledge(t0 + Duration::seconds(1)).unwrap();
    s.put_incident(&acked).await.unwrap();

    let stored = s.monitor(&m.id).await.unwrap().unwrap();
    let recovered = stored.apply_ping(ping(RunState::Success, t0 + Duration::seconds(2), "ok"));
    s.commit_ping(&recovered, stored.version).await.unwrap();
    let events = s.incident_events(&id).await.unwrap();
    assert_eq!(
        changes(events.clone()),
        [
            (IncidentChange::Opened, IncidentStatus::Open),
            (IncidentChange::Escalated, IncidentStatus::Open),
            (IncidentChange::Acknowledged, IncidentStatus::Acknowledged),
            (IncidentChange::Resolved, IncidentStatus::Resolved),
        ]
    );
    assert_eq!(events[3].at, t0 + Duration::seconds(2), "resolved when the success ping arrived");
    assert_eq!(events[3].incident.severity, Severity::Critical);

    // A scheduled check's incident too; and deleting incidents deletes their events.
    let (quiet, _) = monitor(s, &org).await;
    let check = quiet.check_due(quiet.deadline().unwrap(), None, None);
    s.commit_check(&check, quiet.version).await.unwrap();
    let missed = check.opened[0].id.clone();
    assert_eq!(changes(s.incident_events(&missed).await.unwrap()), [(IncidentChange::Opened, IncidentStatus::Open)]);
    // An acknowledgement through the API's conditional update is recorded the same way.
    let mut acked = s.incident(&missed).await.unwrap().unwrap();
    acked.acknowledge(acked.opened_at + Duration::seconds(1)).unwrap();
    s.update_incident(&acked, IncidentStatus::Open, None).await.unwrap();
    assert_eq!(
        changes(s.incident_events(&missed).await.unwrap()),
        [(IncidentChange::Opened, IncidentStatus::Open), (IncidentChange::Acknowledged, IncidentStatus::Acknowledged)]
    );
    s.delete_incidents(std::slice::from_ref(&missed)).await.unwrap();
    assert!(s.incident_events(&missed).await.unwrap().is_empty());
}

/// A finished delivery of `record`'s notice: one attempt that got `status`.
pub fn delivery_of(
    record: &crate::domain::notification::record::DeliveryRecord,
    delivered: bool,
    status: u16,
    at: DateTime<Utc>,
) -> crate::domain::notification::delivery::Delivery {
    use crate::domain::notification::delivery::{Delivery, DeliveryAttempt, DeliveryOutcome};
    Delivery {
        notice_id: record.event_key.clone(),
        channel_id: record.channel_id.clone(),
        channel_kind: record.channel_kind,
        outcome: if delivered { DeliveryOutcome::Delivered } else { DeliveryOutcome::Failed },
        attempts: vec![DeliveryAttempt { started_at: at, elapsed_ms: 3, status: Some(status), error: None }],
        started_at: at,
        finished_at: at,
    }
}

/// A delivery is claimed once: a second claim of the same event and channel waits out
/// the lease, a delivered one is never claimed again, a failed one may be retried.
pub async fn deliveries_are_claimed_once_and_logged<S: Store>(s: &S) {
    use crate::domain::channel::ChannelKind;
    use crate::domain::ids::ChannelId;
    use crate::domain::incident_event::IncidentEvent;
    use crate::domain::notification::record::{DeliveryRecord, DeliveryStatus};
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let failed = m.apply_ping(ping(RunState::Fail, now(), "boom"));
    s.commit_ping(&failed, m.version).await.unwrap();
    let event = IncidentEvent::opened(&failed.opened[0]);
    let event = crate::domain::notification::Notice::from(&event);
    let (slack, hook) = (ChannelId::generate(), ChannelId::generate());
    let lease = Duration::minutes(5);
    let t = now();
    let claim = DeliveryRecord::claim(&event, &slack, ChannelKind::Slack, t);
    assert!(s.claim_delivery(&claim, lease).await.unwrap(), "first claim");
    let again = DeliveryRecord::claim(&event, &slack, ChannelKind::Slack, t + Duration::minutes(1));
    assert!(!s.claim_delivery(&again, lease).await.unwrap(), "in flight: refused");
    let other = DeliveryRecord::claim(&event, &hook, ChannelKind::Webhook, t);
    assert!(s.claim_delivery(&other, lease).await.unwrap(), "another channel is another delivery");

    s.finish_delivery(&claim.clone().finish(delivery_of(&claim, true, 200, t))).await.unwrap();
    let late = DeliveryRecord::claim(&event, &slack, ChannelKind::Slack, t + Duration::days(1));
    assert!(!s.claim_delivery(&late, lease).await.unwrap(), "delivered: never again");
    s.finish_delivery(&other.clone().finish(delivery_of(&other, false, 500, t))).await.unwrap();
    let retry = DeliveryRecord::claim(&event, &hook, ChannelKind::Webhook, t + Duration::seconds(1));
    assert!(s.claim_delivery(&retry, lease).await.unwrap(), "failed: may be retried");

    let log = s.deliveries_of_incident(&failed.opened[0].id).await.unwrap();
    let summary: Vec<_> = log.iter().map(|r| (r.channel_kind, r.status, r.attempts.len())).collect();
    assert_eq!(
        summary,
        [(ChannelKind::Slack, DeliveryStatus::Delivered, 1), (ChannelKind::Webhook, DeliveryStatus::InFlight, 0)]
    );
    assert_eq!(log[0].attempts[0].status, Some(200), "the attempts are kept");
    s.delete_incidents(std::slice::from_ref(&failed.opened[0].id)).await.unwrap();
    assert!(s.deliveries_of_incident(&failed.opened[0].id).await.unwrap().is_empty(), "swept with the incident");
}

pub async fn status_incidents_and_page_maintenance(s: &dyn Store) {
    use crate::domain::ids::ComponentId;
    use crate::domain::status_page::ComponentStatus;
    use crate::domain::status_page::incident::{Impact, IncidentState, StatusIncident, UpdateBody};
    use crate::domain::status_page::maintenance::PageMaintenance;
    use std::collections::BTreeMap;

    let org = org(s).await;
    let (page, other) = (StatusPageId::generate(), StatusPageId::generate());
    let component = ComponentId::generate();
    let t0 = now();
    let open = |name: &str, page: &StatusPageId, at| {
        StatusIncident::open(
            page.clone(),
            Name::new(name).unwrap(),
            Impact::Major,
            UpdateBody::new("Investigating").unwrap(),
            BTreeMap::from([(component.clone(), ComponentStatus::PartialOutage)]),
            at,
        )
    };
    let mut first = open("first", &page, t0);
    let second = open("second", &page, t0 + Duration::minutes(1));
    let third = open("third", &page, t0 + Duration::minutes(2));
    for i in [&first, &second, &third, &open("elsewhere", &other, t0)] {
        s.put_status_incident(i).await.unwrap();
    }
    first.post(IncidentState::Resolved, UpdateBody::new("Fixed").unwrap(), None, t0 + Duration::minutes(3)).unwrap();
    s.put_status_incident(&first).await.unwrap();
    let listed = s.status_incidents_of_page(&page, 10).await.unwrap();
    assert_eq!(
        listed,
        vec![third.clone(), second.clone(), first.clone()],
        "newest first, with the resolved update, only this page's"
    );
    assert_eq!(s.status_incidents_of_page(&page, 2).await.unwrap(), vec![third, second], "limited");
    assert!(s.status_incidents_of_page(&StatusPageId::generate(), 10).await.unwrap().is_empty());

    let window = MaintenanceWindow::new(
        org.id.clone(),
        Name::new("DB upgrade").unwrap(),
        t0,
        t0 + Duration::hours(1),
        None,
        chrono_tz::Tz::UTC,
        vec![],
    )
    .unwrap();
    let mut m = PageMaintenance::new(
        page.clone(),
        window,
        vec![component.clone()],
        Some(UpdateBody::new("Short downtime").unwrap()),
        t0,
    );
    s.put_page_maintenance(&m).await.unwrap();
    m.cancel(t0 + Duration::minutes(5));
    s.put_page_maintenance(&m).await.unwrap();
    assert_eq!(s.page_maintenance_of_page(&page).await.unwrap(), vec![m], "replaced in place");
    assert!(s.page_maintenance_of_page(&other).await.unwrap().is_empty());
}

pub async fn sweep_finds_and_deletes_only_what_aged_out<S: Store>(s: &S) {
    let org = org(s).await;
    let (mut m, _) = monitor(s, &org).await;
    let t0 = now() - Duration::days(40);
    let mut opened = Vec::new();
    for (i, days) in [0i64, 1, 2, 35, 36].into_iter().enumerate() {
        let state = if i % 2 == 0 { RunState::Fail } else { RunState::Success };
        let mut p = ping(state, t0 + Duration::days(days), &format!("day {days}"));
        p.run_id = RunId::generate_at(p.received_at);
        let out = m.apply_ping(p);
        s.commit_ping(&out, m.version).await.unwrap();
        opened.extend(out.opened.iter().map(|i| i.id.clone()));
        m = out.monitor;
    }
    let cutoff = t0 + Duration::days(30);
    let old = s.runs_before(&m.id, cutoff, 2).await.unwrap();
    let previews: Vec<_> = old.iter().map(|r| r.output.preview.as_str()).collect();
    assert_eq!(previews, ["day 0", "day 1"], "oldest first, limited");
    let all_old = s.runs_before(&m.id, cutoff, 100).await.unwrap();
    assert_eq!(all_old.len(), 3);
    let ids: Vec<_> = all_old.iter().map(|r| r.id.clone()).collect();
    s.delete_runs(&m.id, &ids).await.unwrap();
    assert!(s.runs_before(&m.id, cutoff, 100).await.unwrap().is_empty());
    assert_eq!(s.run_count(&m.id).await.unwrap(), 2, "recent runs stay");

    // Fail on day 0 (resolved day 1), fail on day 2 (resolved day 35): only the first aged out.
    let aged = s.resolved_incidents_before(&m.id, cutoff, 100).await.unwrap();
    assert_eq!(aged, vec![opened[0].clone()]);
    s.delete_incidents(&aged).await.unwrap();
    assert_eq!(s.incident(&opened[0]).await.unwrap(), None);
    assert!(s.incident(&opened[1]).await.unwrap().is_some());
}

pub async fn delete_monitor_is_conditional_and_frees_the_token(s: &dyn Store) {
    let org = org(s).await;
    let (m, token) = monitor(s, &org).await;
    let stale = s.delete_monitor(&m, m.version + 1).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "wrong version: {stale:?}");
    assert!(s.monitor(&m.id).await.unwrap().is_some(), "a refused delete keeps the monitor");
    s.delete_monitor(&m, m.version).await.unwrap();
    assert_eq!(s.monitor(&m.id).await.unwrap(), None, "gone by id");
    assert_eq!(s.monitor_by_token(&token.hash()).await.unwrap(), None, "gone by token");
    assert_eq!(s.monitors_of_org(&org.id).await.unwrap(), vec![], "no longer listed");
    let again = s.delete_monitor(&m, m.version).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "deleting twice: {again:?}");
}

pub async fn update_incident_is_conditional_on_status(s: &dyn Store) {
    let org = org(s).await;
    let (m, _) = monitor(s, &org).await;
    let failed = m.apply_ping(ping(RunState::Fail, now(), "boom"));
    s.commit_ping(&failed, m.version).await.unwrap();
    let open = failed.opened[0].clone();

    let mut acked = open.clone();
    acked.acknowledge(now()).unwrap();
    s.update_incident(&acked, IncidentStatus::Open, None).await.unwrap();
    assert_eq!(s.incident(&open.id).await.unwrap(), Some(acked.clone()));
    let twice = s.update_incident(&acked, IncidentStatus::Open, None).await;
    assert!(matches!(twice, Err(StoreError::Conflict)), "status moved on: {twice:?}");

    // Resolving also frees the monitor's slot for the kind, atomically.
    let mut resolved = acked.clone();
    resolved.resolve(now()).unwrap();
    let mut monitor = failed.monitor.clone();
    monitor.open_incidents.remove(&IncidentKind::Fail);
    monitor.version += 1;
    let stale =
        s.update_incident(&resolved, IncidentStatus::Acknowledged, Some((&monitor, failed.monitor.version + 7))).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "stale monitor: {stale:?}");
    assert_eq!(s.incident(&open.id).await.unwrap(), Some(acked.clone()), "nothing written when the monitor is stale");
    s.update_incident(&resolved, IncidentStatus::Acknowledged, Some((&monitor, failed.monitor.version))).await.unwrap();
    assert_eq!(s.incident(&open.id).await.unwrap(), Some(resolved.clone()));
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(monitor));

    let mut ghost = resolved.clone();
    ghost.id = crate::domain::ids::IncidentId::generate();
    let missing = s.update_incident(&ghost, IncidentStatus::Open, None).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "unknown incident: {missing:?}");
}

pub async fn users_and_org_update_and_delete(s: &dyn Store) {
    let mut org = org(s).await;
    let mut user = User::new(org.id.clone(), Email::new("member@example.com").unwrap(), Role::Member, now());
    user.invite(now());
    s.create_user(&user).await.unwrap();
    assert_eq!(s.users_of_org(&org.id).await.unwrap(), vec![user.clone()], "the invitation is stored");
    user.role = Role::Admin;
    user.invitation = None;
    s.update_user(&user).await.unwrap();
    assert_eq!(s.users_of_org(&org.id).await.unwrap(), vec![user.clone()], "and removed");
    let mut ghost = user.clone();
    ghost.id = UserId::generate();
    assert!(matches!(s.update_user(&ghost).await, Err(StoreError::NotFound(_))), "update_user updates only");

    s.delete_user(&org.id, &user.id).await.unwrap();
    assert_eq!(s.users_of_org(&org.id).await.unwrap(), vec![]);
    s.delete_user(&org.id, &user.id).await.unwrap();
    // The e-mail is free again.
    let again = User { id: UserId::generate(), ..user };
    s.create_user(&again).await.unwrap();

    org.set_retention_days(90).unwrap();
    s.update_org(&org).await.unwrap();
    assert_eq!(s.org(&org.id).await.unwrap(), Some(org.clone()));
    let other = Org::new(Name::new("never stored").unwrap(), now());
    assert!(matches!(s.update_org(&other).await, Err(StoreError::NotFound(_))), "update_org updates only");
}

pub async fn config_items_delete_idempotently(s: &dyn Store) {
    let org = org(s).await;
    let (a, _) = monitor(s, &org).await;
    let (b, _) = monitor(s, &org).await;
    let dep = MonitorDependency::new(org.id.clone(), a.id.clone(), b.id.clone(), &[]).unwrap();
    s.add_dependency(&dep).await.unwrap();
    s.remove_dependency(&dep).await.unwrap();
    s.remove_dependency(&dep).await.unwrap();
    assert_eq!(s.dependencies_of_org(&org.id).await.unwrap(), vec![]);

    let t0 = now();
    let w = MaintenanceWindow::new(
        org.id.clone(),
        Name::new("upgrade").unwrap(),
        t0,
        t0 + Duration::hours(1),
        None,
        chrono_tz::Tz::UTC,
        vec![],
    )
    .unwrap();
    s.put_maintenance(&w).await.unwrap();
    let to = ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() };
    let ch = Channel::new(org.id.clone(), Name::new("ops").unwrap(), to, Severity::Low);
    s.put_channel(&ch).await.unwrap();
    s.delete_maintenance(&org.id, &w.id).await.unwrap();
    s.delete_maintenance(&org.id, &w.id).await.unwrap();
    s.delete_channel(&org.id, &ch.id).await.unwrap();
    s.delete_channel(&org.id, &ch.id).await.unwrap();
    assert_eq!(s.maintenance_of_org(&org.id).await.unwrap(), vec![]);
    assert_eq!(s.channels_of_org(&org.id).await.unwrap(), vec![]);
}

/// The publisher finds an org's pages; a page's subscribers are kept, found by id within
/// their page only, replaced in place and deleted idempotently.
pub async fn status_pages_of_org_and_subscribers(s: &dyn Store) {
    use crate::domain::ids::SubscriberId;
    use crate::domain::status_page::subscriber::{Subscriber, SubscriberEvent, SubscriberTarget};
    use std::collections::BTreeSet;

    let org = org(s).await;
    let other_org = self::org(s).await;
    let page = |org: &Org, n: u32| {
        StatusPage::new(
            org.id.clone(),
            Name::new("Status").unwrap(),
            Slug::new(&format!("p{n}-{}", &RunId::generate().as_str()[20..36])).unwrap(),
        )
    };
    let (mut first, second, elsewhere) = (page(&org, 1), page(&org, 2), page(&other_org, 3));
    for p in [&first, &second, &elsewhere] {
        s.put_status_page(p).await.unwrap();
    }
    first.name = Name::new("Renamed").unwrap();
    s.put_status_page(&first).await.unwrap();
    let mut listed = s.status_pages_of_org(&org.id).await.unwrap();
    listed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(listed, vec![first.clone(), second.clone()], "the org's pages, as last written");
    assert!(s.status_pages_of_org(&OrgId::generate()).await.unwrap().is_empty());

    let subscribe = |page: &StatusPage, address: &str| {
        let target = SubscriberTarget::Email { address: Email::new(address).unwrap() };
        Subscriber::subscribe(
            page.id.clone(),
            target,
            BTreeSet::new(),
            BTreeSet::from([SubscriberEvent::Outage]),
            now(),
        )
        .unwrap()
        .subscriber
    };
    let mut a = subscribe(&first, "a@example.com");
    let b = subscribe(&first, "b@example.com");
    let c = subscribe(&second, "c@example.com");
    for sub in [&a, &b, &c] {
        s.put_subscriber(sub).await.unwrap();
    }
    assert_eq!(s.subscriber(&first.id, &a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(s.subscriber(&second.id, &a.id).await.unwrap(), None, "only within its page");
    assert_eq!(s.subscriber(&first.id, &SubscriberId::generate()).await.unwrap(), None);
    a.verified_at = Some(now());
    s.put_subscriber(&a).await.unwrap();
    assert_eq!(
        s.subscribers_of_page(&first.id).await.unwrap(),
        vec![a.clone(), b.clone()],
        "oldest first, replaced in place"
    );
    s.delete_subscriber(&first.id, &a.id).await.unwrap();
    s.delete_subscriber(&first.id, &a.id).await.unwrap();
    s.delete_subscriber(&second.id, &b.id).await.unwrap();
    assert_eq!(s.subscribers_of_page(&first.id).await.unwrap(), vec![b], "a gone; b kept (deleted under another page)");
    assert_eq!(s.subscribers_of_page(&second.id).await.unwrap(), vec![c]);
}

/// Channels, maintenance windows, users, API keys and status pages are found by id
/// within their org, as last written; another org's id, an unknown one and a deleted
/// item are not found.
pub async fn config_items_are_found_by_id_within_their_org(s: &dyn Store) {
    use crate::domain::ids::{ChannelId, MaintenanceId};

    let org = org(s).await;
    let other = self::org(s).await;

    let mut ch = Channel::new(
        org.id.clone(),
        Name::new("ops").unwrap(),
        ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() },
        Severity::Medium,
    );
    s.put_channel(&ch).await.unwrap();
    ch.name = Name::new("ops, renamed").unwrap();
    s.put_channel(&ch).await.unwrap();
    assert_eq!(s.channel(&org.id, &ch.id).await.unwrap(), Some(ch.clone()), "channel, as last written");
    assert_eq!(s.channel(&other.id, &ch.id).await.unwrap(), None, "channel: not another org's");
    assert_eq!(s.channel(&org.id, &ChannelId::generate()).await.unwrap(), None, "channel: unknown id");
    s.delete_channel(&org.id, &ch.id).await.unwrap();
    assert_eq!(s.channel(&org.id, &ch.id).await.unwrap(), None, "channel: deleted");

    let t0 = now();
    let w = MaintenanceWindow::new(
        org.id.clone(),
        Name::new("upgrade").unwrap(),
        t0,
        t0 + Duration::hours(1),
        None,
        chrono_tz::Tz::Europe__Berlin,
        vec![],
    )
    .unwrap();
    s.put_maintenance(&w).await.unwrap();
    assert_eq!(s.maintenance_window(&org.id, &w.id).await.unwrap(), Some(w.clone()), "window");
    assert_eq!(s.maintenance_window(&other.id, &w.id).await.unwrap(), None, "window: not another org's");
    assert_eq!(s.maintenance_window(&org.id, &MaintenanceId::generate()).await.unwrap(), None, "window: unknown");
    s.delete_maintenance(&org.id, &w.id).await.unwrap();
    assert_eq!(s.maintenance_window(&org.id, &w.id).await.unwrap(), None, "window: deleted");

    let mut user = User::new(org.id.clone(), Email::new("member@example.com").unwrap(), Role::Member, now());
    s.create_user(&user).await.unwrap();
    user.role = Role::Admin;
    s.update_user(&user).await.unwrap();
    assert_eq!(s.user(&org.id, &user.id).await.unwrap(), Some(user.clone()), "user, as last written");
    assert_eq!(s.user(&other.id, &user.id).await.unwrap(), None, "user: not another org's");
    assert_eq!(s.user(&org.id, &UserId::generate()).await.unwrap(), None, "user: unknown id");

    let secret = ApiKeySecret::generate();
    let mut key = ApiKey {
        id: ApiKeyId::generate(),
        org_id: org.id.clone(),
        name: Name::new("ci").unwrap(),
        created_by: user.id.clone(),
        key_hash: secret.hash(),
        scopes: [Scope::MonitorsRead].into_iter().collect(),
        created_at: now(),
        revoked_at: None,
    };
    s.create_api_key(&key).await.unwrap();
    key.revoked_at = Some(now());
    s.put_api_key(&key).await.unwrap();
    assert_eq!(s.api_key(&org.id, &key.id).await.unwrap(), Some(key.clone()), "api key, as last written");
    assert_eq!(s.api_key(&other.id, &key.id).await.unwrap(), None, "api key: not another org's");
    assert_eq!(s.api_key(&org.id, &ApiKeyId::generate()).await.unwrap(), None, "api key: unknown id");

    s.delete_user(&org.id, &user.id).await.unwrap();
    assert_eq!(s.user(&org.id, &user.id).await.unwrap(), None, "user: deleted");

    let mut page = StatusPage::new(
        org.id.clone(),
        Name::new("Status").unwrap(),
        Slug::new(&format!("byid-{}", &RunId::generate().as_str()[20..36])).unwrap(),
    );
    s.put_status_page(&page).await.unwrap();
    page.name = Name::new("Renamed").unwrap();
    s.put_status_page(&page).await.unwrap();
    assert_eq!(s.status_page(&org.id, &page.id).await.unwrap(), Some(page.clone()), "page, as last written");
    assert_eq!(s.status_page(&other.id, &page.id).await.unwrap(), None, "page: not another org's");
    assert_eq!(s.status_page(&org.id, &StatusPageId::generate()).await.unwrap(), None, "page: unknown id");
}

// ---------------------------------------------------------------------------------------
// Probe history

mod probes {
    use super::*;
    use crate::domain::ids::{CheckId, DebugSessionKey};
    use crate::domain::probe::check::{CheckStatus, ProbeCheck};
    use crate::domain::probe::debug::{DebugSession, DebugTrigger, EventType, NetworkEvent};
    use crate::domain::probe::observation::PhaseTimings;
    use crate::domain::probe::spec::{HttpExpect, HttpMethod, HttpProbe, ProbeSpec, ProbeTarget};
    use crate::domain::probe::state::{ProbeOutcome, Surroundings};

    /// A fixed time, noon UTC, so the days of the checks around it are known.
    pub(super) fn noon() -> DateTime<Utc> {
        "2026-03-10T12:00:00Z".parse().unwrap()
    }

    pub(super) async fn probe_monitor(s: &dyn Store, org: &Org, failure_threshold: u32) -> Monitor {
        let spec = ProbeSpec {
            target: ProbeTarget::Http(HttpProbe {
                url: "https://example.com/health".parse().unwrap(),
                method: HttpMethod::Get,
                headers: vec![("accept".into(), "text/plain".into())],
                body: None,
                expect: HttpExpect::default(),
                follow_redirects: true,
                verify_tls: true,
                cert_expiry_days: 14,
                redact_headers: Default::default(),
            }),
            interval_secs: 60,
            timeout_ms: 5000,
            failure_threshold,
            recovery_threshold: 1,
            degraded_after_ms: Some(500),
        };
        let spec = MonitorSpec {
            name: Name::new("health").unwrap(),
            schedule: Schedule::interval(60).unwrap(),
            grace: Duration::zero(),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: None,
            probe: Some(spec),
        };
        let m = Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), now()).unwrap();
        s.create_monitor(&m).await.unwrap();
        m
    }

    pub(super) fn check(m: &Monitor, status: CheckStatus, at: DateTime<Utc>, ms: f64) -> ProbeCheck {
        let down = status == CheckStatus::Down;
        ProbeCheck {
            id: CheckId::generate_at(at),
            org_id: m.org_id.clone(),
            monitor_id: m.id.clone(),
            checked_at: at,
            status,
            http_status: Some(if down { 503 } else { 200 }),
            method: Some(HttpMethod::Get),
            response_time_ms: Some(ms),
            timings: PhaseTimings { dns_ms: Some(1.5), connect_ms: Some(4.0), tls_ms: None, ttfb_ms: Some(ms - 6.0) },
            error: down.then(|| "status 503, expected 2xx".to_string()),
            location: "conformance".into(),
        }
    }

    /// Applies a check to the monitor as stored and commits it: the outcome, whose
    /// monitor is the stored one afterwards.
    pub(super) async fn commit(s: &dyn Store, m: &Monitor, status: CheckStatus, at: DateTime<Utc>) -> ProbeOutcome {
        let outcome = m.apply_check(check(m, status, at, 120.0), Surroundings::default());
        s.commit_probe(&outcome, m.version).await.unwrap();
        outcome
    }

    pub(super) fn query(limit: usize) -> CheckQuery {
        CheckQuery { from: None, to: None, status: None, limit, before: None }
    }

    pub(super) fn ids(checks: &[ProbeCheck]) -> Vec<CheckId> {
        checks.iter().map(|c| c.id.clone()).collect()
    }

    pub(super) fn session(m: &Monitor, started_at: DateTime<Utc>, events: usize, payload: usize) -> DebugSession {
        let events = (0..events)
            .map(|i| {
                let at = started_at + Duration::milliseconds(i as i64);
                let kind = if i % 2 == 0 { EventType::Request } else { EventType::Response };
                let mut e = NetworkEvent::new(kind, format!("https://example.com/hop/{i}"), at);
                e.method = Some("GET".into());
                e.status_code = (kind == EventType::Response).then_some(302);
                e.request_headers =
                    vec![("authorization".into(), "[redacted]".into()), ("accept".into(), "*/*".into())];
                e.response_headers = vec![("location".into(), format!("/hop/{}", i + 1))];
                e.response_payload = (payload > 0).then(|| "x".repeat(payload));
                e.duration_ms = Some(2.5);
                e
            })
            .collect();
        DebugSession {
            key: DebugSessionKey::generate(),
            org_id: m.org_id.clone(),
            monitor_id: m.id.clone(),
            trigger: DebugTrigger::Down,
            started_at,
            completed_at: started_at + Duration::milliseconds(80),
            success: false,
            error_message: Some("status 503, expected 2xx".into()),
            user_agent: "Tokiflow-Probe/1".into(),
            events,
        }
    }

    /// Puts a session started at `old` and one a day before `t0`; returns the latter.
    pub(super) async fn old_and_recent_sessions(
        s: &dyn Store,
        m: &Monitor,
        old: DateTime<Utc>,
        t0: DateTime<Utc>,
    ) -> DebugSession {
        s.put_debug_session(&session(m, old, 2, 0)).await.unwrap();
        let recent = session(m, t0 - Duration::days(1), 2, 0);
        s.put_debug_session(&recent).await.unwrap();
        recent
    }
}

/// A stale probe commit writes nothing: not the check, the incident, the window nor the rollup.
pub async fn commit_probe_is_conditional_on_version(s: &dyn Store) {
    use crate::domain::probe::check::CheckStatus;
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 1).await;
    let t0 = probes::noon();
    let first = probes::commit(s, &m, CheckStatus::Up, t0).await;
    let stale =
        m.apply_check(probes::check(&m, CheckStatus::Down, t0 + Duration::minutes(1), 90.0), Default::default());
    assert_eq!(stale.opened.len(), 1, "the stale check would open DOWN");
    assert!(stale.window.is_some(), "and a window");
    let r = s.commit_probe(&stale, m.version).await;
    assert!(matches!(r, Err(StoreError::Conflict)), "stale probe commit must conflict: {r:?}");
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(first.monitor.clone()), "the monitor as first committed");
    assert_eq!(s.check_count(&m.id, &probes::query(10)).await.unwrap(), 1, "the stale check was not written");
    assert_eq!(s.checks(&m.id, &probes::query(10)).await.unwrap().items, vec![first.check.clone()]);
    assert_eq!(s.incident(&stale.opened[0].id).await.unwrap(), None, "nor its incident");
    assert!(s.incident_events(&stale.opened[0].id).await.unwrap().is_empty(), "nor its event");
    assert!(s.downtime_windows(&m.id).await.unwrap().is_empty(), "nor its window");
    let day = t0.date_naive();
    assert_eq!(s.rollups(&m.id, day, day).await.unwrap(), vec![first.rollup.clone()], "nor its rollup");
}

/// Checks come newest first, a page at a time, filtered by time and status; the count
/// ignores the cursor and the limit.
pub async fn probe_checks_page_newest_first_with_filters(s: &dyn Store) {
    use crate::domain::probe::check::CheckStatus::{self, Degraded, Down, Up};
    let org = org(s).await;
    let mut m = probes::probe_monitor(s, &org, 3).await;
    let other = probes::probe_monitor(s, &org, 3).await;
    let t0 = probes::noon();
    let statuses = [Up, Down, Up, Degraded, Down, Up, Up];
    let mut checks = Vec::new();
    for (i, status) in statuses.into_iter().enumerate() {
        let out = probes::commit(s, &m, status, t0 + Duration::minutes(i as i64)).await;
        checks.push(out.check.clone());
        m = out.monitor;
    }
    probes::commit(s, &other, Up, t0).await;
    let newest_first: Vec<_> = checks.iter().rev().cloned().collect();
    let q = probes::query;

    let p1 = s.checks(&m.id, &q(3)).await.unwrap();
    assert_eq!(p1.items, newest_first[..3], "newest first, whole checks back");
    assert_eq!(p1.next.as_ref(), Some(&checks[4].id), "the cursor is the page's last check");
    let p2 = s.checks(&m.id, &CheckQuery { before: p1.next.clone(), ..q(3) }).await.unwrap();
    assert_eq!(probes::ids(&p2.items), probes::ids(&newest_first[3..6]));
    let p3 = s.checks(&m.id, &CheckQuery { before: p2.next.clone(), ..q(3) }).await.unwrap();
    assert_eq!(probes::ids(&p3.items), vec![checks[0].id.clone()]);
    assert_eq!(p3.next, None, "no cursor after the last page");
    assert_eq!(s.checks(&m.id, &q(7)).await.unwrap().next, None, "no cursor when nothing follows");

    let by_status = |status: CheckStatus, limit: usize| CheckQuery { status: Some(status), ..q(limit) };
    let down = s.checks(&m.id, &by_status(Down, 10)).await.unwrap();
    assert_eq!(probes::ids(&down.items), vec![checks[4].id.clone(), checks[1].id.clone()], "DOWN only");
    assert_eq!(s.check_count(&m.id, &by_status(Down, 1)).await.unwrap(), 2);
    assert_eq!(s.check_count(&m.id, &by_status(Degraded, 1)).await.unwrap(), 1);
    let up1 = s.checks(&m.id, &by_status(Up, 2)).await.unwrap();
    assert_eq!(probes::ids(&up1.items), vec![checks[6].id.clone(), checks[5].id.clone()]);
    let up2 = s.checks(&m.id, &CheckQuery { before: up1.next.clone(), ..by_status(Up, 2) }).await.unwrap();
    assert_eq!(probes::ids(&up2.items), vec![checks[2].id.clone(), checks[0].id.clone()], "status pages by cursor");
    assert_eq!(up2.next, None);

    let window = CheckQuery { from: Some(t0 + Duration::minutes(2)), to: Some(t0 + Duration::minutes(5)), ..q(10) };
    let inside = s.checks(&m.id, &window).await.unwrap();
    assert_eq!(
        probes::ids(&inside.items),
        vec![checks[4].id.clone(), checks[3].id.clone(), checks[2].id.clone()],
        "from is inclusive, to exclusive"
    );
    assert_eq!(s.check_count(&m.id, &window).await.unwrap(), 3);
    let counted = CheckQuery { limit: 1, before: Some(checks[3].id.clone()), ..window.clone() };
    assert_eq!(s.check_count(&m.id, &counted).await.unwrap(), 3, "the count ignores cursor and limit");
    let paged = s.checks(&m.id, &counted).await.unwrap();
    assert_eq!(probes::ids(&paged.items), vec![checks[2].id.clone()], "cursor within the window");
    let up_inside = CheckQuery { status: Some(Up), ..window.clone() };
    assert_eq!(probes::ids(&s.checks(&m.id, &up_inside).await.unwrap().items), vec![checks[2].id.clone()]);
    let reversed = CheckQuery { from: window.to, to: window.from, ..q(10) };
    assert!(s.checks(&m.id, &reversed).await.unwrap().items.is_empty(), "an empty range");
    assert_eq!(s.check_count(&m.id, &reversed).await.unwrap(), 0);

    assert_eq!(s.check_count(&m.id, &q(1)).await.unwrap(), 7);
    assert_eq!(s.check_count(&other.id, &q(1)).await.unwrap(), 1, "another monitor's checks apart");
    assert!(s.checks(&MonitorId::generate(), &q(10)).await.unwrap().items.is_empty());
}

/// A probe commit records the incidents it opens and resolves, with their events, as a ping does.
pub async fn commit_probe_records_incidents_and_events(s: &dyn Store) {
    use crate::domain::probe::check::CheckStatus::{Down, Up};
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 2).await;
    let t0 = probes::noon();
    let first = probes::commit(s, &m, Down, t0).await;
    assert!(first.opened.is_empty(), "one failure is below the threshold");
    let second = probes::commit(s, &first.monitor, Down, t0 + Duration::minutes(1)).await;
    assert_eq!(second.opened.len(), 1, "the second failure opens DOWN");
    let id = second.opened[0].id.clone();
    assert_eq!(s.incident(&id).await.unwrap(), Some(second.opened[0].clone()), "the incident as opened");
    let changes = |events: Vec<crate::domain::incident_event::IncidentEvent>| {
        events.into_iter().map(|e| (e.change, e.incident.status)).collect::<Vec<_>>()
    };
    assert_eq!(changes(s.incident_events(&id).await.unwrap()), [(IncidentChange::Opened, IncidentStatus::Open)]);
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(second.monitor.clone()));

    let t3 = t0 + Duration::minutes(2);
    let recovered = probes::commit(s, &second.monitor, Up, t3).await;
    assert_eq!(recovered.resolved, vec![id.clone()]);
    let resolved = s.incident(&id).await.unwrap().unwrap();
    assert_eq!(resolved.status, IncidentStatus::Resolved, "resolved by the good check");
    assert_eq!(resolved.resolved_at, Some(t3));
    let events = s.incident_events(&id).await.unwrap();
    assert_eq!(
        changes(events.clone()),
        [(IncidentChange::Opened, IncidentStatus::Open), (IncidentChange::Resolved, IncidentStatus::Resolved)]
    );
    assert_eq!(events[1].at, t3, "resolved when the good check ran");
    assert_eq!(s.monitor(&m.id).await.unwrap(), Some(recovered.monitor));
    assert_eq!(s.incidents_of_monitor(&m.id).await.unwrap(), vec![resolved]);
}

/// Later commits update a window's times, status and count, and keep what people wrote on it.
pub async fn downtime_windows_keep_annotations_across_commits(s: &dyn Store) {
    use crate::domain::ids::DowntimeId;
    use crate::domain::probe::check::CheckStatus::{Down, Up};
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 2).await;
    let other = probes::probe_monitor(s, &org, 1).await;
    let t0 = probes::noon();
    let one = probes::commit(s, &m, Down, t0).await;
    assert!(one.window.is_none());
    let two = probes::commit(s, &one.monitor, Down, t0 + Duration::minutes(1)).await;
    let opened = two.window.clone().expect("the second failure opens a window");
    assert_eq!(s.downtime_window(&m.id, &opened.id).await.unwrap(), Some(opened.clone()), "the window as opened");
    assert_eq!(opened.started_at, t0, "from the first failure");

    s.annotate_downtime(&m.id, &opened.id, Some("bad deploy"), Some("rolled back at 12:05")).await.unwrap();
    let three = probes::commit(s, &two.monitor, Down, t0 + Duration::minutes(2)).await;
    let stored = s.downtime_window(&m.id, &opened.id).await.unwrap().unwrap();
    assert_eq!(stored.affected_checks, 3, "extended by the third failure");
    assert_eq!(stored.root_cause.as_deref(), Some("bad deploy"), "the root cause survives the commit");
    assert_eq!(stored.notes.as_deref(), Some("rolled back at 12:05"), "so do the notes");

    let t3 = t0 + Duration::minutes(3);
    let four = probes::commit(s, &three.monitor, Up, t3).await;
    let closed = four.window.clone().expect("recovery closes the window");
    let expected = crate::domain::probe::downtime::DowntimeWindow {
        root_cause: Some("bad deploy".into()),
        notes: Some("rolled back at 12:05".into()),
        ..closed
    };
    assert_eq!(expected.ended_at, Some(t3));
    assert_eq!(expected.recovery_status, Some(Up));
    assert_eq!(s.downtime_window(&m.id, &opened.id).await.unwrap(), Some(expected.clone()), "closed, annotated");

    // A second window, later: listed first.
    let five = probes::commit(s, &four.monitor, Down, t0 + Duration::minutes(4)).await;
    let six = probes::commit(s, &five.monitor, Down, t0 + Duration::minutes(5)).await;
    let second = six.window.clone().unwrap();
    assert_eq!(s.downtime_windows(&m.id).await.unwrap(), vec![second.clone(), expected.clone()], "newest first");

    s.annotate_downtime(&m.id, &opened.id, None, Some("only notes")).await.unwrap();
    let cleared = s.downtime_window(&m.id, &opened.id).await.unwrap().unwrap();
    assert_eq!((cleared.root_cause, cleared.notes.as_deref()), (None, Some("only notes")), "None clears");
    s.annotate_downtime(&m.id, &opened.id, None, None).await.unwrap();
    let bare = s.downtime_window(&m.id, &opened.id).await.unwrap().unwrap();
    assert_eq!((bare.root_cause, bare.notes), (None, None));

    let unknown = s.annotate_downtime(&m.id, &DowntimeId::generate(), Some("x"), None).await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))), "unknown window: {unknown:?}");
    let elsewhere = s.annotate_downtime(&other.id, &opened.id, Some("x"), None).await;
    assert!(matches!(elsewhere, Err(StoreError::NotFound(_))), "another monitor's window: {elsewhere:?}");
    assert_eq!(s.downtime_window(&other.id, &opened.id).await.unwrap(), None, "only under its own monitor");
    assert!(s.downtime_windows(&other.id).await.unwrap().is_empty());
}

/// Debug sessions read back whole, newest first; a long one keeps its start and its end.
pub async fn debug_sessions_round_trip_newest_first(s: &dyn Store) {
    use crate::adapters::records::MAX_STORED_EVENTS;
    use crate::domain::probe::debug::{DebugTrigger, EventType};
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 2).await;
    let other = probes::probe_monitor(s, &org, 2).await;
    let t0 = probes::noon();
    let mut sessions = Vec::new();
    for i in 0..3 {
        let session = probes::session(&m, t0 + Duration::minutes(i), 4, 100);
        s.put_debug_session(&session).await.unwrap();
        sessions.push(session);
    }
    s.put_debug_session(&probes::session(&other, t0, 2, 0)).await.unwrap();
    let first = &sessions[0];
    assert_eq!(s.debug_session(&m.id, &first.key).await.unwrap().as_ref(), Some(first), "whole, events and all");
    assert_eq!(s.debug_session(&other.id, &first.key).await.unwrap(), None, "only under its own monitor");
    sessions.sort_by(|a, b| b.key.cmp(&a.key));
    assert_eq!(s.debug_sessions(&m.id, 10).await.unwrap(), sessions, "newest first");
    assert_eq!(s.debug_sessions(&m.id, 2).await.unwrap(), sessions[..2], "at most the limit");
    assert_eq!(s.debug_sessions(&other.id, 10).await.unwrap().len(), 1);

    let mut manual = sessions[0].clone();
    manual.trigger = DebugTrigger::Manual;
    manual.success = true;
    manual.error_message = None;
    s.put_debug_session(&manual).await.unwrap();
    assert_eq!(s.debug_session(&m.id, &manual.key).await.unwrap(), Some(manual), "replaced in place");

    // 60 hops with 4 KB answers (the most the domain keeps per payload): over both caps.
    let long = probes::session(&m, t0 + Duration::minutes(9), 60, 4096);
    s.put_debug_session(&long).await.unwrap();
    let stored = s.debug_session(&m.id, &long.key).await.unwrap().unwrap();
    assert!(stored.events.len() <= MAX_STORED_EVENTS && stored.events.len() > 20, "{}", stored.events.len());
    assert_eq!(stored.events.first(), long.events.first(), "the first event kept");
    assert_eq!(stored.events.last(), long.events.last(), "the last event kept");
    assert!(stored.events.iter().any(|e| e.kind == EventType::Error && e.error.is_some()), "a marker says what went");
    assert_eq!(stored.started_at, long.started_at);
}

/// A day's rollup is the sum of its commits; rollups list by day range, oldest first.
pub async fn rollups_add_up_by_day(s: &dyn Store) {
    use crate::domain::probe::check::CheckStatus::{Down, Up};
    use crate::domain::probe::rollup::LatencyHistogram;
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 3).await;
    let other = probes::probe_monitor(s, &org, 3).await;
    let t0 = probes::noon();
    let a = probes::commit(s, &m, Up, t0).await;
    let b = probes::commit(s, &a.monitor, Down, t0 + Duration::minutes(1)).await;
    let c = probes::commit(s, &b.monitor, Up, t0 + Duration::minutes(2)).await;
    let next_day = probes::commit(s, &c.monitor, Up, t0 + Duration::hours(13)).await;
    probes::commit(s, &other, Up, t0).await;

    let day = t0.date_naive();
    let mut expected = a.rollup.clone();
    expected.add(&b.rollup);
    expected.add(&c.rollup);
    assert_eq!((expected.checks, expected.failed_checks), (3, 1));
    assert_eq!(expected.latency, LatencyHistogram { buckets: [(LatencyHistogram::bucket_of(120.0), 2)].into() });
    assert_eq!(s.rollups(&m.id, day, day).await.unwrap(), vec![expected.clone()], "three commits, one day");
    let tomorrow = day.succ_opt().unwrap();
    assert_eq!(next_day.rollup.day, tomorrow);
    assert_eq!(
        s.rollups(&m.id, day.pred_opt().unwrap(), tomorrow.succ_opt().unwrap()).await.unwrap(),
        vec![expected.clone(), next_day.rollup.clone()],
        "oldest first"
    );
    assert_eq!(s.rollups(&m.id, tomorrow, tomorrow).await.unwrap(), vec![next_day.rollup.clone()]);
    assert!(s.rollups(&m.id, tomorrow, day).await.unwrap().is_empty(), "an empty range");
    assert_eq!(s.rollups(&other.id, day, tomorrow).await.unwrap().len(), 1, "another monitor's apart");
}

/// The sweeps delete what aged out of one monitor's history, and nothing else.
pub async fn probe_sweeps_delete_only_what_aged_out(s: &dyn Store) {
    use crate::domain::probe::check::CheckStatus::{Down, Up};
    let org = org(s).await;
    let m = probes::probe_monitor(s, &org, 2).await;
    let other = probes::probe_monitor(s, &org, 2).await;
    let t0 = probes::noon();
    let old = t0 - Duration::days(40);
    let one = probes::commit(s, &m, Down, old).await;
    let two = probes::commit(s, &one.monitor, Down, old + Duration::minutes(1)).await;
    let three = probes::commit(s, &two.monitor, Up, old + Duration::days(1)).await;
    assert!(three.window.as_ref().is_some_and(|w| w.ended_at.is_some()), "a window that ended 39 days ago");
    let recent = probes::commit(s, &three.monitor, Up, t0 - Duration::days(1)).await;
    let kept_session = probes::old_and_recent_sessions(s, &m, old, t0).await;
    let theirs = probes::commit(s, &other, Down, old).await;
    s.put_debug_session(&probes::session(&other, old, 2, 0)).await.unwrap();

    let cutoff = t0 - Duration::days(30);
    assert_eq!(s.sweep_checks(&m.id, cutoff, 2).await.unwrap(), 2, "at most the limit");
    assert_eq!(s.sweep_checks(&m.id, cutoff, 100).await.unwrap(), 2, "the last old check and the old session");
    assert_eq!(s.sweep_checks(&m.id, cutoff, 100).await.unwrap(), 0, "nothing left");
    let q = probes::query(10);
    assert_eq!(s.checks(&m.id, &q).await.unwrap().items, vec![recent.check.clone()], "the recent check stays");
    assert_eq!(s.debug_sessions(&m.id, 10).await.unwrap(), vec![kept_session], "the recent session stays");
    assert_eq!(s.check_count(&other.id, &q).await.unwrap(), 1, "another monitor's old check stays");
    assert_eq!(s.debug_sessions(&other.id, 10).await.unwrap().len(), 1, "and its session");

    let cutoff_day = cutoff.date_naive();
    // The rollups of the two old days and the window that ended on the second.
    assert_eq!(s.sweep_rollups(&m.id, cutoff_day).await.unwrap(), 3);
    assert_eq!(s.sweep_rollups(&m.id, cutoff_day).await.unwrap(), 0);
    let all_days = |id: MonitorId| async move {
        s.rollups(&id, old.date_naive() - Duration::days(1), t0.date_naive()).await.unwrap()
    };
    assert_eq!(all_days(m.id.clone()).await, vec![recent.rollup.clone()], "the recent day's rollup stays");
    assert!(s.downtime_windows(&m.id).await.unwrap().is_empty(), "the ended window went");
    assert_eq!(all_days(other.id.clone()).await, vec![theirs.rollup.clone()], "another monitor's rollup stays");

    // An open window is never swept by age.
    let down1 = probes::commit(s, &recent.monitor, Down, t0 - Duration::hours(2)).await;
    let down2 = probes::commit(s, &down1.monitor, Down, t0 - Duration::hours(1)).await;
    assert!(down2.window.is_some());
    assert_eq!(s.sweep_rollups(&m.id, t0.date_naive() + Duration::days(5)).await.unwrap(), 2, "only the rollups");
    assert_eq!(s.downtime_windows(&m.id).await.unwrap().len(), 1);

    let mut deleted = 0;
    loop {
        let n = s.delete_probe_history(&m.id, 2).await.unwrap();
        assert!(n <= 2, "at most the limit: {n}");
        if n == 0 {
            break;
        }
        deleted += n;
    }
    // 3 checks (recent, down1, down2), the session and the open window.
    assert_eq!(deleted, 5);
    assert_eq!(s.check_count(&m.id, &q).await.unwrap(), 0);
    assert!(s.downtime_windows(&m.id).await.unwrap().is_empty());
    assert!(s.debug_sessions(&m.id, 10).await.unwrap().is_empty());
    assert!(all_days(m.id.clone()).await.is_empty());
    assert_eq!(s.check_count(&other.id, &q).await.unwrap(), 1, "another monitor's history stays");
    assert_eq!(s.downtime_windows(&other.id).await.unwrap().len(), 0);
    assert_eq!(all_days(other.id.clone()).await.len(), 1);
}
