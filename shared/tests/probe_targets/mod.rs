//! Real targets on loopback for the probe tests: an HTTP/1.1 and HTTPS server whose
//! answer the path chooses, a DNS responder, test certificates, and a port that refuses.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;
use tokiflow_shared::adapters::probe::dns_wire::{CLASS_IN, Message, RData, Record, TYPE_A, TYPE_MX, TYPE_TXT};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio_rustls::TlsAcceptor;

// ---------------------------------------------------------------------------------------
// Certificates

pub struct Certs {
    /// The test CA, to trust as an extra root.
    pub ca: CertificateDer<'static>,
    /// A leaf for `localhost` and 127.0.0.1 signed by the CA.
    pub leaf: Arc<ServerConfig>,
    pub leaf_not_after: DateTime<Utc>,
    /// A self-signed certificate for the same names.
    pub self_signed: Arc<ServerConfig>,
}

/// Made once per test process: key generation is the slow part.
pub static CERTS: LazyLock<Certs> = LazyLock::new(|| {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Tokiflow probe test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    // An end of validity with seconds in it, to compare to the second.
    let leaf_not_after = Utc.with_ymd_and_hms(2031, 5, 17, 12, 34, 56).unwrap();
    let mut leaf = CertificateParams::new(names.clone()).unwrap();
    leaf.not_after = rcgen::date_time_ymd(2031, 5, 17) + Duration::from_secs(12 * 3600 + 34 * 60 + 56);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();

    let own = rcgen::generate_simple_self_signed(names).unwrap();
    Certs {
        ca: ca_cert.der().clone(),
        leaf: server_config(vec![leaf_cert.der().clone(), ca_cert.der().clone()], &leaf_key),
        leaf_not_after,
        self_signed: server_config(vec![own.cert.der().clone()], &own.signing_key),
    }
});

fn server_config(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> Arc<ServerConfig> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Arc::new(config)
}

// ---------------------------------------------------------------------------------------
// HTTP(S)

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

pub struct HttpTarget {
    pub addr: SocketAddr,
    /// Connections accepted, counted before any delay or TLS.
    pub accepted: Arc<AtomicUsize>,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl HttpTarget {
    /// Plain HTTP.
    pub async fn http() -> Self {
        Self::start(None, Duration::ZERO).await
    }

    /// HTTPS with `config`, sleeping `tls_delay` after accepting a connection, before
    /// reading its ClientHello.
    pub async fn https(config: Arc<ServerConfig>, tls_delay: Duration) -> Self {
        Self::start(Some(TlsAcceptor::from(config)), tls_delay).await
    }

    async fn start(tls: Option<TlsAcceptor>, tls_delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let target = Self { addr: listener.local_addr().unwrap(), accepted: Arc::default(), received: Arc::default() };
        let (accepted, received) = (target.accepted.clone(), target.received.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (tls, received) = (tls.clone(), received.clone());
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            tokio::time::sleep(tls_delay).await;
                            if let Ok(stream) = acceptor.accept(stream).await {
                                answer(stream, received).await;
                            }
                        }
                        None => answer(stream, received).await,
                    }
                });
            }
        });
        target
    }

    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Reads one request and answers by its path:
/// - `/status/CODE`: that status;
/// - `/slow/MS`: waits MS milliseconds before the first byte of a 200;
/// - `/redirect/N?end=CODE`: a 302 to `/redirect/N-1?end=CODE` (relative), and at 0 the
///   status CODE (200 by default); `/see-other`: a 303 to `/status/200`;
/// - `/close`: closes the connection without answering; `/hang`: never answers;
/// - `/big`: a 100 KB body; `/garbage`: not HTTP; `/many-headers`: 500 header lines;
/// - anything else: 200 `ok`.
async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, received: Arc<Mutex<Vec<Received>>>) {
    let Some(request) = read_request(&mut stream).await else { return };
    received.lock().unwrap().push(request.clone());
    let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let number = |s: Option<&&str>| s.and_then(|s| s.parse::<u64>().ok());
    let response = match segments.as_slice() {
        ["status", code] => reply(code.parse().unwrap_or(500), &[], format!("status {code}").as_bytes()),
        ["slow", _] => {
            tokio::time::sleep(Duration::from_millis(number(segments.get(1)).unwrap_or(0))).await;
            reply(200, &[], b"slow")
        }
        ["redirect", n] => {
            let end: u16 = query.strip_prefix("end=").and_then(|c| c.parse().ok()).unwrap_or(200);
            match n.parse::<u32>().unwrap_or(0) {
                0 => reply(end, &[], format!("end {end}").as_bytes()),
                n => reply(302, &[("location", &format!("/redirect/{}?end={end}", n - 1))], b"moved"),
            }
        }
        ["see-other"] => reply(303, &[("location", "/status/200")], b""),
        ["close"] => return,
        ["hang"] => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return;
        }
        ["big"] => reply(200, &[], &vec![b'x'; 100 * 1024]),
        ["garbage"] => b"NOT HTTP AT ALL\r\n\r\n".to_vec(),
        ["many-headers"] => {
            let names: Vec<String> = (0..500).map(|i| format!("x-h{i}")).collect();
            let headers: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
            reply(200, &headers, b"ok")
        }
        _ => reply(200, &[], b"ok"),
    };
    let _ = stream.write_all(&response).await;
    let _ = stream.shutdown().await;
}

fn reply(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Test\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Received> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok().filter(|&n| n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 1 << 20 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received { method, path, headers, body })
}

// ---------------------------------------------------------------------------------------
// DNS

/// A DNS responder on loopback, over UDP and TCP on the same port, answering after
/// `delay`:
/// - `example.test`: A 192.0.2.10 and 192.0.2.11; MX 10 mx1 and 20 mx2; TXT "v=spf1 -all"
///   in two strings;
/// - `big.test` TXT: truncated over UDP, 40 records over TCP;
/// - `noisy.test` A: a datagram with another id, then garbage with another id, then the answer;
/// - anything else: NXDOMAIN.
pub async fn dns_responder(delay: Duration) -> SocketAddr {
    // The same port for UDP and TCP; a port taken for TCP is simply tried again.
    let (udp, tcp) = loop {
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().unwrap()).await {
            break (Arc::new(udp), tcp);
        }
    };
    let addr = udp.local_addr().unwrap();
    let socket = udp.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            let Ok(query) = Message::decode(&buf[..n]) else { continue };
            let socket = socket.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let name = query.questions.first().map(|q| q.name.clone()).unwrap_or_default();
                if name == "noisy.test" {
                    let stray = query.answer(0, vec![]);
                    let stray = Message { id: query.id.wrapping_add(1), ..stray };
                    let _ = socket.send_to(&stray.encode().unwrap(), from).await;
                    let _ = socket.send_to(&[0xff; 7], from).await;
                }
                let mut answer = respond(&query, false);
                if name == "big.test" {
                    answer.flags |= 0x0200;
                    answer.answers.clear();
                }
                let _ = socket.send_to(&answer.encode().unwrap(), from).await;
            });
        }
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = tcp.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let mut len = [0u8; 2];
                stream.read_exact(&mut len).await.ok()?;
                let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
                stream.read_exact(&mut msg).await.ok()?;
                let answer = respond(&Message::decode(&msg).ok()?, true).encode().unwrap();
                let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&answer);
                stream.write_all(&framed).await.ok()
            });
        }
    });
    addr
}

fn respond(query: &Message, over_tcp: bool) -> Message {
    let Some(q) = query.questions.first() else { return query.answer(1, vec![]) };
    let record = |rtype, data| Record { name: q.name.clone(), rtype, class: CLASS_IN, ttl: 60, data };
    let mx = |preference, exchange: &str| RData::Mx { preference, exchange: exchange.into() };
    let answers = match (q.name.as_str(), q.qtype) {
        ("example.test" | "noisy.test", TYPE_A) => {
            vec![record(TYPE_A, RData::A([192, 0, 2, 10].into())), record(TYPE_A, RData::A([192, 0, 2, 11].into()))]
        }
        ("example.test", TYPE_MX) => {
            vec![record(TYPE_MX, mx(10, "mx1.example.test")), record(TYPE_MX, mx(20, "mx2.example.test"))]
        }
        ("example.test", TYPE_TXT) => {
            vec![record(TYPE_TXT, RData::Txt(vec![b"v=spf1 ".to_vec(), b"-all".to_vec()]))]
        }
        ("big.test", TYPE_TXT) if over_tcp => (0..40)
            .map(|i| record(TYPE_TXT, RData::Txt(vec![format!("record {i:02} {}", "x".repeat(40)).into_bytes()])))
            .collect(),
        ("example.test" | "big.test" | "noisy.test", _) => vec![],
        _ => return query.answer(3, vec![]),
    };
    query.answer(0, answers)
}

/// A UDP port that reads queries and never answers.
pub async fn silent_resolver() -> (SocketAddr, UdpSocket) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    (socket.local_addr().unwrap(), socket)
}

// ---------------------------------------------------------------------------------------
// TCP

/// A loopback port nothing listens on: bound, then let go.
pub fn refusing_port() -> SocketAddr {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}
