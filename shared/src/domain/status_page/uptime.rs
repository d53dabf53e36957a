//! Daily uptime per component, for the 90-day bars: from spans of non-operational
//! status, the worst status of each UTC day and the share of it spent in an outage.
use super::ComponentStatus;
use chrono::{DateTime, Duration, NaiveDate, Utc};

pub const HISTORY_DAYS: u16 = 90;
const DAY_SECS: i64 = 86_400;

/// A stretch of time a component spent at a status (`end` `None`: still going on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub status: ComponentStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub worst: ComponentStatus,
    /// Seconds in a partial or major outage (overlaps counted once); maintenance and
    /// degraded performance do not count as downtime.
    pub down_secs: u32,
}

impl Day {
    /// The share of the day that was up, for the part of it that has passed.
    pub fn uptime(&self, now: DateTime<Utc>) -> f64 {
        let start = day_start(self.date);
        let elapsed = (now - start).num_seconds().clamp(1, DAY_SECS);
        1.0 - (self.down_secs as f64 / elapsed as f64).min(1.0)
    }
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

fn is_down(s: ComponentStatus) -> bool {
    s >= ComponentStatus::PartialOutage
}

/// The last `days` UTC days up to and including today, oldest first.
pub fn daily(spans: &[Span], now: DateTime<Utc>, days: u16) -> Vec<Day> {
    let today = now.date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let mut out: Vec<Day> = (0..i64::from(days))
        .map(|i| Day { date: first + Duration::days(i), worst: ComponentStatus::Operational, down_secs: 0 })
        .collect();
    let window_start = day_start(first);
    // Downtime intervals clipped to the window, merged so overlaps count once.
    let mut down: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for s in spans {
        let end = s.end.unwrap_or(now).min(now);
        let start = s.start.max(window_start);
        if end <= start {
            continue;
        }
        let (a, b) = ((start - window_start).num_days(), ((end - window_start).num_seconds() - 1) / DAY_SECS);
        for day in out.iter_mut().take(b as usize + 1).skip(a as usize) {
            day.worst = day.worst.max(s.status);
        }
        if is_down(s.status) {
            down.push((start, end));
        }
    }
    down.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (a, b) in down {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    for (mut a, b) in merged {
        while a < b {
            let idx = ((a - window_start).num_seconds() / DAY_SECS) as usize;
            let next_midnight = day_start(out[idx].date) + Duration::days(1);
            let cut = b.min(next_midnight);
            out[idx].down_secs += (cut - a).num_seconds() as u32;
            a = cut;
        }
    }
    out
}

/// The uptime over all the days, weighted by how much of each has passed.
pub fn overall_uptime(days: &[Day], now: DateTime<Utc>) -> f64 {
    let (mut total, mut down) = (0i64, 0i64);
    for d in days {
        let elapsed = (now - day_start(d.date)).num_seconds().clamp(0, DAY_SECS);
        total += elapsed;
        down += i64::from(d.down_secs).min(elapsed);
    }
    if total == 0 { 1.0 } else { 1.0 - down as f64 / total as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn span(a: &str, b: Option<&str>, status: ComponentStatus) -> Span {
        Span { start: t(a), end: b.map(t), status }
    }

    #[test]
    fn ninety_days_oldest_first_ending_today() {
        let now = t("2026-03-31T12:00:00Z");
        let days = daily(&[], now, HISTORY_DAYS);
        assert_eq!(days.len(), 90);
        assert_eq!(days[89].date, now.date_naive());
        assert_eq!(days[0].date, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert!(days.iter().all(|d| d.worst == Operational && d.down_secs == 0));
        assert_eq!(overall_uptime(&days, now), 1.0);
    }

    #[test]
    fn spans_split_at_midnight_and_overlaps_count_once() {
        let now = t("2026-03-31T12:00:00Z");
        let spans = [
            span("2026-03-29T23:00:00Z", Some("2026-03-30T01:00:00Z"), MajorOutage),
            span("2026-03-30T00:30:00Z", Some("2026-03-30T02:00:00Z"), PartialOutage),
            span("2026-03-30T10:00:00Z", Some("2026-03-30T11:00:00Z"), DegradedPerformance),
            span("2026-03-28T10:00:00Z", Some("2026-03-28T11:00:00Z"), UnderMaintenance),
        ];
        let days = daily(&spans, now, 5);
        let by_date = |d: &str| *days.iter().find(|x| x.date.to_string() == d).unwrap();
        assert_eq!(by_date("2026-03-29").down_secs, 3600);
        assert_eq!(by_date("2026-03-29").worst, MajorOutage);
        assert_eq!(by_date("2026-03-30").down_secs, 7200, "00:00-02:00 once");
        assert_eq!(by_date("2026-03-30").worst, MajorOutage);
        assert_eq!(by_date("2026-03-28").worst, UnderMaintenance);
        assert_eq!(by_date("2026-03-28").down_secs, 0, "maintenance is not downtime");
        assert!((by_date("2026-03-29").uptime(now) - (1.0 - 3600.0 / 86400.0)).abs() < 1e-9);
    }

    #[test]
    fn open_span_runs_to_now_and_old_spans_are_clipped() {
        let now = t("2026-03-31T06:00:00Z");
        let spans = [
            span("2026-03-31T03:00:00Z", None, MajorOutage),
            span("2025-01-01T00:00:00Z", Some("2025-01-02T00:00:00Z"), MajorOutage),
        ];
        let days = daily(&spans, now, 3);
        assert_eq!(days[2].down_secs, 3 * 3600);
        assert_eq!(days[2].worst, MajorOutage);
        assert_eq!(days[0].worst, Operational);
        assert!((days[2].uptime(now) - 0.5).abs() < 1e-9, "half of the 6 hours so far");
        let total = overall_uptime(&days, now);
        assert!((total - (1.0 - 3.0 / 54.0)).abs() < 1e-9, "{total}");
    }
}
