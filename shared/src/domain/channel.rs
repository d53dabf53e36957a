//! Notification channels: where an org hears about incidents.
use super::ids::{ChannelId, OrgId};
use super::incident::Severity;
use super::org::Email;
use super::text::{Name, Slug, validated_string};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("webhook URL must be an absolute http(s) URL of at most 2048 characters")]
    BadUrl,
    #[error("phone number must be in E.164 form, e.g. +14155550100")]
    BadPhone,
    #[error("PagerDuty routing key must be 32 letters or digits")]
    BadRoutingKey,
    #[error("webhook secret must be 16-128 characters")]
    BadSecret,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
        let ok = (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        ok.then(|| Self(s.to_owned())).ok_or(ChannelError::BadPhone)
    }
}

validated_string!(PhoneNumber, ChannelError, new);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum ChannelTarget {
    Email { to: Email },
    Sms { phone: PhoneNumber },
    Slack { webhook_url: WebhookUrl },
    Teams { webhook_url: WebhookUrl },
    Pagerduty { routing_key: String },
    /// `secret` signs each delivery (HMAC-SHA256), so it must be kept, not hashed.
    Webhook { url: WebhookUrl, secret: String },
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

    /// The checks serde's field types cannot express.
    pub fn validate(&self) -> Result<(), ChannelError> {
        match self {
            Self::Pagerduty { routing_key }
                if routing_key.len() != 32 || !routing_key.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Err(ChannelError::BadRoutingKey)
            }
            Self::Webhook { secret, .. } if !(16..=128).contains(&secret.len()) => Err(ChannelError::BadSecret),
            _ => Ok(()),
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
    /// Only monitors with one of these tags; empty means all monitors.
    pub tags: BTreeSet<Slug>,
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
        assert_eq!(WebhookUrl::new(&grows), Err(ChannelError::BadUrl), "its stored form would be too long to read back");
        assert!(PhoneNumber::new("+14155550100").is_ok());
        assert_eq!(PhoneNumber::new("4155550100"), Err(ChannelError::BadPhone));
        let pd = ChannelTarget::Pagerduty { routing_key: "short".into() };
        assert_eq!(pd.validate(), Err(ChannelError::BadRoutingKey));
    }

    #[test]
    fn wire_form_is_tagged_by_kind() {
        let t: ChannelTarget =
            serde_json::from_str(r#"{"kind":"SLACK","webhookUrl":"https://hooks.slack.com/x"}"#).unwrap();
        assert_eq!(t.kind(), ChannelKind::Slack);
        assert!(serde_json::from_str::<ChannelTarget>(r#"{"kind":"SLACK","webhookUrl":"nope"}"#).is_err());
    }
}
