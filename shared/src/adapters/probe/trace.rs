//! A trace from what an attempt observed and recorded: whether it succeeded, and why not.
use crate::domain::probe::debug::{NetworkEvent, Trace};
use crate::domain::probe::observation::Observation;

/// A success is an answer: any for TCP and DNS, and for HTTP a 2xx, or a 3xx that was
/// the final answer (redirects not followed).
pub(super) fn trace_of(obs: &Observation, events: Vec<NetworkEvent>, user_agent: &str) -> Trace {
    let error = match (&obs.failure, obs.http_status) {
        (Some(failure), _) => Some(failure.to_string()),
        (None, Some(status)) if !(200..400).contains(&status) => Some(format!("the answer's status is {status}")),
        (None, _) => None,
    };
    Trace { events, success: error.is_none(), error, user_agent: user_agent.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::probe::observation::ProbeFailure;

    #[test]
    fn success_is_an_answer_below_400() {
        let with = |status, failure| Observation { http_status: status, failure, ..Default::default() };
        assert!(trace_of(&with(Some(204), None), vec![], "ua").success);
        assert!(trace_of(&with(Some(302), None), vec![], "ua").success);
        assert!(trace_of(&with(None, None), vec![], "ua").success);
        let t = trace_of(&with(Some(500), None), vec![], "ua");
        assert_eq!((t.success, t.error.as_deref()), (false, Some("the answer's status is 500")));
        let t = trace_of(&with(None, Some(ProbeFailure::Refused)), vec![], "ua");
        assert_eq!((t.success, t.error.as_deref(), t.user_agent.as_str()), (false, Some("connection refused"), "ua"));
    }
}
