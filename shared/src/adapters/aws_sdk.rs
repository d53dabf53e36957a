//! The AWS SDK's shared configuration, loaded once per cold start: every AWS adapter's
//! client is built from it.

/// The SDK's HTTPS client: rustls on ring (the SDK's default, aws-lc, would add megabytes
/// to every function and its cold start), HTTP/1.1 and HTTP/2, the system's roots.
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// Region, credentials and endpoints as the SDK finds them (`AWS_ENDPOINT_URL` points
/// everything at local stand-ins), on `https_client`.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client()).load().await
}
