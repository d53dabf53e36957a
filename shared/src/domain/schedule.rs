//! When a monitor expects its next ping: a fixed interval, or a cron expression in a time zone.
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use tokiflow_cron::{CronError, CronExpr};

/// One year: longer periods are almost certainly a unit mistake.
pub const MAX_PERIOD_SECS: u64 = 366 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("interval must be between 1 and {MAX_PERIOD_SECS} seconds")]
    BadInterval,
    #[error(transparent)]
    BadCron(#[from] CronError),
    #[error("unknown time zone {0:?}: expected an IANA name such as Europe/Berlin")]
    BadTimeZone(String),
}

impl ScheduleError {
    /// The request field this error is about, for error bodies.
    pub fn field(&self) -> &'static str {
        match self {
            Self::BadInterval => "interval",
            Self::BadCron(_) => "cron",
            Self::BadTimeZone(_) => "tz",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ScheduleWire", into = "ScheduleWire")]
pub enum Schedule {
    /// Every `period` after the last ping.
    Interval { period: Duration },
    /// At the times a cron expression names, read in `tz`.
    Cron { expr: CronExpr, tz: Tz },
}

impl Schedule {
    pub fn interval(secs: u64) -> Result<Self, ScheduleError> {
        if secs == 0 || secs > MAX_PERIOD_SECS {
            return Err(ScheduleError::BadInterval);
        }
        Ok(Self::Interval { period: Duration::seconds(secs as i64) })
    }

    pub fn cron(expr: &str, tz: &str) -> Result<Self, ScheduleError> {
        let expr = CronExpr::parse(expr)?;
        let tz = tz.parse::<Tz>().map_err(|_| ScheduleError::BadTimeZone(tz.chars().take(64).collect()))?;
        Ok(Self::Cron { expr, tz })
    }

    /// The first expected ping strictly after `t`; None if a cron expression never fires.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Interval { period } => t.checked_add_signed(*period),
            Self::Cron { expr, tz } => expr.next_after(t, *tz),
        }
    }

    /// The next `count` expected times after `from`.
    pub fn preview(&self, from: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        std::iter::successors(self.next_after(from), |t| self.next_after(*t)).take(count).collect()
    }
}

/// The JSON form: `{"kind":"interval","seconds":60}` or `{"kind":"cron","expr":"0 2 * * *","tz":"UTC"}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum ScheduleWire {
    Interval { seconds: u64 },
    Cron { expr: String, tz: String },
}

impl TryFrom<ScheduleWire> for Schedule {
    type Error = ScheduleError;
    fn try_from(w: ScheduleWire) -> Result<Self, ScheduleError> {
        match w {
            ScheduleWire::Interval { seconds } => Schedule::interval(seconds),
            ScheduleWire::Cron { expr, tz } => Schedule::cron(&expr, &tz),
        }
    }
}

impl From<Schedule> for ScheduleWire {
    fn from(s: Schedule) -> Self {
        match s {
            Schedule::Interval { period } => ScheduleWire::Interval { seconds: period.num_seconds() as u64 },
            Schedule::Cron { expr, tz } => ScheduleWire::Cron { expr: expr.to_string(), tz: tz.name().to_owned() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn interval_adds_the_period() {
        let s = Schedule::interval(90).unwrap();
        assert_eq!(s.next_after(utc("2026-01-01T00:00:00Z")), Some(utc("2026-01-01T00:01:30Z")));
        assert_eq!(s.preview(utc("2026-01-01T00:00:00Z"), 2).len(), 2);
    }

    #[test]
    fn bad_inputs_name_their_field() {
        assert_eq!(Schedule::interval(0).unwrap_err().field(), "interval");
        assert_eq!(Schedule::interval(MAX_PERIOD_SECS + 1).unwrap_err().field(), "interval");
        assert_eq!(Schedule::cron("61 * * * *", "UTC").unwrap_err().field(), "cron");
        assert_eq!(Schedule::cron("* * * * *", "Mars/Olympus").unwrap_err().field(), "tz");
    }

    #[test]
    fn cron_preview_in_a_zone() {
        let s = Schedule::cron("0 9 * * mon-fri", "America/New_York").unwrap();
        // Friday 2026-03-06 -> next is Monday 2026-03-09 09:00 EDT (DST began 03-08).
        let next = s.preview(utc("2026-03-06T15:00:00Z"), 2);
        assert_eq!(next, vec![utc("2026-03-09T13:00:00Z"), utc("2026-03-10T13:00:00Z")]);
    }

    #[test]
    fn json_round_trip_and_validation_on_read() {
        let s = Schedule::cron("0 2 * * *", "Europe/Berlin").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"kind":"cron","expr":"0 2 * * *","tz":"Europe/Berlin"}"#);
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), s);
        assert!(serde_json::from_str::<Schedule>(r#"{"kind":"interval","seconds":0}"#).is_err());
    }
}
