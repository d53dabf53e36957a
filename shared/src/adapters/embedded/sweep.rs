//! The retention sweep's finds and deletes.
use super::probes::{day_start_text, time_text};
use super::{EmbeddedStore, backend, from_doc};
use crate::domain::ids::{CheckId, IncidentId, MonitorId, RunId};
use crate::domain::incident::Incident;
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
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
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let (monitor, bound, started) = (monitor.to_string(), CheckId::time_bound(cutoff), time_text(cutoff));
        self.write(move |c| {
            let checks = c
                .execute(
                    "DELETE FROM probe_checks WHERE rowid IN
                     (SELECT rowid FROM probe_checks WHERE monitor_id = ?1 AND id < ?2 ORDER BY id LIMIT ?3)",
                    params![monitor, bound, limit as i64],
                )
                .map_err(backend)?;
            let sessions = c
                .execute(
                    "DELETE FROM debug_sessions WHERE rowid IN
                     (SELECT rowid FROM debug_sessions WHERE monitor_id = ?1 AND started_at < ?2 LIMIT ?3)",
                    params![monitor, started, (limit - checks) as i64],
                )
                .map_err(backend)?;
            Ok(checks + sessions)
        })
        .await
    }

    async fn sweep_rollups(&self, monitor: &MonitorId, day: NaiveDate) -> Result<usize, StoreError> {
        let (monitor, day, day_start) = (monitor.to_string(), day.to_string(), day_start_text(day));
        self.write(move |c| {
            let rollups = c
                .execute("DELETE FROM probe_rollups WHERE monitor_id = ?1 AND day < ?2", params![monitor, day])
                .map_err(backend)?;
            let windows = c
                .execute(
                    "DELETE FROM downtime_windows WHERE monitor_id = ?1 AND ended_at IS NOT NULL AND ended_at < ?2",
                    params![monitor, day_start],
                )
                .map_err(backend)?;
            Ok(rollups + windows)
        })
        .await
    }

    async fn delete_probe_history(&self, monitor: &MonitorId, limit: usize) -> Result<usize, StoreError> {
        let monitor = monitor.to_string();
        self.write(move |c| {
            let mut deleted = 0;
            for table in ["probe_checks", "downtime_windows", "debug_sessions", "probe_rollups"] {
                deleted += c
                    .execute(
                        &format!(
                            "DELETE FROM {table} WHERE rowid IN
                             (SELECT rowid FROM {table} WHERE monitor_id = ?1 LIMIT ?2)"
                        ),
                        params![monitor, (limit - deleted) as i64],
                    )
                    .map_err(backend)?;
            }
            Ok(deleted)
        })
        .await
    }
}
