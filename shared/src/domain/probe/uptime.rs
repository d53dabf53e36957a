//! Uptime over a window: downtime from the windows, counts and latency from checks (the
//! last 24 hours) or daily rollups (longer windows).
use super::check::{CheckStatus, ProbeCheck};
use super::downtime::DowntimeWindow;
use super::rollup::{DailyRollup, LatencyHistogram};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UptimeWindow {
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "90d")]
    Quarter,
}

impl UptimeWindow {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "24h" => Self::Day,
            "7d" => Self::Week,
            "30d" => Self::Month,
            "90d" => Self::Quarter,
            _ => return None,
        })
    }

    pub fn length(self) -> Duration {
        match self {
            Self::Day => Duration::hours(24),
            Self::Week => Duration::days(7),
            Self::Month => Duration::days(30),
            Self::Quarter => Duration::days(90),
        }
    }

    /// Whether counts come from raw checks (exact) rather than whole-day rollups.
    pub fn from_checks(self) -> bool {
        self == Self::Day
    }
}

/// Checks counted over a window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tally {
    pub checks: u64,
    pub failed_checks: u64,
    pub latency: LatencyHistogram,
}

impl Tally {
    pub fn of_checks<'a>(checks: impl IntoIterator<Item = &'a ProbeCheck>) -> Self {
        let mut t = Self::default();
        for c in checks {
            t.checks += 1;
            if c.status == CheckStatus::Down {
                t.failed_checks += 1;
            } else if let Some(ms) = c.response_time_ms {
                t.latency.record(ms);
            }
        }
        t
    }

    pub fn of_rollups<'a>(rollups: impl IntoIterator<Item = &'a DailyRollup>) -> Self {
        let mut t = Self::default();
        for r in rollups {
            t.checks += r.checks;
            t.failed_checks += r.failed_checks;
            t.latency.merge(&r.latency);
        }
        t
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Uptime {
    pub window: UptimeWindow,
    pub uptime_percent: f64,
    pub downtime_seconds: i64,
    pub checks: u64,
    pub failed_checks: u64,
    pub p50_ms: Option<u64>,
    pub p95_ms: Option<u64>,
}

impl Uptime {
    /// The share of the window (from the monitor's creation at the earliest) not inside
    /// a downtime window, to three decimals.
    pub fn compute(
        window: UptimeWindow,
        now: DateTime<Utc>,
        created_at: DateTime<Utc>,
        downtime: &[DowntimeWindow],
        tally: Tally,
    ) -> Self {
        let from = (now - window.length()).max(created_at);
        let span = (now - from).num_seconds().max(0);
        let down: i64 = downtime.iter().map(|w| w.overlap_seconds(from, now)).sum::<i64>().min(span);
        let uptime_percent =
            if span == 0 { 100.0 } else { ((span - down) as f64 * 100.0 / span as f64 * 1000.0).round() / 1000.0 };
        Self {
            window,
            uptime_percent,
            downtime_seconds: down,
            checks: tally.checks,
            failed_checks: tally.failed_checks,
            p50_ms: tally.latency.quantile(0.5),
            p95_ms: tally.latency.quantile(0.95),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{DowntimeId, MonitorId, OrgId};

    #[test]
    fn an_hour_down_in_a_day_is_95_833_percent() {
        let now: DateTime<Utc> = "2026-01-02T00:00:00Z".parse().unwrap();
        let w = DowntimeWindow {
            id: DowntimeId::generate(),
            org_id: OrgId::generate(),
            monitor_id: MonitorId::generate(),
            started_at: now - Duration::hours(2),
            ended_at: Some(now - Duration::hours(1)),
            initial_status: CheckStatus::Down,
            recovery_status: Some(CheckStatus::Up),
            affected_checks: 3,
            root_cause: None,
            notes: None,
        };
        let u = Uptime::compute(
            UptimeWindow::Day,
            now,
            now - Duration::days(9),
            std::slice::from_ref(&w),
            Tally::default(),
        );
        assert_eq!((u.uptime_percent, u.downtime_seconds), (95.833, 3600));
        // A monitor created two hours ago was down half its life.
        let young = Uptime::compute(UptimeWindow::Week, now, now - Duration::hours(2), &[w], Tally::default());
        assert_eq!(young.uptime_percent, 50.0);
        assert_eq!(UptimeWindow::parse("90d"), Some(UptimeWindow::Quarter));
        assert_eq!(UptimeWindow::parse("1y"), None);
    }
}
