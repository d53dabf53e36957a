//! The incidents table's DynamoDB stream, as Lambda delivers it: each batch record that
//! is an INSERT of an incident event item becomes an `IncidentEvent`. Everything else in
//! the stream (incident items, re-written events) is not an event to send.
use crate::domain::incident_event::IncidentEvent;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
pub struct StreamBatch {
    #[serde(rename = "Records", default)]
    pub records: Vec<StreamRecord>,
}

#[derive(Debug, Deserialize)]
pub struct StreamRecord {
    #[serde(rename = "eventName", default)]
    pub event_name: String,
    pub dynamodb: StreamData,
}

#[derive(Debug, Deserialize)]
pub struct StreamData {
    #[serde(rename = "SequenceNumber", default)]
    pub sequence_number: String,
    #[serde(rename = "NewImage", default)]
    pub new_image: HashMap<String, Attribute>,
}

/// The attribute forms the event items use: strings only.
#[derive(Debug, Deserialize)]
pub struct Attribute {
    #[serde(rename = "S")]
    pub s: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("stream record {sequence}: {reason}")]
pub struct BadRecord {
    pub sequence: String,
    pub reason: String,
}

impl StreamRecord {
    fn string(&self, name: &str) -> Option<&str> {
        self.dynamodb.new_image.get(name).and_then(|a| a.s.as_deref())
    }

    /// The event this record carries: `None` for records that are not new events.
    pub fn incident_event(&self) -> Result<Option<IncidentEvent>, BadRecord> {
        if self.event_name != "INSERT" || self.string("recordType") != Some("EVENT") {
            return Ok(None);
        }
        let bad = |reason: String| BadRecord { sequence: self.dynamodb.sequence_number.clone(), reason };
        let doc = self.string("doc").ok_or_else(|| bad("event item without doc".into()))?;
        crate::adapters::records::from_json(doc).map(Some).map_err(|e| bad(format!("event doc: {e}")))
    }
}

/// The partial-batch answer (`ReportBatchItemFailures`): Lambda retries from the first
/// failed record, and the event source mapping bisects a batch that keeps failing.
#[derive(Debug, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<ItemFailure>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ItemFailure {
    pub item_identifier: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{MonitorId, OrgId};
    use crate::domain::incident::{Incident, IncidentKind, Severity};
    use crate::domain::incident_event::IncidentChange;
    use chrono::DateTime;

    fn record(event_name: &str, record_type: &str, doc: &str) -> serde_json::Value {
        serde_json::json!({
            "eventID": "1", "eventName": event_name, "eventSource": "aws:dynamodb",
            "dynamodb": {
                "SequenceNumber": "111",
                "Keys": {"id": {"S": "inc_x#OPENED"}},
                "NewImage": {"id": {"S": "inc_x#OPENED"}, "recordType": {"S": record_type}, "doc": {"S": doc}},
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        })
    }

    #[test]
    fn only_inserted_events_are_events() {
        let incident = Incident::open(
            OrgId::generate(),
            MonitorId::generate(),
            IncidentKind::Missed,
            Severity::High,
            DateTime::UNIX_EPOCH,
        );
        let doc = crate::adapters::records::to_json(&IncidentEvent::opened(&incident)).unwrap();
        let batch: StreamBatch = serde_json::from_value(serde_json::json!({"Records": [
            record("INSERT", "EVENT", &doc),
            record("MODIFY", "EVENT", &doc),
            record("INSERT", "INCIDENT", &doc),
            record("INSERT", "EVENT", "{not json"),
        ]}))
        .unwrap();
        let parsed: Vec<_> = batch.records.iter().map(StreamRecord::incident_event).collect();
        let first = parsed[0].as_ref().unwrap().as_ref().unwrap();
        assert_eq!((first.change, &first.incident.id), (IncidentChange::Opened, &incident.id));
        assert!(matches!(parsed[1], Ok(None)) && matches!(parsed[2], Ok(None)));
        assert_eq!(parsed[3].as_ref().unwrap_err().sequence, "111");
    }

    #[test]
    fn the_sample_event_parses() {
        let batch: StreamBatch = serde_json::from_str(include_str!("../../../events/incident-stream.json")).unwrap();
        let events: Vec<_> = batch.records.iter().filter_map(|r| r.incident_event().unwrap()).collect();
        assert_eq!(events.len(), 2, "the opened and the resolved event; the incident item is skipped");
    }

    #[test]
    fn failures_answer_in_lambdas_shape() {
        let r = BatchResponse { batch_item_failures: vec![ItemFailure { item_identifier: "111".into() }] };
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "111"}]})
        );
    }
}
