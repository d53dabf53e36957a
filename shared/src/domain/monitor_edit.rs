//! Changes a person makes to a monitor through the API: settings, pause and resume.
use super::monitor::{MAX_GRACE_SECS, MAX_TAGS, Monitor, MonitorError, MonitorSpec, MonitorStatus};
use chrono::{DateTime, Duration, Utc};

use super::probe::state::jitter;

/// The checks `Monitor::new` makes, for a spec applied to an existing monitor.
pub fn validate_spec(spec: &MonitorSpec) -> Result<(), MonitorError> {
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
    Ok(())
}

impl Monitor {
    /// The settings as a spec, to edit and re-apply.
    pub fn spec(&self) -> MonitorSpec {
        MonitorSpec {
            name: self.name.clone(),
            schedule: self.schedule.clone(),
            grace: self.grace,
            severity: self.severity,
            tags: self.tags.clone(),
            max_runtime: self.max_runtime,
            probe: self.probe.as_ref().map(|p| p.spec.clone()),
        }
    }

    /// A new version with `spec`'s settings. A new schedule moves the next expected ping
    /// (counted from the last ping, or from `now` for a monitor never pinged).
    pub fn with_spec(&self, spec: MonitorSpec, now: DateTime<Utc>) -> Result<Self, MonitorError> {
        validate_spec(&spec)?;
        let mut m = self.clone();
        if spec.schedule != m.schedule {
            m.next_expected_at = spec.schedule.next_after(m.last_ping_at.unwrap_or(now));
        }
        m.name = spec.name;
        m.schedule = spec.schedule;
        m.grace = spec.grace;
        m.severity = spec.severity;
        m.tags = spec.tags;
        m.max_runtime = spec.max_runtime;
        if let (Some(probe), Some(new)) = (m.probe.as_mut(), spec.probe) {
            if new.interval_secs != probe.spec.interval_secs {
                probe.state.next_check_at = Some(now + jitter(&m.id, new.interval_secs));
            }
            probe.spec = new;
        }
        m.version += 1;
        Ok(m)
    }

    /// Stops watching: no checks, no MISSED or LATE incidents, until resumed or pinged.
    pub fn paused(&self) -> Self {
        let mut m = self.clone();
        m.status = MonitorStatus::Paused;
        m.armed_for = None;
        m.version += 1;
        m
    }

    /// Watches again as if new: the next ping is expected one period from `now`.
    pub fn resumed(&self, now: DateTime<Utc>) -> Self {
        let mut m = self.clone();
        if m.status == MonitorStatus::Paused {
            m.status = MonitorStatus::New;
            m.next_expected_at = m.schedule.next_after(now);
            m.open_starts.clear();
            if let Some(probe) = m.probe.as_mut() {
                probe.state.next_check_at = Some(now + jitter(&m.id, probe.spec.interval_secs));
            }
        }
        m.version += 1;
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OrgId;
    use crate::domain::incident::Severity;
    use crate::domain::schedule::Schedule;
    use crate::domain::secret::SecretHash;
    use crate::domain::text::Name;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + Duration::seconds(secs)
    }

    fn monitor() -> Monitor {
        let spec = MonitorSpec {
            name: Name::new("job").unwrap(),
            schedule: Schedule::interval(60).unwrap(),
            grace: Duration::seconds(10),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: None,
            probe: None,
        };
        Monitor::new(OrgId::generate(), spec, SecretHash::of("t"), t(0)).unwrap()
    }

    #[test]
    fn a_new_schedule_moves_the_deadline_and_bad_specs_are_refused() {
        let m = monitor();
        let mut spec = m.spec();
        spec.schedule = Schedule::interval(3600).unwrap();
        let edited = m.with_spec(spec.clone(), t(100)).unwrap();
        assert_eq!(edited.next_expected_at, Some(t(3700)));
        assert_eq!(edited.version, m.version + 1);
        spec.grace = Duration::seconds(-1);
        assert_eq!(m.with_spec(spec, t(100)).unwrap_err().field(), "grace");
    }

    #[test]
    fn pause_stops_checks_and_resume_restarts_the_clock() {
        let mut m = monitor();
        m.armed_for = m.next_check_at();
        let p = m.paused();
        assert_eq!((p.status, p.armed_for, p.next_check_at()), (MonitorStatus::Paused, None, None));
        let r = p.resumed(t(500));
        assert_eq!(r.status, MonitorStatus::New);
        assert_eq!(r.next_check_at(), Some(t(570)));
    }
}
