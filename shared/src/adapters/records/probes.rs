//! A probe monitor's settings and state inside its monitor record, and its history:
//! checks, downtime windows, debug sessions and daily rollups.
use super::RecordError;
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId, MonitorId, OrgId};
use crate::domain::probe::check::{CheckStatus, ProbeCheck};
use crate::domain::probe::debug::{DebugSession, DebugTrigger, EventType, NetworkEvent};
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::observation::PhaseTimings;
use crate::domain::probe::rollup::{DailyRollup, LatencyHistogram};
use crate::domain::probe::spec::{
    DnsProbe, Host, HttpExpect, HttpMethod, HttpProbe, ProbeSpec, ProbeTarget, RecordType, StatusMatch, TcpProbe,
};
use crate::domain::probe::state::{Probe, ProbeState};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeRecord {
    pub target: TargetRecord,
    pub interval_secs: u32,
    pub timeout_ms: u32,
    pub failure_threshold: u32,
    pub recovery_threshold: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degraded_after_ms: Option<u32>,
    pub state: ProbeStateRecord,
}

/// `{"kind":"http","url":…}`, `{"kind":"tcp","host":…,"port":…}` or `{"kind":"dns",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TargetRecord {
    #[serde(rename_all = "camelCase")]
    Http {
        url: String,
        method: HttpMethod,
        /// `[name, value]` pairs, in order.
        headers: Vec<(String, String)>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// Codes as numbers' text (`"204"`) or classes (`"2xx"`).
        expect_status: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keyword: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        keyword_absent: Option<String>,
        follow_redirects: bool,
        verify_tls: bool,
        cert_expiry_days: u32,
        #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
        redact_headers: BTreeSet<String>,
    },
    Tcp {
        host: Host,
        port: u16,
    },
    #[serde(rename_all = "camelCase")]
    Dns {
        host: Host,
        record_type: RecordType,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        expect_values: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolver: Option<SocketAddr>,
    },
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeStateRecord {
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub consecutive_slow: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checked_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_check_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_window: Option<DowntimeRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DowntimeRecord {
    pub id: DowntimeId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub initial_status: CheckStatus,
    pub recovery_status: Option<CheckStatus>,
    pub affected_checks: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl From<&DowntimeWindow> for DowntimeRecord {
    fn from(w: &DowntimeWindow) -> Self {
        Self {
            id: w.id.clone(),
            org_id: w.org_id.clone(),
            monitor_id: w.monitor_id.clone(),
            started_at: w.started_at,
            ended_at: w.ended_at,
            initial_status: w.initial_status,
            recovery_status: w.recovery_status,
            affected_checks: w.affected_checks,
            root_cause: w.root_cause.clone(),
            notes: w.notes.clone(),
        }
    }
}

impl TryFrom<DowntimeRecord> for DowntimeWindow {
    type Error = RecordError;
    fn try_from(r: DowntimeRecord) -> Result<Self, RecordError> {
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            started_at: r.started_at,
            ended_at: r.ended_at,
            initial_status: r.initial_status,
            recovery_status: r.recovery_status,
            affected_checks: r.affected_checks,
            root_cause: r.root_cause,
            notes: r.notes,
        })
    }
}

impl From<&Probe> for ProbeRecord {
    fn from(p: &Probe) -> Self {
        let target = match &p.spec.target {
            ProbeTarget::Http(h) => TargetRecord::Http {
                url: h.url.to_string(),
                method: h.method,
                headers: h.headers.clone(),
                body: h.body.clone(),
                expect_status: h.expect.status.iter().map(ToString::to_string).collect(),
                keyword: h.expect.keyword.clone(),
                keyword_absent: h.expect.keyword_absent.clone(),
                follow_redirects: h.follow_redirects,
                verify_tls: h.verify_tls,
                cert_expiry_days: h.cert_expiry_days,
                redact_headers: h.redact_headers.clone(),
            },
            ProbeTarget::Tcp(t) => TargetRecord::Tcp { host: t.host.clone(), port: t.port },
            ProbeTarget::Dns(d) => TargetRecord::Dns {
                host: d.host.clone(),
                record_type: d.record_type,
                expect_values: d.expect_values.clone(),
                resolver: d.resolver,
            },
        };
        let s = &p.state;
        Self {
            target,
            interval_secs: p.spec.interval_secs,
            timeout_ms: p.spec.timeout_ms,
            failure_threshold: p.spec.failure_threshold,
            recovery_threshold: p.spec.recovery_threshold,
            degraded_after_ms: p.spec.degraded_after_ms,
            state: ProbeStateRecord {
                consecutive_failures: s.consecutive_failures,
                consecutive_successes: s.consecutive_successes,
                consecutive_slow: s.consecutive_slow,
                failing_since: s.failing_since,
                last_checked_at: s.last_checked_at,
                next_check_at: s.next_check_at,
                open_window: s.open_window.as_ref().map(DowntimeRecord::from),
            },
        }
    }
}

fn status_match(s: &str) -> Result<StatusMatch, RecordError> {
    s.parse::<u16>()
        .ok()
        .and_then(StatusMatch::code)
        .or_else(|| StatusMatch::parse_class(s))
        .ok_or_else(|| RecordError::new(format!("bad expected status {s:?}")))
}

impl TryFrom<ProbeRecord> for Probe {
    type Error = RecordError;
    fn try_from(r: ProbeRecord) -> Result<Self, RecordError> {
        let target = match r.target {
            TargetRecord::Http {
                url,
                method,
                headers,
                body,
                expect_status,
                keyword,
                keyword_absent,
                follow_redirects,
                verify_tls,
                cert_expiry_days,
                redact_headers,
            } => ProbeTarget::Http(HttpProbe {
                url: url.parse().map_err(|e| RecordError::new(format!("bad probe url: {e}")))?,
                method,
                headers,
                body,
                expect: HttpExpect {
                    status: expect_status.iter().map(|s| status_match(s)).collect::<Result<_, _>>()?,
                    keyword,
                    keyword_absent,
                },
                follow_redirects,
                verify_tls,
                cert_expiry_days,
                redact_headers,
            }),
            TargetRecord::Tcp { host, port } => ProbeTarget::Tcp(TcpProbe { host, port }),
            TargetRecord::Dns { host, record_type, expect_values, resolver } => {
                ProbeTarget::Dns(DnsProbe { host, record_type, expect_values, resolver })
            }
        };
        let s = r.state;
        Ok(Self {
            spec: ProbeSpec {
                target,
                interval_secs: r.interval_secs,
                timeout_ms: r.timeout_ms,
                failure_threshold: r.failure_threshold,
                recovery_threshold: r.recovery_threshold,
                degraded_after_ms: r.degraded_after_ms,
            },
            state: ProbeState {
                consecutive_failures: s.consecutive_failures,
                consecutive_successes: s.consecutive_successes,
                consecutive_slow: s.consecutive_slow,
                failing_since: s.failing_since,
                last_checked_at: s.last_checked_at,
                next_check_at: s.next_check_at,
                open_window: s.open_window.map(TryInto::try_into).transpose()?,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub id: CheckId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub checked_at: DateTime<Utc>,
    pub status: CheckStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HttpMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_time_ms: Option<f64>,
    pub timings: TimingsRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub location: String,
}

/// Milliseconds per phase; a phase that did not happen is left out.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingsRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
}

impl From<&ProbeCheck> for CheckRecord {
    fn from(c: &ProbeCheck) -> Self {
        let t = &c.timings;
        Self {
            id: c.id.clone(),
            org_id: c.org_id.clone(),
            monitor_id: c.monitor_id.clone(),
            checked_at: c.checked_at,
            status: c.status,
            http_status: c.http_status,
            method: c.method,
            response_time_ms: c.response_time_ms,
            timings: TimingsRecord { dns_ms: t.dns_ms, connect_ms: t.connect_ms, tls_ms: t.tls_ms, ttfb_ms: t.ttfb_ms },
            error: c.error.clone(),
            location: c.location.clone(),
        }
    }
}

impl TryFrom<CheckRecord> for ProbeCheck {
    type Error = RecordError;
    fn try_from(r: CheckRecord) -> Result<Self, RecordError> {
        let t = r.timings;
        Ok(Self {
            id: r.id,
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            checked_at: r.checked_at,
            status: r.status,
            http_status: r.http_status,
            method: r.method,
            response_time_ms: r.response_time_ms,
            timings: PhaseTimings { dns_ms: t.dns_ms, connect_ms: t.connect_ms, tls_ms: t.tls_ms, ttfb_ms: t.ttfb_ms },
            error: r.error,
            location: r.location,
        })
    }
}

/// The most network events a stored session keeps, and the most bytes their documents
/// take together: a session is one DynamoDB item (at most 400 KB), with room to spare.
pub const MAX_STORED_EVENTS: usize = 40;
pub const MAX_STORED_EVENTS_BYTES: usize = 300 * 1024;
/// What the marker event standing for left-out events may take.
const MARKER_BYTES: usize = 3 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DebugSessionRecord {
    pub key: DebugSessionKey,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub trigger: DebugTrigger,
    pub started_at: DateTime<Utc>,
    pub completed_at: DateTime<Utc>,
    pub success: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub user_agent: String,
    /// At most `MAX_STORED_EVENTS` (see `stored_events`).
    pub events: Vec<NetworkEventRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkEventRecord {
    pub kind: EventType,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// `[name, value]` pairs, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_payload: Option<String>,
    pub timestamp: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&NetworkEvent> for NetworkEventRecord {
    fn from(e: &NetworkEvent) -> Self {
        Self {
            kind: e.kind,
            url: e.url.clone(),
            method: e.method.clone(),
            status_code: e.status_code,
            request_headers: e.request_headers.clone(),
            response_headers: e.response_headers.clone(),
            request_payload: e.request_payload.clone(),
            response_payload: e.response_payload.clone(),
            timestamp: e.timestamp,
            duration_ms: e.duration_ms,
            error: e.error.clone(),
        }
    }
}

impl From<NetworkEventRecord> for NetworkEvent {
    fn from(r: NetworkEventRecord) -> Self {
        Self {
            kind: r.kind,
            url: r.url,
            method: r.method,
            status_code: r.status_code,
            request_headers: r.request_headers,
            response_headers: r.response_headers,
            request_payload: r.request_payload,
            response_payload: r.response_payload,
            timestamp: r.timestamp,
            duration_ms: r.duration_ms,
            error: r.error,
        }
    }
}

/// The events a session keeps: all of them when they fit `MAX_STORED_EVENTS` and
/// `MAX_STORED_EVENTS_BYTES`; otherwise its first and last ones (a failure is usually at
/// the end), taken in turn while they fit, with one ERROR event in between saying how
/// many were left out.
fn stored_events(events: &[NetworkEvent]) -> Vec<NetworkEventRecord> {
    let records: Vec<NetworkEventRecord> = events.iter().map(NetworkEventRecord::from).collect();
    let sizes: Vec<usize> =
        records.iter().map(|r| serde_json::to_string(r).map_or(usize::MAX / 2, |s| s.len() + 1)).collect();
    if records.len() <= MAX_STORED_EVENTS && sizes.iter().sum::<usize>() <= MAX_STORED_EVENTS_BYTES {
        return records;
    }
    let n = records.len();
    let (mut head, mut tail, mut bytes) = (0, 0, MARKER_BYTES);
    while head + tail < n && head + tail + 1 < MAX_STORED_EVENTS {
        let front = head <= tail;
        let i = if front { head } else { n - 1 - tail };
        if bytes + sizes[i] > MAX_STORED_EVENTS_BYTES {
            break;
        }
        bytes += sizes[i];
        if front {
            head += 1;
        } else {
            tail += 1;
        }
    }
    let left_out = &records[head];
    let mut url = left_out.url.clone();
    if url.len() > MARKER_BYTES / 2 {
        let mut end = MARKER_BYTES / 2;
        while !url.is_char_boundary(end) {
            end -= 1;
        }
        url.truncate(end);
    }
    let marker = NetworkEventRecord {
        kind: EventType::Error,
        url,
        method: None,
        status_code: None,
        request_headers: Vec::new(),
        response_headers: Vec::new(),
        request_payload: None,
        response_payload: None,
        timestamp: left_out.timestamp,
        duration_ms: None,
        error: Some(format!(
            "{} events left out: a stored session keeps at most {MAX_STORED_EVENTS} events and {} KB",
            n - head - tail,
            MAX_STORED_EVENTS_BYTES / 1024
        )),
    };
    let mut kept: Vec<NetworkEventRecord> = records[..head].to_vec();
    kept.push(marker);
    kept.extend_from_slice(&records[n - tail..]);
    kept
}

impl From<&DebugSession> for DebugSessionRecord {
    fn from(s: &DebugSession) -> Self {
        Self {
            key: s.key.clone(),
            org_id: s.org_id.clone(),
            monitor_id: s.monitor_id.clone(),
            trigger: s.trigger,
            started_at: s.started_at,
            completed_at: s.completed_at,
            success: s.success,
            error_message: s.error_message.clone(),
            user_agent: s.user_agent.clone(),
            events: stored_events(&s.events),
        }
    }
}

impl TryFrom<DebugSessionRecord> for DebugSession {
    type Error = RecordError;
    fn try_from(r: DebugSessionRecord) -> Result<Self, RecordError> {
        Ok(Self {
            key: r.key,
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            trigger: r.trigger,
            started_at: r.started_at,
            completed_at: r.completed_at,
            success: r.success,
            error_message: r.error_message,
            user_agent: r.user_agent,
            events: r.events.into_iter().map(NetworkEvent::from).collect(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupRecord {
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    /// `2026-01-02` (UTC).
    pub day: NaiveDate,
    pub checks: u64,
    pub failed_checks: u64,
    pub downtime_seconds: u64,
    /// Latency bucket (see `LatencyHistogram`) to the number of checks in it; JSON keys
    /// are the bucket numbers as text.
    #[serde(default)]
    pub latency: BTreeMap<u16, u64>,
}

impl From<&DailyRollup> for RollupRecord {
    fn from(r: &DailyRollup) -> Self {
        Self {
            org_id: r.org_id.clone(),
            monitor_id: r.monitor_id.clone(),
            day: r.day,
            checks: r.checks,
            failed_checks: r.failed_checks,
            downtime_seconds: r.downtime_seconds,
            latency: r.latency.buckets.clone(),
        }
    }
}

impl TryFrom<RollupRecord> for DailyRollup {
    type Error = RecordError;
    fn try_from(r: RollupRecord) -> Result<Self, RecordError> {
        if let Some(b) = r.latency.keys().find(|b| **b > crate::domain::probe::rollup::MAX_BUCKET) {
            return Err(RecordError::new(format!("latency bucket {b} out of range")));
        }
        Ok(Self {
            org_id: r.org_id,
            monitor_id: r.monitor_id,
            day: r.day,
            checks: r.checks,
            failed_checks: r.failed_checks,
            downtime_seconds: r.downtime_seconds,
            latency: LatencyHistogram { buckets: r.latency },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize, payload: usize) -> NetworkEvent {
        let at: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut e =
            NetworkEvent::new(EventType::Redirect, format!("https://x/{i}"), at + chrono::Duration::seconds(i as i64));
        e.response_payload = Some("p".repeat(payload));
        e
    }

    #[test]
    fn sessions_that_fit_keep_every_event() {
        let events: Vec<_> = (0..MAX_STORED_EVENTS).map(|i| event(i, 10)).collect();
        let kept = stored_events(&events);
        assert_eq!(kept.into_iter().map(NetworkEvent::from).collect::<Vec<_>>(), events);
    }

    #[test]
    fn long_sessions_keep_their_start_and_end_with_a_marker() {
        let events: Vec<_> = (0..100).map(|i| event(i, 10)).collect();
        let kept = stored_events(&events);
        assert_eq!(kept.len(), MAX_STORED_EVENTS);
        let urls: Vec<&str> = kept.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls[..3], ["https://x/0", "https://x/1", "https://x/2"]);
        assert_eq!(urls[MAX_STORED_EVENTS - 1], "https://x/99", "the last event is kept");
        let marker = kept.iter().find(|e| e.kind == EventType::Error).unwrap();
        assert!(marker.error.as_deref().unwrap().starts_with("61 events left out"), "{marker:?}");
    }

    #[test]
    fn large_sessions_stay_within_the_byte_budget() {
        let events: Vec<_> = (0..39).map(|i| event(i, 20 * 1024)).collect();
        let kept = stored_events(&events);
        let bytes: usize = kept.iter().map(|e| serde_json::to_string(e).unwrap().len()).sum();
        assert!(bytes <= MAX_STORED_EVENTS_BYTES, "{bytes}");
        assert!(kept.len() < events.len() && kept.len() > 10, "{}", kept.len());
        assert_eq!(kept.last().unwrap().url, "https://x/38");
        // One event larger than the whole budget: only the marker is left.
        let kept = stored_events(&[event(0, MAX_STORED_EVENTS_BYTES)]);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].kind, EventType::Error);
    }
}
