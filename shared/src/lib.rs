//! Tokiflow's core library: a pure domain, the ports the services need, the adapters
//! behind them, and the services that both the Lambda functions and the local server call.
pub mod adapters;
pub mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod domain;
pub mod http;
pub mod ports;
pub mod services;
#[cfg(feature = "lambda")]
pub mod telemetry;
pub mod wiring;
