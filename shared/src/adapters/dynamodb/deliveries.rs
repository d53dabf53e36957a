//! The notifier's delivery log.
use super::calls::{Cond, OnFail, Q};
use super::{DynamoStore, Item, config_item, from_item, s, sort_time, status_name, to_doc};
use crate::domain::ids::IncidentId;
use crate::domain::notification::record::DeliveryRecord;
use crate::ports::store::*;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

pub(super) fn delivery_pk(incident: &IncidentId) -> String {
    format!("DLV#{incident}")
}

pub(super) fn deliveries_query<'a>(config: &'a str, incident: &IncidentId) -> Q<'a> {
    Q {
        table: config,
        index: None,
        condition: "pk = :pk",
        values: vec![(":pk", s(delivery_pk(incident)))],
        newest_first: false,
        limit: None,
    }
}

pub(super) fn attr_owned(item: &mut Item, name: &str) -> String {
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

pub(super) fn delivery_item(r: &DeliveryRecord) -> Result<Item, StoreError> {
    let mut item = config_item(delivery_pk(&r.incident_id), r.key(), to_doc(r)?);
    item.insert("status".into(), s(status_name(&r.status)?));
    item.insert("startedAt".into(), s(sort_time(r.started_at)));
    Ok(item)
}
