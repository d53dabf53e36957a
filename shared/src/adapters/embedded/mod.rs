//! The store port on one SQLite file, for the local binary.
//!
//! Writes go to a single writer thread that commits whatever has queued up in one
//! transaction (group commit): each request still gets its own savepoint, so one
//! failed write never takes its neighbours down, and a write is acknowledged only
//! after its transaction is in the WAL, which survives `kill -9`. The WAL stays
//! bounded however long writes go on (`wal` says how).
//!
//! Every row's `doc` is the JSON of its record (`adapters::records`), never a domain
//! type's own serde form.
//!
//! This module holds the store, its writer and readers, and the row helpers every
//! concern shares; each port is implemented in the module of its concern.
use crate::adapters::records::{self, Stored};
use crate::domain::ids::{OrgId, StatusPageId};
use crate::ports::store::*;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{Notify, oneshot};

mod config;
mod deliveries;
mod events;
mod incidents;
mod monitors;
mod orgs;
mod pings;
mod probes;
mod runs;
mod schema;
mod status_pages;
mod subscribers;
mod sweep;
mod wal;

pub use events::PendingEvent;
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
