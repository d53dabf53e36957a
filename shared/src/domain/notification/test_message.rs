//! The test message a person sends to check a channel: about a stand-in incident with
//! all-zero ids (so no real incident, monitor or PagerDuty alert can be mistaken for it,
//! and repeated tests share one PagerDuty `dedup_key`), worded as a test.
use super::{Notice, NotifyContext, Occasion};
use crate::domain::ids::{IncidentId, MonitorId, OrgId};
use crate::domain::incident::{Incident, IncidentKind, Severity};
use crate::domain::text::Name;
use chrono::{DateTime, Utc};
use url::Url;

/// What every test message says instead of an incident's description.
pub const TEST_DESCRIPTION: &str =
    "This is a test notification from Tokiflow: nothing is wrong. If you can read it, this channel works.";
/// The monitor name test messages show.
pub const TEST_MONITOR_NAME: &str = "Tokiflow test";

const ZEROS: &str = "00000000000000000000000000000000";

/// The stand-in incident of `org`'s test messages, opened at `now`.
pub fn test_incident(org: &OrgId, now: DateTime<Utc>) -> Incident {
    let id = |prefix: &str| format!("{prefix}_{ZEROS}");
    let monitor = MonitorId::parse(&id(MonitorId::PREFIX)).expect("a well-formed id");
    let mut incident = Incident::open(org.clone(), monitor, IncidentKind::Fail, Severity::Low, now);
    incident.id = IncidentId::parse(&id(IncidentId::PREFIX)).expect("a well-formed id");
    incident.summary = Some(TEST_DESCRIPTION.to_owned());
    incident
}

impl<'a> Notice<'a> {
    /// The test message about `incident` (from `test_incident`), sent at `now`.
    pub fn test(incident: &'a Incident, now: DateTime<Utc>) -> Self {
        Self { occasion: Occasion::Test, at: now, incident }
    }
}

/// The rendering context of `org_name`'s test messages.
pub fn test_context(org_name: Name, app_url: Url) -> NotifyContext {
    NotifyContext::new(org_name, Name::new(TEST_MONITOR_NAME).expect("a valid name"), app_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::channel::{ChannelTarget, SigningSecret, WebhookUrl};
    use crate::domain::notification::{Message, render};

    #[test]
    fn a_test_message_says_it_is_a_test_in_every_format() {
        let now: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        let incident = test_incident(&OrgId::generate(), now);
        let notice = Notice::test(&incident, now);
        assert_eq!(notice.event_type(), "incident.test");
        assert_eq!(notice.id(), format!("inc_{ZEROS}#TEST#{}", now.timestamp()));
        let ctx = test_context(Name::new("Acme").unwrap(), "https://app.example/".parse().unwrap());
        let webhook = ChannelTarget::Webhook {
            url: WebhookUrl::new("https://hooks.example/x").unwrap(),
            secret: SigningSecret::new("0123456789abcdef0123").unwrap(),
        };
        let Message::Post(post) = render(&notice, &webhook, &ctx) else { panic!("a webhook is a POST") };
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        assert_eq!(body["type"], "incident.test");
        assert_eq!(body["monitor"]["name"], TEST_MONITOR_NAME);
        let slack =
            ChannelTarget::Slack { webhook_url: WebhookUrl::new("https://hooks.slack.com/services/T/B/X").unwrap() };
        let Message::Post(post) = render(&notice, &slack, &ctx) else { panic!("Slack is a POST") };
        assert!(post.body.contains("Test notification") && post.body.contains("nothing is wrong"), "{}", post.body);
    }
}
