//! A run: one ping as recorded, with its output preview and, for finishes, its duration.
use super::ids::{MonitorId, OrgId, RunId};
use super::incident::Severity;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Start,
    Success,
    Fail,
    Log,
}

impl RunState {
    pub fn is_finish(self) -> bool {
        matches!(self, Self::Success | Self::Fail)
    }
}

/// A client-chosen id that pairs the start and finish of one run when runs overlap
/// (Healthchecks' `rid`): 1..=64 characters of `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunKey(String);

impl RunKey {
    pub fn new(s: &str) -> Option<Self> {
        let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        (!s.is_empty() && s.len() <= 64 && s.bytes().all(ok)).then(|| Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RunKey {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s).ok_or("rid must be 1-64 characters of letters, digits, '.', '_' or '-'")
    }
}

impl From<RunKey> for String {
    fn from(k: RunKey) -> String {
        k.0
    }
}

/// What was kept of a ping's body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunOutput {
    /// The first 1 KB, as text.
    pub preview: String,
    /// The size of the whole body as sent.
    pub size: u64,
    /// Where the full body is, for bodies over the inline limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob_key: Option<String>,
    /// True when the body was larger than the stored limit and only its head was kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// How a ping arrived: its HTTP method and scheme, and the client a proxy forwarded it
/// for (`X-Forwarded-Proto`, the first `X-Forwarded-For` address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PingVia {
    pub method: Option<PingMethod>,
    pub scheme: Option<Scheme>,
    pub forwarded_for: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PingMethod {
    Get,
    Head,
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl PingVia {
    /// From the request's method and headers; anything unrecognised is left out.
    pub fn of(method: &http::Method, headers: &http::HeaderMap) -> Self {
        let method = match *method {
            http::Method::GET => Some(PingMethod::Get),
            http::Method::HEAD => Some(PingMethod::Head),
            http::Method::POST => Some(PingMethod::Post),
            _ => None,
        };
        let first = |name: &str| {
            headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim)
        };
        let scheme = match first("x-forwarded-proto").map(str::to_ascii_lowercase).as_deref() {
            Some("https") => Some(Scheme::Https),
            Some("http") => Some(Scheme::Http),
            _ => None,
        };
        Self { method, scheme, forwarded_for: first("x-forwarded-for").and_then(address_without_port) }
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:80` → the address.
fn address_without_port(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(addr) = s.parse::<std::net::SocketAddr>() {
        return Some(addr.ip());
    }
    s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|ip| ip.parse().ok())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: RunId,
    pub org_id: OrgId,
    pub monitor_id: MonitorId,
    pub state: RunState,
    pub exit_code: Option<u8>,
    pub severity: Option<Severity>,
    pub received_at: DateTime<Utc>,
    /// Start to finish, for a finish whose start was seen.
    pub duration_ms: Option<u64>,
    pub z_score: Option<f64>,
    pub output: RunOutput,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub rid: Option<RunKey>,
    pub via: PingVia,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_reads_the_method_scheme_and_first_forwarded_address() {
        let mut h = http::HeaderMap::new();
        h.insert("x-forwarded-proto", "HTTPS".parse().unwrap());
        h.insert("x-forwarded-for", "[2001:db8::1]:443, 10.0.0.1".parse().unwrap());
        let via = PingVia::of(&http::Method::POST, &h);
        assert_eq!((via.method, via.scheme), (Some(PingMethod::Post), Some(Scheme::Https)));
        assert_eq!(via.forwarded_for, Some("2001:db8::1".parse().unwrap()));
        h.insert("x-forwarded-for", "203.0.113.7:5678".parse().unwrap());
        h.insert("x-forwarded-proto", "gopher".parse().unwrap());
        let via = PingVia::of(&http::Method::GET, &h);
        assert_eq!((via.scheme, via.forwarded_for), (None, Some("203.0.113.7".parse().unwrap())));
        h.insert("x-forwarded-for", "unknown".parse().unwrap());
        assert_eq!(PingVia::of(&http::Method::GET, &h).forwarded_for, None);
    }

    #[test]
    fn run_key_is_bounded_and_plain() {
        assert!(RunKey::new("0f6b7a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b").is_some());
        assert!(RunKey::new("").is_none());
        assert!(RunKey::new(&"a".repeat(65)).is_none());
        assert!(RunKey::new("a b").is_none());
        assert!(RunKey::new("<script>").is_none());
    }
}
