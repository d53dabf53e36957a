//! A run: one ping as recorded, with its output preview and, for finishes, its duration.
use super::ids::{MonitorId, OrgId, RunId};
use super::incident::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Start,
    Success,
    Fail,
    Log,
}

impl RunState {
    pub fn is_finish(self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }
}

/// A client-chosen id that pairs the start and finish of one run when runs overlap
/// (Healthchecks' `rid`): 1..=64 characters of `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunKey(String);

impl RunKey {
    pub fn new(s: &str) -> Option<Self> {
        let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        (!s.is_empty() && s.len() <= 64 && s.bytes().all(ok)).then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RunKey {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s).ok_or("rid must be 1-64 characters of letters, digits, '.', '_' or '-'")
    }
}

impl From<RunKey> for String {
    fn from(k: RunKey) -> String {
        k.0
    }
}

/// What was kept of a ping's body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutput {
    /// The first 1 KB, as text.
    pub preview: String,
    /// The size of the whole body as sent.
    pub size: u64,
    /// Where the full body is, for bodies over the inline limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_key: Option<String>,
    /// True when the body was larger than the stored limit and only its head was kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: RunId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub state: RunState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    pub received_at: DateTime<Utc>,
    /// Start to finish, for a finish whose start was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_score: Option<f64>,
    pub output: RunOutput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<RunKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_key_is_bounded_and_plain() {
        assert!(RunKey::new("0f6b7a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b").is_some());
        assert!(RunKey::new("").is_none());
        assert!(RunKey::new(&"a".repeat(65)).is_none());
        assert!(RunKey::new("a b").is_none());
        assert!(RunKey::new("<script>").is_none());
    }
}
