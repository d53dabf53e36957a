//! Configuration, read from the environment once at start.
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[error("bad value for {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

/// A variable that must be set (the Lambda functions' table names, bucket, targets).
pub fn required_env(var: &'static str) -> Result<String, ConfigError> {
    std::env::var(var).map_err(|_| ConfigError { var, reason: "must be set".into() })
}

/// How much of a ping body is kept where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Kept on the run itself as `outputPreview`.
    pub preview: usize,
    /// Bodies larger than this also go to the blob store in full.
    pub inline: usize,
    /// The most of one body that is stored; the rest is counted and dropped.
    pub stored: usize,
    /// The largest JSON request body the API accepts (413 beyond).
    pub api_json: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self { preview: 1024, inline: 8 * 1024, stored: 1024 * 1024, api_json: 64 * 1024 }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub limits: BodyLimits,
    /// The base URL printed for ping links; defaults to the listen address.
    pub public_url: Option<String>,
    /// The management API's per-key rate limit (`TOKIFLOW_API_RATE`, requests per second;
    /// the burst is six seconds' worth).
    pub api_rate: crate::domain::rate_limit::RateLimit,
    /// Where webhooks given by anonymous people (status page subscribers) may go: public
    /// addresses only, whatever `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE` says of channels. Not
    /// read from the environment; only a test wiring its own receivers changes it.
    pub subscriber_egress: crate::adapters::egress::EgressPolicy,
}

impl Config {
    /// Where people reach this server: `TOKIFLOW_PUBLIC_URL`, else the listen address.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Reads `TOKIFLOW_DATA_DIR`, `TOKIFLOW_LISTEN`, `TOKIFLOW_MAX_BODY_BYTES`, `TOKIFLOW_PUBLIC_URL`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut limits = BodyLimits::default();
        if let Some(v) = get("TOKIFLOW_MAX_BODY_BYTES") {
            limits.stored =
                v.parse::<usize>().ok().filter(|n| (limits.inline..=64 * 1024 * 1024).contains(n)).ok_or_else(
                    || ConfigError {
                        var: "TOKIFLOW_MAX_BODY_BYTES",
                        reason: format!("expected a byte count from {} to {}", limits.inline, 64 * 1024 * 1024),
                    },
                )?;
        }
        let listen = get("TOKIFLOW_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen.parse().map_err(|_| ConfigError {
            var: "TOKIFLOW_LISTEN",
            reason: format!("{listen:?} is not an address like 127.0.0.1:8080"),
        })?;
        let mut api_rate = crate::domain::rate_limit::RateLimit::default();
        if let Some(v) = get("TOKIFLOW_API_RATE") {
            let per_second =
                v.parse::<f64>().ok().filter(|r| (0.1..=100_000.0).contains(r)).ok_or_else(|| ConfigError {
                    var: "TOKIFLOW_API_RATE",
                    reason: "expected requests per second from 0.1 to 100000".into(),
                })?;
            api_rate = crate::domain::rate_limit::RateLimit { capacity: (per_second * 6.0).max(1.0), per_second };
        }
        Ok(Self {
            api_rate,
            data_dir: get("TOKIFLOW_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("data")),
            listen,
            limits,
            public_url: get("TOKIFLOW_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
            subscriber_egress: crate::adapters::egress::EgressPolicy::PublicOnly,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("data"));
        assert_eq!(c.limits.stored, 1024 * 1024);
        assert_eq!(c.listen.port(), 8080);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(cfg(&[("TOKIFLOW_MAX_BODY_BYTES", "12")]).unwrap_err().var, "TOKIFLOW_MAX_BODY_BYTES");
        assert_eq!(cfg(&[("TOKIFLOW_LISTEN", "nope")]).unwrap_err().var, "TOKIFLOW_LISTEN");
        assert_eq!(cfg(&[("TOKIFLOW_MAX_BODY_BYTES", "2000000")]).unwrap().limits.stored, 2_000_000);
    }
}
