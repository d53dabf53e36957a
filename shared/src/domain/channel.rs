//! Notification channels: where an org hears about incidents.
use super::ids::{ChannelId, MonitorId, OrgId};
use super::incident::Severity;
use super::org::Email;
use super::secret::random_secret;
use super::text::{Name, Slug, validated_string};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("webhook URL must be an absolute http(s) URL of at most 2048 characters")]
    BadUrl,
    #[error("phone number must be in E.164 form, e.g. +14155550100")]
    BadPhone,
    #[error("PagerDuty routing key must be 32 letters or digits")]
    BadRoutingKey,
    #[error("webhook secret must be 16-128 printable ASCII characters")]
    BadSecret,
    #[error("re-alert interval must be between {min} and {max} seconds", min = RealertInterval::MIN_SECS, max = RealertInterval::MAX_SECS)]
    BadRealert,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChannelKind {
    Email,
    Sms,
    Slack,
    Teams,
    Pagerduty,
    Webhook,
}

/// An outbound URL, checked for form here; where it may point (no private or loopback
/// addresses in the cloud build) is checked when it is called, after DNS resolution.
/// Its Debug form shows only scheme and host: Slack and Teams put a credential in the path.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebhookUrl(Url);

impl WebhookUrl {
    pub fn new(s: &str) -> Result<Self, ChannelError> {
        let url = Url::parse(s).map_err(|_| ChannelError::BadUrl)?;
        // Bounded as stored: parsing normalises (punycode, percent-encoding), which can
        // lengthen the text, and the stored form must read back through this check.
        let ok = s.len() <= 2048
            && url.as_str().len() <= 2048
            && matches!(url.scheme(), "http" | "https")
            && url.host().is_some();
        ok.then_some(Self(url)).ok_or(ChannelError::BadUrl)
    }
    pub fn as_url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({}://{}/…)", self.0.scheme(), self.0.host_str().unwrap_or_default())
    }
}

impl TryFrom<String> for WebhookUrl {
    type Error = ChannelError;
    fn try_from(s: String) -> Result<Self, ChannelError> {
        Self::new(&s)
    }
}
impl From<WebhookUrl> for String {
    fn from(u: WebhookUrl) -> String {
        u.0.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn new(s: &str) -> Result<Self, ChannelError> {
        let digits = s.strip_prefix('+').ok_or(ChannelError::BadPhone)?;
        let ok =
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        ok.then(|| Self(s.to_owned())).ok_or(ChannelError::BadPhone)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(PhoneNumber, ChannelError, new);

/// Defines a credential newtype that is stored as a plain string (it is needed to call
/// out, so it cannot be hashed) but never shown by Debug, so it stays out of logs.
macro_rules! kept_secret {
    ($(#[$doc:meta])* $name:ident, $check:expr, $err:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn new(s: &str) -> Result<Self, ChannelError> {
                let check: fn(&str) -> bool = $check;
                check(s).then(|| Self(s.to_owned())).ok_or($err)
            }

            /// The value itself, for the one place that uses it to call out.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        // Serde only (no Display, unlike `validated_string!`): storing it needs the value.
        impl TryFrom<String> for $name {
            type Error = ChannelError;
            fn try_from(s: String) -> Result<Self, ChannelError> {
                Self::new(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

kept_secret!(
    /// A PagerDuty Events API v2 integration (routing) key.
    RoutingKey,
    |s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric()),
    ChannelError::BadRoutingKey
);
kept_secret!(
    /// The key a generic webhook's deliveries are signed with (HMAC-SHA256), shared with
    /// the receiver so it can check them.
    SigningSecret,
    |s| (16..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()),
    ChannelError::BadSecret
);

impl SigningSecret {
    /// A new random secret (`whsec_` and about 154 random bits), shown once to its creator.
    pub fn generate() -> Self {
        Self(random_secret("whsec_"))
    }
}

/// How long a still-open, unacknowledged incident waits before it is sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct RealertInterval(Duration);

impl RealertInterval {
    /// Below five minutes a re-alert is a flood, not a reminder.
    pub const MIN_SECS: i64 = 5 * 60;
    pub const MAX_SECS: i64 = 7 * 24 * 3600;

    pub fn new(d: Duration) -> Result<Self, ChannelError> {
        let ok = (Self::MIN_SECS..=Self::MAX_SECS).contains(&d.num_seconds());
        ok.then_some(Self(d)).ok_or(ChannelError::BadRealert)
    }

    pub fn duration(self) -> Duration {
        self.0
    }
}

impl TryFrom<i64> for RealertInterval {
    type Error = ChannelError;
    /// Range-checked before a `Duration` is built: `Duration::seconds` panics far out of range.
    fn try_from(secs: i64) -> Result<Self, ChannelError> {
        if !(Self::MIN_SECS..=Self::MAX_SECS).contains(&secs) {
            return Err(ChannelError::BadRealert);
        }
        Self::new(Duration::seconds(secs))
    }
}
impl From<RealertInterval> for i64 {
    fn from(r: RealertInterval) -> i64 {
        r.0.num_seconds()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum ChannelTarget {
    Email {
        to: Email,
    },
    Sms {
        phone: PhoneNumber,
    },
    Slack {
        webhook_url: WebhookUrl,
    },
    Teams {
        webhook_url: WebhookUrl,
    },
    Pagerduty {
        routing_key: RoutingKey,
    },
    /// `secret` signs each delivery (HMAC-SHA256), so it must be kept, not hashed.
    Webhook {
        url: WebhookUrl,
        secret: SigningSecret,
    },
}

impl ChannelTarget {
    pub fn kind(&self) -> ChannelKind {
        match self {
            Self::Email { .. } => ChannelKind::Email,
            Self::Sms { .. } => ChannelKind::Sms,
            Self::Slack { .. } => ChannelKind::Slack,
            Self::Teams { .. } => ChannelKind::Teams,
            Self::Pagerduty { .. } => ChannelKind::Pagerduty,
            Self::Webhook { .. } => ChannelKind::Webhook,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: ChannelId,
    pub org_id: OrgId,
    pub name: Name,
    pub target: ChannelTarget,
    /// Incidents below this severity are not sent here.
    pub min_severity: Severity,
    /// Only monitors with one of these tags, or listed in `monitors`; both empty means
    /// all monitors.
    pub tags: BTreeSet<Slug>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub monitors: BTreeSet<MonitorId>,
    /// Whether incidents lowered because an upstream monitor is already failing (those
    /// with a `cascadeReason`) are sent here too; by default only the root cause is.
    #[serde(default)]
    pub page_cascades: bool,
    /// Send a still-open, unacknowledged incident again after this long; `None` sends
    /// each change once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realert_after: Option<RealertInterval>,
}

impl Channel {
    /// A channel for every monitor, with no cascades and no re-alerts.
    pub fn new(org_id: OrgId, name: Name, target: ChannelTarget, min_severity: Severity) -> Self {
        Self {
            id: ChannelId::generate(),
            org_id,
            name,
            target,
            min_severity,
            tags: BTreeSet::new(),
            monitors: BTreeSet::new(),
            page_cascades: false,
            realert_after: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_phones_and_keys_are_checked() {
        assert!(WebhookUrl::new("https://hooks.slack.com/services/T/B/X").is_ok());
        assert_eq!(WebhookUrl::new("ftp://x.y/"), Err(ChannelError::BadUrl));
        assert_eq!(WebhookUrl::new("not a url"), Err(ChannelError::BadUrl));
        let grows = format!("https://example.com/{}x", "\"".repeat(1000));
        assert!(grows.len() <= 2048);
        assert_eq!(
            WebhookUrl::new(&grows),
            Err(ChannelError::BadUrl),
            "its stored form would be too long to read back"
        );
        assert!(PhoneNumber::new("+14155550100").is_ok());
        assert_eq!(PhoneNumber::new("4155550100"), Err(ChannelError::BadPhone));
        assert_eq!(RoutingKey::new("short"), Err(ChannelError::BadRoutingKey));
        assert!(RoutingKey::new(&"a1".repeat(16)).is_ok());
        assert_eq!(SigningSecret::new("too-short"), Err(ChannelError::BadSecret));
        assert_eq!(SigningSecret::new("has a space in it, sadly"), Err(ChannelError::BadSecret));
        assert!(RealertInterval::new(Duration::minutes(1)).is_err());
        assert!(RealertInterval::new(Duration::hours(1)).is_ok());
        for extreme in [i64::MAX, i64::MIN, i64::MAX / 1000 + 1, -1, 0] {
            assert_eq!(RealertInterval::try_from(extreme), Err(ChannelError::BadRealert), "{extreme}");
        }
    }

    #[test]
    fn credentials_stay_out_of_debug_output() {
        let secret = SigningSecret::generate();
        assert!(secret.expose_secret().starts_with("whsec_"));
        assert!(secret.expose_secret().len() >= 32);
        assert_ne!(secret, SigningSecret::generate());
        let url = WebhookUrl::new("https://hooks.slack.com/services/T0/B0/XXXXSECRET").unwrap();
        let target = ChannelTarget::Webhook { url: url.clone(), secret: secret.clone() };
        let shown = format!("{target:?} {url:?} {:?}", RoutingKey::new(&"k".repeat(32)).unwrap());
        assert!(!shown.contains(secret.expose_secret()), "{shown}");
        assert!(!shown.contains("XXXXSECRET"), "{shown}");
        assert!(!shown.contains(&"k".repeat(32)), "{shown}");
        assert!(shown.contains("hooks.slack.com"), "{shown}");
    }

    #[test]
    fn wire_form_is_tagged_by_kind() {
        let t: ChannelTarget =
            serde_json::from_str(r#"{"kind":"SLACK","webhookUrl":"https://hooks.slack.com/x"}"#).unwrap();
        assert_eq!(t.kind(), ChannelKind::Slack);
        assert!(serde_json::from_str::<ChannelTarget>(r#"{"kind":"SLACK","webhookUrl":"nope"}"#).is_err());
        let weak = r#"{"kind":"WEBHOOK","url":"https://x.example/h","secret":"short"}"#;
        assert!(serde_json::from_str::<ChannelTarget>(weak).is_err(), "a stored secret is checked when read");
    }

    #[test]
    fn new_fields_default_when_absent() {
        let org = OrgId::generate();
        let ch = Channel::new(
            org,
            Name::new("ops").unwrap(),
            ChannelTarget::Email { to: Email::new("a@b.co").unwrap() },
            Severity::Low,
        );
        let mut json = serde_json::to_value(&ch).unwrap();
        assert!(json.get("monitors").is_none() && json.get("realertAfter").is_none());
        json.as_object_mut().unwrap().remove("pageCascades");
        let back: Channel = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, ch);
        json["realertAfter"] = 3600.into();
        let back: Channel = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back.realert_after.map(|r| r.duration()), Some(Duration::hours(1)));
        json["realertAfter"] = 10.into();
        assert!(serde_json::from_value::<Channel>(json).is_err());
    }
}
