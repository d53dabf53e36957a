//! TLS for probes: two clients built once (one verifying against the system's roots and
//! the configured extra roots, one accepting any certificate for `verifyTls: false`), and
//! the handshake, which also reads the leaf certificate's end of validity.
use super::ProberError;
use super::cert;
use crate::domain::probe::observation::ProbeFailure;
use chrono::{DateTime, Utc};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::net::IpAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub(super) struct TlsClients {
    verifying: TlsConnector,
    any_cert: TlsConnector,
}

/// Where the handshake goes: the name the certificate must match (and SNI), or an address.
pub(super) enum TlsPeer<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

impl TlsClients {
    pub(super) fn new(extra_roots: &[CertificateDer<'static>]) -> Result<Self, ProberError> {
        let mut roots = RootCertStore::empty();
        // Unreadable system certificates are skipped: the rest, and the extra roots, still count.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        for root in extra_roots {
            roots.add(root.clone()).map_err(|e| ProberError::BadRoot(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(ProberError::NoRoots);
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = || {
            ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| ProberError::BadRoot(e.to_string()))
        };
        let verifying = builder()?.with_root_certificates(roots).with_no_client_auth();
        let any_cert = builder()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert(provider.signature_verification_algorithms)))
            .with_no_client_auth();
        let connector = |mut config: ClientConfig| {
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            TlsConnector::from(Arc::new(config))
        };
        Ok(Self { verifying: connector(verifying), any_cert: connector(any_cert) })
    }

    /// The handshake over `tcp`, and the leaf certificate's notAfter when it can be read.
    pub(super) async fn handshake(
        &self,
        tcp: TcpStream,
        peer: TlsPeer<'_>,
        verify: bool,
    ) -> Result<(TlsStream<TcpStream>, Option<DateTime<Utc>>), ProbeFailure> {
        let name = match peer {
            TlsPeer::Name(name) => ServerName::try_from(name.to_string())
                .map_err(|_| ProbeFailure::Tls(format!("{name:?} is not a valid server name")))?,
            TlsPeer::Ip(ip) => ServerName::IpAddress(ip.into()),
        };
        let connector = if verify { &self.verifying } else { &self.any_cert };
        let tls = connector.connect(name, tcp).await.map_err(|e| ProbeFailure::Tls(e.to_string()))?;
        let leaf = tls.get_ref().1.peer_certificates().and_then(|certs| certs.first());
        // A certificate we cannot read has no date to warn about; the handshake still counts.
        let not_after = leaf.and_then(|der| cert::not_after(der).ok());
        Ok((tls, not_after))
    }
}

/// `verifyTls: false`: any certificate is accepted, as `curl -k` does. The handshake's
/// signatures are still checked against the certificate's key, so the peer holds that key.
#[derive(Debug)]
struct AnyCert(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
