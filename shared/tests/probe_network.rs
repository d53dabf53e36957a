//! The network prober against real targets on loopback (started here, see
//! `probe_targets`): each phase measured against an injected delay, TLS verification and
//! the certificate's end of validity, redirects, timeouts, refusals, the egress guard,
//! DNS over UDP and TCP, and debug traces.
mod probe_targets;

use probe_targets::{CERTS, HttpTarget, dns_responder, refusing_port, silent_resolver};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokiflow_shared::adapters::egress::EgressPolicy;
use tokiflow_shared::adapters::probe::{NetProber, ProberConfig};
use tokiflow_shared::domain::probe::debug::{EventType, Trace};
use tokiflow_shared::domain::probe::observation::{MAX_OBSERVED_BODY, Observation, Phase, ProbeFailure};
use tokiflow_shared::domain::probe::spec::{
    DnsProbe, Host, HttpExpect, HttpMethod, HttpProbe, MAX_REDIRECTS, ProbeSpec, ProbeTarget, RecordType, TcpProbe,
};
use tokiflow_shared::ports::prober::Prober;

const UA: &str = "tokiflow-probe-test/1";
/// How far above an injected delay a measured phase may be, and how long a phase with no
/// delay may take.
const SLACK: f64 = 50.0;

fn prober(egress: EgressPolicy, trust_test_ca: bool) -> NetProber {
    let mut config = ProberConfig::new(egress);
    config.user_agent = UA.into();
    if trust_test_ca {
        config.extra_roots.push(CERTS.ca.clone());
    }
    NetProber::new(config).unwrap()
}

/// The local server's prober, trusting the test CA.
static LOCAL: LazyLock<NetProber> = LazyLock::new(|| prober(EgressPolicy::AllowPrivate, true));
/// The same without the test CA.
static NO_CA: LazyLock<NetProber> = LazyLock::new(|| prober(EgressPolicy::AllowPrivate, false));
/// The cloud's prober.
static PUBLIC: LazyLock<NetProber> = LazyLock::new(|| prober(EgressPolicy::PublicOnly, true));

fn spec(target: ProbeTarget, timeout_ms: u32) -> ProbeSpec {
    ProbeSpec {
        target,
        interval_secs: 60,
        timeout_ms,
        failure_threshold: 1,
        recovery_threshold: 1,
        degraded_after_ms: None,
    }
}

fn http(url: &str, edit: impl FnOnce(&mut HttpProbe)) -> ProbeSpec {
    let mut probe = HttpProbe {
        url: url.parse().unwrap(),
        method: HttpMethod::Get,
        headers: Vec::new(),
        body: None,
        expect: HttpExpect::default(),
        follow_redirects: true,
        verify_tls: true,
        cert_expiry_days: 14,
        redact_headers: BTreeSet::new(),
    };
    edit(&mut probe);
    spec(ProbeTarget::Http(probe), 3000)
}

fn tcp(host: &str, port: u16) -> ProbeSpec {
    spec(ProbeTarget::Tcp(TcpProbe { host: Host::new(host).unwrap(), port }), 3000)
}

fn dns(name: &str, record_type: RecordType, resolver: SocketAddr) -> ProbeSpec {
    let probe =
        DnsProbe { host: Host::new(name).unwrap(), record_type, expect_values: Vec::new(), resolver: Some(resolver) };
    spec(ProbeTarget::Dns(probe), 3000)
}

async fn observe(prober: &NetProber, spec: ProbeSpec) -> Observation {
    prober.observe(&spec).await
}

async fn trace(prober: &NetProber, spec: ProbeSpec) -> Trace {
    prober.trace(&spec).await
}

fn with_timeout(mut spec: ProbeSpec, timeout_ms: u32) -> ProbeSpec {
    spec.timeout_ms = timeout_ms;
    spec
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[track_caller]
fn within(what: &str, measured: Option<f64>, delay: f64) {
    let got = measured.unwrap_or_else(|| panic!("{what}: not measured"));
    assert!((delay..=delay + SLACK).contains(&got), "{what}: {got:.1} ms, expected {delay} to {}", delay + SLACK);
}

#[track_caller]
fn ok(obs: &Observation) {
    assert_eq!(obs.failure, None, "{obs:?}");
}

#[track_caller]
fn failed(obs: &Observation, expected: impl Fn(&ProbeFailure) -> bool) {
    let failure = obs.failure.as_ref().unwrap_or_else(|| panic!("no failure: {obs:?}"));
    assert!(expected(failure), "unexpected failure {failure:?}");
}

#[tokio::test]
async fn https_phases_are_measured_on_the_wire() {
    let target = HttpTarget::https(CERTS.leaf.clone(), ms(200)).await;
    let obs = observe(&LOCAL, http(&target.url("https", "/slow/300"), |_| {})).await;
    eprintln!("https, TLS delay 200 ms, first-byte delay 300 ms: {:?}, total {:.1} ms", obs.timings, obs.total_ms);
    ok(&obs);
    assert_eq!((obs.http_status, obs.body.as_deref()), (Some(200), Some("slow")));
    let t = obs.timings;
    assert_eq!(t.dns_ms, None, "an IP literal is not looked up");
    within("connect", t.connect_ms, 0.0);
    within("TLS", t.tls_ms, 200.0);
    within("time to first byte", t.ttfb_ms, 300.0);
    assert!(obs.total_ms >= 500.0 && obs.total_ms <= 500.0 + 2.0 * SLACK, "total {}", obs.total_ms);
    assert_eq!(obs.cert_not_after, Some(CERTS.leaf_not_after));
}

#[tokio::test]
async fn plain_http_has_no_tls_and_a_name_is_resolved() {
    let target = HttpTarget::http().await;
    let url = format!("http://localhost:{}/status/203", target.addr.port());
    let obs = observe(&LOCAL, http(&url, |h| h.headers = vec![("x-tenant".into(), "acme".into())])).await;
    eprintln!("http by name: {:?}, total {:.1} ms", obs.timings, obs.total_ms);
    ok(&obs);
    assert_eq!((obs.http_status, obs.body.as_deref(), obs.cert_not_after), (Some(203), Some("status 203"), None));
    let t = obs.timings;
    within("DNS", t.dns_ms, 0.0);
    within("connect", t.connect_ms, 0.0);
    assert_eq!(t.tls_ms, None);
    within("time to first byte", t.ttfb_ms, 0.0);
    let sent = &target.received()[0];
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.path, "/status/203");
    assert_eq!(sent.header("host"), Some(format!("localhost:{}", target.addr.port()).as_str()));
    assert_eq!(sent.header("user-agent"), Some(UA));
    assert_eq!(sent.header("connection"), Some("close"));
    assert_eq!(sent.header("x-tenant"), Some("acme"));
}

#[tokio::test]
async fn tls_is_verified_unless_told_not_to() {
    let own = HttpTarget::https(CERTS.self_signed.clone(), Duration::ZERO).await;
    let by_ca = HttpTarget::https(CERTS.leaf.clone(), Duration::ZERO).await;
    let unverified = http(&own.url("https", "/"), |h| h.verify_tls = false);
    let verified = http(&own.url("https", "/"), |_| {});
    let ca_by_name = http(&format!("https://localhost:{}/", by_ca.addr.port()), |_| {});
    let (a, b, c, d) = tokio::join!(
        observe(&NO_CA, unverified),
        observe(&NO_CA, verified),
        observe(&NO_CA, ca_by_name.clone()),
        observe(&LOCAL, ca_by_name),
    );
    ok(&a);
    assert_eq!(a.http_status, Some(200));
    assert!(a.cert_not_after.is_some() && a.timings.tls_ms.is_some());
    failed(&b, |f| matches!(f, ProbeFailure::Tls(m) if m.contains("certificate")));
    assert_eq!(b.http_status, None);
    failed(&c, |f| matches!(f, ProbeFailure::Tls(_)));
    ok(&d);
    assert_eq!(d.cert_not_after, Some(CERTS.leaf_not_after));
}

#[tokio::test]
async fn redirects_are_followed_up_to_the_limit() {
    let target = HttpTarget::http().await;
    let limit = MAX_REDIRECTS;
    let chain = http(&target.url("http", "/redirect/3?end=201"), |_| {});
    let at_limit = http(&target.url("http", &format!("/redirect/{limit}")), |_| {});
    let over = http(&target.url("http", &format!("/redirect/{}", limit + 1)), |_| {});
    let unfollowed = http(&target.url("http", "/redirect/3"), |h| h.follow_redirects = false);
    let (chain, at_limit, over, unfollowed) = tokio::join!(
        observe(&LOCAL, chain),
        observe(&LOCAL, at_limit),
        observe(&LOCAL, over),
        observe(&LOCAL, unfollowed)
    );
    ok(&chain);
    assert_eq!((chain.http_status, chain.body.as_deref()), (Some(201), Some("end 201")));
    ok(&at_limit);
    assert_eq!(at_limit.http_status, Some(200));
    failed(&over, |f| *f == ProbeFailure::TooManyRedirects(limit));
    ok(&unfollowed);
    assert_eq!(unfollowed.http_status, Some(302));
    let paths: Vec<String> = target.received().into_iter().map(|r| r.path).filter(|p| p.ends_with("end=201")).collect();
    assert_eq!(paths, ["/redirect/3?end=201", "/redirect/2?end=201", "/redirect/1?end=201", "/redirect/0?end=201"]);
    let requests = target.received().len();
    assert_eq!(requests, 4 + (limit + 1) + (limit + 1) + 1, "over the limit, the 11th redirect is not followed");

    // A POST answered with 303 goes on as a GET without its body.
    let target = HttpTarget::http().await;
    let post = http(&target.url("http", "/see-other"), |h| {
        h.method = HttpMethod::Post;
        h.body = Some("{\"a\":1}".into());
        h.headers = vec![("content-type".into(), "application/json".into())];
    });
    let obs = observe(&LOCAL, post).await;
    ok(&obs);
    let sent = target.received();
    assert_eq!((sent[0].method.as_str(), sent[0].body.as_slice()), ("POST", &b"{\"a\":1}"[..]));
    assert_eq!((sent[1].method.as_str(), sent[1].path.as_str()), ("GET", "/status/200"));
    assert!(sent[1].body.is_empty() && sent[1].header("content-type").is_none());
}

#[tokio::test]
async fn a_timeout_keeps_the_phases_that_finished() {
    let hanging = HttpTarget::http().await;
    let slow_tls = HttpTarget::https(CERTS.leaf.clone(), Duration::from_secs(10)).await;
    let (silent, _socket) = silent_resolver().await;
    let started = Instant::now();
    let (response, tls, lookup) = tokio::join!(
        observe(&LOCAL, with_timeout(http(&hanging.url("http", "/hang"), |_| {}), 300)),
        observe(&LOCAL, with_timeout(http(&slow_tls.url("https", "/"), |_| {}), 300)),
        observe(&LOCAL, with_timeout(dns("example.test", RecordType::A, silent), 300)),
    );
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!("timeouts of 300 ms, all three cut within {elapsed:.1} ms");
    assert!(elapsed <= 400.0, "{elapsed}");
    failed(&response, |f| *f == ProbeFailure::Timeout(Phase::Response));
    within("connect", response.timings.connect_ms, 0.0);
    assert_eq!(response.timings.ttfb_ms, None);
    failed(&tls, |f| *f == ProbeFailure::Timeout(Phase::Tls));
    assert!(tls.timings.connect_ms.is_some() && tls.timings.tls_ms.is_none());
    failed(&lookup, |f| *f == ProbeFailure::Timeout(Phase::Dns));
    for obs in [&response, &tls, &lookup] {
        assert!((300.0..400.0).contains(&obs.total_ms), "total {}", obs.total_ms);
    }
}

#[tokio::test]
async fn refusals_closed_connections_and_bad_answers_are_failures() {
    let target = HttpTarget::http().await;
    let refused = refusing_port();
    let url = |path: &str| target.url("http", path);
    let bad_header = http(&url("/"), |h| h.headers = vec![("x-a".into(), "line\r\nbreak".into())]);
    let (r1, r2, closed, garbage, many, big, bad, ftp) = tokio::join!(
        observe(&LOCAL, http(&format!("http://{refused}/"), |_| {})),
        observe(&LOCAL, tcp("127.0.0.1", refused.port())),
        observe(&LOCAL, http(&url("/close"), |_| {})),
        observe(&LOCAL, http(&url("/garbage"), |_| {})),
        observe(&LOCAL, http(&url("/many-headers"), |_| {})),
        observe(&LOCAL, http(&url("/big"), |_| {})),
        observe(&LOCAL, bad_header),
        observe(&LOCAL, http("ftp://127.0.0.1/file", |_| {})),
    );
    for obs in [&r1, &r2] {
        failed(obs, |f| *f == ProbeFailure::Refused);
        assert_eq!(obs.timings.connect_ms, None);
    }
    failed(&closed, |f| matches!(f, ProbeFailure::Http(m) if m.contains("closed")));
    failed(&garbage, |f| matches!(f, ProbeFailure::Http(_)));
    failed(&many, |f| matches!(f, ProbeFailure::Http(_)));
    ok(&big);
    assert_eq!(big.body.as_ref().map(String::len), Some(MAX_OBSERVED_BODY));
    failed(&bad, |f| matches!(f, ProbeFailure::Http(m) if !m.contains("break")));
    failed(&ftp, |f| matches!(f, ProbeFailure::Http(_)));
    // The request with a bad header was never sent.
    assert_eq!(target.received().len(), 4);
}

#[tokio::test]
async fn the_egress_guard_refuses_before_connecting() {
    let http_target = HttpTarget::http().await;
    let https_target = HttpTarget::https(CERTS.leaf.clone(), Duration::ZERO).await;
    let resolver = dns_responder(Duration::ZERO).await;
    let by_name = format!("http://localhost:{}/", http_target.addr.port());
    let (a, b, c, d, e) = tokio::join!(
        observe(&PUBLIC, http(&http_target.url("http", "/"), |_| {})),
        observe(&PUBLIC, http(&https_target.url("https", "/"), |_| {})),
        observe(&PUBLIC, http(&by_name, |_| {})),
        observe(&PUBLIC, tcp("127.0.0.1", http_target.addr.port())),
        observe(&PUBLIC, dns("example.test", RecordType::A, resolver)),
    );
    for obs in [&a, &b, &c, &d, &e] {
        failed(obs, |f| matches!(f, ProbeFailure::Blocked(m) if m.contains("loopback")));
        assert_eq!(obs.timings.connect_ms, None);
    }
    assert!(c.timings.dns_ms.is_some(), "the name was looked up, then its address refused");
    // The metadata service stays out of reach of the local server's prober too.
    let metadata = observe(&LOCAL, http("http://169.254.169.254/latest/meta-data/", |_| {})).await;
    failed(&metadata, |f| matches!(f, ProbeFailure::Blocked(_)));
    tokio::time::sleep(ms(50)).await;
    assert_eq!(http_target.accepted.load(Ordering::SeqCst), 0);
    assert_eq!(https_target.accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn tcp_checks_connect() {
    let target = HttpTarget::http().await;
    let port = target.addr.port();
    let (by_ip, by_name) =
        tokio::join!(observe(&LOCAL, tcp("127.0.0.1", port)), observe(&LOCAL, tcp("localhost", port)));
    ok(&by_ip);
    assert_eq!(by_ip.timings.dns_ms, None);
    within("connect", by_ip.timings.connect_ms, 0.0);
    ok(&by_name);
    within("DNS", by_name.timings.dns_ms, 0.0);
    assert_eq!((by_ip.http_status, by_ip.timings.tls_ms, by_ip.timings.ttfb_ms), (None, None, None));
}

#[tokio::test]
async fn dns_checks_ask_the_resolver_over_udp_and_tcp() {
    let resolver = dns_responder(ms(150)).await;
    let (a, mx, txt, missing, big, noisy) = tokio::join!(
        observe(&LOCAL, dns("example.test", RecordType::A, resolver)),
        observe(&LOCAL, dns("example.test", RecordType::Mx, resolver)),
        observe(&LOCAL, dns("example.test", RecordType::Txt, resolver)),
        observe(&LOCAL, dns("missing.test", RecordType::A, resolver)),
        observe(&LOCAL, dns("big.test", RecordType::Txt, resolver)),
        observe(&LOCAL, dns("noisy.test", RecordType::A, resolver)),
    );
    eprintln!("DNS, answer delay 150 ms: {:?}, total {:.1} ms", a.timings, a.total_ms);
    for obs in [&a, &mx, &txt, &noisy] {
        ok(obs);
        within("DNS", obs.timings.dns_ms, 150.0);
        assert_eq!(obs.timings.connect_ms, None);
    }
    assert_eq!(a.dns_values, ["192.0.2.10", "192.0.2.11"]);
    assert_eq!(mx.dns_values, ["10 mx1.example.test", "20 mx2.example.test"]);
    assert_eq!(txt.dns_values, ["v=spf1 -all"]);
    assert_eq!(noisy.dns_values, ["192.0.2.10", "192.0.2.11"], "a stray datagram is not the answer");
    failed(&missing, |f| *f == ProbeFailure::Dns("NXDOMAIN".into()));
    ok(&big);
    assert_eq!(big.dns_values.len(), 40, "truncated over UDP, asked again over TCP");
    within("DNS over UDP then TCP", big.timings.dns_ms, 300.0);
}

#[tokio::test]
async fn a_trace_records_every_hop() {
    let target = HttpTarget::http().await;
    let chain = http(&target.url("http", "/redirect/2?end=500"), |h| {
        h.method = HttpMethod::Post;
        h.body = Some("ping".into());
        h.headers = vec![("x-trace".into(), "yes".into())];
    });
    let refused = refusing_port();
    let resolver = dns_responder(Duration::ZERO).await;
    let (trace, tcp_trace, refused_trace, dns_trace, timeout_trace) = tokio::join!(
        trace(&LOCAL, chain),
        trace(&LOCAL, tcp("127.0.0.1", target.addr.port())),
        trace(&LOCAL, tcp("127.0.0.1", refused.port())),
        trace(&LOCAL, dns("example.test", RecordType::Mx, resolver)),
        trace(&LOCAL, with_timeout(http(&target.url("http", "/hang"), |_| {}), 200)),
    );
    let kinds: Vec<EventType> = trace.events.iter().map(|e| e.kind).collect();
    use EventType::{Error, Redirect, Request, Response, Timeout};
    assert_eq!(kinds, [Request, Redirect, Request, Redirect, Request, Response]);
    let statuses: Vec<Option<u16>> = trace.events.iter().map(|e| e.status_code).collect();
    assert_eq!(statuses, [None, Some(302), None, Some(302), None, Some(500)]);
    let urls: Vec<&str> = trace.events.iter().step_by(2).map(|e| e.url.as_str()).collect();
    assert_eq!(urls, [2, 1, 0].map(|n| target.url("http", &format!("/redirect/{n}?end=500"))));
    let first = &trace.events[0];
    assert_eq!((first.method.as_deref(), first.request_payload.as_deref()), (Some("POST"), Some("ping")));
    let header = |name: &str| first.request_headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(header("user-agent"), Some(UA));
    assert_eq!(header("host"), Some(target.addr.to_string().as_str()));
    assert_eq!(header("x-trace"), Some("yes"));
    assert_eq!(header("content-length"), Some("4"));
    // A 302 turns the POST into a GET.
    assert_eq!(trace.events[2].method.as_deref(), Some("GET"));
    assert_eq!(trace.events[1].response_payload.as_deref(), Some("moved"));
    assert!(trace.events[1].response_headers.iter().any(|(n, v)| n == "location" && v == "/redirect/1?end=500"));
    let last = &trace.events[5];
    assert_eq!(last.response_payload.as_deref(), Some("end 500"));
    assert!(last.duration_ms.is_some());
    assert!(!trace.success);
    assert!(trace.error.as_deref().is_some_and(|e| e.contains("500")), "{:?}", trace.error);
    assert_eq!(trace.user_agent, UA);

    let kinds = |t: &Trace| t.events.iter().map(|e| e.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&tcp_trace), [Request, Response]);
    assert!(tcp_trace.success);
    assert_eq!(kinds(&refused_trace), [Request, Error]);
    assert_eq!(refused_trace.events[1].error.as_deref(), Some("connection refused"));
    assert!(!refused_trace.success);
    assert_eq!(kinds(&dns_trace), [Request, Response]);
    assert_eq!(dns_trace.events[1].response_payload.as_deref(), Some("10 mx1.example.test\n20 mx2.example.test"));
    assert_eq!(kinds(&timeout_trace), [Request, Timeout]);
    assert_eq!(timeout_trace.events[1].error.as_deref(), Some("timed out during response"));
}
