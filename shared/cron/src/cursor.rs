//! The search's moving datetime in a zone, read the way Python reads aware datetimes.

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// cronsim's moving `dt`. Pinned, it is a zone-aware datetime: a wall-clock reading
/// plus PEP 495's `fold` choosing between the passes of a repeated reading (and, in a
/// spring-forward gap, between the offsets before and after it). Unpinned, it is a
/// naive wall-clock reading that is only placed in the zone when a match is found.
#[derive(Clone, Copy)]
pub(crate) struct Cursor {
    pub(crate) tz: Tz,
    pub(crate) local: NaiveDateTime,
    pub(crate) fold: bool,
    pub(crate) pinned: bool,
}

impl Cursor {
    pub(crate) fn instant(&self) -> NaiveDateTime {
        instant(self.tz, self.local, self.fold)
    }

    /// Pinned ticks move through absolute time, as Python's aware arithmetic via UTC.
    pub(crate) fn tick(&mut self, seconds: i64) {
        if self.pinned {
            let utc = instant(self.tz, self.local, self.fold) + Duration::seconds(seconds);
            (self.local, self.fold) = wall(self.tz, utc);
        } else {
            self.local += Duration::seconds(seconds);
        }
    }

    /// `datetime.replace` keeps `fold`; `datetime.combine` resets it.
    pub(crate) fn replace_time(&mut self, hour: u32, minute: u32, second: u32) {
        if let Some(t) = self.local.date().and_hms_opt(hour, minute, second) {
            self.local = t;
        }
    }

    pub(crate) fn midnight(&mut self, d: NaiveDate) {
        self.local = d.and_time(chrono::NaiveTime::MIN);
        self.fold = false;
    }

    /// The UTC instant of a match. Unpinned readings that a jump skipped move forward a
    /// minute at a time until they exist, and repeated readings take their first pass.
    pub(crate) fn settle(&mut self) -> NaiveDateTime {
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
pub(crate) fn instant(tz: Tz, local: NaiveDateTime, fold: bool) -> NaiveDateTime {
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
pub(crate) fn wall(tz: Tz, utc: NaiveDateTime) -> (NaiveDateTime, bool) {
    let local = tz.from_utc_datetime(&utc).naive_local();
    let fold = match tz.from_local_datetime(&local) {
        LocalResult::Ambiguous(a, b) => utc > a.naive_utc().min(b.naive_utc()),
        _ => false,
    };
    (local, fold)
}
