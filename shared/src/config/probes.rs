//! What probes may reach and trust, and where they say they ran:
//! `TOKIFLOW_PROBE_ALLOW_PRIVATE`, `TOKIFLOW_PROBE_CA_FILE`, `TOKIFLOW_PROBE_LOCATION`.
use super::{ConfigError, egress};
use crate::adapters::egress::EgressPolicy;
use std::path::PathBuf;

/// The longest location name (an AWS region is at most 14 characters).
const MAX_LOCATION: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeConfig {
    /// Private and loopback targets: allowed on a local server (self-hosted users watch
    /// internal services), refused in the cloud unless set; link-local never.
    pub egress: EgressPolicy,
    /// A PEM file of extra trusted roots for `verifyTls` (a company's own CA).
    pub ca_file: Option<PathBuf>,
    /// Recorded on every check: `local`, or the AWS region.
    pub location: String,
}

impl ProbeConfig {
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        default_egress: EgressPolicy,
        default_location: &str,
    ) -> Result<Self, ConfigError> {
        let location = get("TOKIFLOW_PROBE_LOCATION").unwrap_or_else(|| default_location.to_owned());
        let fine = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if location.is_empty() || location.len() > MAX_LOCATION || !location.chars().all(fine) {
            return Err(ConfigError {
                var: "TOKIFLOW_PROBE_LOCATION",
                reason: format!("{location:?} is not 1 to {MAX_LOCATION} letters, digits, - or _"),
            });
        }
        Ok(Self {
            egress: egress(&get, "TOKIFLOW_PROBE_ALLOW_PRIVATE", default_egress)?,
            ca_file: get("TOKIFLOW_PROBE_CA_FILE").map(PathBuf::from),
            location,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() {
        let none = ProbeConfig::from_lookup(|_| None, EgressPolicy::AllowPrivate, "local").unwrap();
        assert_eq!((none.egress, none.ca_file, none.location.as_str()), (EgressPolicy::AllowPrivate, None, "local"));
        let cloud = |k: &str| (k == "TOKIFLOW_PROBE_ALLOW_PRIVATE").then(|| "false".to_string());
        assert_eq!(
            ProbeConfig::from_lookup(cloud, EgressPolicy::AllowPrivate, "x").unwrap().egress,
            EgressPolicy::PublicOnly
        );
        let bad = |k: &str| (k == "TOKIFLOW_PROBE_LOCATION").then(|| "eu west".to_string());
        assert_eq!(
            ProbeConfig::from_lookup(bad, EgressPolicy::PublicOnly, "x").unwrap_err().var,
            "TOKIFLOW_PROBE_LOCATION"
        );
    }
}
