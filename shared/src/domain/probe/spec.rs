//! What a probe monitor checks and how often: validated once, at construction.
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;

pub const MIN_INTERVAL_SECS: u32 = 10;
pub const MAX_INTERVAL_SECS: u32 = 86_400;
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
pub const MIN_TIMEOUT_MS: u32 = 100;
pub const MAX_TIMEOUT_MS: u32 = 60_000;
pub const DEFAULT_FAILURE_THRESHOLD: u32 = 2;
pub const DEFAULT_RECOVERY_THRESHOLD: u32 = 1;
pub const MAX_THRESHOLD: u32 = 100;
pub const DEFAULT_CERT_EXPIRY_DAYS: u32 = 14;
pub const MAX_CERT_EXPIRY_DAYS: u32 = 365;
/// Redirects followed at most, per check.
pub const MAX_REDIRECTS: usize = 10;
pub const MAX_HEADERS: usize = 32;
pub const MAX_HEADER_LEN: usize = 4096;
/// The largest request body a probe sends.
pub const MAX_REQUEST_BODY: usize = 16 * 1024;
pub const MAX_KEYWORD_LEN: usize = 1024;
pub const MAX_EXPECTED_VALUES: usize = 32;
pub const MAX_HOST_LEN: usize = 253;
pub const MAX_URL_LEN: usize = 2048;

/// Why a probe's settings were refused; `field` names the input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProbeSpecError {
    pub field: String,
    pub message: String,
}

impl ProbeSpecError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// The kind of monitor, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorKind {
    /// Waits for pings (the default).
    Heartbeat,
    Http,
    Tcp,
    Dns,
}

/// A probe monitor's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeSpec {
    pub target: ProbeTarget,
    pub interval_secs: u32,
    pub timeout_ms: u32,
    /// Consecutive failed checks before the monitor is DOWN.
    pub failure_threshold: u32,
    /// Consecutive good checks before a DOWN monitor is UP again.
    pub recovery_threshold: u32,
    /// A successful check slower than this is DEGRADED.
    pub degraded_after_ms: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeTarget {
    Http(HttpProbe),
    Tcp(TcpProbe),
    Dns(DnsProbe),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One accepted status: a code (`200`) or a class (`"2xx"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    Code(u16),
    /// The hundreds digit: `2` for `2xx`.
    Class(u8),
}

impl StatusMatch {
    pub fn parse_class(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        (b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx"))
            .then(|| Self::Class(b[0] - b'0'))
    }

    pub fn code(code: u16) -> Option<Self> {
        (100..=599).contains(&code).then_some(Self::Code(code))
    }

    pub fn matches(self, status: u16) -> bool {
        match self {
            Self::Code(c) => c == status,
            Self::Class(c) => status / 100 == u16::from(c),
        }
    }
}

impl fmt::Display for StatusMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(c) => write!(f, "{c}"),
            Self::Class(c) => write!(f, "{c}xx"),
        }
    }
}

/// What a good HTTP answer looks like. No status listed means any 2xx.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpExpect {
    pub status: Vec<StatusMatch>,
    pub keyword: Option<String>,
    pub keyword_absent: Option<String>,
}

impl HttpExpect {
    pub fn status_ok(&self, status: u16) -> bool {
        if self.status.is_empty() { status / 100 == 2 } else { self.status.iter().any(|m| m.matches(status)) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpProbe {
    pub url: url::Url,
    pub method: HttpMethod,
    /// Sent with every request, in order. Names are lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub expect: HttpExpect,
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub cert_expiry_days: u32,
    /// Extra header names (lower-case) whose values debug sessions redact, beside the
    /// ones always redacted (`authorization`, `cookie`, `set-cookie`, …).
    pub redact_headers: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TcpProbe {
    pub host: Host,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    A,
    Aaaa,
    Cname,
    Mx,
    Txt,
    Ns,
}

impl RecordType {
    /// The record type's number on the wire (RFC 1035, 3596).
    pub fn code(self) -> u16 {
        match self {
            Self::A => 1,
            Self::Ns => 2,
            Self::Cname => 5,
            Self::Mx => 15,
            Self::Txt => 16,
            Self::Aaaa => 28,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DnsProbe {
    pub host: Host,
    pub record_type: RecordType,
    /// When given, the answer must hold each of these values (compared without case and
    /// trailing dots).
    pub expect_values: Vec<String>,
    /// The resolver to ask; the system's when absent.
    pub resolver: Option<SocketAddr>,
}

/// A host name or IP literal: at most 253 characters of letters, digits, `-`, `.`, `_`,
/// or `:` for IPv6.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Host(String);

impl Host {
    pub fn new(s: &str) -> Result<Self, &'static str> {
        let s = s.trim().trim_start_matches('[').trim_end_matches(']');
        if s.is_empty() || s.len() > MAX_HOST_LEN {
            return Err("must be a host name of 1 to 253 characters");
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':')) {
            return Err("must be a host name or IP address");
        }
        Ok(Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Host {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<Host> for String {
    fn from(h: Host) -> Self {
        h.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Header names whose values never leave the probe: redacted in debug sessions, masked
/// in the monitor's view.
pub const ALWAYS_REDACTED: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// Whether a header's value is a secret: always-redacted names, configured ones, and
/// names that say so (`x-api-key`, `x-auth-token`, …).
pub fn is_secret_header(name: &str, configured: &BTreeSet<String>) -> bool {
    let name = name.to_ascii_lowercase();
    ALWAYS_REDACTED.contains(&name.as_str())
        || configured.contains(&name)
        || ["token", "secret", "key", "auth", "session", "password", "signature"].iter().any(|w| name.contains(w))
}

impl ProbeTarget {
    pub fn as_http(&self) -> Option<&HttpProbe> {
        match self {
            Self::Http(h) => Some(h),
            _ => None,
        }
    }

    pub fn as_tcp(&self) -> Option<&TcpProbe> {
        match self {
            Self::Tcp(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_dns(&self) -> Option<&DnsProbe> {
        match self {
            Self::Dns(d) => Some(d),
            _ => None,
        }
    }
}

impl ProbeSpec {
    pub fn kind(&self) -> MonitorKind {
        match self.target {
            ProbeTarget::Http(_) => MonitorKind::Http,
            ProbeTarget::Tcp(_) => MonitorKind::Tcp,
            ProbeTarget::Dns(_) => MonitorKind::Dns,
        }
    }

    /// Checks the numbers; the target's parts were checked when built.
    pub fn validate(&self) -> Result<(), ProbeSpecError> {
        let range = |field: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ProbeSpecError::new(field, format!("must be between {lo} and {hi}")))
            }
        };
        range("interval", self.interval_secs, MIN_INTERVAL_SECS, MAX_INTERVAL_SECS)?;
        range("timeout", self.timeout_ms, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS)?;
        range("failureThreshold", self.failure_threshold, 1, MAX_THRESHOLD)?;
        range("recoveryThreshold", self.recovery_threshold, 1, MAX_THRESHOLD)?;
        if let Some(ms) = self.degraded_after_ms {
            range("degradedAfterMs", ms, 1, MAX_TIMEOUT_MS)?;
        }
        if let ProbeTarget::Http(h) = &self.target {
            range("certExpiryDays", h.cert_expiry_days, 0, MAX_CERT_EXPIRY_DAYS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_and_codes_match() {
        let two = StatusMatch::parse_class("2xx").unwrap();
        assert!(two.matches(204) && !two.matches(301));
        assert_eq!(StatusMatch::parse_class("6xx"), None);
        assert_eq!(StatusMatch::parse_class("2x"), None);
        assert_eq!(StatusMatch::code(99), None);
        let expect = HttpExpect { status: vec![StatusMatch::Code(418)], ..Default::default() };
        assert!(expect.status_ok(418) && !expect.status_ok(200));
        assert!(HttpExpect::default().status_ok(299) && !HttpExpect::default().status_ok(300));
    }

    #[test]
    fn hosts_are_vetted_and_secret_headers_recognised() {
        assert_eq!(Host::new("Example.COM").unwrap().as_str(), "example.com");
        assert_eq!(Host::new("[::1]").unwrap().as_str(), "::1");
        assert!(Host::new("a b").is_err() && Host::new("").is_err() && Host::new(&"a".repeat(254)).is_err());
        let none = BTreeSet::new();
        assert!(is_secret_header("Authorization", &none) && is_secret_header("X-Api-Key", &none));
        assert!(!is_secret_header("accept", &none));
        assert!(is_secret_header("x-tenant", &BTreeSet::from(["x-tenant".to_string()])));
    }
}
