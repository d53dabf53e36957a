//! "Send test": one test message to one channel, rendered and sent exactly as real
//! notifications are (same formats, same transports and SSRF guard), in a single attempt
//! so the person who asked sees the receiver's answer at once. Not written to the
//! delivery log, which belongs to incidents.
use crate::domain::channel::{Channel, WebhookUrl};
use crate::domain::notification::delivery::Delivery;
use crate::domain::notification::test_message::{test_context, test_incident};
use crate::domain::notification::{Notice, render};
use crate::domain::org::Org;
use crate::services::deliver::{RetryPolicy, Transports, deliver};
use crate::services::notify::NotifierTransports;
use chrono::{DateTime, Utc};
use url::Url;

pub struct ChannelTester {
    transports: NotifierTransports,
    /// The web app's base URL, for the links in the message.
    app_url: Url,
    /// Overrides PagerDuty's endpoint (tests point it at a loopback receiver).
    pub pagerduty_url: Option<WebhookUrl>,
}

impl ChannelTester {
    pub fn new(transports: NotifierTransports, app_url: Url) -> Self {
        Self { transports, app_url, pagerduty_url: None }
    }

    /// Sends `org`'s test message to `channel` once, and says how it went.
    #[tracing::instrument(skip_all, fields(org_id = %org.id, channel_id = %channel.id))]
    pub async fn send(&self, org: &Org, channel: &Channel, now: DateTime<Utc>) -> Delivery {
        let incident = test_incident(&org.id, now);
        let notice = Notice::test(&incident, now);
        let mut ctx = test_context(org.name.clone(), self.app_url.clone());
        if let Some(url) = &self.pagerduty_url {
            ctx.pagerduty_url = url.clone();
        }
        let message = render(&notice, &channel.target, &ctx);
        let tx =
            Transports { http: &*self.transports.http, email: &*self.transports.email, sms: &*self.transports.sms };
        let once = RetryPolicy { max_attempts: 1, ..RetryPolicy::default() };
        deliver(&tx, &once, channel, &notice.id(), &message).await
    }
}
