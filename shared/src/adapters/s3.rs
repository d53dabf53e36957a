//! The blob port on S3: one object per key, under an optional prefix.
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use std::time::Duration;
use url::Url;

pub struct S3BlobStore {
    client: Client,
    bucket: String,
    prefix: String,
}

/// A failure: logged with the operation, returned with the SDK's description (service
/// code and message, or the transport failure; never credentials or the body).
fn sdk_error<E, R>(op: &'static str, key: &str, e: SdkError<E, R>) -> BlobError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&e).to_string();
    tracing::warn!(op, key, error = %message, "s3 call failed");
    BlobError::Backend(format!("{op} {key}: {message}"))
}

impl S3BlobStore {
    /// Path-style addressing (`endpoint/bucket/key`) is used when `force_path_style` is
    /// set or the config overrides the endpoint: S3 stand-ins such as moto serve every
    /// bucket on one host, while AWS itself wants virtual-hosted style.
    pub fn new(sdk_config: &aws_config::SdkConfig, bucket: impl Into<String>, prefix: impl Into<String>, force_path_style: bool) -> Self {
        let path_style = force_path_style || sdk_config.endpoint_url().is_some();
        let conf = aws_sdk_s3::config::Builder::from(sdk_config).force_path_style(path_style).build();
        Self { client: Client::from_conf(conf), bucket: bucket.into(), prefix: prefix.into() }
    }

    fn object(&self, key: &BlobKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    /// For tests and local stand-ins; in AWS the bucket comes from the SAM template.
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        self.client.create_bucket().bucket(&self.bucket).send().await.map_err(|e| sdk_error("create_bucket", &self.bucket, e))?;
        Ok(())
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, key: &BlobKey, body: Bytes) -> Result<(), BlobError> {
        let (object, size) = (self.object(key), body.len());
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&object)
            .content_type("text/plain; charset=utf-8")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| sdk_error("put", &object, e))?;
        tracing::debug!(key = %object, size, "blob stored");
        Ok(())
    }

    /// A missing key is `None`. (In AWS that needs `s3:ListBucket` on the bucket: without
    /// it S3 answers 403 instead of 404 for a missing key.)
    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, BlobError> {
        let object = self.object(key);
        match self.client.get_object().bucket(&self.bucket).key(&object).send().await {
            Ok(out) => {
                let body = out.body.collect().await.map_err(|e| BlobError::Backend(format!("get {object}: reading the body: {e}")))?;
                Ok(Some(body.into_bytes()))
            }
            Err(e) if e.as_service_error().is_some_and(|se| se.is_no_such_key()) => Ok(None),
            Err(e) => Err(sdk_error("get", &object, e)),
        }
    }

    /// S3 deletes are idempotent: deleting a missing key succeeds.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let object = self.object(key);
        self.client.delete_object().bucket(&self.bucket).key(&object).send().await.map_err(|e| sdk_error("delete", &object, e))?;
        Ok(())
    }

    /// A SigV4 presigned GET, signed locally with the function's credentials (no call to
    /// S3): anyone holding it may read this one object until it expires. Valid at most as
    /// long as those credentials are (a Lambda role's session outlives `valid_for`).
    async fn download_url(&self, key: &BlobKey, valid_for: Duration) -> Result<Url, BlobError> {
        let object = self.object(key);
        let presigning = PresigningConfig::expires_in(valid_for)
            .map_err(|e| BlobError::Backend(format!("presign {object}: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&object)
            .presigned(presigning)
            .await
            .map_err(|e| sdk_error("presign", &object, e))?;
        Url::parse(request.uri()).map_err(|e| BlobError::Backend(format!("presign {object}: {e}")))
    }
}
