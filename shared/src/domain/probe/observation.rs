//! What one probe attempt observed on the network, before it is judged: the phase
//! timings, the answer, or where it failed. The prober port returns this.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The body kept for keyword checks: the first 64 KB of the answer.
pub const MAX_OBSERVED_BODY: usize = 64 * 1024;

/// Milliseconds spent in each phase of the last hop; `None` for a phase that did not
/// happen (no DNS lookup for an IP literal, no TLS for plain HTTP, no first byte for a
/// refused connection).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseTimings {
    pub dns_ms: Option<f64>,
    pub connect_ms: Option<f64>,
    pub tls_ms: Option<f64>,
    pub ttfb_ms: Option<f64>,
}

/// Where an attempt stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeFailure {
    #[error("timed out during {0}")]
    Timeout(Phase),
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    #[error("connection refused")]
    Refused,
    #[error("connect failed: {0}")]
    Connect(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    /// The egress guard refused the address (the cloud build probes public targets only).
    #[error("{0}")]
    Blocked(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Dns,
    Connect,
    Tls,
    Request,
    Response,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dns => "DNS lookup",
            Self::Connect => "connect",
            Self::Tls => "TLS handshake",
            Self::Request => "request",
            Self::Response => "response",
        })
    }
}

/// One attempt: what was measured, and either the answer or the failure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observation {
    pub timings: PhaseTimings,
    /// From the start to the last byte read (or the failure).
    pub total_ms: f64,
    /// The final answer's status (after redirects).
    pub http_status: Option<u16>,
    /// The final answer's body, at most `MAX_OBSERVED_BODY` bytes, lossily decoded.
    pub body: Option<String>,
    /// DNS checks: the answer's values (addresses, names, texts; MX as "10 mx.host").
    pub dns_values: Vec<String>,
    /// The TLS certificate's end of validity, when a handshake happened.
    pub cert_not_after: Option<DateTime<Utc>>,
    pub failure: Option<ProbeFailure>,
}
