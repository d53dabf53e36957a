//! Debug sessions: one traced request, every hop of it kept as network events, with
//! secrets redacted and payloads cut.
use super::spec::is_secret_header;
use crate::domain::ids::{DebugSessionKey, MonitorId, OrgId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The longest payload kept per event.
pub const MAX_PAYLOAD: usize = 4 * 1024;
pub const REDACTED: &str = "[redacted]";
/// Why a session ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DebugTrigger {
    /// The monitor went DOWN.
    Down,
    /// Someone asked for it.
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    Request,
    Response,
    Redirect,
    Error,
    Timeout,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkEvent {
    pub kind: EventType,
    pub url: String,
    pub method: Option<String>,
    pub status_code: Option<u16>,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    pub request_payload: Option<String>,
    pub response_payload: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub duration_ms: Option<f64>,
    pub error: Option<String>,
}

impl NetworkEvent {
    pub fn new(kind: EventType, url: impl Into<String>, timestamp: DateTime<Utc>) -> Self {
        Self {
            kind,
            url: url.into(),
            method: None,
            status_code: None,
            request_headers: Vec::new(),
            response_headers: Vec::new(),
            request_payload: None,
            response_payload: None,
            timestamp,
            duration_ms: None,
            error: None,
        }
    }

    /// Secret header values replaced, payloads cut at `MAX_PAYLOAD` bytes.
    pub fn redacted(mut self, secret_headers: &BTreeSet<String>) -> Self {
        for (name, value) in self.request_headers.iter_mut().chain(self.response_headers.iter_mut()) {
            if is_secret_header(name, secret_headers) {
                *value = REDACTED.to_string();
            }
        }
        self.request_payload = self.request_payload.map(cut);
        self.response_payload = self.response_payload.map(cut);
        self
    }
}

/// At most `MAX_PAYLOAD` bytes, cut on a character boundary.
fn cut(mut s: String) -> String {
    if s.len() > MAX_PAYLOAD {
        let mut end = MAX_PAYLOAD;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// What the prober's traced request came to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trace {
    pub events: Vec<NetworkEvent>,
    pub success: bool,
    pub error: Option<String>,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DebugSession {
    pub key: DebugSessionKey,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub trigger: DebugTrigger,
    pub started_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub success: bool,
    pub error_message: Option<String>,
    pub user_agent: String,
    pub events: Vec<NetworkEvent>,
}

impl DebugSession {
    /// The session of `trace`, redacted.
    #[allow(clippy::too_many_arguments)]
    pub fn of_trace(
        org_id: OrgId,
        monitor_id: MonitorId,
        trigger: DebugTrigger,
        started_at: DateTime<Utc>,
        completed_at: DateTime<Utc>,
        trace: Trace,
        secret_headers: &BTreeSet<String>,
    ) -> Self {
        Self {
            key: DebugSessionKey::generate(),
            org_id,
            monitor_id,
            trigger,
            started_at,
            completed_at,
            success: trace.success,
            error_message: trace.error,
            user_agent: trace.user_agent,
            events: trace.events.into_iter().map(|e| e.redacted(secret_headers)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_payloads_cut_on_a_char_boundary() {
        let mut e = NetworkEvent::new(EventType::Request, "https://x", "2026-01-01T00:00:00Z".parse().unwrap());
        e.request_headers = vec![
            ("Authorization".into(), "Bearer s3cret".into()),
            ("x-tenant".into(), "acme".into()),
            ("accept".into(), "*/*".into()),
        ];
        e.response_headers = vec![("set-cookie".into(), "sid=1".into())];
        e.response_payload = Some("é".repeat(MAX_PAYLOAD));
        let r = e.redacted(&BTreeSet::from(["x-tenant".to_string()]));
        let values: Vec<&str> = r.request_headers.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, [REDACTED, REDACTED, "*/*"]);
        assert_eq!(r.response_headers[0].1, REDACTED);
        let payload = r.response_payload.unwrap();
        assert!(payload.len() <= MAX_PAYLOAD && payload.len() > MAX_PAYLOAD - 2);
    }
}
