//! Incidents and their recorded changes (incident events), which the table streams.
use super::calls::{Cond, OnFail, Q, Write, put_write};
use super::monitors::monitor_item;
use super::{BY_MONITOR, DynamoStore, Item, from_item, s, sort_time, status_name, to_doc};
use crate::domain::ids::{IncidentId, MonitorId};
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::monitor::Monitor;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::Utc;
use std::collections::HashMap;

pub(super) fn incident_key(id: &IncidentId) -> Item {
    id_key(id.as_str())
}

/// The key of an item in the incidents table: an incident, or one of its events.
pub(super) fn id_key(id: impl Into<String>) -> Item {
    HashMap::from([("id".into(), s(id))])
}

/// An incident event: keyed by its own key, so re-writing the same change is a no-op
/// (a MODIFY in the stream, which the notifier's filter ignores).
pub(super) fn event_item(e: &IncidentEvent) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("id".into(), s(e.key())),
        ("incidentId".into(), s(e.incident_id().as_str())),
        ("recordType".into(), s("EVENT")),
        ("doc".into(), to_doc(e)?),
    ]))
}

/// Besides the index keys, `status` (for stream filters), `statusOpenedAt` and, while
/// unresolved, `openOrgId`: written now so the indexes the README plans (a monitor's
/// incidents by status, an org's open incidents) can be added later without a backfill.
pub(super) fn incident_item(i: &Incident) -> Result<Item, StoreError> {
    let (status, opened) = (status_name(&i.status)?, sort_time(i.opened_at));
    let mut item = incident_key(&i.id);
    item.insert("monitorId".into(), s(i.monitor_id.as_str()));
    item.insert("openedAt".into(), s(opened.clone()));
    item.insert("statusOpenedAt".into(), s(format!("{status}#{opened}")));
    item.insert("status".into(), s(status));
    if i.status != IncidentStatus::Resolved {
        item.insert("openOrgId".into(), s(i.org_id.as_str()));
    }
    item.insert("doc".into(), to_doc(i)?);
    Ok(item)
}

impl DynamoStore {
    pub(super) fn event_write(&self, event: &IncidentEvent) -> Result<Write, StoreError> {
        put_write(&self.t.incidents, event_item(event)?, None)
    }
}

#[async_trait]
impl IncidentStore for DynamoStore {
    async fn incident(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        self.get_doc("incident", &self.t.incidents, incident_key(id)).await
    }

    async fn incidents_of_monitor(&self, monitor: &MonitorId) -> Result<Vec<Incident>, StoreError> {
        let q = Q {
            table: &self.t.incidents,
            index: Some(BY_MONITOR),
            condition: "monitorId = :m",
            values: vec![(":m", s(monitor.as_str()))],
            newest_first: true,
            limit: None,
        };
        let mut incidents: Vec<Incident> =
            self.query("incidents_of_monitor", q).await?.iter().map(from_item).collect::<Result<_, _>>()?;
        // The index orders by `openedAt` only; ties go newest id first, as in the embedded store.
        incidents.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| b.id.cmp(&a.id)));
        Ok(incidents)
    }

    /// Conditional on the incident being as read, so the recorded event is the change
    /// this write made (a concurrent change in between is a `Conflict`).
    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let read = self.get("put_incident", &self.t.incidents, incident_key(&incident.id), true).await?;
        let before: Option<Incident> = read.as_ref().map(from_item).transpose()?;
        let cond = match read.as_ref().and_then(|item| item.get("doc")) {
            Some(doc) => Cond::new("#doc = :read", OnFail::Conflict).name("#doc", "doc").value(":read", doc.clone()),
            None => Cond::new("attribute_not_exists(id)", OnFail::Conflict),
        };
        let mut writes = vec![put_write(&self.t.incidents, incident_item(incident)?, Some(cond))?];
        if let Some(event) = IncidentEvent::between(before.as_ref(), incident, Utc::now()) {
            writes.push(self.event_write(&event)?);
        }
        self.transact("put_incident", writes).await
    }

    /// Looked up by key: an incident's events can only have a handful of keys.
    async fn incident_events(&self, incident: &IncidentId) -> Result<Vec<IncidentEvent>, StoreError> {
        let keys = IncidentEvent::possible_keys(incident).into_iter().map(id_key).collect();
        let mut events: Vec<IncidentEvent> = self
            .batch_get("incident_events", &self.t.incidents, keys)
            .await?
            .iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        IncidentEvent::chronological(&mut events);
        Ok(events)
    }

    async fn update_incident(
        &self,
        incident: &Incident,
        expected: IncidentStatus,
        monitor: Option<(&Monitor, u64)>,
    ) -> Result<(), StoreError> {
        let cond = || {
            Ok::<_, StoreError>(
                Cond::new("#status = :expected", OnFail::Conflict)
                    .name("#status", "status")
                    .value(":expected", s(status_name(&expected)?)),
            )
        };
        let mut writes = vec![put_write(&self.t.incidents, incident_item(incident)?, Some(cond()?))?];
        if let Some(event) = IncidentEvent::of_status_change(incident, expected, Utc::now()) {
            writes.push(self.event_write(&event)?);
        }
        if let Some((m, version)) = monitor {
            writes.push(self.versioned_write(monitor_item(m, None)?, version)?);
        }
        let written = self.transact("update_incident", writes).await;
        match written {
            // A failed condition on a missing item reads as a conflict: tell them apart.
            Err(StoreError::Conflict)
                if self
                    .get("update_incident", &self.t.incidents, incident_key(&incident.id), true)
                    .await?
                    .is_none() =>
            {
                Err(StoreError::NotFound("incident"))
            }
            other => other,
        }
    }
}
