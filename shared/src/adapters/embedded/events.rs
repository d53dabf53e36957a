//! The event queue: incident events recorded with each change, pending until marked delivered.
use super::{EmbeddedStore, backend, from_doc};
use crate::domain::incident_event::IncidentEvent;
use crate::ports::store::*;
use rusqlite::Connection;
use std::sync::Arc;
use tokio::sync::Notify;

/// An incident event in the event queue (pending events), not yet marked delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    pub seq: i64,
    pub event: IncidentEvent,
}

impl EmbeddedStore {
    /// Notified whenever a commit recorded incident events: the local notifier waits on it.
    pub fn events_recorded(&self) -> Arc<Notify> {
        self.events_recorded.clone()
    }

    /// The event queue: up to `limit` pending incident events (not yet marked delivered),
    /// oldest first. They are the `incident_events` rows with `delivered = 0`.
    pub fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT seq, doc FROM incident_events WHERE delivered = 0 ORDER BY seq LIMIT ?1")
                .map_err(backend)?;
            let rows = stmt
                .query_map([limit as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(backend)?;
            rows.map(|r| {
                let (seq, doc) = r.map_err(backend)?;
                Ok(PendingEvent { seq, event: from_doc(&doc)? })
            })
            .collect()
        })
    }

    pub async fn mark_delivered(&self, seqs: Vec<i64>) -> Result<(), StoreError> {
        self.write(move |c| {
            let mut stmt =
                c.prepare_cached("UPDATE incident_events SET delivered = 1 WHERE seq = ?1").map_err(backend)?;
            for seq in seqs {
                stmt.execute([seq]).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    /// A write that may record incident events: wakes the event queue's reader once committed.
    pub(super) async fn write_recording<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let written = self.write(f).await?;
        self.events_recorded.notify_one();
        Ok(written)
    }
}
