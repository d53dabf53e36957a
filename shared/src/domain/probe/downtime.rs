//! Downtime windows: from a probe monitor's transition to DOWN until its recovery.
use super::check::CheckStatus;
use crate::domain::ids::{DowntimeId, MonitorId, OrgId};
use chrono::{DateTime, Utc};

pub const MAX_NOTE_LEN: usize = 4000;

#[derive(Debug, Clone, PartialEq)]
pub struct DowntimeWindow {
    pub id: DowntimeId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    /// The first failed check of the run that took the monitor DOWN.
    pub started_at: DateTime<Utc>,
    /// None while the monitor is still down.
    pub ended_at: Option<DateTime<Utc>>,
    pub initial_status: CheckStatus,
    pub recovery_status: Option<CheckStatus>,
    /// Failed checks inside the window.
    pub affected_checks: u32,
    pub root_cause: Option<String>,
    pub notes: Option<String>,
}

impl DowntimeWindow {
    /// Seconds down so far (to `now` while ongoing).
    pub fn duration_seconds(&self, now: DateTime<Utc>) -> i64 {
        (self.ended_at.unwrap_or(now) - self.started_at).num_seconds().max(0)
    }

    /// Seconds of this window inside `[from, to)`.
    pub fn overlap_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let start = self.started_at.max(from);
        let end = self.ended_at.unwrap_or(to).min(to);
        (end - start).num_seconds().max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn overlap_is_clipped_to_both_ends_and_ongoing_runs_to_now() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut w = DowntimeWindow {
            id: DowntimeId::generate(),
            org_id: OrgId::generate(),
            monitor_id: MonitorId::generate(),
            started_at: t0,
            ended_at: None,
            initial_status: CheckStatus::Down,
            recovery_status: None,
            affected_checks: 2,
            root_cause: None,
            notes: None,
        };
        let h = Duration::hours(1);
        assert_eq!(w.duration_seconds(t0 + h), 3600);
        assert_eq!(w.overlap_seconds(t0 - h, t0 + h / 2), 1800);
        w.ended_at = Some(t0 + h);
        assert_eq!(w.overlap_seconds(t0 + h / 2, t0 + h * 3), 1800);
        assert_eq!(w.overlap_seconds(t0 + h * 2, t0 + h * 3), 0);
    }
}
