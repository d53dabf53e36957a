//! Month arithmetic on plain dates.

use chrono::{Datelike, NaiveDate};

pub(crate) fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

pub(crate) fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if NaiveDate::from_ymd_opt(year, 2, 29).is_some() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date of the month's last Monday-to-Friday day.
pub(crate) fn last_weekday(year: i32, month: u32) -> u32 {
    let last = days_in_month(year, month);
    match NaiveDate::from_ymd_opt(year, month, last).map(|d| d.weekday()) {
        Some(chrono::Weekday::Sat) => last - 1,
        Some(chrono::Weekday::Sun) => last - 2,
        _ => last,
    }
}
