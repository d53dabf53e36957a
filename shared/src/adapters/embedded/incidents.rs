//! Incidents and their recorded changes (incident events).
use super::monitors::MonitorRow;
use super::{EmbeddedStore, backend, from_doc, status_name, to_doc};
use crate::domain::ids::{IncidentId, MonitorId};
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::monitor::Monitor;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

pub(super) struct IncidentRow {
    id: String,
    monitor_id: String,
    org_id: String,
    status: String,
    opened_at: String,
    doc: String,
}

impl IncidentRow {
    pub(super) fn of(i: &Incident) -> Result<Self, StoreError> {
        Ok(Self {
            id: i.id.to_string(),
            monitor_id: i.monitor_id.to_string(),
            org_id: i.org_id.to_string(),
            status: status_name(&i.status)?,
            opened_at: i.opened_at.to_rfc3339(),
            doc: to_doc(i)?,
        })
    }

    pub(super) fn upsert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached(
            "INSERT INTO incidents (id, monitor_id, org_id, status, opened_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
        )
        .and_then(|mut s| {
            s.execute(params![self.id, self.monitor_id, self.org_id, self.status, self.opened_at, self.doc])
        })
        .map_err(backend)?;
        Ok(())
    }
}

pub(super) struct EventRow {
    key: String,
    incident_id: String,
    doc: String,
}

impl EventRow {
    pub(super) fn of(e: &IncidentEvent) -> Result<Self, StoreError> {
        Ok(Self { key: e.key(), incident_id: e.incident_id().to_string(), doc: to_doc(e)? })
    }

    /// Recorded once per key: a retried write of the same change adds nothing.
    pub(super) fn insert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached("INSERT OR IGNORE INTO incident_events (key, incident_id, doc) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![self.key, self.incident_id, self.doc]))
            .map_err(backend)?;
        Ok(())
    }
}

/// A new incident and its OPENED event, serialised before the writer thread.
pub(super) fn opened_rows(opened: &[Incident]) -> Result<Vec<(IncidentRow, EventRow)>, StoreError> {
    opened.iter().map(|i| Ok((IncidentRow::of(i)?, EventRow::of(&IncidentEvent::opened(i))?))).collect()
}

pub(super) fn insert_opened(c: &Connection, rows: &[(IncidentRow, EventRow)]) -> Result<(), StoreError> {
    for (incident, event) in rows {
        incident.upsert(c)?;
        event.insert(c)?;
    }
    Ok(())
}

pub(super) fn stored_incident(c: &Connection, id: &str) -> Result<Option<Incident>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM incidents WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(backend)?;
    doc.map(|d| from_doc(&d)).transpose()
}

pub(super) fn resolve_incident(c: &Connection, id: &IncidentId, at: DateTime<Utc>) -> Result<(), StoreError> {
    // The monitor's open-incident map said it was open; if the row is gone (swept),
    // there is nothing left to resolve.
    let Some(mut incident) = stored_incident(c, id.as_str())? else { return Ok(()) };
    if incident.status != IncidentStatus::Resolved {
        incident.resolve(at).map_err(backend)?;
        IncidentRow::of(&incident)?.upsert(c)?;
        EventRow::of(&IncidentEvent::resolved(&incident, at))?.insert(c)?;
    }
    Ok(())
}

#[async_trait]
impl IncidentStore for EmbeddedStore {
    async fn incident(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        self.doc("SELECT doc FROM incidents WHERE id = ?1", id.as_str())
    }

    async fn incidents_of_monitor(&self, monitor: &MonitorId) -> Result<Vec<Incident>, StoreError> {
        self.docs("SELECT doc FROM incidents WHERE monitor_id = ?1 ORDER BY opened_at DESC, id DESC", monitor.as_str())
    }

    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let (row, after) = (IncidentRow::of(incident)?, incident.clone());
        self.write_recording(move |c| {
            let before = stored_incident(c, &row.id)?;
            row.upsert(c)?;
            match IncidentEvent::between(before.as_ref(), &after, Utc::now()) {
                Some(event) => EventRow::of(&event)?.insert(c),
                None => Ok(()),
            }
        })
        .await
    }

    async fn update_incident(
        &self,
        incident: &Incident,
        expected: IncidentStatus,
        monitor: Option<(&Monitor, u64)>,
    ) -> Result<(), StoreError> {
        let row = IncidentRow::of(incident)?;
        let event =
            IncidentEvent::of_status_change(incident, expected, Utc::now()).map(|e| EventRow::of(&e)).transpose()?;
        let expected = status_name(&expected)?;
        let monitor = monitor.map(|(m, v)| MonitorRow::of(m, false).map(|row| (row, v))).transpose()?;
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE incidents SET status = ?1, doc = ?2 WHERE id = ?3 AND status = ?4",
                    params![row.status, row.doc, row.id, expected],
                )
                .map_err(backend)?;
            if n == 0 {
                let exists = c
                    .query_row("SELECT 1 FROM incidents WHERE id = ?1", [&row.id], |_| Ok(()))
                    .optional()
                    .map_err(backend)?;
                return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound("incident") });
            }
            if let Some((m, version)) = &monitor {
                m.update(c, *version)?;
            }
            if let Some(event) = &event {
                event.insert(c)?;
            }
            Ok(())
        })
        .await?;
        self.events_recorded.notify_one();
        Ok(())
    }

    async fn incident_events(&self, incident: &IncidentId) -> Result<Vec<IncidentEvent>, StoreError> {
        let mut events: Vec<IncidentEvent> =
            self.docs("SELECT doc FROM incident_events WHERE incident_id = ?1 ORDER BY seq", incident.as_str())?;
        IncidentEvent::chronological(&mut events);
        Ok(events)
    }
}
