//! Backends behind the ports: one module per backend.
#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod dynamodb;
#[cfg(feature = "aws")]
pub mod dynamodb_stream;
#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "aws")]
pub mod eventbridge;
pub mod fs;
#[cfg(feature = "aws")]
pub mod s3;
pub mod timer;
