//! The retention sweep's finds and deletes.
use super::calls::Q;
use super::deliveries::{attr_owned, deliveries_query};
use super::incidents::id_key;
use super::runs::run_key;
use super::{DynamoStore, config_key, from_item, s};
use crate::domain::ids::{IncidentId, MonitorId, RunId};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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
