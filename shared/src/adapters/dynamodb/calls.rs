//! The DynamoDB calls every concern builds on: conditional writes, transactions, queries, batches.
use super::{BATCH_GET, BATCH_ROUNDS, BATCH_WRITE, BY_STATUS, DynamoStore, Item, backend, from_item, n, s, sdk_error};
use crate::adapters::records::Stored;
use crate::ports::store::*;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Delete, DeleteRequest, KeysAndAttributes, Put, ReturnConsumedCapacity,
    ReturnValuesOnConditionCheckFailure, Select, TransactWriteItem, Update, WriteRequest,
};
use std::collections::HashMap;
use std::time::Duration;

/// Local secondary indexes, which (unlike global ones) can be read consistently.
const LOCAL_INDEXES: &[&str] = &[BY_STATUS];

/// What a write's failed condition means for the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum OnFail {
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
pub(super) struct Cond {
    expr: &'static str,
    values: Vec<(&'static str, AttributeValue)>,
    /// Placeholders for attribute names, so no name can collide with a reserved word.
    names: Vec<(&'static str, &'static str)>,
    on_fail: OnFail,
}

impl Cond {
    pub(super) fn new(expr: &'static str, on_fail: OnFail) -> Self {
        Self { expr, values: Vec::new(), names: Vec::new(), on_fail }
    }

    pub(super) fn absent(on_fail: OnFail) -> Self {
        Self::new("attribute_not_exists(pk)", on_fail)
    }

    pub(super) fn value(mut self, name: &'static str, v: AttributeValue) -> Self {
        self.values.push((name, v));
        self
    }

    pub(super) fn name(mut self, placeholder: &'static str, attribute: &'static str) -> Self {
        self.names.push((placeholder, attribute));
        self
    }
}

/// One write of a transaction, with what its failed condition means.
pub(super) struct Write {
    op: TransactWriteItem,
    on_fail: OnFail,
}

pub(super) fn put_write(table: &str, item: Item, cond: Option<Cond>) -> Result<Write, StoreError> {
    let (placeholders, expr, on_fail) = Changes::default().conditioned(cond.as_ref());
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(expr)
        .set_expression_attribute_names(placeholders.names())
        .set_expression_attribute_values(placeholders.values())
        .build()
        .map_err(backend)?;
    Ok(Write { op: TransactWriteItem::builder().put(put).build(), on_fail })
}

pub(super) fn delete_write(table: &str, key: Item) -> Result<Write, StoreError> {
    delete_write_if(table, key, None)
}

pub(super) fn delete_write_if(table: &str, key: Item, cond: Option<Cond>) -> Result<Write, StoreError> {
    let (placeholders, expr, on_fail) = Changes::default().conditioned(cond.as_ref());
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .set_condition_expression(expr)
        .set_expression_attribute_names(placeholders.names())
        .set_expression_attribute_values(placeholders.values())
        .build()
        .map_err(backend)?;
    Ok(Write { op: TransactWriteItem::builder().delete(delete).build(), on_fail })
}

/// An UpdateItem's expression (`SET #a = :a ADD #b :b REMOVE #c`), with its placeholders.
#[derive(Debug, Default)]
pub(super) struct Changes {
    pub(super) expr: String,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl Changes {
    /// Adds `cond`'s expression placeholders (its expression goes apart).
    /// These changes with `cond`'s placeholders added, its expression, and what its
    /// failure means (a plain conflict without one).
    fn conditioned(mut self, cond: Option<&Cond>) -> (Self, Option<String>, OnFail) {
        let Some(cond) = cond else { return (self, None, OnFail::Conflict) };
        self.names.extend(cond.names.iter().map(|(k, a)| (k.to_string(), a.to_string())));
        self.values.extend(cond.values.iter().map(|(k, v)| (k.to_string(), v.clone())));
        (self, Some(cond.expr.to_owned()), cond.on_fail)
    }

    fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    fn values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

pub(super) fn update_write(table: &str, key: Item, changes: Changes, cond: Option<Cond>) -> Result<Write, StoreError> {
    let (changes, expr, on_fail) = changes.conditioned(cond.as_ref());
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .update_expression(&changes.expr)
        .set_condition_expression(expr)
        .set_expression_attribute_names(changes.names())
        .set_expression_attribute_values(changes.values())
        .build()
        .map_err(backend)?;
    Ok(Write { op: TransactWriteItem::builder().update(update).build(), on_fail })
}

/// Why a transaction was cancelled, item by item: a version conflict wins over a
/// uniqueness failure (after a re-read the uniqueness answer may differ).
pub(super) fn cancelled(writes: &[OnFail], reasons: &[CancellationReason], message: Option<&str>) -> StoreError {
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

/// A query: the key condition, and at most `limit` items (all when None).
pub(super) struct Q<'a> {
    pub(super) table: &'a str,
    pub(super) index: Option<&'static str>,
    pub(super) condition: &'static str,
    pub(super) values: Vec<(&'static str, AttributeValue)>,
    pub(super) newest_first: bool,
    pub(super) limit: Option<usize>,
}

impl DynamoStore {
    pub(super) async fn get(
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

    pub(super) async fn get_doc<T: Stored>(
        &self,
        op: &'static str,
        table: &str,
        key: Item,
    ) -> Result<Option<T>, StoreError> {
        self.get(op, table, key, true).await?.as_ref().map(from_item).transpose()
    }

    pub(super) async fn put(
        &self,
        op: &'static str,
        table: &str,
        item: Item,
        cond: Option<Cond>,
    ) -> Result<(), StoreError> {
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
    pub(super) async fn put_versioned(
        &self,
        op: &'static str,
        item: Item,
        expected_version: u64,
    ) -> Result<(), StoreError> {
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

    /// One UpdateItem, conditional on `cond` when given.
    pub(super) async fn update(
        &self,
        op: &'static str,
        table: &str,
        key: Item,
        changes: Changes,
        cond: Option<Cond>,
    ) -> Result<(), StoreError> {
        let (changes, expr, on_fail) = changes.conditioned(cond.as_ref());
        let sent = self
            .client
            .update_item()
            .table_name(table)
            .set_key(Some(key))
            .update_expression(&changes.expr)
            .set_condition_expression(expr)
            .set_expression_attribute_names(changes.names())
            .set_expression_attribute_values(changes.values())
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match sent {
            Ok(out) => {
                self.meter_write(out.consumed_capacity());
                Ok(())
            }
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Err(on_fail.into()),
                Some(UpdateItemError::TransactionConflictException(_)) => Err(StoreError::Conflict),
                _ => Err(sdk_error(op, e)),
            },
        }
    }

    pub(super) async fn delete(&self, op: &'static str, table: &str, key: Item) -> Result<(), StoreError> {
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
    pub(super) async fn transact(&self, op: &'static str, writes: Vec<Write>) -> Result<(), StoreError> {
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

    /// Follows pages until `limit` items (or the end). Base-table and local-index queries
    /// are consistent; global-index queries cannot be.
    pub(super) async fn query(&self, op: &'static str, q: Q<'_>) -> Result<Vec<Item>, StoreError> {
        self.query_filtered(op, q, None, None).await
    }

    /// Only the named attributes of each item (`projection`, e.g. the keys), and only the
    /// items `filter` (an expression and its values) keeps: `limit` counts kept items.
    /// DynamoDB bills the items read before the filter, whole.
    pub(super) async fn query_filtered(
        &self,
        op: &'static str,
        q: Q<'_>,
        projection: Option<&[&str]>,
        filter: Option<(&'static str, Vec<(&'static str, AttributeValue)>)>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut values: HashMap<String, AttributeValue> =
            q.values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let filter_expr = filter.map(|(expr, vs)| {
            values.extend(vs.into_iter().map(|(k, v)| (k.to_string(), v)));
            expr
        });
        // Placeholders for the projected names, so none collides with a reserved word.
        let names: Option<HashMap<String, String>> =
            projection.map(|p| p.iter().enumerate().map(|(i, a)| (format!("#p{i}"), a.to_string())).collect());
        let projection_expr = projection.map(|p| (0..p.len()).map(|i| format!("#p{i}")).collect::<Vec<_>>().join(", "));
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
                .set_expression_attribute_values(Some(values.clone()))
                .set_filter_expression(filter_expr.map(str::to_owned))
                .set_projection_expression(projection_expr.clone())
                .set_expression_attribute_names(names.clone())
                .scan_index_forward(!q.newest_first)
                .consistent_read(q.index.is_none_or(|i| LOCAL_INDEXES.contains(&i)))
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

    /// How many items `q`'s key condition matches (its order and limit do not matter).
    pub(super) async fn count(&self, op: &'static str, q: Q<'_>) -> Result<u64, StoreError> {
        let mut count = 0u64;
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(q.table)
                .set_index_name(q.index.map(str::to_owned))
                .key_condition_expression(q.condition)
                .set_expression_attribute_values(Some(
                    q.values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                ))
                .select(Select::Count)
                .consistent_read(q.index.is_none_or(|i| LOCAL_INDEXES.contains(&i)))
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
    pub(super) async fn batch_get(
        &self,
        op: &'static str,
        table: &str,
        keys: Vec<Item>,
    ) -> Result<Vec<Item>, StoreError> {
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

    pub(super) async fn batch_delete(&self, op: &'static str, table: &str, keys: Vec<Item>) -> Result<(), StoreError> {
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
}

impl DynamoStore {
    pub(super) async fn config_docs<T: Stored>(
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
}

/// Waits before re-sending a batch's unprocessed part: nothing on the first round.
pub(super) async fn backoff(round: u32) {
    if round > 0 {
        tokio::time::sleep(Duration::from_millis(25 << round.min(6))).await;
    }
}
