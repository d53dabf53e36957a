//! Notifications: what each channel is sent about an incident (its documented payload),
//! who is sent it (routing), and the record of sending it (delivery). Pure: rendering takes
//! the incident, a little context and nothing else; signing takes the time as a parameter.
pub mod delivery;
pub mod email;
pub mod pagerduty;
pub mod record;
pub mod routing;
pub mod slack;
pub mod sms;
pub mod subscriber;
pub mod teams;
pub mod test_message;
pub mod webhook;

use super::channel::{ChannelTarget, PhoneNumber, SigningSecret, WebhookUrl};
use super::ids::{IncidentId, MonitorId};
use super::incident::{Incident, IncidentKind, Severity};
use super::incident_event::{IncidentChange, IncidentEvent};
use super::org::Email;
use super::text::Name;
use chrono::{DateTime, Utc};
use std::fmt;
use test_message::TEST_DESCRIPTION;
use url::Url;

/// Why a message is sent: a change of the incident, or a reminder that it is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occasion {
    Change(IncidentChange),
    /// The `n`th re-alert (from 1) for an incident still open after the channel's
    /// re-alert interval.
    Reminder(u32),
    /// A test a person asked for, about `test_incident`: nothing is wrong.
    Test,
}

impl Occasion {
    pub fn kind(self) -> NoticeKind {
        match self {
            Self::Change(IncidentChange::Opened) => NoticeKind::Opened,
            Self::Change(IncidentChange::Escalated) => NoticeKind::Escalated,
            Self::Change(IncidentChange::Acknowledged) => NoticeKind::Acknowledged,
            Self::Change(IncidentChange::Resolved) => NoticeKind::Resolved,
            Self::Reminder(_) => NoticeKind::Reminder,
            Self::Test => NoticeKind::Test,
        }
    }
}

/// What a message was about, as the delivery log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NoticeKind {
    Opened,
    Escalated,
    Acknowledged,
    Resolved,
    Reminder,
    Test,
}

impl NoticeKind {
    /// Messages that raise an alert (as opposed to standing one down).
    pub fn raises(self) -> bool {
        matches!(self, Self::Opened | Self::Escalated | Self::Reminder)
    }
}

/// What one message is about.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub occasion: Occasion,
    pub at: DateTime<Utc>,
    pub incident: &'a Incident,
}

impl<'a> From<&'a IncidentEvent> for Notice<'a> {
    fn from(e: &'a IncidentEvent) -> Self {
        Self { occasion: Occasion::Change(e.change), at: e.at, incident: &e.incident }
    }
}

impl<'a> Notice<'a> {
    /// The `n`th reminder (from 1) that `incident` is still open.
    pub fn reminder(incident: &'a Incident, n: u32, now: DateTime<Utc>) -> Self {
        Self { occasion: Occasion::Reminder(n), at: now, incident }
    }

    /// Unique per message and the same for every delivery of it; a generic webhook's
    /// receiver sees it as `Tokiflow-Event-Id` and the body's `id`, to drop duplicates.
    pub fn id(&self) -> String {
        match self.occasion {
            Occasion::Change(change) => IncidentEvent { change, at: self.at, incident: self.incident.clone() }.key(),
            // Numbered, not timed: two sweeps that both find reminder `n` due claim one key.
            Occasion::Reminder(n) => format!("{}#REMINDER#{n}", self.incident.id),
            Occasion::Test => format!("{}#TEST#{}", self.incident.id, self.at.timestamp()),
        }
    }

    /// The event type a generic webhook receives, e.g. `incident.opened`.
    pub fn event_type(&self) -> &'static str {
        match self.occasion {
            Occasion::Change(IncidentChange::Opened) => "incident.opened",
            Occasion::Change(IncidentChange::Escalated) => "incident.escalated",
            Occasion::Change(IncidentChange::Acknowledged) => "incident.acknowledged",
            Occasion::Change(IncidentChange::Resolved) => "incident.resolved",
            Occasion::Reminder(_) => "incident.reminder",
            Occasion::Test => "incident.test",
        }
    }
}

/// The PagerDuty Events API v2 endpoint, unless the context says otherwise.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// What rendering needs besides the incident: names to show and where links point.
#[derive(Debug, Clone)]
pub struct NotifyContext {
    pub org_name: Name,
    pub monitor_name: Name,
    /// The start of the last run's output, if any.
    pub output_preview: Option<String>,
    /// The web app's base URL; links are `{app_url}/incidents/{id}` and `/monitors/{id}`.
    pub app_url: Url,
    /// Where PagerDuty events go (tests point it at a local receiver).
    pub pagerduty_url: WebhookUrl,
}

impl NotifyContext {
    pub fn new(org_name: Name, monitor_name: Name, app_url: Url) -> Self {
        let pagerduty_url = WebhookUrl::new(PAGERDUTY_EVENTS_URL).expect("the PagerDuty URL is valid");
        Self { org_name, monitor_name, output_preview: None, app_url, pagerduty_url }
    }

    pub fn incident_url(&self, id: &IncidentId) -> String {
        self.link(&format!("incidents/{id}"))
    }

    pub fn monitor_url(&self, id: &MonitorId) -> String {
        self.link(&format!("monitors/{id}"))
    }

    fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.app_url.as_str().trim_end_matches('/'))
    }
}

/// A rendered message, ready for the transport.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Post(HttpPost),
    Email(EmailMessage),
    Sms(SmsMessage),
}

/// A JSON POST to a webhook. The body may hold a credential (PagerDuty's routing key) and
/// the URL one (Slack's, Teams'), so Debug shows neither.
#[derive(Clone, PartialEq)]
pub struct HttpPost {
    pub url: WebhookUrl,
    /// Besides `Content-Type: application/json`, which the transport sets.
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Set for generic webhooks: each attempt is signed at the time it is sent, so a
    /// retried delivery is not rejected as stale (see `webhook::signature_header`).
    pub sign_with: Option<SigningSecret>,
}

impl fmt::Debug for HttpPost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpPost")
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field("signed", &self.sign_with.is_some())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmailMessage {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SmsMessage {
    pub to: PhoneNumber,
    pub text: String,
}

/// The message `target` is sent about `notice`, in the form its service documents.
pub fn render(notice: &Notice, target: &ChannelTarget, ctx: &NotifyContext) -> Message {
    let facts = Facts::new(notice, ctx);
    match target {
        ChannelTarget::Slack { webhook_url } => Message::Post(json_post(webhook_url, slack::payload(&facts))),
        ChannelTarget::Teams { webhook_url } => Message::Post(json_post(webhook_url, teams::payload(&facts))),
        ChannelTarget::Pagerduty { routing_key } => {
            Message::Post(json_post(&ctx.pagerduty_url, pagerduty::payload(&facts, routing_key)))
        }
        ChannelTarget::Webhook { url, secret } => Message::Post(webhook::post(&facts, url, secret)),
        ChannelTarget::Email { to } => Message::Email(email::message(&facts, to)),
        ChannelTarget::Sms { phone } => Message::Sms(sms::message(&facts, phone)),
    }
}

fn json_post(url: &WebhookUrl, body: serde_json::Value) -> HttpPost {
    HttpPost { url: url.clone(), headers: Vec::new(), body: body.to_string(), sign_with: None }
}

/// The wording every format shares, worked out once.
pub(crate) struct Facts<'a> {
    pub notice: &'a Notice<'a>,
    pub ctx: &'a NotifyContext,
    pub incident_url: String,
    pub monitor_url: String,
}

impl<'a> Facts<'a> {
    fn new(notice: &'a Notice<'a>, ctx: &'a NotifyContext) -> Self {
        let incident_url = ctx.incident_url(&notice.incident.id);
        let monitor_url = ctx.monitor_url(&notice.incident.monitor_id);
        Self { notice, ctx, incident_url, monitor_url }
    }

    pub fn incident(&self) -> &Incident {
        self.notice.incident
    }

    pub fn monitor(&self) -> &str {
        self.ctx.monitor_name.as_str()
    }

    /// "Incident opened", "Escalated to critical", …
    pub fn what(&self) -> String {
        match self.notice.occasion {
            Occasion::Change(IncidentChange::Opened) => "Incident opened".into(),
            Occasion::Change(IncidentChange::Escalated) => {
                format!("Escalated to {}", severity_label(self.incident().severity).to_lowercase())
            }
            Occasion::Change(IncidentChange::Acknowledged) => "Acknowledged".into(),
            Occasion::Change(IncidentChange::Resolved) => "Resolved".into(),
            Occasion::Reminder(_) => "Still open".into(),
            Occasion::Test => "Test notification".into(),
        }
    }

    /// One line naming the change and the monitor, e.g. "Incident opened: Backup (missed)".
    pub fn title(&self) -> String {
        format!("{}: {} ({})", self.what(), self.monitor(), kind_label(self.incident().kind).to_lowercase())
    }

    /// A marker for chat headers.
    pub fn emoji(&self) -> &'static str {
        match self.notice.occasion {
            Occasion::Change(IncidentChange::Opened | IncidentChange::Escalated) => "🔴",
            Occasion::Change(IncidentChange::Acknowledged) => "🟡",
            Occasion::Change(IncidentChange::Resolved) => "✅",
            Occasion::Reminder(_) => "🔁",
            Occasion::Test => "🔔",
        }
    }

    /// Whether the incident is over (resolved): colours and wording turn to "good".
    pub fn is_good_news(&self) -> bool {
        self.notice.occasion == Occasion::Change(IncidentChange::Resolved)
    }

    /// What happened, in a sentence or two: the kind, the incident's own summary and, for
    /// a cascaded incident, its likely cause.
    pub fn description(&self) -> String {
        if self.notice.occasion == Occasion::Test {
            return TEST_DESCRIPTION.to_owned();
        }
        let i = self.incident();
        let mut s = match i.kind {
            IncidentKind::Missed => "No ping arrived by the deadline.".to_owned(),
            IncidentKind::Late => "A run started and did not finish within its maximum runtime.".to_owned(),
            IncidentKind::Fail => "The job reported a failure.".to_owned(),
            IncidentKind::Degraded => match i.z_score {
                Some(z) => format!("The job succeeded, but its duration was unusual ({z:.1} standard deviations off)."),
                // Only probes open DEGRADED without a z-score.
                None => "The site answers, but slower than its limit.".to_owned(),
            },
            IncidentKind::Down => "The probe failed its checks.".to_owned(),
            IncidentKind::CertExpiry => "The site's TLS certificate expires soon.".to_owned(),
        };
        if let Some(summary) = i.summary.as_deref().filter(|s| !s.trim().is_empty()) {
            s.push(' ');
            s.push_str(&clip(summary.trim(), 300));
        }
        if let Some(reason) = &i.cascade_reason {
            s.push_str(" Probably caused by: ");
            s.push_str(&clip(reason, 200));
        }
        s
    }

    /// The output preview, clipped to `max` characters; `None` when there is none.
    pub fn preview(&self, max: usize) -> Option<String> {
        let p = self.ctx.output_preview.as_deref()?.trim_end();
        (!p.is_empty()).then(|| clip(p, max))
    }

    pub fn at(&self) -> String {
        self.notice.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }
}

pub fn kind_label(kind: IncidentKind) -> &'static str {
    match kind {
        IncidentKind::Missed => "Missed",
        IncidentKind::Late => "Late",
        IncidentKind::Fail => "Failed",
        IncidentKind::Degraded => "Degraded",
        IncidentKind::Down => "Down",
        IncidentKind::CertExpiry => "Certificate expiring",
    }
}

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// At most `max` characters of `s`, ending in "…" when cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    clip_with(s, max, "…")
}

/// At most `max` characters of `s`, ending in `ellipsis` when cut.
pub(crate) fn clip_with(s: &str, max: usize, ellipsis: &str) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(ellipsis.chars().count())).collect();
    out.push_str(ellipsis);
    out
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::domain::ids::{IncidentId, MonitorId, OrgId};
    use crate::domain::incident::IncidentStatus;

    pub fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// A fixed incident, so payloads can be compared whole.
    pub fn incident() -> Incident {
        Incident {
            id: IncidentId::parse("inc_0193a1b2c3d4e5f60718293a4b5c6d7e").unwrap(),
            org_id: OrgId::parse("org_0193a1b2c3d4e5f60718293a4b5c6d7e").unwrap(),
            monitor_id: MonitorId::parse("mon_0193a1b2c3d4e5f60718293a4b5c6d7e").unwrap(),
            kind: IncidentKind::Missed,
            severity: Severity::High,
            status: IncidentStatus::Open,
            opened_at: at("2026-11-23T10:00:00Z"),
            acknowledged_at: None,
            resolved_at: None,
            z_score: None,
            cascade_reason: None,
            summary: None,
        }
    }

    pub fn event(change: IncidentChange) -> IncidentEvent {
        IncidentEvent { change, at: at("2026-11-23T10:00:00Z"), incident: incident() }
    }

    pub fn ctx() -> NotifyContext {
        let mut c = NotifyContext::new(
            Name::new("Acme").unwrap(),
            Name::new("Nightly backup").unwrap(),
            "https://app.tokiflow.test/".parse().unwrap(),
        );
        c.output_preview = Some("pg_dump: error: connection refused\n".into());
        c
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn links_and_ids() {
        let c = ctx();
        let e = event(IncidentChange::Opened);
        assert_eq!(
            c.incident_url(&e.incident.id),
            "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e"
        );
        let n = Notice::from(&e);
        assert_eq!(n.id(), e.key());
        let r = Notice::reminder(&e.incident, 2, at("2026-11-23T11:00:00Z"));
        assert_eq!(r.id(), format!("{}#REMINDER#2", e.incident.id));
        let later = Notice::reminder(&e.incident, 2, at("2026-11-23T11:00:09Z"));
        assert_eq!(later.id(), r.id(), "the same reminder, found by a later sweep");
        assert_eq!(r.event_type(), "incident.reminder");
    }

    #[test]
    fn wording() {
        let c = ctx();
        let mut e = event(IncidentChange::Escalated);
        e.incident.severity = Severity::Critical;
        e.incident.cascade_reason = Some("upstream db-primary is failing".into());
        let n = Notice::from(&e);
        let f = Facts::new(&n, &c);
        assert_eq!(f.title(), "Escalated to critical: Nightly backup (missed)");
        assert_eq!(
            f.description(),
            "No ping arrived by the deadline. Probably caused by: upstream db-primary is failing"
        );
        assert_eq!(f.preview(10).as_deref(), Some("pg_dump: …"));
        assert_eq!(clip("abc", 3), "abc");
    }
}
