//! The local server's composition root: every service on the embedded store and the file
//! system under `config.data_dir`, as `tokiflow-local`, its benches and the tests run it.
use crate::adapters::embedded::EmbeddedStore;
use crate::adapters::fs::{FsBlobStore, FsStaticSite};
use crate::adapters::http_transport::HttpTransportConfig;
use crate::adapters::mailbox::Mailbox;
use crate::adapters::smtp::SmtpEmail;
use crate::adapters::timer::TimerScheduler;
use crate::config::{Config, ConfigError};
use crate::http::App;
use crate::ports::store::StoreError;
use crate::ports::transport::EmailSender;
use crate::services::check_missed::MissedCheckService;
use crate::services::deliver::RetryPolicy;
use crate::services::incident_events::IncidentEventHandler;
use crate::services::notify::{Notifier, NotifierTransports};
use crate::services::probe::ProbeService;
use crate::services::publish_status_page::StatusPublisher;
use crate::services::subscribers::SubscriberService;
use crate::services::test_channel::ChannelTester;
use crate::services::timer_duty::TimerDuty;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every service of the local server, and the backends its background loops drive.
pub struct LocalServices {
    pub app: Arc<App>,
    pub store: Arc<EmbeddedStore>,
    pub blobs: Arc<FsBlobStore>,
    pub timers: Arc<TimerScheduler>,
    pub checks: Arc<MissedCheckService>,
    /// Probe monitors' checks and debug sessions.
    pub probes: Arc<ProbeService>,
    /// What a fired timer runs: a probe's check or a heartbeat's missed check.
    pub timer_duty: Arc<TimerDuty>,
    pub notifier: Arc<Notifier>,
    /// Notify, then publish: what the notifier loop runs for each recorded incident event.
    pub incident_events: Arc<IncidentEventHandler>,
    /// Where e-mail (without an SMTP relay) and SMS go: one file per message.
    pub mailbox: Arc<Mailbox>,
    pub publisher: Arc<StatusPublisher>,
    /// Status pages' static copy (`{data_dir}/site`).
    pub site: Arc<FsStaticSite>,
}

/// Opens the store under `config.data_dir` and builds every service on it. Starts
/// nothing: the listener and the background loops are the server's.
pub fn build(config: &Config) -> Result<LocalServices, WiringError> {
    let base_url = config.base_url();
    let app_url = url::Url::parse(&base_url)
        .map_err(|e| ConfigError { var: "TOKIFLOW_PUBLIC_URL", reason: format!("{base_url:?}: {e}") })?;
    let store = Arc::new(EmbeddedStore::open(&config.data_dir)?);
    let blobs = Arc::new(FsBlobStore::new(config.data_dir.join("blobs"), app_url.clone()));
    let timers = Arc::new(TimerScheduler::new());
    let site = Arc::new(FsStaticSite::new(config.data_dir.join("site")));
    let mailbox = Arc::new(Mailbox::new(config.data_dir.join("mailbox")));

    // E-mail goes to an SMTP relay when one is configured, else to the mailbox too.
    let email: Arc<dyn EmailSender> = match &config.smtp {
        Some(smtp) => Arc::new(SmtpEmail::new(smtp.clone())),
        None => mailbox.clone(),
    };
    let channels =
        NotifierTransports { http: super::http_client(config.outbound.clone())?, email, sms: mailbox.clone() };
    // Subscribers' webhooks are anyone's addresses: never the server's own network.
    let strangers = NotifierTransports {
        http: super::http_client(HttpTransportConfig { egress: config.subscriber_egress, ..config.outbound.clone() })?,
        ..channels.clone()
    };

    let checks = Arc::new(MissedCheckService::new(store.clone(), timers.clone()));
    let probes = super::probe_service(&store, timers.clone(), &config.probes)?;
    let timer_duty = Arc::new(TimerDuty::new(store.clone(), checks.clone(), probes.clone()));
    let subscribers = Arc::new(SubscriberService::new(store.clone(), strangers, RetryPolicy::default()));
    let publisher = Arc::new(StatusPublisher::new(store.clone(), site.clone(), subscribers.clone(), &base_url));
    let notifier = Arc::new(Notifier::new(store.clone(), channels.clone(), RetryPolicy::default(), app_url.clone()));
    let incident_events = Arc::new(IncidentEventHandler::new(notifier.clone(), Some(publisher.clone())));
    let app = super::app(&store, blobs.clone(), timers.clone(), config.limits)
        .with_rate_limit(config.api_rate)
        .with_channel_tester(ChannelTester::new(channels, app_url))
        .with_subscribers(subscribers)
        .with_publisher(publisher.clone())
        .with_probes(probes.clone());
    Ok(LocalServices {
        app: Arc::new(app),
        store,
        blobs,
        timers,
        checks,
        probes,
        timer_duty,
        notifier,
        incident_events,
        mailbox,
        publisher,
        site,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn builds_every_service_under_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.data_dir = dir.path().to_owned();
        let built = build(&config).unwrap();
        let app = &built.app;
        assert!(app.channel_tester.is_some() && app.subscribers.is_some() && app.publisher.is_some());
        assert!(app.probes.is_some());
        assert_eq!(built.site.root(), dir.path().join("site"));
        assert_eq!(built.mailbox.dir(), dir.path().join("mailbox"));
        built.store.close();

        config.public_url = Some("not a url".into());
        assert!(matches!(build(&config), Err(WiringError::Config(e)) if e.var == "TOKIFLOW_PUBLIC_URL"));
    }
}
