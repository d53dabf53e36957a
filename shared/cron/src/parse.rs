//! The expression grammar: from text to the sets of values each field allows.

use crate::bits::Bits;
use crate::calendar::days_in_month;
use crate::{CronError, CronExpr, CronField};

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
}

#[cfg(test)]
mod tests;
