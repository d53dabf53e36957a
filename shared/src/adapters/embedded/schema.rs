//! The embedded store's schema, as numbered migrations.
//!
//! `PRAGMA user_version` records how many of [`MIGRATIONS`] a database has applied;
//! opening a store applies the rest, in order, in one transaction with the new version
//! (so a failed migration leaves the database as it was).
//!
//! # Adding a migration
//!
//! Append a new `M::up("…")` to the end of [`MIGRATIONS`], with a comment saying what
//! it changes and why, and add a test that opens a data directory of the previous
//! version (a fixture under `shared/tests/fixtures/`) and reads it back. Never edit,
//! reorder or remove a migration that has been released: data directories out there
//! have already applied it and would never see the change, while new ones would get a
//! different schema. To undo a change, append another migration.
use crate::ports::store::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations, SchemaVersion};
use std::path::Path;

/// The schema of every release before versioning, which left `user_version` at 0. Every
/// statement is `IF NOT EXISTS`, so applying it to such a database changes nothing and
/// only records version 1.
const V1_INITIAL: &str = "
CREATE TABLE IF NOT EXISTS orgs (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, email TEXT NOT NULL, doc TEXT NOT NULL,
  UNIQUE (org_id, email));
CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS monitors (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS monitors_by_org ON monitors (org_id);
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, monitor_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_by_monitor ON runs (monitor_id, id);
CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, monitor_id TEXT NOT NULL, org_id TEXT NOT NULL,
  status TEXT NOT NULL, opened_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_by_monitor ON incidents (monitor_id, opened_at);
CREATE TABLE IF NOT EXISTS dependencies (org_id TEXT NOT NULL, upstream TEXT NOT NULL, downstream TEXT NOT NULL,
  doc TEXT NOT NULL, PRIMARY KEY (upstream, downstream));
CREATE TABLE IF NOT EXISTS maintenance (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS status_pages (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
  custom_domain TEXT UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incident_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,
  incident_id TEXT NOT NULL, doc TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS incident_events_by_incident ON incident_events (incident_id, seq);
CREATE INDEX IF NOT EXISTS incident_events_pending ON incident_events (delivered, seq);
CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, incident_id TEXT NOT NULL, started_at TEXT NOT NULL,
  doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_by_incident ON deliveries (incident_id, started_at);
CREATE TABLE IF NOT EXISTS status_incidents (id TEXT PRIMARY KEY, page_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS status_incidents_by_page ON status_incidents (page_id, id);
CREATE TABLE IF NOT EXISTS page_maintenance (id TEXT PRIMARY KEY, page_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS page_maintenance_by_page ON page_maintenance (page_id, id);
CREATE TABLE IF NOT EXISTS subscribers (id TEXT PRIMARY KEY, page_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS subscribers_by_page ON subscribers (page_id, id);
";

/// Probe monitors' history. Checks are keyed by monitor and id (ids carry the check's
/// time, so `ORDER BY id DESC` is newest first, and a time range is an id range); the
/// status index serves the status filter. Windows and sessions keep their start (and a
/// window its end) as fixed-width UTC text for the retention sweep; a rollup is one row
/// per monitor and UTC day.
const V2_PROBE_HISTORY: &str = "
CREATE TABLE probe_checks (monitor_id TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (monitor_id, id));
CREATE INDEX probe_checks_by_status ON probe_checks (monitor_id, status, id);
CREATE TABLE downtime_windows (monitor_id TEXT NOT NULL, id TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT,
  doc TEXT NOT NULL, PRIMARY KEY (monitor_id, id));
CREATE TABLE debug_sessions (monitor_id TEXT NOT NULL, key TEXT NOT NULL, started_at TEXT NOT NULL,
  doc TEXT NOT NULL, PRIMARY KEY (monitor_id, key));
CREATE TABLE probe_rollups (monitor_id TEXT NOT NULL, day TEXT NOT NULL, doc TEXT NOT NULL,
  PRIMARY KEY (monitor_id, day));
";

/// Applied in order; the position (from 1) is the schema version. Append only.
const MIGRATIONS: &[M<'static>] = &[M::up(V1_INITIAL), M::up(V2_PROBE_HISTORY)];

/// The schema version this build writes: databases at a higher one are refused.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Brings the database of data directory `dir` to [`SCHEMA_VERSION`], or refuses one
/// written by a newer release: its tables may have changed in ways this build would
/// misread or corrupt.
pub(super) fn migrate(conn: &mut Connection, dir: &Path) -> Result<(), StoreError> {
    let migrations = Migrations::from_slice(MIGRATIONS);
    if let SchemaVersion::Outside(found) = migrations.current_version(conn).map_err(migration_failed)? {
        return Err(StoreError::Backend(format!(
            "the data directory {} was written by a newer Tokiflow (schema version {found}, this one \
             knows up to {SCHEMA_VERSION}): upgrade Tokiflow, or point it at another data directory",
            dir.display()
        )));
    }
    migrations.to_latest(conn).map_err(migration_failed)
}

fn migration_failed(e: rusqlite_migration::Error) -> StoreError {
    StoreError::Backend(format!("schema migration failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_applies_in_order_to_a_new_database() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }
}
