//! A probe monitor's settings and state inside its monitor record, and its downtime
//! windows.
use super::RecordError;
use crate::domain::ids::{DowntimeId, MonitorId, OrgId};
use crate::domain::probe::check::CheckStatus;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::spec::{
    DnsProbe, Host, HttpExpect, HttpMethod, HttpProbe, ProbeSpec, ProbeTarget, RecordType, StatusMatch, TcpProbe,
};
use crate::domain::probe::state::{Probe, ProbeState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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

impl From<DowntimeRecord> for DowntimeWindow {
    fn from(r: DowntimeRecord) -> Self {
        Self {
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
        }
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
                open_window: s.open_window.map(DowntimeWindow::from),
            },
        })
    }
}
