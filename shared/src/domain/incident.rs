//! Incidents: what went wrong with a monitor, how bad it is, and where it stands.
use super::ids::{IncidentId, MonitorId, OrgId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentKind {
    /// No ping arrived by the deadline.
    Missed,
    /// A run started and did not finish within the monitor's max runtime.
    Late,
    /// The job reported failure.
    Fail,
    /// The job succeeded, but its duration was anomalous; or a probe answered, slower
    /// than the monitor's `degradedAfterMs`.
    Degraded,
    /// A probe failed its checks `failureThreshold` times in a row.
    Down,
    /// A probed site's TLS certificate expires within the monitor's `certExpiryDays`.
    CertExpiry,
}

/// Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}: expected low, medium, high or critical")]
pub struct BadSeverity(pub String);

impl FromStr for Severity {
    type Err = BadSeverity;
    fn from_str(s: &str) -> Result<Self, BadSeverity> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            _ => Err(BadSeverity(s.chars().take(32).collect())),
        }
    }
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }

    /// One step less severe: how an incident downstream of a known failure is lowered.
    pub fn lowered(self) -> Self {
        match self {
            Self::Critical => Self::High,
            Self::High => Self::Medium,
            Self::Medium | Self::Low => Self::Low,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentStatus {
    Open,
    Acknowledged,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: IncidentId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub kind: IncidentKind,
    pub severity: Severity,
    pub status: IncidentStatus,
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// For DEGRADED incidents: how many standard deviations the run was off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_score: Option<f64>,
    /// Set when the incident was lowered because an upstream monitor is already failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cascade_reason: Option<String>,
    /// A short human summary, e.g. the first line of the failing output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("incident is already resolved")]
    AlreadyResolved,
    #[error("incident is already acknowledged")]
    AlreadyAcknowledged,
}

impl Incident {
    pub fn open(
        org_id: OrgId,
        monitor_id: MonitorId,
        kind: IncidentKind,
        severity: Severity,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: IncidentId::generate(),
            org_id,
            monitor_id,
            kind,
            severity,
            status: IncidentStatus::Open,
            opened_at: now,
            acknowledged_at: None,
            resolved_at: None,
            z_score: None,
            cascade_reason: None,
            summary: None,
        }
    }

    pub fn is_resolved(&self) -> bool {
        self.status == IncidentStatus::Resolved
    }

    pub fn acknowledge(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        match self.status {
            IncidentStatus::Resolved => Err(TransitionError::AlreadyResolved),
            IncidentStatus::Acknowledged => Err(TransitionError::AlreadyAcknowledged),
            IncidentStatus::Open => {
                self.status = IncidentStatus::Acknowledged;
                self.acknowledged_at = Some(now);
                Ok(())
            }
        }
    }

    pub fn resolve(&mut self, now: DateTime<Utc>) -> Result<(), TransitionError> {
        if self.is_resolved() {
            return Err(TransitionError::AlreadyResolved);
        }
        self.status = IncidentStatus::Resolved;
        self.resolved_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident() -> Incident {
        Incident::open(
            OrgId::generate(),
            MonitorId::generate(),
            IncidentKind::Fail,
            Severity::High,
            DateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn lifecycle_open_ack_resolve() {
        let mut i = incident();
        let t = DateTime::UNIX_EPOCH + chrono::Duration::seconds(5);
        i.acknowledge(t).unwrap();
        assert_eq!(i.acknowledge(t), Err(TransitionError::AlreadyAcknowledged));
        i.resolve(t).unwrap();
        assert_eq!(i.resolved_at, Some(t));
        assert_eq!(i.resolve(t), Err(TransitionError::AlreadyResolved));
        assert_eq!(i.acknowledge(t), Err(TransitionError::AlreadyResolved));
    }

    #[test]
    fn severity_parses_case_insensitively_and_orders() {
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::Low);
        assert_eq!(Severity::Critical.lowered(), Severity::High);
        assert_eq!(Severity::Low.lowered(), Severity::Low);
    }

    #[test]
    fn wire_form_is_screaming_case() {
        let json = serde_json::to_value(incident()).unwrap();
        assert_eq!(json["kind"], "FAIL");
        assert_eq!(json["status"], "OPEN");
        assert_eq!(json["severity"], "HIGH");
        assert!(json.get("cascadeReason").is_none());
    }
}
