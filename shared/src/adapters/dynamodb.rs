//! The store port on DynamoDB: four on-demand tables (design, access patterns and the
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
//!
//! Reads are strongly consistent, as in the embedded store, except the ping's two
//! lookups: those are eventually consistent at half the price, which is safe because
//! every monitor write is conditional on `version` (a stale read ends in `Conflict`, and
//! the service re-reads and retries).
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
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, ConsumedCapacity, Delete, DeleteRequest,
    GlobalSecondaryIndex, KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, Put,
    ReturnConsumedCapacity, ReturnValuesOnConditionCheckFailure, ScalarAttributeType, Select, StreamSpecification,
    StreamViewType, TimeToLiveSpecification, TransactWriteItem, WriteRequest,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

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

/// The four table names; `with_prefix` for tests and stages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoTables {
    pub monitors: String,
    pub runs: String,
    pub incidents: String,
    pub config: String,
}

impl DynamoTables {
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            monitors: format!("{prefix}monitors"),
            runs: format!("{prefix}runs"),
            incidents: format!("{prefix}incidents"),
            config: format!("{prefix}config"),
        }
    }

    /// From `TOKIFLOW_TABLE_{MONITORS,RUNS,INCIDENTS,CONFIG}`, as the SAM template sets them.
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        let get = crate::config::required_env;
        Ok(Self {
            monitors: get("TOKIFLOW_TABLE_MONITORS")?,
            runs: get("TOKIFLOW_TABLE_RUNS")?,
            incidents: get("TOKIFLOW_TABLE_INCIDENTS")?,
            config: get("TOKIFLOW_TABLE_CONFIG")?,
        })
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

/// What a write's failed condition means for the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OnFail {
    /// The item changed since it was read: re-read and retry.
    Conflict,
    Exists(&'static str),
    Missing(&'static str),
}

impl From<OnFail> for StoreError {
    fn from(f: OnFail) -> Self {
        match f {
            OnFail::Conflict => StoreError::Conflict,
            OnFail::Exists(what) => StoreError::AlreadyExists(what),
            OnFail::Missing(what) => StoreError::NotFound(what),
        }
    }
}

/// A condition on a write, and what its failure means.
struct Cond {
    expr: &'static str,
    values: Vec<(&'static str, AttributeValue)>,
    /// Placeholders for attribute names, so no name can collide with a reserved word.
    names: Vec<(&'static str, &'static str)>,
    on_fail: OnFail,
}

impl Cond {
    fn new(expr: &'static str, on_fail: OnFail) -> Self {
        Self { expr, values: Vec::new(), names: Vec::new(), on_fail }
    }

    fn absent(on_fail: OnFail) -> Self {
        Self::new("attribute_not_exists(pk)", on_fail)
    }

    fn value(mut self, name: &'static str, v: AttributeValue) -> Self {
        self.values.push((name, v));
        self
    }

    fn name(mut self, placeholder: &'static str, attribute: &'static str) -> Self {
        self.names.push((placeholder, attribute));
        self
    }
}

/// One write of a transaction, with what its failed condition means.
struct Write {
    op: TransactWriteItem,
    on_fail: OnFail,
}

fn put_write(table: &str, item: Item, cond: Option<Cond>) -> Result<Write, StoreError> {
    let mut put = Put::builder().table_name(table).set_item(Some(item));
    let mut on_fail = OnFail::Conflict;
    if let Some(c) = cond {
        put = put.condition_expression(c.expr);
        for (k, v) in c.values {
            put = put.expression_attribute_values(k, v);
        }
        for (k, a) in c.names {
            put = put.expression_attribute_names(k, a);
        }
        on_fail = c.on_fail;
    }
    Ok(Write { op: TransactWriteItem::builder().put(put.build().map_err(backend)?).build(), on_fail })
}

fn delete_write(table: &str, key: Item) -> Result<Write, StoreError> {
    delete_write_if(table, key, None)
}

fn delete_write_if(table: &str, key: Item, cond: Option<Cond>) -> Result<Write, StoreError> {
    let mut delete = Delete::builder().table_name(table).set_key(Some(key));
    let mut on_fail = OnFail::Conflict;
    if let Some(c) = cond {
        delete = delete.condition_expression(c.expr);
        for (k, v) in c.values {
            delete = delete.expression_attribute_values(k, v);
        }
        for (k, a) in c.names {
            delete = delete.expression_attribute_names(k, a);
        }
        on_fail = c.on_fail;
    }
    Ok(Write { op: TransactWriteItem::builder().delete(delete.build().map_err(backend)?).build(), on_fail })
}

/// Why a transaction was cancelled, item by item: a version conflict wins over a
/// uniqueness failure (after a re-read the uniqueness answer may differ).
fn cancelled(writes: &[OnFail], reasons: &[CancellationReason], message: Option<&str>) -> StoreError {
    let failed: Vec<OnFail> = writes
        .iter()
        .zip(reasons)
        .filter_map(|(on_fail, r)| match r.code() {
            Some("ConditionalCheckFailed") => Some(*on_fail),
            Some("TransactionConflict") => Some(OnFail::Conflict),
            _ => None,
        })
        .collect();
    match failed.iter().find(|f| **f == OnFail::Conflict).or(failed.first()) {
        Some(f) => (*f).into(),
        None => StoreError::Backend(format!("transaction cancelled: {}", message.unwrap_or("no reason given"))),
    }
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
// Keys and items

fn monitor_key(id: &MonitorId) -> Item {
    HashMap::from([("pk".into(), s(format!("MON#{id}")))])
}

fn token_key(hash: &SecretHash) -> Item {
    HashMap::from([("pk".into(), s(format!("TOKEN#{}", hash.to_hex())))])
}

/// The monitor item. `last_run` names the ping that wrote it, so a write retried after it
/// had already landed can recognise itself (see `put_versioned`).
fn monitor_item(m: &Monitor, last_run: Option<&RunId>) -> Result<Item, StoreError> {
    let mut item = monitor_key(&m.id);
    item.insert("version".into(), n(m.version));
    item.insert("doc".into(), to_doc(m)?);
    if let Some(run) = last_run {
        item.insert("lastRunId".into(), s(run.as_str()));
    }
    Ok(item)
}

fn token_item(m: &Monitor) -> Item {
    let mut item = token_key(&m.token_hash);
    item.insert("monitorId".into(), s(m.id.as_str()));
    item
}

fn run_key(monitor: &MonitorId, run: &RunId) -> Item {
    HashMap::from([("monitorId".into(), s(monitor.as_str())), ("runId".into(), s(run.as_str()))])
}

fn run_item(r: &Run) -> Result<Item, StoreError> {
    let mut item = run_key(&r.monitor_id, &r.id);
    item.insert("doc".into(), to_doc(r)?);
    Ok(item)
}

fn incident_key(id: &IncidentId) -> Item {
    id_key(id.as_str())
}

/// The key of an item in the incidents table: an incident, or one of its events.
fn id_key(id: impl Into<String>) -> Item {
    HashMap::from([("id".into(), s(id))])
}

/// An incident event: keyed by its own key, so re-writing the same change is a no-op
/// (a MODIFY in the stream, which the notifier's filter ignores).
fn event_item(e: &IncidentEvent) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("id".into(), s(e.key())),
        ("incidentId".into(), s(e.incident_id().as_str())),
        ("recordType".into(), s("EVENT")),
        ("doc".into(), to_doc(e)?),
    ]))
}

/// Besides the index keys, `status` (for stream filters), `statusOpenedAt` and, while
/// unresolved, `openOrgId`: written now so the indexes the README plans (a monitor's
/// incidents by status, an org's open incidents) can be added later without a backfill.
fn incident_item(i: &Incident) -> Result<Item, StoreError> {
    let (status, opened) = (status_name(&i.status)?, sort_time(i.opened_at));
    let mut item = incident_key(&i.id);
    item.insert("monitorId".into(), s(i.monitor_id.as_str()));
    item.insert("openedAt".into(), s(opened.clone()));
    item.insert("statusOpenedAt".into(), s(format!("{status}#{opened}")));
    item.insert("status".into(), s(status));
    if i.status != IncidentStatus::Resolved {
        item.insert("openOrgId".into(), s(i.org_id.as_str()));
    }
    item.insert("doc".into(), to_doc(i)?);
    Ok(item)
}

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

/// The items a plain ping writes, measured as DynamoDB bills them.
pub fn ping_item_bytes(outcome: &PingOutcome) -> Result<PingItemBytes, StoreError> {
    Ok(PingItemBytes {
        monitor: item_bytes(&monitor_item(&outcome.monitor, Some(&outcome.run.id))?),
        run: item_bytes(&run_item(&outcome.run)?),
    })
}

// ---------------------------------------------------------------------------------------
// Table definitions

fn attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().map_err(backend)
}

fn key_part(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(backend)
}

/// A table as `create_tables` makes it: string keys, optional TTL, stream and one index.
struct TableDef<'a> {
    name: &'a str,
    hash: &'static str,
    range: Option<&'static str>,
    ttl: bool,
    stream: bool,
    index: Option<(&'static str, &'static str, &'static str)>,
}

// ---------------------------------------------------------------------------------------
// Calls

/// A query: the key condition, and at most `limit` items (all when None).
struct Q<'a> {
    table: &'a str,
    index: Option<&'static str>,
    condition: &'static str,
    values: Vec<(&'static str, AttributeValue)>,
    newest_first: bool,
    limit: Option<usize>,
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

    /// Creates the four tables (on-demand, TTL on `expiresAt` for runs and incidents, a
    /// stream of incident changes), as the SAM template does in AWS. Tables that already
    /// exist are left as they are, so this can run against a persistent DynamoDB Local.
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        let tables = [
            TableDef { name: &self.t.monitors, hash: "pk", range: None, ttl: false, stream: false, index: None },
            TableDef {
                name: &self.t.runs,
                hash: "monitorId",
                range: Some("runId"),
                ttl: true,
                stream: false,
                index: None,
            },
            TableDef {
                name: &self.t.incidents,
                hash: "id",
                range: None,
                ttl: true,
                stream: true,
                index: Some((BY_MONITOR, "monitorId", "openedAt")),
            },
            TableDef { name: &self.t.config, hash: "pk", range: Some("sk"), ttl: false, stream: false, index: None },
        ];
        for def in tables {
            self.create_table(def).await?;
        }
        Ok(())
    }

    async fn create_table(&self, def: TableDef<'_>) -> Result<(), StoreError> {
        let mut req = self
            .client
            .create_table()
            .table_name(def.name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(def.hash)?)
            .key_schema(key_part(def.hash, KeyType::Hash)?);
        if let Some(range) = def.range {
            req = req.attribute_definitions(attribute(range)?).key_schema(key_part(range, KeyType::Range)?);
        }
        if let Some((index, hash, range)) = def.index {
            let gsi = GlobalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key_part(hash, KeyType::Hash)?)
                .key_schema(key_part(range, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(backend)?;
            req = req
                .attribute_definitions(attribute(hash)?)
                .attribute_definitions(attribute(range)?)
                .global_secondary_indexes(gsi);
        }
        if def.stream {
            let spec = StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .map_err(backend)?;
            req = req.stream_specification(spec);
        }
        match req.send().await {
            Ok(_) => {}
            Err(e) if matches!(e.as_service_error(), Some(CreateTableError::ResourceInUseException(_))) => {
                tracing::debug!(table = def.name, "table exists; left as it is");
                return Ok(());
            }
            Err(e) => return Err(sdk_error("create_table", e)),
        }
        // AWS creates tables asynchronously; TTL can be set only once the table is active.
        self.client
            .wait_until_table_exists()
            .table_name(def.name)
            .wait(Duration::from_secs(300))
            .await
            .map_err(|e| backend(format!("table {} did not become active: {e}", def.name)))?;
        if def.ttl {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .map_err(backend)?;
            self.client
                .update_time_to_live()
                .table_name(def.name)
                .time_to_live_specification(ttl)
                .send()
                .await
                .map_err(|e| sdk_error("update_time_to_live", e))?;
        }
        tracing::info!(table = def.name, "table created");
        Ok(())
    }

    async fn get(
        &self,
        op: &'static str,
        table: &str,
        key: Item,
        consistent: bool,
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key))
            .consistent_read(consistent)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error(op, e))?;
        self.meter_read(out.consumed_capacity());
        Ok(out.item)
    }

    async fn get_doc<T: Stored>(&self, op: &'static str, table: &str, key: Item) -> Result<Option<T>, StoreError> {
        self.get(op, table, key, true).await?.as_ref().map(from_item).transpose()
    }

    async fn put(&self, op: &'static str, table: &str, item: Item, cond: Option<Cond>) -> Result<(), StoreError> {
        let mut req = self
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        let mut on_fail = OnFail::Conflict;
        if let Some(c) = cond {
            req = req.condition_expression(c.expr);
            for (k, v) in c.values {
                req = req.expression_attribute_values(k, v);
            }
            for (k, a) in c.names {
                req = req.expression_attribute_names(k, a);
            }
            on_fail = c.on_fail;
        }
        match req.send().await {
            Ok(out) => {
                self.meter_write(out.consumed_capacity());
                Ok(())
            }
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Err(on_fail.into()),
                Some(PutItemError::TransactionConflictException(_)) => Err(StoreError::Conflict),
                _ => Err(sdk_error(op, e)),
            },
        }
    }

    /// Writes a monitor item if the stored one is still at `expected_version`.
    ///
    /// A conditional write is not idempotent: if the SDK re-sends it after the first
    /// attempt landed but its answer was lost, the retry fails its own condition. The
    /// failure returns the stored item (at no read cost); if that is exactly what we
    /// wrote (same version, doc and `lastRunId`), the write is ours and succeeded.
    async fn put_versioned(&self, op: &'static str, item: Item, expected_version: u64) -> Result<(), StoreError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.t.monitors)
            .set_item(Some(item.clone()))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match sent {
            Ok(out) => {
                self.meter_write(out.consumed_capacity());
                Ok(())
            }
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(f)) if f.item() == Some(&item) => {
                    tracing::debug!(op, "monitor write had already landed (retried request)");
                    Ok(())
                }
                Some(PutItemError::ConditionalCheckFailedException(_))
                | Some(PutItemError::TransactionConflictException(_)) => {
                    tracing::debug!(op, expected_version, "monitor changed since it was read");
                    Err(StoreError::Conflict)
                }
                _ => Err(sdk_error(op, e)),
            },
        }
    }

    async fn delete(&self, op: &'static str, table: &str, key: Item) -> Result<(), StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(table)
            .set_key(Some(key))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error(op, e))?;
        self.meter_write(out.consumed_capacity());
        Ok(())
    }

    /// All or nothing. The SDK gives each call an idempotency token, so its own retries of
    /// a transaction that had landed succeed rather than fail their conditions.
    async fn transact(&self, op: &'static str, writes: Vec<Write>) -> Result<(), StoreError> {
        let on_fail: Vec<OnFail> = writes.iter().map(|w| w.on_fail).collect();
        let sent = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes.into_iter().map(|w| w.op).collect()))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match sent {
            Ok(out) => {
                self.meter_write(out.consumed_capacity());
                Ok(())
            }
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
                    let err = cancelled(&on_fail, c.cancellation_reasons(), c.message());
                    tracing::debug!(op, error = %err, "transaction cancelled");
                    Err(err)
                }
                _ => Err(sdk_error(op, e)),
            },
        }
    }

    /// Follows pages until `limit` items (or the end). Base-table queries are consistent;
    /// index queries cannot be.
    async fn query(&self, op: &'static str, q: Q<'_>) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let remaining = q.limit.map(|l| i32::try_from(l - items.len()).unwrap_or(i32::MAX));
            let out = self
                .client
                .query()
                .table_name(q.table)
                .set_index_name(q.index.map(str::to_owned))
                .key_condition_expression(q.condition)
                .set_expression_attribute_values(Some(
                    q.values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                ))
                .scan_index_forward(!q.newest_first)
                .consistent_read(q.index.is_none())
                .set_limit(remaining)
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| sdk_error(op, e))?;
            self.meter_read(out.consumed_capacity());
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() && q.limit.is_none_or(|l| items.len() < l) => start = Some(k),
                _ => return Ok(items),
            }
        }
    }

    async fn count(
        &self,
        op: &'static str,
        table: &str,
        condition: &'static str,
        values: Vec<(&'static str, AttributeValue)>,
    ) -> Result<u64, StoreError> {
        let mut count = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(table)
                .key_condition_expression(condition)
                .set_expression_attribute_values(Some(values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()))
                .select(Select::Count)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| sdk_error(op, e))?;
            self.meter_read(out.consumed_capacity());
            count += u64::try_from(out.count).unwrap_or(0);
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(count),
            }
        }
    }

    /// Consistent reads of many keys of one table; missing keys are left out.
    async fn batch_get(&self, op: &'static str, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET) {
            let mut pending = Some(chunk.to_vec());
            for round in 0..BATCH_ROUNDS {
                let Some(keys) = pending.take() else { break };
                backoff(round).await;
                let request =
                    KeysAndAttributes::builder().set_keys(Some(keys)).consistent_read(true).build().map_err(backend)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(table, request)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|e| sdk_error(op, e))?;
                self.meter_read(out.consumed_capacity());
                found.extend(out.responses.and_then(|mut r| r.remove(table)).unwrap_or_default());
                pending =
                    out.unprocessed_keys.and_then(|mut u| u.remove(table)).map(|k| k.keys).filter(|k| !k.is_empty());
            }
            if pending.is_some() {
                return Err(backend(format!("{op}: keys still unprocessed after {BATCH_ROUNDS} rounds")));
            }
        }
        Ok(found)
    }

    async fn batch_delete(&self, op: &'static str, table: &str, keys: Vec<Item>) -> Result<(), StoreError> {
        for chunk in keys.chunks(BATCH_WRITE) {
            let mut pending = chunk
                .iter()
                .map(|k| {
                    let delete = DeleteRequest::builder().set_key(Some(k.clone())).build().map_err(backend)?;
                    Ok(WriteRequest::builder().delete_request(delete).build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            for round in 0..BATCH_ROUNDS {
                if pending.is_empty() {
                    break;
                }
                backoff(round).await;
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(table, std::mem::take(&mut pending))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
                    .await
                    .map_err(|e| sdk_error(op, e))?;
                self.meter_write(out.consumed_capacity());
                pending = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(backend(format!("{op}: deletes still unprocessed after {BATCH_ROUNDS} rounds")));
            }
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Store-specific steps

    async fn config_docs<T: Stored>(
        &self,
        op: &'static str,
        pk: String,
        sk_prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        let q = Q {
            table: &self.t.config,
            index: None,
            condition: "pk = :pk AND begins_with(sk, :prefix)",
            values: vec![(":pk", s(pk)), (":prefix", s(sk_prefix))],
            newest_first: false,
            limit: None,
        };
        self.query(op, q).await?.iter().map(from_item).collect()
    }

    /// The plain ping: the run, then the monitor if still at `expected_version` — two
    /// single-item writes instead of a transaction at twice the price. The run goes first,
    /// so the monitor never counts a run that was not stored (a crash between the two
    /// leaves at most the run of a ping that was never acknowledged); if the monitor
    /// write conflicts, the run is taken back, so a rejected ping leaves nothing behind.
    async fn commit_plain_ping(&self, outcome: &PingOutcome, expected_version: u64) -> Result<(), StoreError> {
        self.put("commit_ping.run", &self.t.runs, run_item(&outcome.run)?, None).await?;
        let monitor = monitor_item(&outcome.monitor, Some(&outcome.run.id))?;
        let written = self.put_versioned("commit_ping.monitor", monitor, expected_version).await;
        if let Err(StoreError::Conflict) = written {
            self.take_back_run(&outcome.run).await;
        }
        written
    }

    /// Best effort: if this fails, the caller still sees `Conflict` and retries the same
    /// ping with the same run id, whose write replaces this run.
    async fn take_back_run(&self, run: &Run) {
        if let Err(e) = self.delete("commit_ping.take_back_run", &self.t.runs, run_key(&run.monitor_id, &run.id)).await
        {
            tracing::warn!(monitor_id = %run.monitor_id, run_id = %run.id, error = %e, "could not remove the run of a rejected ping");
        }
    }

    /// The writes resolving `ids` at `at`: each conditional on the incident being
    /// unchanged since this read (an acknowledgement in between makes it a `Conflict`).
    async fn resolve_writes(&self, ids: &[IncidentId], at: DateTime<Utc>) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::new();
        for id in ids {
            let Some(item) = self.get("resolve_incident", &self.t.incidents, incident_key(id), true).await? else {
                continue; // swept: nothing left to resolve
            };
            let mut incident: Incident = from_item(&item)?;
            if incident.resolve(at).is_err() {
                continue; // already resolved
            }
            let read = item.get("doc").cloned().ok_or_else(|| backend("incident has no doc"))?;
            let cond = Cond::new("#doc = :read", OnFail::Conflict).name("#doc", "doc").value(":read", read);
            writes.push(put_write(&self.t.incidents, incident_item(&incident)?, Some(cond))?);
            writes.push(self.event_write(&IncidentEvent::resolved(&incident, at))?);
        }
        Ok(writes)
    }

    fn opened_writes(&self, opened: &[Incident]) -> Result<Vec<Write>, StoreError> {
        let mut writes = Vec::with_capacity(opened.len() * 2);
        for i in opened {
            writes.push(put_write(
                &self.t.incidents,
                incident_item(i)?,
                Some(Cond::new("attribute_not_exists(id)", OnFail::Conflict)),
            )?);
            writes.push(self.event_write(&IncidentEvent::opened(i))?);
        }
        Ok(writes)
    }

    fn event_write(&self, event: &IncidentEvent) -> Result<Write, StoreError> {
        put_write(&self.t.incidents, event_item(event)?, None)
    }

    fn versioned_write(&self, item: Item, expected_version: u64) -> Result<Write, StoreError> {
        put_write(
            &self.t.monitors,
            item,
            Some(Cond::new("version = :v", OnFail::Conflict).value(":v", n(expected_version))),
        )
    }
}

/// Waits before re-sending a batch's unprocessed part: nothing on the first round.
async fn backoff(round: u32) {
    if round > 0 {
        tokio::time::sleep(Duration::from_millis(25 << round.min(6))).await;
    }
}

// ---------------------------------------------------------------------------------------
// The ports

#[async_trait]
impl MonitorStore for DynamoStore {
    async fn create_monitor(&self, m: &Monitor) -> Result<(), StoreError> {
        let writes = vec![
            put_write(&self.t.monitors, monitor_item(m, None)?, Some(Cond::absent(OnFail::Exists("monitor"))))?,
            put_write(&self.t.monitors, token_item(m), Some(Cond::absent(OnFail::Exists("monitor token"))))?,
            // The org's list of monitors: consistent, unlike an index.
            put_write(
                &self.t.config,
                config_key(org_pk(&m.org_id), format!("MON#{}", m.id)),
                Some(Cond::absent(OnFail::Exists("monitor"))),
            )?,
        ];
        self.transact("create_monitor", writes).await
    }

    async fn monitor(&self, id: &MonitorId) -> Result<Option<Monitor>, StoreError> {
        self.get_doc("monitor", &self.t.monitors, monitor_key(id)).await
    }

    /// Two eventually consistent reads (0.5 RCU each for items up to 4 KB): see the module
    /// comment for why that is safe.
    async fn monitor_by_token(&self, token_hash: &SecretHash) -> Result<Option<Monitor>, StoreError> {
        let Some(token) = self.get("monitor_by_token", &self.t.monitors, token_key(token_hash), false).await? else {
            return Ok(None);
        };
        let id = MonitorId::parse(attr(&token, "monitorId")?)
            .ok_or_else(|| backend("token item has a malformed monitorId"))?;
        let item = self.get("monitor_by_token", &self.t.monitors, monitor_key(&id), false).await?;
        // A stale read may still show a rotated token: only the monitor's own hash counts.
        match item.as_ref().map(from_item::<Monitor>).transpose()? {
            Some(m) if &m.token_hash == token_hash => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    async fn monitors_of_org(&self, org: &OrgId) -> Result<Vec<Monitor>, StoreError> {
        let q = Q {
            table: &self.t.config,
            index: None,
            condition: "pk = :pk AND begins_with(sk, :prefix)",
            values: vec![(":pk", s(org_pk(org))), (":prefix", s("MON#"))],
            newest_first: false,
            limit: None,
        };
        let members = self.query("monitors_of_org", q).await?;
        let keys = members
            .iter()
            .map(|m| attr(m, "sk").map(|sk| HashMap::from([("pk".to_owned(), s(sk))])))
            .collect::<Result<Vec<_>, _>>()?;
        let mut monitors: Vec<Monitor> = self
            .batch_get("monitors_of_org", &self.t.monitors, keys)
            .await?
            .iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        monitors.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(monitors)
    }

    async fn update_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        // Read first, only to learn whether the token moves (an API edit, not the ping path).
        let Some(current) = self.get_doc::<Monitor>("update_monitor", &self.t.monitors, monitor_key(&m.id)).await?
        else {
            return Err(StoreError::Conflict);
        };
        if current.version != expected_version {
            return Err(StoreError::Conflict);
        }
        if current.token_hash == m.token_hash {
            return self.put_versioned("update_monitor", monitor_item(m, None)?, expected_version).await;
        }
        let writes = vec![
            self.versioned_write(monitor_item(m, None)?, expected_version)?,
            delete_write(&self.t.monitors, token_key(&current.token_hash))?,
            put_write(&self.t.monitors, token_item(m), Some(Cond::absent(OnFail::Exists("monitor token"))))?,
        ];
        self.transact("update_monitor.rotate_token", writes).await
    }

    async fn delete_monitor(&self, m: &Monitor, expected_version: u64) -> Result<(), StoreError> {
        let writes = vec![
            delete_write_if(
                &self.t.monitors,
                monitor_key(&m.id),
                Some(Cond::new("version = :v", OnFail::Conflict).value(":v", n(expected_version))),
            )?,
            delete_write(&self.t.monitors, token_key(&m.token_hash))?,
            delete_write(&self.t.config, config_key(org_pk(&m.org_id), format!("MON#{}", m.id)))?,
        ];
        self.transact("delete_monitor", writes).await
    }
}

#[async_trait]
impl PingStore for DynamoStore {
    async fn commit_ping(&self, outcome: &PingOutcome, expected_version: u64) -> Result<(), StoreError> {
        let (monitor_id, run_id) = (&outcome.monitor.id, &outcome.run.id);
        if outcome.opened.is_empty() && outcome.resolved.is_empty() {
            self.commit_plain_ping(outcome, expected_version).await?;
            tracing::debug!(%monitor_id, %run_id, path = "plain", "ping committed");
            return Ok(());
        }
        // Incidents change: rare, and worth a transaction (twice the write price).
        let mut writes = vec![
            self.versioned_write(monitor_item(&outcome.monitor, Some(run_id))?, expected_version)?,
            put_write(&self.t.runs, run_item(&outcome.run)?, None)?,
        ];
        writes.extend(self.opened_writes(&outcome.opened)?);
        writes.extend(self.resolve_writes(&outcome.resolved, outcome.run.received_at).await?);
        self.transact("commit_ping", writes).await?;
        tracing::debug!(%monitor_id, %run_id, path = "transaction", opened = outcome.opened.len(),
            resolved = outcome.resolved.len(), "ping committed");
        Ok(())
    }

    async fn commit_check(&self, outcome: &CheckOutcome, expected_version: u64) -> Result<(), StoreError> {
        if outcome.opened.is_empty() {
            return self.put_versioned("commit_check", monitor_item(&outcome.monitor, None)?, expected_version).await;
        }
        let mut writes = vec![self.versioned_write(monitor_item(&outcome.monitor, None)?, expected_version)?];
        writes.extend(self.opened_writes(&outcome.opened)?);
        self.transact("commit_check", writes).await?;
        tracing::debug!(monitor_id = %outcome.monitor.id, opened = outcome.opened.len(), "check committed");
        Ok(())
    }
}

#[async_trait]
impl RunStore for DynamoStore {
    async fn runs(&self, monitor: &MonitorId, limit: usize, before: Option<&RunId>) -> Result<Page<Run>, StoreError> {
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
        let mut items: Vec<Run> = self.query("runs", q).await?.iter().map(from_item).collect::<Result<_, _>>()?;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Reads every run of the monitor (billed by their total size): for small counts.
    async fn run_count(&self, monitor: &MonitorId) -> Result<u64, StoreError> {
        self.count("run_count", &self.t.runs, "monitorId = :m", vec![(":m", s(monitor.as_str()))]).await
    }

    async fn run(&self, monitor: &MonitorId, id: &RunId) -> Result<Option<Run>, StoreError> {
        self.get_doc("run", &self.t.runs, run_key(monitor, id)).await
    }
}

#[async_trait]
impl IncidentStore for DynamoStore {
    async fn incident(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError> {
        self.get_doc("incident", &self.t.incidents, incident_key(id)).await
    }

    async fn incidents_of_monitor(&self, monitor: &MonitorId) -> Result<Vec<Incident>, StoreError> {
        let q = Q {
            table: &self.t.incidents,
            index: Some(BY_MONITOR),
            condition: "monitorId = :m",
            values: vec![(":m", s(monitor.as_str()))],
            newest_first: true,
            limit: None,
        };
        let mut incidents: Vec<Incident> =
            self.query("incidents_of_monitor", q).await?.iter().map(from_item).collect::<Result<_, _>>()?;
        // The index orders by `openedAt` only; ties go newest id first, as in the embedded store.
        incidents.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| b.id.cmp(&a.id)));
        Ok(incidents)
    }

    /// Conditional on the incident being as read, so the recorded event is the change
    /// this write made (a concurrent change in between is a `Conflict`).
    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let read = self.get("put_incident", &self.t.incidents, incident_key(&incident.id), true).await?;
        let before: Option<Incident> = read.as_ref().map(from_item).transpose()?;
        let cond = match read.as_ref().and_then(|item| item.get("doc")) {
            Some(doc) => Cond::new("#doc = :read", OnFail::Conflict).name("#doc", "doc").value(":read", doc.clone()),
            None => Cond::new("attribute_not_exists(id)", OnFail::Conflict),
        };
        let mut writes = vec![put_write(&self.t.incidents, incident_item(incident)?, Some(cond))?];
        if let Some(event) = IncidentEvent::between(before.as_ref(), incident, Utc::now()) {
            writes.push(self.event_write(&event)?);
        }
        self.transact("put_incident", writes).await
    }

    /// Looked up by key: an incident's events can only have a handful of keys.
    async fn incident_events(&self, incident: &IncidentId) -> Result<Vec<IncidentEvent>, StoreError> {
        let keys = IncidentEvent::possible_keys(incident).into_iter().map(id_key).collect();
        let mut events: Vec<IncidentEvent> = self
            .batch_get("incident_events", &self.t.incidents, keys)
            .await?
            .iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        IncidentEvent::chronological(&mut events);
        Ok(events)
    }

    async fn update_incident(
        &self,
        incident: &Incident,
        expected: IncidentStatus,
        monitor: Option<(&Monitor, u64)>,
    ) -> Result<(), StoreError> {
        let cond = || {
            Ok::<_, StoreError>(
                Cond::new("#status = :expected", OnFail::Conflict)
                    .name("#status", "status")
                    .value(":expected", s(status_name(&expected)?)),
            )
        };
        let mut writes = vec![put_write(&self.t.incidents, incident_item(incident)?, Some(cond()?))?];
        if let Some(event) = IncidentEvent::of_status_change(incident, expected, Utc::now()) {
            writes.push(self.event_write(&event)?);
        }
        if let Some((m, version)) = monitor {
            writes.push(self.versioned_write(monitor_item(m, None)?, version)?);
        }
        let written = self.transact("update_incident", writes).await;
        match written {
            // A failed condition on a missing item reads as a conflict: tell them apart.
            Err(StoreError::Conflict)
                if self
                    .get("update_incident", &self.t.incidents, incident_key(&incident.id), true)
                    .await?
                    .is_none() =>
            {
                Err(StoreError::NotFound("incident"))
            }
            other => other,
        }
    }
}

fn delivery_pk(incident: &IncidentId) -> String {
    format!("DLV#{incident}")
}

fn deliveries_query<'a>(config: &'a str, incident: &IncidentId) -> Q<'a> {
    Q {
        table: config,
        index: None,
        condition: "pk = :pk",
        values: vec![(":pk", s(delivery_pk(incident)))],
        newest_first: false,
        limit: None,
    }
}

fn attr_owned(item: &mut Item, name: &str) -> String {
    match item.remove(name) {
        Some(AttributeValue::S(v)) => v,
        _ => String::new(),
    }
}

/// In `config`, under the incident (`DLV#<incidentId>`, sort key = the record's key).
#[async_trait]
impl DeliveryStore for DynamoStore {
    async fn claim_delivery(&self, claim: &DeliveryRecord, lease: chrono::Duration) -> Result<bool, StoreError> {
        // The same rule as `DeliveryRecord::may_replace`, evaluated by DynamoDB atomically.
        let cond = Cond::new(
            "attribute_not_exists(pk) OR #status = :failed OR (#status = :in_flight AND startedAt <= :stale)",
            OnFail::Conflict,
        )
        .name("#status", "status")
        .value(":failed", s("FAILED"))
        .value(":in_flight", s("IN_FLIGHT"))
        .value(":stale", s(sort_time(claim.started_at - lease)));
        match self.put("claim_delivery", &self.t.config, delivery_item(claim)?, Some(cond)).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn finish_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError> {
        self.put("finish_delivery", &self.t.config, delivery_item(record)?, None).await
    }

    async fn deliveries_of_incident(&self, incident: &IncidentId) -> Result<Vec<DeliveryRecord>, StoreError> {
        let items = self.query("deliveries_of_incident", deliveries_query(&self.t.config, incident)).await?;
        let mut records: Vec<DeliveryRecord> = items.iter().map(from_item).collect::<Result<_, _>>()?;
        records.sort_by(|a, b| a.started_at.cmp(&b.started_at).then_with(|| a.key().cmp(&b.key())));
        Ok(records)
    }
}

fn delivery_item(r: &DeliveryRecord) -> Result<Item, StoreError> {
    let mut item = config_item(delivery_pk(&r.incident_id), r.key(), to_doc(r)?);
    item.insert("status".into(), s(status_name(&r.status)?));
    item.insert("startedAt".into(), s(sort_time(r.started_at)));
    Ok(item)
}

#[async_trait]
impl OrgStore for DynamoStore {
    async fn create_org(&self, org: &Org) -> Result<(), StoreError> {
        let item = config_item("ORGS", org.id.as_str(), to_doc(org)?);
        self.put("create_org", &self.t.config, item, Some(Cond::absent(OnFail::Exists("org")))).await
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError> {
        self.get_doc("org", &self.t.config, config_key("ORGS", id.as_str())).await
    }

    async fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.config_docs("orgs", "ORGS".into(), OrgId::PREFIX).await
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let pk = org_pk(&user.org_id);
        let writes = vec![
            put_write(
                &self.t.config,
                config_item(&pk, format!("USER#{}", user.id), to_doc(user)?),
                Some(Cond::absent(OnFail::Exists("user"))),
            )?,
            // One e-mail per org: the marker collides, not the user.
            put_write(
                &self.t.config,
                config_key(&pk, format!("EMAIL#{}", user.email.as_str())),
                Some(Cond::absent(OnFail::Exists("user e-mail"))),
            )?,
        ];
        self.transact("create_user", writes).await
    }

    async fn users_of_org(&self, org: &OrgId) -> Result<Vec<User>, StoreError> {
        self.config_docs("users_of_org", org_pk(org), "USER#").await
    }

    async fn user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, StoreError> {
        self.get_doc("user", &self.t.config, config_key(org_pk(org), format!("USER#{id}"))).await
    }

    /// Two copies of the key, one listed under its org and one found by its hash.
    async fn create_api_key(&self, k: &ApiKey) -> Result<(), StoreError> {
        let doc = to_doc(k)?;
        let writes = vec![
            put_write(
                &self.t.config,
                config_item(org_pk(&k.org_id), format!("KEY#{}", k.id), doc.clone()),
                Some(Cond::absent(OnFail::Exists("api key"))),
            )?,
            put_write(
                &self.t.config,
                config_item(format!("APIKEY#{}", k.key_hash.to_hex()), "APIKEY", doc),
                Some(Cond::absent(OnFail::Exists("api key"))),
            )?,
        ];
        self.transact("create_api_key", writes).await
    }

    async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        self.get_doc("api_key_by_hash", &self.t.config, config_key(format!("APIKEY#{}", hash.to_hex()), "APIKEY")).await
    }

    async fn api_keys_of_org(&self, org: &OrgId) -> Result<Vec<ApiKey>, StoreError> {
        self.config_docs("api_keys_of_org", org_pk(org), "KEY#").await
    }

    async fn api_key(&self, org: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        self.get_doc("api_key", &self.t.config, config_key(org_pk(org), format!("KEY#{id}"))).await
    }

    async fn put_api_key(&self, k: &ApiKey) -> Result<(), StoreError> {
        let listed = config_key(org_pk(&k.org_id), format!("KEY#{}", k.id));
        let Some(current) = self.get_doc::<ApiKey>("put_api_key", &self.t.config, listed.clone()).await? else {
            return Err(StoreError::NotFound("api key"));
        };
        let doc = to_doc(k)?;
        let by_hash = config_item(format!("APIKEY#{}", k.key_hash.to_hex()), "APIKEY", doc.clone());
        let mut writes = vec![put_write(
            &self.t.config,
            config_item(org_pk(&k.org_id), format!("KEY#{}", k.id), doc),
            Some(Cond::new("attribute_exists(pk)", OnFail::Missing("api key"))),
        )?];
        if current.key_hash == k.key_hash {
            writes.push(put_write(&self.t.config, by_hash, None)?);
        } else {
            writes.push(delete_write(
                &self.t.config,
                config_key(format!("APIKEY#{}", current.key_hash.to_hex()), "APIKEY"),
            )?);
            writes.push(put_write(&self.t.config, by_hash, Some(Cond::absent(OnFail::Exists("api key"))))?);
        }
        self.transact("put_api_key", writes).await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let item = config_item(org_pk(&user.org_id), format!("USER#{}", user.id), to_doc(user)?);
        self.put("update_user", &self.t.config, item, Some(Cond::new("attribute_exists(pk)", OnFail::Missing("user"))))
            .await
    }

    /// Removes the user and its e-mail marker, so the address can be invited again.
    async fn delete_user(&self, org: &OrgId, id: &UserId) -> Result<(), StoreError> {
        let key = config_key(org_pk(org), format!("USER#{id}"));
        let Some(user) = self.get_doc::<User>("delete_user", &self.t.config, key.clone()).await? else {
            return Ok(());
        };
        let writes = vec![
            delete_write(&self.t.config, key)?,
            delete_write(&self.t.config, config_key(org_pk(org), format!("EMAIL#{}", user.email.as_str())))?,
        ];
        self.transact("delete_user", writes).await
    }

    async fn update_org(&self, org: &Org) -> Result<(), StoreError> {
        let item = config_item("ORGS", org.id.as_str(), to_doc(org)?);
        self.put("update_org", &self.t.config, item, Some(Cond::new("attribute_exists(pk)", OnFail::Missing("org"))))
            .await
    }
}

#[async_trait]
impl ConfigStore for DynamoStore {
    async fn add_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let item = config_item(org_pk(&dep.org_id), format!("DEP#{}#{}", dep.upstream, dep.downstream), to_doc(dep)?);
        self.put("add_dependency", &self.t.config, item, Some(Cond::absent(OnFail::Exists("dependency")))).await
    }

    async fn dependencies_of_org(&self, org: &OrgId) -> Result<Vec<MonitorDependency>, StoreError> {
        self.config_docs("dependencies_of_org", org_pk(org), "DEP#").await
    }

    async fn remove_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError> {
        let key = config_key(org_pk(&dep.org_id), format!("DEP#{}#{}", dep.upstream, dep.downstream));
        self.delete("remove_dependency", &self.t.config, key).await
    }

    async fn delete_maintenance(&self, org: &OrgId, id: &MaintenanceId) -> Result<(), StoreError> {
        self.delete("delete_maintenance", &self.t.config, config_key(org_pk(org), format!("MNT#{id}"))).await
    }

    async fn delete_channel(&self, org: &OrgId, id: &ChannelId) -> Result<(), StoreError> {
        self.delete("delete_channel", &self.t.config, config_key(org_pk(org), format!("CHN#{id}"))).await
    }

    async fn put_maintenance(&self, w: &MaintenanceWindow) -> Result<(), StoreError> {
        let item = config_item(org_pk(&w.org_id), format!("MNT#{}", w.id), to_doc(w)?);
        self.put("put_maintenance", &self.t.config, item, None).await
    }

    async fn maintenance_of_org(&self, org: &OrgId) -> Result<Vec<MaintenanceWindow>, StoreError> {
        self.config_docs("maintenance_of_org", org_pk(org), "MNT#").await
    }

    async fn maintenance_window(
        &self,
        org: &OrgId,
        id: &MaintenanceId,
    ) -> Result<Option<MaintenanceWindow>, StoreError> {
        self.get_doc("maintenance_window", &self.t.config, config_key(org_pk(org), format!("MNT#{id}"))).await
    }

    async fn put_channel(&self, ch: &Channel) -> Result<(), StoreError> {
        let item = config_item(org_pk(&ch.org_id), format!("CHN#{}", ch.id), to_doc(ch)?);
        self.put("put_channel", &self.t.config, item, None).await
    }

    async fn channels_of_org(&self, org: &OrgId) -> Result<Vec<Channel>, StoreError> {
        self.config_docs("channels_of_org", org_pk(org), "CHN#").await
    }

    async fn channel(&self, org: &OrgId, id: &ChannelId) -> Result<Option<Channel>, StoreError> {
        self.get_doc("channel", &self.t.config, config_key(org_pk(org), format!("CHN#{id}"))).await
    }

    /// The page is stored under its slug and, if it has one, under its custom domain (each
    /// item unique across orgs and naming its owner, `pageId`); `PAGE#<id>` remembers which
    /// slug and domain the page holds, so a change releases the old ones in the same
    /// transaction, and is conditional on what was read, so two concurrent edits of one
    /// page cannot leave a stale slug or domain behind.
    async fn put_status_page(&self, page: &StatusPage) -> Result<(), StoreError> {
        let marker_key = config_key(format!("PAGE#{}", page.id), "PAGE");
        let old = self.get("put_status_page", &self.t.config, marker_key.clone(), true).await?;
        let old_slug = old.as_ref().map(|o| attr(o, "slug").map(str::to_owned)).transpose()?;
        let old_domain = old.as_ref().and_then(|o| attr(o, "domain").ok().map(str::to_owned));
        let (slug, domain) = (page.slug.as_str(), page.custom_domain.as_ref().map(|d| d.as_str()));

        let mut marker = marker_key;
        marker.insert("slug".into(), s(slug));
        if let Some(d) = domain {
            marker.insert("domain".into(), s(d));
        }
        let unchanged = match (&old_slug, &old_domain) {
            (None, _) => Cond::absent(OnFail::Conflict),
            (Some(os), Some(od)) => Cond::new("#slug = :slug AND #domain = :domain", OnFail::Conflict)
                .name("#slug", "slug")
                .name("#domain", "domain")
                .value(":slug", s(os))
                .value(":domain", s(od)),
            (Some(os), None) => Cond::new("#slug = :slug AND attribute_not_exists(#domain)", OnFail::Conflict)
                .name("#slug", "slug")
                .name("#domain", "domain")
                .value(":slug", s(os)),
        };
        let doc = to_doc(page)?;
        let owned = |what| {
            Cond::new("attribute_not_exists(pk) OR pageId = :id", OnFail::Exists(what))
                .value(":id", s(page.id.as_str()))
        };
        let claim = |pk: String, sk: &str| {
            let mut item = config_item(pk, sk, doc.clone());
            item.insert("pageId".into(), s(page.id.as_str()));
            item
        };

        let mut writes = vec![
            put_write(&self.t.config, marker, Some(unchanged))?,
            put_write(&self.t.config, claim(format!("SLUG#{slug}"), "SLUG"), Some(owned("status page slug")))?,
            // The org's listing of its pages (the publisher looks for a monitor's pages).
            put_write(
                &self.t.config,
                config_item(org_pk(&page.org_id), format!("PAGE#{}", page.id), doc.clone()),
                None,
            )?,
        ];
        if let Some(d) = domain {
            writes.push(put_write(
                &self.t.config,
                claim(format!("DOMAIN#{d}"), "DOMAIN"),
                Some(owned("status page domain")),
            )?);
        }
        if let Some(old) = old_slug.filter(|o| o != slug) {
            writes.push(delete_write(&self.t.config, config_key(format!("SLUG#{old}"), "SLUG"))?);
        }
        if let Some(old) = old_domain.filter(|o| Some(o.as_str()) != domain) {
            writes.push(delete_write(&self.t.config, config_key(format!("DOMAIN#{old}"), "DOMAIN"))?);
        }
        self.transact("put_status_page", writes).await
    }

    /// The org's listing of the page, written in the same transaction as the page.
    async fn status_page(&self, org: &OrgId, id: &StatusPageId) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page", &self.t.config, config_key(org_pk(org), format!("PAGE#{id}"))).await
    }

    async fn status_page_by_slug(&self, slug: &str) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page_by_slug", &self.t.config, config_key(format!("SLUG#{slug}"), "SLUG")).await
    }

    async fn status_page_by_domain(&self, host: &str) -> Result<Option<StatusPage>, StoreError> {
        self.get_doc("status_page_by_domain", &self.t.config, config_key(format!("DOMAIN#{host}"), "DOMAIN")).await
    }
}

/// A page's own items share the `PAGE#<id>` partition with its marker item (`sk` `PAGE`).
fn page_pk(page: &StatusPageId) -> String {
    format!("PAGE#{page}")
}

#[async_trait]
impl StatusStore for DynamoStore {
    async fn put_status_incident(&self, i: &StatusIncident) -> Result<(), StoreError> {
        let item = config_item(page_pk(&i.page_id), format!("SINC#{}", i.id), to_doc(i)?);
        self.put("put_status_incident", &self.t.config, item, None).await
    }

    /// Ids are UUIDv7, so a backwards query on `SINC#` is newest first.
    async fn status_incidents_of_page(
        &self,
        page: &StatusPageId,
        limit: usize,
    ) -> Result<Vec<StatusIncident>, StoreError> {
        let q = Q {
            table: &self.t.config,
            index: None,
            condition: "pk = :pk AND begins_with(sk, :prefix)",
            values: vec![(":pk", s(page_pk(page))), (":prefix", s("SINC#"))],
            newest_first: true,
            limit: Some(limit.clamp(1, MAX_PAGE)),
        };
        self.query("status_incidents_of_page", q).await?.iter().map(from_item).collect()
    }

    async fn put_page_maintenance(&self, m: &PageMaintenance) -> Result<(), StoreError> {
        let item = config_item(page_pk(&m.page_id), format!("PMNT#{}", m.id), to_doc(m)?);
        self.put("put_page_maintenance", &self.t.config, item, None).await
    }

    async fn page_maintenance_of_page(&self, page: &StatusPageId) -> Result<Vec<PageMaintenance>, StoreError> {
        self.config_docs("page_maintenance_of_page", page_pk(page), "PMNT#").await
    }

    async fn status_pages_of_org(&self, org: &OrgId) -> Result<Vec<StatusPage>, StoreError> {
        self.config_docs("status_pages_of_org", org_pk(org), "PAGE#").await
    }
}

fn subscriber_key(page: &StatusPageId, id: &SubscriberId) -> Item {
    config_key(page_pk(page), format!("SUB#{id}"))
}

#[async_trait]
impl SubscriberStore for DynamoStore {
    async fn put_subscriber(&self, sub: &Subscriber) -> Result<(), StoreError> {
        let item = config_item(page_pk(&sub.page_id), format!("SUB#{}", sub.id), to_doc(sub)?);
        self.put("put_subscriber", &self.t.config, item, None).await
    }

    async fn subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        self.get_doc("subscriber", &self.t.config, subscriber_key(page, id)).await
    }

    async fn subscribers_of_page(&self, page: &StatusPageId) -> Result<Vec<Subscriber>, StoreError> {
        self.config_docs("subscribers_of_page", page_pk(page), "SUB#").await
    }

    async fn delete_subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<(), StoreError> {
        self.delete("delete_subscriber", &self.t.config, subscriber_key(page, id)).await
    }
}

#[async_trait]
impl SweepStore for DynamoStore {
    async fn runs_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError> {
        let limit = limit.min(MAX_PAGE * 10);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let q = Q {
            table: &self.t.runs,
            index: None,
            condition: "monitorId = :m AND runId < :bound",
            values: vec![(":m", s(monitor.as_str())), (":bound", s(RunId::time_bound(cutoff)))],
            newest_first: false,
            limit: Some(limit),
        };
        self.query("runs_before", q).await?.iter().map(from_item).collect()
    }

    async fn delete_runs(&self, monitor: &MonitorId, ids: &[RunId]) -> Result<(), StoreError> {
        let keys = ids.iter().map(|id| run_key(monitor, id)).collect();
        self.batch_delete("delete_runs", &self.t.runs, keys).await
    }

    async fn resolved_incidents_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let mut incidents = self.incidents_of_monitor(monitor).await?;
        incidents.reverse(); // oldest first, as the embedded store answers
        Ok(incidents
            .into_iter()
            .filter(|i| i.resolved_at.is_some_and(|at| at < cutoff))
            .take(limit)
            .map(|i| i.id)
            .collect())
    }

    async fn delete_incidents(&self, ids: &[IncidentId]) -> Result<(), StoreError> {
        // With each incident, every key its events can have (deleting an absent key is free of errors).
        let keys = ids
            .iter()
            .flat_map(|id| std::iter::once(id.to_string()).chain(IncidentEvent::possible_keys(id)))
            .map(id_key)
            .collect();
        self.batch_delete("delete_incidents", &self.t.incidents, keys).await?;
        for id in ids {
            let keys = self.query("delete_incidents.deliveries", deliveries_query(&self.t.config, id)).await?;
            let keys = keys
                .into_iter()
                .map(|mut item| config_key(attr_owned(&mut item, "pk"), attr_owned(&mut item, "sk")))
                .collect();
            self.batch_delete("delete_incidents.deliveries", &self.t.config, keys).await?;
        }
        Ok(())
    }
}
