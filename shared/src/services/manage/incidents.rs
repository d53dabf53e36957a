//! Incidents: the org's, filtered; acknowledging and resolving them. Every status change
//! goes through `IncidentStore::update_incident`, conditional on the status read.
use super::{ManageError, ManageService};
use crate::domain::ids::IncidentId;
use crate::domain::incident::{Incident, IncidentKind, IncidentStatus, Severity, TransitionError};
use crate::domain::org::Org;
use crate::services::retry::retry_on_conflict;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    pub kind: Option<IncidentKind>,
    pub severity: Option<Severity>,
    /// Unknown or foreign monitor ids simply match nothing.
    pub monitor: Option<String>,
}

impl IncidentFilter {
    fn matches(&self, i: &Incident) -> bool {
        self.status.is_none_or(|s| s == i.status)
            && self.kind.is_none_or(|k| k == i.kind)
            && self.severity.is_none_or(|s| s == i.severity)
    }
}

/// Newest first: the key the incident listing is sorted and paged by.
pub fn incident_sort_key(i: &Incident) -> String {
    format!("{:013}.{}", i.opened_at.timestamp_millis().max(0), i.id)
}

impl ManageService {
    /// The org's incidents matching `filter`, newest first. Read monitor by monitor (the
    /// DynamoDB design has a per-monitor index); fine for the hundreds of monitors an org
    /// has — an org-wide index (`openByOrg`, see infra/README.md) is the way to grow.
    pub async fn incidents(&self, org: &Org, filter: &IncidentFilter) -> Result<Vec<Incident>, ManageError> {
        let monitors = match &filter.monitor {
            Some(id) => match self.monitor(org, id).await {
                Ok(m) => vec![m],
                Err(ManageError::NotFound(_)) => vec![],
                Err(e) => return Err(e),
            },
            None => self.store.monitors_of_org(&org.id).await?,
        };
        let mut found = Vec::new();
        for m in &monitors {
            found.extend(
                self.store
                    .incidents_of_monitor(&m.id)
                    .await?
                    .into_iter()
                    .filter(|i| i.org_id == org.id && filter.matches(i)),
            );
        }
        found.sort_by_key(|i| std::cmp::Reverse(incident_sort_key(i)));
        Ok(found)
    }

    pub async fn incident(&self, org: &Org, id: &str) -> Result<Incident, ManageError> {
        let id = IncidentId::parse(id).ok_or(ManageError::NotFound("incident"))?;
        self.store.incident(&id).await?.filter(|i| i.org_id == org.id).ok_or(ManageError::NotFound("incident"))
    }

    pub async fn acknowledge_incident(&self, org: &Org, id: &str, now: DateTime<Utc>) -> Result<Incident, ManageError> {
        retry_on_conflict(|_| async move {
            let current = self.incident(org, id).await?;
            let mut next = current.clone();
            next.acknowledge(now).map_err(transition)?;
            self.store.update_incident(&next, current.status, None).await?;
            Ok(next)
        })
        .await
    }

    /// Resolves the incident and frees its monitor's slot for that kind, in one write, so
    /// the next failure opens a new incident.
    pub async fn resolve_incident(&self, org: &Org, id: &str, now: DateTime<Utc>) -> Result<Incident, ManageError> {
        let resolved = retry_on_conflict(|_| async move {
            let current = self.incident(org, id).await?;
            let mut next = current.clone();
            next.resolve(now).map_err(transition)?;
            let monitor = self.store.monitor(&current.monitor_id).await?;
            let freed = monitor.filter(|m| m.open_incidents.get(&current.kind) == Some(&current.id)).map(|m| {
                let expected = m.version;
                let mut m = m;
                m.open_incidents.remove(&current.kind);
                m.version += 1;
                (m, expected)
            });
            self.store.update_incident(&next, current.status, freed.as_ref().map(|(m, v)| (m, *v))).await?;
            Ok::<_, ManageError>(next)
        })
        .await?;
        tracing::info!(org_id = %org.id, incident_id = %resolved.id, "incident resolved by hand");
        Ok(resolved)
    }
}

fn transition(e: TransitionError) -> ManageError {
    ManageError::Conflict(e.to_string())
}
