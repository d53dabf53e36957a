//! HTTP probes: HTTP/1.1 over a connection of our own, so that DNS, connect, TLS and the
//! first byte are each timed; one fresh connection per hop, and redirects followed here,
//! by the rules browsers follow.
use super::NetProber;
use super::attempt::Attempt;
use super::connect::{HostRef, connect};
use super::timing::{FirstByte, TimedStream, ms_since};
use super::tls::TlsPeer;
use crate::domain::probe::debug::{EventType, MAX_PAYLOAD};
use crate::domain::probe::observation::{MAX_OBSERVED_BODY, Phase, ProbeFailure};
use crate::domain::probe::spec::{HttpMethod, HttpProbe, MAX_REDIRECTS};
use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, LOCATION};
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use url::{Position, Url};

/// Headers that describe a body: dropped with it when a redirect turns the request into a GET.
const BODY_HEADERS: &[&str] = &["content-type", "content-encoding", "content-language", "content-location"];
/// Credentials meant for the configured site: not sent on to another origin a redirect
/// names (as browsers and curl do), so a redirect cannot collect them.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

pub(super) async fn run(p: &NetProber, probe: &HttpProbe, a: &mut Attempt) -> Result<(), ProbeFailure> {
    let mut hop =
        Hop { url: probe.url.clone(), method: probe.method, headers: probe.headers.clone(), body: probe.body.clone() };
    let mut redirects = 0;
    loop {
        a.hop(hop.url.as_str());
        if !matches!(hop.url.scheme(), "http" | "https") {
            return Err(ProbeFailure::Http(format!("{} URLs are not probed, only http and https", hop.url.scheme())));
        }
        let (request, sent) = hop.request(&p.user_agent)?;
        a.event(EventType::Request, |e| {
            e.method = Some(hop.method.to_string());
            e.request_headers = sent;
            e.request_payload = hop.body.clone();
        });
        let mut answer = exchange(p, &hop.url, probe.verify_tls, request, a).await?;
        let next = if probe.follow_redirects { hop.redirect(answer.status, &answer.headers) } else { Ok(None) };
        let is_redirect = matches!(next, Ok(Some(_)));
        // A redirect's body is read only for a trace; the final answer's is the observation's.
        let limit = match (is_redirect, a.tracing()) {
            (true, false) => 0,
            (_, true) => MAX_PAYLOAD,
            (false, false) => MAX_OBSERVED_BODY,
        };
        let (body, broke) = answer.read_body(limit).await;
        let body = String::from_utf8_lossy(&body).into_owned();
        let duration = a.hop_ms();
        let kind = if is_redirect { EventType::Redirect } else { EventType::Response };
        a.event(kind, |e| {
            e.method = Some(hop.method.to_string());
            e.status_code = Some(answer.status);
            e.response_headers = header_pairs(&answer.headers);
            e.response_payload = Some(body.clone());
            e.duration_ms = Some(duration);
        });
        match next? {
            Some(next) => {
                if redirects == MAX_REDIRECTS {
                    return Err(ProbeFailure::TooManyRedirects(MAX_REDIRECTS));
                }
                redirects += 1;
                hop = next;
            }
            None => {
                a.obs.http_status = Some(answer.status);
                a.obs.body = Some(body);
                return match broke {
                    Some(e) => Err(ProbeFailure::Http(format!("the body broke off: {}", describe(&e)))),
                    None => Ok(()),
                };
            }
        }
    }
}

/// A request, and its headers as sent (for a trace).
type Outgoing = (Request<Full<Bytes>>, Vec<(String, String)>);

/// One request of the chain.
struct Hop {
    url: Url,
    method: HttpMethod,
    /// Names lower-case.
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl Hop {
    fn request(&self, user_agent: &str) -> Result<Outgoing, ProbeFailure> {
        let target = match &self.url[Position::BeforePath..Position::AfterQuery] {
            "" => "/",
            target => target,
        };
        let host = &self.url[Position::BeforeHost..Position::AfterPort];
        let mut sent = vec![("host".to_string(), host.to_string()), ("user-agent".to_string(), user_agent.to_string())];
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                // The framing is ours: a configured length or encoding could contradict the body.
                "content-length" | "transfer-encoding" | "connection" => continue,
                // A configured Host or User-Agent replaces ours.
                "host" | "user-agent" => sent.retain(|(n, _)| *n != name),
                _ => {}
            }
            sent.push((name, value.clone()));
        }
        let body = self.body.clone().unwrap_or_default();
        if self.body.is_some() || matches!(self.method, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch) {
            sent.push(("content-length".into(), body.len().to_string()));
        }
        sent.push(("connection".into(), "close".into()));

        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = method(self.method);
        *request.uri_mut() =
            target.parse().map_err(|_| ProbeFailure::Http("the URL's path is not valid in a request".into()))?;
        for (name, value) in &sent {
            // Neither is quoted: a bad name could be anything, a value could be a secret.
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| ProbeFailure::Http("a header name is not valid HTTP".into()))?;
            let value = HeaderValue::from_bytes(value.as_bytes())
                .map_err(|_| ProbeFailure::Http(format!("the value of header {header} is not valid HTTP")))?;
            request.headers_mut().append(header, value);
        }
        Ok((request, sent))
    }

    /// Where a redirect leads, by the Fetch standard's rules; `None` for an answer that is
    /// not a redirect (a 3xx without Location is an answer too).
    fn redirect(&self, status: u16, headers: &HeaderMap) -> Result<Option<Hop>, ProbeFailure> {
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(None);
        }
        let Some(location) = headers.get(LOCATION) else { return Ok(None) };
        let location = std::str::from_utf8(location.as_bytes())
            .map_err(|_| ProbeFailure::Http("the redirect's Location is not valid text".into()))?;
        let url = self
            .url
            .join(location)
            .map_err(|e| ProbeFailure::Http(format!("the redirect's Location is not a URL: {e}")))?;
        let mut next = Hop { url, method: self.method, headers: self.headers.clone(), body: self.body.clone() };
        let to_get = (status == 303 && self.method != HttpMethod::Head)
            || (matches!(status, 301 | 302) && self.method == HttpMethod::Post);
        if to_get {
            next.method = HttpMethod::Get;
            next.body = None;
            next.headers.retain(|(n, _)| !BODY_HEADERS.contains(&n.to_ascii_lowercase().as_str()));
        }
        if next.url.origin() != self.url.origin() {
            next.headers.retain(|(n, _)| !CREDENTIAL_HEADERS.contains(&n.to_ascii_lowercase().as_str()));
        }
        Ok(Some(next))
    }
}

fn method(m: HttpMethod) -> Method {
    match m {
        HttpMethod::Get => Method::GET,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
    }
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

/// A plain or TLS stream, behind one type for the HTTP client.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

type Connection = http1::Connection<TokioIo<TimedStream<Box<dyn Stream>>>, Full<Bytes>>;

/// The client's connection, which must be polled for the request and the answer to move.
/// It is polled here, beside them, rather than in a spawned task: when the attempt is
/// dropped (timed out), the connection goes with it.
struct Driver {
    conn: Pin<Box<Connection>>,
    ended: bool,
}

impl Driver {
    async fn drive<F: Future>(&mut self, fut: F) -> F::Output {
        let mut fut = std::pin::pin!(fut);
        if !self.ended {
            tokio::select! {
                biased;
                out = &mut fut => return out,
                // Ended (closed, or failed): the request or body then ends too, with the cause.
                _ = self.conn.as_mut() => self.ended = true,
            }
        }
        fut.await
    }
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Incoming,
    driver: Driver,
    _sender: http1::SendRequest<Full<Bytes>>,
}

impl Answer {
    /// At most `limit` bytes of the body, and the error that cut it short, if any.
    async fn read_body(&mut self, limit: usize) -> (Vec<u8>, Option<hyper::Error>) {
        let mut kept = Vec::new();
        while kept.len() < limit {
            match self.driver.drive(self.body.frame()).await {
                None => break,
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        let room = limit - kept.len();
                        kept.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
                Some(Err(e)) => return (kept, Some(e)),
            }
        }
        (kept, None)
    }
}

/// One hop: connect (and TLS), send the request, and read the answer's head.
async fn exchange(
    p: &NetProber,
    url: &Url,
    verify_tls: bool,
    request: Request<Full<Bytes>>,
    a: &mut Attempt,
) -> Result<Answer, ProbeFailure> {
    let host = match url.host() {
        Some(url::Host::Domain(name)) => HostRef::Name(name),
        Some(url::Host::Ipv4(ip)) => HostRef::Ip(ip.into()),
        Some(url::Host::Ipv6(ip)) => HostRef::Ip(ip.into()),
        None => return Err(ProbeFailure::Http("the URL has no host".into())),
    };
    let port = url.port_or_known_default().ok_or_else(|| ProbeFailure::Http("the URL has no port".into()))?;
    let tcp = connect(host, port, p.egress, a).await?;
    let io: Box<dyn Stream> = if url.scheme() == "https" {
        a.phase = Phase::Tls;
        let started = Instant::now();
        let peer = match host {
            HostRef::Name(name) => TlsPeer::Name(name),
            HostRef::Ip(ip) => TlsPeer::Ip(ip),
        };
        let (tls, not_after) = p.tls.handshake(tcp, peer, verify_tls).await?;
        a.obs.timings.tls_ms = Some(ms_since(started));
        a.obs.cert_not_after = not_after;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    a.phase = Phase::Request;
    let clock = Arc::new(FirstByte::default());
    a.first_byte = Some(clock.clone());
    let io = TokioIo::new(TimedStream::new(io, clock.clone()));
    let (mut sender, conn) = http1::Builder::new().handshake(io).await.map_err(http_failure)?;
    let mut driver = Driver { conn: Box::pin(conn), ended: false };
    let response = driver.drive(sender.send_request(request)).await.map_err(http_failure)?;
    a.obs.timings.ttfb_ms = clock.ttfb_ms();
    a.phase = Phase::Response;
    let (parts, body) = response.into_parts();
    Ok(Answer { status: parts.status.as_u16(), headers: parts.headers, body, driver, _sender: sender })
}

fn http_failure(e: hyper::Error) -> ProbeFailure {
    ProbeFailure::Http(if e.is_incomplete_message() {
        "the connection closed before an answer".into()
    } else {
        describe(&e)
    })
}

/// The error and its causes, which name no URL.
fn describe(e: &hyper::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hop(url: &str, method: HttpMethod, headers: &[(&str, &str)], body: Option<&str>) -> Hop {
        Hop {
            url: url.parse().unwrap(),
            method,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.map(str::to_string),
        }
    }

    fn location(to: &str) -> HeaderMap {
        HeaderMap::from_iter([(LOCATION, HeaderValue::from_str(to).unwrap())])
    }

    #[test]
    fn requests_carry_host_agent_length_and_close() {
        let h = hop("http://[::1]:8080/a?b=1#frag", HttpMethod::Post, &[("X-Tenant", "acme")], Some("{}"));
        let (req, sent) = h.request("probe/1").unwrap();
        assert_eq!(req.uri(), "/a?b=1");
        let names: Vec<(&str, &str)> = sent.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            names,
            [
                ("host", "[::1]:8080"),
                ("user-agent", "probe/1"),
                ("x-tenant", "acme"),
                ("content-length", "2"),
                ("connection", "close")
            ]
        );
        let h = hop("https://example.com", HttpMethod::Get, &[("user-agent", "mine"), ("content-length", "9")], None);
        let (req, sent) = h.request("probe/1").unwrap();
        assert_eq!(req.uri(), "/");
        assert_eq!(sent[0], ("host".into(), "example.com".into()));
        assert_eq!(sent[1], ("user-agent".into(), "mine".into()));
        assert_eq!(sent.len(), 3);
        for bad in [&[("x-a", "line\nbreak")][..], &[("bad name", "v")]] {
            let err = hop("http://x/", HttpMethod::Get, bad, None).request("ua").unwrap_err();
            assert!(matches!(err, ProbeFailure::Http(ref m) if !m.contains("break")), "{err}");
        }
    }

    #[test]
    fn redirects_follow_the_browsers_rules() {
        let post = hop(
            "https://a.example/form",
            HttpMethod::Post,
            &[("content-type", "application/json"), ("authorization", "Bearer x"), ("x-k", "1")],
            Some("{}"),
        );
        let next = post.redirect(302, &location("/done")).unwrap().unwrap();
        assert_eq!((next.url.as_str(), next.method, next.body), ("https://a.example/done", HttpMethod::Get, None));
        assert_eq!(next.headers.len(), 2, "content-type dropped with the body, authorization kept on the same origin");
        let next = post.redirect(307, &location("https://b.example/x")).unwrap().unwrap();
        assert_eq!((next.method, next.body.as_deref()), (HttpMethod::Post, Some("{}")));
        let names: Vec<&str> = next.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["content-type", "x-k"], "no credentials to another origin");
        let head = hop("http://a.example/", HttpMethod::Head, &[], None);
        assert_eq!(head.redirect(303, &location("/h")).unwrap().unwrap().method, HttpMethod::Head);
        assert_eq!(
            hop("http://a/", HttpMethod::Put, &[], None).redirect(303, &location("/")).unwrap().unwrap().method,
            HttpMethod::Get
        );
        assert!(head.redirect(200, &location("/x")).unwrap().is_none());
        assert!(head.redirect(302, &HeaderMap::new()).unwrap().is_none());
        assert!(head.redirect(301, &location("http://[bad")).is_err());
    }

    proptest! {
        #[test]
        fn any_header_path_or_location_builds_or_fails_without_panic(
            name in any::<String>(), value in any::<String>(), path in any::<String>(), location in any::<Vec<u8>>(),
        ) {
            let Ok(url) = Url::parse(&format!("http://example.com/{path}")) else { return Ok(()) };
            let h = Hop { url, method: HttpMethod::Post, headers: vec![(name, value)], body: Some(path) };
            let _ = h.request("ua");
            if let Ok(location) = HeaderValue::from_bytes(&location) {
                let _ = h.redirect(308, &HeaderMap::from_iter([(LOCATION, location)]));
            }
        }
    }
}
