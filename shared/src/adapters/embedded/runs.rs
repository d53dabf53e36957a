//! Runs: a monitor's pings, newest first.
use super::{EmbeddedStore, backend, from_doc, to_doc, unique};
use crate::domain::ids::{MonitorId, RunId};
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use rusqlite::{Connection, params};

/// Rows are serialised by the caller, before they reach the single writer thread, so
/// that thread only binds ready strings.
pub(super) struct RunRow {
    id: String,
    monitor_id: String,
    doc: String,
}

impl RunRow {
    pub(super) fn of(r: &Run) -> Result<Self, StoreError> {
        Ok(Self { id: r.id.to_string(), monitor_id: r.monitor_id.to_string(), doc: to_doc(r)? })
    }

    pub(super) fn insert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached("INSERT INTO runs (id, monitor_id, doc) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![self.id, self.monitor_id, self.doc]))
            .map_err(unique("run"))?;
        Ok(())
    }
}

#[async_trait]
impl RunStore for EmbeddedStore {
    async fn runs(
        &self,
        monitor: &MonitorId,
        limit: usize,
        before: Option<&RunId>,
    ) -> Result<Page<Run, RunId>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        // The cursor is exclusive; "~" sorts after every id, so no cursor means "from the newest".
        let before = before.map(|b| b.as_str().to_owned()).unwrap_or_else(|| "~".into());
        let items: Vec<Run> = self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM runs WHERE monitor_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), before, (limit + 1) as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect::<Result<Vec<Run>, _>>()
        })?;
        Ok(Page::of_overfetch(items, limit, |r| r.id.clone()))
    }

    async fn run_count(&self, monitor: &MonitorId) -> Result<u64, StoreError> {
        self.read(|c| {
            c.query_row("SELECT COUNT(*) FROM runs WHERE monitor_id = ?1", [monitor.as_str()], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(backend)
        })
    }

    async fn run(&self, monitor: &MonitorId, id: &RunId) -> Result<Option<Run>, StoreError> {
        let run: Option<Run> = self.doc("SELECT doc FROM runs WHERE id = ?1", id.as_str())?;
        Ok(run.filter(|r| &r.monitor_id == monitor))
    }
}
