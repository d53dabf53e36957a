//! The prober: runs one probe attempt over the network and says what it observed.
use crate::domain::probe::debug::Trace;
use crate::domain::probe::observation::Observation;
use crate::domain::probe::spec::ProbeSpec;
use async_trait::async_trait;

#[async_trait]
pub trait Prober: Send + Sync {
    /// One check of the spec's target within its timeout, timing every phase. Never
    /// fails: a failure is part of what was observed.
    async fn observe(&self, spec: &ProbeSpec) -> Observation;
    /// One traced attempt for a debug session: every request, response, redirect,
    /// error or timeout as an event, with headers and payloads as sent and received
    /// (the caller redacts them).
    async fn trace(&self, spec: &ProbeSpec) -> Trace;
}
