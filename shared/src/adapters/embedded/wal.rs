//! Keeps the write-ahead log bounded under sustained writes.
//!
//! A checkpoint copies the WAL's pages into the database file, but the WAL only starts
//! again from its beginning once a checkpoint has copied all of it while no reader was
//! still using it; until then every commit appends. The checkpointer thread's PASSIVE
//! checkpoints never wait, so under steady load (a commit always after the last page they
//! copied, a reader always on some snapshot) they never get there, and the WAL grew for
//! as long as the load lasted (ping-bench: 3.4–4.3 GB after 21 s at 14,000–17,600 pings/s).
//!
//! So when the WAL passes [`RESTART_AT`] the writer asks the checkpointer to catch up
//! (copy until little is left), goes on committing meanwhile, and once it has, runs a
//! RESTART checkpoint itself between two transactions: being the only writer it needs no
//! lock that anyone holds, and no commit can slip in while it runs. It copies only what
//! was committed since the catch-up (measured: 4–10 ms, with its two fsyncs), waits
//! (at most [`READERS_WAIT`]) for the reads that began before it, and the next commit
//! rewrites the WAL from the start. Copying it all on the writer instead held every
//! write up for ~25 ms per restart (a fifth of the throughput). If the catch-up falls
//! behind (a starved CPU), the writer restarts anyway at twice [`RESTART_AT`], waiting
//! for the checkpointer's current pass rather than writing on. `journal_size_limit`
//! ([`WAL_SIZE_LIMIT`]) trims the file back if it ever grew past the bound (restarts
//! put off by long reads).
use rusqlite::Connection;
use rusqlite::hooks::Wal;
use std::cell::Cell;
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, mpsc};
use std::time::Duration;

/// The WAL file is kept to this size (`PRAGMA journal_size_limit`).
pub const WAL_SIZE_LIMIT: u64 = 64 << 20;

/// The writer asks for a catch-up and a restart once the WAL holds this much, and
/// restarts without waiting for the catch-up at twice as much: well under the limit.
const RESTART_AT: u64 = 16 << 20;

/// A catch-up copies until one pass finds no more than this left: what the writer's
/// restart then copies while no write commits.
const CAUGHT_UP: u64 = 1 << 20;

/// Each pass copies what was committed during the previous one, so a few suffice
/// unless writes outpace copying; then the writer's restart copies the rest.
const MAX_CATCH_UP_PASSES: usize = 4;

/// How long a restart may wait for earlier reads to finish, while no write commits.
/// Reads take well under a millisecond; one that takes longer puts the restart off.
const READERS_WAIT: Duration = Duration::from_millis(100);

/// How often a restart looks again whether those reads have finished.
const READERS_POLL: Duration = Duration::from_micros(100);

/// How often the WAL is copied back into the database, off the writer's path.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// What the writer and checkpointer threads share.
#[derive(Default)]
pub(super) struct Checkpoints {
    /// SQLite runs one checkpoint at a time and fails any other at once, without
    /// waiting: the writer restarts only while it holds this.
    turn: Mutex<()>,
    /// Set while the writer waits for the turn: a catch-up stops between passes for it.
    writer_waiting: AtomicBool,
    /// The writer's catch-up requests, numbered from 1.
    asked: AtomicU64,
    /// The latest request whose catch-up is done (began after it was made).
    answered: AtomicU64,
}

impl Checkpoints {
    fn turn(&self) -> MutexGuard<'_, ()> {
        // The turn guards no data: a panic while it was held leaves nothing to distrust.
        self.turn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The turn for an overdue restart: waits for the checkpointer's current pass only.
    fn wait_turn(&self) -> MutexGuard<'_, ()> {
        self.writer_waiting.store(true, Ordering::Release);
        let turn = self.turn();
        self.writer_waiting.store(false, Ordering::Release);
        turn
    }

    fn try_turn(&self) -> Option<MutexGuard<'_, ()>> {
        match self.turn.try_lock() {
            Ok(turn) => Some(turn),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// `bytes` of WAL in frames: a frame is a page and its 24-byte header.
fn frames_in(conn: &Connection, bytes: u64) -> rusqlite::Result<u32> {
    let page_size: u64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok((bytes / (page_size + 24)) as u32)
}

thread_local! {
    /// The WAL's length in frames after the writer's last commit, as SQLite reports it.
    static FRAMES: Cell<u32> = const { Cell::new(0) };
}

fn record_frames(_: &Wal, frames: c_int) -> rusqlite::Result<()> {
    FRAMES.set(frames.max(0) as u32);
    Ok(())
}

/// The writer thread's side: restarts the WAL once it has grown past [`RESTART_AT`].
pub(super) struct WalRestarts {
    /// [`RESTART_AT`] in frames.
    restart_at: u32,
    /// When to ask for a catch-up and restart: [`RESTART_AT`], or after a restart that
    /// readers put off, a quarter of it further on, so that a long read costs one wait
    /// per few MB of growth rather than one per transaction.
    ask_at: u32,
    /// This round's catch-up request, once made.
    asked: Option<u64>,
    shared: Arc<Checkpoints>,
    wake_checkpointer: mpsc::Sender<()>,
}

impl WalRestarts {
    /// Installs the commit hook that counts the WAL's frames on `conn`, which must be
    /// the writer's and used on one thread only. Call it after `wal_autocheckpoint`,
    /// which replaces the hook.
    pub(super) fn watch(
        conn: &Connection,
        shared: Arc<Checkpoints>,
        wake_checkpointer: mpsc::Sender<()>,
    ) -> rusqlite::Result<Self> {
        let restart_at = frames_in(conn, RESTART_AT)?;
        conn.wal_hook(Some(record_frames));
        Ok(Self { restart_at, ask_at: restart_at, asked: None, shared, wake_checkpointer })
    }

    /// Called between transactions: asks for a catch-up, or restarts the WAL, when due.
    pub(super) fn after_commit(&mut self, conn: &Connection) {
        let frames = FRAMES.take();
        if frames < self.ask_at {
            return;
        }
        let caught_up = self.asked.is_some_and(|asked| self.shared.answered.load(Ordering::Acquire) >= asked);
        let turn = if frames >= self.ask_at.saturating_add(self.restart_at) {
            Some(self.shared.wait_turn())
        } else if caught_up {
            // Busy only with a periodic checkpoint: the next batch tries again.
            self.shared.try_turn()
        } else {
            self.ask_to_catch_up();
            None
        };
        let Some(_turn) = turn else { return };
        self.asked = None;
        let restarted = restart(conn);
        if let Ok(true) = restarted {
            self.ask_at = self.restart_at;
            return;
        }
        self.ask_at = frames.saturating_add(self.restart_at / 4);
        match restarted {
            Err(e) => tracing::warn!(error = %e, "WAL restart failed"),
            Ok(_) => tracing::warn!(frames, "WAL restart put off: a read outlasted {READERS_WAIT:?}"),
        }
    }

    fn ask_to_catch_up(&mut self) {
        if self.asked.is_none() {
            self.asked = Some(self.shared.asked.fetch_add(1, Ordering::AcqRel) + 1);
            // A stopped checkpointer only means the store is closing.
            let _ = self.wake_checkpointer.send(());
        }
    }
}

/// A RESTART checkpoint waiting at most [`READERS_WAIT`] for readers; true if done.
fn restart(conn: &Connection) -> rusqlite::Result<bool> {
    conn.busy_handler(Some(poll_readers))?;
    let busy = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0));
    conn.busy_timeout(super::BUSY_TIMEOUT)?;
    Ok(busy? == 0)
}

/// The busy handler during a restart. SQLite's own sleeps 1, 2, 5, 10… ms between looks,
/// far longer than the reads it waits for, and no write commits meanwhile.
fn poll_readers(retries: c_int) -> bool {
    let waited = READERS_POLL * retries.max(0) as u32;
    if waited >= READERS_WAIT {
        return false;
    }
    std::thread::sleep(READERS_POLL);
    true
}

/// The checkpointer thread: a PASSIVE checkpoint (which never blocks the writer) every
/// [`CHECKPOINT_EVERY`], a catch-up whenever the writer asks, and TRUNCATE on the way out,
/// leaving an empty WAL. Stops when every sender of `wake` is gone.
pub(super) fn checkpoint_loop(conn: Connection, wake: mpsc::Receiver<()>, shared: Arc<Checkpoints>) {
    let caught_up = match frames_in(&conn, CAUGHT_UP) {
        Ok(frames) => frames as i64,
        Err(e) => return tracing::error!(error = %e, "WAL checkpointer cannot start"),
    };
    while let Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) = wake.recv_timeout(CHECKPOINT_EVERY) {
        let asked = shared.asked.load(Ordering::Acquire);
        let done = if asked > shared.answered.load(Ordering::Acquire) {
            catch_up(&conn, &shared, caught_up).map(|()| shared.answered.store(asked, Ordering::Release))
        } else {
            passive(&conn, &shared.turn()).map(drop)
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
    let _turn = shared.turn();
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// PASSIVE checkpoints until one copies at most `left` frames, or the writer is waiting
/// to restart the WAL anyway.
fn catch_up(conn: &Connection, shared: &Checkpoints, left: i64) -> rusqlite::Result<()> {
    let mut copied_before = 0;
    for _ in 0..MAX_CATCH_UP_PASSES {
        let turn = shared.turn();
        if shared.writer_waiting.load(Ordering::Acquire) {
            break;
        }
        let copied = passive(conn, &turn)?;
        if copied - copied_before <= left {
            break;
        }
        copied_before = copied;
    }
    Ok(())
}

/// A PASSIVE checkpoint, in the checkpointing turn: how many of the WAL's frames are now
/// in the database.
fn passive(conn: &Connection, _turn: &MutexGuard<'_, ()>) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(2))
}
