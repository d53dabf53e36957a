//! The Lambda functions' composition root: every service on DynamoDB, S3 and EventBridge
//! Scheduler and, in the functions that send, SES, SNS and the guarded HTTP client, from
//! one `AwsConfig` read once per cold start.
use crate::adapters::aws_sdk::sdk_config;
use crate::adapters::dynamodb::DynamoStore;
use crate::adapters::egress::EgressPolicy;
use crate::adapters::eventbridge::EventBridgeScheduler;
use crate::adapters::http_transport::HttpTransportConfig;
use crate::adapters::s3::{S3BlobStore, S3StaticSite};
use crate::adapters::ses::SesEmail;
use crate::adapters::sns::SnsSms;
use crate::config::{AwsConfig, ConfigError, missing};
use crate::http::App;
use crate::services::check_missed::MissedCheckService;
use crate::services::deliver::RetryPolicy;
use crate::services::incident_events::IncidentEventHandler;
use crate::services::notify::{Notifier, NotifierTransports};
use crate::services::publish_status_page::StatusPublisher;
use crate::services::subscribers::SubscriberService;
use crate::services::test_channel::ChannelTester;
use crate::services::timer_duty::TimerDuty;
use std::sync::Arc;

/// Every service of a Lambda function, and the backends some functions call directly.
pub struct AwsServices {
    pub config: AwsConfig,
    pub store: Arc<DynamoStore>,
    pub blobs: Arc<S3BlobStore>,
    pub scheduler: Arc<EventBridgeScheduler>,
    /// The HTTP routes, with the channel tester, subscriptions and publisher when built.
    pub app: Arc<App>,
    pub checks: Arc<MissedCheckService>,
    /// Built where the function sends, with `TOKIFLOW_EMAIL_FROM` and `TOKIFLOW_APP_URL`.
    pub notifier: Option<Arc<Notifier>>,
    /// Built where the function sends, with `TOKIFLOW_STATUS_BUCKET`.
    pub publisher: Option<Arc<StatusPublisher>>,
    /// Notify, then publish (when there is a publisher): what the notifier function runs
    /// for each record of the stream.
    pub incident_events: Option<Arc<IncidentEventHandler>>,
}

/// What a function sends, chosen by type so that a function sending nothing does not link
/// the SES, SNS and outbound HTTP clients (a smaller binary, a faster cold start).
pub trait Sends {
    /// Whether the API this function serves runs debug sessions on demand (with the
    /// prober linked in).
    const PROBES: bool;
    /// The services that send messages, on `store`.
    fn messaging(
        sdk: &aws_config::SdkConfig,
        config: &AwsConfig,
        store: &Arc<DynamoStore>,
    ) -> Result<Messaging, ConfigError>;
}

/// Sends nothing: ping ingest, missed checks, the retention sweep, bootstrap.
pub enum SendsNothing {}

/// Sends messages: e-mail through SES from `TOKIFLOW_EMAIL_FROM` (without it, nothing is
/// sent), SMS through SNS, webhooks through the guarded HTTP client (public addresses only
/// unless `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE=true`; subscribers' always public only).
pub enum SendsMessages {}

/// The services that send messages; each present where the configuration allows it.
#[derive(Default)]
pub struct Messaging {
    pub subscribers: Option<Arc<SubscriberService>>,
    pub channel_tester: Option<ChannelTester>,
    pub notifier: Option<Arc<Notifier>>,
    pub publisher: Option<Arc<StatusPublisher>>,
}

impl Sends for SendsNothing {
    const PROBES: bool = false;
    fn messaging(_: &aws_config::SdkConfig, _: &AwsConfig, _: &Arc<DynamoStore>) -> Result<Messaging, ConfigError> {
        Ok(Messaging::default())
    }
}

impl Sends for SendsMessages {
    const PROBES: bool = true;
    fn messaging(
        sdk: &aws_config::SdkConfig,
        config: &AwsConfig,
        store: &Arc<DynamoStore>,
    ) -> Result<Messaging, ConfigError> {
        let Some(email) = &config.email else {
            if config.status_site.is_some() {
                return Err(ConfigError {
                    var: "TOKIFLOW_EMAIL_FROM",
                    reason: "must be set with TOKIFLOW_STATUS_BUCKET (subscribers are e-mailed)".into(),
                });
            }
            return Ok(Messaging::default());
        };
        let channels = NotifierTransports {
            http: super::http_client(config.outbound.clone())?,
            email: Arc::new(SesEmail::new(sdk, email.from.clone(), email.configuration_set.clone())),
            sms: Arc::new(SnsSms::new(sdk)),
        };
        // Subscribers' webhooks are anyone's addresses: public ones only, whatever the setting.
        let strangers = NotifierTransports {
            http: super::http_client(HttpTransportConfig {
                egress: EgressPolicy::PublicOnly,
                ..config.outbound.clone()
            })?,
            ..channels.clone()
        };
        let subscribers = Arc::new(SubscriberService::new(store.clone(), strangers, RetryPolicy::default()));
        let publisher = config.status_site.as_ref().map(|status| {
            let site = Arc::new(S3StaticSite::new(sdk, status.bucket.clone(), config.s3_path_style));
            Arc::new(StatusPublisher::new(store.clone(), site, subscribers.clone(), &status.public_url))
        });
        let (notifier, channel_tester) = match &config.app_url {
            Some(app_url) => (
                Some(Arc::new(Notifier::new(store.clone(), channels.clone(), RetryPolicy::default(), app_url.clone()))),
                Some(ChannelTester::new(channels, app_url.clone())),
            ),
            None => (None, None),
        };
        Ok(Messaging { subscribers: Some(subscribers), channel_tester, notifier, publisher })
    }
}

/// Builds every service of a function that sends what `S` says, from `config`.
pub async fn build<S: Sends>(config: AwsConfig) -> Result<AwsServices, ConfigError> {
    let sdk = sdk_config().await;
    let store = Arc::new(DynamoStore::new(&sdk, config.tables.clone()));
    let blobs = Arc::new(S3BlobStore::new(&sdk, config.bucket.clone(), "outputs/", config.s3_path_style));
    let scheduler = Arc::new(EventBridgeScheduler::new(&sdk, config.schedule_target.clone()));
    let checks = Arc::new(MissedCheckService::new(store.clone(), scheduler.clone()));
    let Messaging { subscribers, channel_tester, notifier, publisher } = S::messaging(&sdk, &config, &store)?;
    let incident_events = notifier.as_ref().map(|n| Arc::new(IncidentEventHandler::new(n.clone(), publisher.clone())));
    let mut app = super::app(&store, blobs.clone(), scheduler.clone(), config.limits);
    if let Some(tester) = channel_tester {
        app = app.with_channel_tester(tester);
    }
    if let Some(subscribers) = subscribers {
        app = app.with_subscribers(subscribers);
    }
    if let Some(publisher) = &publisher {
        app = app.with_publisher(publisher.clone());
    }
    if S::PROBES {
        app = app.with_probes(super::probe_service(&store, scheduler.clone(), &config.probes)?);
    }
    Ok(AwsServices {
        config,
        store,
        blobs,
        scheduler,
        app: Arc::new(app),
        checks,
        notifier,
        publisher,
        incident_events,
    })
}

/// `build` on the configuration read from the environment.
pub async fn from_env<S: Sends>() -> Result<AwsServices, ConfigError> {
    build::<S>(AwsConfig::from_env()?).await
}

impl AwsServices {
    /// What a fired schedule runs: a probe monitor's check (the prober is built here, so
    /// only functions that call this link it) or a heartbeat's missed check.
    pub fn timer_duty(&self) -> Result<Arc<TimerDuty>, ConfigError> {
        let probes = super::probe_service(&self.store, self.scheduler.clone(), &self.config.probes)?;
        Ok(Arc::new(TimerDuty::new(self.store.clone(), self.checks.clone(), probes)))
    }

    /// The notifier and the incident event handler, or the error naming the variable
    /// this function lacks for them.
    pub fn notifying(&self) -> Result<(Arc<Notifier>, Arc<IncidentEventHandler>), ConfigError> {
        match (&self.notifier, &self.incident_events) {
            (Some(notifier), Some(events)) => Ok((notifier.clone(), events.clone())),
            _ => Err(self.why_not_sending()),
        }
    }

    /// Fails, naming the missing variable, unless the app sends channels' test messages.
    pub fn require_channel_tester(&self) -> Result<(), ConfigError> {
        match self.app.channel_tester {
            Some(_) => Ok(()),
            None => Err(self.why_not_sending()),
        }
    }

    fn why_not_sending(&self) -> ConfigError {
        match (&self.config.email, &self.config.app_url) {
            (None, _) => missing("TOKIFLOW_EMAIL_FROM"),
            (Some(_), None) => missing("TOKIFLOW_APP_URL"),
            (Some(_), Some(_)) => {
                ConfigError { var: "TOKIFLOW_EMAIL_FROM", reason: "this function is not built to send".into() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> AwsConfig {
        AwsConfig::for_tests(pairs).unwrap()
    }

    const SENDER: [(&str, &str); 2] =
        [("TOKIFLOW_EMAIL_FROM", "alerts@example.com"), ("TOKIFLOW_APP_URL", "https://app.tokiflow.example")];

    // Building makes clients only: nothing here calls AWS.
    #[tokio::test]
    async fn what_a_function_sends_decides_what_is_built() {
        let quiet = build::<SendsNothing>(config(&SENDER)).await.unwrap();
        assert!(quiet.notifier.is_none() && quiet.app.channel_tester.is_none() && quiet.app.subscribers.is_none());
        assert_eq!(quiet.notifying().err().map(|e| e.var), Some("TOKIFLOW_EMAIL_FROM"));

        let sending = build::<SendsMessages>(config(&SENDER)).await.unwrap();
        assert!(sending.notifying().is_ok() && sending.require_channel_tester().is_ok());
        assert!(sending.app.subscribers.is_some() && sending.publisher.is_none());

        let published =
            [&SENDER[..], &[("TOKIFLOW_STATUS_BUCKET", "s"), ("TOKIFLOW_STATUS_URL", "https://s.example")]].concat();
        let publishing = build::<SendsMessages>(config(&published)).await.unwrap();
        assert!(publishing.publisher.is_some() && publishing.app.publisher.is_some());

        // The status pages subscribe by e-mail: without a sender they only render.
        let no_sender = build::<SendsMessages>(config(&[])).await.unwrap();
        assert!(no_sender.app.subscribers.is_none());
        assert_eq!(no_sender.require_channel_tester().err().map(|e| e.var), Some("TOKIFLOW_EMAIL_FROM"));
        let no_links = build::<SendsMessages>(config(&SENDER[..1])).await.unwrap();
        assert_eq!(no_links.notifying().err().map(|e| e.var), Some("TOKIFLOW_APP_URL"));
        assert!(no_links.app.subscribers.is_some(), "subscribers need no app URL");

        let unsendable = build::<SendsMessages>(config(&published[2..])).await;
        assert_eq!(unsendable.err().map(|e| e.var), Some("TOKIFLOW_EMAIL_FROM"));
    }
}
