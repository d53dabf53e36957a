//! The AWS adapters wired from a Lambda function's environment, built once per cold start.
use super::dynamodb::{DynamoStore, DynamoTables};
use super::eventbridge::{EventBridgeScheduler, ScheduleTarget};
use super::http_transport::{HttpTransportConfig, HyperTransport};
use super::s3::{S3BlobStore, S3StaticSite};
use super::ses::SesEmail;
use super::sns::SnsSms;
use crate::config::{ConfigError, required_env};
use crate::services::deliver::RetryPolicy;
use crate::services::notify::{Notifier, NotifierTransports};
use crate::services::publish_status_page::StatusPublisher;
use crate::services::subscribers::SubscriberService;
use crate::services::test_channel::ChannelTester;
use std::sync::Arc;

pub struct AwsAdapters {
    pub sdk: aws_config::SdkConfig,
    pub store: Arc<DynamoStore>,
    pub blobs: Arc<S3BlobStore>,
    pub scheduler: Arc<EventBridgeScheduler>,
}

/// The SDK's HTTPS client: rustls on ring (the SDK's default, aws-lc, would add megabytes
/// to every function and its cold start), HTTP/1.1 and HTTP/2, the system's roots.
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

impl AwsAdapters {
    /// Reads the table names, `TOKIFLOW_BUCKET` and the schedule target from the
    /// environment the SAM template sets. `AWS_ENDPOINT_URL` (read by the SDK) and
    /// `TOKIFLOW_S3_PATH_STYLE=true` point everything at local stand-ins.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client()).load().await;
        let path_style = std::env::var("TOKIFLOW_S3_PATH_STYLE").is_ok_and(|v| v == "true");
        Ok(Self {
            store: Arc::new(DynamoStore::new(&sdk, DynamoTables::from_env()?)),
            blobs: Arc::new(S3BlobStore::new(&sdk, required_env("TOKIFLOW_BUCKET")?, "outputs/", path_style)),
            scheduler: Arc::new(EventBridgeScheduler::new(&sdk, ScheduleTarget::from_env()?)),
            sdk,
        })
    }

    /// The notifier on these adapters: webhooks through the guarded HTTP client (public
    /// addresses only unless `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE=true`), e-mail through SES
    /// from `TOKIFLOW_EMAIL_FROM`, SMS through SNS, links to `TOKIFLOW_APP_URL`.
    pub fn notifier(&self) -> Result<Notifier, ConfigError> {
        Ok(Notifier::new(self.store.clone(), self.transports()?, RetryPolicy::default(), app_url()?))
    }

    /// Channels' test messages, through the same transports as the notifier's.
    pub fn channel_tester(&self) -> Result<ChannelTester, ConfigError> {
        Ok(ChannelTester::new(self.transports()?, app_url()?))
    }

    /// The status page publisher, when this function publishes (`TOKIFLOW_STATUS_BUCKET`
    /// set): the static copy in that bucket, linked from `TOKIFLOW_STATUS_URL` (the
    /// CloudFront distribution), subscribers told through the notifier's transports.
    pub fn status_publisher(&self) -> Result<Option<StatusPublisher>, ConfigError> {
        let Ok(bucket) = std::env::var("TOKIFLOW_STATUS_BUCKET") else { return Ok(None) };
        let public_url = required_env("TOKIFLOW_STATUS_URL")?;
        let path_style = std::env::var("TOKIFLOW_S3_PATH_STYLE").is_ok_and(|v| v == "true");
        let site = Arc::new(S3StaticSite::new(&self.sdk, bucket, path_style));
        let subscribers = self.subscribers()?.ok_or_else(|| ConfigError {
            var: "TOKIFLOW_EMAIL_FROM",
            reason: "must be set with TOKIFLOW_STATUS_BUCKET (subscribers are e-mailed)".into(),
        })?;
        Ok(Some(StatusPublisher::new(self.store.clone(), site, subscribers, &public_url)))
    }

    /// Status page subscriptions, when this function sends e-mail (`TOKIFLOW_EMAIL_FROM`
    /// set): confirmation requests go out through the notifier's transports.
    pub fn subscribers(&self) -> Result<Option<Arc<SubscriberService>>, ConfigError> {
        if std::env::var_os("TOKIFLOW_EMAIL_FROM").is_none() {
            return Ok(None);
        }
        // Subscribers' webhooks are anyone's addresses: public ones only, whatever the setting.
        let transports =
            self.transports_with(|config| config.egress = crate::adapters::egress::EgressPolicy::PublicOnly)?;
        Ok(Some(Arc::new(SubscriberService::new(self.store.clone(), transports, RetryPolicy::default()))))
    }

    fn transports(&self) -> Result<NotifierTransports, ConfigError> {
        self.transports_with(|_| {})
    }

    fn transports_with(
        &self,
        adjust: impl FnOnce(&mut HttpTransportConfig),
    ) -> Result<NotifierTransports, ConfigError> {
        let env = |k: &str| std::env::var(k).ok();
        let mut config = HttpTransportConfig::from_lookup(env)?;
        adjust(&mut config);
        let http = HyperTransport::new(config)
            .map_err(|e| ConfigError { var: "SSL_CERT_FILE", reason: format!("no CA certificates: {e}") })?;
        let email =
            SesEmail::new(&self.sdk, required_env("TOKIFLOW_EMAIL_FROM")?, env("TOKIFLOW_SES_CONFIGURATION_SET"));
        Ok(NotifierTransports { http: Arc::new(http), email: Arc::new(email), sms: Arc::new(SnsSms::new(&self.sdk)) })
    }
}

/// Where links in messages point: `TOKIFLOW_APP_URL`.
fn app_url() -> Result<url::Url, ConfigError> {
    let app_url = required_env("TOKIFLOW_APP_URL")?;
    url::Url::parse(&app_url).map_err(|e| ConfigError { var: "TOKIFLOW_APP_URL", reason: format!("{app_url:?}: {e}") })
}
