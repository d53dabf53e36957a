//! Ping and check commits: the monitor, its run and the incidents opened or resolved.
use super::calls::{Cond, OnFail, Write, put_write};
use super::incidents::{incident_item, incident_key};
use super::monitors::monitor_item;
use super::runs::{run_item, run_key};
use super::{DynamoStore, backend, from_item};
use crate::domain::ids::IncidentId;
use crate::domain::incident::Incident;
use crate::domain::incident_event::IncidentEvent;
use crate::domain::missed::CheckOutcome;
use crate::domain::monitor::PingOutcome;
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

impl DynamoStore {
    /// The plain ping: the run, then the monitor if still at `expected_version` — two
    /// single-item writes instead of a transaction at twice the price. The run goes first,
    /// so the monitor never counts a run that was not stored (a crash between the two
    /// leaves at most the run of a ping that was never acknowledged); if the monitor
    /// write conflicts, the run is taken back, so a rejected ping leaves nothing behind.
    pub(super) async fn commit_plain_ping(
        &self,
        outcome: &PingOutcome,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.put("commit_ping.run", &self.t.runs, run_item(&outcome.run)?, None).await?;
        let monitor = monitor_item(&outcome.monitor, Some(&outcome.run.id))?;
        let written = self.put_versioned("commit_ping.monitor", monitor, expected_version).await;
        if let Err(StoreError::Conflict) = written {
            self.take_back_run(&outcome.run).await;
        }
        written
    }

    /// Best effort: if this fails, the caller still sees `Conflict` and retries the same
    /// ping with the same run id, whose write replaces this run.
    pub(super) async fn take_back_run(&self, run: &Run) {
        if let Err(e) = self.delete("commit_ping.take_back_run", &self.t.runs, run_key(&run.monitor_id, &run.id)).await
        {
            tracing::warn!(monitor_id = %run.monitor_id, run_id = %run.id, error = %e, "could not remove the run of a rejected ping");
        }
    }

    /// The writes resolving `ids` at `at`: each conditional on the incident being
    /// unchanged since this read (an acknowledgement in between makes it a `Conflict`).
    pub(super) async fn resolve_writes(&self, ids: &[IncidentId], at: DateTime<Utc>) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::new();
        for id in ids {
            let Some(item) = self.get("resolve_incident", &self.t.incidents, incident_key(id), true).await? else {
                continue; // swept: nothing left to resolve
            };
            let mut incident: Incident = from_item(&item)?;
            if incident.resolve(at).is_err() {
                continue; // already resolved
            }
            let read = item.get("doc").cloned().ok_or_else(|| backend("incident has no doc"))?;
            let cond = Cond::new("#doc = :read", OnFail::Conflict).name("#doc", "doc").value(":read", read);
            writes.push(put_write(&self.t.incidents, incident_item(&incident)?, Some(cond))?);
            writes.push(self.event_write(&IncidentEvent::resolved(&incident, at))?);
        }
        Ok(writes)
    }

    pub(super) fn opened_writes(&self, opened: &[Incident]) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::with_capacity(opened.len() * 2);
        for i in opened {
            writes.push(put_write(
                &self.t.incidents,
                incident_item(i)?,
                Some(Cond::new("attribute_not_exists(id)", OnFail::Conflict)),
            )?);
            writes.push(self.event_write(&IncidentEvent::opened(i))?);
        }
        Ok(writes)
    }
}

#[async_trait]
impl PingStore for DynamoStore {
    async fn commit_ping(&self, outcome: &PingOutcome, expected_version: u64) -> Result<(), StoreError> {
        let (monitor_id, run_id) = (&outcome.monitor.id, &outcome.run.id);
        if outcome.opened.is_empty() && outcome.resolved.is_empty() {
            self.commit_plain_ping(outcome, expected_version).await?;
            tracing::debug!(%monitor_id, %run_id, path = "plain", "ping committed");
            return Ok(());
        }
        // Incidents change: rare, and worth a transaction (twice the write price).
        let mut writes = vec![
            self.versioned_write(monitor_item(&outcome.monitor, Some(run_id))?, expected_version)?,
            put_write(&self.t.runs, run_item(&outcome.run)?, None)?,
        ];
        writes.extend(self.opened_writes(&outcome.opened)?);
        writes.extend(self.resolve_writes(&outcome.resolved, outcome.run.received_at).await?);
        self.transact("commit_ping", writes).await?;
        tracing::debug!(%monitor_id, %run_id, path = "transaction", opened = outcome.opened.len(),
            resolved = outcome.resolved.len(), "ping committed");
        Ok(())
    }

    async fn commit_check(&self, outcome: &CheckOutcome, expected_version: u64) -> Result<(), StoreError> {
        if outcome.opened.is_empty() {
            return self.put_versioned("commit_check", monitor_item(&outcome.monitor, None)?, expected_version).await;
        }
        let mut writes = vec![self.versioned_write(monitor_item(&outcome.monitor, None)?, expected_version)?];
        writes.extend(self.opened_writes(&outcome.opened)?);
        self.transact("commit_check", writes).await?;
        tracing::debug!(monitor_id = %outcome.monitor.id, opened = outcome.opened.len(), "check committed");
        Ok(())
    }
}
