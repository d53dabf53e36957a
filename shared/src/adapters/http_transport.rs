//! The webhook port over HTTP(S): hyper on rustls, with a deadline on every call and the
//! SSRF guard applied to every address a host resolves to.
//!
//! Host names are resolved here, once per connection, by a resolver that refuses the
//! whole name if any of its addresses is not allowed; the connector then connects only to
//! the addresses that resolver returned. So the address checked is the address used: a
//! name cannot pass the check and then re-resolve elsewhere (DNS rebinding). Literal IP
//! hosts skip resolvers, so they are checked before the request. Redirects are never
//! followed.
use super::egress::{Blocked, EgressPolicy};
use crate::config::error::ConfigError;
use crate::ports::transport::{HttpPoster, HttpReply, TransportError, parse_retry_after};
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use url::{Host, Url};

#[derive(Debug, Clone)]
pub struct HttpTransportConfig {
    /// The whole call: connecting, sending, and reading the answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub egress: EgressPolicy,
}

impl Default for HttpTransportConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            egress: EgressPolicy::PublicOnly,
        }
    }
}

impl HttpTransportConfig {
    /// Reads `TOKIFLOW_OUTBOUND_TIMEOUT_MS` (the whole call, default 10000) and
    /// `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE` (`true` lets webhooks reach private and loopback
    /// addresses, `false` keeps them to public ones; unset, the runtime's `default_egress`:
    /// private allowed on a local server, public only in AWS). The one place either is read.
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        default_egress: EgressPolicy,
    ) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(v) = get("TOKIFLOW_OUTBOUND_TIMEOUT_MS") {
            let ms = v.parse::<u64>().ok().filter(|ms| (100..=60_000).contains(ms)).ok_or_else(|| ConfigError {
                var: "TOKIFLOW_OUTBOUND_TIMEOUT_MS",
                reason: format!("{v:?} is not a number of milliseconds from 100 to 60000"),
            })?;
            config.timeout = Duration::from_millis(ms);
            config.connect_timeout = config.connect_timeout.min(config.timeout);
        }
        config.egress = crate::config::egress(&get, "TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", default_egress)?;
        Ok(config)
    }
}

/// How much of a response body is kept for the delivery log, and read at all.
const BODY_KEPT: usize = 512;
const BODY_READ: usize = 64 * 1024;
const USER_AGENT: &str = concat!("Tokiflow-Notifier/", env!("CARGO_PKG_VERSION"));

pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>,
    config: HttpTransportConfig,
}

impl HyperTransport {
    /// Fails only if the system's CA certificates cannot be loaded.
    pub fn new(config: HttpTransportConfig) -> std::io::Result<Self> {
        let mut http = HttpConnector::new_with_resolver(GuardedResolver { policy: config.egress });
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(https);
        Ok(Self { client, config })
    }

    async fn call(&self, request: http::Request<Full<Bytes>>) -> Result<HttpReply, TransportError> {
        let response = self.client.request(request).await.map_err(client_error)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
        let mut body = response.into_body();
        let (mut kept, mut read) = (Vec::new(), 0);
        // Read a bounded amount so the connection can be reused; a broken body after the
        // status arrived does not change the answer.
        while read < BODY_READ {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        read += data.len();
                        let room = BODY_KEPT.saturating_sub(kept.len());
                        kept.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
                _ => break,
            }
        }
        let body_start = crate::domain::text::preview(&kept, BODY_KEPT);
        Ok(HttpReply { status, retry_after, body_start })
    }
}

#[async_trait]
impl HttpPoster for HyperTransport {
    async fn post_json(&self, url: &Url, headers: &[(&str, String)], body: Bytes) -> Result<HttpReply, TransportError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TransportError::Refused("only http and https URLs are called".into()));
        }
        let literal = match url.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(Host::Domain(_)) => None,
            None => return Err(TransportError::Refused("the URL has no host".into())),
        };
        if let Some(ip) = literal {
            self.config.egress.check(ip).map_err(|b| TransportError::Refused(b.to_string()))?;
        }
        let mut request = http::Request::post(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, USER_AGENT);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        // The builder's error would quote the offending header; say only that one was bad.
        let request =
            request.body(Full::new(body)).map_err(|_| TransportError::Refused("a header is not valid HTTP".into()))?;
        let timeout = self.config.timeout;
        tokio::time::timeout(timeout, self.call(request)).await.map_err(|_| TransportError::Timeout(timeout))?
    }
}

/// Describes a client failure by its causes, which name no URL: a refusal by the guard is
/// `Refused`, anything else (DNS, TCP, TLS, a dropped connection) is `Unreachable`.
fn client_error(e: hyper_util::client::legacy::Error) -> TransportError {
    let mut causes = Vec::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(cause) = source {
        // An io::Error's `source` skips the error it wraps, so look inside it here.
        let wrapped = cause.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        if let Some(blocked) = wrapped.and_then(|w| w.downcast_ref::<Blocked>()) {
            return TransportError::Refused(blocked.to_string());
        }
        causes.push(cause.to_string());
        source = cause.source();
    }
    causes.dedup();
    let what = if e.is_connect() { "could not connect" } else { "the connection failed" };
    TransportError::Unreachable(if causes.is_empty() { what.into() } else { format!("{what}: {}", causes.join(": ")) })
}

/// The system resolver, refusing names that resolve to any address the policy forbids.
#[derive(Clone)]
struct GuardedResolver {
    policy: EgressPolicy,
}

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = self.policy;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.is_empty() {
                return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no addresses"));
            }
            // All or nothing: a name with one internal address among public ones is refused.
            for addr in &addrs {
                policy.check(addr.ip()).map_err(|b| std::io::Error::new(std::io::ErrorKind::PermissionDenied, b))?;
            }
            Ok(addrs.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_from_the_environment() {
        let lookup = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string())
        };
        let public = EgressPolicy::PublicOnly;
        let c = HttpTransportConfig::from_lookup(lookup(&[]), public).unwrap();
        assert_eq!((c.timeout, c.egress), (Duration::from_secs(10), EgressPolicy::PublicOnly));
        let c = HttpTransportConfig::from_lookup(lookup(&[]), EgressPolicy::AllowPrivate).unwrap();
        assert_eq!(c.egress, EgressPolicy::AllowPrivate, "unset: the runtime's default");
        let c = HttpTransportConfig::from_lookup(
            lookup(&[("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "false")]),
            EgressPolicy::AllowPrivate,
        )
        .unwrap();
        assert_eq!(c.egress, EgressPolicy::PublicOnly, "false overrides a default that allows");
        let c = HttpTransportConfig::from_lookup(
            lookup(&[("TOKIFLOW_OUTBOUND_TIMEOUT_MS", "500"), ("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "true")]),
            public,
        )
        .unwrap();
        assert_eq!(
            (c.timeout, c.connect_timeout, c.egress),
            (Duration::from_millis(500), Duration::from_millis(500), EgressPolicy::AllowPrivate)
        );
        let bad = HttpTransportConfig::from_lookup(lookup(&[("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "yes")]), public);
        assert_eq!(bad.unwrap_err().var, "TOKIFLOW_OUTBOUND_ALLOW_PRIVATE");
        let bad = HttpTransportConfig::from_lookup(lookup(&[("TOKIFLOW_OUTBOUND_TIMEOUT_MS", "0")]), public);
        assert_eq!(bad.unwrap_err().var, "TOKIFLOW_OUTBOUND_TIMEOUT_MS");
    }
}
