//! Ping ingest: validate, keep the output, apply the state machine, commit atomically.
use crate::config::BodyLimits;
use crate::domain::ids::{MonitorId, RunId};
use crate::domain::monitor::ReceivedPing;
use crate::domain::ping::{PingError, PingParts, PingSignal};
use crate::domain::run::{PingVia, RunOutput, RunState};
use crate::domain::secret::PingToken;
use crate::domain::text::preview;
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
use crate::ports::scheduler::{Scheduler, SchedulerError};
use crate::ports::store::{MonitorStore, PingStore, StoreError};
use crate::services::keyed_locks::KeyedLocks;
use crate::services::retry::{MayConflict, retry_on_conflict};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::sync::Arc;

/// As Healthchecks keeps it.
const MAX_USER_AGENT: usize = 200;

/// A ping as it arrived, untrusted.
#[derive(Debug, Clone, Default)]
pub struct PingRequest {
    pub token: String,
    pub suffix: Option<String>,
    pub state: Option<String>,
    pub exit_code: Option<String>,
    pub severity: Option<String>,
    pub rid: Option<String>,
    /// At most `BodyLimits::stored` bytes of the body.
    pub body: Bytes,
    /// The size of the body as sent, which may exceed `body.len()`.
    pub body_size: u64,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The method, scheme and forwarded-for client, as the request said them.
    pub via: PingVia,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingReceipt {
    pub monitor_id: MonitorId,
    pub run_id: RunId,
    pub state: RunState,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no monitor has this ping token")]
    UnknownToken,
    #[error(transparent)]
    BadPing(#[from] PingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Scheduler(#[from] SchedulerError),
}

/// What ingest reads and writes: the monitor by its token, and the ping's commit.
pub trait IngestStore: MonitorStore + PingStore {}
impl<T: ?Sized + MonitorStore + PingStore> IngestStore for T {}

impl MayConflict for IngestError {
    fn is_conflict(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_conflict())
    }
}

/// Optimistic retries (`retry_on_conflict`) cover another process (another Lambda)
/// writing the monitor between our read and our write; within one process the keyed
/// lock prevents that.
pub struct PingService {
    store: Arc<dyn IngestStore>,
    blobs: Arc<dyn BlobStore>,
    scheduler: Arc<dyn Scheduler>,
    limits: BodyLimits,
    locks: KeyedLocks,
}

impl PingService {
    pub fn new(
        store: Arc<dyn IngestStore>,
        blobs: Arc<dyn BlobStore>,
        scheduler: Arc<dyn Scheduler>,
        limits: BodyLimits,
    ) -> Self {
        Self { store, blobs, scheduler, limits, locks: KeyedLocks::new(1024) }
    }

    pub async fn ingest(&self, req: PingRequest, now: DateTime<Utc>) -> Result<PingReceipt, IngestError> {
        let signal = PingSignal::parse(PingParts {
            suffix: req.suffix.as_deref(),
            state: req.state.as_deref(),
            exit_code: req.exit_code.as_deref(),
            severity: req.severity.as_deref(),
            rid: req.rid.as_deref(),
        })?;
        let token = PingToken::from_untrusted(&req.token).ok_or(IngestError::UnknownToken)?;
        let hash = token.hash();
        let _serialised = self.locks.lock(hash.as_bytes()).await;

        let monitor = self.store.monitor_by_token(&hash).await?.ok_or(IngestError::UnknownToken)?;
        let run_id = RunId::generate();
        let output = self.keep_output(&req, &monitor.org_id, &monitor.id, &run_id).await?;
        let ping = ReceivedPing {
            run_id: run_id.clone(),
            signal,
            received_at: now,
            output,
            source_ip: req.source_ip,
            user_agent: req.user_agent.map(|ua| ua.chars().filter(|c| !c.is_control()).take(MAX_USER_AGENT).collect()),
            via: req.via,
        };
        let (hash, ping, run_id) = (&hash, &ping, &run_id);
        let mut read = Some(monitor);
        retry_on_conflict(|attempt| {
            // The first attempt writes what was read above; a retry re-reads.
            let first = read.take();
            async move {
                let monitor = match first {
                    Some(m) => m,
                    None => {
                        let m = self.store.monitor_by_token(hash).await?.ok_or(IngestError::UnknownToken)?;
                        tracing::debug!(monitor_id = %m.id, attempt, "monitor changed under us, retrying");
                        m
                    }
                };
                let expected = monitor.version;
                let outcome = monitor.apply_ping(ping.clone());
                // Rare (see `Monitor::rearm`); before the commit, so a check is never lost.
                if let Some(at) = outcome.arm {
                    self.scheduler.arm(&outcome.monitor.id, at).await?;
                }
                self.store.commit_ping(&outcome, expected).await?;
                tracing::debug!(monitor_id = %outcome.monitor.id, run_id = %run_id, state = ?outcome.run.state,
                    opened = outcome.opened.len(), resolved = outcome.resolved.len(), "ping recorded");
                Ok(PingReceipt { monitor_id: outcome.monitor.id, run_id: run_id.clone(), state: outcome.run.state })
            }
        })
        .await
    }

    /// The preview always; the whole body (up to the stored limit) in the blob store when
    /// it is too large to keep inline. Written before the run, so a run never points at
    /// a missing blob.
    async fn keep_output(
        &self,
        req: &PingRequest,
        org: &crate::domain::ids::OrgId,
        monitor: &MonitorId,
        run: &RunId,
    ) -> Result<RunOutput, BlobError> {
        let size = req.body_size.max(req.body.len() as u64);
        let kept = req.body.slice(..req.body.len().min(self.limits.stored));
        let mut out = RunOutput {
            preview: preview(&kept, self.limits.preview),
            size,
            blob_key: None,
            truncated: size > kept.len() as u64,
        };
        if kept.len() > self.limits.inline {
            let key = BlobKey::for_run(org, monitor, run);
            self.blobs.put(&key, kept).await?;
            out.blob_key = Some(key.as_str().to_owned());
        }
        Ok(out)
    }
}
