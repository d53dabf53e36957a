//! Missed and late detection: when a monitor must next be checked, and what a check finds.
//!
//! The scheduler holds one one-off timer per monitor. Pings only ever move that timer
//! *earlier* (rarely); when it fires early because pings pushed the deadline later, the
//! check re-arms itself. So a monitor pinged every minute with an hour of grace costs
//! about one scheduler call an hour, not sixty.
use super::incident::{Incident, IncidentKind};
use super::monitor::{Monitor, MonitorStatus};
use chrono::{DateTime, Utc};

/// An upstream monitor that is already failing: downstream misses are its echo.
#[derive(Debug, Clone, PartialEq)]
pub struct UpstreamTrouble {
    pub monitor_name: String,
    pub kind: IncidentKind,
    pub since: DateTime<Utc>,
}

impl UpstreamTrouble {
    /// A downstream incident that is this trouble's echo: one severity lower, and why.
    pub fn lower(&self, incident: &mut Incident) {
        incident.severity = incident.severity.lowered();
        incident.cascade_reason = Some(format!(
            "upstream monitor {:?} has an open {:?} incident since {}",
            self.monitor_name,
            self.kind,
            self.since.to_rfc3339()
        ));
    }
}

/// What a scheduled check decided, to be committed atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub monitor: Monitor,
    pub opened: Vec<Incident>,
    /// Arm the scheduler at this time (already recorded in `monitor.armed_for`).
    pub arm: Option<DateTime<Utc>>,
}

impl Monitor {
    fn watching(&self) -> bool {
        self.enabled && self.status != MonitorStatus::Paused
    }

    /// When a start without its finish becomes LATE.
    pub fn late_deadline(&self) -> Option<DateTime<Utc>> {
        let max = self.max_runtime?;
        self.open_starts.iter().map(|s| s.at).min().map(|at| at + max)
    }

    /// The earliest moment something could become due: a MISSED or LATE deadline of a
    /// kind not already open, or a probe's next check. None when nothing is watched.
    pub fn next_check_at(&self) -> Option<DateTime<Utc>> {
        if !self.watching() {
            return None;
        }
        if let Some(probe) = &self.probe {
            return probe.state.next_check_at;
        }
        let open = |k| self.open_incidents.contains_key(&k);
        let missed = self.deadline().filter(|_| !open(IncidentKind::Missed));
        let late = self.late_deadline().filter(|_| !open(IncidentKind::Late));
        [missed, late].into_iter().flatten().min()
    }

    /// Arms the scheduler only when nothing is armed or the check must come sooner;
    /// a later deadline is left to the armed check, which re-arms when it fires early.
    /// Returns the time to arm, already recorded in `armed_for`.
    pub fn rearm(&mut self) -> Option<DateTime<Utc>> {
        let next = self.next_check_at()?;
        match self.armed_for {
            Some(armed) if armed <= next => None,
            _ => {
                self.armed_for = Some(next);
                Some(next)
            }
        }
    }

    /// The scheduled check at `now`: opens MISSED/LATE incidents that are due, unless the
    /// monitor is paused, disabled or in maintenance (`maintenance_until`); lowers their
    /// severity and says why when an upstream monitor is already failing.
    pub fn check_due(
        &self,
        now: DateTime<Utc>,
        maintenance_until: Option<DateTime<Utc>>,
        upstream: Option<&UpstreamTrouble>,
    ) -> CheckOutcome {
        let mut m = self.clone();
        m.version += 1;
        // The timer that fired is spent.
        m.armed_for = None;
        let mut opened = Vec::new();
        if !m.watching() {
            return CheckOutcome { monitor: m, opened, arm: None };
        }
        if let Some(until) = maintenance_until {
            m.armed_for = Some(until);
            return CheckOutcome { monitor: m, opened, arm: Some(until) };
        }
        let open = |m: &Monitor, k| m.open_incidents.contains_key(&k);
        let due = [
            (IncidentKind::Missed, m.deadline().is_some_and(|d| d <= now) && !open(&m, IncidentKind::Missed)),
            (IncidentKind::Late, m.late_deadline().is_some_and(|d| d <= now) && !open(&m, IncidentKind::Late)),
        ];
        for (kind, _) in due.into_iter().filter(|(_, is_due)| *is_due) {
            let mut incident = Incident::open(m.org_id.clone(), m.id.clone(), kind, m.severity, now);
            incident.summary = Some(match kind {
                IncidentKind::Missed => {
                    format!("no ping since {}", m.last_ping_at.map_or("creation".into(), |t| t.to_rfc3339()))
                }
                _ => "a run started and has not finished within its max runtime".into(),
            });
            if let Some(up) = upstream {
                up.lower(&mut incident);
            }
            m.status = match kind {
                IncidentKind::Missed => MonitorStatus::Down,
                _ if m.status == MonitorStatus::Down => MonitorStatus::Down,
                _ => MonitorStatus::Late,
            };
            m.open_incidents.insert(kind, incident.id.clone());
            opened.push(incident);
        }
        let arm = m.rearm();
        CheckOutcome { monitor: m, opened, arm }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OrgId, RunId};
    use crate::domain::incident::Severity;
    use crate::domain::monitor::{MonitorSpec, ReceivedPing};
    use crate::domain::ping::PingSignal;
    use crate::domain::run::{RunOutput, RunState};
    use crate::domain::schedule::Schedule;
    use crate::domain::secret::SecretHash;
    use crate::domain::text::Name;
    use chrono::Duration;

    fn t(secs: i64) -> DateTime<Utc> {
        "2026-05-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::seconds(secs)
    }

    fn monitor(period: u64, grace: i64, max_runtime: Option<i64>) -> Monitor {
        let spec = MonitorSpec {
            name: Name::new("job").unwrap(),
            schedule: Schedule::interval(period).unwrap(),
            grace: Duration::seconds(grace),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: max_runtime.map(Duration::seconds),
            probe: None,
        };
        Monitor::new(OrgId::generate(), spec, SecretHash::of("t"), t(0)).unwrap()
    }

    fn ping(m: &Monitor, state: RunState, at: DateTime<Utc>) -> (Monitor, Option<DateTime<Utc>>) {
        let out = m.apply_ping(ReceivedPing {
            run_id: RunId::generate(),
            signal: PingSignal { state, exit_code: None, severity: None, rid: None },
            received_at: at,
            output: RunOutput::default(),
            source_ip: None,
            user_agent: None,
            via: Default::default(),
        });
        (out.monitor, out.arm)
    }

    #[test]
    fn pinging_every_minute_with_an_hour_of_grace_arms_about_once_an_hour() {
        let mut m = monitor(60, 3600, None);
        let mut arms = 0;
        let mut now = t(0);
        for _ in 0..600 {
            now += Duration::seconds(60);
            // The armed check fires when due; it finds nothing due and re-arms.
            if m.armed_for.is_some_and(|a| a <= now) {
                let out = m.check_due(now, None, None);
                assert!(out.opened.is_empty());
                arms += out.arm.is_some() as u32;
                m = out.monitor;
            }
            let (next, arm) = ping(&m, RunState::Success, now);
            arms += arm.is_some() as u32;
            m = next;
        }
        // 600 pings over 10 hours: about ten arms, i.e. under 0.05 per ping.
        assert!((8..=12).contains(&arms), "{arms} arms for 600 pings");
    }

    #[test]
    fn missed_deadline_opens_one_missed_incident_and_sets_down() {
        let m = monitor(60, 30, None);
        assert_eq!(m.next_check_at(), Some(t(90)));
        let early = m.check_due(t(89), None, None);
        assert!(early.opened.is_empty());
        assert_eq!(early.arm, Some(t(90)), "fired early: re-arm at the deadline");
        let due = m.check_due(t(90), None, None);
        assert_eq!(due.opened.len(), 1);
        assert_eq!(due.opened[0].kind, IncidentKind::Missed);
        assert_eq!(due.opened[0].severity, Severity::High);
        assert_eq!(due.monitor.status, MonitorStatus::Down);
        assert_eq!(due.arm, None, "nothing left to watch until a ping");
        let again = due.monitor.check_due(t(200), None, None);
        assert!(again.opened.is_empty(), "firing twice opens one incident");
    }

    #[test]
    fn paused_disabled_and_maintenance_open_nothing() {
        let mut paused = monitor(60, 30, None);
        paused.status = MonitorStatus::Paused;
        assert_eq!(paused.next_check_at(), None);
        let out = paused.check_due(t(1000), None, None);
        assert!(out.opened.is_empty() && out.arm.is_none());

        let mut disabled = monitor(60, 30, None);
        disabled.enabled = false;
        assert!(disabled.check_due(t(1000), None, None).opened.is_empty());

        let m = monitor(60, 30, None);
        let out = m.check_due(t(1000), Some(t(2000)), None);
        assert!(out.opened.is_empty());
        assert_eq!(out.arm, Some(t(2000)), "check again when the window ends");
        let after = out.monitor.check_due(t(2000), None, None);
        assert_eq!(after.opened.len(), 1, "still missed after maintenance");
    }

    #[test]
    fn upstream_trouble_lowers_severity_and_says_why() {
        let m = monitor(60, 30, None);
        let up = UpstreamTrouble { monitor_name: "Database".into(), kind: IncidentKind::Fail, since: t(10) };
        let out = m.check_due(t(100), None, Some(&up));
        let inc = &out.opened[0];
        assert_eq!(inc.severity, Severity::Medium);
        assert!(inc.cascade_reason.as_deref().unwrap().contains("Database"));
    }

    #[test]
    fn start_without_finish_becomes_late_after_max_runtime() {
        let m = monitor(3600, 600, Some(120));
        let (started, arm) = ping(&m, RunState::Start, t(10));
        assert_eq!(arm, Some(t(130)), "late deadline is sooner than the missed one");
        assert_eq!(started.late_deadline(), Some(t(130)));
        let out = started.check_due(t(130), None, None);
        assert_eq!(out.opened.len(), 1);
        assert_eq!(out.opened[0].kind, IncidentKind::Late);
        assert_eq!(out.monitor.status, MonitorStatus::Late);
        assert_eq!(out.arm, Some(t(4210)), "the next period, counted from the start, is still watched");
        let (finished, _) = ping(&out.monitor, RunState::Success, t(200));
        assert!(finished.open_incidents.is_empty(), "the finish resolves LATE");
    }

    #[test]
    fn a_job_started_on_time_is_not_missed_while_it_runs_within_max_runtime() {
        // Hourly, 5 minutes' grace, runs may take 2 hours (Healthchecks #910).
        let m = monitor(3600, 300, Some(7200));
        let (started, _) = ping(&m, RunState::Start, t(3590));
        // Past the old deadline (3900) the job is still running: nothing is due.
        let mid = started.check_due(t(3900), None, None);
        assert!(mid.opened.is_empty(), "{:?}", mid.opened);
        // The run itself is bounded by the max runtime.
        assert_eq!(started.late_deadline(), Some(t(3590 + 7200)));
        let (done, _) = ping(&mid.monitor, RunState::Success, t(5000));
        assert!(done.open_incidents.is_empty() && done.open_starts.is_empty());
    }

    #[test]
    fn a_finish_without_rid_clears_every_pending_start() {
        let m = monitor(3600, 300, Some(600));
        let (a, _) = ping(&m, RunState::Start, t(10));
        let mut with_rid = a.clone();
        with_rid.open_starts.push(crate::domain::monitor::OpenStart {
            rid: Some(crate::domain::run::RunKey::new("r1").unwrap()),
            at: t(20),
        });
        let (done, _) = ping(&with_rid, RunState::Success, t(100));
        assert!(done.open_starts.is_empty(), "no start is left to turn LATE");
        assert_eq!(done.late_deadline(), None);
    }

    #[test]
    fn a_sooner_deadline_re_arms_a_later_one_does_not() {
        let mut m = monitor(3600, 0, None);
        m.armed_for = Some(t(3600));
        assert_eq!(m.clone().rearm(), None, "already armed for exactly this");
        m.armed_for = Some(t(7200));
        assert_eq!(m.clone().rearm(), Some(t(3600)), "must fire sooner");
    }
}
