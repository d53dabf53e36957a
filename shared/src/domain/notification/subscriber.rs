//! What a status page's subscribers are sent: the confirmation request of a new
//! subscription, and the page's news. E-mail (text and HTML), Slack Block Kit, or a
//! signed JSON webhook; every message carries a one-click unsubscribe link.
use super::webhook::{EVENT_HEADER, EVENT_ID_HEADER};
use super::{EmailMessage, HttpPost, Message, clip};
use crate::domain::status_page::subscriber::{Announcement, SubscriberTarget};
use crate::domain::text::escape;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Where a message's links point.
#[derive(Debug, Clone)]
pub struct SubscriberLinks {
    pub page_name: String,
    pub page_url: String,
    pub unsubscribe_url: String,
}

/// One message, whatever it is about, before it takes its target's form.
struct Letter<'a> {
    event_type: String,
    id: String,
    subject: String,
    body: String,
    /// The button: confirm the subscription, or see the page.
    action: (&'static str, &'a str),
    at: DateTime<Utc>,
    links: &'a SubscriberLinks,
}

/// The request to confirm a subscription (double opt-in).
pub fn verification(
    target: &SubscriberTarget,
    verify_url: &str,
    links: &SubscriberLinks,
    now: DateTime<Utc>,
) -> Message {
    render(
        target,
        &Letter {
            event_type: "subscription.verify".into(),
            id: format!("verify#{}", now.timestamp_millis()),
            subject: format!("Confirm your subscription to {}", links.page_name),
            body: format!(
                "Someone (hopefully you) asked to be told about changes to {}. Confirm to start; if it was not you, ignore this message.",
                links.page_name
            ),
            action: ("Confirm subscription", verify_url),
            at: now,
            links,
        },
    )
}

/// `news` for one subscriber.
pub fn announcement(target: &SubscriberTarget, news: &Announcement, links: &SubscriberLinks) -> Message {
    render(
        target,
        &Letter {
            event_type: format!("status.{}", news.event.code()),
            id: news.id.clone(),
            subject: format!("[{}] {}", links.page_name, news.title),
            body: news.body.clone(),
            action: ("View status page", &links.page_url),
            at: news.at,
            links,
        },
    )
}

fn render(target: &SubscriberTarget, l: &Letter) -> Message {
    match target {
        SubscriberTarget::Email { address } => Message::Email(EmailMessage {
            to: address.clone(),
            subject: clip(&l.subject, 200),
            text: format!(
                "{}\n\n{}\n\n{}: {}\n\nUnsubscribe: {}\n",
                l.subject, l.body, l.action.0, l.action.1, l.links.unsubscribe_url
            ),
            html: format!(
                "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<h2>{}</h2>\n<p>{}</p>\n<p><a href=\"{}\">{}</a></p>\n<p style=\"color:#666;font-size:small\"><a href=\"{}\">Unsubscribe</a></p>\n</body></html>\n",
                escape(&l.subject),
                escape(&l.body),
                escape(l.action.1),
                l.action.0,
                escape(&l.links.unsubscribe_url)
            ),
        }),
        SubscriberTarget::Slack { webhook_url } => {
            let body = json!({
                "text": l.subject,
                "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": clip(&l.subject, 150), "emoji": true}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(&clip(&l.body, 2900))}},
                    {"type": "actions", "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": l.action.0}, "url": l.action.1},
                    ]},
                    {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("<{}|Unsubscribe>", l.links.unsubscribe_url)}]},
                ],
            });
            Message::Post(HttpPost {
                url: webhook_url.clone(),
                headers: Vec::new(),
                body: body.to_string(),
                sign_with: None,
            })
        }
        SubscriberTarget::Webhook { url, secret } => {
            let body = json!({
                "id": l.id,
                "type": l.event_type,
                "createdAt": l.at,
                "page": {"name": l.links.page_name, "url": l.links.page_url},
                "title": l.subject,
                "body": l.body,
                "actionUrl": l.action.1,
                "unsubscribeUrl": l.links.unsubscribe_url,
            });
            Message::Post(HttpPost {
                url: url.clone(),
                headers: vec![(EVENT_HEADER, l.event_type.clone()), (EVENT_ID_HEADER, l.id.clone())],
                body: body.to_string(),
                sign_with: Some(secret.clone()),
            })
        }
    }
}

fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::channel::{SigningSecret, WebhookUrl};
    use crate::domain::org::Email;
    use crate::domain::status_page::subscriber::SubscriberEvent;

    fn links() -> SubscriberLinks {
        SubscriberLinks {
            page_name: "Acme <Status>".into(),
            page_url: "https://status.example.com/status/acme".into(),
            unsubscribe_url: "https://status.example.com/status/acme/unsubscribe?token=sub_1.abc".into(),
        }
    }

    fn news() -> Announcement {
        Announcement {
            id: "cmp_1#major_outage#1".into(),
            event: SubscriberEvent::Outage,
            components: vec![],
            title: "API: major outage".into(),
            body: "API changed from operational to major outage.".into(),
            at: "2026-03-31T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn every_form_carries_the_unsubscribe_link() {
        let l = links();
        let email = SubscriberTarget::Email { address: Email::new("a@example.com").unwrap() };
        let Message::Email(m) = announcement(&email, &news(), &l) else { panic!("an e-mail") };
        assert_eq!(m.subject, "[Acme <Status>] API: major outage");
        assert!(m.text.contains(&l.unsubscribe_url) && m.html.contains("unsubscribe?token=sub_1.abc"));
        assert!(m.html.contains("Acme &lt;Status&gt;"), "escaped in HTML");

        let slack =
            SubscriberTarget::Slack { webhook_url: WebhookUrl::new("https://hooks.slack.com/services/x").unwrap() };
        let Message::Post(p) = announcement(&slack, &news(), &l) else { panic!("a post") };
        let v: serde_json::Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(v["blocks"][3]["elements"][0]["text"], format!("<{}|Unsubscribe>", l.unsubscribe_url));
        assert!(p.sign_with.is_none());

        let hook = SubscriberTarget::Webhook {
            url: WebhookUrl::new("https://example.com/h").unwrap(),
            secret: SigningSecret::generate(),
        };
        let Message::Post(p) = verification(&hook, "https://x/verify?token=t", &l, Utc::now()) else {
            panic!("a post")
        };
        let v: serde_json::Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["actionUrl"].as_str()),
            (Some("subscription.verify"), Some("https://x/verify?token=t"))
        );
        assert_eq!(v["unsubscribeUrl"], l.unsubscribe_url);
        assert!(p.sign_with.is_some(), "signed as channel webhooks are");
    }
}
