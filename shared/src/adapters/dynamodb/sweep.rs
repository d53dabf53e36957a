//! The retention sweep's finds and deletes.
use super::calls::Q;
use super::deliveries::{attr_owned, deliveries_query};
use super::incidents::id_key;
use super::probes::{CHECK, DAY, SESSION, WINDOW, kind_query, probe_key, time_text, window_of};
use super::runs::run_key;
use super::{DynamoStore, config_key, from_item, s};
use crate::domain::ids::{CheckId, IncidentId, MonitorId, RunId};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// The probes table's key attributes: what a sweep reads of the items it deletes.
const PROBE_KEY: [&str; 2] = ["monitorId", "sk"];

#[async_trait]
impl SweepStore for DynamoStore {
    async fn runs_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let limit = limit.min(MAX_PAGE * 10);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Q {
            table: &self.t.runs,
            index: None,
            condition: "monitorId = :m AND runId < :bound",
            values: vec![(":m", s(monitor.as_str())), (":bound", s(RunId::time_bound(cutoff)))],
            newest_first: false,
            limit: Some(limit),
        };
        self.query("runs_before", q).await?.iter().map(from_item).collect()
    }

    async fn delete_runs(&self, monitor: &MonitorId, ids: &[RunId]) -> Result<(), StoreError> {
        let keys = ids.iter().map(|id| run_key(monitor, id)).collect();
        self.batch_delete("delete_runs", &self.t.runs, keys).await
    }

    async fn resolved_incidents_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let mut incidents = self.incidents_of_monitor(monitor).await?;
        incidents.reverse(); // oldest first, as the embedded store answers
        Ok(incidents
            .into_iter()
            .filter(|i| i.resolved_at.is_some_and(|at| at < cutoff))
            .take(limit)
            .map(|i| i.id)
            .collect())
    }

    async fn delete_incidents(&self, ids: &[IncidentId]) -> Result<(), StoreError> {
        // With each incident, every key its events can have (deleting an absent key is free of errors).
        let keys = ids
            .iter()
            .flat_map(|id| std::iter::once(id.to_string()).chain(IncidentEvent::possible_keys(id)))
            .map(id_key)
            .collect();
        self.batch_delete("delete_incidents", &self.t.incidents, keys).await?;
        for id in ids {
            let keys = self.query("delete_incidents.deliveries", deliveries_query(&self.t.config, id)).await?;
            let keys = keys
                .into_iter()
                .map(|mut item| config_key(attr_owned(&mut item, "pk"), attr_owned(&mut item, "sk")))
                .collect();
            self.batch_delete("delete_incidents.deliveries", &self.t.config, keys).await?;
        }
        Ok(())
    }

    async fn sweep_checks(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<usize, StoreError> {
        let table = &self.t.probes;
        if limit == 0 {
            return Ok(0);
        }
        let checks = Q {
            table,
            index: None,
            // The bound is never an id: BETWEEN takes exactly the checks before the cutoff.
            condition: "monitorId = :m AND sk BETWEEN :lo AND :hi",
            values: vec![
                (":m", s(monitor.as_str())),
                (":lo", s(CHECK)),
                (":hi", s(format!("{CHECK}{}", CheckId::time_bound(cutoff)))),
            ],
            newest_first: false,
            limit: Some(limit),
        };
        let mut keys = self.query_filtered("sweep_checks", checks, Some(&PROBE_KEY), None).await?;
        if keys.len() < limit {
            // Sessions are few; their start is an attribute, not part of the key.
            let sessions = Q { limit: Some(limit - keys.len()), ..kind_query(table, monitor, SESSION) };
            let filter = ("startedAt < :cutoff", vec![(":cutoff", s(time_text(cutoff)))]);
            keys.extend(self.query_filtered("sweep_checks.sessions", sessions, Some(&PROBE_KEY), Some(filter)).await?);
        }
        let swept = keys.len();
        self.batch_delete("sweep_checks", table, keys).await?;
        Ok(swept)
    }

    async fn sweep_rollups(&self, monitor: &MonitorId, day: NaiveDate) -> Result<usize, StoreError> {
        let table = &self.t.probes;
        let mut keys = Vec::new();
        if let Some(last) = day.pred_opt() {
            let rollups = Q {
                table,
                index: None,
                condition: "monitorId = :m AND sk BETWEEN :lo AND :hi",
                values: vec![(":m", s(monitor.as_str())), (":lo", s(DAY)), (":hi", s(format!("{DAY}{last}")))],
                newest_first: false,
                limit: None,
            };
            keys = self.query_filtered("sweep_rollups", rollups, Some(&PROBE_KEY), None).await?;
        }
        let day_start = day.and_time(chrono::NaiveTime::MIN).and_utc();
        for item in self.query("sweep_rollups.windows", kind_query(table, monitor, WINDOW)).await? {
            let w = window_of(&item)?;
            if w.ended_at.is_some_and(|end| end < day_start) {
                keys.push(probe_key(monitor, format!("{WINDOW}{}", w.id)));
            }
        }
        let swept = keys.len();
        self.batch_delete("sweep_rollups", table, keys).await?;
        Ok(swept)
    }

    async fn delete_probe_history(&self, monitor: &MonitorId, limit: usize) -> Result<usize, StoreError> {
        if limit == 0 {
            return Ok(0);
        }
        let q = Q {
            table: &self.t.probes,
            index: None,
            condition: "monitorId = :m",
            values: vec![(":m", s(monitor.as_str()))],
            newest_first: false,
            limit: Some(limit),
        };
        let keys = self.query_filtered("delete_probe_history", q, Some(&PROBE_KEY), None).await?;
        let deleted = keys.len();
        self.batch_delete("delete_probe_history", &self.t.probes, keys).await?;
        Ok(deleted)
    }
}
