//! A status page's subscribers: subscribing (double opt-in), confirming, unsubscribing
//! with one click, and sending them the page's news through the notifier's transports.
use crate::domain::channel::{SigningSecret, WebhookUrl};
use crate::domain::ids::ComponentId;
use crate::domain::notification::delivery::DeliveryOutcome;
use crate::domain::notification::subscriber::{SubscriberLinks, announcement, verification};
use crate::domain::org::Email;
use crate::domain::status_page::StatusPage;
use crate::domain::status_page::subscriber::{
    Admission, Announcement, NewSubscription, Subscriber, SubscriberError, SubscriberEvent, SubscriberTarget,
    SubscriberToken, admit, check_components,
};
use crate::domain::status_page::view::PageLocation;
use crate::ports::store::{StoreError, SubscriberStore};
use crate::services::deliver::{RetryPolicy, Transports, send_with_retries};
use crate::services::notify::NotifierTransports;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::BTreeSet;
use std::sync::Arc;

/// How many subscribers are sent to at once.
const SEND_CONCURRENCY: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// Names the field at fault.
    #[error("{message}")]
    Invalid { field: &'static str, message: String },
    #[error("the token is invalid or has expired")]
    BadToken,
    #[error("this page takes no more subscribers")]
    Full,
    /// The page took as many sign-ups as it takes in an hour.
    #[error("too many sign-ups for this page just now")]
    Busy { retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SubscriberError> for SubscribeError {
    fn from(e: SubscriberError) -> Self {
        match e {
            SubscriberError::BadToken => Self::BadToken,
            SubscriberError::NoEvents => Self::Invalid { field: "events", message: e.to_string() },
            SubscriberError::UnknownComponent => Self::Invalid { field: "components", message: e.to_string() },
        }
    }
}

/// A subscription request as it arrives (JSON or a form), before the domain's checks.
#[derive(Debug, Clone, Default)]
pub struct SubscribeInput {
    pub email: Option<String>,
    pub webhook_url: Option<String>,
    pub slack_webhook_url: Option<String>,
    pub components: Vec<String>,
    /// Empty: every kind of change.
    pub events: Vec<String>,
}

/// What a subscription answers: the id, and for a webhook the signing secret (shown once).
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub subscriber: Subscriber,
    pub signing_secret: Option<SigningSecret>,
}

/// What became of one piece of news.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AnnounceReport {
    pub sent: usize,
    pub failed: usize,
}

pub struct SubscriberService {
    store: Arc<dyn SubscriberStore>,
    transports: NotifierTransports,
    policy: RetryPolicy,
}

fn invalid(field: &'static str, message: impl ToString) -> SubscribeError {
    SubscribeError::Invalid { field, message: message.to_string() }
}

impl SubscriberService {
    pub fn new(store: Arc<dyn SubscriberStore>, transports: NotifierTransports, policy: RetryPolicy) -> Self {
        Self { store, transports, policy }
    }

    /// Links go to the page at `at` (where it was subscribed to, or its public address).
    fn links(&self, page: &StatusPage, at: &PageLocation, unsubscribe: &SubscriberToken) -> SubscriberLinks {
        let page_url = at.url("");
        SubscriberLinks {
            page_name: page.name.to_string(),
            unsubscribe_url: format!("{page_url}/unsubscribe?token={}", unsubscribe.reveal()),
            page_url,
        }
    }

    /// Stores an unconfirmed subscription and sends the request to confirm it. A pending
    /// request for the same address is replaced; a confirmed subscription stays as it is
    /// until the new one is confirmed (then the new one replaces it), so nobody can change
    /// another's subscription, and the answer says nothing about who is subscribed.
    pub async fn subscribe(
        &self,
        page: &StatusPage,
        at: &PageLocation,
        input: SubscribeInput,
        now: DateTime<Utc>,
    ) -> Result<Subscribed, SubscribeError> {
        let (target, signing_secret) = target_of(&input)?;
        let components = input
            .components
            .iter()
            .map(|c| ComponentId::parse(c).ok_or_else(|| invalid("components", "not a component id")))
            .collect::<Result<BTreeSet<_>, _>>()?;
        check_components(&components, &page.components)?;
        let events = if input.events.is_empty() {
            SubscriberEvent::ALL.into_iter().collect()
        } else {
            input.events.iter().map(|e| event_of(e)).collect::<Result<BTreeSet<_>, _>>()?
        };
        let NewSubscription { subscriber, verify, unsubscribe } =
            Subscriber::subscribe(page.id.clone(), target, components, events, now)?;
        let existing = self.store.subscribers_of_page(&page.id).await?;
        match admit(&existing, &subscriber, now) {
            Admission::Admit => {}
            Admission::AlreadyAsked => {
                tracing::info!(page_id = %page.id, kind = ?subscriber.target.kind(), "sign-up repeated within minutes: nothing sent");
                return Ok(Subscribed { subscriber, signing_secret: None });
            }
            Admission::Busy { retry_after_secs } => return Err(SubscribeError::Busy { retry_after_secs }),
            Admission::Full => return Err(SubscribeError::Full),
        }
        // A pending request for this address is replaced; expired ones are forgotten.
        for gone in existing.iter().filter(|s| s.has_expired(now) || (!s.is_verified() && same_address(s, &subscriber)))
        {
            self.store.delete_subscriber(&page.id, &gone.id).await?;
        }
        self.store.put_subscriber(&subscriber).await?;
        let verify_url = at.url(&format!("/subscribe/verify?token={}", verify.reveal()));
        let message = verification(&subscriber.target, &verify_url, &self.links(page, at, &unsubscribe), now);
        let (outcome, _) = send_with_retries(&self.tx(), &self.policy, &message).await;
        tracing::info!(page_id = %page.id, subscriber_id = %subscriber.id, kind = ?subscriber.target.kind(), ?outcome, "subscription requested");
        Ok(Subscribed { subscriber, signing_secret })
    }

    /// Confirms a subscription from the link in its request; an older subscription of the
    /// same address ends (the confirmed one replaces it). A second click is fine.
    pub async fn verify(
        &self,
        page: &StatusPage,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Subscriber, SubscribeError> {
        let token = SubscriberToken::parse(token).ok_or(SubscribeError::BadToken)?;
        let mut subscriber =
            self.store.subscriber(&page.id, token.subscriber_id()).await?.ok_or(SubscribeError::BadToken)?;
        let first_time = !subscriber.is_verified();
        subscriber.verify(&token, now)?;
        if first_time {
            self.store.put_subscriber(&subscriber).await?;
            for older in self.store.subscribers_of_page(&page.id).await? {
                if older.id != subscriber.id && same_address(&older, &subscriber) {
                    self.store.delete_subscriber(&page.id, &older.id).await?;
                }
            }
            tracing::info!(page_id = %page.id, subscriber_id = %subscriber.id, "subscription confirmed");
        }
        Ok(subscriber)
    }

    /// Ends a subscription from the link in any of its recent messages.
    pub async fn unsubscribe(&self, page: &StatusPage, token: &str) -> Result<(), SubscribeError> {
        let token = SubscriberToken::parse(token).ok_or(SubscribeError::BadToken)?;
        let subscriber =
            self.store.subscriber(&page.id, token.subscriber_id()).await?.ok_or(SubscribeError::BadToken)?;
        if !subscriber.may_unsubscribe(&token) {
            return Err(SubscribeError::BadToken);
        }
        self.store.delete_subscriber(&page.id, &subscriber.id).await?;
        tracing::info!(page_id = %page.id, subscriber_id = %subscriber.id, "unsubscribed");
        Ok(())
    }

    /// Sends `news` to every confirmed subscriber of `page` whose filters match. Each
    /// message carries a fresh unsubscribe token, stored (hashed) before it is sent.
    pub async fn announce(
        &self,
        page: &StatusPage,
        at: &PageLocation,
        news: &Announcement,
    ) -> Result<AnnounceReport, StoreError> {
        let subscribers = self.store.subscribers_of_page(&page.id).await?;
        let sends = subscribers.into_iter().filter(|s| s.wants(news)).map(|mut s| async move {
            let unsubscribe = s.issue_unsubscribe_token();
            self.store.put_subscriber(&s).await?;
            let message = announcement(&s.target, news, &self.links(page, at, &unsubscribe));
            let (outcome, attempts) = send_with_retries(&self.tx(), &self.policy, &message).await;
            if outcome == DeliveryOutcome::Failed {
                let error = attempts.last().and_then(|a| a.error.clone());
                tracing::warn!(subscriber_id = %s.id, error, "subscriber message failed");
            }
            Ok::<_, StoreError>(outcome == DeliveryOutcome::Delivered)
        });
        let results: Vec<Result<bool, StoreError>> =
            futures_util::stream::iter(sends).buffer_unordered(SEND_CONCURRENCY).collect().await;
        let mut report = AnnounceReport::default();
        for r in results {
            if r? {
                report.sent += 1;
            } else {
                report.failed += 1;
            }
        }
        tracing::info!(page_id = %page.id, news_id = %news.id, sent = report.sent, failed = report.failed, "subscribers told");
        Ok(report)
    }

    fn tx(&self) -> Transports<'_> {
        Transports { http: &*self.transports.http, email: &*self.transports.email, sms: &*self.transports.sms }
    }
}

fn same_address(a: &Subscriber, b: &Subscriber) -> bool {
    a.target.kind() == b.target.kind() && a.target.address() == b.target.address()
}

/// Exactly one of `email`, `webhookUrl`, `slackWebhookUrl`.
fn target_of(input: &SubscribeInput) -> Result<(SubscriberTarget, Option<SigningSecret>), SubscribeError> {
    let url = |field, s: &str| WebhookUrl::new(s).map_err(|e| invalid(field, e));
    match (&input.email, &input.webhook_url, &input.slack_webhook_url) {
        (Some(e), None, None) => {
            Ok((SubscriberTarget::Email { address: Email::new(e).map_err(|e| invalid("email", e))? }, None))
        }
        (None, Some(u), None) => {
            let secret = SigningSecret::generate();
            Ok((SubscriberTarget::Webhook { url: url("webhookUrl", u)?, secret: secret.clone() }, Some(secret)))
        }
        (None, None, Some(u)) => Ok((SubscriberTarget::Slack { webhook_url: url("slackWebhookUrl", u)? }, None)),
        _ => Err(invalid("email", "give exactly one of email, webhookUrl, slackWebhookUrl")),
    }
}

fn event_of(s: &str) -> Result<SubscriberEvent, SubscribeError> {
    SubscriberEvent::ALL
        .into_iter()
        .find(|e| e.code() == s)
        .ok_or_else(|| invalid("events", "events are degraded, outage, maintenance, resolved"))
}
