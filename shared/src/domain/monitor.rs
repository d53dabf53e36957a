//! A monitor and its state machine: how each ping moves status, deadlines, durations
//! and incidents. Pure: the caller passes the time and the ids.
use super::durations::{DurationStats, is_anomalous};
use super::ids::{IncidentId, MonitorId, OrgId, RunId};
use super::incident::{Incident, IncidentKind, Severity};
use super::ping::PingSignal;
use super::probe::spec::{MonitorKind, ProbeSpec};
use super::probe::state::{Probe, ProbeState, jitter};
use super::run::{PingVia, Run, RunKey, RunOutput, RunState};
use super::schedule::Schedule;
use super::secret::SecretHash;
use super::text::{Name, Slug};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Starts waiting for their finish, per monitor; older ones are forgotten first.
pub const MAX_OPEN_STARTS: usize = 16;
pub const MAX_TAGS: usize = 20;
/// The longest grace or max runtime we accept: 30 days.
pub const MAX_GRACE_SECS: u64 = 30 * 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MonitorStatus {
    /// Created, never pinged.
    New,
    Up,
    /// Past its expected time, within grace.
    Late,
    Down,
    /// A probe answers, but slower than its `degradedAfterMs`.
    Degraded,
    Paused,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    #[error("grace must be at most {MAX_GRACE_SECS} seconds")]
    BadGrace,
    #[error("maxRuntime must be between 1 and {MAX_GRACE_SECS} seconds")]
    BadMaxRuntime,
    #[error("at most {MAX_TAGS} tags")]
    TooManyTags,
}

impl MonitorError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadGrace => "grace",
            Self::BadMaxRuntime => "maxRuntime",
            Self::TooManyTags => "tags",
        }
    }
}

/// A start still waiting for its finish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenStart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<RunKey>,
    pub at: DateTime<Utc>,
}

/// What a user sets when creating a monitor; validated by `Monitor::new`.
#[derive(Debug, Clone)]
pub struct MonitorSpec {
    pub name: Name,
    pub schedule: Schedule,
    pub grace: Duration,
    pub severity: Severity,
    pub tags: BTreeSet<Slug>,
    pub max_runtime: Option<Duration>,
    /// Set for probe monitors (`http`, `tcp`, `dns`); None for heartbeats.
    pub probe: Option<ProbeSpec>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    pub id: MonitorId,
    pub org_id: OrgId,
    pub name: Name,
    /// The hash of the ping token; the token itself is shown once, at creation.
    pub token_hash: SecretHash,
    pub schedule: Schedule,
    pub grace: Duration,
    /// Disabled monitors record pings but change no status and open no incidents.
    pub enabled: bool,
    pub status: MonitorStatus,
    /// The severity of incidents this monitor opens, unless a ping says otherwise.
    pub severity: Severity,
    pub tags: BTreeSet<Slug>,
    pub max_runtime: Option<Duration>,
    pub created_at: DateTime<Utc>,
    pub last_ping_at: Option<DateTime<Utc>>,
    pub last_start_at: Option<DateTime<Utc>>,
    pub next_expected_at: Option<DateTime<Utc>>,
    pub durations: DurationStats,
    pub open_starts: Vec<OpenStart>,
    /// The one open incident of each kind, if any: the rule "one open incident per
    /// monitor and kind" lives here, guarded by `version`.
    pub open_incidents: BTreeMap<IncidentKind, IncidentId>,
    pub ping_count: u64,
    /// When the scheduler is armed to check this monitor (None: not armed).
    pub armed_for: Option<DateTime<Utc>>,
    /// Probe monitors' settings and check state; None for heartbeats.
    pub probe: Option<Probe>,
    /// Heartbeats: failed runs in a row before a FAIL incident opens (1: the first).
    pub failure_threshold: u32,
    /// Heartbeats: failed runs since the last success.
    pub consecutive_failures: u32,
    /// Bumped on every change; stores write only if it is unchanged since the read.
    pub version: u64,
}

/// Everything one ping changes, to be committed atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct PingOutcome {
    pub monitor: Monitor,
    pub run: Run,
    pub opened: Vec<Incident>,
    pub resolved: Vec<IncidentId>,
    /// Arm the scheduler at this time before committing (see `Monitor::rearm`).
    pub arm: Option<DateTime<Utc>>,
}

/// A ping as received, before it touches the monitor.
#[derive(Debug, Clone)]
pub struct ReceivedPing {
    pub run_id: RunId,
    pub signal: PingSignal,
    pub received_at: DateTime<Utc>,
    pub output: RunOutput,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub via: PingVia,
}

impl Monitor {
    pub fn new(
        org_id: OrgId,
        spec: MonitorSpec,
        token_hash: SecretHash,
        now: DateTime<Utc>,
    ) -> Result<Self, MonitorError> {
        let max = Duration::seconds(MAX_GRACE_SECS as i64);
        if spec.grace < Duration::zero() || spec.grace > max {
            return Err(MonitorError::BadGrace);
        }
        if spec.max_runtime.is_some_and(|r| r <= Duration::zero() || r > max) {
            return Err(MonitorError::BadMaxRuntime);
        }
        if spec.tags.len() > MAX_TAGS {
            return Err(MonitorError::TooManyTags);
        }
        let id = MonitorId::generate();
        let probe = spec.probe.map(|spec| {
            let first = now + jitter(&id, spec.interval_secs);
            Probe { spec, state: ProbeState { next_check_at: Some(first), ..Default::default() } }
        });
        Ok(Self {
            id,
            org_id,
            name: spec.name,
            token_hash,
            // A probe monitor expects no pings: its checks are its own.
            next_expected_at: if probe.is_some() { None } else { spec.schedule.next_after(now) },
            schedule: spec.schedule,
            grace: spec.grace,
            enabled: true,
            status: MonitorStatus::New,
            severity: spec.severity,
            tags: spec.tags,
            max_runtime: spec.max_runtime,
            created_at: now,
            last_ping_at: None,
            last_start_at: None,
            durations: DurationStats::default(),
            open_starts: Vec::new(),
            open_incidents: BTreeMap::new(),
            ping_count: 0,
            armed_for: None,
            probe,
            failure_threshold: 1,
            consecutive_failures: 0,
            version: 0,
        })
    }

    pub fn kind(&self) -> MonitorKind {
        self.probe.as_ref().map_or(MonitorKind::Heartbeat, |p| p.spec.kind())
    }

    /// When a missing ping becomes an incident.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.next_expected_at.map(|t| t + self.grace)
    }

    /// Takes the start this finish belongs to: the one with the same rid. A finish
    /// without rid ends every pending start, as Healthchecks clears its pending start, and
    /// is timed from the latest one (a start left pending would raise a LATE later).
    fn take_start(&mut self, rid: Option<&RunKey>) -> Option<DateTime<Utc>> {
        match rid {
            Some(_) => {
                let pos = self.open_starts.iter().rposition(|s| s.rid.as_ref() == rid)?;
                Some(self.open_starts.remove(pos).at)
            }
            None => self.open_starts.drain(..).map(|s| s.at).max(),
        }
    }

    fn remember_start(&mut self, rid: Option<RunKey>, at: DateTime<Utc>) {
        // A new start without rid replaces the previous one: that run never finished.
        self.open_starts.retain(|s| s.rid != rid);
        if self.open_starts.len() == MAX_OPEN_STARTS {
            self.open_starts.remove(0);
        }
        self.open_starts.push(OpenStart { rid, at });
    }

    fn resolve(&mut self, kinds: &[IncidentKind], resolved: &mut Vec<IncidentId>) {
        for kind in kinds {
            if let Some(id) = self.open_incidents.remove(kind) {
                resolved.push(id);
            }
        }
    }

    fn open(&mut self, incident: Incident, opened: &mut Vec<Incident>) {
        if let std::collections::btree_map::Entry::Vacant(slot) = self.open_incidents.entry(incident.kind) {
            slot.insert(incident.id.clone());
            opened.push(incident);
        }
    }

    /// The state machine: what this ping does to the monitor, as a new monitor value
    /// plus the run to record and the incidents to open and resolve.
    pub fn apply_ping(&self, ping: ReceivedPing) -> PingOutcome {
        let now = ping.received_at;
        let signal = ping.signal;
        let mut m = self.clone();
        m.version += 1;
        m.ping_count += 1;
        let mut run = Run {
            id: ping.run_id,
            org_id: m.org_id.clone(),
            monitor_id: m.id.clone(),
            state: signal.state,
            exit_code: signal.exit_code,
            severity: signal.severity,
            received_at: now,
            duration_ms: None,
            z_score: None,
            output: ping.output,
            source_ip: ping.source_ip,
            user_agent: ping.user_agent,
            rid: signal.rid.clone(),
            via: ping.via,
        };
        let (mut opened, mut resolved) = (Vec::new(), Vec::new());

        match signal.state {
            RunState::Log => {}
            RunState::Start => {
                m.last_start_at = Some(now);
                m.remember_start(signal.rid, now);
                // The job started: it was not missed. Its run is watched by the max
                // runtime (LATE) from here; the next period is expected from this start.
                // (A failed job, expected by nothing, stays so until it succeeds.)
                if m.next_expected_at.is_some() && m.enabled {
                    m.next_expected_at = m.schedule.next_after(now);
                }
            }
            RunState::Success | RunState::Fail => {
                let duration_ms =
                    m.take_start(signal.rid.as_ref()).map(|start| (now - start).num_milliseconds().max(0) as u64);
                run.duration_ms = duration_ms;
                run.z_score = duration_ms.and_then(|d| m.durations.z_score(d));
                if let Some(d) = duration_ms {
                    m.durations.record(d);
                }
                m.last_ping_at = Some(now);
                m.next_expected_at = m.schedule.next_after(now);
                if m.enabled {
                    // The job ran, so it was neither missed nor is it still late.
                    m.resolve(&[IncidentKind::Missed, IncidentKind::Late], &mut resolved);
                    let (org_id, monitor_id) = (m.org_id.clone(), m.id.clone());
                    let new_incident =
                        |kind, severity| Incident::open(org_id.clone(), monitor_id.clone(), kind, severity, now);
                    if signal.state == RunState::Success {
                        m.consecutive_failures = 0;
                        m.status = MonitorStatus::Up;
                        m.resolve(&[IncidentKind::Fail], &mut resolved);
                        match run.z_score {
                            Some(z) if is_anomalous(z) => {
                                let mut inc = new_incident(IncidentKind::Degraded, m.severity.lowered());
                                inc.z_score = Some(z);
                                inc.summary = Some(format!(
                                    "run took {} ms, {z:+.1} standard deviations from usual",
                                    duration_ms.unwrap_or_default()
                                ));
                                m.open(inc, &mut opened);
                            }
                            Some(_) => m.resolve(&[IncidentKind::Degraded], &mut resolved),
                            None => {}
                        }
                    } else if m.consecutive_failures.saturating_add(1) < m.failure_threshold {
                        // Below the threshold a failure is recorded, not yet an incident:
                        // the job is expected again as after any run.
                        m.consecutive_failures += 1;
                    } else {
                        m.consecutive_failures = m.consecutive_failures.saturating_add(1);
                        m.status = MonitorStatus::Down;
                        // As Healthchecks: a failed job is not expected again until it
                        // succeeds, so its silence raises no MISSED beside the FAIL.
                        m.next_expected_at = None;
                        let mut inc = new_incident(IncidentKind::Fail, signal.severity.unwrap_or(m.severity));
                        inc.summary = failure_summary(&run);
                        m.open(inc, &mut opened);
                    }
                }
            }
        }
        let arm = m.rearm();
        PingOutcome { monitor: m, run, opened, resolved, arm }
    }
}

/// "exit code 3: first line of output", bounded.
fn failure_summary(run: &Run) -> Option<String> {
    let line = run.output.preview.lines().find(|l| !l.trim().is_empty()).map(|l| {
        let l = l.trim();
        l.chars().take(200).collect::<String>()
    });
    match (run.exit_code, line) {
        (Some(code), Some(line)) => Some(format!("exit code {code}: {line}")),
        (Some(code), None) => Some(format!("exit code {code}")),
        (None, line) => line,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::domain::durations::MIN_SAMPLES_FOR_ANOMALY;

    fn t(secs: i64) -> DateTime<Utc> {
        "2026-05-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::seconds(secs)
    }

    fn monitor() -> Monitor {
        let spec = MonitorSpec {
            name: Name::new("Backup").unwrap(),
            schedule: Schedule::interval(60).unwrap(),
            grace: Duration::seconds(30),
            severity: Severity::High,
            tags: BTreeSet::new(),
            max_runtime: None,
            probe: None,
        };
        Monitor::new(OrgId::generate(), spec, SecretHash::of("tok"), t(0)).unwrap()
    }

    fn ping(state: RunState, rid: Option<&str>, at: DateTime<Utc>) -> ReceivedPing {
        ReceivedPing {
            run_id: RunId::generate(),
            signal: PingSignal {
                state,
                exit_code: (state == RunState::Fail).then_some(2),
                severity: None,
                rid: rid.map(|r| RunKey::new(r).unwrap()),
            },
            received_at: at,
            output: RunOutput { preview: "\n disk full \nmore".into(), size: 17, ..Default::default() },
            source_ip: None,
            user_agent: None,
            via: Default::default(),
        }
    }

    #[test]
    fn new_monitor_expects_first_ping_one_period_after_creation() {
        let m = monitor();
        assert_eq!(m.status, MonitorStatus::New);
        assert_eq!(m.next_expected_at, Some(t(60)));
        assert_eq!(m.deadline(), Some(t(90)));
    }

    #[test]
    fn validation_in_constructor() {
        let mut spec = MonitorSpec {
            name: Name::new("x").unwrap(),
            schedule: Schedule::interval(60).unwrap(),
            grace: Duration::seconds(-1),
            severity: Severity::Low,
            tags: BTreeSet::new(),
            max_runtime: None,
            probe: None,
        };
        let err = Monitor::new(OrgId::generate(), spec.clone(), SecretHash::of("t"), t(0)).unwrap_err();
        assert_eq!(err.field(), "grace");
        spec.grace = Duration::zero();
        spec.max_runtime = Some(Duration::zero());
        let err = Monitor::new(OrgId::generate(), spec, SecretHash::of("t"), t(0)).unwrap_err();
        assert_eq!(err.field(), "maxRuntime");
    }

    #[test]
    fn success_sets_up_and_moves_the_deadline() {
        let out = monitor().apply_ping(ping(RunState::Success, None, t(10)));
        assert_eq!(out.monitor.status, MonitorStatus::Up);
        assert_eq!(out.monitor.last_ping_at, Some(t(10)));
        assert_eq!(out.monitor.next_expected_at, Some(t(70)));
        assert_eq!(out.monitor.version, 1);
        assert_eq!(out.monitor.ping_count, 1);
        assert!(out.opened.is_empty() && out.resolved.is_empty());
    }

    #[test]
    fn fail_opens_one_incident_and_success_resolves_it() {
        let down = monitor().apply_ping(ping(RunState::Fail, None, t(5)));
        assert_eq!(down.monitor.status, MonitorStatus::Down);
        assert_eq!(down.opened.len(), 1);
        let inc = &down.opened[0];
        assert_eq!((inc.kind, inc.severity), (IncidentKind::Fail, Severity::High));
        assert_eq!(inc.summary.as_deref(), Some("exit code 2: disk full"));
        // Not expected again until it succeeds: no MISSED check armed beside the FAIL.
        assert_eq!((down.monitor.next_expected_at, down.arm), (None, None));

        let again = down.monitor.apply_ping(ping(RunState::Fail, None, t(6)));
        assert!(again.opened.is_empty(), "one open incident per monitor and kind");

        let up = again.monitor.apply_ping(ping(RunState::Success, None, t(7)));
        assert_eq!(up.resolved, vec![inc.id.clone()]);
        assert!(up.monitor.open_incidents.is_empty());
        assert_eq!(up.monitor.next_expected_at, Some(t(67)), "expected again after the success");
    }

    #[test]
    fn ping_severity_overrides_the_monitor_default() {
        let mut p = ping(RunState::Fail, None, t(5));
        p.signal.severity = Some(Severity::Critical);
        assert_eq!(monitor().apply_ping(p).opened[0].severity, Severity::Critical);
    }

    #[test]
    fn start_then_finish_gives_a_duration_paired_by_rid() {
        let m = monitor().apply_ping(ping(RunState::Start, Some("a"), t(0))).monitor;
        let m = m.apply_ping(ping(RunState::Start, Some("b"), t(10))).monitor;
        assert_eq!(m.status, MonitorStatus::New, "a start alone changes no status");
        assert_eq!(m.last_start_at, Some(t(10)));
        let out = m.apply_ping(ping(RunState::Success, Some("a"), t(25)));
        assert_eq!(out.run.duration_ms, Some(25_000));
        let out = out.monitor.apply_ping(ping(RunState::Success, Some("b"), t(30)));
        assert_eq!(out.run.duration_ms, Some(20_000));
        assert_eq!(out.monitor.durations.p50_ms, Some(20_000));
        let out = out.monitor.apply_ping(ping(RunState::Success, None, t(40)));
        assert_eq!(out.run.duration_ms, None, "no start without rid was open");
    }

    #[test]
    fn open_starts_are_bounded() {
        let mut m = monitor();
        for i in 0..(MAX_OPEN_STARTS as i64 + 5) {
            m = m.apply_ping(ping(RunState::Start, Some(&format!("r{i}")), t(i))).monitor;
        }
        assert_eq!(m.open_starts.len(), MAX_OPEN_STARTS);
    }

    #[test]
    fn log_changes_nothing_but_the_count() {
        let m = monitor();
        let out = m.apply_ping(ping(RunState::Log, None, t(5)));
        assert_eq!(out.monitor.status, MonitorStatus::New);
        assert_eq!(out.monitor.last_ping_at, None);
        assert_eq!(out.monitor.ping_count, 1);
    }

    #[test]
    fn disabled_monitor_records_but_opens_nothing() {
        let mut m = monitor();
        m.enabled = false;
        let out = m.apply_ping(ping(RunState::Fail, None, t(5)));
        assert!(out.opened.is_empty());
        assert_eq!(out.monitor.status, MonitorStatus::New);
        assert_eq!(out.run.state, RunState::Fail);
    }

    #[test]
    fn paused_monitor_resumes_on_ping() {
        let mut m = monitor();
        m.status = MonitorStatus::Paused;
        assert_eq!(m.apply_ping(ping(RunState::Success, None, t(5))).monitor.status, MonitorStatus::Up);
    }

    #[test]
    fn anomalous_duration_opens_degraded_and_a_normal_one_resolves_it() {
        let mut m = monitor();
        let mut clock = 0;
        let mut run_for = |m: &Monitor, secs: i64| {
            let a = m.apply_ping(ping(RunState::Start, None, t(clock))).monitor;
            clock += secs;
            let out = a.apply_ping(ping(RunState::Success, None, t(clock)));
            clock += 1;
            out
        };
        for _ in 0..MIN_SAMPLES_FOR_ANOMALY {
            m = run_for(&m, 10).monitor;
        }
        let slow = run_for(&m, 100);
        assert_eq!(slow.opened.len(), 1);
        assert_eq!(slow.opened[0].kind, IncidentKind::Degraded);
        assert_eq!(slow.opened[0].severity, Severity::Medium);
        assert!(slow.run.z_score.unwrap() > 3.0);
        let normal = run_for(&slow.monitor, 10);
        assert_eq!(normal.resolved, vec![slow.opened[0].id.clone()]);
    }

    #[test]
    fn a_failure_threshold_waits_for_that_many_failed_runs_in_a_row() {
        let mut m = monitor();
        m.failure_threshold = 3;
        let one = m.apply_ping(ping(RunState::Fail, None, t(5)));
        assert!(one.opened.is_empty());
        assert_eq!((one.monitor.status, one.monitor.consecutive_failures), (MonitorStatus::New, 1));
        assert!(one.monitor.next_expected_at.is_some(), "still expected, as after any run");
        let reset = one.monitor.apply_ping(ping(RunState::Success, None, t(6)));
        assert_eq!(reset.monitor.consecutive_failures, 0);
        let mut last = reset.monitor;
        for (i, at) in [7, 8, 9].into_iter().enumerate() {
            let out = last.apply_ping(ping(RunState::Fail, None, t(at)));
            assert_eq!(out.opened.len(), usize::from(i == 2), "the third failure in a row opens FAIL");
            last = out.monitor;
        }
        assert_eq!((last.status, last.next_expected_at), (MonitorStatus::Down, None));
    }
}
