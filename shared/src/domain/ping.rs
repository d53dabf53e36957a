//! What a ping says, read from the Healthchecks-style path suffix and the query form.
use super::incident::{BadSeverity, Severity};
use super::run::{RunKey, RunState};

/// A ping's meaning, validated: the state, the exit code if given, and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingSignal {
    pub state: RunState,
    pub exit_code: Option<u8>,
    pub severity: Option<Severity>,
    pub rid: Option<RunKey>,
}

/// The raw, untrusted parts of a ping request, before validation.
#[derive(Debug, Default, Clone, Copy)]
pub struct PingParts<'a> {
    /// What follows `/ping/{token}/`, if anything.
    pub suffix: Option<&'a str>,
    pub state: Option<&'a str>,
    pub exit_code: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub rid: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PingError {
    /// The path names no ping form: a 404, like any unknown URL.
    #[error("unknown ping path /{0}")]
    UnknownPath(String),
    #[error("exit code must be a whole number from 0 to 255")]
    BadExitCode { field: &'static str },
    #[error("state must be success, fail, start or log")]
    BadState,
    #[error(transparent)]
    BadSeverity(#[from] BadSeverity),
    #[error("rid must be 1-64 characters of letters, digits, '.', '_' or '-'")]
    BadRid,
    #[error("the ping says both {0} and {1}; send one")]
    Conflict(&'static str, &'static str),
}

impl PingError {
    /// The request field at fault, for error bodies.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::UnknownPath(_) => None,
            Self::BadExitCode { field } => Some(field),
            Self::BadState => Some("state"),
            Self::BadSeverity(_) => Some("severity"),
            Self::BadRid => Some("rid"),
            Self::Conflict(..) => Some("state"),
        }
    }
}

fn state_name(s: RunState) -> &'static str {
    match s {
        RunState::Start => "start",
        RunState::Success => "success",
        RunState::Fail => "fail",
        RunState::Log => "log",
    }
}

fn parse_exit_code(s: &str, field: &'static str) -> Result<u8, PingError> {
    // Only plain digits: "+1", " 1" or "1.0" are not exit codes.
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PingError::BadExitCode { field });
    }
    s.parse::<u8>().map_err(|_| PingError::BadExitCode { field })
}

fn state_of_exit_code(code: u8) -> RunState {
    if code == 0 { RunState::Success } else { RunState::Fail }
}

impl PingSignal {
    pub fn parse(parts: PingParts<'_>) -> Result<Self, PingError> {
        let mut exit_code = None;
        let path_state = match parts.suffix {
            None | Some("") => None,
            Some("start") => Some(RunState::Start),
            Some("fail") => Some(RunState::Fail),
            Some("log") => Some(RunState::Log),
            Some(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                let code = parse_exit_code(s, "exitCode")?;
                exit_code = Some(code);
                Some(state_of_exit_code(code))
            }
            Some(other) => return Err(PingError::UnknownPath(other.chars().take(64).collect())),
        };
        let query_state = match parts.state {
            None => None,
            Some(s) => Some(match s.to_ascii_lowercase().as_str() {
                "success" => RunState::Success,
                "fail" => RunState::Fail,
                "start" => RunState::Start,
                "log" => RunState::Log,
                _ => return Err(PingError::BadState),
            }),
        };
        let query_code = parts.exit_code.map(|s| parse_exit_code(s, "exitCode")).transpose()?;
        if let (Some(a), Some(b)) = (exit_code, query_code)
            && a != b
        {
            return Err(PingError::Conflict("an exit code in the path", "a different exitCode"));
        }
        exit_code = exit_code.or(query_code);

        // Every form that names a state must agree; none named means success.
        let named = [path_state, query_state, query_code.map(state_of_exit_code)];
        let mut state: Option<RunState> = None;
        for s in named.into_iter().flatten() {
            match state {
                Some(prev) if prev != s => {
                    return Err(PingError::Conflict(state_name(prev), state_name(s)));
                }
                _ => state = Some(s),
            }
        }
        let severity = parts.severity.map(str::parse::<Severity>).transpose()?;
        let rid = parts.rid.map(|r| RunKey::new(r).ok_or(PingError::BadRid)).transpose()?;
        Ok(Self { state: state.unwrap_or(RunState::Success), exit_code, severity, rid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(suffix: Option<&str>, state: Option<&str>, code: Option<&str>) -> Result<PingSignal, PingError> {
        PingSignal::parse(PingParts { suffix, state, exit_code: code, ..Default::default() })
    }

    fn state(r: Result<PingSignal, PingError>) -> RunState {
        r.unwrap().state
    }

    #[test]
    fn path_forms() {
        assert_eq!(state(parse(None, None, None)), RunState::Success);
        assert_eq!(state(parse(Some("start"), None, None)), RunState::Start);
        assert_eq!(state(parse(Some("fail"), None, None)), RunState::Fail);
        assert_eq!(state(parse(Some("log"), None, None)), RunState::Log);
        assert_eq!(state(parse(Some("0"), None, None)), RunState::Success);
        let failed = parse(Some("137"), None, None).unwrap();
        assert_eq!((failed.state, failed.exit_code), (RunState::Fail, Some(137)));
    }

    #[test]
    fn query_forms() {
        assert_eq!(state(parse(None, Some("fail"), None)), RunState::Fail);
        assert_eq!(state(parse(None, Some("START"), None)), RunState::Start);
        let p = parse(None, None, Some("2")).unwrap();
        assert_eq!((p.state, p.exit_code), (RunState::Fail, Some(2)));
        assert_eq!(state(parse(None, Some("success"), Some("0"))), RunState::Success);
    }

    #[test]
    fn bad_exit_codes() {
        for bad in ["256", "999", "1000"] {
            assert_eq!(parse(Some(bad), None, None), Err(PingError::BadExitCode { field: "exitCode" }));
        }
        for bad in ["-1", "abc", "", "1.5", "+1", "256"] {
            assert_eq!(parse(None, None, Some(bad)).unwrap_err().field(), Some("exitCode"), "{bad}");
        }
    }

    #[test]
    fn unknown_suffix_is_not_found() {
        assert!(matches!(parse(Some("foo"), None, None), Err(PingError::UnknownPath(_))));
        assert!(matches!(parse(Some("-1"), None, None), Err(PingError::UnknownPath(_))));
    }

    #[test]
    fn conflicting_forms_are_refused() {
        assert!(matches!(parse(Some("fail"), Some("success"), None), Err(PingError::Conflict(..))));
        assert!(matches!(parse(None, Some("success"), Some("3")), Err(PingError::Conflict(..))));
        assert!(matches!(parse(Some("1"), None, Some("2")), Err(PingError::Conflict(..))));
        assert!(matches!(parse(Some("start"), None, Some("0")), Err(PingError::Conflict(..))));
        assert_eq!(state(parse(Some("fail"), Some("fail"), Some("1"))), RunState::Fail);
    }

    #[test]
    fn severity_and_rid() {
        let p = PingSignal::parse(PingParts { severity: Some("critical"), rid: Some("abc-1"), ..Default::default() })
            .unwrap();
        assert_eq!(p.severity, Some(Severity::Critical));
        assert_eq!(p.rid.unwrap().as_str(), "abc-1");
        let bad = PingSignal::parse(PingParts { severity: Some("urgent"), ..Default::default() });
        assert_eq!(bad.unwrap_err().field(), Some("severity"));
        let bad = PingSignal::parse(PingParts { rid: Some("a b"), ..Default::default() });
        assert_eq!(bad, Err(PingError::BadRid));
    }
}
