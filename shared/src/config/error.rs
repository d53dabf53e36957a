//! What is wrong with a setting: the variable, and why.

#[derive(Debug, thiserror::Error)]
#[error("bad value for {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// The error for a variable that is not set.
pub fn missing(var: &'static str) -> ConfigError {
    ConfigError { var, reason: "must be set".into() }
}
