//! The schedule preview: the next N expected times of a cron or interval schedule.
use crate::domain::schedule::Schedule;
use chrono::{DateTime, Utc};

pub const DEFAULT_COUNT: usize = 5;
pub const MAX_COUNT: usize = 100;

/// The untrusted query, as received.
#[derive(Debug, Default, Clone)]
pub struct PreviewQuery {
    pub cron: Option<String>,
    pub tz: Option<String>,
    pub interval: Option<String>,
    pub count: Option<String>,
    pub from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PreviewError {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: impl Into<String>) -> PreviewError {
    PreviewError { field, message: message.into() }
}

pub fn preview(q: &PreviewQuery, now: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>, PreviewError> {
    let schedule = match (&q.cron, &q.interval) {
        (Some(_), Some(_)) => return Err(bad("interval", "give either cron or interval, not both")),
        (None, None) => return Err(bad("cron", "give cron=EXPR (with tz=ZONE) or interval=SECONDS")),
        (Some(expr), None) => Schedule::cron(expr, q.tz.as_deref().unwrap_or("UTC")),
        (None, Some(secs)) => {
            if q.tz.is_some() {
                return Err(bad("tz", "tz applies only to cron schedules"));
            }
            let secs =
                secs.parse::<u64>().map_err(|_| bad("interval", "interval must be a whole number of seconds"))?;
            Schedule::interval(secs)
        }
    }
    .map_err(|e| bad(e.field(), e.to_string()))?;
    let count = match &q.count {
        None => DEFAULT_COUNT,
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_COUNT).contains(n))
            .ok_or_else(|| bad("count", format!("count must be from 1 to {MAX_COUNT}")))?,
    };
    let from = match &q.from {
        None => now,
        Some(f) => DateTime::parse_from_rfc3339(f)
            .map_err(|_| bad("from", "from must be an RFC 3339 time like 2026-03-29T00:00:00Z"))?
            .with_timezone(&Utc),
    };
    Ok(schedule.preview(from, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> PreviewQuery {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        PreviewQuery {
            cron: get("cron"),
            tz: get("tz"),
            interval: get("interval"),
            count: get("count"),
            from: get("from"),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn cron_with_zone_and_count() {
        let next = preview(&q(&[("cron", "0 2 * * *"), ("tz", "Europe/Riga"), ("count", "2")]), now()).unwrap();
        assert_eq!(next.len(), 2);
        // 02:00 in Riga is exactly `from`; "next" is strictly after it.
        assert_eq!(next[0].to_rfc3339(), "2026-01-02T00:00:00+00:00");
    }

    #[test]
    fn interval_from_a_given_time() {
        let next = preview(&q(&[("interval", "3600"), ("from", "2026-02-01T10:00:00+02:00")]), now()).unwrap();
        assert_eq!(next[0].to_rfc3339(), "2026-02-01T09:00:00+00:00");
        assert_eq!(next.len(), DEFAULT_COUNT);
    }

    #[test]
    fn every_bad_field_is_named() {
        let field = |pairs: &[(&str, &str)]| preview(&q(pairs), now()).unwrap_err().field;
        assert_eq!(field(&[]), "cron");
        assert_eq!(field(&[("cron", "* * *")]), "cron");
        assert_eq!(field(&[("cron", "* * * * *"), ("tz", "Nowhere/City")]), "tz");
        assert_eq!(field(&[("interval", "abc")]), "interval");
        assert_eq!(field(&[("interval", "0")]), "interval");
        assert_eq!(field(&[("interval", "60"), ("cron", "* * * * *")]), "interval");
        assert_eq!(field(&[("interval", "60"), ("tz", "UTC")]), "tz");
        assert_eq!(field(&[("interval", "60"), ("count", "0")]), "count");
        assert_eq!(field(&[("interval", "60"), ("count", "101")]), "count");
        assert_eq!(field(&[("interval", "60"), ("from", "yesterday")]), "from");
    }
}
