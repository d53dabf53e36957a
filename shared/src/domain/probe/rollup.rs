//! Daily rollups of a probe monitor's checks: counts, downtime and a latency histogram
//! that merges across days, kept for `ROLLUP_DAYS` so uptime and the status page's bars
//! stay true after raw checks are swept.
use crate::domain::ids::{MonitorId, OrgId};
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub const ROLLUP_DAYS: i64 = 400;
/// Each latency bucket spans 10 %: bucket `i` holds `[1.1^i, 1.1^(i+1))` ms, so a
/// percentile read back is within 5 % of the true one.
const GROWTH: f64 = 1.1;
pub const MAX_BUCKET: u16 = 250;

/// Latencies by bucket, mergeable by adding counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LatencyHistogram {
    pub buckets: BTreeMap<u16, u64>,
}

impl LatencyHistogram {
    pub fn bucket_of(ms: f64) -> u16 {
        if ms.is_nan() || ms <= 1.0 {
            return 0;
        }
        ((ms.ln() / GROWTH.ln()).floor() as u64).min(u64::from(MAX_BUCKET)) as u16
    }

    /// The middle of a bucket, in ms.
    fn value_of(bucket: u16) -> f64 {
        GROWTH.powf(f64::from(bucket) + 0.5)
    }

    pub fn record(&mut self, ms: f64) {
        *self.buckets.entry(Self::bucket_of(ms)).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Self) {
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
    }

    pub fn count(&self) -> u64 {
        self.buckets.values().sum()
    }

    /// The `q`-quantile (0..=1) in whole ms, None when empty.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(Self::value_of(*b).round() as u64);
            }
        }
        None
    }
}

/// One day of one monitor; the store adds a rollup to the stored one of its day.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyRollup {
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub day: NaiveDate,
    pub checks: u64,
    pub failed_checks: u64,
    pub downtime_seconds: u64,
    pub latency: LatencyHistogram,
}

impl DailyRollup {
    pub fn empty(org_id: OrgId, monitor_id: MonitorId, day: NaiveDate) -> Self {
        Self { org_id, monitor_id, day, checks: 0, failed_checks: 0, downtime_seconds: 0, latency: Default::default() }
    }

    /// Adds `other` (of the same day) to this one.
    pub fn add(&mut self, other: &Self) {
        self.checks += other.checks;
        self.failed_checks += other.failed_checks;
        self.downtime_seconds += other.downtime_seconds;
        self.latency.merge(&other.latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_five_percent_and_merge_adds() {
        let mut h = LatencyHistogram::default();
        for ms in 1..=1000 {
            h.record(f64::from(ms));
        }
        let p50 = h.quantile(0.5).unwrap() as f64;
        let p95 = h.quantile(0.95).unwrap() as f64;
        assert!((p50 - 500.0).abs() <= 25.0, "{p50}");
        assert!((p95 - 950.0).abs() <= 48.0, "{p95}");
        let mut merged = h.clone();
        merged.merge(&h);
        assert_eq!(merged.count(), 2000);
        assert_eq!(merged.quantile(0.5), h.quantile(0.5));
        assert_eq!(LatencyHistogram::default().quantile(0.5), None);
        assert_eq!(LatencyHistogram::bucket_of(f64::NAN), 0);
        assert_eq!(LatencyHistogram::bucket_of(1e300), MAX_BUCKET);
    }
}
