//! Why an expression does not parse.

use crate::CronField;

/// Why [`CronExpr::parse`](crate::CronExpr::parse) refused an expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("expected 5 fields (minute hour day-of-month month day-of-week), got {0}")]
    FieldCount(usize),
    #[error("bad {field} field \"{text}\": {reason}")]
    BadField { field: CronField, text: String, reason: String },
}
