//! Runs: a monitor's pings, newest first.
use super::calls::Q;
use super::{DynamoStore, Item, from_item, s, to_doc};
use crate::domain::ids::{MonitorId, RunId};
use crate::domain::run::Run;
use crate::ports::store::*;
use async_trait::async_trait;
use std::collections::HashMap;

pub(super) fn run_key(monitor: &MonitorId, run: &RunId) -> Item {
    HashMap::from([("monitorId".into(), s(monitor.as_str())), ("runId".into(), s(run.as_str()))])
}

pub(super) fn run_item(r: &Run) -> Result<Item, StoreError> {
    let mut item = run_key(&r.monitor_id, &r.id);
    item.insert("doc".into(), to_doc(r)?);
    Ok(item)
}

#[async_trait]
impl RunStore for DynamoStore {
    async fn runs(
        &self,
        monitor: &MonitorId,
        limit: usize,
        before: Option<&RunId>,
    ) -> Result<Page<Run, RunId>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        // The cursor is exclusive; with none, "~" sorts after every run id.
        let before = before.map_or("~", RunId::as_str);
        // One more than asked: a cursor is offered only if something really follows.
        let q = Q {
            table: &self.t.runs,
            index: None,
            condition: "monitorId = :m AND runId < :before",
            values: vec![(":m", s(monitor.as_str())), (":before", s(before))],
            newest_first: true,
            limit: Some(limit + 1),
        };
        let items: Vec<Run> = self.query("runs", q).await?.iter().map(from_item).collect::<Result<_, _>>()?;
        Ok(Page::of_overfetch(items, limit, |r| r.id.clone()))
    }

    /// Reads every run of the monitor (billed by their total size): for small counts.
    async fn run_count(&self, monitor: &MonitorId) -> Result<u64, StoreError> {
        let q = Q {
            table: &self.t.runs,
            index: None,
            condition: "monitorId = :m",
            values: vec![(":m", s(monitor.as_str()))],
            newest_first: false,
            limit: None,
        };
        self.count("run_count", q).await
    }

    async fn run(&self, monitor: &MonitorId, id: &RunId) -> Result<Option<Run>, StoreError> {
        self.get_doc("run", &self.t.runs, run_key(monitor, id)).await
    }
}
