//! DNS probes: one query to the monitor's resolver (or the system's first nameserver) over
//! UDP, asked again over TCP when the answer comes back truncated.
use super::NetProber;
use super::attempt::Attempt;
use super::dns_wire::{Message, rcode_name};
use super::timing::ms_since;
use crate::domain::probe::debug::EventType;
use crate::domain::probe::observation::{Phase, ProbeFailure};
use crate::domain::probe::spec::{DnsProbe, RecordType};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Room for any UDP answer: 512 bytes without EDNS, but some resolvers send more.
const UDP_BUFFER: usize = 4096;

/// The system's resolver: the first `nameserver` line of a resolv.conf, on port 53.
pub(super) fn system_resolver(resolv_conf: &str) -> Option<SocketAddr> {
    resolv_conf.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        if words.next() != Some("nameserver") {
            return None;
        }
        // A scoped IPv6 address (`fe80::1%eth0`) is used without its scope.
        let ip: IpAddr = words.next()?.split('%').next()?.parse().ok()?;
        Some(SocketAddr::new(ip, 53))
    })
}

fn type_name(t: RecordType) -> &'static str {
    match t {
        RecordType::A => "A",
        RecordType::Aaaa => "AAAA",
        RecordType::Cname => "CNAME",
        RecordType::Mx => "MX",
        RecordType::Txt => "TXT",
        RecordType::Ns => "NS",
    }
}

/// How a DNS check is named in a trace: the resolver asked, the name and the type.
pub(super) fn url(probe: &DnsProbe, resolver: Option<SocketAddr>) -> String {
    let resolver = resolver.map_or_else(|| "system".to_string(), |r| r.to_string());
    format!("dns://{resolver}/{}?type={}", probe.host, type_name(probe.record_type))
}

pub(super) async fn run(p: &NetProber, probe: &DnsProbe, a: &mut Attempt) -> Result<(), ProbeFailure> {
    a.phase = Phase::Dns;
    let qtype = probe.record_type.code();
    a.event(EventType::Request, |e| {
        e.method = Some(type_name(probe.record_type).to_string());
        e.request_payload = Some(format!("{} {}", probe.host, type_name(probe.record_type)));
    });
    let resolver = match probe.resolver {
        Some(resolver) => {
            p.egress.check(resolver.ip()).map_err(|blocked| ProbeFailure::Blocked(blocked.to_string()))?;
            resolver
        }
        // The system's resolver is the platform's own (on Lambda a link-local address),
        // not a target a user chose, so the guard does not apply to it.
        None => p.system_resolver.ok_or_else(|| ProbeFailure::Dns("no resolver: resolv.conf names none".into()))?,
    };
    let query = Message::query(rand::random(), probe.host.as_str(), qtype);
    let wire = query.encode().map_err(|e| ProbeFailure::Dns(format!("the name cannot be asked: {e}")))?;
    let local: SocketAddr = match resolver {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local).await.map_err(unreachable)?;
    socket.connect(resolver).await.map_err(unreachable)?;
    let started = Instant::now();
    let mut answer = over_udp(&socket, &query, &wire).await?;
    if answer.truncated() {
        answer = over_tcp(resolver, &query, &wire).await?;
    }
    a.obs.timings.dns_ms = Some(ms_since(started));
    if answer.rcode() != 0 {
        return Err(ProbeFailure::Dns(rcode_name(answer.rcode())));
    }
    a.obs.dns_values = answer.answers.iter().filter(|r| r.rtype == qtype).filter_map(|r| r.data.value()).collect();
    let (values, duration) = (a.obs.dns_values.join("\n"), a.hop_ms());
    a.event(EventType::Response, |e| {
        e.response_payload = Some(values);
        e.duration_ms = Some(duration);
    });
    Ok(())
}

fn unreachable(e: io::Error) -> ProbeFailure {
    ProbeFailure::Dns(match e.kind() {
        io::ErrorKind::ConnectionRefused => "the resolver refused the query (port unreachable)".into(),
        _ => format!("cannot reach the resolver: {e}"),
    })
}

/// Whether `m` answers `query`: its id, a response, and the same question (when it
/// repeats one), so a stray or spoofed datagram is not taken for the answer.
fn answers(m: &Message, query: &Message) -> bool {
    let same_question = match (m.questions.first(), query.questions.first()) {
        (Some(got), Some(asked)) => got.qtype == asked.qtype && got.name.eq_ignore_ascii_case(&asked.name),
        _ => true,
    };
    m.id == query.id && m.is_response() && same_question
}

fn not_dns(e: impl std::fmt::Display) -> ProbeFailure {
    ProbeFailure::Dns(format!("the answer is not valid DNS: {e}"))
}

async fn over_udp(socket: &UdpSocket, query: &Message, wire: &[u8]) -> Result<Message, ProbeFailure> {
    socket.send(wire).await.map_err(unreachable)?;
    let mut buf = vec![0u8; UDP_BUFFER];
    // Datagrams for other queries are skipped; the attempt's timeout bounds the wait.
    loop {
        let n = socket.recv(&mut buf).await.map_err(unreachable)?;
        let got = &buf[..n];
        if got.get(..2) != Some(&query.id.to_be_bytes()[..]) {
            continue;
        }
        let m = Message::decode(got).map_err(not_dns)?;
        if answers(&m, query) {
            return Ok(m);
        }
    }
}

/// RFC 1035 §4.2.2: the same message, framed by its length.
async fn over_tcp(resolver: SocketAddr, query: &Message, wire: &[u8]) -> Result<Message, ProbeFailure> {
    let mut stream = TcpStream::connect(resolver).await.map_err(unreachable)?;
    let len = u16::try_from(wire.len()).map_err(|_| ProbeFailure::Dns("the query is too long".into()))?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(wire);
    stream.write_all(&framed).await.map_err(unreachable)?;
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await.map_err(not_dns)?;
    let mut got = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut got).await.map_err(not_dns)?;
    let m = Message::decode(&got).map_err(not_dns)?;
    if answers(&m, query) { Ok(m) } else { Err(not_dns("it answers another query")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_nameserver_is_the_system_resolver() {
        let conf = "# generated\nsearch example.internal\nnameserver fe80::1%eth0\nnameserver 10.0.0.2\n";
        assert_eq!(system_resolver(conf), Some("[fe80::1]:53".parse().unwrap()));
        assert_eq!(system_resolver("nameserver 10.0.0.2"), Some("10.0.0.2:53".parse().unwrap()));
        assert_eq!(system_resolver("nameserver bogus\noptions ndots:5"), None);
    }
}
