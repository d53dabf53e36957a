//! The AWS adapters wired from a Lambda function's environment, built once per cold start.
use super::dynamodb::{DynamoStore, DynamoTables};
use super::eventbridge::{EventBridgeScheduler, ScheduleTarget};
use super::s3::S3BlobStore;
use crate::config::{ConfigError, required_env};
use std::sync::Arc;

pub struct AwsAdapters {
    pub store: Arc<DynamoStore>,
    pub blobs: Arc<S3BlobStore>,
    pub scheduler: Arc<EventBridgeScheduler>,
}

impl AwsAdapters {
    /// Reads the table names, `TOKIFLOW_BUCKET` and the schedule target from the
    /// environment the SAM template sets. `AWS_ENDPOINT_URL` (read by the SDK) and
    /// `TOKIFLOW_S3_PATH_STYLE=true` point everything at local stand-ins.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let path_style = std::env::var("TOKIFLOW_S3_PATH_STYLE").is_ok_and(|v| v == "true");
        Ok(Self {
            store: Arc::new(DynamoStore::new(&sdk, DynamoTables::from_env()?)),
            blobs: Arc::new(S3BlobStore::new(&sdk, required_env("TOKIFLOW_BUCKET")?, "outputs/", path_style)),
            scheduler: Arc::new(EventBridgeScheduler::new(&sdk, ScheduleTarget::from_env()?)),
        })
    }
}
