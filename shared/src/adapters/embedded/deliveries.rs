//! The notifier's delivery log.
use super::{EmbeddedStore, backend, from_doc, to_doc};
use crate::domain::ids::IncidentId;
use crate::domain::notification::record::DeliveryRecord;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

#[async_trait]
impl DeliveryStore for EmbeddedStore {
    async fn claim_delivery(&self, claim: &DeliveryRecord, lease: chrono::Duration) -> Result<bool, StoreError> {
        let (key, claim) = (claim.key(), claim.clone());
        self.write(move |c| {
            let existing: Option<String> = c
                .prepare_cached("SELECT doc FROM deliveries WHERE key = ?1")
                .and_then(|mut s| s.query_row([&key], |r| r.get(0)).optional())
                .map_err(backend)?;
            if let Some(doc) = existing
                && !DeliveryRecord::may_replace(&from_doc(&doc)?, claim.started_at, lease)
            {
                return Ok(false);
            }
            upsert_delivery(c, &claim)?;
            Ok(true)
        })
        .await
    }

    async fn finish_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.write(move |c| upsert_delivery(c, &record)).await
    }

    async fn deliveries_of_incident(&self, incident: &IncidentId) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.docs("SELECT doc FROM deliveries WHERE incident_id = ?1 ORDER BY started_at, key", incident.as_str())
    }
}

pub(super) fn upsert_delivery(c: &Connection, r: &DeliveryRecord) -> Result<(), StoreError> {
    let doc = to_doc(r)?;
    c.prepare_cached(
        "INSERT INTO deliveries (key, incident_id, started_at, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET started_at = excluded.started_at, doc = excluded.doc",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.key(),
            r.incident_id.as_str(),
            r.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            doc
        ])
    })
    .map_err(backend)?;
    Ok(())
}
