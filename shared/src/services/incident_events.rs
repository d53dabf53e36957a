//! One incident event handled, the same in both runtimes: its channels told
//! (`Notifier::notify`), then the status pages showing its monitor published
//! (`StatusPublisher::publish_after`). What marks the event done stays with the runtime:
//! a batch item failure for the DynamoDB stream in Lambda, `mark_delivered` on the local
//! store's outbox.
use crate::domain::incident_event::IncidentEvent;
use crate::services::notify::{Notifier, NotifyError, NotifyReport};
use crate::services::publish_status_page::StatusPublisher;
use std::sync::Arc;

pub struct IncidentEventHandler {
    notifier: Arc<Notifier>,
    /// Absent where no status pages are published (a Lambda without a status bucket).
    publisher: Option<Arc<StatusPublisher>>,
}

impl IncidentEventHandler {
    pub fn new(notifier: Arc<Notifier>, publisher: Option<Arc<StatusPublisher>>) -> Self {
        Self { notifier, publisher }
    }

    /// Notifies, then publishes. An error means the event is not done: the caller keeps
    /// it and delivers it again (the delivery log makes sure no channel hears it twice).
    /// Publishing is best effort and never fails the event.
    pub async fn handle(&self, event: &IncidentEvent) -> Result<NotifyReport, NotifyError> {
        let report = self.notifier.notify(event).await?;
        if let Some(publisher) = &self.publisher {
            publisher.publish_after(event).await;
        }
        Ok(report)
    }
}
