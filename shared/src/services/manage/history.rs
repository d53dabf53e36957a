//! What happened to an incident (its events, its delivery log) and where a run's full
//! output can be downloaded: reads for the API, scoped to the caller's org.
use super::{ManageError, ManageService};
use crate::domain::incident_event::IncidentEvent;
use crate::domain::notification::record::DeliveryRecord;
use crate::domain::org::Org;
use crate::domain::run::Run;
use crate::ports::blob::{BlobKey, DOWNLOAD_URL_TTL};
use url::Url;

impl ManageService {
    /// The incident's events in the order they happened (the store keeps them so); an
    /// incident of another org is not found.
    pub async fn incident_events(&self, org: &Org, id: &str) -> Result<Vec<IncidentEvent>, ManageError> {
        let incident = self.incident(org, id).await?;
        Ok(self.store.incident_events(&incident.id).await?)
    }

    /// Every delivery of the incident's messages, one per event and channel, oldest first.
    pub async fn incident_deliveries(&self, org: &Org, id: &str) -> Result<Vec<DeliveryRecord>, ManageError> {
        let incident = self.incident(org, id).await?;
        let mut log = self.store.deliveries_of_incident(&incident.id).await?;
        log.sort_by(|a, b| {
            (a.started_at, &a.event_key, &a.channel_id).cmp(&(b.started_at, &b.event_key, &b.channel_id))
        });
        Ok(log)
    }

    /// Where the run's full output can be downloaded for a while, if it was stored apart.
    pub async fn output_url(&self, run: &Run) -> Result<Option<Url>, ManageError> {
        let Some(key) = run.output.blob_key.as_deref().and_then(BlobKey::parse) else {
            return Ok(None);
        };
        Ok(Some(self.blobs.download_url(&key, DOWNLOAD_URL_TTL).await?))
    }
}
