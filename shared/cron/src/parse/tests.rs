use super::*;

fn cron(expr: &str) -> CronExpr {
    CronExpr::parse(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"))
}

fn bits(v: &[u32]) -> Bits {
    v.iter().copied().collect()
}

fn bad_field(expr: &str) -> CronField {
    match CronExpr::parse(expr) {
        Err(CronError::BadField { field, .. }) => field,
        other => panic!("{expr:?} should be a bad field, got {other:?}"),
    }
}

// Parsing, after cronsim's TestParse.

#[test]
fn stars_cover_every_value() {
    let e = cron("* * * * *");
    assert_eq!(e.minutes, Bits::span(0, 59, 1));
    assert_eq!(e.hours, Bits::span(0, 23, 1));
    assert_eq!(e.days, Bits::span(1, 31, 1));
    assert_eq!(e.months, Bits::span(1, 12, 1));
    assert_eq!(e.weekdays, Bits::span(0, 6, 1));
    assert!(e.day_and && !e.wall_clock);
}

#[test]
fn numbers_lists_ranges_and_steps() {
    assert_eq!(cron("1 * * * *").minutes, bits(&[1]));
    assert_eq!(cron("1,2,3 * * * *").minutes, bits(&[1, 2, 3]));
    assert_eq!(cron("1-3 * * * *").minutes, bits(&[1, 2, 3]));
    assert_eq!(cron("1-3,7-9 * * * *").minutes, bits(&[1, 2, 3, 7, 8, 9]));
    assert_eq!(cron("*/15 * * * *").minutes, bits(&[0, 15, 30, 45]));
    assert_eq!(cron("0-10/2 * * * *").minutes, bits(&[0, 2, 4, 6, 8, 10]));
    assert_eq!(cron("5/15 * * * *").minutes, bits(&[5, 20, 35, 50]));
    assert_eq!(cron("* 20/2 * * *").hours, bits(&[20, 22]));
    // A one-value range before a step is a start, like `5/15` (cronsim's rule).
    assert_eq!(cron("5-5/15 * * * *").minutes, bits(&[5, 20, 35, 50]));
    // A step beyond the field keeps only the first value.
    assert_eq!(cron("* * */100 * *").days, bits(&[1]));
    assert_eq!(cron("*/99999999999999999999999 * * * *").minutes, bits(&[0]));
    assert_eq!(cron("* * * */5 *").months, bits(&[1, 6, 11]));
}

#[test]
fn day_of_month_l_and_lw() {
    for (expr, last, lw) in [
        ("* * L * *", true, false),
        ("* * l * *", true, false),
        ("* * LW * *", false, true),
        ("* * lw * *", false, true),
        // cronsim ignores a step after L or LW.
        ("* * L/2 * *", true, false),
        ("* * LW/2 * *", false, true),
    ] {
        let e = cron(expr);
        assert_eq!((e.last_day, e.last_weekday, e.days), (last, lw, Bits::default()), "{expr}");
    }
    let e = cron("* * 15,L * *");
    assert_eq!((e.days, e.last_day), (bits(&[15]), true));
}

#[test]
fn weekdays_names_and_sunday() {
    assert_eq!(cron("* * * * 1").weekdays, bits(&[1]));
    assert_eq!(cron("* * * * 0").weekdays, bits(&[0]));
    assert_eq!(cron("* * * * 7").weekdays, bits(&[0]));
    assert_eq!(cron("* * * * MON").weekdays, bits(&[1]));
    assert_eq!(cron("* * * * mon").weekdays, bits(&[1]));
    assert_eq!(cron("* * * * 0-2").weekdays, bits(&[0, 1, 2]));
    assert_eq!(cron("* * * * sun-tue").weekdays, bits(&[0, 1, 2]));
    assert_eq!(cron("* * * * Fri-Sat").weekdays, bits(&[5, 6]));
    // Steps count from 0 over 0-7, so */7 is Sunday (0 and 7) and 1-7/2 ends on it.
    assert_eq!(cron("* * * * */2").weekdays, bits(&[0, 2, 4, 6]));
    assert_eq!(cron("* * * * */7").weekdays, bits(&[0]));
    assert_eq!(cron("* * * * 1-7/2").weekdays, bits(&[0, 1, 3, 5]));
    assert_eq!(cron("* * * JAN *").months, bits(&[1]));
    assert_eq!(cron("* * * jul-Sep *").months, bits(&[7, 8, 9]));
    assert_eq!(cron("* * * dec *").months, bits(&[12]));
}

#[test]
fn weekday_l_and_nth() {
    let e = cron("* * * * 1,2,3#1");
    assert_eq!(e.weekdays, bits(&[1, 2]));
    assert_eq!(e.nth_weekdays[3], 1 << 1);
    assert_eq!(cron("* * * * 1#2").nth_weekdays[1], 1 << 2);
    assert_eq!(cron("* * * * MON#5").nth_weekdays[1], 1 << 5);
    assert_eq!(cron("* * * * 7#1").nth_weekdays[0], 1 << 1);
    assert_eq!(cron("* * * * 5L").last_weekdays, bits(&[5]));
    assert_eq!(cron("* * * * 5l").last_weekdays, bits(&[5]));
    assert_eq!(cron("* * * * 7L").last_weekdays, bits(&[0]));
    assert_eq!(cron("* * * * 5L").weekdays, Bits::default());
}

#[test]
fn day_fields_are_anded_when_either_starts_with_a_star() {
    assert!(cron("* * * * 1").day_and);
    assert!(cron("* * 1 * *").day_and);
    assert!(cron("0 0 */2 * MON").day_and);
    assert!(cron("0 0 1 * */2").day_and);
    assert!(cron("1 1 */100,1-7 * MON").day_and);
    assert!(!cron("0 0 1 * MON").day_and);
    assert!(!cron("0 0 1-31 * 0-7").day_and);
    assert!(!cron("0 0 L * 5L").day_and);
}

#[test]
fn wall_clock_only_when_minute_and_hour_do_not_start_with_a_star() {
    assert!(cron("0 2 * * *").wall_clock);
    assert!(cron("30 1-5 * * *").wall_clock);
    assert!(cron("0 0-23/2 * * *").wall_clock);
    assert!(cron("0,30 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * *").wall_clock);
    assert!(!cron("*/15 2 * * *").wall_clock);
    assert!(!cron("0 */2 * * *").wall_clock);
    assert!(!cron("0 * * * *").wall_clock);
}

#[test]
fn text_is_kept_trimmed() {
    let e: CronExpr = "  0 9 * * Mon-Fri \n".parse().expect("parses");
    assert_eq!(e.as_str(), "0 9 * * Mon-Fri");
    assert_eq!(e.to_string(), "0 9 * * Mon-Fri");
    assert_eq!(e, cron("0 9 * * Mon-Fri"));
    assert_ne!(e, cron("0 9 * * 1-5"));
}

// Validation, after cronsim's TestValidation.

#[test]
fn wrong_field_counts() {
    for (expr, n) in [("", 0), ("* * * *", 4), ("* * * * * *", 6), ("0 * * * * * *", 7)] {
        assert_eq!(CronExpr::parse(expr), Err(CronError::FieldCount(n)), "{expr:?}");
    }
    assert_eq!(
        CronError::FieldCount(4).to_string(),
        "expected 5 fields (minute hour day-of-month month day-of-week), got 4"
    );
}

#[test]
fn rejects_bad_values_in_every_position() {
    let patterns = [
        ("%s * * * *", CronField::Minute),
        ("* %s * * *", CronField::Hour),
        ("* * %s * *", CronField::DayOfMonth),
        ("* * * %s * ", CronField::Month),
        ("* * * * %s", CronField::DayOfWeek),
        ("1-%s * * * *", CronField::Minute),
        ("%s-60 * * * *", CronField::Minute),
        ("* * 1-%s * *", CronField::DayOfMonth),
        ("* * 1,%s * *", CronField::DayOfMonth),
        ("* * %s/1 * *", CronField::DayOfMonth),
        ("* * * %s-DEC *", CronField::Month),
        ("* * * JAN-%s *", CronField::Month),
        ("* * * * %s-SUN", CronField::DayOfWeek),
        ("* * * * MON-%s", CronField::DayOfWeek),
    ];
    let values = ["-1", "61", "ABC", "2/", "/2", "2#", "#2", "1##1", "1//2", "¹", "LL", "LWX", ""];
    for (pattern, field) in patterns {
        for value in values {
            let expr = pattern.replace("%s", value);
            if value.is_empty() && !pattern.contains(['-', ',']) {
                continue; // the field itself disappears: a field-count error
            }
            assert_eq!(bad_field(&expr), field, "{expr:?}");
        }
    }
}

#[test]
fn rejects_what_cronsim_rejects() {
    for (expr, field) in [
        ("* * 5-1 * *", CronField::DayOfMonth),
        ("1-1_0 * * * *", CronField::Minute),
        ("*/0 * * * *", CronField::Minute),
        ("* 24 * * *", CronField::Hour),
        ("* * 0 * *", CronField::DayOfMonth),
        ("* * * 13 *", CronField::Month),
        ("* * * * 8", CronField::DayOfWeek),
        ("* * * * 1#0", CronField::DayOfWeek),
        ("* * * * 1#6", CronField::DayOfWeek),
        ("* * 30 2 *", CronField::DayOfMonth),
        ("* * 31 4 *", CronField::DayOfMonth),
        ("* * 31 2,4,6,9,11 *", CronField::DayOfMonth),
        ("* * * * 5L-6", CronField::DayOfWeek),
        ("* * * * 5L#1", CronField::DayOfWeek),
        ("* * * * 5L/3", CronField::DayOfWeek),
        ("* * * * MONL", CronField::DayOfWeek),
        ("* * * * L", CronField::DayOfWeek),
        ("* * * * sun-sat/0", CronField::DayOfWeek),
        ("* * 15W * *", CronField::DayOfMonth),
        ("* * ? * *", CronField::DayOfMonth),
        ("* * * MON *", CronField::Month),
        ("* * * * JAN", CronField::DayOfWeek),
        ("* * * * MON-FRI#2", CronField::DayOfWeek),
        ("* * L-5 * *", CronField::DayOfMonth),
        ("1, * * * *", CronField::Minute),
        ("*-5 * * * *", CronField::Minute),
        ("1-2-3 * * * *", CronField::Minute),
        ("+5 * * * *", CronField::Minute),
    ] {
        assert_eq!(bad_field(expr), field, "{expr:?}");
    }
}

#[test]
fn accepts_what_cronsim_accepts() {
    for expr in [
        "* * 30 1,2 *",
        "* * 29 2 *",
        "* * L 2 *",
        "* * 31,L 4 *",
        "0 0 * * SUN#5",
        "0 0 * * 0L,6L",
        "00 09 * * *",
        "0\t0   1 jan\t*",
    ] {
        assert!(CronExpr::parse(expr).is_ok(), "{expr:?}");
    }
}

#[test]
fn errors_name_the_field_and_the_text() {
    let msg = |expr: &str| CronExpr::parse(expr).expect_err("invalid").to_string();
    assert_eq!(msg("0 25 * * *"), "bad hour field \"25\": value 25 out of range 0-23");
    assert_eq!(msg("*/0 * * * *"), "bad minute field \"*/0\": \"*/0\": step must be at least 1");
    assert_eq!(msg("* * 5-1 * *"), "bad day-of-month field \"5-1\": range 5-1 runs backwards");
    assert_eq!(msg("* * * foo *"), "bad month field \"foo\": \"FOO\" is not a number or month name");
    assert_eq!(msg("* * * * 1#6"), "bad day-of-week field \"1#6\": \"1#6\": the occurrence after # must be 1-5");
    assert_eq!(msg("0 0 30 2 *"), "bad day-of-month field \"30\": day 30 never occurs in the selected months");
}
