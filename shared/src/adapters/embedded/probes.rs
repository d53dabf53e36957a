//! Probe history: checks, downtime windows, debug sessions and daily rollups.
use super::EmbeddedStore;
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId, MonitorId};
use crate::domain::probe::check::ProbeCheck;
use crate::domain::probe::debug::DebugSession;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::rollup::DailyRollup;
use crate::domain::probe::state::ProbeOutcome;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::NaiveDate;

fn pending() -> StoreError {
    StoreError::Backend("probe history is not stored yet".into())
}

#[async_trait]
impl ProbeStore for EmbeddedStore {
    async fn commit_probe(&self, _outcome: &ProbeOutcome, _expected_version: u64) -> Result<(), StoreError> {
        Err(pending())
    }
    async fn checks(&self, _monitor: &MonitorId, _query: &CheckQuery) -> Result<Page<ProbeCheck, CheckId>, StoreError> {
        Err(pending())
    }
    async fn check_count(&self, _monitor: &MonitorId, _query: &CheckQuery) -> Result<u64, StoreError> {
        Err(pending())
    }
    async fn downtime_windows(&self, _monitor: &MonitorId) -> Result<Vec<DowntimeWindow>, StoreError> {
        Err(pending())
    }
    async fn downtime_window(
        &self,
        _monitor: &MonitorId,
        _id: &DowntimeId,
    ) -> Result<Option<DowntimeWindow>, StoreError> {
        Err(pending())
    }
    async fn annotate_downtime(
        &self,
        _monitor: &MonitorId,
        _id: &DowntimeId,
        _root_cause: Option<&str>,
        _notes: Option<&str>,
    ) -> Result<(), StoreError> {
        Err(pending())
    }
    async fn put_debug_session(&self, _session: &DebugSession) -> Result<(), StoreError> {
        Err(pending())
    }
    async fn debug_sessions(&self, _monitor: &MonitorId, _limit: usize) -> Result<Vec<DebugSession>, StoreError> {
        Err(pending())
    }
    async fn debug_session(
        &self,
        _monitor: &MonitorId,
        _key: &DebugSessionKey,
    ) -> Result<Option<DebugSession>, StoreError> {
        Err(pending())
    }
    async fn rollups(
        &self,
        _monitor: &MonitorId,
        _from: NaiveDate,
        _to: NaiveDate,
    ) -> Result<Vec<DailyRollup>, StoreError> {
        Err(pending())
    }
}
