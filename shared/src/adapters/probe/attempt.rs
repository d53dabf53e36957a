//! What one attempt has measured so far. It lives outside the attempt's future, so that a
//! timeout, which drops that future, still reports the phases that finished, the phase in
//! progress and, for a trace, the events up to then.
use super::timing::{FirstByte, ms_since};
use crate::domain::probe::debug::{EventType, NetworkEvent};
use crate::domain::probe::observation::{Observation, Phase, PhaseTimings, ProbeFailure};
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;

pub(super) struct Attempt {
    started: Instant,
    hop_started: Instant,
    hop_url: String,
    pub(super) phase: Phase,
    /// The timings in it are the current hop's.
    pub(super) obs: Observation,
    /// The current hop's stream clock, once a request is under way.
    pub(super) first_byte: Option<Arc<FirstByte>>,
    /// `Some` when tracing.
    events: Option<Vec<NetworkEvent>>,
}

/// How the attempt's future ended: by itself, or cut by the timeout.
pub(super) type Outcome = Result<Result<(), ProbeFailure>, tokio::time::error::Elapsed>;

impl Attempt {
    pub(super) fn new(url: String, tracing: bool) -> Self {
        let now = Instant::now();
        Self {
            started: now,
            hop_started: now,
            hop_url: url,
            phase: Phase::Dns,
            obs: Observation::default(),
            first_byte: None,
            events: tracing.then(Vec::new),
        }
    }

    /// Starts a hop (a redirect's target): the observation reports the last hop's timings.
    pub(super) fn hop(&mut self, url: &str) {
        self.hop_started = Instant::now();
        self.hop_url = url.to_string();
        self.phase = Phase::Dns;
        self.obs.timings = PhaseTimings::default();
        self.first_byte = None;
    }

    pub(super) fn tracing(&self) -> bool {
        self.events.is_some()
    }

    /// Milliseconds since the hop started.
    pub(super) fn hop_ms(&self) -> f64 {
        ms_since(self.hop_started)
    }

    /// Records an event for the current hop, when tracing.
    pub(super) fn event(&mut self, kind: EventType, fill: impl FnOnce(&mut NetworkEvent)) {
        if let Some(events) = self.events.as_mut() {
            let mut event = NetworkEvent::new(kind, self.hop_url.clone(), Utc::now());
            fill(&mut event);
            events.push(event);
        }
    }

    /// The observation and the events, with the failure (or the timeout, in the phase it
    /// cut) and the total time.
    pub(super) fn finish(mut self, outcome: Outcome) -> (Observation, Vec<NetworkEvent>) {
        let clock = self.first_byte.take();
        if self.obs.timings.ttfb_ms.is_none() {
            self.obs.timings.ttfb_ms = clock.as_ref().and_then(|c| c.ttfb_ms());
        }
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(failure)) => Some((EventType::Error, failure)),
            Err(_) => {
                // The HTTP client writes the request and reads the answer in one future:
                // the stream says which of the two it was doing.
                let phase = match (self.phase, clock) {
                    (Phase::Request, Some(c)) if c.request_sent() => Phase::Response,
                    (phase, _) => phase,
                };
                Some((EventType::Timeout, ProbeFailure::Timeout(phase)))
            }
        };
        if let Some((kind, failure)) = failure {
            let duration = self.hop_ms();
            let error = failure.to_string();
            self.event(kind, |e| {
                e.duration_ms = Some(duration);
                e.error = Some(error);
            });
            self.obs.failure = Some(failure);
        }
        self.obs.total_ms = ms_since(self.started);
        (self.obs, self.events.unwrap_or_default())
    }
}
