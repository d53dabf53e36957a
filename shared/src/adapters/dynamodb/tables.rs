//! Table definitions: the five tables, made as the SAM template makes them.
use super::{BY_MONITOR, BY_STATUS, DynamoStore, TTL_ATTRIBUTE, backend, sdk_error};
use crate::ports::store::*;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use std::time::Duration;

pub(super) fn attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().map_err(backend)
}

pub(super) fn key_part(name: &str, kind: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(backend)
}

/// A table as `create_tables` makes it: string keys, optional TTL, stream, one global
/// index (name, hash, range) and one local index (name, range).
pub(super) struct TableDef<'a> {
    name: &'a str,
    hash: &'static str,
    range: Option<&'static str>,
    ttl: bool,
    stream: bool,
    index: Option<(&'static str, &'static str, &'static str)>,
    local_index: Option<(&'static str, &'static str)>,
}

impl DynamoStore {
    /// Creates the five tables (on-demand, TTL on `expiresAt` for runs, incidents and
    /// probes, a stream of incident changes), as the SAM template does in AWS. Tables that already
    /// exist are left as they are, so this can run against a persistent DynamoDB Local.
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        let tables = [
            TableDef {
                name: &self.t.monitors,
                hash: "pk",
                range: None,
                ttl: false,
                stream: false,
                index: None,
                local_index: None,
            },
            TableDef {
                name: &self.t.runs,
                hash: "monitorId",
                range: Some("runId"),
                ttl: true,
                stream: false,
                index: None,
                local_index: None,
            },
            TableDef {
                name: &self.t.incidents,
                hash: "id",
                range: None,
                ttl: true,
                stream: true,
                index: Some((BY_MONITOR, "monitorId", "openedAt")),
                local_index: None,
            },
            TableDef {
                name: &self.t.config,
                hash: "pk",
                range: Some("sk"),
                ttl: false,
                stream: false,
                index: None,
                local_index: None,
            },
            TableDef {
                name: &self.t.probes,
                hash: "monitorId",
                range: Some("sk"),
                ttl: true,
                stream: false,
                index: None,
                local_index: Some((BY_STATUS, "statusSk")),
            },
        ];
        for def in tables {
            self.create_table(def).await?;
        }
        Ok(())
    }

    pub(super) async fn create_table(&self, def: TableDef<'_>) -> Result<(), StoreError> {
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
        if let Some((index, range)) = def.local_index {
            let lsi = LocalSecondaryIndex::builder()
                .index_name(index)
                .key_schema(key_part(def.hash, KeyType::Hash)?)
                .key_schema(key_part(range, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(backend)?;
            req = req.attribute_definitions(attribute(range)?).local_secondary_indexes(lsi);
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
}
