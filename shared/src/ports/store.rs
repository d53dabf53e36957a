//! The store port, split per concern so a service asks only for what it uses.
use crate::domain::channel::Channel;
use crate::domain::dependency::MonitorDependency;
use crate::domain::ids::{
    ApiKeyId, ChannelId, IncidentId, MaintenanceId, MonitorId, OrgId, RunId, StatusPageId, SubscriberId, UserId,
};
use crate::domain::ids::{CheckId, DebugSessionKey, DowntimeId};
use crate::domain::incident::{Incident, IncidentStatus};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::missed::CheckOutcome;
use crate::domain::monitor::{Monitor, PingOutcome};
use crate::domain::notification::record::DeliveryRecord;
use crate::domain::org::{ApiKey, Org, User};
use crate::domain::probe::check::{CheckStatus, ProbeCheck};
use crate::domain::probe::debug::DebugSession;
use crate::domain::probe::downtime::DowntimeWindow;
use crate::domain::probe::rollup::DailyRollup;
use crate::domain::probe::state::ProbeOutcome;
use crate::domain::run::Run;
use crate::domain::secret::SecretHash;
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::PageMaintenance;
use crate::domain::status_page::subscriber::Subscriber;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item changed since it was read (optimistic concurrency): re-read and retry.
    #[error("concurrent update, retry")]
    Conflict,
    /// A create collided with an existing item (same id, token, slug…).
    #[error("already exists: {0}")]
    AlreadyExists(&'static str),
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("store backend failed: {0}")]
    Backend(String),
}

/// One page of a listing; `next` is the cursor for the following page. The store pages
/// runs by their id; the API pages everything else by a sort key as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, Cursor = String> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

impl<T, Cursor> Page<T, Cursor> {
    /// The page of `items` read one past `limit`: the extra one only says that more
    /// follow, and the cursor is the last item kept.
    pub fn of_overfetch(mut items: Vec<T>, limit: usize, cursor: impl Fn(&T) -> Cursor) -> Self {
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(cursor)
        } else {
            None
        };
        Self { items, next }
    }
}

/// The most items one page holds, in the store and in the API.
pub const MAX_PAGE: usize = 200;

#[async_trait]
pub trait MonitorStore: Send + Sync {
    async fn create_monitor(&self, monitor: &Monitor) -> Result<(), StoreError>;
    async fn monitor(&self, id: &MonitorId) -> Result<Option<Monitor>, StoreError>;
    async fn monitor_by_token(&self, token_hash: &SecretHash) -> Result<Option<Monitor>, StoreError>;
    async fn monitors_of_org(&self, org: &OrgId) -> Result<Vec<Monitor>, StoreError>;
    /// Writes `monitor` only if the stored one still has `expected_version`.
    async fn update_monitor(&self, monitor: &Monitor, expected_version: u64) -> Result<(), StoreError>;
    /// Removes the monitor (only if still at `expected_version`), its token and its org
    /// listing. Its runs and incidents are left to the retention sweep.
    async fn delete_monitor(&self, monitor: &Monitor, expected_version: u64) -> Result<(), StoreError>;
}

#[async_trait]
pub trait PingStore: Send + Sync {
    /// Atomically: the monitor (only if still at `expected_version`), the new run, the
    /// opened incidents, and the resolved ones, all or nothing.
    async fn commit_ping(&self, outcome: &PingOutcome, expected_version: u64) -> Result<(), StoreError>;
    /// Atomically: the monitor (only if still at `expected_version`) and the incidents a
    /// scheduled check opened.
    async fn commit_check(&self, outcome: &CheckOutcome, expected_version: u64) -> Result<(), StoreError>;
}

#[async_trait]
pub trait RunStore: Send + Sync {
    /// Runs of a monitor, newest first, `limit` at most `MAX_PAGE`, after the cursor.
    async fn runs(
        &self,
        monitor: &MonitorId,
        limit: usize,
        before: Option<&RunId>,
    ) -> Result<Page<Run, RunId>, StoreError>;
    async fn run_count(&self, monitor: &MonitorId) -> Result<u64, StoreError>;
    async fn run(&self, monitor: &MonitorId, id: &RunId) -> Result<Option<Run>, StoreError>;
}

#[async_trait]
pub trait IncidentStore: Send + Sync {
    async fn incident(&self, id: &IncidentId) -> Result<Option<Incident>, StoreError>;
    /// Newest first.
    async fn incidents_of_monitor(&self, monitor: &MonitorId) -> Result<Vec<Incident>, StoreError>;
    /// Creates or replaces the incident; the change it makes (opened, escalated,
    /// acknowledged, resolved) is recorded as an incident event in the same write.
    async fn put_incident(&self, incident: &Incident) -> Result<(), StoreError>;
    /// The recorded changes of an incident, oldest first. Every commit that changes an
    /// incident (a ping, a check, `put_incident`) records its event atomically with it.
    async fn incident_events(&self, incident: &IncidentId) -> Result<Vec<IncidentEvent>, StoreError>;
    /// Every status change made by a person (acknowledge, resolve) goes through here:
    /// writes `incident` only if the stored one still has status `expected` (else
    /// `Conflict`; `NotFound` if it is gone), together with `monitor` when given (only if
    /// still at its expected version), all or nothing.
    async fn update_incident(
        &self,
        incident: &Incident,
        expected: IncidentStatus,
        monitor: Option<(&Monitor, u64)>,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait OrgStore: Send + Sync {
    async fn create_org(&self, org: &Org) -> Result<(), StoreError>;
    async fn org(&self, id: &OrgId) -> Result<Option<Org>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Org>, StoreError>;
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    async fn users_of_org(&self, org: &OrgId) -> Result<Vec<User>, StoreError>;
    /// The org's user with this id; another org's is not found.
    async fn user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, StoreError>;
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    async fn api_key_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError>;
    async fn api_keys_of_org(&self, org: &OrgId) -> Result<Vec<ApiKey>, StoreError>;
    /// The org's key with this id; another org's is not found.
    async fn api_key(&self, org: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError>;
    async fn put_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// Replaces an existing user (`NotFound` if there is none); the e-mail does not change.
    async fn update_user(&self, user: &User) -> Result<(), StoreError>;
    async fn delete_user(&self, org: &OrgId, id: &UserId) -> Result<(), StoreError>;
    /// Replaces an existing org (`NotFound` if there is none).
    async fn update_org(&self, org: &Org) -> Result<(), StoreError>;
}

#[async_trait]
pub trait ConfigStore: Send + Sync {
    async fn add_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError>;
    async fn dependencies_of_org(&self, org: &OrgId) -> Result<Vec<MonitorDependency>, StoreError>;
    /// Idempotent: removing an absent dependency succeeds.
    async fn remove_dependency(&self, dep: &MonitorDependency) -> Result<(), StoreError>;
    /// Idempotent.
    async fn delete_maintenance(&self, org: &OrgId, id: &MaintenanceId) -> Result<(), StoreError>;
    /// Idempotent.
    async fn delete_channel(&self, org: &OrgId, id: &ChannelId) -> Result<(), StoreError>;
    async fn put_maintenance(&self, window: &MaintenanceWindow) -> Result<(), StoreError>;
    async fn maintenance_of_org(&self, org: &OrgId) -> Result<Vec<MaintenanceWindow>, StoreError>;
    /// The org's window with this id; another org's is not found.
    async fn maintenance_window(
        &self,
        org: &OrgId,
        id: &MaintenanceId,
    ) -> Result<Option<MaintenanceWindow>, StoreError>;
    async fn put_channel(&self, channel: &Channel) -> Result<(), StoreError>;
    async fn channels_of_org(&self, org: &OrgId) -> Result<Vec<Channel>, StoreError>;
    /// The org's channel with this id; another org's is not found.
    async fn channel(&self, org: &OrgId, id: &ChannelId) -> Result<Option<Channel>, StoreError>;
    /// Creates or replaces; slug and custom domain must be unique across orgs.
    async fn put_status_page(&self, page: &StatusPage) -> Result<(), StoreError>;
    /// The org's page with this id; another org's is not found.
    async fn status_page(&self, org: &OrgId, id: &StatusPageId) -> Result<Option<StatusPage>, StoreError>;
    async fn status_page_by_slug(&self, slug: &str) -> Result<Option<StatusPage>, StoreError>;
    async fn status_page_by_domain(&self, host: &str) -> Result<Option<StatusPage>, StoreError>;
}

/// The notifier's delivery log, which doubles as its idempotency guard.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Writes `claim` (status IN_FLIGHT) unless a record with its key exists that
    /// `DeliveryRecord::may_replace` keeps: true if the caller now owns the delivery.
    async fn claim_delivery(&self, claim: &DeliveryRecord, lease: chrono::Duration) -> Result<bool, StoreError>;
    /// Replaces the claim with its outcome.
    async fn finish_delivery(&self, record: &DeliveryRecord) -> Result<(), StoreError>;
    /// Every delivery of the incident's events, oldest first.
    async fn deliveries_of_incident(&self, incident: &IncidentId) -> Result<Vec<DeliveryRecord>, StoreError>;
}

/// What a status page shows besides its components: the incidents written for its
/// customers and the maintenance it announces.
#[async_trait]
pub trait StatusStore: Send + Sync {
    /// Creates or replaces.
    async fn put_status_incident(&self, incident: &StatusIncident) -> Result<(), StoreError>;
    /// Newest first, at most `limit` (itself at most `MAX_PAGE`).
    async fn status_incidents_of_page(
        &self,
        page: &StatusPageId,
        limit: usize,
    ) -> Result<Vec<StatusIncident>, StoreError>;
    /// Creates or replaces.
    async fn put_page_maintenance(&self, maintenance: &PageMaintenance) -> Result<(), StoreError>;
    /// Oldest first.
    async fn page_maintenance_of_page(&self, page: &StatusPageId) -> Result<Vec<PageMaintenance>, StoreError>;
    /// Every status page of the org, by id (what the publisher checks for a monitor).
    async fn status_pages_of_org(&self, org: &OrgId) -> Result<Vec<StatusPage>, StoreError>;
}

/// A status page's subscribers.
#[async_trait]
pub trait SubscriberStore: Send + Sync {
    /// Creates or replaces.
    async fn put_subscriber(&self, subscriber: &Subscriber) -> Result<(), StoreError>;
    async fn subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<Option<Subscriber>, StoreError>;
    /// Oldest first.
    async fn subscribers_of_page(&self, page: &StatusPageId) -> Result<Vec<Subscriber>, StoreError>;
    /// Idempotent.
    async fn delete_subscriber(&self, page: &StatusPageId, id: &SubscriberId) -> Result<(), StoreError>;
}

/// Which checks a listing wants: newest first, `limit` at most `MAX_PAGE`.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckQuery {
    /// Checked at or after.
    pub from: Option<DateTime<Utc>>,
    /// Checked before.
    pub to: Option<DateTime<Utc>>,
    pub status: Option<CheckStatus>,
    pub limit: usize,
    /// The cursor: checks older than this one.
    pub before: Option<CheckId>,
}

/// A probe monitor's history: checks, downtime windows, debug sessions, daily rollups.
#[async_trait]
pub trait ProbeStore: Send + Sync {
    /// Atomically: the monitor (only if still at `expected_version`), the check, the
    /// opened incidents and the resolved ones (with their incident events, as
    /// `commit_ping`), the window (its times, statuses and count; a stored window's
    /// `rootCause` and `notes` are kept), and the rollup added to its day's.
    async fn commit_probe(&self, outcome: &ProbeOutcome, expected_version: u64) -> Result<(), StoreError>;
    /// One page of the monitor's checks matching `query`, newest first.
    async fn checks(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<Page<ProbeCheck, CheckId>, StoreError>;
    /// How many checks match `query`'s `from`, `to` and `status` (not its cursor or limit).
    async fn check_count(&self, monitor: &MonitorId, query: &CheckQuery) -> Result<u64, StoreError>;
    /// Every window of the monitor, newest first.
    async fn downtime_windows(&self, monitor: &MonitorId) -> Result<Vec<DowntimeWindow>, StoreError>;
    async fn downtime_window(&self, monitor: &MonitorId, id: &DowntimeId)
    -> Result<Option<DowntimeWindow>, StoreError>;
    /// Sets a window's root cause and notes (None clears); `NotFound` if there is none.
    async fn annotate_downtime(
        &self,
        monitor: &MonitorId,
        id: &DowntimeId,
        root_cause: Option<&str>,
        notes: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn put_debug_session(&self, session: &DebugSession) -> Result<(), StoreError>;
    /// The monitor's sessions, newest first, at most `limit` (itself at most `MAX_PAGE`).
    async fn debug_sessions(&self, monitor: &MonitorId, limit: usize) -> Result<Vec<DebugSession>, StoreError>;
    async fn debug_session(
        &self,
        monitor: &MonitorId,
        key: &DebugSessionKey,
    ) -> Result<Option<DebugSession>, StoreError>;
    /// The monitor's rollups of days `from..=to`, oldest first.
    async fn rollups(
        &self,
        monitor: &MonitorId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyRollup>, StoreError>;
}

/// What the retention sweep needs: finding and deleting what has aged out.
#[async_trait]
pub trait SweepStore: Send + Sync {
    /// Up to `limit` runs of `monitor` received before `cutoff`, oldest first.
    async fn runs_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Run>, StoreError>;
    async fn delete_runs(&self, monitor: &MonitorId, ids: &[RunId]) -> Result<(), StoreError>;
    /// Up to `limit` incidents of `monitor` resolved before `cutoff`.
    async fn resolved_incidents_before(
        &self,
        monitor: &MonitorId,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<IncidentId>, StoreError>;
    async fn delete_incidents(&self, ids: &[IncidentId]) -> Result<(), StoreError>;
    /// Deletes up to `limit` of the monitor's checks from before `cutoff` and its debug
    /// sessions started before it; returns how many items went (0: nothing left).
    async fn sweep_checks(&self, monitor: &MonitorId, cutoff: DateTime<Utc>, limit: usize)
    -> Result<usize, StoreError>;
    /// Deletes the monitor's rollups of days before `day` and its downtime windows that
    /// ended before `day`; returns how many went.
    async fn sweep_rollups(&self, monitor: &MonitorId, day: NaiveDate) -> Result<usize, StoreError>;
    /// Deletes everything a probe monitor kept (checks, windows, debug sessions,
    /// rollups), up to `limit` items a call; returns how many went (0: all gone).
    async fn delete_probe_history(&self, monitor: &MonitorId, limit: usize) -> Result<usize, StoreError>;
}

/// Everything a backend provides.
pub trait Store:
    MonitorStore
    + PingStore
    + RunStore
    + IncidentStore
    + OrgStore
    + ConfigStore
    + DeliveryStore
    + StatusStore
    + SubscriberStore
    + SweepStore
    + ProbeStore
{
}
impl<
    T: MonitorStore
        + PingStore
        + RunStore
        + IncidentStore
        + OrgStore
        + ConfigStore
        + DeliveryStore
        + StatusStore
        + SubscriberStore
        + SweepStore
        + ProbeStore,
> Store for T
{
}
