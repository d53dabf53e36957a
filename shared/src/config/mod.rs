//! Configuration, read from the environment once at start: `Config` for the local
//! server, `AwsConfig` for a Lambda function.
pub mod error;
pub mod probes;

use crate::adapters::egress::EgressPolicy;
use crate::adapters::http_transport::HttpTransportConfig;
use crate::adapters::smtp::SmtpConfig;
pub use error::{ConfigError, missing};
pub use probes::ProbeConfig;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A variable that must be set (the Lambda functions' table names, bucket, targets).
#[cfg(feature = "aws")]
fn required(get: impl Fn(&str) -> Option<String>, var: &'static str) -> Result<String, ConfigError> {
    get(var).ok_or_else(|| missing(var))
}

/// `true` or `false` in `var`: whether outbound calls may reach private addresses.
pub(crate) fn egress(
    get: impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: EgressPolicy,
) -> Result<EgressPolicy, ConfigError> {
    match get(var).as_deref() {
        None => Ok(default),
        Some("false") => Ok(EgressPolicy::PublicOnly),
        Some("true") => Ok(EgressPolicy::AllowPrivate),
        Some(other) => Err(ConfigError { var, reason: format!("{other:?} is not true or false") }),
    }
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
    /// Channels' webhooks: the deadline of a call (`TOKIFLOW_OUTBOUND_TIMEOUT_MS`) and
    /// whether they may reach private and loopback addresses: yes on a laptop, unless
    /// `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE=false` (metadata addresses stay refused either way).
    pub outbound: HttpTransportConfig,
    /// Where webhooks given by anonymous people (status page subscribers) may go: public
    /// addresses only, whatever `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE` says of channels. Not
    /// read from the environment; only a test wiring its own receivers changes it.
    pub subscriber_egress: EgressPolicy,
    /// The SMTP relay for e-mail (`TOKIFLOW_SMTP_RELAY`, `TOKIFLOW_SMTP_FROM`); without
    /// one, e-mail goes to the mailbox directory with SMS.
    pub smtp: Option<SmtpConfig>,
    pub probes: ProbeConfig,
}

impl Config {
    /// Where people reach this server: `TOKIFLOW_PUBLIC_URL`, else the listen address.
    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Reads `TOKIFLOW_DATA_DIR`, `TOKIFLOW_LISTEN`, `TOKIFLOW_MAX_BODY_BYTES`,
    /// `TOKIFLOW_PUBLIC_URL`, `TOKIFLOW_API_RATE`, the outbound settings, the SMTP relay
    /// and the probes' settings.
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
            outbound: HttpTransportConfig::from_lookup(&get, EgressPolicy::AllowPrivate)?,
            subscriber_egress: EgressPolicy::PublicOnly,
            smtp: SmtpConfig::from_lookup(&get)?,
            probes: ProbeConfig::from_lookup(&get, EgressPolicy::AllowPrivate, "local")?,
        })
    }
}

/// A Lambda function's configuration, from the environment the SAM template sets, read
/// once per cold start. What only some functions use is optional here; the composition
/// root (`crate::wiring::aws`) says which variable is missing when a function needs it.
#[cfg(feature = "aws")]
#[derive(Debug, Clone)]
pub struct AwsConfig {
    /// `TOKIFLOW_TABLE_{MONITORS,RUNS,INCIDENTS,CONFIG,PROBES}`.
    pub tables: crate::adapters::dynamodb::DynamoTables,
    /// Stored ping outputs: `TOKIFLOW_BUCKET`.
    pub bucket: String,
    /// `TOKIFLOW_SCHEDULE_GROUP`, `TOKIFLOW_MISSED_CHECK_ARN`, `TOKIFLOW_SCHEDULER_ROLE_ARN`
    /// and the optional `TOKIFLOW_SCHEDULER_DLQ_ARN`.
    pub schedule_target: crate::adapters::eventbridge::ScheduleTarget,
    /// `TOKIFLOW_S3_PATH_STYLE=true` addresses buckets by path (local stand-ins such as
    /// moto); `AWS_ENDPOINT_URL` is read by the SDK itself.
    pub s3_path_style: bool,
    pub limits: BodyLimits,
    /// Channels' webhooks: public addresses only unless `TOKIFLOW_OUTBOUND_ALLOW_PRIVATE=true`.
    pub outbound: HttpTransportConfig,
    /// Where links in messages point (`TOKIFLOW_APP_URL`): needed to notify and to test channels.
    pub app_url: Option<url::Url>,
    /// E-mail through SES: needed to send anything (subscribers are e-mailed).
    pub email: Option<SesConfig>,
    /// The status pages' static copy, when this function publishes them.
    pub status_site: Option<StatusSiteConfig>,
    /// Probes: public targets only unless `TOKIFLOW_PROBE_ALLOW_PRIVATE=true`; checks
    /// recorded at `TOKIFLOW_PROBE_LOCATION`, else the function's `AWS_REGION`.
    pub probes: ProbeConfig,
}

/// `TOKIFLOW_EMAIL_FROM` (an SES-verified identity) and `TOKIFLOW_SES_CONFIGURATION_SET`.
#[cfg(feature = "aws")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SesConfig {
    pub from: String,
    pub configuration_set: Option<String>,
}

/// `TOKIFLOW_STATUS_BUCKET`, linked from `TOKIFLOW_STATUS_URL` (the CloudFront distribution).
#[cfg(feature = "aws")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSiteConfig {
    pub bucket: String,
    pub public_url: String,
}

/// What a test's AWS configuration starts from: every variable a function must have,
/// with `pairs` added or overriding.
#[cfg(all(test, feature = "aws"))]
impl AwsConfig {
    pub(crate) fn for_tests(pairs: &[(&str, &str)]) -> Result<Self, ConfigError> {
        let base = [
            ("TOKIFLOW_TABLE_MONITORS", "m"),
            ("TOKIFLOW_TABLE_RUNS", "r"),
            ("TOKIFLOW_TABLE_INCIDENTS", "i"),
            ("TOKIFLOW_TABLE_CONFIG", "c"),
            ("TOKIFLOW_TABLE_PROBES", "p"),
            ("TOKIFLOW_BUCKET", "outputs"),
            ("TOKIFLOW_SCHEDULE_GROUP", "g"),
            ("TOKIFLOW_MISSED_CHECK_ARN", "arn:fn"),
            ("TOKIFLOW_SCHEDULER_ROLE_ARN", "arn:role"),
        ];
        let map: std::collections::HashMap<&str, &str> = base.iter().chain(pairs).copied().collect();
        Self::from_lookup(|k| map.get(k).map(|v| v.to_string()))
    }
}

#[cfg(feature = "aws")]
impl AwsConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let app_url = match get("TOKIFLOW_APP_URL") {
            Some(u) => Some(
                url::Url::parse(&u)
                    .map_err(|e| ConfigError { var: "TOKIFLOW_APP_URL", reason: format!("{u:?}: {e}") })?,
            ),
            None => None,
        };
        let status_site = match get("TOKIFLOW_STATUS_BUCKET") {
            Some(bucket) => Some(StatusSiteConfig { bucket, public_url: required(&get, "TOKIFLOW_STATUS_URL")? }),
            None => None,
        };
        Ok(Self {
            tables: crate::adapters::dynamodb::DynamoTables {
                monitors: required(&get, "TOKIFLOW_TABLE_MONITORS")?,
                runs: required(&get, "TOKIFLOW_TABLE_RUNS")?,
                incidents: required(&get, "TOKIFLOW_TABLE_INCIDENTS")?,
                config: required(&get, "TOKIFLOW_TABLE_CONFIG")?,
                probes: required(&get, "TOKIFLOW_TABLE_PROBES")?,
            },
            bucket: required(&get, "TOKIFLOW_BUCKET")?,
            schedule_target: crate::adapters::eventbridge::ScheduleTarget {
                group: required(&get, "TOKIFLOW_SCHEDULE_GROUP")?,
                function_arn: required(&get, "TOKIFLOW_MISSED_CHECK_ARN")?,
                role_arn: required(&get, "TOKIFLOW_SCHEDULER_ROLE_ARN")?,
                dead_letter_arn: get("TOKIFLOW_SCHEDULER_DLQ_ARN").filter(|v| !v.is_empty()),
            },
            s3_path_style: get("TOKIFLOW_S3_PATH_STYLE").is_some_and(|v| v == "true"),
            limits: BodyLimits::default(),
            outbound: HttpTransportConfig::from_lookup(&get, EgressPolicy::PublicOnly)?,
            app_url,
            email: get("TOKIFLOW_EMAIL_FROM")
                .map(|from| SesConfig { from, configuration_set: get("TOKIFLOW_SES_CONFIGURATION_SET") }),
            status_site,
            probes: ProbeConfig::from_lookup(
                &get,
                EgressPolicy::PublicOnly,
                get("AWS_REGION").as_deref().unwrap_or("aws"),
            )?,
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
        assert_eq!(c.outbound.egress, EgressPolicy::AllowPrivate, "a laptop's receivers are private");
        assert_eq!(c.subscriber_egress, EgressPolicy::PublicOnly);
        assert_eq!(c.smtp, None);
    }

    #[test]
    fn outbound_private_addresses_are_refused_when_asked() {
        let c = cfg(&[("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "false")]).unwrap();
        assert_eq!(c.outbound.egress, EgressPolicy::PublicOnly);
        let c = cfg(&[("TOKIFLOW_SMTP_RELAY", "127.0.0.1:1025")]).unwrap();
        assert_eq!(c.smtp.map(|s| s.relay).as_deref(), Some("127.0.0.1:1025"));
    }

    #[cfg(feature = "aws")]
    fn aws(pairs: &[(&str, &str)]) -> Result<AwsConfig, ConfigError> {
        AwsConfig::for_tests(pairs)
    }

    #[cfg(feature = "aws")]
    #[test]
    fn aws_defaults_to_public_addresses_and_optional_senders() {
        let c = aws(&[]).unwrap();
        assert_eq!(c.outbound.egress, EgressPolicy::PublicOnly, "unset: public only in AWS");
        assert_eq!((c.tables.monitors.as_str(), c.bucket.as_str()), ("m", "outputs"));
        assert_eq!((c.app_url, c.email, c.status_site, c.s3_path_style), (None, None, None, false));
        assert_eq!(c.schedule_target.dead_letter_arn, None);

        let c = aws(&[
            ("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "true"),
            ("TOKIFLOW_APP_URL", "https://app.tokiflow.example"),
            ("TOKIFLOW_EMAIL_FROM", "alerts@example.com"),
            ("TOKIFLOW_STATUS_BUCKET", "status"),
            ("TOKIFLOW_STATUS_URL", "https://status.example"),
            ("TOKIFLOW_S3_PATH_STYLE", "true"),
        ])
        .unwrap();
        assert_eq!(c.outbound.egress, EgressPolicy::AllowPrivate);
        assert_eq!(c.app_url.map(String::from).as_deref(), Some("https://app.tokiflow.example/"));
        assert_eq!(c.email.map(|e| e.from).as_deref(), Some("alerts@example.com"));
        assert_eq!(c.status_site.map(|s| s.public_url).as_deref(), Some("https://status.example"));
        assert!(c.s3_path_style);
    }

    #[cfg(feature = "aws")]
    #[test]
    fn aws_errors_name_the_variable() {
        assert_eq!(aws(&[("TOKIFLOW_APP_URL", "not a url")]).unwrap_err().var, "TOKIFLOW_APP_URL");
        assert_eq!(aws(&[("TOKIFLOW_STATUS_BUCKET", "status")]).unwrap_err().var, "TOKIFLOW_STATUS_URL");
        assert_eq!(
            aws(&[("TOKIFLOW_OUTBOUND_ALLOW_PRIVATE", "yes")]).unwrap_err().var,
            "TOKIFLOW_OUTBOUND_ALLOW_PRIVATE"
        );
        let map: HashMap<String, String> = HashMap::new();
        assert_eq!(AwsConfig::from_lookup(|k| map.get(k).cloned()).unwrap_err().var, "TOKIFLOW_TABLE_MONITORS");
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(cfg(&[("TOKIFLOW_MAX_BODY_BYTES", "12")]).unwrap_err().var, "TOKIFLOW_MAX_BODY_BYTES");
        assert_eq!(cfg(&[("TOKIFLOW_LISTEN", "nope")]).unwrap_err().var, "TOKIFLOW_LISTEN");
        assert_eq!(cfg(&[("TOKIFLOW_MAX_BODY_BYTES", "2000000")]).unwrap().limits.stored, 2_000_000);
    }
}
