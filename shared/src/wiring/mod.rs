//! The composition roots: for each runtime, one function that builds every service from
//! one set of backends and one typed configuration read once (`wiring::local::build`,
//! `wiring::aws::build`). The Lambda functions, the local server, its benches and the
//! tests all start the application through them.
#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "embedded")]
pub mod local;

#[cfg(any(feature = "aws", feature = "embedded"))]
use crate::{
    adapters::http_transport::{HttpTransportConfig, HyperTransport},
    config::{BodyLimits, ConfigError},
    http::App,
    ports::{blob::BlobStore, scheduler::Scheduler, store::Store},
    services::{ingest_ping::PingService, manage::ManageService},
};
#[cfg(any(feature = "aws", feature = "embedded"))]
use std::sync::Arc;

/// The routes every runtime serves, over one store, blob store and scheduler; each
/// service sees the store through the narrow port it asks for.
#[cfg(any(feature = "aws", feature = "embedded"))]
fn app<S: Store + 'static>(
    store: &Arc<S>,
    blobs: Arc<dyn BlobStore>,
    scheduler: Arc<dyn Scheduler>,
    limits: BodyLimits,
) -> App {
    let pings = PingService::new(store.clone(), blobs.clone(), scheduler.clone(), limits);
    let manage = ManageService::new(store.clone(), scheduler, blobs);
    App::new(store.clone(), pings, manage, limits)
}

/// The probe service on the network prober, its checks recorded under `config.location`.
#[cfg(any(feature = "aws", feature = "embedded"))]
fn probe_service<S: Store + 'static>(
    store: &Arc<S>,
    scheduler: Arc<dyn Scheduler>,
    config: &crate::config::ProbeConfig,
) -> Result<Arc<crate::services::probe::ProbeService>, ConfigError> {
    use crate::adapters::probe::{NetProber, ProberConfig};
    let mut prober = ProberConfig::new(config.egress);
    if let Some(file) = &config.ca_file {
        prober = prober
            .with_ca_file(file)
            .map_err(|e| ConfigError { var: "TOKIFLOW_PROBE_CA_FILE", reason: e.to_string() })?;
    }
    let prober = NetProber::new(prober).map_err(|e| ConfigError { var: "SSL_CERT_FILE", reason: e.to_string() })?;
    Ok(Arc::new(crate::services::probe::ProbeService::new(
        store.clone(),
        Arc::new(prober),
        scheduler,
        config.location.clone(),
    )))
}

/// The guarded HTTP client for webhooks, Slack, Teams and PagerDuty.
#[cfg(any(feature = "aws", feature = "embedded"))]
fn http_client(config: HttpTransportConfig) -> Result<Arc<HyperTransport>, ConfigError> {
    HyperTransport::new(config)
        .map(Arc::new)
        .map_err(|e| ConfigError { var: "SSL_CERT_FILE", reason: format!("no CA certificates: {e}") })
}
