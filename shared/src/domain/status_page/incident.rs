//! Status incidents: what customers are told about an outage, as a timeline of updates
//! (investigating → identified → monitoring → resolved), apart from the monitor
//! incidents the team works on.
use super::ComponentStatus;
use crate::domain::ids::{ComponentId, IncidentUpdateId, StatusIncidentId, StatusPageId};
use crate::domain::text::{Name, validated_string};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Statuspage's own limit on updates per incident.
pub const MAX_UPDATES: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusIncidentError {
    #[error("an update must say something, in at most {} characters", UpdateBody::MAX)]
    BadBody,
    #[error("the incident is resolved; open a new one")]
    AlreadyResolved,
    #[error("at most {MAX_UPDATES} updates per incident")]
    TooManyUpdates,
    #[error("an update cannot be dated before the previous one")]
    OutOfOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentState {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl IncidentState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }
}

/// How bad it is for customers; ordered from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Impact {
    Minor,
    Major,
    Critical,
}

impl Impact {
    pub fn code(self) -> &'static str {
        match self {
            Self::Minor => "minor",
            Self::Major => "major",
            Self::Critical => "critical",
        }
    }
}

/// The text of one update: trimmed, 1..=4096 characters (Statuspage's bound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UpdateBody(String);

impl UpdateBody {
    pub const MAX: usize = 4096;

    pub fn new(s: &str) -> Result<Self, StatusIncidentError> {
        let s = s.trim();
        let n = s.chars().count();
        (n > 0 && n <= Self::MAX).then(|| Self(s.to_owned())).ok_or(StatusIncidentError::BadBody)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(UpdateBody, StatusIncidentError, new);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentUpdate {
    pub id: IncidentUpdateId,
    pub state: IncidentState,
    pub body: UpdateBody,
    pub at: DateTime<Utc>,
    /// The components this update set, with their status before and after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ComponentChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentChange {
    pub component_id: ComponentId,
    pub old_status: ComponentStatus,
    pub new_status: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusIncident {
    pub id: StatusIncidentId,
    pub page_id: StatusPageId,
    pub name: Name,
    pub impact: Impact,
    pub state: IncidentState,
    pub created_at: DateTime<Utc>,
    /// The status each affected component has while the incident is unresolved.
    pub affected: BTreeMap<ComponentId, ComponentStatus>,
    /// Oldest first; never empty.
    pub updates: Vec<IncidentUpdate>,
}

impl StatusIncident {
    pub fn open(
        page_id: StatusPageId,
        name: Name,
        impact: Impact,
        body: UpdateBody,
        affected: BTreeMap<ComponentId, ComponentStatus>,
        now: DateTime<Utc>,
    ) -> Self {
        let changes = changes(&BTreeMap::new(), &affected);
        Self {
            id: StatusIncidentId::generate(),
            page_id,
            name,
            impact,
            state: IncidentState::Investigating,
            created_at: now,
            affected,
            updates: vec![IncidentUpdate {
                id: IncidentUpdateId::generate(),
                state: IncidentState::Investigating,
                body,
                at: now,
                changes,
            }],
        }
    }

    /// Adds an update; `affected`, when given, replaces the affected components. Resolving
    /// returns every component to operational.
    pub fn post(
        &mut self,
        state: IncidentState,
        body: UpdateBody,
        affected: Option<BTreeMap<ComponentId, ComponentStatus>>,
        now: DateTime<Utc>,
    ) -> Result<(), StatusIncidentError> {
        if self.is_resolved() {
            return Err(StatusIncidentError::AlreadyResolved);
        }
        if self.updates.len() >= MAX_UPDATES {
            return Err(StatusIncidentError::TooManyUpdates);
        }
        if now < self.updated_at() {
            return Err(StatusIncidentError::OutOfOrder);
        }
        let next = match state {
            IncidentState::Resolved => {
                self.affected.keys().map(|c| (c.clone(), ComponentStatus::Operational)).collect()
            }
            _ => affected.unwrap_or_else(|| self.affected.clone()),
        };
        let changes = changes(&self.affected, &next);
        self.affected = if state == IncidentState::Resolved { BTreeMap::new() } else { next };
        self.state = state;
        self.updates.push(IncidentUpdate { id: IncidentUpdateId::generate(), state, body, at: now, changes });
        Ok(())
    }

    pub fn is_resolved(&self) -> bool {
        self.state == IncidentState::Resolved
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updates.last().map_or(self.created_at, |u| u.at)
    }

    /// When it first entered `state`, if it did.
    pub fn first_at(&self, state: IncidentState) -> Option<DateTime<Utc>> {
        self.updates.iter().find(|u| u.state == state).map(|u| u.at)
    }

    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.is_resolved().then(|| self.updated_at())
    }

    /// The status this incident imposes on `component` now (none once resolved).
    pub fn status_of(&self, component: &ComponentId) -> Option<ComponentStatus> {
        self.affected.get(component).copied()
    }

    /// The spans during which the incident held `component` at some status: from each
    /// update that set it to the next one that changed it (or `None`, still open).
    pub fn spans_for(&self, component: &ComponentId) -> Vec<(DateTime<Utc>, Option<DateTime<Utc>>, ComponentStatus)> {
        let mut spans: Vec<(DateTime<Utc>, Option<DateTime<Utc>>, ComponentStatus)> = Vec::new();
        for u in &self.updates {
            let Some(change) = u.changes.iter().find(|c| &c.component_id == component) else {
                continue;
            };
            if let Some(open) = spans.last_mut().filter(|s| s.1.is_none()) {
                open.1 = Some(u.at);
            }
            if change.new_status != ComponentStatus::Operational {
                spans.push((u.at, None, change.new_status));
            }
        }
        spans
    }
}

/// The components whose status differs between two maps (a component that leaves
/// the map goes back to operational).
fn changes(
    old: &BTreeMap<ComponentId, ComponentStatus>,
    new: &BTreeMap<ComponentId, ComponentStatus>,
) -> Vec<ComponentChange> {
    let status =
        |m: &BTreeMap<ComponentId, ComponentStatus>, id| m.get(id).copied().unwrap_or(ComponentStatus::Operational);
    let ids: std::collections::BTreeSet<&ComponentId> = old.keys().chain(new.keys()).collect();
    ids.into_iter()
        .filter(|id| status(old, id) != status(new, id))
        .map(|id| ComponentChange {
            component_id: id.clone(),
            old_status: status(old, id),
            new_status: status(new, id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t0() -> DateTime<Utc> {
        "2026-03-01T10:00:00Z".parse().unwrap()
    }

    fn body(s: &str) -> UpdateBody {
        UpdateBody::new(s).unwrap()
    }

    fn opened(api: &ComponentId) -> StatusIncident {
        StatusIncident::open(
            StatusPageId::generate(),
            Name::new("Elevated API errors").unwrap(),
            Impact::Major,
            body("We are looking into it."),
            BTreeMap::from([(api.clone(), ComponentStatus::PartialOutage)]),
            t0(),
        )
    }

    #[test]
    fn timeline_from_investigating_to_resolved() {
        let api = ComponentId::generate();
        let mut i = opened(&api);
        assert_eq!(i.status_of(&api), Some(ComponentStatus::PartialOutage));
        assert_eq!(i.updates[0].changes[0].new_status, ComponentStatus::PartialOutage);
        i.post(IncidentState::Identified, body("A bad deploy."), None, t0() + Duration::minutes(5)).unwrap();
        let degraded = BTreeMap::from([(api.clone(), ComponentStatus::DegradedPerformance)]);
        i.post(IncidentState::Monitoring, body("Rolled back."), Some(degraded), t0() + Duration::minutes(20)).unwrap();
        assert_eq!(i.status_of(&api), Some(ComponentStatus::DegradedPerformance));
        i.post(IncidentState::Resolved, body("All good."), None, t0() + Duration::minutes(50)).unwrap();
        assert!(i.is_resolved());
        assert_eq!(i.status_of(&api), None, "a resolved incident imposes nothing");
        assert_eq!(i.resolved_at(), Some(t0() + Duration::minutes(50)));
        assert_eq!(i.first_at(IncidentState::Monitoring), Some(t0() + Duration::minutes(20)));
        let last = i.updates.last().unwrap();
        assert_eq!(last.changes[0].old_status, ComponentStatus::DegradedPerformance);
        assert_eq!(last.changes[0].new_status, ComponentStatus::Operational);
        assert_eq!(
            i.spans_for(&api),
            vec![
                (t0(), Some(t0() + Duration::minutes(20)), ComponentStatus::PartialOutage),
                (
                    t0() + Duration::minutes(20),
                    Some(t0() + Duration::minutes(50)),
                    ComponentStatus::DegradedPerformance
                ),
            ]
        );
        let err = i.post(IncidentState::Monitoring, body("again"), None, t0() + Duration::hours(1));
        assert_eq!(err, Err(StatusIncidentError::AlreadyResolved));
    }

    #[test]
    fn updates_are_bounded_and_ordered() {
        let api = ComponentId::generate();
        let mut i = opened(&api);
        assert_eq!(UpdateBody::new("   "), Err(StatusIncidentError::BadBody));
        assert!(UpdateBody::new(&"x".repeat(UpdateBody::MAX + 1)).is_err());
        let early = i.post(IncidentState::Identified, body("x"), None, t0() - Duration::seconds(1));
        assert_eq!(early, Err(StatusIncidentError::OutOfOrder));
        for n in 1..MAX_UPDATES {
            i.post(IncidentState::Identified, body("x"), None, t0() + Duration::seconds(n as i64)).unwrap();
        }
        let full = i.post(IncidentState::Identified, body("x"), None, t0() + Duration::hours(1));
        assert_eq!(full, Err(StatusIncidentError::TooManyUpdates));
    }

    #[test]
    fn wire_form() {
        let i = opened(&ComponentId::generate());
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["state"], "INVESTIGATING");
        assert_eq!(v["impact"], "MAJOR");
        let back: StatusIncident = serde_json::from_value(v).unwrap();
        assert_eq!(back, i);
    }
}
