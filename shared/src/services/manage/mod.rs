//! The management API's use cases: monitors, incidents, the org and its members and
//! keys, channels, maintenance windows and status pages. Inputs are the commands as the API receives
//! them (typed by serde, not yet checked against the domain's rules); every rule is
//! checked here or in the domain, and a failure names the field at fault.
mod channels;
mod history;
mod incidents;
mod maintenance;
mod monitors;
mod org;
pub mod pagination;
mod probes;
mod status_pages;
mod subscribers;

pub use channels::{ChannelInput, MASKED_SECRET, TargetInput};
pub use incidents::{IncidentFilter, incident_sort_key};
pub use maintenance::MaintenanceInput;
pub use monitors::{CreateMonitor, CreatedMonitor, DependencyInput, MonitorInput, UpdateMonitor};
pub use org::{
    AcceptInvitation, AcceptedInvitation, CreateApiKey, CreatedApiKey, InviteMember, InvitedMember, UpdateMember,
    UpdateOrg,
};
pub use probes::{CheckFilter, DowntimeNote, MASKED_HEADER};
pub use status_pages::{
    ComponentInput, IncidentUpdateInput, PageMaintenanceInput, SavedStatusPage, StatusIncidentInput, StatusPageInput,
    ThemeInput, VisibilityInput,
};

use crate::domain::ids::MonitorId;
use crate::domain::org::Org;
use crate::ports::blob::{BlobError, BlobStore};
use crate::ports::scheduler::{Scheduler, SchedulerError};
use crate::ports::store::{
    ConfigStore, DeliveryStore, IncidentStore, MonitorStore, OrgStore, ProbeStore, RunStore, StatusStore, StoreError,
    SubscriberStore, SweepStore,
};
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field the request must carry is absent (as a body serde refuses: 400).
    #[error("{0} is required")]
    Missing(Cow<'static, str>),
    /// The request is well-formed but breaks a rule; `field` names what to fix.
    #[error("{message}")]
    Invalid { field: Cow<'static, str>, message: String },
    /// The caller's role may not touch this item (another member's, above their role).
    #[error("{0}")]
    Forbidden(String),
    /// The thing is not in a state that allows this (already resolved, last owner…).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

pub(crate) fn invalid(field: impl Into<Cow<'static, str>>, message: impl ToString) -> ManageError {
    ManageError::Invalid { field: field.into(), message: message.to_string() }
}

/// An edit re-reads and retries (`retry_on_conflict`) when a ping changed the monitor under it.
impl crate::services::retry::MayConflict for ManageError {
    fn is_conflict(&self) -> bool {
        matches!(self, Self::Store(StoreError::Conflict))
    }
}

/// What the management API reads and writes: everything but pings' commits and status
/// page subscribers (the subscriber service's).
pub trait ManageStore:
    MonitorStore
    + RunStore
    + IncidentStore
    + OrgStore
    + ConfigStore
    + DeliveryStore
    + StatusStore
    + SubscriberStore
    + ProbeStore
    + SweepStore
{
}
impl<
    T: ?Sized
        + MonitorStore
        + RunStore
        + IncidentStore
        + OrgStore
        + ConfigStore
        + DeliveryStore
        + StatusStore
        + SubscriberStore
        + ProbeStore
        + SweepStore,
> ManageStore for T
{
}

/// At most this many tags or monitors in one channel or window.
const MAX_LIST: usize = 100;

pub struct ManageService {
    store: Arc<dyn ManageStore>,
    scheduler: Arc<dyn Scheduler>,
    blobs: Arc<dyn BlobStore>,
}

impl ManageService {
    pub fn new(store: Arc<dyn ManageStore>, scheduler: Arc<dyn Scheduler>, blobs: Arc<dyn BlobStore>) -> Self {
        Self { store, scheduler, blobs }
    }

    /// Ids given in the body (under `field`) that must name monitors of the org.
    async fn org_monitor_ids(&self, org: &Org, field: &str, raw: &[String]) -> Result<Vec<MonitorId>, ManageError> {
        if raw.len() > MAX_LIST {
            return Err(invalid(field.to_owned(), format!("at most {MAX_LIST} monitors")));
        }
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let known = self.store.monitors_of_org(&org.id).await?;
        raw.iter()
            .enumerate()
            .map(|(i, raw)| {
                MonitorId::parse(raw)
                    .filter(|id| known.iter().any(|m| &m.id == id))
                    .ok_or_else(|| invalid(format!("{field}[{i}]"), "no monitor of this organisation has this id"))
            })
            .collect()
    }
}
