//! The prober port over the network: HTTP(S), TCP and DNS checks, each phase measured on
//! the wire, every address past the egress guard, the whole attempt bounded by the
//! monitor's timeout.
//!
//! One `NetProber` is built per process (it loads the root certificates once) and shared.
mod attempt;
mod cert;
mod connect;
mod dns;
pub mod dns_wire;
mod http;
mod tcp;
mod timing;
mod tls;
mod trace;

use crate::adapters::egress::EgressPolicy;
use crate::domain::probe::debug::{NetworkEvent, Trace};
use crate::domain::probe::observation::Observation;
use crate::domain::probe::spec::{ProbeSpec, ProbeTarget};
use crate::ports::prober::Prober;
use async_trait::async_trait;
use attempt::Attempt;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tls::TlsClients;

pub const DEFAULT_USER_AGENT: &str = concat!("Tokiflow-Probe/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, thiserror::Error)]
pub enum ProberError {
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    #[error("the CA file {0} holds no PEM certificate")]
    NoCertificate(PathBuf),
    #[error("a CA certificate was refused: {0}")]
    BadRoot(String),
    #[error("no root certificates: none in the system's store and none configured")]
    NoRoots,
}

#[derive(Debug, Clone)]
pub struct ProberConfig {
    /// Public targets only in the cloud; private ones too on a local server.
    pub egress: EgressPolicy,
    /// Trusted beside the system's roots when a probe verifies TLS (a company's own CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub user_agent: String,
}

impl ProberConfig {
    pub fn new(egress: EgressPolicy) -> Self {
        Self { egress, extra_roots: Vec::new(), user_agent: DEFAULT_USER_AGENT.to_string() }
    }

    /// Adds the certificates of a PEM file to the extra roots.
    pub fn with_ca_file(mut self, path: &Path) -> Result<Self, ProberError> {
        let pem =
            std::fs::read(path).map_err(|e| ProberError::CaFile { path: path.to_path_buf(), reason: e.to_string() })?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ProberError::CaFile { path: path.to_path_buf(), reason: e.to_string() })?;
        if certs.is_empty() {
            return Err(ProberError::NoCertificate(path.to_path_buf()));
        }
        self.extra_roots.extend(certs);
        Ok(self)
    }
}

pub struct NetProber {
    egress: EgressPolicy,
    user_agent: String,
    tls: TlsClients,
    /// Read once, at construction: the resolver DNS checks without their own ask.
    system_resolver: Option<SocketAddr>,
}

impl NetProber {
    /// Loads the system's root certificates; fails if a configured root is not a valid
    /// certificate, or if there are no roots at all.
    pub fn new(config: ProberConfig) -> Result<Self, ProberError> {
        let resolv_conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        Ok(Self {
            egress: config.egress,
            tls: TlsClients::new(&config.extra_roots)?,
            user_agent: config.user_agent,
            system_resolver: dns::system_resolver(&resolv_conf),
        })
    }

    async fn attempt(&self, spec: &ProbeSpec, tracing: bool) -> (Observation, Vec<NetworkEvent>) {
        let url = match &spec.target {
            ProbeTarget::Http(h) => h.url.to_string(),
            ProbeTarget::Tcp(t) => tcp::url(t),
            ProbeTarget::Dns(d) => dns::url(d, d.resolver.or(self.system_resolver)),
        };
        let mut attempt = Attempt::new(url, tracing);
        let limit = Duration::from_millis(u64::from(spec.timeout_ms));
        let outcome = {
            let run = async {
                match &spec.target {
                    ProbeTarget::Http(h) => http::run(self, h, &mut attempt).await,
                    ProbeTarget::Tcp(t) => tcp::run(self, t, &mut attempt).await,
                    ProbeTarget::Dns(d) => dns::run(self, d, &mut attempt).await,
                }
            };
            tokio::time::timeout(limit, run).await
        };
        attempt.finish(outcome)
    }
}

#[async_trait]
impl Prober for NetProber {
    async fn observe(&self, spec: &ProbeSpec) -> Observation {
        self.attempt(spec, false).await.0
    }

    async fn trace(&self, spec: &ProbeSpec) -> Trace {
        let (obs, events) = self.attempt(spec, true).await;
        trace::trace_of(&obs, events, &self.user_agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_files_add_their_certificates_or_say_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["ca.test".to_string()]).unwrap().cert;
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, format!("{}{}", cert.pem(), cert.pem())).unwrap();
        let config = ProberConfig::new(EgressPolicy::AllowPrivate).with_ca_file(&path).unwrap();
        assert_eq!(config.extra_roots, [cert.der().clone(), cert.der().clone()]);
        assert_eq!(config.user_agent, DEFAULT_USER_AGENT);
        assert!(NetProber::new(config).is_ok());

        std::fs::write(&path, "no PEM here").unwrap();
        let empty = ProberConfig::new(EgressPolicy::AllowPrivate).with_ca_file(&path);
        assert!(matches!(empty, Err(ProberError::NoCertificate(_))), "{empty:?}");
        let missing = ProberConfig::new(EgressPolicy::AllowPrivate).with_ca_file(&dir.path().join("none.pem"));
        assert!(matches!(missing, Err(ProberError::CaFile { .. })), "{missing:?}");
    }
}
