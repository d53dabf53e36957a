//! Probe history in one `probes` table, a partition per monitor (`monitorId`, `sk`): checks
//! `chk#<id>`, downtime windows `dtw#<id>`, debug sessions `dbg#<key>` and rollups
//! `day#<yyyy-mm-dd>`. One table because every access is "this monitor's history of one
//! kind" (a key-range query) and the sweep removes a monitor's history in one partition;
//! its TTL and retention differ from runs', and IAM grants it apart.
//!
//! Checks and sessions keep their record as `doc`; a check also `statusSk`
//! (`<STATUS>#<id>`), the sort key of the local index `byStatus`. A window keeps the
//! state machine's part as `doc` (without annotations) and what people wrote on it as
//! `rootCause` and `notes` beside it, so a commit (which SETs only `doc`) never loses
//! them. A rollup is counters that commits ADD to: `orgId`, `day`, `checks`,
//! `failedChecks`, `downtimeSeconds`, and `lat<bucket>` per latency bucket; it is read
//! back through its record (`RollupRecord`).
use super::calls::{Changes, Cond, OnFail, Q, Write, put_write, update_write};
use super::monitors::monitor_item;
use super::{BY_STATUS, DynamoStore, Item, attr, backend, from_item, n, s, status_name, to_doc};
use crate::adapters::records::RollupRecord;
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId, MonitorId};
use crate::domain::probe::check::ProbeCheck;
use crate::domain::probe::debug::DebugSession;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::rollup::DailyRollup;
use crate::domain::probe::state::ProbeOutcome;
use crate::ports::store::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::collections::HashMap;

pub(super) const CHECK: &str = "chk#";
pub(super) const WINDOW: &str = "dtw#";
pub(super) const SESSION: &str = "dbg#";
pub(super) const DAY: &str = "day#";
/// Sorts after every id and every date.
const END: &str = "~";
/// The latency bucket attributes' prefix.
const BUCKET: &str = "lat";

pub(super) fn probe_key(monitor: &MonitorId, sk: String) -> Item {
    HashMap::from([("monitorId".into(), s(monitor.as_str())), ("sk".into(), s(sk))])
}

/// Fixed-width UTC time to the nanosecond, so it compares as text (as the embedded store's).
pub(super) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn check_item(c: &ProbeCheck) -> Result<Item, StoreError> {
    let mut item = probe_key(&c.monitor_id, format!("{CHECK}{}", c.id));
    item.insert("statusSk".into(), s(format!("{}#{}", status_name(&c.status)?, c.id)));
    item.insert("doc".into(), to_doc(c)?);
    Ok(item)
}

/// SETs the window's `doc` only: `rootCause` and `notes` stay as people left them.
fn window_write(table: &str, w: &DowntimeWindow) -> Result<Write, StoreError> {
    let bare = DowntimeWindow { root_cause: None, notes: None, ..w.clone() };
    let changes = Changes {
        expr: "SET #doc = :doc".into(),
        names: HashMap::from([("#doc".into(), "doc".into())]),
        values: HashMap::from([(":doc".into(), to_doc(&bare)?)]),
    };
    update_write(table, probe_key(&w.monitor_id, format!("{WINDOW}{}", w.id)), changes, None)
}

pub(super) fn window_of(item: &Item) -> Result<DowntimeWindow, StoreError> {
    let mut w: DowntimeWindow = from_item(item)?;
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    w.root_cause = text("rootCause");
    w.notes = text("notes");
    Ok(w)
}

/// ADDs the rollup's counts to its day's item (made by the first ADD).
fn rollup_write(table: &str, r: &DailyRollup) -> Result<Write, StoreError> {
    let mut names: HashMap<String, String> = [
        ("#org", "orgId"),
        ("#day", "day"),
        ("#checks", "checks"),
        ("#failed", "failedChecks"),
        ("#down", "downtimeSeconds"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut values: HashMap<String, AttributeValue> = HashMap::from([
        (":org".into(), s(r.org_id.as_str())),
        (":day".into(), s(r.day.to_string())),
        (":checks".into(), n(r.checks)),
        (":failed".into(), n(r.failed_checks)),
        (":down".into(), n(r.downtime_seconds)),
    ]);
    let mut adds = vec!["#checks :checks".to_owned(), "#failed :failed".into(), "#down :down".into()];
    for (bucket, count) in &r.latency.buckets {
        names.insert(format!("#b{bucket}"), format!("{BUCKET}{bucket}"));
        values.insert(format!(":b{bucket}"), n(*count));
        adds.push(format!("#b{bucket} :b{bucket}"));
    }
    let changes = Changes { expr: format!("SET #org = :org, #day = :day ADD {}", adds.join(", ")), names, values };
    update_write(table, probe_key(&r.monitor_id, format!("{DAY}{}", r.day)), changes, None)
}

/// A rollup item's counters, read back through the rollup's record.
pub(super) fn rollup_of(item: &Item) -> Result<DailyRollup, StoreError> {
    let number = |v: &AttributeValue| -> Result<u64, StoreError> {
        v.as_n().map_err(|_| backend("rollup counter is not a number"))?.parse::<u64>().map_err(backend)
    };
    let counter = |name: &str| item.get(name).map(number).transpose().map(Option::unwrap_or_default);
    let mut latency = serde_json::Map::new();
    for (name, v) in item {
        if let Some(bucket) = name.strip_prefix(BUCKET).filter(|b| b.bytes().all(|c| c.is_ascii_digit())) {
            latency.insert(bucket.to_owned(), number(v)?.into());
        }
    }
    let record = serde_json::json!({
        "orgId": attr(item, "orgId")?,
        "monitorId": attr(item, "monitorId")?,
        "day": attr(item, "day")?,
        "checks": counter("checks")?,
        "failedChecks": counter("failedChecks")?,
        "downtimeSeconds": counter("downtimeSeconds")?,
        "latency": latency,
    });
    let record: RollupRecord = serde_json::from_value(record).map_err(backend)?;
    record.try_into().map_err(backend)
}

fn session_item(session: &DebugSession) -> Result<Item, StoreError> {
    let mut item = probe_key(&session.monitor_id, format!("{SESSION}{}", session.key));
    item.insert("startedAt".into(), s(time_text(session.started_at)));
    item.insert("doc".into(), to_doc(session)?);
    Ok(item)
}

/// A check listing's key condition: `sk` (or, filtered by status, `statusSk`) between
/// the query's bounds. A check's id carries its time (`CheckId::generate_at`), so
/// `from`/`to` bound ids, as the embedded store's do. BETWEEN is inclusive: a time bound
/// is never an id, but the cursor is, and is left out by the caller. None when the range
/// is empty (DynamoDB refuses a BETWEEN whose bounds are reversed).
fn check_query<'a>(
    table: &'a str,
    monitor: &MonitorId,
    query: &CheckQuery,
    with_cursor: bool,
) -> Result<Option<Q<'a>>, StoreError> {
    let lo = query.from.map(CheckId::time_bound).unwrap_or_default();
    let mut hi = query.to.map(CheckId::time_bound).unwrap_or_else(|| END.into());
    if let Some(before) = query.before.as_ref().filter(|_| with_cursor) {
        hi = hi.min(before.to_string());
    }
    if lo > hi {
        return Ok(None);
    }
    let (index, condition, prefix) = match &query.status {
        Some(status) => {
            (Some(BY_STATUS), "monitorId = :m AND statusSk BETWEEN :lo AND :hi", format!("{}#", status_name(status)?))
        }
        None => (None, "monitorId = :m AND sk BETWEEN :lo AND :hi", CHECK.to_owned()),
    };
    Ok(Some(Q {
        table,
        index,
        condition,
        values: vec![
            (":m", s(monitor.as_str())),
            (":lo", s(format!("{prefix}{lo}"))),
            (":hi", s(format!("{prefix}{hi}"))),
        ],
        newest_first: true,
        limit: None,
    }))
}

/// Items of one kind (`prefix`) of the monitor.
pub(super) fn kind_query<'a>(table: &'a str, monitor: &MonitorId, prefix: &'static str) -> Q<'a> {
    Q {
        table,
        index: None,
        condition: "monitorId = :m AND begins_with(sk, :prefix)",
        values: vec![(":m", s(monitor.as_str())), (":prefix", s(prefix))],
        newest_first: false,
        limit: None,
    }
}

#[async_trait]
impl ProbeStore for DynamoStore {
    async fn commit_probe(&self, outcome: &ProbeOutcome, expected_version: u64) -> Result<(), StoreError> {
        let table = &self.t.probes;
        let mut writes = vec![
            self.versioned_write(monitor_item(&outcome.monitor, None)?, expected_version)?,
            put_write(table, check_item(&outcome.check)?, None)?,
        ];
        writes.extend(self.opened_writes(&outcome.opened)?);
        writes.extend(self.resolve_writes(&outcome.resolved, outcome.check.checked_at).await?);
        if let Some(w) = &outcome.window {
            writes.push(window_write(table, w)?);
        }
        writes.push(rollup_write(table, &outcome.rollup)?);
        self.transact("commit_probe", writes).await?;
        tracing::debug!(monitor_id = %outcome.monitor.id, check_id = %outcome.check.id,
            opened = outcome.opened.len(), resolved = outcome.resolved.len(), "probe check committed");
        Ok(())
    }

    async fn checks(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<Page<ProbeCheck, CheckId>, StoreError> {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let Some(mut q) = check_query(&self.t.probes, monitor, query, true)? else {
            return Ok(Page { items: Vec::new(), next: None });
        };
        // One more than asked (a cursor only if something follows), and one for the cursor's own check.
        q.limit = Some(limit + 1 + usize::from(query.before.is_some()));
        let mut items: Vec<ProbeCheck> =
            self.query("checks", q).await?.iter().map(from_item).collect::<Result<_, _>>()?;
        items.retain(|c| Some(&c.id) != query.before.as_ref());
        Ok(Page::of_overfetch(items, limit, |c| c.id.clone()))
    }

    /// Reads every matching check (billed by their total size).
    async fn check_count(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<u64, StoreError> {
        match check_query(&self.t.probes, monitor, query, false)? {
            Some(q) => self.count("check_count", q).await,
            None => Ok(0),
        }
    }

    async fn downtime_windows(&self, monitor: &MonitorId) -> Result<Vec<DowntimeWindow>, StoreError> {
        let items = self.query("downtime_windows", kind_query(&self.t.probes, monitor, WINDOW)).await?;
        let mut windows: Vec<DowntimeWindow> = items.iter().map(window_of).collect::<Result<_, _>>()?;
        // Newest first by start, as the embedded store lists them.
        windows.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| b.id.cmp(&a.id)));
        Ok(windows)
    }

    async fn downtime_window(
        &self,
        monitor: &MonitorId,
        id: &DowntimeId,
    ) -> Result<Option<DowntimeWindow>, StoreError> {
        let key = probe_key(monitor, format!("{WINDOW}{id}"));
        self.get("downtime_window", &self.t.probes, key, true).await?.as_ref().map(window_of).transpose()
    }

    async fn annotate_downtime(
        &self,
        monitor: &MonitorId,
        id: &DowntimeId,
        root_cause: Option<&str>,
        notes: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut changes = Changes::default();
        let (mut set, mut remove) = (Vec::new(), Vec::new());
        for (placeholder, name, value) in [("#rc", "rootCause", root_cause), ("#notes", "notes", notes)] {
            changes.names.insert(placeholder.into(), name.into());
            match value {
                Some(v) => {
                    let value_name = format!(":{}", &placeholder[1..]);
                    set.push(format!("{placeholder} = {value_name}"));
                    changes.values.insert(value_name, s(v));
                }
                None => remove.push(placeholder),
            }
        }
        let mut expr = Vec::new();
        if !set.is_empty() {
            expr.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            expr.push(format!("REMOVE {}", remove.join(", ")));
        }
        changes.expr = expr.join(" ");
        let cond = Cond::new("attribute_exists(sk)", OnFail::Missing("downtime window"));
        let key = probe_key(monitor, format!("{WINDOW}{id}"));
        self.update("annotate_downtime", &self.t.probes, key, changes, Some(cond)).await
    }

    async fn put_debug_session(&self, session: &DebugSession) -> Result<(), StoreError> {
        self.put("put_debug_session", &self.t.probes, session_item(session)?, None).await
    }

    /// Newest first by key: keys are made (time-ordered) when the session is stored.
    async fn debug_sessions(&self, monitor: &MonitorId, limit: usize) -> Result<Vec<DebugSession>, StoreError> {
        let limit = limit.min(MAX_PAGE);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Q { newest_first: true, limit: Some(limit), ..kind_query(&self.t.probes, monitor, SESSION) };
        self.query("debug_sessions", q).await?.iter().map(from_item).collect()
    }

    async fn debug_session(
        &self,
        monitor: &MonitorId,
        key: &DebugSessionKey,
    ) -> Result<Option<DebugSession>, StoreError> {
        self.get_doc("debug_session", &self.t.probes, probe_key(monitor, format!("{SESSION}{key}"))).await
    }

    async fn rollups(
        &self,
        monitor: &MonitorId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRollup>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let q = Q {
            table: &self.t.probes,
            index: None,
            condition: "monitorId = :m AND sk BETWEEN :lo AND :hi",
            values: vec![
                (":m", s(monitor.as_str())),
                (":lo", s(format!("{DAY}{from}"))),
                (":hi", s(format!("{DAY}{to}"))),
            ],
            newest_first: false,
            limit: None,
        };
        self.query("rollups", q).await?.iter().map(rollup_of).collect()
    }
}
