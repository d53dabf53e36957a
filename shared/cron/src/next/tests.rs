use super::*;
use std::time::{Duration as StdDuration, Instant};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("RFC 3339").with_timezone(&Utc)
}

fn cron(expr: &str) -> CronExpr {
    CronExpr::parse(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"))
}

/// The next `n` fire times after `start`, each as local time with its offset,
/// chaining `next_after` the way a monitor moves from one deadline to the next.
fn fires(expr: &str, zone: &str, start: &str, n: usize) -> Vec<String> {
    let tz: Tz = zone.parse().expect("zone");
    let e = cron(expr);
    let mut t = utc(start);
    (0..n)
        .map(|_| {
            t = e.next_after(t, tz).unwrap_or_else(|| panic!("{expr:?} stopped firing"));
            t.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
        })
        .collect()
}

// Firing, after cronsim's TestIterator (there in naive time, here in UTC).

const NOW: &str = "2020-01-01T00:00:00+00:00";

#[test]
fn last_day_and_last_weekday_of_month() {
    assert_eq!(fires("1 1 L * *", "UTC", NOW, 2), ["2020-01-31T01:01:00+00:00", "2020-02-29T01:01:00+00:00"]);
    assert_eq!(fires("1 1 LW 5 *", "UTC", NOW, 1), ["2020-05-29T01:01:00+00:00"]);
    assert_eq!(
        fires("0 0 LW * *", "UTC", "2021-01-01T00:00:00+00:00", 3),
        ["2021-01-29T00:00:00+00:00", "2021-02-26T00:00:00+00:00", "2021-03-31T00:00:00+00:00",]
    );
}

#[test]
fn last_friday() {
    assert_eq!(
        fires("1 1 * * 5L", "UTC", NOW, 12),
        [
            "2020-01-31T01:01:00+00:00",
            "2020-02-28T01:01:00+00:00",
            "2020-03-27T01:01:00+00:00",
            "2020-04-24T01:01:00+00:00",
            "2020-05-29T01:01:00+00:00",
            "2020-06-26T01:01:00+00:00",
            "2020-07-31T01:01:00+00:00",
            "2020-08-28T01:01:00+00:00",
            "2020-09-25T01:01:00+00:00",
            "2020-10-30T01:01:00+00:00",
            "2020-11-27T01:01:00+00:00",
            "2020-12-25T01:01:00+00:00",
        ]
    );
}

#[test]
fn last_sunday_two_notations() {
    for expr in ["1 1 * * 0L", "1 1 * * 7L"] {
        assert_eq!(fires(expr, "UTC", NOW, 1), ["2020-01-26T01:01:00+00:00"], "{expr}");
    }
}

#[test]
fn nth_weekday() {
    assert_eq!(fires("1 1 * * 1#2", "UTC", NOW, 2), ["2020-01-13T01:01:00+00:00", "2020-02-10T01:01:00+00:00"]);
    // Only months with five Saturdays.
    assert_eq!(fires("0 12 * * sat#5", "UTC", NOW, 2), ["2020-02-29T12:00:00+00:00", "2020-05-30T12:00:00+00:00"]);
}

#[test]
fn sunday_is_0_and_7() {
    for expr in ["0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "0 0 * * sun"] {
        assert_eq!(fires(expr, "UTC", NOW, 2), ["2020-01-05T00:00:00+00:00", "2020-01-12T00:00:00+00:00"], "{expr}");
    }
}

#[test]
fn star_step_in_day_of_week_still_ands() {
    // "First Sunday of the month"
    assert_eq!(
        fires("1 1 1-7 * */7", "UTC", NOW, 4),
        [
            "2020-01-05T01:01:00+00:00",
            "2020-02-02T01:01:00+00:00",
            "2020-03-01T01:01:00+00:00",
            "2020-04-05T01:01:00+00:00",
        ]
    );
}

#[test]
fn star_step_in_day_of_month_still_ands() {
    // "First Monday of the month"
    assert_eq!(
        fires("1 1 */100,1-7 * MON", "UTC", NOW, 4),
        [
            "2020-01-06T01:01:00+00:00",
            "2020-02-03T01:01:00+00:00",
            "2020-03-02T01:01:00+00:00",
            "2020-04-06T01:01:00+00:00",
        ]
    );
}

#[test]
fn restricted_day_fields_are_ored() {
    // The 13th, and every Friday (2020-01-01 is a Wednesday).
    assert_eq!(
        fires("0 0 13 * 5", "UTC", NOW, 4),
        [
            "2020-01-03T00:00:00+00:00",
            "2020-01-10T00:00:00+00:00",
            "2020-01-13T00:00:00+00:00",
            "2020-01-17T00:00:00+00:00",
        ]
    );
    // The last day, and the first Monday.
    assert_eq!(
        fires("0 0 L * MON#1", "UTC", NOW, 3),
        ["2020-01-06T00:00:00+00:00", "2020-01-31T00:00:00+00:00", "2020-02-03T00:00:00+00:00",]
    );
}

#[test]
fn every_third_weekday_counts_from_sunday() {
    assert_eq!(
        fires("1 1 * * */3", "UTC", NOW, 4),
        [
            "2020-01-01T01:01:00+00:00",
            "2020-01-04T01:01:00+00:00",
            "2020-01-05T01:01:00+00:00",
            "2020-01-08T01:01:00+00:00",
        ]
    );
}

#[test]
fn leap_day_and_rare_dates() {
    assert_eq!(
        fires("0 0 29 2 *", "UTC", "2020-03-01T00:00:00+00:00", 2),
        ["2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00",]
    );
    // A fifth Monday in February needs a leap year starting on a Monday: 28 years apart.
    assert_eq!(fires("0 0 * 2 MON#5", "UTC", NOW, 2), ["2044-02-29T00:00:00+00:00", "2072-02-29T00:00:00+00:00",]);
}

#[test]
fn impossible_expression_gives_none_quickly() {
    let started = Instant::now();
    // The 1st of the month that is also its fourth Monday.
    for expr in ["1 1 */100 * MON#4", "0 0 */100 2 MON#5", "*/5 * */100 * MON#4"] {
        for zone in [Tz::UTC, chrono_tz::Europe::Riga] {
            assert_eq!(cron(expr).next_after(utc(NOW), zone), None, "{expr}");
        }
    }
    assert!(started.elapsed() < StdDuration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn strictly_after_and_whole_seconds() {
    let every_minute = cron("* * * * *");
    let t = utc("2024-05-01T10:00:00Z");
    assert_eq!(every_minute.next_after(t, Tz::UTC), Some(utc("2024-05-01T10:01:00Z")));
    let t = utc("2024-05-01T10:00:59.999Z");
    assert_eq!(every_minute.next_after(t, Tz::UTC), Some(utc("2024-05-01T10:01:00Z")));
    let t = utc("2024-05-01T09:59:59.5Z");
    assert_eq!(every_minute.next_after(t, Tz::UTC), Some(utc("2024-05-01T10:00:00Z")));
    // Year and month boundaries.
    assert_eq!(fires("59 23 31 12 *", "UTC", "2024-12-31T23:59:00Z", 1), ["2025-12-31T23:59:00+00:00"]);
    assert_eq!(
        fires("0 0 1 * *", "Asia/Kolkata", "2024-12-31T18:30:00Z", 2),
        ["2025-02-01T00:00:00+05:30", "2025-03-01T00:00:00+05:30",]
    );
}

// DST in Europe/Riga, after cronsim's TestDstTransitions. In 2021 the clock went
// 02:59+02:00 -> 04:00+03:00 on March 28, and 03:59+03:00 -> 03:00+02:00 on October 31.

const RIGA: &str = "Europe/Riga";
const MAR: &str = "2021-03-28T01:30:00+02:00";
const OCT: &str = "2021-10-31T01:30:00+03:00";

#[test]
fn riga_every_hour() {
    assert_eq!(fires("0 * * * *", RIGA, MAR, 2), ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00"]);
    assert_eq!(
        fires("0 * * * *", RIGA, OCT, 4),
        [
            "2021-10-31T02:00:00+03:00",
            "2021-10-31T03:00:00+03:00",
            "2021-10-31T03:00:00+02:00",
            "2021-10-31T04:00:00+02:00",
        ]
    );
}

#[test]
fn riga_every_30_minutes() {
    assert_eq!(
        fires("*/30 * * * *", RIGA, "2021-03-28T02:10:00+02:00", 3),
        ["2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T04:30:00+03:00",]
    );
    assert_eq!(
        fires("*/30 * * * *", RIGA, "2021-10-31T02:10:00+03:00", 6),
        [
            "2021-10-31T02:30:00+03:00",
            "2021-10-31T03:00:00+03:00",
            "2021-10-31T03:30:00+03:00",
            "2021-10-31T03:00:00+02:00",
            "2021-10-31T03:30:00+02:00",
            "2021-10-31T04:00:00+02:00",
        ]
    );
}

#[test]
fn riga_every_15_minutes() {
    assert_eq!(
        fires("*/15 * * * *", RIGA, "2021-03-28T02:40:00+02:00", 2),
        ["2021-03-28T02:45:00+02:00", "2021-03-28T04:00:00+03:00",]
    );
    assert_eq!(
        fires("*/15 * * * *", RIGA, "2021-10-31T02:40:00+03:00", 10),
        [
            "2021-10-31T02:45:00+03:00",
            "2021-10-31T03:00:00+03:00",
            "2021-10-31T03:15:00+03:00",
            "2021-10-31T03:30:00+03:00",
            "2021-10-31T03:45:00+03:00",
            "2021-10-31T03:00:00+02:00",
            "2021-10-31T03:15:00+02:00",
            "2021-10-31T03:30:00+02:00",
            "2021-10-31T03:45:00+02:00",
            "2021-10-31T04:00:00+02:00",
        ]
    );
}

#[test]
fn riga_hour_steps_walk_absolute_time() {
    assert_eq!(
        fires("0 */2 * * *", RIGA, MAR, 3),
        ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T06:00:00+03:00",]
    );
    assert_eq!(
        fires("0 */2 * * *", RIGA, OCT, 3),
        ["2021-10-31T02:00:00+03:00", "2021-10-31T04:00:00+02:00", "2021-10-31T06:00:00+02:00",]
    );
    assert_eq!(fires("30 */2 * * *", RIGA, MAR, 2), ["2021-03-28T02:30:00+02:00", "2021-03-28T04:30:00+03:00"]);
    assert_eq!(fires("30 */2 * * *", RIGA, OCT, 2), ["2021-10-31T02:30:00+03:00", "2021-10-31T04:30:00+02:00"]);
    assert_eq!(
        fires("0 */3 * * *", RIGA, OCT, 3),
        ["2021-10-31T03:00:00+03:00", "2021-10-31T03:00:00+02:00", "2021-10-31T06:00:00+02:00",]
    );
}

#[test]
fn riga_hour_lists_use_the_wall_clock() {
    for expr in
        ["0 1,2,3,4,5 * * *", "0 1-5 * * *", "0 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * *"]
    {
        assert_eq!(
            fires(expr, RIGA, MAR, 3),
            ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T05:00:00+03:00",],
            "{expr}"
        );
        // The repeated 03:00 fires once, on its first pass.
        assert_eq!(
            fires(expr, RIGA, OCT, 3),
            ["2021-10-31T02:00:00+03:00", "2021-10-31T03:00:00+03:00", "2021-10-31T04:00:00+02:00",],
            "{expr}"
        );
    }
    assert_eq!(
        fires("30 1,2,3,4,5 * * *", RIGA, MAR, 3),
        ["2021-03-28T02:30:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T04:30:00+03:00",]
    );
    assert_eq!(
        fires("30 1,2,3,4,5 * * *", RIGA, OCT, 3),
        ["2021-10-31T02:30:00+03:00", "2021-10-31T03:30:00+03:00", "2021-10-31T04:30:00+02:00",]
    );
    let odd = "0 1,3,5,7,9,11,13,15,17,19,21,23 * * *";
    assert_eq!(
        fires(odd, RIGA, "2021-03-28T00:30:00+02:00", 3),
        ["2021-03-28T01:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T05:00:00+03:00",]
    );
    assert_eq!(
        fires(odd, RIGA, "2021-10-31T00:30:00+03:00", 3),
        ["2021-10-31T01:00:00+03:00", "2021-10-31T03:00:00+03:00", "2021-10-31T05:00:00+02:00",]
    );
}

#[test]
fn riga_daily_times() {
    assert_eq!(fires("0 2 * * *", RIGA, MAR, 2), ["2021-03-28T02:00:00+02:00", "2021-03-29T02:00:00+03:00"]);
    assert_eq!(fires("0 2 * * *", RIGA, OCT, 2), ["2021-10-31T02:00:00+03:00", "2021-11-01T02:00:00+02:00"]);
    // 03:00 does not exist on March 28: it fires at the jump instead.
    assert_eq!(
        fires("0 3 * * *", RIGA, "2021-03-27T01:30:00+02:00", 3),
        ["2021-03-27T03:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-29T03:00:00+03:00",]
    );
    assert_eq!(fires("0 3 * * *", RIGA, OCT, 2), ["2021-10-31T03:00:00+03:00", "2021-11-01T03:00:00+02:00"]);
    assert_eq!(
        fires("0 4 * * *", RIGA, "2021-03-27T01:30:00+02:00", 3),
        ["2021-03-27T04:00:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-29T04:00:00+03:00",]
    );
    assert_eq!(
        fires("0 4 * * *", RIGA, "2021-10-30T01:30:00+03:00", 3),
        ["2021-10-30T04:00:00+03:00", "2021-10-31T04:00:00+02:00", "2021-11-01T04:00:00+02:00",]
    );
    assert_eq!(
        fires("15 3 * * *", RIGA, "2021-03-27T00:00:00+02:00", 3),
        ["2021-03-27T03:15:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-29T03:15:00+03:00",]
    );
    assert_eq!(
        fires("15 3 * * *", RIGA, "2021-10-30T00:00:00+03:00", 3),
        ["2021-10-30T03:15:00+03:00", "2021-10-31T03:15:00+03:00", "2021-11-01T03:15:00+02:00",]
    );
}

#[test]
fn riga_every_minute() {
    for expr in ["* * * * *", "* 1-6 * * *"] {
        assert_eq!(
            fires(expr, RIGA, "2021-03-28T02:58:00+02:00", 2),
            ["2021-03-28T02:59:00+02:00", "2021-03-28T04:00:00+03:00",],
            "{expr}"
        );
        assert_eq!(
            fires(expr, RIGA, "2021-10-31T03:58:00+03:00", 3),
            ["2021-10-31T03:59:00+03:00", "2021-10-31T03:00:00+02:00", "2021-10-31T03:01:00+02:00",],
            "{expr}"
        );
    }
}

#[test]
fn riga_second_pass_does_not_fire_again() {
    // cronsim itself, started at 03:10 on the second pass, answers 03:30+03:00,
    // which is before the start; the next fire after the start is the next day's.
    assert_eq!(
        fires("30 3 * * *", RIGA, "2021-10-31T03:10:00+02:00", 2),
        ["2021-11-01T03:30:00+02:00", "2021-11-02T03:30:00+02:00",]
    );
    assert_eq!(fires("30 3 * * *", RIGA, "2021-10-31T03:10:00+03:00", 1), ["2021-10-31T03:30:00+03:00"]);
}

// Other zones; expected values are cronsim 2.7's with Python's zoneinfo.

const NEW_YORK: &str = "America/New_York";

#[test]
fn new_york_spring_forward() {
    // 02:00-02:59 does not exist on 2021-03-14.
    assert_eq!(
        fires("30 2 * * *", NEW_YORK, "2021-03-13T12:00:00-05:00", 2),
        ["2021-03-14T03:00:00-04:00", "2021-03-15T02:30:00-04:00",]
    );
    assert_eq!(
        fires("0 2 * * *", NEW_YORK, "2021-03-13T12:00:00-05:00", 2),
        ["2021-03-14T03:00:00-04:00", "2021-03-15T02:00:00-04:00",]
    );
    assert_eq!(
        fires("*/30 * * * *", NEW_YORK, "2021-03-14T01:10:00-05:00", 3),
        ["2021-03-14T01:30:00-05:00", "2021-03-14T03:00:00-04:00", "2021-03-14T03:30:00-04:00",]
    );
}

#[test]
fn new_york_fall_back() {
    // 01:00-01:59 happens twice on 2021-11-07.
    assert_eq!(
        fires("30 1 * * *", NEW_YORK, "2021-11-06T12:00:00-04:00", 2),
        ["2021-11-07T01:30:00-04:00", "2021-11-08T01:30:00-05:00",]
    );
    assert_eq!(
        fires("15 1-2 * * *", NEW_YORK, "2021-11-07T00:00:00-04:00", 3),
        ["2021-11-07T01:15:00-04:00", "2021-11-07T02:15:00-05:00", "2021-11-08T01:15:00-05:00",]
    );
    assert_eq!(
        fires("*/20 * * * *", NEW_YORK, "2021-11-07T00:50:00-04:00", 5),
        [
            "2021-11-07T01:00:00-04:00",
            "2021-11-07T01:20:00-04:00",
            "2021-11-07T01:40:00-04:00",
            "2021-11-07T01:00:00-05:00",
            "2021-11-07T01:20:00-05:00",
        ]
    );
    assert_eq!(
        fires("0 * * * *", NEW_YORK, "2021-11-07T00:30:00-04:00", 3),
        ["2021-11-07T01:00:00-04:00", "2021-11-07T01:00:00-05:00", "2021-11-07T02:00:00-05:00",]
    );
    // cronsim's hour step moves from 00:45 two hours in absolute time.
    assert_eq!(
        fires("45 */2 * * *", NEW_YORK, "2021-11-07T00:00:00-04:00", 3),
        ["2021-11-07T00:45:00-04:00", "2021-11-07T02:45:00-05:00", "2021-11-07T04:45:00-05:00",]
    );
}

#[test]
fn new_york_monthly_across_offsets() {
    assert_eq!(
        fires("0 0 1 * *", NEW_YORK, "2021-01-15T00:00:00-05:00", 4),
        [
            "2021-02-01T00:00:00-05:00",
            "2021-03-01T00:00:00-05:00",
            "2021-04-01T00:00:00-04:00",
            "2021-05-01T00:00:00-04:00",
        ]
    );
}

const SYDNEY: &str = "Australia/Sydney";

#[test]
fn sydney_spring_forward_in_october() {
    assert_eq!(
        fires("30 2 * * *", SYDNEY, "2021-10-02T12:00:00+10:00", 2),
        ["2021-10-03T03:00:00+11:00", "2021-10-04T02:30:00+11:00",]
    );
    assert_eq!(
        fires("*/30 * * * *", SYDNEY, "2021-10-03T01:10:00+10:00", 3),
        ["2021-10-03T01:30:00+10:00", "2021-10-03T03:00:00+11:00", "2021-10-03T03:30:00+11:00",]
    );
}

#[test]
fn sydney_fall_back_in_april() {
    assert_eq!(
        fires("30 2 * * *", SYDNEY, "2021-04-03T12:00:00+11:00", 2),
        ["2021-04-04T02:30:00+11:00", "2021-04-05T02:30:00+10:00",]
    );
    assert_eq!(
        fires("*/30 2 * * *", SYDNEY, "2021-04-04T01:10:00+11:00", 5),
        [
            "2021-04-04T02:00:00+11:00",
            "2021-04-04T02:30:00+11:00",
            "2021-04-04T02:00:00+10:00",
            "2021-04-04T02:30:00+10:00",
            "2021-04-05T02:00:00+10:00",
        ]
    );
    assert_eq!(
        fires("0 9 * * 1-5", SYDNEY, "2021-04-02T12:00:00+11:00", 2),
        ["2021-04-05T09:00:00+10:00", "2021-04-06T09:00:00+10:00",]
    );
}

const LORD_HOWE: &str = "Australia/Lord_Howe";

#[test]
fn lord_howe_half_hour_spring_forward() {
    // 02:00-02:29 does not exist on 2021-10-03.
    assert_eq!(
        fires("15 2 * * *", LORD_HOWE, "2021-10-02T12:00:00+10:30", 2),
        ["2021-10-03T02:30:00+11:00", "2021-10-04T02:15:00+11:00",]
    );
    assert_eq!(
        fires("*/10 * * * *", LORD_HOWE, "2021-10-03T01:45:00+10:30", 3),
        ["2021-10-03T01:50:00+10:30", "2021-10-03T02:30:00+11:00", "2021-10-03T02:40:00+11:00",]
    );
}

#[test]
fn lord_howe_half_hour_fall_back() {
    // 01:30-01:59 happens twice on 2021-04-04.
    assert_eq!(
        fires("45 1 * * *", LORD_HOWE, "2021-04-03T12:00:00+11:00", 2),
        ["2021-04-04T01:45:00+11:00", "2021-04-05T01:45:00+10:30",]
    );
    assert_eq!(
        fires("*/15 * * * *", LORD_HOWE, "2021-04-04T01:20:00+11:00", 5),
        [
            "2021-04-04T01:30:00+11:00",
            "2021-04-04T01:45:00+11:00",
            "2021-04-04T01:30:00+10:30",
            "2021-04-04T01:45:00+10:30",
            "2021-04-04T02:00:00+10:30",
        ]
    );
    // cronsim's quirk: the hour step lands at 02:30 after the change, misses its
    // minute, and moves on to 04:00.
    assert_eq!(
        fires("0 */2 * * *", LORD_HOWE, "2021-04-03T23:00:00+11:00", 2),
        ["2021-04-04T00:00:00+11:00", "2021-04-04T04:00:00+10:30",]
    );
}

#[test]
fn london_and_midnight_and_skipped_day_gaps() {
    assert_eq!(
        fires("30 1 * * *", "Europe/London", "2021-03-27T12:00:00+00:00", 2),
        ["2021-03-28T02:00:00+01:00", "2021-03-29T01:30:00+01:00",]
    );
    assert_eq!(
        fires("*/30 1 * * *", "Europe/London", "2021-10-31T00:50:00+01:00", 5),
        [
            "2021-10-31T01:00:00+01:00",
            "2021-10-31T01:30:00+01:00",
            "2021-10-31T01:00:00+00:00",
            "2021-10-31T01:30:00+00:00",
            "2021-11-01T01:00:00+00:00",
        ]
    );
    // Chile skips from 00:00 to 01:00.
    assert_eq!(
        fires("30 0 * * *", "America/Santiago", "2021-09-04T12:00:00-04:00", 2),
        ["2021-09-05T01:00:00-03:00", "2021-09-06T00:30:00-03:00",]
    );
    assert_eq!(
        fires("*/30 * * * 0", "America/Santiago", "2021-09-04T12:00:00-04:00", 2),
        ["2021-09-05T01:00:00-03:00", "2021-09-05T01:30:00-03:00",]
    );
    // Samoa skipped 2011-12-30 entirely.
    assert_eq!(
        fires("0 12 * * *", "Pacific/Apia", "2011-12-29T06:00:00-10:00", 3),
        ["2011-12-29T12:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00",]
    );
}

#[test]
fn chatham_loop_that_cronsim_never_leaves() {
    // The clock goes 03:44:59+13:45 -> 02:45:00+12:45 on 2019-04-07; cronsim spins
    // forever looking for 03:45. Here the search scans on to the first matching
    // minute: 03:45 on the second pass.
    let started = Instant::now();
    assert_eq!(
        fires("45 */3 L MAR-NOV 0", "Pacific/Chatham", "2019-04-04T22:28:26Z", 3),
        ["2019-04-07T00:45:00+13:45", "2019-04-07T03:45:00+12:45", "2019-04-07T06:45:00+12:45",]
    );
    assert!(started.elapsed() < StdDuration::from_secs(2));
}

#[test]
fn st_johns_midnight_fall_back_that_cronsim_repeats() {
    // On 2010-11-07 the clock went 00:00:59-02:30 -> 23:01:00-03:30 (the day before);
    // cronsim answers 00:00-02:30 again and again. The search scans on instead, and
    // the second pass of midnight matches.
    assert_eq!(
        fires("*/30 0-23/2 * * *", "America/St_Johns", "2010-11-07T01:30:00Z", 4),
        [
            "2010-11-07T00:00:00-02:30",
            "2010-11-07T00:00:00-03:30",
            "2010-11-07T00:30:00-03:30",
            "2010-11-07T02:00:00-03:30",
        ]
    );
}
