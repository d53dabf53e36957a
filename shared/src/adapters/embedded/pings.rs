//! Ping and check commits: the monitor, its run and the incidents opened or resolved, in one write.
use super::EmbeddedStore;
use super::incidents::{insert_opened, opened_rows, resolve_incident};
use super::monitors::MonitorRow;
use super::runs::RunRow;
use crate::domain::missed::CheckOutcome;
use crate::domain::monitor::PingOutcome;
use crate::ports::store::*;
use async_trait::async_trait;

#[async_trait]
impl PingStore for EmbeddedStore {
    async fn commit_ping(&self, outcome: &PingOutcome, expected_version: u64) -> Result<(), StoreError> {
        let monitor = MonitorRow::of(&outcome.monitor, false)?;
        let run = RunRow::of(&outcome.run)?;
        if outcome.opened.is_empty() && outcome.resolved.is_empty() {
            return self
                .write(move |c| {
                    monitor.update(c, expected_version)?;
                    run.insert(c)
                })
                .await;
        }
        let opened = opened_rows(&outcome.opened)?;
        let (resolved, at) = (outcome.resolved.clone(), outcome.run.received_at);
        self.write_recording(move |c| {
            monitor.update(c, expected_version)?;
            run.insert(c)?;
            insert_opened(c, &opened)?;
            for id in &resolved {
                resolve_incident(c, id, at)?;
            }
            Ok(())
        })
        .await
    }

    async fn commit_check(&self, outcome: &CheckOutcome, expected_version: u64) -> Result<(), StoreError> {
        let monitor = MonitorRow::of(&outcome.monitor, false)?;
        let opened = opened_rows(&outcome.opened)?;
        self.write_recording(move |c| {
            monitor.update(c, expected_version)?;
            insert_opened(c, &opened)
        })
        .await
    }
}
