//! The store port on DynamoDB: five on-demand tables (design, access patterns and the
//! measured cost per ping are in `infra/README.md`).
//!
//! - `monitors` (`pk`): `MON#<id>` holds the monitor as one JSON `doc` plus `version` (the
//!   optimistic-concurrency guard) and `lastRunId`; `TOKEN#<sha256>` points a ping token
//!   at its monitor.
//! - `runs` (`monitorId`, `runId`): run ids are UUIDv7, so a reverse query is newest first.
//! - `incidents` (`id`), index `byMonitor` (`monitorId`, `openedAt`); beside each incident,
//!   its events (`id` = the event's key, `<incidentId>#OPENED`…, `recordType` = `EVENT`),
//!   written in the same transaction as the change; the table's stream carries their
//!   INSERTs to the notifier. Events have no `monitorId`, so the index skips them.
//! - `config` (`pk`, `sk`): an org's low-volume data, and the items that keep slugs,
//!   domains, e-mails and key hashes unique.
//! - `probes` (`monitorId`, `sk`): a probe monitor's history under its id, so one query
//!   reads and the sweep deletes it: `chk#<checkId>` checks (time-ordered ids, newest
//!   first in reverse), `dtw#<downtimeId>` windows, `dbg#<sessionKey>` debug sessions,
//!   `day#<yyyy-mm-dd>` rollups; local index `byStatus` (`monitorId`, `statusSk` =
//!   `<STATUS>#<checkId>`, checks only) for the status filter, read consistently.
//!
//! Reads are strongly consistent, as in the embedded store, except the ping's two
//! lookups: those are eventually consistent at half the price, which is safe because
//! every monitor write is conditional on `version` (a stale read ends in `Conflict`, and
//! the service re-reads and retries).
//!
//! Every item's `doc` is the JSON of its record (`adapters::records`), never a domain
//! type's own serde form.
//!
//! This module holds the store, its tables' names and the attribute helpers every
//! concern shares; `calls` the DynamoDB calls they are built on, `tables` the table
//! definitions, and each port is implemented in the module of its concern.
use crate::adapters::records::{self, Stored};
use crate::domain::ids::OrgId;
use crate::ports::store::*;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ConsumedCapacity};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

mod calls;
mod config;
mod deliveries;
mod incidents;
mod monitors;
mod orgs;
mod pings;
mod probes;
mod runs;
mod status_pages;
mod subscribers;
mod sweep;
mod tables;

pub use monitors::ping_item_bytes;

type Item = HashMap<String, AttributeValue>;

/// DynamoDB's caps: keys per BatchGetItem, writes per BatchWriteItem.
const BATCH_GET: usize = 100;
const BATCH_WRITE: usize = 25;
/// Rounds of re-sending what a batch left unprocessed (throttling) before giving up.
const BATCH_ROUNDS: u32 = 8;
/// Epoch seconds after which DynamoDB may expire a run or a resolved incident. Enabled on
/// both tables; not set yet (the retention sweep deletes, and also deletes S3 outputs).
pub const TTL_ATTRIBUTE: &str = "expiresAt";
/// The incidents index: a monitor's incidents by `openedAt`.
pub const BY_MONITOR: &str = "byMonitor";
/// The probes table's local index: a monitor's checks by status, then id.
pub const BY_STATUS: &str = "byStatus";

/// The five table names; `with_prefix` for tests and stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoTables {
    pub monitors: String,
    pub runs: String,
    pub incidents: String,
    pub config: String,
    pub probes: String,
}

impl DynamoTables {
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            monitors: format!("{prefix}monitors"),
            runs: format!("{prefix}runs"),
            incidents: format!("{prefix}incidents"),
            config: format!("{prefix}config"),
            probes: format!("{prefix}probes"),
        }
    }
}

/// Read and write capacity units consumed, as DynamoDB reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    pub read: f64,
    pub write: f64,
}

/// Sizes of the two items a plain ping writes, as DynamoDB bills them (1 WCU per KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingItemBytes {
    pub monitor: usize,
    pub run: usize,
}

pub struct DynamoStore {
    client: Client,
    t: DynamoTables,
    consumed: Mutex<Capacity>,
}

// ---------------------------------------------------------------------------------------
// Attribute values and errors

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A failure we do not handle: logged with the operation, returned as `Backend` with the
/// service's error code and message (never the request's content).
fn sdk_error<E, R>(op: &'static str, e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = match e.as_service_error() {
        Some(se) => format!("{}: {}", se.code().unwrap_or("unknown"), se.message().unwrap_or("")),
        None => DisplayErrorContext(&e).to_string(),
    };
    tracing::warn!(op, error = %message, "dynamodb call failed");
    StoreError::Backend(format!("{op}: {message}"))
}

/// The `doc` attribute of `v`: its record's JSON (see `records`).
fn to_doc<T: Stored>(v: &T) -> Result<AttributeValue, StoreError> {
    records::to_json(v).map(AttributeValue::S).map_err(backend)
}

fn from_item<T: Stored>(item: &Item) -> Result<T, StoreError> {
    records::from_json(attr(item, "doc")?).map_err(backend)
}

fn attr<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str).ok_or_else(|| backend(format!("item has no {name}")))
}

/// The size DynamoDB bills for an item (names plus values; numbers approximately).
fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(name, v)| {
            name.len()
                + match v {
                    AttributeValue::S(s) => s.len(),
                    AttributeValue::N(n) => n.len().div_ceil(2) + 1,
                    AttributeValue::B(b) => b.as_ref().len(),
                    _ => 8,
                }
        })
        .sum()
}

/// Fixed-width UTC time, so it sorts as a string.
fn sort_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `OPEN`, `ACKNOWLEDGED`, `RESOLVED`: the serde form without its JSON quotes.
fn status_name<T: Serialize>(status: &T) -> Result<String, StoreError> {
    let json = serde_json::to_string(status).map_err(backend)?;
    Ok(json.trim_matches('"').to_owned())
}

// ---------------------------------------------------------------------------------------
// The config table's keys, which every concern uses

fn config_key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".into(), s(pk)), ("sk".into(), s(sk))])
}

fn config_item(pk: impl Into<String>, sk: impl Into<String>, doc: AttributeValue) -> Item {
    let mut item = config_key(pk, sk);
    item.insert("doc".into(), doc);
    item
}

fn org_pk(org: &OrgId) -> String {
    format!("ORG#{org}")
}

impl DynamoStore {
    pub fn new(sdk_config: &aws_config::SdkConfig, tables: DynamoTables) -> Self {
        Self::from_client(Client::new(sdk_config), tables)
    }

    pub fn from_client(client: Client, tables: DynamoTables) -> Self {
        Self { client, t: tables, consumed: Mutex::new(Capacity::default()) }
    }

    /// The capacity consumed since the last call (for cost measurements).
    pub fn take_consumed(&self) -> Capacity {
        std::mem::take(&mut *self.meter())
    }

    fn meter(&self) -> MutexGuard<'_, Capacity> {
        // A panic elsewhere while holding this lock leaves only a counter behind.
        self.consumed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn meter_read<'a>(&self, used: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        self.meter().read += used.into_iter().filter_map(ConsumedCapacity::capacity_units).sum::<f64>();
    }

    fn meter_write<'a>(&self, used: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        self.meter().write += used.into_iter().filter_map(ConsumedCapacity::capacity_units).sum::<f64>();
    }
}
