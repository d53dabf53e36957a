//! The next-fire-time search: cronsim's loop, and the way out of the loops it cannot leave.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::CronExpr;
use crate::calendar::{days_in_month, first_of_month, last_weekday, next_month};
use crate::cursor::{Cursor, wall};

/// cronsim gives up once its search has gone this many years past the start.
const GIVE_UP_YEARS: i32 = 50;

/// Keeps every date computation far from chrono's limits, so nothing can overflow.
const MAX_START_YEAR: i32 = 200_000;

impl CronExpr {
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

#[cfg(test)]
mod tests;
