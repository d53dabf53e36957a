//! Run-duration statistics: a rolling window, percentiles and the z-score of a new run.
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How many recent durations a monitor remembers.
pub const WINDOW: usize = 100;
/// Fewer samples than this say too little to call a run anomalous.
pub const MIN_SAMPLES_FOR_ANOMALY: usize = 10;
/// |z| at or above this is an anomaly: a DEGRADED incident.
pub const ANOMALY_Z: f64 = 3.0;

/// Flattened into the monitor's JSON as `durationP50Ms`, `durationP95Ms`, `durationP99Ms`
/// and `recentDurationsMs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationStats {
    /// Milliseconds, oldest first.
    #[serde(rename = "recentDurationsMs")]
    pub recent_ms: VecDeque<u64>,
    #[serde(rename = "durationP50Ms")]
    pub p50_ms: Option<u64>,
    #[serde(rename = "durationP95Ms")]
    pub p95_ms: Option<u64>,
    #[serde(rename = "durationP99Ms")]
    pub p99_ms: Option<u64>,
}

impl DurationStats {
    pub fn record(&mut self, ms: u64) {
        if self.recent_ms.len() == WINDOW {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(ms);
        let mut sorted: Vec<u64> = self.recent_ms.iter().copied().collect();
        sorted.sort_unstable();
        self.p50_ms = percentile(&sorted, 50.0);
        self.p95_ms = percentile(&sorted, 95.0);
        self.p99_ms = percentile(&sorted, 99.0);
    }

    /// How unusual `ms` is against the runs before it; None with too few samples.
    pub fn z_score(&self, ms: u64) -> Option<f64> {
        let n = self.recent_ms.len();
        if n < MIN_SAMPLES_FOR_ANOMALY {
            return None;
        }
        let mean = self.recent_ms.iter().sum::<u64>() as f64 / n as f64;
        let var = self.recent_ms.iter().map(|&d| (d as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        // Perfectly regular jobs have zero spread; without a floor a 1 ms wobble would be
        // an "infinite" anomaly. 5% of the mean (and at least 1 ms) is noise, not news.
        let sd = var.sqrt().max(mean * 0.05).max(1.0);
        Some((ms as f64 - mean) / sd)
    }
}

/// Nearest-rank percentile of an ascending slice.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn is_anomalous(z: f64) -> bool {
    z.abs() >= ANOMALY_Z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 95.0), Some(95));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn window_is_bounded_and_percentiles_follow() {
        let mut s = DurationStats::default();
        for ms in 1..=150 {
            s.record(ms);
        }
        assert_eq!(s.recent_ms.len(), WINDOW);
        assert_eq!(s.recent_ms.front(), Some(&51));
        assert_eq!(s.p50_ms, Some(100));
        assert_eq!(s.p99_ms, Some(149));
    }

    #[test]
    fn z_score_needs_samples_and_flags_outliers_both_ways() {
        let mut s = DurationStats::default();
        for _ in 0..MIN_SAMPLES_FOR_ANOMALY - 1 {
            s.record(1000);
        }
        assert_eq!(s.z_score(50_000), None);
        s.record(1000);
        assert!(!is_anomalous(s.z_score(1010).unwrap()), "wobble within the floor");
        assert!(is_anomalous(s.z_score(5000).unwrap()), "too long");
        assert!(is_anomalous(s.z_score(10).unwrap()), "too short");
    }
}
