//! A small HTTP client for the ping and management APIs: rustls for HTTPS, retries with
//! backoff for pings (a job must not fail because a ping did).
use anyhow::{Context, bail};
use bytes::Bytes;
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

pub struct Client {
    base: String,
    api_key: Option<String>,
    http: HyperClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Attempts per ping, and the first pause between them (doubled each time).
const PING_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(15);

impl Client {
    pub fn new(base: &str, api_key: Option<String>) -> anyhow::Result<Self> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("loading the system's TLS roots")?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            api_key,
            http: HyperClient::builder(TokioExecutor::new()).build(https),
        })
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Bytes>) -> anyhow::Result<Reply> {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::USER_AGENT, concat!("tokiflow-cli/", env!("CARGO_PKG_VERSION")));
        if path.starts_with("/api/") {
            let key = self.api_key.as_deref().context("set TOKIFLOW_API_KEY to an API key (tf_…)")?;
            req = req.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        if body.is_some() && path.starts_with("/api/") {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req.body(Full::new(body.unwrap_or_default()))?;
        let res = tokio::time::timeout(TIMEOUT, self.http.request(req)).await.context("request timed out")??;
        let status = res.status();
        let body = res.into_body().collect().await?.to_bytes();
        Ok(Reply { status, body })
    }

    /// A management call: the JSON answer, or the API's error message.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        let reply = self.send(method, path, body.map(|b| Bytes::from(b.to_string()))).await?;
        if !reply.status.is_success() {
            let message = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| String::from_utf8_lossy(&reply.body).into_owned());
            bail!("{}: {message}", reply.status);
        }
        if reply.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        Ok(serde_json::from_slice(&reply.body)?)
    }

    /// Sends a ping, retrying network failures and 5xx/429 answers with backoff. A 4xx
    /// other than 429 will not improve with retries and ends it.
    pub async fn ping(&self, path: &str, body: Bytes) -> anyhow::Result<()> {
        let mut pause = FIRST_BACKOFF;
        let mut last = String::new();
        for attempt in 1..=PING_ATTEMPTS {
            match self.send(Method::POST, path, Some(body.clone())).await {
                Ok(r) if r.status.is_success() => return Ok(()),
                Ok(r) if r.status.is_client_error() && r.status != StatusCode::TOO_MANY_REQUESTS => {
                    bail!("ping refused: {} {}", r.status, String::from_utf8_lossy(&r.body))
                }
                Ok(r) => last = format!("{} {}", r.status, String::from_utf8_lossy(&r.body)),
                Err(e) => last = format!("{e:#}"),
            }
            if attempt < PING_ATTEMPTS {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
        bail!("ping failed after {PING_ATTEMPTS} attempts: {last}")
    }
}
