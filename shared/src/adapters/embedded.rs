//! The store port on one SQLite file, for the local binary.
//!
//! Writes go to a single writer thread that commits whatever has queued up in one
//! transaction (group commit): each request still gets its own savepoint, so one
//! failed write never takes its neighbours down, and a write is acknowledged only
//! after its transaction is in the WAL, which survives `kill -9`. The WAL stays
//! bounded however long writes go on (`wal` says how).
use crate::adapters::records::{self, Stored};
use crate::domain::channel::Channel;
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{
    ApiKeyId, ChannelId, IncidentId, MaintenanceId, MonitorId, OrgId, RunId, StatusPageId, SubscriberId, UserId,
};
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::missed::CheckOutcome;
use crate::domain::monitor::{Monitor, PingOutcome};
use crate::domain::notification::record::DeliveryRecord;
use crate::domain::org::{ApiKey, Org, User};
use crate::domain::run::Run;
use crate::domain::secret::SecretHash;
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::subscriber::Subscriber;
use crate::ports::store::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{Notify, oneshot};

mod schema;
mod wal;

pub use schema::SCHEMA_VERSION;
pub use wal::WAL_SIZE_LIMIT;

/// The most writes one transaction carries.
const MAX_BATCH: usize = 512;

type Reply = Box<dyn FnOnce(Option<StoreError>) + Send>;
/// A write: runs inside a savepoint; says whether it succeeded and how to answer.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

pub struct EmbeddedStore {
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    /// Wakes the checkpointer; once this and the writer's copy are dropped, it makes a
    /// last checkpoint and stops.
    checkpointer: Mutex<Option<(mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
    path: PathBuf,
    /// Signalled after a commit that recorded incident events (the event queue has work).
    events_recorded: Arc<Notify>,
}

/// An incident event in the event queue (pending events), not yet marked delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    pub seq: i64,
    pub event: IncidentEvent,
}

/// How long a connection waits for a lock another holds (another process's writer, say).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The stored document of `v`: its record's JSON (see `records`).
fn to_doc<T: Stored>(v: &T) -> Result<String, StoreError> {
    records::to_json(v).map_err(backend)
}

fn from_doc<T: Stored>(s: &str) -> Result<T, StoreError> {
    records::from_json(s).map_err(backend)
}

/// `OPEN`, `ACKNOWLEDGED`, `RESOLVED`: a plain enum's serde form without its JSON quotes.
fn status_name<T: Serialize>(status: &T) -> Result<String, StoreError> {
    let json = serde_json::to_string(status).map_err(backend)?;
    Ok(json.trim_matches('"').to_owned())
}

/// Maps a UNIQUE or PRIMARY KEY violation to `AlreadyExists(what)`.
fn unique(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::AlreadyExists(what),
        _ => backend(e),
    }
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(backend)?;
    // WAL + NORMAL: a commit is in the WAL file before it returns, so a killed process
    // loses nothing acknowledged; only a power cut could lose the last transactions.
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;")
        .map_err(backend)?;
    conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT as i64).map_err(backend)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
    Ok(conn)
}

impl EmbeddedStore {
    /// Opens (or creates) `dir/tokiflow.db` and brings its schema up to date (the
    /// `schema` module says how, and how to change the schema).
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(backend)?;
        let path = dir.join("tokiflow.db");
        let mut conn = open(&path)?;
        schema::migrate(&mut conn, dir)?;
        // Checkpoints (with their fsyncs) would otherwise run inside a commit every
        // 1000 pages and stall every writer behind them; a separate thread does them.
        conn.execute_batch("PRAGMA wal_autocheckpoint=0;").map_err(backend)?;
        let checkpoints = Arc::new(wal::Checkpoints::default());
        let (wake, woken) = mpsc::channel::<()>();
        let restarts = wal::WalRestarts::watch(&conn, checkpoints.clone(), wake.clone()).map_err(backend)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("tokiflow-store-writer".into())
            .spawn(move || write_loop(conn, rx, restarts))
            .map_err(backend)?;
        let checkpoint_conn = open(&path)?;
        let checkpointer = std::thread::Builder::new()
            .name("tokiflow-store-checkpoint".into())
            .spawn(move || wal::checkpoint_loop(checkpoint_conn, woken, checkpoints))
            .map_err(backend)?;
        Ok(Self {
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(thread)),
            readers: Mutex::new(Vec::new()),
            checkpointer: Mutex::new(Some((wake, checkpointer))),
            path,
            events_recorded: Arc::new(Notify::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The write-ahead log beside the database file (`tokiflow.db-wal`).
    pub fn wal_path(&self) -> PathBuf {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        wal.into()
    }

    /// Runs `f` in the writer's next transaction and waits for the commit.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = f(conn);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit_error| {
                let _ = tx.send(match commit_error {
                    Some(e) => Err(e),
                    None => result,
                });
            });
            (ok, reply)
        });
        let sender = self.writer.lock().expect("writer lock").clone();
        sender.ok_or_else(|| backend("store is closed"))?.send(job).map_err(|_| backend("store writer stopped"))?;
        rx.await.map_err(|_| backend("store writer stopped"))?
    }

    /// Runs a read on a pooled connection (reads never wait for the writer in WAL mode).
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let pooled = self.readers.lock().expect("reader pool").pop();
        let conn = match pooled {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let result = f(&conn);
        self.readers.lock().expect("reader pool").push(conn);
        result
    }

    fn docs<T: Stored>(&self, sql: &str, key: &str) -> Result<Vec<T>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(sql).map_err(backend)?;
            let rows = stmt.query_map([key], |r| r.get::<_, String>(0)).map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    fn doc<T: Stored>(&self, sql: &str, key: &str) -> Result<Option<T>, StoreError> {
        self.read(|c| {
            let doc: Option<String> =
                c.prepare_cached(sql).map_err(backend)?.query_row([key], |r| r.get(0)).optional().map_err(backend)?;
            doc.map(|d| from_doc(&d)).transpose()
        })
    }

    /// The `(id, org_id)` row's document: another org's row is not found.
    fn doc_of_org<T: Stored>(&self, table: &str, id: &str, org: &OrgId) -> Result<Option<T>, StoreError> {
        self.read(|c| {
            let doc: Option<String> = c
                .prepare_cached(&format!("SELECT doc FROM {table} WHERE id = ?1 AND org_id = ?2"))
                .map_err(backend)?
                .query_row([id, org.as_str()], |r| r.get(0))
                .optional()
                .map_err(backend)?;
            doc.map(|d| from_doc(&d)).transpose()
        })
    }

    /// Every monitor's armed check (`armed_for`), read without loading whole monitors:
    /// what the in-process timer needs on start, for any number of monitors.
    pub fn armed_checks(&self) -> Result<Vec<(MonitorId, DateTime<Utc>)>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare("SELECT id, json_extract(doc, '$.armedFor') FROM monitors WHERE json_extract(doc, '$.armedFor') IS NOT NULL")
                .map_err(backend)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).map_err(backend)?;
            rows.map(|r| {
                let (id, at) = r.map_err(backend)?;
                let id = MonitorId::parse(&id).ok_or_else(|| backend(format!("corrupt monitor id {id}")))?;
                let at = DateTime::parse_from_rfc3339(&at).map_err(backend)?.with_timezone(&Utc);
                Ok((id, at))
            })
            .collect()
        })
    }

    /// Notified whenever a commit recorded incident events: the local notifier waits on it.
    pub fn events_recorded(&self) -> Arc<Notify> {
        self.events_recorded.clone()
    }

    /// The event queue: up to `limit` pending incident events (not yet marked delivered),
    /// oldest first. They are the `incident_events` rows with `delivered = 0`.
    pub fn pending_events(&self, limit: usize) -> Result<Vec<PendingEvent>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT seq, doc FROM incident_events WHERE delivered = 0 ORDER BY seq LIMIT ?1")
                .map_err(backend)?;
            let rows = stmt
                .query_map([limit as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(backend)?;
            rows.map(|r| {
                let (seq, doc) = r.map_err(backend)?;
                Ok(PendingEvent { seq, event: from_doc(&doc)? })
            })
            .collect()
        })
    }

    pub async fn mark_delivered(&self, seqs: Vec<i64>) -> Result<(), StoreError> {
        self.write(move |c| {
            let mut stmt =
                c.prepare_cached("UPDATE incident_events SET delivered = 1 WHERE seq = ?1").map_err(backend)?;
            for seq in seqs {
                stmt.execute([seq]).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    /// A write that may record incident events: wakes the event queue's reader once committed.
    async fn write_recording<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let written = self.write(f).await?;
        self.events_recorded.notify_one();
        Ok(written)
    }

    /// Stops the writer after it has committed everything queued; later writes fail.
    pub fn close(&self) {
        self.writer.lock().expect("writer lock").take();
        if let Some(t) = self.writer_thread.lock().expect("writer thread").take() {
            let _ = t.join();
        }
        if let Some((stop, t)) = self.checkpointer.lock().expect("checkpointer").take() {
            drop(stop);
            let _ = t.join();
        }
    }
}

impl Drop for EmbeddedStore {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_loop(conn: Connection, rx: mpsc::Receiver<Job>, mut wal: wal::WalRestarts) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            let msg = e.to_string();
            for job in batch {
                let (_, reply) = job(&conn);
                reply(Some(backend(&msg)));
            }
            continue;
        }
        let mut replies = Vec::with_capacity(batch.len());
        for job in batch {
            let savepoint = conn.execute_batch("SAVEPOINT job");
            let (ok, reply) = job(&conn);
            let end = if ok { "RELEASE job" } else { "ROLLBACK TO job; RELEASE job" };
            let closed = savepoint.and_then(|_| conn.execute_batch(end));
            replies.push((reply, closed.err().map(backend)));
        }
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for (reply, savepoint_error) in replies {
            let error = match &commit {
                Err(msg) => Some(backend(msg)),
                Ok(()) => savepoint_error,
            };
            reply(error);
        }
        // After the replies: a restart delays the next batch, never this one's answers.
        wal.after_commit(&conn);
    }
}

/// Rows are serialised by the caller, before they reach the single writer thread, so
/// that thread only binds ready strings.
struct RunRow {
    id: String,
    monitor_id: String,
    doc: String,
}

impl RunRow {
    fn of(r: &Run) -> Result<Self, StoreError> {
        Ok(Self { id: r.id.to_string(), monitor_id: r.monitor_id.to_string(), doc: to_doc(r)? })
    }

    fn insert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached("INSERT INTO runs (id, monitor_id, doc) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![self.id, self.monitor_id, self.doc]))
            .map_err(unique("run"))?;
        Ok(())
    }
}

struct IncidentRow {
    id: String,
    monitor_id: String,
    org_id: String,
    status: String,
    opened_at: String,
    doc: String,
}

impl IncidentRow {
    fn of(i: &Incident) -> Result<Self, StoreError> {
        Ok(Self {
            id: i.id.to_string(),
            monitor_id: i.monitor_id.to_string(),
            org_id: i.org_id.to_string(),
            status: status_name(&i.status)?,
            opened_at: i.opened_at.to_rfc3339(),
            doc: to_doc(i)?,
        })
    }

    fn upsert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached(
            "INSERT INTO incidents (id, monitor_id, org_id, status, opened_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
        )
        .and_then(|mut s| {
            s.execute(params![self.id, self.monitor_id, self.org_id, self.status, self.opened_at, self.doc])
        })
        .map_err(backend)?;
        Ok(())
    }
}

struct EventRow {
    key: String,
    incident_id: String,
    doc: String,
}

impl EventRow {
    fn of(e: &IncidentEvent) -> Result<Self, StoreError> {
        Ok(Self { key: e.key(), incident_id: e.incident_id().to_string(), doc: to_doc(e)? })
    }

    /// Recorded once per key: a retried write of the same change adds nothing.
    fn insert(&self, c: &Connection) -> Result<(), StoreError> {
        c.prepare_cached("INSERT OR IGNORE INTO incident_events (key, incident_id, doc) VALUES (?1, ?2, ?3)")
            .and_then(|mut s| s.execute(params![self.key, self.incident_id, self.doc]))
            .map_err(backend)?;
        Ok(())
    }
}

/// A new incident and its OPENED event, serialised before the writer thread.
fn opened_rows(opened: &[Incident]) -> Result<Vec<(IncidentRow, EventRow)>, StoreError> {
    opened.iter().map(|i| Ok((IncidentRow::of(i)?, EventRow::of(&IncidentEvent::opened(i))?))).collect()
}

fn insert_opened(c: &Connection, rows: &[(IncidentRow, EventRow)]) -> Result<(), StoreError> {
    for (incident, event) in rows {
        incident.upsert(c)?;
        event.insert(c)?;
    }
    Ok(())
}

fn stored_incident(c: &Connection, id: &str) -> Result<Option<Incident>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM incidents WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
        .map_err(backend)?;
    doc.map(|d| from_doc(&d)).transpose()
}

struct MonitorRow {
    id: String,
    version: i64,
    doc: String,
    /// Set only when the token may have changed: rewriting the unique token index on
    /// every ping would double the WAL written per ping.
    token_hash: Option<String>,
}

impl MonitorRow {
    fn of(m: &Monitor, with_token: bool) -> Result<Self, StoreError> {
        Ok(Self {
            id: m.id.to_string(),
            version: m.version as i64,
            doc: to_doc(m)?,
            token_hash: with_token.then(|| m.token_hash.to_hex()),
        })
    }

    /// Writes the row only if the stored version is still `expected_version`.
    fn update(&self, c: &Connection, expected_version: u64) -> Result<(), StoreError> {
        let expected = expected_version as i64;
        let changed = match &self.token_hash {
            None => c
                .prepare_cached("UPDATE monitors SET version = ?1, doc = ?2 WHERE id = ?3 AND version = ?4")
                .and_then(|mut s| s.execute(params![self.version, self.doc, self.id, expected])),
            Some(hash) => c
                .prepare_cached(
                    "UPDATE monitors SET version = ?1, doc = ?2, token_hash = ?3 WHERE id = ?4 AND version = ?5",
                )
                .and_then(|mut s| s.execute(params![self.version, self.doc, hash, self.id, expected])),
        }
        .map_err(unique("monitor token"))?;
        if changed == 1 { Ok(()) } else { Err(StoreError::Conflict) }
    }
}

fn resolve_incident(c: &Connection, id: &IncidentId, at: DateTime<Utc>) -> Result<(), StoreError> {
    // The monitor's open-incident map said it was open; if the row is gone (swept),
    // there is nothing left to resolve.
    let Some(mut incident) = stored_incident(c, id.as_str())? else { return Ok(()) };
    if incident.status != IncidentStatus::Resolved {
        incident.resolve(at).map_err(backend)?;
        IncidentRow::of(&incident)?.upsert(c)?;
        EventRow::of(&IncidentEvent::resolved(&incident, at))?.insert(c)?;
    }
    Ok(())
}

#[async_trait]
impl MonitorStore for EmbeddedStore {
    async fn create_monitor(&self, m: &Monitor) -> Result<(), StoreError> {
        let (id, org, hash, version, doc) =
            (m.id.to_string(), m.org_id.to_string(), m.token_hash.to_hex(), m.version as i64, to_doc(m)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO monitors (id, org_id, token_hash, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, org, hash, version, doc],
            )
            .map_err(unique("monitor"))?;
            Ok(())
        })
        .await
    }

    async fn monitor(&self, id: &MonitorId) -> Result<Option<Monitor>, StoreError> {
        self.doc("SELECT doc FROM monitors WHERE id = ?1", id.as_str())
    }

    async fn monitor_by_token(&self, token_hash: &SecretHash) -> Result<Option<Monitor>, StoreError> {
        self.doc("SELECT doc FROM monitors WHERE token_hash = ?1", &token_hash.to_hex())
    }

    async fn monitors_of_org(&self, org: &OrgId) -> Result<Vec<Monitor>, StoreError> {
        self.docs("SELECT doc FROM monitors WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn update_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let row = MonitorRow::of(m, true)?;
        self.write(move |c| row.update(c, expected_version)).await
    }

    async fn delete_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let (id, expected) = (m.id.to_string(), expected_version as i64);
        self.write(move |c| {
            let n = c
                .execute("DELETE FROM monitors WHERE id = ?1 AND version = ?2", params![id, expected])
                .map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::Conflict) }
        })
        .await
    }
}

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

#[async_trait]
impl RunStore for EmbeddedStore {
    async fn runs(&self, monitor: &MonitorId, limit: usize, before: Option<&RunId>) -> Result<Page<Run>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE);
        // The cursor is exclusive; "~" sorts after every id, so no cursor means "from the newest".
        let before = before.map(|b| b.as_str().to_owned()).unwrap_or_else(|| "~".into());
        let mut items: Vec<Run> = self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM runs WHERE monitor_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), before, (limit + 1) as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect::<Result<Vec<Run>, _>>()
        })?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page { items, next })
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

#[async_trait]
impl IncidentStore for EmbeddedStore {
    async fn incident(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        self.doc("SELECT doc FROM incidents WHERE id = ?1", id.as_str())
    }

    async fn incidents_of_monitor(&self, monitor: &MonitorId) -> Result<Vec<Incident>, StoreError> {
        self.docs("SELECT doc FROM incidents WHERE monitor_id = ?1 ORDER BY opened_at DESC, id DESC", monitor.as_str())
    }

    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let (row, after) = (IncidentRow::of(incident)?, incident.clone());
        self.write_recording(move |c| {
            let before = stored_incident(c, &row.id)?;
            row.upsert(c)?;
            match IncidentEvent::between(before.as_ref(), &after, Utc::now()) {
                Some(event) => EventRow::of(&event)?.insert(c),
                None => Ok(()),
            }
        })
        .await
    }

    async fn update_incident(
        &self,
        incident: &Incident,
        expected: IncidentStatus,
        monitor: Option<(&Monitor, u64)>,
    ) -> Result<(), StoreError> {
        let row = IncidentRow::of(incident)?;
        let event =
            IncidentEvent::of_status_change(incident, expected, Utc::now()).map(|e| EventRow::of(&e)).transpose()?;
        let expected = status_name(&expected)?;
        let monitor = monitor.map(|(m, v)| MonitorRow::of(m, false).map(|row| (row, v))).transpose()?;
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE incidents SET status = ?1, doc = ?2 WHERE id = ?3 AND status = ?4",
                    params![row.status, row.doc, row.id, expected],
                )
                .map_err(backend)?;
            if n == 0 {
                let exists = c
                    .query_row("SELECT 1 FROM incidents WHERE id = ?1", [&row.id], |_| Ok(()))
                    .optional()
                    .map_err(backend)?;
                return Err(if exists.is_some() { StoreError::Conflict } else { StoreError::NotFound("incident") });
            }
            if let Some((m, version)) = &monitor {
                m.update(c, *version)?;
            }
            if let Some(event) = &event {
                event.insert(c)?;
            }
            Ok(())
        })
        .await?;
        self.events_recorded.notify_one();
        Ok(())
    }

    async fn incident_events(&self, incident: &IncidentId) -> Result<Vec<IncidentEvent>, StoreError> {
        let mut events: Vec<IncidentEvent> =
            self.docs("SELECT doc FROM incident_events WHERE incident_id = ?1 ORDER BY seq", incident.as_str())?;
        IncidentEvent::chronological(&mut events);
        Ok(events)
    }
}

#[async_trait]
impl DeliveryStore for EmbeddedStore {
    async fn claim_delivery(&self, claim: &DeliveryRecord, lease: chrono::Duration) -> Result<bool, StoreError> {
        let (key, claim) = (claim.key(), claim.clone());
        self.write(move |c| {
            let existing: Option<String> = c
                .prepare_cached("SELECT doc FROM deliveries WHERE key = ?1")
                .and_then(|mut s| s.query_row([&key], |r| r.get(0)).optional())
                .map_err(backend)?;
            if let Some(doc) = existing
                && !DeliveryRecord::may_replace(&from_doc(&doc)?, claim.started_at, lease)
            {
                return Ok(false);
            }
            upsert_delivery(c, &claim)?;
            Ok(true)
        })
        .await
    }

    async fn finish_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.write(move |c| upsert_delivery(c, &record)).await
    }

    async fn deliveries_of_incident(&self, incident: &IncidentId) -> Result<Vec<DeliveryRecord>, StoreError> {
        self.docs("SELECT doc FROM deliveries WHERE incident_id = ?1 ORDER BY started_at, key", incident.as_str())
    }
}

fn upsert_delivery(c: &Connection, r: &DeliveryRecord) -> Result<(), StoreError> {
    let doc = to_doc(r)?;
    c.prepare_cached(
        "INSERT INTO deliveries (key, incident_id, started_at, doc) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET started_at = excluded.started_at, doc = excluded.doc",
    )
    .and_then(|mut s| {
        s.execute(params![
            r.key(),
            r.incident_id.as_str(),
            r.started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            doc
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// Inserts a `(id, org_id, doc)` row, or replaces it when `replace` is set.
async fn put_simple<T: Stored>(
    store: &EmbeddedStore,
    table: &'static str,
    what: &'static str,
    id: &str,
    org: &OrgId,
    item: &T,
    replace: bool,
) -> Result<(), StoreError> {
    let (id, org, doc) = (id.to_owned(), org.to_string(), to_doc(item)?);
    let verb = if replace { "INSERT OR REPLACE" } else { "INSERT" };
    store
        .write(move |c| {
            c.execute(&format!("{verb} INTO {table} (id, org_id, doc) VALUES (?1, ?2, ?3)"), params![id, org, doc])
                .map_err(unique(what))?;
            Ok(())
        })
        .await
}

#[async_trait]
impl OrgStore for EmbeddedStore {
    async fn create_org(&self, org: &Org) -> Result<(), StoreError> {
        let (id, doc) = (org.id.to_string(), to_doc(org)?);
        self.write(move |c| {
            c.execute("INSERT INTO orgs (id, doc) VALUES (?1, ?2)", params![id, doc]).map_err(unique("org"))?;
            Ok(())
        })
        .await
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError> {
        self.doc("SELECT doc FROM orgs WHERE id = ?1", id.as_str())
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.docs("SELECT doc FROM orgs WHERE ?1 = ?1 ORDER BY id", "")
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, org, email, doc) =
            (user.id.to_string(), user.org_id.to_string(), user.email.as_str().to_owned(), to_doc(user)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO users (id, org_id, email, doc) VALUES (?1, ?2, ?3, ?4)",
                params![id, org, email, doc],
            )
            .map_err(unique("user"))?;
            Ok(())
        })
        .await
    }

    async fn users_of_org(&self, org: &OrgId) -> Result<Vec<User>, StoreError> {
        self.docs("SELECT doc FROM users WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, StoreError> {
        self.doc_of_org("users", id.as_str(), org)
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let (id, org, hash, doc) = (key.id.to_string(), key.org_id.to_string(), key.key_hash.to_hex(), to_doc(key)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO api_keys (id, org_id, key_hash, doc) VALUES (?1, ?2, ?3, ?4)",
                params![id, org, hash, doc],
            )
            .map_err(unique("api key"))?;
            Ok(())
        })
        .await
    }

    async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        self.doc("SELECT doc FROM api_keys WHERE key_hash = ?1", &hash.to_hex())
    }

    async fn api_keys_of_org(&self, org: &OrgId) -> Result<Vec<ApiKey>, StoreError> {
        self.docs("SELECT doc FROM api_keys WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn api_key(&self, org: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        self.doc_of_org("api_keys", id.as_str(), org)
    }

    async fn put_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let (id, hash, doc) = (key.id.to_string(), key.key_hash.to_hex(), to_doc(key)?);
        self.write(move |c| {
            let n = c
                .execute("UPDATE api_keys SET key_hash = ?2, doc = ?3 WHERE id = ?1", params![id, hash, doc])
                .map_err(unique("api key"))?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("api key")) }
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let (id, org, doc) = (user.id.to_string(), user.org_id.to_string(), to_doc(user)?);
        self.write(move |c| {
            let n = c
                .execute("UPDATE users SET doc = ?3 WHERE id = ?1 AND org_id = ?2", params![id, org, doc])
                .map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("user")) }
        })
        .await
    }

    async fn delete_user(&self, org: &OrgId, id: &UserId) -> Result<(), StoreError> {
        delete_simple(self, "users", id.as_str(), org).await
    }

    async fn update_org(&self, org: &Org) -> Result<(), StoreError> {
        let (id, doc) = (org.id.to_string(), to_doc(org)?);
        self.write(move |c| {
            let n = c.execute("UPDATE orgs SET doc = ?2 WHERE id = ?1", params![id, doc]).map_err(backend)?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound("org")) }
        })
        .await
    }
}

/// Deletes the `(id, org_id)` row if there is one.
async fn delete_simple(store: &EmbeddedStore, table: &'static str, id: &str, org: &OrgId) -> Result<(), StoreError> {
    let (id, org) = (id.to_owned(), org.to_string());
    store
        .write(move |c| {
            c.execute(&format!("DELETE FROM {table} WHERE id = ?1 AND org_id = ?2"), params![id, org])
                .map_err(backend)?;
            Ok(())
        })
        .await
}

#[async_trait]
impl ConfigStore for EmbeddedStore {
    async fn add_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let (org, up, down, doc) =
            (dep.org_id.to_string(), dep.upstream.to_string(), dep.downstream.to_string(), to_doc(dep)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO dependencies (org_id, upstream, downstream, doc) VALUES (?1, ?2, ?3, ?4)",
                params![org, up, down, doc],
            )
            .map_err(unique("dependency"))?;
            Ok(())
        })
        .await
    }

    async fn dependencies_of_org(&self, org: &OrgId) -> Result<Vec<MonitorDependency>, StoreError> {
        self.docs("SELECT doc FROM dependencies WHERE org_id = ?1 ORDER BY upstream, downstream", org.as_str())
    }

    async fn remove_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let (org, up, down) = (dep.org_id.to_string(), dep.upstream.to_string(), dep.downstream.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM dependencies WHERE org_id = ?1 AND upstream = ?2 AND downstream = ?3",
                params![org, up, down],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn delete_maintenance(&self, org: &OrgId, id: &MaintenanceId) -> Result<(), StoreError> {
        delete_simple(self, "maintenance", id.as_str(), org).await
    }

    async fn delete_channel(&self, org: &OrgId, id: &ChannelId) -> Result<(), StoreError> {
        delete_simple(self, "channels", id.as_str(), org).await
    }

    async fn put_maintenance(&self, w: &MaintenanceWindow) -> Result<(), StoreError> {
        put_simple(self, "maintenance", "maintenance window", w.id.as_str(), &w.org_id, w, true).await
    }

    async fn maintenance_of_org(&self, org: &OrgId) -> Result<Vec<MaintenanceWindow>, StoreError> {
        self.docs("SELECT doc FROM maintenance WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn maintenance_window(
        &self,
        org: &OrgId,
        id: &MaintenanceId,
    ) -> Result<Option<MaintenanceWindow>, StoreError> {
        self.doc_of_org("maintenance", id.as_str(), org)
    }

    async fn put_channel(&self, ch: &Channel) -> Result<(), StoreError> {
        put_simple(self, "channels", "channel", ch.id.as_str(), &ch.org_id, ch, true).await
    }

    async fn channels_of_org(&self, org: &OrgId) -> Result<Vec<Channel>, StoreError> {
        self.docs("SELECT doc FROM channels WHERE org_id = ?1 ORDER BY id", org.as_str())
    }

    async fn channel(&self, org: &OrgId, id: &ChannelId) -> Result<Option<Channel>, StoreError> {
        self.doc_of_org("channels", id.as_str(), org)
    }

    async fn put_status_page(&self, page: &StatusPage) -> Result<(), StoreError> {
        let (id, org, slug, domain, doc) = (
            page.id.to_string(),
            page.org_id.to_string(),
            page.slug.to_string(),
            page.custom_domain.as_ref().map(|d| d.as_str().to_owned()),
            to_doc(page)?,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO status_pages (id, org_id, slug, custom_domain, doc) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET slug = excluded.slug, custom_domain = excluded.custom_domain,
                 doc = excluded.doc",
                params![id, org, slug, domain, doc],
            )
            .map_err(unique("status page slug or domain"))?;
            Ok(())
        })
        .await
    }

    async fn status_page(&self, org: &OrgId, id: &StatusPageId) -> Result<Option<StatusPage>, StoreError> {
        self.doc_of_org("status_pages", id.as_str(), org)
    }

    async fn status_page_by_slug(&self, slug: &str) -> Result<Option<StatusPage>, StoreError> {
        self.doc("SELECT doc FROM status_pages WHERE slug = ?1", slug)
    }

    async fn status_page_by_domain(&self, host: &str) -> Result<Option<StatusPage>, StoreError> {
        self.doc("SELECT doc FROM status_pages WHERE custom_domain = ?1", host)
    }
}

/// Inserts or replaces a `(id, page_id, doc)` row of a page's table.
async fn put_page_row<T: Stored>(
    store: &EmbeddedStore,
    table: &'static str,
    id: &str,
    page: &StatusPageId,
    item: &T,
) -> Result<(), StoreError> {
    let (id, page, doc) = (id.to_owned(), page.to_string(), to_doc(item)?);
    store
        .write(move |c| {
            c.execute(
                &format!("INSERT OR REPLACE INTO {table} (id, page_id, doc) VALUES (?1, ?2, ?3)"),
                params![id, page, doc],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
}

#[async_trait]
impl StatusStore for EmbeddedStore {
    async fn put_status_incident(&self, incident: &StatusIncident) -> Result<(), StoreError> {
        put_page_row(self, "status_incidents", incident.id.as_str(), &incident.page_id, incident).await
    }

    async fn status_incidents_of_page(
        &self,
        page: &StatusPageId,
        limit: usize,
    ) -> Result<Vec<StatusIncident>, StoreError> {
        let limit = limit.clamp(1, MAX_PAGE) as i64;
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM status_incidents WHERE page_id = ?1 ORDER BY id DESC LIMIT ?2")
                .map_err(backend)?;
            let rows = stmt.query_map(params![page.as_str(), limit], |r| r.get::<_, String>(0)).map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    async fn put_page_maintenance(&self, m: &PageMaintenance) -> Result<(), StoreError> {
        put_page_row(self, "page_maintenance", m.id.as_str(), &m.page_id, m).await
    }

    async fn page_maintenance_of_page(&self, page: &StatusPageId) -> Result<Vec<PageMaintenance>, StoreError> {
        self.docs("SELECT doc FROM page_maintenance WHERE page_id = ?1 ORDER BY id", page.as_str())
    }

    async fn status_pages_of_org(&self, org: &OrgId) -> Result<Vec<StatusPage>, StoreError> {
        self.docs("SELECT doc FROM status_pages WHERE org_id = ?1 ORDER BY id", org.as_str())
    }
}

#[async_trait]
impl SubscriberStore for EmbeddedStore {
    async fn put_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError> {
        put_page_row(self, "subscribers", subscriber.id.as_str(), &subscriber.page_id, subscriber).await
    }

    async fn subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        let found: Option<Subscriber> = self.doc("SELECT doc FROM subscribers WHERE id = ?1", id.as_str())?;
        Ok(found.filter(|s| &s.page_id == page))
    }

    async fn subscribers_of_page(&self, page: &StatusPageId) -> Result<Vec<Subscriber>, StoreError> {
        self.docs("SELECT doc FROM subscribers WHERE page_id = ?1 ORDER BY id", page.as_str())
    }

    async fn delete_subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<(), StoreError> {
        let (page, id) = (page.to_string(), id.to_string());
        self.write(move |c| {
            c.execute("DELETE FROM subscribers WHERE id = ?1 AND page_id = ?2", params![id, page]).map_err(backend)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl SweepStore for EmbeddedStore {
    async fn runs_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let bound = RunId::time_bound(cutoff);
        self.read(|c| {
            let mut stmt = c
                .prepare_cached("SELECT doc FROM runs WHERE monitor_id = ?1 AND id < ?2 ORDER BY id LIMIT ?3")
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![monitor.as_str(), bound, limit.min(MAX_PAGE * 10) as i64], |r| r.get::<_, String>(0))
                .map_err(backend)?;
            rows.map(|r| from_doc(&r.map_err(backend)?)).collect()
        })
    }

    async fn delete_runs(&self, monitor: &MonitorId, ids: &[RunId]) -> Result<(), StoreError> {
        let (monitor, ids) = (monitor.to_string(), ids.to_vec());
        self.write(move |c| {
            let mut stmt = c.prepare_cached("DELETE FROM runs WHERE monitor_id = ?1 AND id = ?2").map_err(backend)?;
            for id in &ids {
                stmt.execute(params![monitor, id.as_str()]).map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn resolved_incidents_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let resolved: Vec<Incident> = self.docs(
            "SELECT doc FROM incidents WHERE monitor_id = ?1 AND status = 'RESOLVED' ORDER BY opened_at",
            monitor.as_str(),
        )?;
        Ok(resolved
            .into_iter()
            .filter(|i| i.resolved_at.is_some_and(|at| at < cutoff))
            .take(limit)
            .map(|i| i.id)
            .collect())
    }

    async fn delete_incidents(&self, ids: &[IncidentId]) -> Result<(), StoreError> {
        let ids = ids.to_vec();
        self.write(move |c| {
            let tables = [
                "DELETE FROM incidents WHERE id = ?1",
                "DELETE FROM incident_events WHERE incident_id = ?1",
                "DELETE FROM deliveries WHERE incident_id = ?1",
            ];
            for sql in tables {
                let mut stmt = c.prepare_cached(sql).map_err(backend)?;
                for id in &ids {
                    stmt.execute([id.as_str()]).map_err(backend)?;
                }
            }
            Ok(())
        })
        .await
    }
}
