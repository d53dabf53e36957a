//! The retention sweep's finds and deletes.
use super::{EmbeddedStore, backend, from_doc};
use crate::domain::ids::{IncidentId, MonitorId, RunId};
use crate::domain::incident::Incident;
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

#[async_trait]
impl SweepStore for EmbeddedStore {
    async fn runs_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let bound = RunId::time_bound(cutoff);
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM runs WHERE monitor_id = ?1 AND id < ?2 ORDER BY id LIMIT ?3")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), bound, limit.min(MAX_PAGE * 10) as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    async fn delete_runs(&self, monitor: &MonitorId, ids: &[RunId]) -> Result<(), StoreError> {
        let (monitor, ids) = (monitor.to_string(), ids.to_vec());
        self.write(move |c| {
            let mut stmt = c.prepare_cached("DELETE FROM runs WHERE monitor_id = ?1 AND id = ?2").map_err(backend)?;
            for id in &ids {
                stmt.execute(params![monitor, id.as_str()]).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn resolved_incidents_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let resolved: Vec<Incident> = self.docs(
            "SELECT doc FROM incidents WHERE monitor_id = ?1 AND status = 'RESOLVED' ORDER BY opened_at",
            monitor.as_str(),
        )?;
        Ok(resolved
            .into_iter()
            .filter(|i| i.resolved_at.is_some_and(|at| at < cutoff))
            .take(limit)
            .map(|i| i.id)
            .collect())
    }

    async fn delete_incidents(&self, ids: &[IncidentId]) -> Result<(), StoreError> {
        let ids = ids.to_vec();
        self.write(move |c| {
            let tables = [
                "DELETE FROM incidents WHERE id = ?1",
                "DELETE FROM incident_events WHERE incident_id = ?1",
                "DELETE FROM deliveries WHERE incident_id = ?1",
            ];
            for sql in tables {
                let mut stmt = c.prepare_cached(sql).map_err(backend)?;
                for id in &ids {
                    stmt.execute([id.as_str()]).map_err(backend)?;
                }
            }
            Ok(())
        })
        .await
    }
    async fn sweep_checks(
        &self,
        _monitor: &MonitorId,
        _cutoff: DateTime<Utc>,
        _limit: usize,
    ) -> Result<usize, StoreError> {
        Ok(0)
    }

    async fn sweep_rollups(&self, _monitor: &MonitorId, _day: chrono::NaiveDate) -> Result<usize, StoreError> {
        Ok(0)
    }

    async fn delete_probe_history(&self, _monitor: &MonitorId, _limit: usize) -> Result<usize, StoreError> {
        Ok(0)
    }
}
