//! Reaching a host: its name resolved by the system resolver, every address past the
//! egress guard, then a TCP connection, each phase timed into the attempt.
//!
//! The addresses checked are the addresses connected to, so a name cannot pass the guard
//! and then re-resolve elsewhere (DNS rebinding).
use super::attempt::Attempt;
use super::timing::ms_since;
use crate::adapters::egress::EgressPolicy;
use crate::domain::probe::observation::{Phase, ProbeFailure};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tokio::net::TcpStream;

/// A host as a probe names it.
#[derive(Debug, Clone, Copy)]
pub(super) enum HostRef<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

impl<'a> HostRef<'a> {
    /// An IP literal (`[::1]` too) or a name.
    pub(super) fn parse(host: &'a str) -> Self {
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        bare.parse().map_or(Self::Name(host), Self::Ip)
    }
}

pub(super) async fn connect(
    host: HostRef<'_>,
    port: u16,
    egress: EgressPolicy,
    attempt: &mut Attempt,
) -> Result<TcpStream, ProbeFailure> {
    attempt.phase = Phase::Dns;
    let addrs: Vec<SocketAddr> = match host {
        HostRef::Ip(ip) => vec![SocketAddr::new(ip, port)],
        HostRef::Name(name) => {
            let started = Instant::now();
            let found = tokio::net::lookup_host((name, port)).await;
            attempt.obs.timings.dns_ms = Some(ms_since(started));
            found.map_err(|e| ProbeFailure::Dns(e.to_string()))?.collect()
        }
    };
    if addrs.is_empty() {
        return Err(ProbeFailure::Dns("the name has no addresses".into()));
    }
    // All or nothing: a name with one internal address among public ones is refused.
    for addr in &addrs {
        egress.check(addr.ip()).map_err(|blocked| ProbeFailure::Blocked(blocked.to_string()))?;
    }
    attempt.phase = Phase::Connect;
    let started = Instant::now();
    let mut last_error = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                attempt.obs.timings.connect_ms = Some(ms_since(started));
                // Requests are written whole; waiting to coalesce them would only add delay.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => ProbeFailure::Refused,
        Some(e) => ProbeFailure::Connect(e.to_string()),
        None => ProbeFailure::Connect("no address to connect to".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_told_from_names() {
        assert!(matches!(HostRef::parse("127.0.0.1"), HostRef::Ip(_)));
        assert!(matches!(HostRef::parse("::1"), HostRef::Ip(_)));
        assert!(matches!(HostRef::parse("[::1]"), HostRef::Ip(_)));
        assert!(matches!(HostRef::parse("example.com"), HostRef::Name("example.com")));
    }
}
