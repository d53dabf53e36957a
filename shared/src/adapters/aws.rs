//! The AWS adapters wired from a Lambda function's environment, built once per cold start.
use super::dynamodb::{DynamoStore, DynamoTables};
use super::eventbridge::{EventBridgeScheduler, ScheduleTarget};
use super::s3::S3BlobStore;
use super::http_transport::{HttpTransportConfig, HyperTransport};
use super::ses::SesEmail;
use super::sns::SnsSms;
use crate::config::{ConfigError, required_env};
use crate::services::deliver::RetryPolicy;
use crate::services::notify::{Notifier, NotifierTransports};
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
        let (transports, app_url) = self.transports()?;
        Ok(Notifier::new(self.store.clone(), transports, RetryPolicy::default(), app_url))
    }

    /// Channels' test messages, through the same transports as the notifier's.
    pub fn channel_tester(&self) -> Result<ChannelTester, ConfigError> {
        let (transports, app_url) = self.transports()?;
        Ok(ChannelTester::new(transports, app_url))
    }

    fn transports(&self) -> Result<(NotifierTransports, url::Url), ConfigError> {
        let env = |k: &str| std::env::var(k).ok();
        let http = HyperTransport::new(HttpTransportConfig::from_lookup(env)?)
            .map_err(|e| ConfigError { var: "SSL_CERT_FILE", reason: format!("no CA certificates: {e}") })?;
        let email = SesEmail::new(&self.sdk, required_env("TOKIFLOW_EMAIL_FROM")?, env("TOKIFLOW_SES_CONFIGURATION_SET"));
        let transports =
            NotifierTransports { http: Arc::new(http), email: Arc::new(email), sms: Arc::new(SnsSms::new(&self.sdk)) };
        let app_url = required_env("TOKIFLOW_APP_URL")?;
        let app_url = url::Url::parse(&app_url)
            .map_err(|e| ConfigError { var: "TOKIFLOW_APP_URL", reason: format!("{app_url:?}: {e}") })?;
        Ok((transports, app_url))
    }
}
