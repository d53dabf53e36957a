//! Outbound delivery: POSTing JSON to a webhook, sending an email, sending an SMS. One
//! trait per operation, so a service asks only for what it uses.
use crate::domain::notification::{EmailMessage, SmsMessage};
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// Refused before sending: the address is not allowed (SSRF guard) or the URL unusable.
    #[error("refused: {0}")]
    Refused(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Could not connect or the connection broke (DNS, TCP, TLS): worth retrying.
    #[error("connection failed: {0}")]
    Unreachable(String),
    /// The provider is busy or failing (throttling, 5xx): worth retrying.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the message itself (bad address, unverified sender, …).
    #[error("rejected: {0}")]
    Rejected(String),
}

impl TransportError {
    /// What went wrong, without the details (addresses, socket errors, provider text).
    pub fn category(&self) -> &'static str {
        match self {
            Self::Refused(_) => "refused",
            Self::Timeout(_) => "timed out",
            Self::Unreachable(_) => "connection failed",
            Self::Unavailable(_) => "temporarily unavailable",
            Self::Rejected(_) => "rejected",
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Timeout(_) | Self::Unreachable(_) | Self::Unavailable(_))
    }
}

/// How a webhook answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// From a `Retry-After` header (seconds or an HTTP date), as a wait from now.
    pub retry_after: Option<Duration>,
    /// The start of the response body, for the delivery log (Slack, for one, explains a
    /// 4xx there: `invalid_token`, `no_service`).
    pub body_start: String,
}

#[async_trait]
pub trait HttpPoster: Send + Sync {
    /// POSTs `body` as `application/json`; any answer is `Ok`, whatever its status.
    async fn post_json(&self, url: &Url, headers: &[(&str, String)], body: Bytes) -> Result<HttpReply, TransportError>;
}

#[async_trait]
pub trait EmailSender: Send + Sync {
    async fn send_email(&self, message: &EmailMessage) -> Result<(), TransportError>;
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send_sms(&self, message: &SmsMessage) -> Result<(), TransportError>;
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP date (past dates mean now).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now: DateTime<Utc> = "2015-10-21T07:27:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn which_failures_are_worth_retrying() {
        assert!(TransportError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(TransportError::Unavailable("throttled".into()).is_retryable());
        assert!(!TransportError::Refused("loopback".into()).is_retryable());
        assert!(!TransportError::Rejected("bad number".into()).is_retryable());
    }
}
