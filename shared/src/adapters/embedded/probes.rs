//! Probe history: checks, downtime windows, debug sessions and daily rollups.
use super::incidents::{insert_opened, opened_rows, resolve_incident};
use super::monitors::MonitorRow;
use super::{EmbeddedStore, backend, from_doc, status_name, to_doc, unique};
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId, MonitorId};
use crate::domain::probe::check::ProbeCheck;
use crate::domain::probe::debug::DebugSession;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::rollup::DailyRollup;
use crate::domain::probe::state::ProbeOutcome;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// Fixed-width UTC time, so it compares as text.
pub(super) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The start of `day` (UTC), as `time_text` writes it.
pub(super) fn day_start_text(day: NaiveDate) -> String {
    time_text(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The id range `[lo, hi)` of a check listing: a check's id carries its time
/// (`CheckId::generate_at`), so `from`/`to` bound ids, as does the cursor.
pub(super) fn check_range(query: &CheckQuery, with_cursor: bool) -> (String, String) {
    let lo = query.from.map(CheckId::time_bound).unwrap_or_default();
    // "~" sorts after every id.
    let mut hi = query.to.map(CheckId::time_bound).unwrap_or_else(|| "~".into());
    if let Some(before) = query.before.as_ref().filter(|_| with_cursor) {
        hi = hi.min(before.to_string());
    }
    (lo, hi)
}

/// The status filter as its own statement (so a filtered listing can use the status
/// index); without one, `?4` is bound to NULL and the clause always holds.
fn status_clause(filtered: bool) -> &'static str {
    if filtered { "status = ?4" } else { "?4 IS NULL" }
}

struct CheckRow {
    monitor_id: String,
    id: String,
    status: String,
    doc: String,
}

impl CheckRow {
    fn of(c: &ProbeCheck) -> Result<Self, StoreError> {
        Ok(Self {
            monitor_id: c.monitor_id.to_string(),
            id: c.id.to_string(),
            status: status_name(&c.status)?,
            doc: to_doc(c)?,
        })
    }

    fn insert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached("INSERT INTO probe_checks (monitor_id, id, status, doc) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute(params![self.monitor_id, self.id, self.status, self.doc]))
            .map_err(unique("check"))?;
        Ok(())
    }
}

fn stored_window(c: &Connection, monitor: &str, id: &str) -> Result<Option<DowntimeWindow>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM downtime_windows WHERE monitor_id = ?1 AND id = ?2")
        .and_then(|mut s| s.query_row([monitor, id], |r| r.get(0)).optional())
        .map_err(backend)?;
    doc.map(|d| from_doc(&d)).transpose()
}

fn put_window(c: &Connection, w: &DowntimeWindow) -> Result<(), StoreError> {
    let (started, ended, doc) = (time_text(w.started_at), w.ended_at.map(time_text), to_doc(w)?);
    c.prepare_cached(
        "INSERT OR REPLACE INTO downtime_windows (monitor_id, id, started_at, ended_at, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![w.monitor_id.as_str(), w.id.as_str(), started, ended, doc]))
    .map_err(backend)?;
    Ok(())
}

/// The window as the check left it, with the root cause and notes people wrote on it.
fn upsert_window(c: &Connection, mut w: DowntimeWindow) -> Result<(), StoreError> {
    if let Some(stored) = stored_window(c, w.monitor_id.as_str(), w.id.as_str())? {
        w.root_cause = stored.root_cause;
        w.notes = stored.notes;
    }
    put_window(c, &w)
}

/// Adds `rollup` to its day's row (read and written in the same transaction).
fn add_rollup(c: &Connection, rollup: &DailyRollup) -> Result<(), StoreError> {
    let (monitor, day) = (rollup.monitor_id.as_str(), rollup.day.to_string());
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM probe_rollups WHERE monitor_id = ?1 AND day = ?2")
        .and_then(|mut s| s.query_row([monitor, day.as_str()], |r| r.get(0)).optional())
        .map_err(backend)?;
    let total = match doc {
        Some(d) => {
            let mut stored: DailyRollup = from_doc(&d)?;
            stored.add(rollup);
            stored
        }
        None => rollup.clone(),
    };
    let doc = to_doc(&total)?;
    c.prepare_cached("INSERT OR REPLACE INTO probe_rollups (monitor_id, day, doc) VALUES (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![monitor, day, doc]))
        .map_err(backend)?;
    Ok(())
}

#[async_trait]
impl ProbeStore for EmbeddedStore {
    async fn commit_probe(&self, outcome: &ProbeOutcome, expected_version: u64) -> Result<(), StoreError> {
        let monitor = MonitorRow::of(&outcome.monitor, false)?;
        let check = CheckRow::of(&outcome.check)?;
        let opened = opened_rows(&outcome.opened)?;
        let (resolved, at) = (outcome.resolved.clone(), outcome.check.checked_at);
        let (window, rollup) = (outcome.window.clone(), outcome.rollup.clone());
        let records_events = !(outcome.opened.is_empty() && outcome.resolved.is_empty());
        let commit = move |c: &Connection| {
            monitor.update(c, expected_version)?;
            check.insert(c)?;
            insert_opened(c, &opened)?;
            for id in &resolved {
                resolve_incident(c, id, at)?;
            }
            if let Some(w) = window {
                upsert_window(c, w)?;
            }
            add_rollup(c, &rollup)
        };
        if records_events { self.write_recording(commit).await } else { self.write(commit).await }
    }

    async fn checks(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<Page<ProbeCheck, CheckId>, StoreError> {
        let limit = query.limit.clamp(1, MAX_PAGE);
        let (lo, hi) = check_range(query, true);
        let status = query.status.as_ref().map(status_name).transpose()?;
        let items: Vec<ProbeCheck> = self.read(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT doc FROM probe_checks WHERE monitor_id = ?1 AND id >= ?2 AND id < ?3 AND {}
                     ORDER BY id DESC LIMIT ?5",
                    status_clause(status.is_some())
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), lo, hi, status, (limit + 1) as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect::<Result<Vec<_>, _>>()
        })?;
        Ok(Page::of_overfetch(items, limit, |c| c.id.clone()))
    }

    async fn check_count(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<u64, StoreError> {
        let (lo, hi) = check_range(query, false);
        let status = query.status.as_ref().map(status_name).transpose()?;
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT COUNT(*) FROM probe_checks WHERE monitor_id = ?1 AND id >= ?2 AND id < ?3 AND {}",
                status_clause(status.is_some())
            ))
            .and_then(|mut s| s.query_row(params![monitor.as_str(), lo, hi, status], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(backend)
        })
    }

    async fn downtime_windows(&self, monitor: &MonitorId) -> Result<Vec<DowntimeWindow>, StoreError> {
        self.docs(
            "SELECT doc FROM downtime_windows WHERE monitor_id = ?1 ORDER BY started_at DESC, id DESC",
            monitor.as_str(),
        )
    }

    async fn downtime_window(
        &self,
        monitor: &MonitorId,
        id: &DowntimeId,
    ) -> Result<Option<DowntimeWindow>, StoreError> {
        self.read(|c| stored_window(c, monitor.as_str(), id.as_str()))
    }

    async fn annotate_downtime(
        &self,
        monitor: &MonitorId,
        id: &DowntimeId,
        root_cause: Option<&str>,
        notes: Option<&str>,
    ) -> Result<(), StoreError> {
        let (monitor, id) = (monitor.to_string(), id.to_string());
        let (root_cause, notes) = (root_cause.map(str::to_owned), notes.map(str::to_owned));
        self.write(move |c| {
            let mut w = stored_window(c, &monitor, &id)?.ok_or(StoreError::NotFound("downtime window"))?;
            w.root_cause = root_cause;
            w.notes = notes;
            put_window(c, &w)
        })
        .await
    }

    async fn put_debug_session(&self, session: &DebugSession) -> Result<(), StoreError> {
        let (monitor, key) = (session.monitor_id.to_string(), session.key.to_string());
        let (started, doc) = (time_text(session.started_at), to_doc(session)?);
        self.write(move |c| {
            c.prepare_cached(
                "INSERT OR REPLACE INTO debug_sessions (monitor_id, key, started_at, doc) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![monitor, key, started, doc]))
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    /// Newest first by key: keys are made (time-ordered) when the session is stored.
    async fn debug_sessions(&self, monitor: &MonitorId, limit: usize) -> Result<Vec<DebugSession>, StoreError> {
        let limit = limit.min(MAX_PAGE);
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM debug_sessions WHERE monitor_id = ?1 ORDER BY key DESC LIMIT ?2")
                .map_err(backend)?;
            let rows =
                stmt.query_map(params![monitor.as_str(), limit as i64], |r| r.get::<_, String>(0)).map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    async fn debug_session(
        &self,
        monitor: &MonitorId,
        key: &DebugSessionKey,
    ) -> Result<Option<DebugSession>, StoreError> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached("SELECT doc FROM debug_sessions WHERE monitor_id = ?1 AND key = ?2")
                .and_then(|mut s| s.query_row([monitor.as_str(), key.as_str()], |r| r.get(0)).optional())
                .map_err(backend)?;
            doc.map(|d| from_doc(&d)).transpose()
        })
    }

    async fn rollups(
        &self,
        monitor: &MonitorId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRollup>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT doc FROM probe_rollups WHERE monitor_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), from.to_string(), to.to_string()], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }
}
