//! Five-field cron expressions evaluated in an IANA time zone, with Healthchecks' cronsim semantics.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// cronsim gives up once its search has gone this many years past the start.
const GIVE_UP_YEARS: i32 = 50;

/// Keeps every date computation far from chrono's limits, so nothing can overflow.
const MAX_START_YEAR: i32 = 200_000;

/// The five fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl CronField {
    const ALL: [CronField; 5] = [Self::Minute, Self::Hour, Self::DayOfMonth, Self::Month, Self::DayOfWeek];

    fn name(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::DayOfMonth => "day-of-month",
            Self::Month => "month",
            Self::DayOfWeek => "day-of-week",
        }
    }

    /// Inclusive; day-of-week takes 7 as a second Sunday, so `*/7` is `0,7`.
    fn bounds(self) -> (u32, u32) {
        match self {
            Self::Minute => (0, 59),
            Self::Hour => (0, 23),
            Self::DayOfMonth => (1, 31),
            Self::Month => (1, 12),
            Self::DayOfWeek => (0, 7),
        }
    }

    /// Names are matched after upper-casing the whole expression, as cronsim does.
    fn names(self) -> (&'static [&'static str], u32) {
        const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
        const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        match self {
            Self::Month => (&MONTHS, 1),
            Self::DayOfWeek => (&DAYS, 0),
            _ => (&[], 0),
        }
    }
}

impl fmt::Display for CronField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("expected 5 fields (minute hour day-of-month month day-of-week), got {0}")]
    FieldCount(usize),
    #[error("bad {field} field \"{text}\": {reason}")]
    BadField { field: CronField, text: String, reason: String },
}

/// A set of small integers (every field value is below 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Bits(u64);

impl Bits {
    fn span(lo: u32, hi: u32, step: usize) -> Bits {
        (lo..=hi).step_by(step).collect()
    }

    fn has(self, v: u32) -> bool {
        v < 64 && (self.0 >> v) & 1 == 1
    }

    fn single(self) -> Option<u32> {
        (self.0.count_ones() == 1).then(|| self.0.trailing_zeros())
    }

    fn iter(self) -> impl Iterator<Item = u32> {
        (0..64).filter(move |&v| self.has(v))
    }
}

impl FromIterator<u32> for Bits {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Bits {
        Bits(iter.into_iter().fold(0, |acc, v| acc | (1 << v)))
    }
}

/// One field's parse result: cronsim's set of plain values and special markers.
#[derive(Debug, Clone, Copy, Default)]
struct Items {
    plain: Bits,
    /// Day-of-month `L`.
    last_day: bool,
    /// Day-of-month `LW`.
    last_weekday: bool,
    /// Day-of-week `nL`, by weekday.
    last_of: Bits,
    /// Day-of-week `n#k`: bit k of `nth[n]`.
    nth: [u8; 8],
}

impl Items {
    fn plain(plain: Bits) -> Items {
        Items { plain, ..Items::default() }
    }

    fn union(mut self, other: Items) -> Items {
        self.plain.0 |= other.plain.0;
        self.last_day |= other.last_day;
        self.last_weekday |= other.last_weekday;
        self.last_of.0 |= other.last_of.0;
        for (a, b) in self.nth.iter_mut().zip(other.nth) {
            *a |= b;
        }
        self
    }
}

/// Digits only (no sign, no `_`, no non-ASCII digits); huge values saturate so that
/// they fail range checks, and act as "larger than the field" when used as steps.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))))
}

fn value(field: CronField, s: &str) -> Result<u32, String> {
    let (names, first) = field.names();
    if let Some(i) = names.iter().position(|n| *n == s) {
        return Ok(i as u32 + first);
    }
    let (lo, hi) = field.bounds();
    match number(s) {
        Some(v) if (u64::from(lo)..=u64::from(hi)).contains(&v) => Ok(v as u32),
        Some(_) => Err(format!("value {s} out of range {lo}-{hi}")),
        None if s.is_empty() => Err("missing value".into()),
        None if names.is_empty() => Err(format!("\"{s}\" is not a number")),
        None => Err(format!("\"{s}\" is not a number or {field} name")),
    }
}

/// The order of the checks is cronsim's, and it decides what is legal: lists split
/// first, then (day-of-week only) `L` and `#` claim the whole term, then `/`, then `-`.
fn parse_items(field: CronField, s: &str) -> Result<Items, String> {
    let (lo, hi) = field.bounds();
    if s == "*" {
        return Ok(Items::plain(Bits::span(lo, hi, 1)));
    }
    if s.contains(',') {
        return s.split(',').try_fold(Items::default(), |acc, term| Ok(acc.union(parse_items(field, term)?)));
    }
    let dow = field == CronField::DayOfWeek;
    if dow && s.contains('L') {
        let day = s
            .strip_suffix('L')
            .filter(|d| number(d).is_some())
            .ok_or_else(|| format!("\"{s}\": L must follow a weekday number, as in 5L"))?;
        let last_of = [value(field, day)?].into_iter().collect();
        return Ok(Items { last_of, ..Items::default() });
    }
    if let Some((day, nth)) = s.split_once('#').filter(|_| dow) {
        let nth = number(nth)
            .filter(|n| (1..=5).contains(n))
            .ok_or_else(|| format!("\"{s}\": the occurrence after # must be 1-5"))?;
        let mut items = Items::default();
        items.nth[value(field, day)? as usize] = 1 << nth;
        return Ok(items);
    }
    if let Some((base, step)) = s.split_once('/') {
        let step = match number(step) {
            Some(0) => return Err(format!("\"{s}\": step must be at least 1")),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => return Err(format!("\"{s}\": step must be a number")),
        };
        let items = parse_items(field, base)?;
        // `L/2` and `LW/2`: cronsim keeps the marker and ignores the step.
        if items.plain == Bits::default() {
            return Ok(items);
        }
        // A lone start (`5/15`, and by the same rule `5-5/15`) runs to the field's end.
        let plain = match items.plain.single() {
            Some(start) => Bits::span(start, hi, step),
            None => items.plain.iter().step_by(step).collect(),
        };
        return Ok(Items::plain(plain));
    }
    if let Some((a, b)) = s.split_once('-') {
        let (a, b) = (value(field, a)?, value(field, b)?);
        if b < a {
            return Err(format!("range {s} runs backwards"));
        }
        return Ok(Items::plain(Bits::span(a, b, 1)));
    }
    if field == CronField::DayOfMonth && (s == "L" || s == "LW") {
        return Ok(Items { last_day: s == "L", last_weekday: s == "LW", ..Items::default() });
    }
    Ok(Items::plain([value(field, s)?].into_iter().collect()))
}

/// A parsed cron expression.
///
/// Semantics are cronsim's (the engine behind Healthchecks), so a schedule fires here
/// exactly when Healthchecks expects it:
/// - day-of-month and day-of-week are AND-ed when either field *starts with* `*`
///   (`*`, `*/2`, `*/100,1-7`), and OR-ed otherwise, as in Debian cron;
/// - when neither minute nor hour starts with `*`, the schedule is read on the wall
///   clock: a time skipped by a spring-forward jump fires at the first minute that
///   exists after it, and a repeated time fires once, on its first pass;
/// - otherwise the search walks absolute time, so `*/15 * * * *` fires on both passes
///   of a repeated hour and has nothing to fire in a skipped one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    text: String,
    minutes: Bits,
    hours: Bits,
    days: Bits,
    last_day: bool,
    last_weekday: bool,
    months: Bits,
    /// Day-of-week sets below are 0-6 from Sunday, with 7 already folded into 0.
    weekdays: Bits,
    last_weekdays: Bits,
    nth_weekdays: [u8; 7],
    day_and: bool,
    wall_clock: bool,
}

fn fold_sunday(bits: Bits) -> Bits {
    Bits((bits.0 | (bits.0 >> 7)) & 0x7f)
}

impl CronExpr {
    pub fn parse(expr: &str) -> Result<CronExpr, CronError> {
        let text = expr.trim();
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.len() != 5 {
            return Err(CronError::FieldCount(parts.len()));
        }
        let upper: Vec<String> = parts.iter().map(|p| p.to_uppercase()).collect();
        let mut fields = [Items::default(); 5];
        for (i, field) in CronField::ALL.into_iter().enumerate() {
            fields[i] = parse_items(field, &upper[i]).map_err(|reason| CronError::BadField {
                field,
                text: parts[i].to_string(),
                reason,
            })?;
        }
        let [minutes, hours, dom, months, dow] = fields;

        // Only plain days are checked, like cronsim: with L or LW somewhere the
        // field is accepted as is.
        if !dom.last_day && !dom.last_weekday {
            let first = dom.plain.iter().next().unwrap_or(1);
            let longest = months.plain.iter().map(|m| days_in_month(2000, m)).max();
            if first > 29 && longest.is_some_and(|l| first > l) {
                return Err(CronError::BadField {
                    field: CronField::DayOfMonth,
                    text: parts[2].to_string(),
                    reason: format!("day {first} never occurs in the selected months"),
                });
            }
        }

        let mut nth_weekdays = [0; 7];
        for (day, bits) in dow.nth.into_iter().enumerate() {
            nth_weekdays[day % 7] |= bits;
        }
        Ok(CronExpr {
            text: text.to_string(),
            minutes: minutes.plain,
            hours: hours.plain,
            days: dom.plain,
            last_day: dom.last_day,
            last_weekday: dom.last_weekday,
            months: months.plain,
            weekdays: fold_sunday(dow.plain),
            last_weekdays: fold_sunday(dow.last_of),
            nth_weekdays,
            day_and: upper[2].starts_with('*') || upper[4].starts_with('*'),
            wall_clock: !upper[0].starts_with('*') && !upper[1].starts_with('*'),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first fire time strictly after `after`, evaluated in `tz`. None if the
    /// expression can never fire (e.g. `0 0 */100 * MON#4`): like cronsim, the search
    /// gives up 50 years ahead, which takes well under a millisecond.
    ///
    /// This is the first of cronsim's results, started at `after`, that lies after
    /// `after`. cronsim can answer earlier than its start when that falls in the second
    /// pass of a repeated hour, since wall-clock schedules forget which pass they
    /// started on; such answers are passed over.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        if !(-MAX_START_YEAR..=MAX_START_YEAR).contains(&after.year()) {
            return None;
        }
        let after = after.naive_utc();
        // cronsim drops sub-second precision and then steps one second.
        let (local, fold) = wall(tz, after.with_nanosecond(0)?);
        let mut c = Cursor { tz, local, fold, pinned: !self.wall_clock };
        c.tick(1);
        let mut give_up = c.local.year() + GIVE_UP_YEARS;

        // Pinned, a `replace` that lands in the other pass of a repeated reading can
        // move the cursor back by more than the tick after it, and cronsim then loops
        // forever (`45 */3 * * *` when Pacific/Chatham falls back at 03:45) or keeps
        // answering the same time (`*/30 0-23/2 * * *` when St. John's fell back at
        // 00:01). Any such loop revisits a state that was reached by a backward move.
        let mut floor = c.instant();
        let mut prev = floor;
        let mut backward: Vec<(NaiveDateTime, bool)> = Vec::new();
        loop {
            if c.pinned {
                let now = c.instant();
                if now <= prev {
                    if backward.contains(&(c.local, c.fold)) {
                        let from = self.loop_start(c, after).max(floor);
                        if self.scan(&mut c, from) {
                            return Some(c.instant().and_utc());
                        }
                        floor = c.instant();
                        backward.clear();
                    }
                    backward.push((c.local, c.fold));
                }
                prev = c.instant();
            }
            match self.move_once(&mut c, after, &mut give_up) {
                Move::Moved => {}
                Move::Fired(t) => return Some(t.and_utc()),
                Move::GaveUp => return None,
            }
        }
    }

    /// One round of cronsim's search, and on a match what its caller does: keep it if
    /// it lies after `after`, else ask cronsim for the next one.
    fn move_once(&self, c: &mut Cursor, after: NaiveDateTime, give_up: &mut i32) -> Move {
        match self.step(c, *give_up) {
            None => Move::Moved,
            Some(false) => Move::GaveUp,
            Some(true) => {
                let fire = c.settle();
                if fire > after {
                    return Move::Fired(fire);
                }
                c.tick(1);
                *give_up = c.local.year() + GIVE_UP_YEARS;
                Move::Moved
            }
        }
    }

    /// The earliest instant on the loop that `c` is caught in.
    fn loop_start(&self, c: Cursor, after: NaiveDateTime) -> NaiveDateTime {
        let mut probe = c;
        let mut give_up = i32::MAX;
        let mut earliest = probe.instant();
        // The bound only guards against a bug: a loop returns to `c` within a few steps.
        for _ in 0..10_000 {
            if !matches!(self.move_once(&mut probe, after, &mut give_up), Move::Moved) {
                break;
            }
            earliest = earliest.min(probe.instant());
            if (probe.local, probe.fold) == (c.local, c.fold) {
                break;
            }
        }
        earliest
    }

    /// The way out of a loop: the first whole minute from `from` whose wall-clock reading
    /// matches, searched over two days of absolute time, which takes the search past
    /// the clock change. Otherwise `c` is left at the end of that window.
    fn scan(&self, c: &mut Cursor, from: NaiveDateTime) -> bool {
        let first = from.with_second(0).unwrap_or(from) + Duration::minutes(i64::from(from.second() > 0));
        for minute in 0..2 * 24 * 60 {
            (c.local, c.fold) = wall(c.tz, first + Duration::minutes(minute));
            if self.months.has(c.local.month())
                && self.day_matches(c.local.date())
                && self.hours.has(c.local.hour())
                && self.minutes.has(c.local.minute())
                && c.local.second() == 0
            {
                return true;
            }
        }
        (c.local, c.fold) = wall(c.tz, first + Duration::days(2));
        false
    }

    /// One round of cronsim's loop: Some(true) once everything matches, Some(false) when
    /// the search gives up, None after moving the cursor.
    fn step(&self, c: &mut Cursor, give_up: i32) -> Option<bool> {
        if !self.months.has(c.local.month()) {
            let mut d = first_of_month(c.local.date());
            while !self.months.has(d.month()) {
                d = next_month(d);
            }
            c.midnight(d);
        }
        if c.local.year() > give_up {
            return Some(false);
        }

        let mut d = c.local.date();
        if !self.day_matches(d) {
            // Stopping at the 1st lets the month check skip unwanted months whole.
            loop {
                d += Duration::days(1);
                if self.day_matches(d) || d.day() == 1 {
                    break;
                }
            }
            c.midnight(d);
            return None;
        }

        if !self.hours.has(c.local.hour()) {
            c.replace_time(c.local.hour(), 0, 0);
            loop {
                c.tick(3600);
                if self.hours.has(c.local.hour()) || c.local.hour() == 0 {
                    break;
                }
            }
            return None;
        }

        if !self.minutes.has(c.local.minute()) {
            c.replace_time(c.local.hour(), c.local.minute(), 0);
            if let Some(target) = self.minutes.single() {
                c.tick(i64::from((target + 60 - c.local.minute()) % 60) * 60);
            }
            while !self.minutes.has(c.local.minute()) {
                c.tick(60);
                if c.local.minute() == 0 {
                    break;
                }
            }
            return None;
        }

        if c.local.second() != 0 {
            c.tick(i64::from(60 - c.local.second()));
            // Only a zone offset with seconds (old LMT) leaves this loop any work.
            while c.local.second() != 0 {
                c.tick(1);
            }
            return None;
        }
        Some(true)
    }

    fn day_matches(&self, d: NaiveDate) -> bool {
        let last = days_in_month(d.year(), d.month());
        let dom = self.days.has(d.day())
            || (self.last_day && d.day() == last)
            || (self.last_weekday && d.day() == last_weekday(d.year(), d.month()));
        let wd = d.weekday().num_days_from_sunday();
        let nth = d.day().div_ceil(7);
        let dow = self.weekdays.has(wd)
            || (self.last_weekdays.has(wd) && d.day() + 7 > last)
            || (self.nth_weekdays[wd as usize] >> nth) & 1 == 1;
        if self.day_and { dom && dow } else { dom || dow }
    }
}

enum Move {
    Moved,
    Fired(NaiveDateTime),
    GaveUp,
}

/// cronsim's moving `dt`. Pinned, it is a zone-aware datetime: a wall-clock reading
/// plus PEP 495's `fold` choosing between the passes of a repeated reading (and, in a
/// spring-forward gap, between the offsets before and after it). Unpinned, it is a
/// naive wall-clock reading that is only placed in the zone when a match is found.
#[derive(Clone, Copy)]
struct Cursor {
    tz: Tz,
    local: NaiveDateTime,
    fold: bool,
    pinned: bool,
}

impl Cursor {
    fn instant(&self) -> NaiveDateTime {
        instant(self.tz, self.local, self.fold)
    }

    /// Pinned ticks move through absolute time, as Python's aware arithmetic via UTC.
    fn tick(&mut self, seconds: i64) {
        if self.pinned {
            let utc = instant(self.tz, self.local, self.fold) + Duration::seconds(seconds);
            (self.local, self.fold) = wall(self.tz, utc);
        } else {
            self.local += Duration::seconds(seconds);
        }
    }

    /// `datetime.replace` keeps `fold`; `datetime.combine` resets it.
    fn replace_time(&mut self, hour: u32, minute: u32, second: u32) {
        if let Some(t) = self.local.date().and_hms_opt(hour, minute, second) {
            self.local = t;
        }
    }

    fn midnight(&mut self, d: NaiveDate) {
        self.local = d.and_time(chrono::NaiveTime::MIN);
        self.fold = false;
    }

    /// The UTC instant of a match. Unpinned readings that a jump skipped move forward a
    /// minute at a time until they exist, and repeated readings take their first pass.
    fn settle(&mut self) -> NaiveDateTime {
        if !self.pinned {
            self.fold = false;
            while self.tz.from_local_datetime(&self.local).earliest().is_none() {
                self.local += Duration::minutes(1);
            }
        }
        instant(self.tz, self.local, self.fold)
    }
}

/// Python's reading of an aware datetime: `fold` picks the second pass of a repeated
/// reading, and inside a gap `fold=0` uses the offset from before the jump.
fn instant(tz: Tz, local: NaiveDateTime, fold: bool) -> NaiveDateTime {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(a, b) => {
            let (first, second) = (a.naive_utc().min(b.naive_utc()), a.naive_utc().max(b.naive_utc()));
            if fold { second } else { first }
        }
        LocalResult::None => {
            let step = Duration::minutes(if fold { 30 } else { -30 });
            let offset = (1..=100)
                .find_map(|i| {
                    let probe = tz.from_local_datetime(&(local + step * i));
                    if fold { probe.earliest() } else { probe.latest() }
                })
                .map_or(0, |t| t.offset().fix().local_minus_utc());
            local - Duration::seconds(i64::from(offset))
        }
    }
}

/// The wall-clock reading of a UTC instant, with `fold` set on a repeated reading's
/// second pass.
fn wall(tz: Tz, utc: NaiveDateTime) -> (NaiveDateTime, bool) {
    let local = tz.from_utc_datetime(&utc).naive_local();
    let fold = match tz.from_local_datetime(&local) {
        LocalResult::Ambiguous(a, b) => utc > a.naive_utc().min(b.naive_utc()),
        _ => false,
    };
    (local, fold)
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if NaiveDate::from_ymd_opt(year, 2, 29).is_some() => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The date of the month's last Monday-to-Friday day.
fn last_weekday(year: i32, month: u32) -> u32 {
    let last = days_in_month(year, month);
    match NaiveDate::from_ymd_opt(year, month, last).map(|d| d.weekday()) {
        Some(chrono::Weekday::Sat) => last - 1,
        Some(chrono::Weekday::Sun) => last - 2,
        _ => last,
    }
}

impl FromStr for CronExpr {
    type Err = CronError;

    fn from_str(s: &str) -> Result<CronExpr, CronError> {
        CronExpr::parse(s)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
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
            assert_eq!(
                fires(expr, "UTC", NOW, 2),
                ["2020-01-05T00:00:00+00:00", "2020-01-12T00:00:00+00:00"],
                "{expr}"
            );
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
        for expr in [
            "0 1,2,3,4,5 * * *",
            "0 1-5 * * *",
            "0 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * *",
        ] {
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
}
