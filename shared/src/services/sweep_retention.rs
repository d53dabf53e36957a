//! The retention sweep: deletes runs (and their stored outputs), resolved incidents,
//! probe checks and debug sessions older than each org's retention, and probe rollups
//! and downtime windows older than `ROLLUP_DAYS`. DynamoDB TTL expires items on its own; the sweep
//! does what TTL cannot (S3 objects) and is the only mechanism for the embedded store.
use crate::domain::probe::rollup::ROLLUP_DAYS;
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
use crate::ports::store::{MonitorStore, OrgStore, StoreError, SweepStore};
use chrono::{DateTime, Duration, Utc};

/// Items handled per round trip; bounds memory and the size of each write.
const BATCH: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub orgs: u64,
    pub monitors: u64,
    pub runs_deleted: u64,
    pub blobs_deleted: u64,
    pub incidents_deleted: u64,
    /// Probe checks and debug sessions past retention, rollups and downtime windows
    /// past `ROLLUP_DAYS`.
    pub probe_items_deleted: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

/// What the sweep reads (orgs and their monitors) and deletes.
pub trait RetentionStore: OrgStore + MonitorStore + SweepStore {}
impl<T: ?Sized + OrgStore + MonitorStore + SweepStore> RetentionStore for T {}

pub async fn sweep_retention(
    store: &dyn RetentionStore,
    blobs: &dyn BlobStore,
    now: DateTime<Utc>,
) -> Result<SweepReport, SweepError> {
    let mut report = SweepReport::default();
    for org in store.orgs().await? {
        report.orgs += 1;
        let cutoff = now - Duration::days(i64::from(org.retention_days));
        for monitor in store.monitors_of_org(&org.id).await? {
            report.monitors += 1;
            loop {
                let runs = store.runs_before(&monitor.id, cutoff, BATCH).await?;
                if runs.is_empty() {
                    break;
                }
                // Blobs first: a run is deleted only once nothing it points at is left.
                for key in runs.iter().filter_map(|r| r.output.blob_key.as_deref()).filter_map(BlobKey::parse) {
                    blobs.delete(&key).await?;
                    report.blobs_deleted += 1;
                }
                let ids: Vec<_> = runs.iter().map(|r| r.id.clone()).collect();
                store.delete_runs(&monitor.id, &ids).await?;
                report.runs_deleted += ids.len() as u64;
                tracing::info!(org_id = %org.id, monitor_id = %monitor.id, deleted = ids.len(), "expired runs deleted");
            }
            loop {
                let ids = store.resolved_incidents_before(&monitor.id, cutoff, BATCH).await?;
                if ids.is_empty() {
                    break;
                }
                store.delete_incidents(&ids).await?;
                report.incidents_deleted += ids.len() as u64;
            }
            if monitor.probe.is_some() {
                loop {
                    let deleted = store.sweep_checks(&monitor.id, cutoff, BATCH).await?;
                    report.probe_items_deleted += deleted as u64;
                    if deleted == 0 {
                        break;
                    }
                }
                let oldest_day = (now - Duration::days(ROLLUP_DAYS)).date_naive();
                report.probe_items_deleted += store.sweep_rollups(&monitor.id, oldest_day).await? as u64;
            }
        }
    }
    tracing::info!(?report, "retention sweep finished");
    Ok(report)
}
