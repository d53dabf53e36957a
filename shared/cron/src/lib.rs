//! Five-field cron expressions evaluated in an IANA time zone, with Healthchecks' cronsim semantics.

mod bits;
mod calendar;
mod cursor;
mod error;
mod field;
mod next;
mod parse;

use std::fmt;
use std::str::FromStr;

use bits::Bits;
pub use error::CronError;
pub use field::CronField;

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

impl CronExpr {
    pub fn as_str(&self) -> &str {
        &self.text
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
