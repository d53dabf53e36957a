//! Monitors: their rows (version-guarded) and the armed checks the local timer reads.
use super::{EmbeddedStore, backend, to_doc, unique};
use crate::domain::ids::{MonitorId, OrgId};
use crate::domain::monitor::Monitor;
use crate::domain::secret::SecretHash;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

impl EmbeddedStore {
    /// Every monitor's armed check (`armed_for`), read without loading whole monitors:
    /// what the in-process timer needs on start, for any number of monitors.
    pub fn armed_checks(&self) -> Result<Vec<(MonitorId, DateTime<Utc>)>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare("SELECT id, json_extract(doc, '$.armedFor') FROM monitors WHERE json_extract(doc, '$.armedFor') IS NOT NULL")
                .map_err(backend)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(backend)?;
            rows.map(|r| {
                let (id, at) = r.map_err(backend)?;
                let id = MonitorId::parse(&id).ok_or_else(|| backend(format!("corrupt monitor id {id}")))?;
                let at = DateTime::parse_from_rfc3339(&at).map_err(backend)?.with_timezone(&Utc);
                Ok((id, at))
            })
            .collect()
        })
    }
}

pub(super) struct MonitorRow {
    id: String,
    version: i64,
    doc: String,
    /// Set only when the token may have changed: rewriting the unique token index on
    /// every ping would double the WAL written per ping.
    token_hash: Option<String>,
}

impl MonitorRow {
    pub(super) fn of(m: &Monitor, with_token: bool) -> Result<Self, StoreError> {
        Ok(Self {
            id: m.id.to_string(),
            version: m.version as i64,
            doc: to_doc(m)?,
            token_hash: with_token.then(|| m.token_hash.to_hex()),
        })
    }

    /// Writes the row only if the stored version is still `expected_version`.
    pub(super) fn update(&self, c: &Connection, expected_version: u64) -> Result<(), StoreError> {
        let expected = expected_version as i64;
        let changed = match &self.token_hash {
            None => c
                .prepare_cached("UPDATE monitors SET version = ?1, doc = ?2 WHERE id = ?3 AND version = ?4")
                .and_then(|mut s| s.execute(params![self.version, self.doc, self.id, expected])),
            Some(hash) => c
                .prepare_cached(
                    "UPDATE monitors SET version = ?1, doc = ?2, token_hash = ?3 WHERE id = ?4 AND version = ?5",
                )
                .and_then(|mut s| s.execute(params![self.version, self.doc, hash, self.id, expected])),
        }
        .map_err(unique("monitor token"))?;
        if changed == 1 { Ok(()) } else { Err(StoreError::Conflict) }
    }
}

#[async_trait]
impl MonitorStore for EmbeddedStore {
    async fn create_monitor(&self, m: &Monitor) -> Result<(), StoreError> {
        let (id, org, hash, version, doc) =
            (m.id.to_string(), m.org_id.to_string(), m.token_hash.to_hex(), m.version as i64, to_doc(m)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO monitors (id, org_id, token_hash, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, org, hash, version, doc],
            )
            .map_err(unique("monitor"))?;
            Ok(())
        })
        .await
    }

    async fn monitor(&self, id: &MonitorId) -> Result<Option<Monitor>, StoreError> {
        self.doc("SELECT doc FROM monitors WHERE id = ?1", id.as_str())
    }

    async fn monitor_by_token(&self, token_hash: &SecretHash) -> Result<Option<Monitor>, StoreError> {
        self.doc("SELECT doc FROM monitors WHERE token_hash = ?1", &token_hash.to_hex())
    }

    async fn monitors_of_org(&self, org: &OrgId) -> Result<Vec<Monitor>, StoreError> {
        self.docs("SELECT doc FROM monitors WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn update_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let row = MonitorRow::of(m, true)?;
        self.write(move |c| row.update(c, expected_version)).await
    }

    async fn delete_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let (id, expected) = (m.id.to_string(), expected_version as i64);
        self.write(move |c| {
            let n = c
                .execute("DELETE FROM monitors WHERE id = ?1 AND version = ?2", params![id, expected])
                .map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
        })
        .await
    }
}
