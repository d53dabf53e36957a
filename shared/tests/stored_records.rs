//! The stored documents, pinned: a sample of every record as both stores keep it (the
//! `doc` of a SQLite row or DynamoDB item). A change to a record that would move stored
//! data fails here; domain types can be renamed freely without touching these. Each
//! document also reads back to the sample it was written from. (The subscriber's record,
//! whose token hashes are private to the crate, is pinned in `adapters::records::subscribers`.)
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Debug;
use tokiflow_shared::adapters::records::{Stored, from_json, to_json};
use tokiflow_shared::domain::channel::{
    Channel, ChannelKind, ChannelTarget, PhoneNumber, RealertInterval, RoutingKey, SigningSecret, WebhookUrl,
};
use tokiflow_shared::domain::dependency::MonitorDependency;
use tokiflow_shared::domain::durations::DurationStats;
use tokiflow_shared::domain::ids::*;
use tokiflow_shared::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity};
use tokiflow_shared::domain::incident_event::{IncidentChange, IncidentEvent};
use tokiflow_shared::domain::maintenance::{MaintenanceWindow, Recurrence};
use tokiflow_shared::domain::monitor::{Monitor, MonitorStatus, OpenStart};
use tokiflow_shared::domain::notification::NoticeKind;
use tokiflow_shared::domain::notification::delivery::DeliveryAttempt;
use tokiflow_shared::domain::notification::record::{DeliveryRecord, DeliveryStatus};
use tokiflow_shared::domain::org::{ApiKey, Email, Invitation, Org, Role, Scope, User};
use tokiflow_shared::domain::probe::check::{CheckStatus, ProbeCheck};
use tokiflow_shared::domain::probe::debug::{DebugSession, DebugTrigger, EventType, NetworkEvent};
use tokiflow_shared::domain::probe::downtime::DowntimeWindow;
use tokiflow_shared::domain::probe::observation::PhaseTimings;
use tokiflow_shared::domain::probe::rollup::{DailyRollup, LatencyHistogram};
use tokiflow_shared::domain::probe::spec::{
    DnsProbe, Host, HttpExpect, HttpMethod, HttpProbe, ProbeSpec, ProbeTarget, RecordType, StatusMatch, TcpProbe,
};
use tokiflow_shared::domain::probe::state::{Probe, ProbeState};
use tokiflow_shared::domain::run::{PingMethod, PingVia, Run, RunKey, RunOutput, RunState, Scheme};
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::SecretHash;
use tokiflow_shared::domain::status_page::incident::{
    ComponentChange, Impact, IncidentState, IncidentUpdate, StatusIncident, UpdateBody,
};
use tokiflow_shared::domain::status_page::maintenance::PageMaintenance;
use tokiflow_shared::domain::status_page::{
    Component, ComponentStatus, HexColour, Hostname, StatusPage, Theme, Visibility,
};
use tokiflow_shared::domain::text::{Name, Slug};

/// Writes `value` and compares the document with `golden`, byte for byte; reads it back.
#[track_caller]
fn pinned<T: Stored + PartialEq + Debug>(value: &T, golden: &str) {
    let written = to_json(value).unwrap();
    assert_eq!(written, golden, "the stored document changed: existing data would no longer read the same");
    assert_eq!(&from_json::<T>(golden).unwrap(), value, "the document reads back to the value");
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A valid id of type `T` whose hex part ends in `n`.
macro_rules! id {
    ($t:ident, $n:expr) => {
        $t::parse(&format!("{}_{:032x}", $t::PREFIX, $n)).unwrap()
    };
}

fn name(s: &str) -> Name {
    Name::new(s).unwrap()
}

fn slug(s: &str) -> Slug {
    Slug::new(s).unwrap()
}

fn hash(s: &str) -> SecretHash {
    SecretHash::of(s)
}

fn incident() -> Incident {
    Incident {
        id: id!(IncidentId, 1),
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 1),
        kind: IncidentKind::Late,
        severity: Severity::High,
        status: IncidentStatus::Resolved,
        opened_at: at("2026-01-02T03:04:05Z"),
        acknowledged_at: Some(at("2026-01-02T03:10:00Z")),
        resolved_at: Some(at("2026-01-02T04:00:00.123Z")),
        z_score: Some(3.5),
        cascade_reason: Some("upstream down".into()),
        summary: Some("late by 10 minutes".into()),
    }
}

fn window() -> MaintenanceWindow {
    MaintenanceWindow {
        id: id!(MaintenanceId, 1),
        org_id: id!(OrgId, 1),
        name: name("upgrade"),
        starts_at: at("2026-01-02T22:00:00Z"),
        ends_at: at("2026-01-02T23:00:00Z"),
        recurrence: Some(Recurrence::parse("FREQ=WEEKLY;BYDAY=SA").unwrap()),
        time_zone: chrono_tz::Tz::Europe__Berlin,
        monitor_ids: vec![id!(MonitorId, 1), id!(MonitorId, 2)],
    }
}

#[test]
fn monitor() {
    let monitor = Monitor {
        id: id!(MonitorId, 1),
        org_id: id!(OrgId, 1),
        name: name("nightly backup"),
        token_hash: hash("ping-token"),
        schedule: Schedule::cron("0 2 * * *", "Europe/Berlin").unwrap(),
        grace: Duration::minutes(5),
        enabled: true,
        status: MonitorStatus::Up,
        severity: Severity::Critical,
        tags: BTreeSet::from([slug("db"), slug("prod")]),
        max_runtime: Some(Duration::hours(1)),
        created_at: at("2026-01-01T00:00:00Z"),
        last_ping_at: Some(at("2026-01-02T02:00:03.5Z")),
        last_start_at: Some(at("2026-01-02T02:00:00Z")),
        next_expected_at: Some(at("2026-01-03T01:00:00Z")),
        durations: DurationStats {
            recent_ms: VecDeque::from([3000, 3500]),
            p50_ms: Some(3000),
            p95_ms: Some(3500),
            p99_ms: None,
        },
        open_starts: vec![
            OpenStart { rid: Some(RunKey::new("job-7").unwrap()), at: at("2026-01-02T02:00:00Z") },
            OpenStart { rid: None, at: at("2026-01-02T02:00:01Z") },
        ],
        open_incidents: BTreeMap::from([(IncidentKind::Fail, id!(IncidentId, 9))]),
        ping_count: 42,
        armed_for: Some(at("2026-01-03T01:05:00Z")),
        probe: None,
        failure_threshold: 1,
        consecutive_failures: 0,
        version: 7,
    };
    pinned(
        &monitor,
        r#"{"id":"mon_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"nightly backup","tokenHash":"be537adf8a9b900945704803196c4f983de2eb808d6a1fcb0d24ef81843ec5a3","schedule":{"kind":"cron","expr":"0 2 * * *","tz":"Europe/Berlin"},"grace":300,"enabled":true,"status":"UP","severity":"CRITICAL","tags":["db","prod"],"maxRuntime":3600,"createdAt":"2026-01-01T00:00:00Z","lastPingAt":"2026-01-02T02:00:03.500Z","lastStartAt":"2026-01-02T02:00:00Z","nextExpectedAt":"2026-01-03T01:00:00Z","recentDurationsMs":[3000,3500],"durationP50Ms":3000,"durationP95Ms":3500,"durationP99Ms":null,"openStarts":[{"rid":"job-7","at":"2026-01-02T02:00:00Z"},{"at":"2026-01-02T02:00:01Z"}],"openIncidents":{"FAIL":"inc_00000000000000000000000000000009"},"pingCount":42,"armedFor":"2026-01-03T01:05:00Z","version":7}"#,
    );
    let interval =
        Monitor { schedule: Schedule::interval(600).unwrap(), max_runtime: None, armed_for: None, ..monitor };
    pinned(
        &interval,
        r#"{"id":"mon_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"nightly backup","tokenHash":"be537adf8a9b900945704803196c4f983de2eb808d6a1fcb0d24ef81843ec5a3","schedule":{"kind":"interval","seconds":600},"grace":300,"enabled":true,"status":"UP","severity":"CRITICAL","tags":["db","prod"],"createdAt":"2026-01-01T00:00:00Z","lastPingAt":"2026-01-02T02:00:03.500Z","lastStartAt":"2026-01-02T02:00:00Z","nextExpectedAt":"2026-01-03T01:00:00Z","recentDurationsMs":[3000,3500],"durationP50Ms":3000,"durationP95Ms":3500,"durationP99Ms":null,"openStarts":[{"rid":"job-7","at":"2026-01-02T02:00:00Z"},{"at":"2026-01-02T02:00:01Z"}],"openIncidents":{"FAIL":"inc_00000000000000000000000000000009"},"pingCount":42,"version":7}"#,
    );
    // A heartbeat that waits for failed runs in a row.
    let patient = Monitor { failure_threshold: 3, consecutive_failures: 2, ..interval.clone() };
    pinned(
        &patient,
        r#"{"id":"mon_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"nightly backup","tokenHash":"be537adf8a9b900945704803196c4f983de2eb808d6a1fcb0d24ef81843ec5a3","schedule":{"kind":"interval","seconds":600},"grace":300,"enabled":true,"status":"UP","severity":"CRITICAL","tags":["db","prod"],"createdAt":"2026-01-01T00:00:00Z","lastPingAt":"2026-01-02T02:00:03.500Z","lastStartAt":"2026-01-02T02:00:00Z","nextExpectedAt":"2026-01-03T01:00:00Z","recentDurationsMs":[3000,3500],"durationP50Ms":3000,"durationP95Ms":3500,"durationP99Ms":null,"openStarts":[{"rid":"job-7","at":"2026-01-02T02:00:00Z"},{"at":"2026-01-02T02:00:01Z"}],"openIncidents":{"FAIL":"inc_00000000000000000000000000000009"},"pingCount":42,"failureThreshold":3,"consecutiveFailures":2,"version":7}"#,
    );
}

#[test]
fn run() {
    let run = Run {
        id: id!(RunId, 1),
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 1),
        state: RunState::Fail,
        exit_code: Some(2),
        severity: Some(Severity::Low),
        received_at: at("2026-01-02T02:00:03.5Z"),
        duration_ms: Some(3500),
        z_score: Some(-1.25),
        output: RunOutput {
            preview: "disk full".into(),
            size: 70000,
            blob_key: Some("runs/mon/run.log".into()),
            truncated: true,
        },
        source_ip: Some("192.0.2.1".parse().unwrap()),
        user_agent: Some("curl/8".into()),
        rid: Some(RunKey::new("job-7").unwrap()),
        via: PingVia::default(),
    };
    pinned(
        &run,
        r#"{"id":"run_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","state":"FAIL","exitCode":2,"severity":"LOW","receivedAt":"2026-01-02T02:00:03.500Z","durationMs":3500,"zScore":-1.25,"output":{"preview":"disk full","size":70000,"blobKey":"runs/mon/run.log","truncated":true},"sourceIp":"192.0.2.1","userAgent":"curl/8","rid":"job-7"}"#,
    );
    // How it arrived, when the request said.
    let via = PingVia {
        method: Some(PingMethod::Post),
        scheme: Some(Scheme::Https),
        forwarded_for: Some("2001:db8::7".parse().unwrap()),
    };
    pinned(
        &Run { via, ..run.clone() },
        r#"{"id":"run_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","state":"FAIL","exitCode":2,"severity":"LOW","receivedAt":"2026-01-02T02:00:03.500Z","durationMs":3500,"zScore":-1.25,"output":{"preview":"disk full","size":70000,"blobKey":"runs/mon/run.log","truncated":true},"sourceIp":"192.0.2.1","userAgent":"curl/8","rid":"job-7","method":"POST","scheme":"https","forwardedFor":"2001:db8::7"}"#,
    );
    let bare = Run {
        exit_code: None,
        severity: None,
        duration_ms: None,
        z_score: None,
        output: RunOutput::default(),
        source_ip: None,
        user_agent: None,
        rid: None,
        state: RunState::Success,
        ..run
    };
    pinned(
        &bare,
        r#"{"id":"run_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","state":"SUCCESS","receivedAt":"2026-01-02T02:00:03.500Z","output":{"preview":"","size":0}}"#,
    );
}

#[test]
fn incident_and_its_events() {
    pinned(
        &incident(),
        r#"{"id":"inc_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","kind":"LATE","severity":"HIGH","status":"RESOLVED","openedAt":"2026-01-02T03:04:05Z","acknowledgedAt":"2026-01-02T03:10:00Z","resolvedAt":"2026-01-02T04:00:00.123Z","zScore":3.5,"cascadeReason":"upstream down","summary":"late by 10 minutes"}"#,
    );
    let open = Incident {
        status: IncidentStatus::Open,
        acknowledged_at: None,
        resolved_at: None,
        z_score: None,
        cascade_reason: None,
        summary: None,
        ..incident()
    };
    pinned(
        &open,
        r#"{"id":"inc_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","kind":"LATE","severity":"HIGH","status":"OPEN","openedAt":"2026-01-02T03:04:05Z"}"#,
    );
    let event =
        IncidentEvent { change: IncidentChange::Resolved, at: at("2026-01-02T04:00:00.123Z"), incident: incident() };
    pinned(
        &event,
        r#"{"change":"RESOLVED","at":"2026-01-02T04:00:00.123Z","incident":{"id":"inc_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000001","kind":"LATE","severity":"HIGH","status":"RESOLVED","openedAt":"2026-01-02T03:04:05Z","acknowledgedAt":"2026-01-02T03:10:00Z","resolvedAt":"2026-01-02T04:00:00.123Z","zScore":3.5,"cascadeReason":"upstream down","summary":"late by 10 minutes"}}"#,
    );
}

#[test]
fn delivery() {
    let record = DeliveryRecord {
        event_key: "inc_1#RESOLVED".into(),
        change: NoticeKind::Resolved,
        incident_id: id!(IncidentId, 1),
        channel_id: id!(ChannelId, 1),
        channel_kind: ChannelKind::Webhook,
        status: DeliveryStatus::Failed,
        attempts: vec![
            DeliveryAttempt {
                started_at: at("2026-01-02T04:00:01Z"),
                elapsed_ms: 120,
                status: Some(503),
                error: Some("service unavailable".into()),
            },
            DeliveryAttempt { started_at: at("2026-01-02T04:00:02Z"), elapsed_ms: 80, status: None, error: None },
        ],
        started_at: at("2026-01-02T04:00:01Z"),
        finished_at: Some(at("2026-01-02T04:00:03Z")),
    };
    pinned(
        &record,
        r#"{"eventKey":"inc_1#RESOLVED","change":"RESOLVED","incidentId":"inc_00000000000000000000000000000001","channelId":"chn_00000000000000000000000000000001","channelKind":"WEBHOOK","status":"FAILED","attempts":[{"startedAt":"2026-01-02T04:00:01Z","elapsedMs":120,"status":503,"error":"service unavailable"},{"startedAt":"2026-01-02T04:00:02Z","elapsedMs":80}],"startedAt":"2026-01-02T04:00:01Z","finishedAt":"2026-01-02T04:00:03Z"}"#,
    );
    let claim = DeliveryRecord { status: DeliveryStatus::InFlight, attempts: vec![], finished_at: None, ..record };
    pinned(
        &claim,
        r#"{"eventKey":"inc_1#RESOLVED","change":"RESOLVED","incidentId":"inc_00000000000000000000000000000001","channelId":"chn_00000000000000000000000000000001","channelKind":"WEBHOOK","status":"IN_FLIGHT","startedAt":"2026-01-02T04:00:01Z"}"#,
    );
}

#[test]
fn org_users_and_keys() {
    let org = Org {
        id: id!(OrgId, 1),
        name: name("Acme"),
        ip_allowlist: vec!["192.0.2.0/24".parse().unwrap(), "2001:db8::/32".parse().unwrap()],
        retention_days: 90,
        created_at: at("2026-01-01T00:00:00Z"),
    };
    pinned(
        &org,
        r#"{"id":"org_00000000000000000000000000000001","name":"Acme","ipAllowlist":["192.0.2.0/24","2001:db8::/32"],"retentionDays":90,"createdAt":"2026-01-01T00:00:00Z"}"#,
    );
    let user = User {
        id: id!(UserId, 1),
        org_id: id!(OrgId, 1),
        email: Email::new("ada@example.com").unwrap(),
        role: Role::Admin,
        created_at: at("2026-01-01T00:00:00Z"),
        invitation: Some(Invitation { token_hash: hash("invitation"), expires_at: at("2026-01-08T00:00:00Z") }),
    };
    pinned(
        &user,
        r#"{"id":"usr_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","email":"ada@example.com","role":"ADMIN","createdAt":"2026-01-01T00:00:00Z","invitation":{"tokenHash":"a3013c082c75edc913598c3baac1afa18f7633fe8f014896ab2f1a72ff83d8ba","expiresAt":"2026-01-08T00:00:00Z"}}"#,
    );
    pinned(
        &User { invitation: None, role: Role::Owner, ..user },
        r#"{"id":"usr_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","email":"ada@example.com","role":"OWNER","createdAt":"2026-01-01T00:00:00Z"}"#,
    );
    let key = ApiKey {
        id: id!(ApiKeyId, 1),
        org_id: id!(OrgId, 1),
        name: name("ci"),
        created_by: id!(UserId, 1),
        key_hash: hash("api-key"),
        scopes: BTreeSet::from([Scope::MonitorsRead, Scope::StatusPagesWrite, Scope::OrgAdmin]),
        created_at: at("2026-01-01T00:00:00Z"),
        revoked_at: Some(at("2026-01-05T00:00:00Z")),
    };
    pinned(
        &key,
        r#"{"id":"key_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ci","createdBy":"usr_00000000000000000000000000000001","keyHash":"8c284055dbb54b7f053a2dc612c3727c7aa36354361055f2110f4903ea8ee29c","scopes":["monitors:read","status_pages:write","org:admin"],"createdAt":"2026-01-01T00:00:00Z","revokedAt":"2026-01-05T00:00:00Z"}"#,
    );
}

#[test]
fn channels_of_every_kind() {
    let channel = Channel {
        id: id!(ChannelId, 1),
        org_id: id!(OrgId, 1),
        name: name("ops"),
        target: ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() },
        min_severity: Severity::Medium,
        tags: BTreeSet::from([slug("db")]),
        monitors: BTreeSet::from([id!(MonitorId, 1)]),
        page_cascades: true,
        realert_after: Some(RealertInterval::new(Duration::hours(1)).unwrap()),
    };
    pinned(
        &channel,
        r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"EMAIL","to":"ops@example.com"},"minSeverity":"MEDIUM","tags":["db"],"monitors":["mon_00000000000000000000000000000001"],"pageCascades":true,"realertAfter":3600}"#,
    );
    let url = || WebhookUrl::new("https://hooks.example.com/services/T000/B000").unwrap();
    let others = [
        ("sms", ChannelTarget::Sms { phone: PhoneNumber::new("+4915112345678").unwrap() }),
        ("slack", ChannelTarget::Slack { webhook_url: url() }),
        ("teams", ChannelTarget::Teams { webhook_url: url() }),
        (
            "pagerduty",
            ChannelTarget::Pagerduty { routing_key: RoutingKey::new("R0123456789abcdefghijklmnopqrstu").unwrap() },
        ),
        (
            "webhook",
            ChannelTarget::Webhook { url: url(), secret: SigningSecret::new("whsec_0123456789abcdef").unwrap() },
        ),
    ];
    let plain = Channel { monitors: BTreeSet::new(), page_cascades: false, realert_after: None, ..channel };
    for (kind, target) in others {
        let ch = Channel { target, ..plain.clone() };
        match kind {
            "sms" => pinned(
                &ch,
                r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"SMS","phone":"+4915112345678"},"minSeverity":"MEDIUM","tags":["db"],"pageCascades":false}"#,
            ),
            "slack" => pinned(
                &ch,
                r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"SLACK","webhookUrl":"https://hooks.example.com/services/T000/B000"},"minSeverity":"MEDIUM","tags":["db"],"pageCascades":false}"#,
            ),
            "teams" => pinned(
                &ch,
                r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"TEAMS","webhookUrl":"https://hooks.example.com/services/T000/B000"},"minSeverity":"MEDIUM","tags":["db"],"pageCascades":false}"#,
            ),
            "pagerduty" => pinned(
                &ch,
                r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"PAGERDUTY","routingKey":"R0123456789abcdefghijklmnopqrstu"},"minSeverity":"MEDIUM","tags":["db"],"pageCascades":false}"#,
            ),
            _ => pinned(
                &ch,
                r#"{"id":"chn_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"ops","target":{"kind":"WEBHOOK","url":"https://hooks.example.com/services/T000/B000","secret":"whsec_0123456789abcdef"},"minSeverity":"MEDIUM","tags":["db"],"pageCascades":false}"#,
            ),
        }
    }
}

#[test]
fn maintenance_and_dependencies() {
    pinned(
        &window(),
        r#"{"id":"mnt_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"upgrade","startsAt":"2026-01-02T22:00:00Z","endsAt":"2026-01-02T23:00:00Z","recurrence":"FREQ=WEEKLY;BYDAY=SA","timeZone":"Europe/Berlin","monitorIds":["mon_00000000000000000000000000000001","mon_00000000000000000000000000000002"]}"#,
    );
    let once = MaintenanceWindow { recurrence: None, time_zone: chrono_tz::Tz::UTC, monitor_ids: vec![], ..window() };
    pinned(
        &once,
        r#"{"id":"mnt_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"upgrade","startsAt":"2026-01-02T22:00:00Z","endsAt":"2026-01-02T23:00:00Z","timeZone":"UTC","monitorIds":[]}"#,
    );
    let dep = MonitorDependency { org_id: id!(OrgId, 1), upstream: id!(MonitorId, 1), downstream: id!(MonitorId, 2) };
    pinned(
        &dep,
        r#"{"orgId":"org_00000000000000000000000000000001","upstream":"mon_00000000000000000000000000000001","downstream":"mon_00000000000000000000000000000002"}"#,
    );
}

#[test]
fn status_page() {
    let page = StatusPage {
        id: id!(StatusPageId, 1),
        org_id: id!(OrgId, 1),
        name: name("Acme status"),
        description: Some("Everything Acme runs".into()),
        slug: slug("acme"),
        visibility: Visibility::Private { token_hash: hash("page-token") },
        theme: Theme {
            brand_colour: HexColour::new("#0a7cff").unwrap(),
            logo_url: Some("https://acme.example.com/logo.svg".into()),
            favicon_url: Some("https://acme.example.com/favicon.ico".into()),
        },
        custom_domain: Some(Hostname::new("status.acme.example.com").unwrap()),
        components: vec![Component {
            id: id!(ComponentId, 1),
            name: name("API"),
            position: 0,
            monitor_ids: vec![id!(MonitorId, 1)],
            service: Some(slug("api")),
            description: Some("The public API".into()),
            status: ComponentStatus::PartialOutage,
        }],
    };
    pinned(
        &page,
        r##"{"id":"sp_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"Acme status","description":"Everything Acme runs","slug":"acme","visibility":{"kind":"PRIVATE","tokenHash":"8e6780cc7aa5b6a65a6b03d06b6e98465cf4ab02f84528f97c24ba8650d40126"},"theme":{"brandColour":"#0a7cff","logoUrl":"https://acme.example.com/logo.svg","faviconUrl":"https://acme.example.com/favicon.ico"},"customDomain":"status.acme.example.com","components":[{"id":"cmp_00000000000000000000000000000001","name":"API","position":0,"monitorIds":["mon_00000000000000000000000000000001"],"service":"api","description":"The public API","status":"partial_outage"}]}"##,
    );
    let public = StatusPage {
        description: None,
        visibility: Visibility::Public,
        theme: Theme { brand_colour: HexColour::new("#0a7cff").unwrap(), logo_url: None, favicon_url: None },
        custom_domain: None,
        components: vec![Component {
            id: id!(ComponentId, 2),
            name: name("Web"),
            position: 1,
            monitor_ids: vec![],
            service: None,
            description: None,
            status: ComponentStatus::Operational,
        }],
        ..page
    };
    pinned(
        &public,
        r##"{"id":"sp_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"Acme status","slug":"acme","visibility":{"kind":"PUBLIC"},"theme":{"brandColour":"#0a7cff"},"components":[{"id":"cmp_00000000000000000000000000000002","name":"Web","position":1,"monitorIds":[],"status":"operational"}]}"##,
    );
}

#[test]
fn status_incident_and_page_maintenance() {
    let incident = StatusIncident {
        id: id!(StatusIncidentId, 1),
        page_id: id!(StatusPageId, 1),
        name: name("API errors"),
        impact: Impact::Major,
        state: IncidentState::Monitoring,
        created_at: at("2026-01-02T03:00:00Z"),
        affected: BTreeMap::from([(id!(ComponentId, 1), ComponentStatus::MajorOutage)]),
        updates: vec![
            IncidentUpdate {
                id: id!(IncidentUpdateId, 1),
                state: IncidentState::Investigating,
                body: UpdateBody::new("Looking into it.").unwrap(),
                at: at("2026-01-02T03:00:00Z"),
                changes: vec![ComponentChange {
                    component_id: id!(ComponentId, 1),
                    old_status: ComponentStatus::Operational,
                    new_status: ComponentStatus::MajorOutage,
                }],
            },
            IncidentUpdate {
                id: id!(IncidentUpdateId, 2),
                state: IncidentState::Monitoring,
                body: UpdateBody::new("A fix is out.").unwrap(),
                at: at("2026-01-02T03:30:00Z"),
                changes: vec![],
            },
        ],
    };
    pinned(
        &incident,
        r#"{"id":"sin_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","name":"API errors","impact":"MAJOR","state":"MONITORING","createdAt":"2026-01-02T03:00:00Z","affected":{"cmp_00000000000000000000000000000001":"major_outage"},"updates":[{"id":"upd_00000000000000000000000000000001","state":"INVESTIGATING","body":"Looking into it.","at":"2026-01-02T03:00:00Z","changes":[{"componentId":"cmp_00000000000000000000000000000001","oldStatus":"operational","newStatus":"major_outage"}]},{"id":"upd_00000000000000000000000000000002","state":"MONITORING","body":"A fix is out.","at":"2026-01-02T03:30:00Z"}]}"#,
    );
    let maintenance = PageMaintenance {
        id: id!(PageMaintenanceId, 1),
        page_id: id!(StatusPageId, 1),
        window: window(),
        component_ids: vec![id!(ComponentId, 1)],
        description: Some(UpdateBody::new("Database upgrade.").unwrap()),
        auto_status: false,
        created_at: at("2026-01-01T00:00:00Z"),
        cancelled_at: Some(at("2026-01-02T00:00:00Z")),
    };
    pinned(
        &maintenance,
        r#"{"id":"pmt_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","window":{"id":"mnt_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"upgrade","startsAt":"2026-01-02T22:00:00Z","endsAt":"2026-01-02T23:00:00Z","recurrence":"FREQ=WEEKLY;BYDAY=SA","timeZone":"Europe/Berlin","monitorIds":["mon_00000000000000000000000000000001","mon_00000000000000000000000000000002"]},"componentIds":["cmp_00000000000000000000000000000001"],"description":"Database upgrade.","autoStatus":false,"createdAt":"2026-01-01T00:00:00Z","cancelledAt":"2026-01-02T00:00:00Z"}"#,
    );
    let plain = PageMaintenance { description: None, auto_status: true, cancelled_at: None, ..maintenance };
    pinned(
        &plain,
        r#"{"id":"pmt_00000000000000000000000000000001","pageId":"sp_00000000000000000000000000000001","window":{"id":"mnt_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","name":"upgrade","startsAt":"2026-01-02T22:00:00Z","endsAt":"2026-01-02T23:00:00Z","recurrence":"FREQ=WEEKLY;BYDAY=SA","timeZone":"Europe/Berlin","monitorIds":["mon_00000000000000000000000000000001","mon_00000000000000000000000000000002"]},"componentIds":["cmp_00000000000000000000000000000001"],"autoStatus":true,"createdAt":"2026-01-01T00:00:00Z"}"#,
    );
}

fn probe_monitor(spec: ProbeSpec, state: ProbeState) -> Monitor {
    Monitor {
        id: id!(MonitorId, 2),
        org_id: id!(OrgId, 1),
        name: name("api health"),
        token_hash: hash("probe-token"),
        schedule: Schedule::interval(60).unwrap(),
        grace: Duration::zero(),
        enabled: true,
        status: MonitorStatus::Down,
        severity: Severity::High,
        tags: BTreeSet::new(),
        max_runtime: None,
        created_at: at("2026-01-01T00:00:00Z"),
        last_ping_at: None,
        last_start_at: None,
        next_expected_at: None,
        durations: DurationStats::default(),
        open_starts: vec![],
        open_incidents: BTreeMap::from([(IncidentKind::Down, id!(IncidentId, 3))]),
        ping_count: 0,
        armed_for: Some(at("2026-01-02T03:05:00Z")),
        probe: Some(Probe { spec, state }),
        failure_threshold: 1,
        consecutive_failures: 0,
        version: 12,
    }
}

fn downtime_window() -> DowntimeWindow {
    DowntimeWindow {
        id: id!(DowntimeId, 1),
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 2),
        started_at: at("2026-01-02T03:00:00Z"),
        ended_at: None,
        initial_status: CheckStatus::Down,
        recovery_status: None,
        affected_checks: 3,
        root_cause: None,
        notes: None,
    }
}

#[test]
fn probe_monitors_of_every_kind() {
    let http = ProbeSpec {
        target: ProbeTarget::Http(HttpProbe {
            url: "https://api.example.com/health?deep=1".parse().unwrap(),
            method: HttpMethod::Post,
            headers: vec![("authorization".into(), "Bearer t0k".into()), ("x-tenant".into(), "acme".into())],
            body: Some(r#"{"ping":true}"#.into()),
            expect: HttpExpect {
                status: vec![StatusMatch::Code(204), StatusMatch::Class(2)],
                keyword: Some("ok".into()),
                keyword_absent: Some("error".into()),
            },
            follow_redirects: false,
            verify_tls: true,
            cert_expiry_days: 21,
            redact_headers: BTreeSet::from(["x-tenant".to_string()]),
        }),
        interval_secs: 60,
        timeout_ms: 5000,
        failure_threshold: 3,
        recovery_threshold: 2,
        degraded_after_ms: Some(800),
    };
    let down = ProbeState {
        consecutive_failures: 3,
        consecutive_successes: 0,
        consecutive_slow: 0,
        failing_since: Some(at("2026-01-02T03:00:00Z")),
        last_checked_at: Some(at("2026-01-02T03:02:00.250Z")),
        next_check_at: Some(at("2026-01-02T03:03:00Z")),
        open_window: Some(DowntimeWindow { root_cause: Some("bad deploy".into()), ..downtime_window() }),
    };
    pinned(
        &probe_monitor(http, down),
        r#"{"id":"mon_00000000000000000000000000000002","orgId":"org_00000000000000000000000000000001","name":"api health","tokenHash":"92e2a3caaa3bec34d48004c7da4036f21c00828f51788c7650b9ee4ba5ef63d5","schedule":{"kind":"interval","seconds":60},"grace":0,"enabled":true,"status":"DOWN","severity":"HIGH","tags":[],"createdAt":"2026-01-01T00:00:00Z","lastPingAt":null,"lastStartAt":null,"nextExpectedAt":null,"recentDurationsMs":[],"durationP50Ms":null,"durationP95Ms":null,"durationP99Ms":null,"openStarts":[],"openIncidents":{"DOWN":"inc_00000000000000000000000000000003"},"pingCount":0,"armedFor":"2026-01-02T03:05:00Z","probe":{"target":{"kind":"http","url":"https://api.example.com/health?deep=1","method":"POST","headers":[["authorization","Bearer t0k"],["x-tenant","acme"]],"body":"{\"ping\":true}","expectStatus":["204","2xx"],"keyword":"ok","keywordAbsent":"error","followRedirects":false,"verifyTls":true,"certExpiryDays":21,"redactHeaders":["x-tenant"]},"intervalSecs":60,"timeoutMs":5000,"failureThreshold":3,"recoveryThreshold":2,"degradedAfterMs":800,"state":{"consecutiveFailures":3,"consecutiveSuccesses":0,"consecutiveSlow":0,"failingSince":"2026-01-02T03:00:00Z","lastCheckedAt":"2026-01-02T03:02:00.250Z","nextCheckAt":"2026-01-02T03:03:00Z","openWindow":{"id":"dtw_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","startedAt":"2026-01-02T03:00:00Z","endedAt":null,"initialStatus":"DOWN","recoveryStatus":null,"affectedChecks":3,"rootCause":"bad deploy"}}},"version":12}"#,
    );

    let tcp = ProbeSpec {
        target: ProbeTarget::Tcp(TcpProbe { host: Host::new("db.internal").unwrap(), port: 5432 }),
        interval_secs: 30,
        timeout_ms: 2000,
        failure_threshold: 2,
        recovery_threshold: 1,
        degraded_after_ms: None,
    };
    let up = ProbeState {
        consecutive_successes: 5,
        last_checked_at: Some(at("2026-01-02T03:02:00Z")),
        next_check_at: Some(at("2026-01-02T03:02:30Z")),
        ..Default::default()
    };
    let tcp = Monitor { status: MonitorStatus::Up, open_incidents: BTreeMap::new(), ..probe_monitor(tcp, up.clone()) };
    pinned(
        &tcp,
        r#"{"id":"mon_00000000000000000000000000000002","orgId":"org_00000000000000000000000000000001","name":"api health","tokenHash":"92e2a3caaa3bec34d48004c7da4036f21c00828f51788c7650b9ee4ba5ef63d5","schedule":{"kind":"interval","seconds":60},"grace":0,"enabled":true,"status":"UP","severity":"HIGH","tags":[],"createdAt":"2026-01-01T00:00:00Z","lastPingAt":null,"lastStartAt":null,"nextExpectedAt":null,"recentDurationsMs":[],"durationP50Ms":null,"durationP95Ms":null,"durationP99Ms":null,"openStarts":[],"openIncidents":{},"pingCount":0,"armedFor":"2026-01-02T03:05:00Z","probe":{"target":{"kind":"tcp","host":"db.internal","port":5432},"intervalSecs":30,"timeoutMs":2000,"failureThreshold":2,"recoveryThreshold":1,"state":{"consecutiveFailures":0,"consecutiveSuccesses":5,"consecutiveSlow":0,"lastCheckedAt":"2026-01-02T03:02:00Z","nextCheckAt":"2026-01-02T03:02:30Z"}},"version":12}"#,
    );

    let dns = ProbeSpec {
        target: ProbeTarget::Dns(DnsProbe {
            host: Host::new("example.com").unwrap(),
            record_type: RecordType::Mx,
            expect_values: vec!["10 mx.example.com".into()],
            resolver: Some("192.0.2.53:53".parse().unwrap()),
        }),
        interval_secs: 300,
        timeout_ms: 3000,
        failure_threshold: 1,
        recovery_threshold: 1,
        degraded_after_ms: None,
    };
    let dns = Monitor { status: MonitorStatus::Up, open_incidents: BTreeMap::new(), ..probe_monitor(dns, up) };
    pinned(
        &dns,
        r#"{"id":"mon_00000000000000000000000000000002","orgId":"org_00000000000000000000000000000001","name":"api health","tokenHash":"92e2a3caaa3bec34d48004c7da4036f21c00828f51788c7650b9ee4ba5ef63d5","schedule":{"kind":"interval","seconds":60},"grace":0,"enabled":true,"status":"UP","severity":"HIGH","tags":[],"createdAt":"2026-01-01T00:00:00Z","lastPingAt":null,"lastStartAt":null,"nextExpectedAt":null,"recentDurationsMs":[],"durationP50Ms":null,"durationP95Ms":null,"durationP99Ms":null,"openStarts":[],"openIncidents":{},"pingCount":0,"armedFor":"2026-01-02T03:05:00Z","probe":{"target":{"kind":"dns","host":"example.com","recordType":"MX","expectValues":["10 mx.example.com"],"resolver":"192.0.2.53:53"},"intervalSecs":300,"timeoutMs":3000,"failureThreshold":1,"recoveryThreshold":1,"state":{"consecutiveFailures":0,"consecutiveSuccesses":5,"consecutiveSlow":0,"lastCheckedAt":"2026-01-02T03:02:00Z","nextCheckAt":"2026-01-02T03:02:30Z"}},"version":12}"#,
    );
}

#[test]
fn probe_check() {
    let check = ProbeCheck {
        id: id!(CheckId, 1),
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 2),
        checked_at: at("2026-01-02T03:02:00.250Z"),
        status: CheckStatus::Degraded,
        http_status: Some(200),
        method: Some(HttpMethod::Get),
        response_time_ms: Some(912.5),
        timings: PhaseTimings { dns_ms: Some(3.25), connect_ms: Some(10.0), tls_ms: Some(22.5), ttfb_ms: Some(870.0) },
        error: Some("took 913 ms, above 800 ms".into()),
        location: "eu-west-1".into(),
    };
    pinned(
        &check,
        r#"{"id":"chk_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","checkedAt":"2026-01-02T03:02:00.250Z","status":"DEGRADED","httpStatus":200,"method":"GET","responseTimeMs":912.5,"timings":{"dnsMs":3.25,"connectMs":10.0,"tlsMs":22.5,"ttfbMs":870.0},"error":"took 913 ms, above 800 ms","location":"eu-west-1"}"#,
    );
    let refused = ProbeCheck {
        status: CheckStatus::Down,
        http_status: None,
        method: None,
        response_time_ms: None,
        timings: PhaseTimings { dns_ms: Some(1.5), ..Default::default() },
        error: Some("connection refused".into()),
        location: "local".into(),
        ..check
    };
    pinned(
        &refused,
        r#"{"id":"chk_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","checkedAt":"2026-01-02T03:02:00.250Z","status":"DOWN","timings":{"dnsMs":1.5},"error":"connection refused","location":"local"}"#,
    );
}

#[test]
fn downtime_windows_open_and_closed() {
    pinned(
        &downtime_window(),
        r#"{"id":"dtw_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","startedAt":"2026-01-02T03:00:00Z","endedAt":null,"initialStatus":"DOWN","recoveryStatus":null,"affectedChecks":3}"#,
    );
    let closed = DowntimeWindow {
        ended_at: Some(at("2026-01-02T03:10:00Z")),
        recovery_status: Some(CheckStatus::Up),
        root_cause: Some("bad deploy".into()),
        notes: Some("rolled back at 03:09".into()),
        ..downtime_window()
    };
    pinned(
        &closed,
        r#"{"id":"dtw_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","startedAt":"2026-01-02T03:00:00Z","endedAt":"2026-01-02T03:10:00Z","initialStatus":"DOWN","recoveryStatus":"UP","affectedChecks":3,"rootCause":"bad deploy","notes":"rolled back at 03:09"}"#,
    );
}

#[test]
fn debug_session_with_its_events() {
    let t0 = at("2026-01-02T03:00:00Z");
    let mut request = NetworkEvent::new(EventType::Request, "https://api.example.com/health", t0);
    request.method = Some("GET".into());
    request.request_headers = vec![("authorization".into(), "[redacted]".into()), ("accept".into(), "*/*".into())];
    let mut redirect = NetworkEvent::new(EventType::Redirect, "https://api.example.com/health", t0);
    redirect.status_code = Some(301);
    redirect.response_headers = vec![("location".into(), "/v2/health".into())];
    redirect.duration_ms = Some(12.5);
    let mut response = NetworkEvent::new(EventType::Response, "https://api.example.com/v2/health", t0);
    response.status_code = Some(503);
    response.response_headers = vec![("content-type".into(), "text/plain".into())];
    response.response_payload = Some("upstream unavailable".into());
    response.request_payload = Some("{}".into());
    response.duration_ms = Some(40.0);
    let mut timeout = NetworkEvent::new(EventType::Timeout, "https://api.example.com/v2/health", t0);
    timeout.error = Some("timed out during response".into());
    let session = DebugSession {
        key: id!(DebugSessionKey, 1),
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 2),
        trigger: DebugTrigger::Down,
        started_at: t0,
        completed_at: at("2026-01-02T03:00:00.052Z"),
        success: false,
        error_message: Some("status 503, expected 2xx".into()),
        user_agent: "Tokiflow-Probe/1".into(),
        events: vec![request, redirect, response, timeout],
    };
    pinned(
        &session,
        r#"{"key":"dbg_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","trigger":"DOWN","startedAt":"2026-01-02T03:00:00Z","completedAt":"2026-01-02T03:00:00.052Z","success":false,"errorMessage":"status 503, expected 2xx","userAgent":"Tokiflow-Probe/1","events":[{"kind":"REQUEST","url":"https://api.example.com/health","method":"GET","requestHeaders":[["authorization","[redacted]"],["accept","*/*"]],"timestamp":"2026-01-02T03:00:00Z"},{"kind":"REDIRECT","url":"https://api.example.com/health","statusCode":301,"responseHeaders":[["location","/v2/health"]],"timestamp":"2026-01-02T03:00:00Z","durationMs":12.5},{"kind":"RESPONSE","url":"https://api.example.com/v2/health","statusCode":503,"responseHeaders":[["content-type","text/plain"]],"requestPayload":"{}","responsePayload":"upstream unavailable","timestamp":"2026-01-02T03:00:00Z","durationMs":40.0},{"kind":"TIMEOUT","url":"https://api.example.com/v2/health","timestamp":"2026-01-02T03:00:00Z","error":"timed out during response"}]}"#,
    );
    let manual =
        DebugSession { trigger: DebugTrigger::Manual, success: true, error_message: None, events: vec![], ..session };
    pinned(
        &manual,
        r#"{"key":"dbg_00000000000000000000000000000001","orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","trigger":"MANUAL","startedAt":"2026-01-02T03:00:00Z","completedAt":"2026-01-02T03:00:00.052Z","success":true,"userAgent":"Tokiflow-Probe/1","events":[]}"#,
    );
}

#[test]
fn daily_rollup_with_its_histogram() {
    let rollup = DailyRollup {
        org_id: id!(OrgId, 1),
        monitor_id: id!(MonitorId, 2),
        day: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        checks: 1440,
        failed_checks: 3,
        downtime_seconds: 180,
        latency: LatencyHistogram { buckets: BTreeMap::from([(0, 2), (48, 1000), (49, 430), (120, 5)]) },
    };
    pinned(
        &rollup,
        r#"{"orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","day":"2026-01-02","checks":1440,"failedChecks":3,"downtimeSeconds":180,"latency":{"0":2,"48":1000,"49":430,"120":5}}"#,
    );
    let empty = DailyRollup::empty(id!(OrgId, 1), id!(MonitorId, 2), NaiveDate::from_ymd_opt(2026, 1, 3).unwrap());
    pinned(
        &empty,
        r#"{"orgId":"org_00000000000000000000000000000001","monitorId":"mon_00000000000000000000000000000002","day":"2026-01-03","checks":0,"failedChecks":0,"downtimeSeconds":0,"latency":{}}"#,
    );
}
