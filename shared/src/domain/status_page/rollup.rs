//! The roll-up: from monitor incidents, status incidents and maintenance to each
//! component's status, and from components to the page's indicator.
use super::ComponentStatus;
use super::incident::Impact;
use crate::domain::incident::Severity;
use serde::{Deserialize, Serialize};

/// How an open monitor incident of this severity shows on its component. A LOW incident
/// is for the team, not for customers, so the component stays operational.
pub fn status_for_severity(severity: Severity) -> ComponentStatus {
    match severity {
        Severity::Critical => ComponentStatus::MajorOutage,
        Severity::High => ComponentStatus::PartialOutage,
        Severity::Medium => ComponentStatus::DegradedPerformance,
        Severity::Low => ComponentStatus::Operational,
    }
}

/// One thing that currently bears on a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// An open incident of a linked monitor.
    MonitorIncident(Severity),
    /// An unresolved status incident that names the component with this status.
    StatusIncident(ComponentStatus),
    /// A maintenance occurrence covering the component is in progress.
    Maintenance,
}

/// The worst of what bears on a component; operational when nothing does. Maintenance
/// ranks below any degradation, so an outage during maintenance still shows.
pub fn component_status(signals: impl IntoIterator<Item = Signal>) -> ComponentStatus {
    signals
        .into_iter()
        .map(|s| match s {
            Signal::MonitorIncident(sev) => status_for_severity(sev),
            Signal::StatusIncident(status) => status,
            Signal::Maintenance => ComponentStatus::UnderMaintenance,
        })
        .max()
        .unwrap_or(ComponentStatus::Operational)
}

/// The page's headline, as Statuspage's `status.indicator` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    None,
    Maintenance,
    Minor,
    Major,
    Critical,
}

impl Indicator {
    /// From the worst component, raised by the impact of any unresolved incident (an
    /// incident can be declared before any component is marked).
    pub fn of(overall: ComponentStatus, unresolved: impl IntoIterator<Item = Impact>) -> Self {
        let from_components = match overall {
            ComponentStatus::Operational => Self::None,
            ComponentStatus::UnderMaintenance => Self::Maintenance,
            ComponentStatus::DegradedPerformance => Self::Minor,
            ComponentStatus::PartialOutage => Self::Major,
            ComponentStatus::MajorOutage => Self::Critical,
        };
        let from_incidents = unresolved.into_iter().map(|i| match i {
            Impact::Minor => Self::Minor,
            Impact::Major => Self::Major,
            Impact::Critical => Self::Critical,
        });
        from_incidents.fold(from_components, Ord::max)
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Maintenance => "maintenance",
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Critical => "critical",
        }
    }

    /// Statuspage's `status.description` for each indicator.
    pub fn description(self) -> &'static str {
        match self {
            Self::None => "All Systems Operational",
            Self::Maintenance => "Service Under Maintenance",
            Self::Minor => "Partially Degraded Service",
            Self::Major => "Partial System Outage",
            Self::Critical => "Major System Outage",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus::*;

    #[test]
    fn severity_maps_to_component_status() {
        assert_eq!(status_for_severity(Severity::Critical), MajorOutage);
        assert_eq!(status_for_severity(Severity::High), PartialOutage);
        assert_eq!(status_for_severity(Severity::Medium), DegradedPerformance);
        assert_eq!(status_for_severity(Severity::Low), Operational);
    }

    #[test]
    fn component_takes_the_worst_signal() {
        assert_eq!(component_status([]), Operational);
        assert_eq!(component_status([Signal::MonitorIncident(Severity::Low)]), Operational);
        assert_eq!(component_status([Signal::Maintenance]), UnderMaintenance);
        assert_eq!(
            component_status([Signal::Maintenance, Signal::MonitorIncident(Severity::Medium)]),
            DegradedPerformance,
            "degradation during maintenance still shows"
        );
        assert_eq!(
            component_status([
                Signal::StatusIncident(PartialOutage),
                Signal::MonitorIncident(Severity::Critical),
                Signal::Maintenance
            ]),
            MajorOutage
        );
    }

    #[test]
    fn indicator_from_components_and_incident_impact() {
        assert_eq!(Indicator::of(Operational, []), Indicator::None);
        assert_eq!(Indicator::of(UnderMaintenance, []), Indicator::Maintenance);
        assert_eq!(Indicator::of(DegradedPerformance, []), Indicator::Minor);
        assert_eq!(Indicator::of(PartialOutage, []), Indicator::Major);
        assert_eq!(Indicator::of(MajorOutage, [Impact::Minor]), Indicator::Critical);
        assert_eq!(
            Indicator::of(Operational, [Impact::Minor, Impact::Major]),
            Indicator::Major,
            "an incident alone raises it"
        );
        assert_eq!(Indicator::of(UnderMaintenance, [Impact::Minor]), Indicator::Minor);
        assert_eq!(Indicator::Major.description(), "Partial System Outage");
    }
}
