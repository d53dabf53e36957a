//! Maintenance windows: planned time when missed pings are expected, once or recurring
//! (an RFC 5545 RRULE read in the window's time zone).
use super::ids::{MaintenanceId, MonitorId, OrgId};
use super::text::{Name, validated_string};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rrule::RRuleSet;
use serde::{Deserialize, Serialize};

/// Longer windows are almost certainly a mistake, and would hide real outages.
pub const MAX_WINDOW_DAYS: i64 = 7;
/// Bounds the work of expanding a rule.
const MAX_OCCURRENCES_SCANNED: usize = 64;
/// Occurrences are walked from the first one, whatever range is asked for: without a
/// bound a dense rule started long ago (`FREQ=SECONDLY` from 2020) takes hours. A
/// daily rule covers its first 270 years within it, an hourly one its first 11.
const MAX_OCCURRENCES_WALKED: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaintenanceError {
    #[error("endsAt must be after startsAt")]
    EndsBeforeStart,
    #[error("window must be at most {MAX_WINDOW_DAYS} days long")]
    TooLong,
    #[error("bad RRULE: {0}")]
    BadRecurrence(String),
}

impl MaintenanceError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::EndsBeforeStart | Self::TooLong => "endsAt",
            Self::BadRecurrence(_) => "recurrence",
        }
    }
}

/// The text of an RRULE (without DTSTART, which the window's start provides), e.g.
/// `FREQ=WEEKLY;BYDAY=SU`. Checked fully when the window is built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Recurrence(String);

impl Recurrence {
    pub fn parse(s: &str) -> Result<Self, MaintenanceError> {
        let body = s.trim().strip_prefix("RRULE:").unwrap_or(s.trim());
        if body.is_empty() || body.len() > 512 || body.contains(['\n', '\r']) {
            return Err(MaintenanceError::BadRecurrence("one line of at most 512 characters".into()));
        }
        if !body.to_ascii_uppercase().split(';').any(|p| p.starts_with("FREQ=")) {
            return Err(MaintenanceError::BadRecurrence("FREQ is required".into()));
        }
        Ok(Self(body.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(Recurrence, MaintenanceError, parse);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceWindow {
    pub id: MaintenanceId,
    pub org_id: OrgId,
    pub name: Name,
    /// The first occurrence; later ones keep its wall-clock time in `time_zone`.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Recurrence>,
    #[serde(default = "utc")]
    pub time_zone: Tz,
    /// The monitors it covers; empty covers every monitor of the org.
    pub monitor_ids: Vec<MonitorId>,
}

fn utc() -> Tz {
    Tz::UTC
}

impl MaintenanceWindow {
    pub fn new(
        org_id: OrgId,
        name: Name,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        recurrence: Option<Recurrence>,
        time_zone: Tz,
        monitor_ids: Vec<MonitorId>,
    ) -> Result<Self, MaintenanceError> {
        if ends_at <= starts_at {
            return Err(MaintenanceError::EndsBeforeStart);
        }
        if ends_at - starts_at > Duration::days(MAX_WINDOW_DAYS) {
            return Err(MaintenanceError::TooLong);
        }
        let w = Self {
            id: MaintenanceId::generate(),
            org_id,
            name,
            starts_at,
            ends_at,
            recurrence,
            time_zone,
            monitor_ids,
        };
        w.rule_set()?;
        Ok(w)
    }

    pub fn applies_to(&self, monitor: &MonitorId) -> bool {
        self.monitor_ids.is_empty() || self.monitor_ids.contains(monitor)
    }

    fn length(&self) -> Duration {
        self.ends_at - self.starts_at
    }

    fn rule_set(&self) -> Result<Option<RRuleSet>, MaintenanceError> {
        let Some(rule) = &self.recurrence else { return Ok(None) };
        let local = self.starts_at.with_timezone(&self.time_zone).format("%Y%m%dT%H%M%S");
        let text = format!("DTSTART;TZID={}:{local}\nRRULE:{}", self.time_zone.name(), rule.as_str());
        text.parse::<RRuleSet>().map(Some).map_err(|e| MaintenanceError::BadRecurrence(e.to_string()))
    }

    /// Occurrence starts in `[from, to]`, at most `MAX_OCCURRENCES_SCANNED`.
    fn starts_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        match self.rule_set() {
            // `limit` bounds the search for each next occurrence (`FREQ=YEARLY;BYMONTH=2;
            // BYMONTHDAY=30` has none); `take` bounds how many are walked.
            Ok(Some(set)) => {
                let set = set.limit();
                set.into_iter()
                    .take(MAX_OCCURRENCES_WALKED)
                    .map(|d| d.with_timezone(&Utc))
                    .take_while(|d| *d <= to)
                    .filter(|d| *d >= from)
                    .take(MAX_OCCURRENCES_SCANNED)
                    .collect()
            }
            // A rule that no longer parses (it did when built) covers nothing.
            Err(_) => vec![],
            Ok(None) => [self.starts_at].into_iter().filter(|s| (from..=to).contains(s)).collect(),
        }
    }

    /// The end of the occurrence covering `now`, if one does.
    pub fn covering(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let len = self.length();
        self.starts_between(now - len, now).into_iter().map(|start| start + len).filter(|end| *end > now).max()
    }

    /// The next occurrence starting after `now`, within a year.
    pub fn next_start_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.starts_between(now + Duration::seconds(1), now + Duration::days(366)).into_iter().next()
    }
}

/// The latest end among the windows of `monitor` that cover `now`.
pub fn maintenance_until(
    windows: &[MaintenanceWindow],
    monitor: &MonitorId,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    windows.iter().filter(|w| w.applies_to(monitor)).filter_map(|w| w.covering(now)).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn window(start: &str, end: &str, rule: Option<&str>, tz: &str) -> Result<MaintenanceWindow, MaintenanceError> {
        MaintenanceWindow::new(
            OrgId::generate(),
            Name::new("DB upgrade").unwrap(),
            t(start),
            t(end),
            rule.map(|r| Recurrence::parse(r).unwrap()),
            tz.parse().unwrap(),
            vec![],
        )
    }

    #[test]
    fn window_bounds() {
        let err = window("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", None, "UTC").unwrap_err();
        assert_eq!(err, MaintenanceError::EndsBeforeStart);
        let err = window("2026-01-01T00:00:00Z", "2026-01-09T00:00:00Z", None, "UTC").unwrap_err();
        assert_eq!(err.field(), "endsAt");
        let w = window("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", None, "UTC").unwrap();
        assert!(w.applies_to(&MonitorId::generate()), "empty list covers all");
    }

    #[test]
    fn one_off_window_covers_its_span_only() {
        let w = window("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", None, "UTC").unwrap();
        assert_eq!(w.covering(t("2025-12-31T23:59:59Z")), None);
        assert_eq!(w.covering(t("2026-01-01T00:00:00Z")), Some(t("2026-01-01T01:00:00Z")));
        assert_eq!(w.covering(t("2026-01-01T00:59:59Z")), Some(t("2026-01-01T01:00:00Z")));
        assert_eq!(w.covering(t("2026-01-01T01:00:00Z")), None, "the end is exclusive");
    }

    #[test]
    fn weekly_window_in_local_time_across_dst() {
        // Sundays 02:00-04:00 Berlin time. 2026-03-29 is the spring-forward Sunday.
        let w = window("2026-01-04T01:00:00Z", "2026-01-04T03:00:00Z", Some("FREQ=WEEKLY;BYDAY=SU"), "Europe/Berlin")
            .unwrap();
        assert_eq!(w.covering(t("2026-01-11T02:30:00Z")), Some(t("2026-01-11T03:00:00Z")));
        assert_eq!(w.covering(t("2026-01-12T02:30:00Z")), None, "Monday");
        // Summer: 02:00 CEST is 00:00 UTC.
        assert_eq!(w.covering(t("2026-07-05T00:30:00Z")), Some(t("2026-07-05T02:00:00Z")));
        assert_eq!(w.next_start_after(t("2026-07-05T00:30:00Z")), Some(t("2026-07-12T00:00:00Z")));
    }

    #[test]
    fn count_ends_the_rule() {
        let w = window("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", Some("FREQ=DAILY;COUNT=2"), "UTC").unwrap();
        assert!(w.covering(t("2026-01-02T00:30:00Z")).is_some());
        assert_eq!(w.covering(t("2026-01-03T00:30:00Z")), None);
    }

    #[test]
    fn bad_rules_are_refused_at_construction() {
        assert!(Recurrence::parse("BYDAY=SU").is_err());
        assert!(Recurrence::parse("FREQ=DAILY\nFREQ=WEEKLY").is_err());
        let r = Recurrence::parse("FREQ=SOMETIMES").unwrap();
        let w = MaintenanceWindow::new(
            OrgId::generate(),
            Name::new("x").unwrap(),
            t("2026-01-01T00:00:00Z"),
            t("2026-01-01T01:00:00Z"),
            Some(r),
            Tz::UTC,
            vec![],
        );
        assert_eq!(w.unwrap_err().field(), "recurrence");
    }

    #[test]
    fn maintenance_until_takes_the_latest_covering_end() {
        let a = window("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", None, "UTC").unwrap();
        let b = window("2026-01-01T00:30:00Z", "2026-01-01T02:00:00Z", None, "UTC").unwrap();
        let m = MonitorId::generate();
        assert_eq!(maintenance_until(&[a, b], &m, t("2026-01-01T00:45:00Z")), Some(t("2026-01-01T02:00:00Z")));
    }
}
