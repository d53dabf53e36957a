//! Backends behind the ports: one module per backend.
#[cfg(feature = "aws")]
pub mod aws_sdk;
#[cfg(feature = "aws")]
mod aws_send_error;
#[cfg(feature = "aws")]
pub mod dynamodb;
#[cfg(feature = "aws")]
pub mod dynamodb_stream;
pub mod egress;
#[cfg(feature = "embedded")]
pub mod embedded;
#[cfg(feature = "aws")]
pub mod eventbridge;
pub mod fs;
pub mod http_transport;
pub mod mailbox;
pub mod probe;
pub mod records;
#[cfg(feature = "aws")]
pub mod s3;
#[cfg(feature = "aws")]
pub mod ses;
pub mod smtp;
#[cfg(feature = "aws")]
pub mod sns;
pub mod timer;
