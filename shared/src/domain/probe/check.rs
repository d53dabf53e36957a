//! One probe check as kept: judged from an observation against the monitor's spec.
use super::observation::{Observation, PhaseTimings};
use super::spec::{HttpMethod, ProbeSpec, ProbeTarget};
use crate::domain::ids::{CheckId, MonitorId, OrgId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckStatus {
    Up,
    Down,
    /// Answered correctly, but slower than `degradedAfterMs`.
    Degraded,
    /// The check could not be judged (the prober itself failed).
    Unknown,
}

impl CheckStatus {
    pub fn is_failure(self) -> bool {
        self == Self::Down
    }
}

/// Where checks run: `local` for the local server, the AWS region in the cloud.
pub type Location = String;

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeCheck {
    pub id: CheckId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub checked_at: DateTime<Utc>,
    pub status: CheckStatus,
    pub http_status: Option<u16>,
    pub method: Option<HttpMethod>,
    pub response_time_ms: Option<f64>,
    pub timings: PhaseTimings,
    pub error: Option<String>,
    pub location: Location,
}

/// The status of an observation, and why it is not UP.
pub fn judge(spec: &ProbeSpec, obs: &Observation) -> (CheckStatus, Option<String>) {
    if let Some(failure) = &obs.failure {
        return (CheckStatus::Down, Some(failure.to_string()));
    }
    let verdict = match &spec.target {
        ProbeTarget::Http(http) => {
            let status = obs.http_status.unwrap_or_default();
            let body = obs.body.as_deref().unwrap_or_default();
            if !http.expect.status_ok(status) {
                let wanted: Vec<String> = http.expect.status.iter().map(ToString::to_string).collect();
                let wanted = if wanted.is_empty() { "2xx".to_string() } else { wanted.join(", ") };
                Err(format!("status {status}, expected {wanted}"))
            } else if let Some(k) = http.expect.keyword.as_ref().filter(|k| !body.contains(k.as_str())) {
                Err(format!("keyword {k:?} not found"))
            } else if let Some(k) = http.expect.keyword_absent.as_ref().filter(|k| body.contains(k.as_str())) {
                Err(format!("keyword {k:?} found, expected absent"))
            } else {
                Ok(())
            }
        }
        ProbeTarget::Tcp(_) => Ok(()),
        ProbeTarget::Dns(dns) => {
            let norm = |v: &str| v.trim_end_matches('.').to_ascii_lowercase();
            let got: Vec<String> = obs.dns_values.iter().map(|v| norm(v)).collect();
            if got.is_empty() {
                Err("no records in the answer".to_string())
            } else if let Some(missing) = dns.expect_values.iter().find(|v| !got.contains(&norm(v))) {
                Err(format!("{missing:?} not in the answer ({})", got.join(", ")))
            } else {
                Ok(())
            }
        }
    };
    match verdict {
        Err(why) => (CheckStatus::Down, Some(why)),
        Ok(()) => match spec.degraded_after_ms {
            Some(limit) if obs.total_ms > f64::from(limit) => {
                (CheckStatus::Degraded, Some(format!("took {:.0} ms, above {limit} ms", obs.total_ms)))
            }
            _ => (CheckStatus::Up, None),
        },
    }
}

impl ProbeCheck {
    /// The check of `obs`, judged against `spec`.
    pub fn judged(
        spec: &ProbeSpec,
        obs: &Observation,
        org_id: OrgId,
        monitor_id: MonitorId,
        checked_at: DateTime<Utc>,
        location: Location,
    ) -> Self {
        let (status, error) = judge(spec, obs);
        let method = spec.target.as_http().map(|h| h.method);
        Self {
            id: CheckId::generate_at(checked_at),
            org_id,
            monitor_id,
            checked_at,
            status,
            http_status: obs.http_status,
            method,
            response_time_ms: Some(obs.total_ms),
            timings: obs.timings,
            error,
            location,
        }
    }
}
