//! The blob port on S3 (one object per key, under an optional prefix), and the static
//! site port on the status bucket.
use crate::ports::blob::{BlobError, BlobKey, BlobStore};
use crate::ports::static_site::{SiteError, SiteFile, SitePath, StaticSite};
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

/// A failure: logged with the operation, described with the SDK's description (service
/// code and message, or the transport failure; never credentials or the body).
fn describe<E, R>(op: &'static str, key: &str, e: SdkError<E, R>) -> String
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&e).to_string();
    tracing::warn!(op, key, error = %message, "s3 call failed");
    format!("{op} {key}: {message}")
}

fn sdk_error<E, R>(op: &'static str, key: &str, e: SdkError<E, R>) -> BlobError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    BlobError::Backend(describe(op, key, e))
}

impl S3BlobStore {
    /// Path-style addressing (`endpoint/bucket/key`) is used when `force_path_style` is
    /// set or the config overrides the endpoint: S3 stand-ins such as moto serve every
    /// bucket on one host, while AWS itself wants virtual-hosted style.
    pub fn new(
        sdk_config: &aws_config::SdkConfig,
        bucket: impl Into<String>,
        prefix: impl Into<String>,
        force_path_style: bool,
    ) -> Self {
        let path_style = force_path_style || sdk_config.endpoint_url().is_some();
        let conf = aws_sdk_s3::config::Builder::from(sdk_config).force_path_style(path_style).build();
        Self { client: Client::from_conf(conf), bucket: bucket.into(), prefix: prefix.into() }
    }

    fn object(&self, key: &BlobKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    /// For tests and local stand-ins; in AWS the bucket comes from the SAM template.
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| sdk_error("create_bucket", &self.bucket, e))?;
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
                let body = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| BlobError::Backend(format!("get {object}: reading the body: {e}")))?;
                Ok(Some(body.into_bytes()))
            }
            Err(e) if e.as_service_error().is_some_and(|se| se.is_no_such_key()) => Ok(None),
            Err(e) => Err(sdk_error("get", &object, e)),
        }
    }

    /// S3 deletes are idempotent: deleting a missing key succeeds.
    async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        let object = self.object(key);
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&object)
            .send()
            .await
            .map_err(|e| sdk_error("delete", &object, e))?;
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

/// The static site port on S3: one object per file, with its `Content-Type` and
/// `Cache-Control` (CloudFront and browsers honour them) and our ETag as metadata, so a
/// publish checks a file with one HEAD and writes only what changed.
pub struct S3StaticSite {
    client: Client,
    bucket: String,
}

/// The user metadata key (`x-amz-meta-tokiflow-etag`) the body's validator is kept under.
const ETAG_META: &str = "tokiflow-etag";

fn site_error<E, R>(op: &'static str, key: &str, e: SdkError<E, R>) -> SiteError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    SiteError::Backend(describe(op, key, e))
}

impl S3StaticSite {
    /// Path-style as `S3BlobStore::new` decides it.
    pub fn new(sdk_config: &aws_config::SdkConfig, bucket: impl Into<String>, force_path_style: bool) -> Self {
        let path_style = force_path_style || sdk_config.endpoint_url().is_some();
        let conf = aws_sdk_s3::config::Builder::from(sdk_config).force_path_style(path_style).build();
        Self { client: Client::from_conf(conf), bucket: bucket.into() }
    }

    /// For tests; in AWS the bucket comes from the SAM template.
    pub async fn create_bucket(&self) -> Result<(), SiteError> {
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| site_error("create_bucket", &self.bucket, e))?;
        Ok(())
    }

    /// The object as stored, for tests: body, content type and cache control.
    pub async fn get(&self, path: &SitePath) -> Result<Option<(Bytes, Option<String>, Option<String>)>, SiteError> {
        match self.client.get_object().bucket(&self.bucket).key(path.as_str()).send().await {
            Ok(out) => {
                let (content_type, cache_control) = (out.content_type.clone(), out.cache_control.clone());
                let body =
                    out.body.collect().await.map_err(|e| SiteError::Backend(format!("get {}: {e}", path.as_str())))?;
                Ok(Some((body.into_bytes(), content_type, cache_control)))
            }
            Err(e) if e.as_service_error().is_some_and(|se| se.is_no_such_key()) => Ok(None),
            Err(e) => Err(site_error("get", path.as_str(), e)),
        }
    }
}

#[async_trait]
impl StaticSite for S3StaticSite {
    async fn etag(&self, path: &SitePath) -> Result<Option<String>, SiteError> {
        match self.client.head_object().bucket(&self.bucket).key(path.as_str()).send().await {
            Ok(out) => Ok(out.metadata.and_then(|mut m| m.remove(ETAG_META))),
            Err(e) if e.as_service_error().is_some_and(|se| se.is_not_found()) => Ok(None),
            Err(e) => Err(site_error("head", path.as_str(), e)),
        }
    }

    async fn put(&self, file: &SiteFile) -> Result<(), SiteError> {
        let key = file.path.as_str();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(file.content_type)
            .cache_control(file.cache_control)
            .metadata(ETAG_META, file.etag())
            .body(ByteStream::from(file.body.clone()))
            .send()
            .await
            .map_err(|e| site_error("put", key, e))?;
        tracing::debug!(key, size = file.body.len(), "static file published");
        Ok(())
    }

    async fn delete_under(&self, prefix: &SitePath) -> Result<(), SiteError> {
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix.as_str())
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| site_error("list", prefix.as_str(), e))?;
            for object in out.contents() {
                if let Some(key) = object.key() {
                    self.client
                        .delete_object()
                        .bucket(&self.bucket)
                        .key(key)
                        .send()
                        .await
                        .map_err(|e| site_error("delete", key, e))?;
                }
            }
            match out.next_continuation_token {
                Some(t) if out.is_truncated == Some(true) => token = Some(t),
                _ => return Ok(()),
            }
        }
    }
}
