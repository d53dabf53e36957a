//! The documents the stores keep: one record type per stored shape, shared by both stores.
//!
//! Both stores keep each item as one JSON document. What that document looks like is
//! decided here, field by field, and not by the domain types' serde form: renaming a
//! domain field changes no stored byte, and a record field cannot be renamed without
//! breaking the golden documents in `shared/tests/stored_records.rs`. The shapes are
//! the ones stored before records existed, so existing databases and tables still read.
//!
//! Small value types (ids, names, plain enums, validated strings) keep their own serde
//! form inside records: each is a single string or number whose form is its meaning.
//! Anything with named fields has a record of its own.
use serde::Serialize;
use serde::de::DeserializeOwned;

mod config;
mod deliveries;
mod incidents;
mod monitors;
mod orgs;
mod probes;
mod runs;
mod status_pages;
mod subscribers;

pub use config::{ChannelRecord, ChannelTargetRecord, DependencyRecord, MaintenanceRecord};
pub use deliveries::{DeliveryAttemptRecord, DeliveryLogRecord};
pub use incidents::{IncidentEventRecord, IncidentRecord};
pub use monitors::{MonitorRecord, OpenStartRecord, ScheduleRecord};
pub use orgs::{ApiKeyRecord, InvitationRecord, OrgRecord, UserRecord};
pub use probes::{
    CheckRecord, DebugSessionRecord, DowntimeRecord, MAX_STORED_EVENTS, MAX_STORED_EVENTS_BYTES, NetworkEventRecord,
    ProbeRecord, ProbeStateRecord, RollupRecord, TargetRecord, TimingsRecord,
};
pub use runs::{RunOutputRecord, RunRecord};
pub use status_pages::{
    ComponentChangeRecord, ComponentRecord, IncidentUpdateRecord, PageMaintenanceRecord, StatusIncidentRecord,
    StatusPageRecord, ThemeRecord, VisibilityRecord,
};
pub use subscribers::{SubscriberRecord, SubscriberTargetRecord};

/// A stored document that does not make a valid domain value (or is not JSON at all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt document: {0}")]
pub struct RecordError(pub String);

impl RecordError {
    fn new(e: impl std::fmt::Display) -> Self {
        Self(e.to_string())
    }
}

/// A domain value the stores keep, and the record it is kept as.
pub trait Stored: Sized {
    type Record: Serialize + DeserializeOwned + for<'a> From<&'a Self> + TryInto<Self, Error = RecordError>;
}

/// The stored document of `value`.
pub fn to_json<T: Stored>(value: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(&T::Record::from(value))
}

/// The domain value of a stored document.
pub fn from_json<T: Stored>(json: &str) -> Result<T, RecordError> {
    let record: T::Record = serde_json::from_str(json).map_err(RecordError::new)?;
    record.try_into()
}

/// Implements [`Stored`] for each `Domain => Record` pair.
macro_rules! stored {
    ($($domain:ty => $record:ty),* $(,)?) => {
        $(impl Stored for $domain {
            type Record = $record;
        })*
    };
}

stored! {
    crate::domain::monitor::Monitor => MonitorRecord,
    crate::domain::run::Run => RunRecord,
    crate::domain::incident::Incident => IncidentRecord,
    crate::domain::incident_event::IncidentEvent => IncidentEventRecord,
    crate::domain::notification::record::DeliveryRecord => DeliveryLogRecord,
    crate::domain::org::Org => OrgRecord,
    crate::domain::org::User => UserRecord,
    crate::domain::org::ApiKey => ApiKeyRecord,
    crate::domain::channel::Channel => ChannelRecord,
    crate::domain::maintenance::MaintenanceWindow => MaintenanceRecord,
    crate::domain::dependency::MonitorDependency => DependencyRecord,
    crate::domain::status_page::StatusPage => StatusPageRecord,
    crate::domain::status_page::incident::StatusIncident => StatusIncidentRecord,
    crate::domain::status_page::maintenance::PageMaintenance => PageMaintenanceRecord,
    crate::domain::status_page::subscriber::Subscriber => SubscriberRecord,
    crate::domain::probe::check::ProbeCheck => CheckRecord,
    crate::domain::probe::downtime::DowntimeWindow => DowntimeRecord,
    crate::domain::probe::debug::DebugSession => DebugSessionRecord,
    crate::domain::probe::rollup::DailyRollup => RollupRecord,
}

/// Converts each element of a stored list back to its domain value.
fn all<R, T>(records: impl IntoIterator<Item = R>) -> Result<Vec<T>, RecordError>
where
    R: TryInto<T, Error = RecordError>,
{
    records.into_iter().map(TryInto::try_into).collect()
}
