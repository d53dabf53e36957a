//! Incident events: each change in an incident's life, recorded with the change itself,
//! and what the notifier consumes (DynamoDB Streams in AWS, the outbox locally).
use super::ids::IncidentId;
use super::incident::{Incident, IncidentStatus, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncidentChange {
    Opened,
    /// Still open, now more severe.
    Escalated,
    Acknowledged,
    Resolved,
}

impl IncidentChange {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "OPENED",
            Self::Escalated => "ESCALATED",
            Self::Acknowledged => "ACKNOWLEDGED",
            Self::Resolved => "RESOLVED",
        }
    }
}

/// One change of one incident, with the incident as it stands after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncidentEvent {
    pub change: IncidentChange,
    pub at: DateTime<Utc>,
    pub incident: Incident,
}

impl IncidentEvent {
    /// The event that turned `before` (absent for a new incident) into `after`, if any:
    /// an unchanged or merely re-written incident is no event.
    pub fn between(before: Option<&Incident>, after: &Incident, now: DateTime<Utc>) -> Option<Self> {
        let change = match (before.map(|b| (b.status, b.severity)), after.status) {
            (None, IncidentStatus::Resolved) => return None,
            (None, _) => IncidentChange::Opened,
            (Some((IncidentStatus::Resolved, _)), _) => return None,
            (Some(_), IncidentStatus::Resolved) => IncidentChange::Resolved,
            (Some((IncidentStatus::Open, _)), IncidentStatus::Acknowledged) => IncidentChange::Acknowledged,
            (Some((_, severity)), _) if after.severity > severity => IncidentChange::Escalated,
            _ => return None,
        };
        let at = match change {
            IncidentChange::Opened => after.opened_at,
            IncidentChange::Acknowledged => after.acknowledged_at.unwrap_or(now),
            IncidentChange::Resolved => after.resolved_at.unwrap_or(now),
            IncidentChange::Escalated => now,
        };
        Some(Self { change, at, incident: after.clone() })
    }

    /// The event of a status change made by a person (acknowledge, resolve): `incident`
    /// as written, coming from status `from`.
    pub fn of_status_change(incident: &Incident, from: IncidentStatus, now: DateTime<Utc>) -> Option<Self> {
        let before = Incident { status: from, ..incident.clone() };
        Self::between(Some(&before), incident, now)
    }

    pub fn opened(incident: &Incident) -> Self {
        Self { change: IncidentChange::Opened, at: incident.opened_at, incident: incident.clone() }
    }

    pub fn resolved(incident: &Incident, now: DateTime<Utc>) -> Self {
        Self { change: IncidentChange::Resolved, at: incident.resolved_at.unwrap_or(now), incident: incident.clone() }
    }

    pub fn incident_id(&self) -> &IncidentId {
        &self.incident.id
    }

    /// The same for every delivery of this event (a re-delivered stream record, a retried
    /// outbox entry), so whoever acts on it can do so once: the incident, the change, and
    /// for an escalation the severity reached (an incident reaches a severity once).
    pub fn key(&self) -> String {
        event_key(&self.incident.id, self.change, self.incident.severity)
    }

    /// Every key an event of `incident` can have: its events can be looked up by key alone.
    pub fn possible_keys(incident: &IncidentId) -> Vec<String> {
        let once = [IncidentChange::Opened, IncidentChange::Acknowledged, IncidentChange::Resolved];
        let escalations = [Severity::Medium, Severity::High, Severity::Critical];
        once.into_iter()
            .map(|c| event_key(incident, c, Severity::Low))
            .chain(escalations.into_iter().map(|s| event_key(incident, IncidentChange::Escalated, s)))
            .collect()
    }

    /// Oldest first; changes at the same instant in lifecycle order.
    pub fn chronological(events: &mut [IncidentEvent]) {
        events.sort_by(|a, b| a.at.cmp(&b.at).then(a.change.cmp(&b.change)));
    }
}

fn event_key(incident: &IncidentId, change: IncidentChange, severity: Severity) -> String {
    match change {
        IncidentChange::Escalated => format!("{incident}#{}#{}", change.as_str(), severity.as_str()),
        change => format!("{incident}#{}", change.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{MonitorId, OrgId};
    use crate::domain::incident::IncidentKind;

    fn open() -> Incident {
        Incident::open(
            OrgId::generate(),
            MonitorId::generate(),
            IncidentKind::Missed,
            Severity::Medium,
            DateTime::UNIX_EPOCH,
        )
    }

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + chrono::Duration::seconds(s)
    }

    #[test]
    fn each_transition_is_one_event() {
        let new = open();
        let opened = IncidentEvent::between(None, &new, at(1)).unwrap();
        assert_eq!((opened.change, opened.at), (IncidentChange::Opened, at(0)));

        let mut worse = new.clone();
        worse.severity = Severity::Critical;
        let e = IncidentEvent::between(Some(&new), &worse, at(2)).unwrap();
        assert_eq!((e.change, e.at), (IncidentChange::Escalated, at(2)));

        let mut acked = worse.clone();
        acked.acknowledge(at(3)).unwrap();
        assert_eq!(IncidentEvent::between(Some(&worse), &acked, at(9)).unwrap().at, at(3));

        let mut resolved = acked.clone();
        resolved.resolve(at(4)).unwrap();
        let e = IncidentEvent::between(Some(&acked), &resolved, at(9)).unwrap();
        assert_eq!((e.change, e.at), (IncidentChange::Resolved, at(4)));
    }

    #[test]
    fn rewrites_and_lowering_are_no_event() {
        let new = open();
        assert_eq!(IncidentEvent::between(Some(&new), &new, at(1)), None);
        let mut milder = new.clone();
        milder.severity = Severity::Low;
        assert_eq!(IncidentEvent::between(Some(&new), &milder, at(1)), None);
        let mut resolved = new.clone();
        resolved.resolve(at(2)).unwrap();
        assert_eq!(IncidentEvent::between(Some(&resolved), &resolved, at(3)), None);
        assert_eq!(IncidentEvent::between(None, &resolved, at(3)), None, "a backfilled resolved incident");
    }

    #[test]
    fn keys_are_stable_per_change() {
        let new = open();
        let a = IncidentEvent::between(None, &new, at(1)).unwrap();
        let b = IncidentEvent::between(None, &new, at(7)).unwrap();
        assert_eq!(a.key(), b.key(), "a re-delivery has the same key");
        let mut resolved = new.clone();
        resolved.resolve(at(2)).unwrap();
        assert_ne!(IncidentEvent::resolved(&resolved, at(2)).key(), a.key());
        assert!(a.key().ends_with("#OPENED"));
        let mut worse = new.clone();
        worse.severity = Severity::High;
        let escalated = IncidentEvent::between(Some(&new), &worse, at(3)).unwrap();
        let possible = IncidentEvent::possible_keys(&new.id);
        for e in [&a, &escalated, &IncidentEvent::resolved(&resolved, at(2))] {
            assert!(possible.contains(&e.key()), "{} is findable", e.key());
        }
    }
}
