//! The probe state machine: what one check does to a probe monitor — its status, its
//! downtime window, its incidents and its rollup — with thresholds, maintenance and
//! cascades as for heartbeats. Pure: the caller passes the check and the time.
use super::check::{CheckStatus, ProbeCheck};
use super::downtime::DowntimeWindow;
use super::rollup::DailyRollup;
use super::spec::{ProbeSpec, ProbeTarget};
use crate::domain::ids::{DowntimeId, IncidentId, MonitorId};
use crate::domain::incident::{Incident, IncidentKind, Severity};
use crate::domain::missed::UpstreamTrouble;
use crate::domain::monitor::{Monitor, MonitorStatus};
use chrono::{DateTime, Duration, Utc};

/// A probe monitor's settings and where its checks stand.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub spec: ProbeSpec,
    pub state: ProbeState,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProbeState {
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub consecutive_slow: u32,
    /// The first failed check of the current run of failures.
    pub failing_since: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// When the next check is due (the monitor's timer is armed for it).
    pub next_check_at: Option<DateTime<Utc>>,
    /// The downtime window while the monitor is DOWN.
    pub open_window: Option<DowntimeWindow>,
}

/// The offset of a monitor's checks inside its interval, fixed by its id: monitors with
/// the same interval spread out instead of firing together.
pub fn jitter(id: &MonitorId, interval_secs: u32) -> Duration {
    // FNV-1a: stable across builds and runs, unlike the std hasher.
    let hash =
        id.as_str().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    Duration::milliseconds((hash % (u64::from(interval_secs) * 1000)) as i64)
}

/// Everything one check changes, to be committed atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeOutcome {
    pub monitor: Monitor,
    pub check: ProbeCheck,
    pub opened: Vec<Incident>,
    pub resolved: Vec<IncidentId>,
    /// The window opened, extended or closed by this check, to write.
    pub window: Option<DowntimeWindow>,
    /// What to add to the check's day: one check, whether it failed, its latency, and
    /// the downtime since the previous check while a window is open.
    pub rollup: DailyRollup,
    /// The monitor just went DOWN: run a debug session.
    pub went_down: bool,
    /// Arm the scheduler at this time (already in `monitor.armed_for`).
    pub arm: Option<DateTime<Utc>>,
}

/// What the world around the monitor says when a check lands.
#[derive(Debug, Clone, Copy, Default)]
pub struct Surroundings<'a> {
    /// Until when a maintenance window covers the monitor: incidents are not opened.
    pub maintenance_until: Option<DateTime<Utc>>,
    /// An upstream monitor already failing: DOWN is its echo, lowered and explained.
    pub upstream: Option<&'a UpstreamTrouble>,
    /// The certificate's end of validity, when the check saw one.
    pub cert_not_after: Option<DateTime<Utc>>,
}

impl Monitor {
    /// When the check after one due at `due` is due: one interval on, skipping any
    /// interval already past at `now` (a late check does not cause a burst).
    pub fn probe_due_after(&self, due: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let probe = self.probe.as_ref()?;
        let step = Duration::seconds(i64::from(probe.spec.interval_secs));
        let mut next = due + step;
        if next <= now {
            let behind = (now - next).num_milliseconds() / step.num_milliseconds() + 1;
            next += step * behind as i32;
        }
        Some(next)
    }

    /// The state machine for one check.
    pub fn apply_check(&self, check: ProbeCheck, around: Surroundings<'_>) -> ProbeOutcome {
        let mut m = self.clone();
        m.version += 1;
        m.armed_for = None;
        let now = check.checked_at;
        let mut outcome_window = None;
        let (mut opened, mut resolved) = (Vec::new(), Vec::new());
        let mut rollup = DailyRollup::empty(m.org_id.clone(), m.id.clone(), now.date_naive());
        rollup.checks = 1;
        let mut went_down = false;
        let watching = m.enabled && m.status != MonitorStatus::Paused;
        let Some(probe) = m.probe.as_mut() else {
            return ProbeOutcome { monitor: m, check, opened, resolved, window: None, rollup, went_down, arm: None };
        };
        let (spec, st) = (&probe.spec, &mut probe.state);
        let due = st.next_check_at.unwrap_or(now);
        let previous_check = st.last_checked_at.replace(now);
        st.next_check_at = Some(due);
        let failed = check.status.is_failure();
        if failed {
            rollup.failed_checks = 1;
            st.consecutive_failures += 1;
            st.consecutive_successes = 0;
            st.consecutive_slow = 0;
            st.failing_since.get_or_insert(now);
        } else if check.status != CheckStatus::Unknown {
            if let Some(ms) = check.response_time_ms {
                rollup.latency.record(ms);
            }
            st.consecutive_successes += 1;
            st.consecutive_failures = 0;
            st.failing_since = None;
            st.consecutive_slow = if check.status == CheckStatus::Degraded { st.consecutive_slow + 1 } else { 0 };
        }
        let mut new_status = m.status;
        let mut to_open: Vec<(IncidentKind, Severity, String)> = Vec::new();
        let mut to_resolve: Vec<IncidentKind> = Vec::new();
        if watching {
            if let Some(w) = st.open_window.as_mut() {
                // Downtime accrues check by check, into the day of the check.
                let since = previous_check.unwrap_or(w.started_at).max(w.started_at);
                rollup.downtime_seconds = (now - since).num_seconds().max(0) as u64;
                if failed {
                    w.affected_checks += 1;
                    outcome_window = Some(w.clone());
                } else if st.consecutive_successes >= spec.recovery_threshold && check.status != CheckStatus::Unknown {
                    w.ended_at = Some(now);
                    w.recovery_status = Some(check.status);
                    outcome_window = Some(w.clone());
                    st.open_window = None;
                    to_resolve.push(IncidentKind::Down);
                }
            } else if failed && st.consecutive_failures >= spec.failure_threshold {
                let window = DowntimeWindow {
                    id: DowntimeId::generate(),
                    org_id: check.org_id.clone(),
                    monitor_id: check.monitor_id.clone(),
                    started_at: st.failing_since.unwrap_or(now),
                    ended_at: None,
                    initial_status: check.status,
                    recovery_status: None,
                    affected_checks: st.consecutive_failures,
                    root_cause: None,
                    notes: None,
                };
                rollup.downtime_seconds = (now - window.started_at).num_seconds().max(0) as u64;
                outcome_window = Some(window.clone());
                st.open_window = Some(window);
                went_down = true;
                let why = check.error.clone().unwrap_or_else(|| "check failed".into());
                to_open.push((
                    IncidentKind::Down,
                    m.severity,
                    format!("{} failed checks in a row: {why}", st.consecutive_failures),
                ));
            }
            if st.open_window.is_some() {
                new_status = MonitorStatus::Down;
            } else if !failed && check.status != CheckStatus::Unknown {
                new_status =
                    if check.status == CheckStatus::Degraded { MonitorStatus::Degraded } else { MonitorStatus::Up };
            }
            // Latency: a run of slow answers as long as the failure threshold.
            if check.status == CheckStatus::Degraded && st.consecutive_slow >= spec.failure_threshold {
                let why = check.error.clone().unwrap_or_else(|| "slow answers".into());
                to_open.push((IncidentKind::Degraded, m.severity.lowered(), why));
            } else if check.status == CheckStatus::Up {
                to_resolve.push(IncidentKind::Degraded);
            }
            if let (Some(not_after), ProbeTarget::Http(http)) = (around.cert_not_after, &spec.target) {
                let warn_from = not_after - Duration::days(i64::from(http.cert_expiry_days));
                if now >= warn_from {
                    let days = (not_after - now).num_days();
                    to_open.push((
                        IncidentKind::CertExpiry,
                        Severity::Low,
                        format!("the TLS certificate expires {} ({days} days)", not_after.to_rfc3339()),
                    ));
                } else {
                    to_resolve.push(IncidentKind::CertExpiry);
                }
            }
        }
        m.status = new_status;
        for kind in to_resolve {
            if let Some(id) = m.open_incidents.remove(&kind) {
                resolved.push(id);
            }
        }
        let in_maintenance = around.maintenance_until.is_some_and(|until| until > now);
        for (kind, severity, summary) in to_open {
            if in_maintenance || m.open_incidents.contains_key(&kind) {
                continue;
            }
            let mut incident = Incident::open(m.org_id.clone(), m.id.clone(), kind, severity, now);
            incident.summary = Some(summary);
            if let (Some(up), IncidentKind::Down) = (around.upstream, kind) {
                up.lower(&mut incident);
            }
            m.open_incidents.insert(kind, incident.id.clone());
            opened.push(incident);
        }
        let next = m.probe_due_after(due, now);
        if let Some(p) = m.probe.as_mut() {
            p.state.next_check_at = next;
        }
        let arm = m.rearm();
        ProbeOutcome { monitor: m, check, opened, resolved, window: outcome_window, rollup, went_down, arm }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OrgId;
    use crate::domain::monitor::MonitorSpec;
    use crate::domain::probe::check::ProbeCheck;
    use crate::domain::probe::observation::{Observation, ProbeFailure};
    use crate::domain::probe::spec::{HttpExpect, HttpMethod, HttpProbe, ProbeTarget};
    use crate::domain::schedule::Schedule;
    use crate::domain::secret::SecretHash;
    use crate::domain::text::Name;

    fn t(secs: i64) -> DateTime<Utc> {
        "2026-05-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::seconds(secs)
    }

    fn spec() -> ProbeSpec {
        ProbeSpec {
            target: ProbeTarget::Http(HttpProbe {
                url: "https://example.com/".parse().unwrap(),
                method: HttpMethod::Get,
                headers: vec![],
                body: None,
                expect: HttpExpect::default(),
                follow_redirects: true,
                verify_tls: true,
                cert_expiry_days: 14,
                redact_headers: Default::default(),
            }),
            interval_secs: 30,
            timeout_ms: 10_000,
            failure_threshold: 2,
            recovery_threshold: 2,
            degraded_after_ms: Some(500),
        }
    }

    fn monitor() -> Monitor {
        let spec = MonitorSpec {
            name: Name::new("site").unwrap(),
            schedule: Schedule::interval(30).unwrap(),
            grace: Duration::zero(),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: None,
            probe: Some(spec()),
        };
        Monitor::new(OrgId::generate(), spec, SecretHash::of("t"), t(0)).unwrap()
    }

    fn check(m: &Monitor, at: i64, obs: Observation) -> ProbeCheck {
        let spec = &m.probe.as_ref().unwrap().spec;
        ProbeCheck::judged(spec, &obs, m.org_id.clone(), m.id.clone(), t(at), "local".into())
    }

    fn ok(ms: f64) -> Observation {
        Observation { http_status: Some(200), total_ms: ms, ..Default::default() }
    }

    fn refused() -> Observation {
        Observation { failure: Some(ProbeFailure::Refused), total_ms: 1.0, ..Default::default() }
    }

    fn run(m: &Monitor, at: i64, obs: Observation) -> ProbeOutcome {
        m.apply_check(check(m, at, obs), Surroundings::default())
    }

    #[test]
    fn a_new_probe_is_armed_within_its_first_interval_and_expects_no_pings() {
        let m = monitor();
        let first = m.next_check_at().unwrap();
        assert!(first >= t(0) && first < t(30));
        assert_eq!(m.next_expected_at, None);
        assert_eq!(first, t(0) + jitter(&m.id, 30), "the offset is fixed by the id");
    }

    #[test]
    fn down_after_the_threshold_with_one_window_and_one_incident_then_recovery() {
        let m = monitor();
        let one = run(&m, 10, refused());
        assert_eq!((one.monitor.status, one.opened.len(), one.window.is_none()), (MonitorStatus::New, 0, true));
        let two = run(&one.monitor, 40, refused());
        assert!(two.went_down);
        assert_eq!(two.monitor.status, MonitorStatus::Down);
        assert_eq!(two.opened.len(), 1);
        assert_eq!(two.opened[0].kind, IncidentKind::Down);
        let w = two.window.clone().unwrap();
        assert_eq!((w.started_at, w.affected_checks, w.ended_at), (t(10), 2, None));
        assert_eq!(two.rollup.downtime_seconds, 30, "down since the first failed check");
        let three = run(&two.monitor, 70, refused());
        assert!(!three.went_down && three.opened.is_empty());
        assert_eq!(three.window.as_ref().unwrap().affected_checks, 3);
        // Recovery needs two good checks.
        let four = run(&three.monitor, 100, ok(50.0));
        assert_eq!(four.monitor.status, MonitorStatus::Down);
        assert!(four.resolved.is_empty());
        let five = run(&four.monitor, 130, ok(50.0));
        assert_eq!(five.monitor.status, MonitorStatus::Up);
        assert_eq!(five.resolved, vec![two.opened[0].id.clone()]);
        let closed = five.window.clone().unwrap();
        assert_eq!((closed.ended_at, closed.recovery_status), (Some(t(130)), Some(CheckStatus::Up)));
        let total: u64 = [&two, &three, &four, &five].iter().map(|o| o.rollup.downtime_seconds).sum();
        assert_eq!(total, 120, "downtime accrues check by check to the recovery");
        assert_eq!(five.monitor.probe.unwrap().state.open_window, None);
    }

    #[test]
    fn maintenance_keeps_the_window_but_opens_no_incident_and_upstream_lowers_it() {
        let m = monitor();
        let one = run(&m, 10, refused());
        let quiet = Surroundings { maintenance_until: Some(t(3600)), ..Default::default() };
        let two = one.monitor.apply_check(check(&one.monitor, 40, refused()), quiet);
        assert!(two.window.is_some() && two.opened.is_empty());
        assert_eq!(two.monitor.status, MonitorStatus::Down);
        let up = UpstreamTrouble { monitor_name: "db".into(), kind: IncidentKind::Down, since: t(0) };
        let echo = Surroundings { upstream: Some(&up), ..Default::default() };
        let two = one.monitor.apply_check(check(&one.monitor, 40, refused()), echo);
        assert_eq!(two.opened[0].severity, Severity::Medium);
        assert!(two.opened[0].cascade_reason.as_ref().unwrap().contains("db"));
    }

    #[test]
    fn slow_answers_degrade_after_the_threshold_and_a_fast_one_resolves() {
        let m = monitor();
        let one = run(&m, 10, ok(900.0));
        assert_eq!((one.monitor.status, one.opened.len()), (MonitorStatus::Degraded, 0));
        let two = run(&one.monitor, 40, ok(900.0));
        assert_eq!(two.opened[0].kind, IncidentKind::Degraded);
        assert_eq!(two.opened[0].severity, Severity::Medium);
        let three = run(&two.monitor, 70, ok(100.0));
        assert_eq!(three.resolved, vec![two.opened[0].id.clone()]);
        assert_eq!(three.monitor.status, MonitorStatus::Up);
        assert_eq!(three.rollup.latency.count(), 1);
    }

    #[test]
    fn a_certificate_near_expiry_opens_a_low_incident_until_renewed() {
        let m = monitor();
        let near = Surroundings { cert_not_after: Some(t(0) + Duration::days(3)), ..Default::default() };
        let out = m.apply_check(check(&m, 10, ok(10.0)), near);
        assert_eq!(out.opened[0].kind, IncidentKind::CertExpiry);
        assert_eq!(out.opened[0].severity, Severity::Low);
        let renewed = Surroundings { cert_not_after: Some(t(0) + Duration::days(90)), ..Default::default() };
        let out2 = out.monitor.apply_check(check(&out.monitor, 40, ok(10.0)), renewed);
        assert_eq!(out2.resolved, vec![out.opened[0].id.clone()]);
    }

    #[test]
    fn the_next_check_keeps_its_phase_and_skips_missed_intervals() {
        let m = monitor();
        let due = m.next_check_at().unwrap();
        let out = run(&m, (due - t(0)).num_seconds(), ok(10.0));
        assert_eq!(out.arm, Some(due + Duration::seconds(30)));
        assert_eq!(out.monitor.armed_for, out.arm);
        // A check that ran 95 s late does not fire three times to catch up.
        assert_eq!(m.probe_due_after(due, due + Duration::seconds(95)), Some(due + Duration::seconds(120)));
    }

    #[test]
    fn a_paused_probe_is_not_armed() {
        let p = monitor().paused();
        assert_eq!(p.next_check_at(), None);
        let r = p.resumed(t(100));
        let next = r.next_check_at().unwrap();
        assert!(next >= t(100) && next < t(130));
    }
}
