//! A status page's subscribers: who hears of its changes (e-mail, a webhook, Slack), about
//! which components and which kinds of change; double opt-in and one-click unsubscribe by
//! tokens that are stored only as hashes.
use super::incident::{Impact, IncidentState, StatusIncident};
use super::maintenance::{MaintenanceState, PageMaintenance};
use super::{Component, ComponentStatus};
use crate::domain::channel::{SigningSecret, WebhookUrl};
use crate::domain::ids::{ComponentId, StatusPageId, SubscriberId};
use crate::domain::org::Email;
use crate::domain::secret::{SecretHash, random_secret};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Unsubscribe links stay valid for this many of the latest messages to a subscriber
/// (each message carries a fresh token; only their hashes are kept).
pub const KEPT_UNSUBSCRIBE_TOKENS: usize = 32;
/// The most confirmed subscribers one page takes (pending sign-ups do not count).
pub const MAX_SUBSCRIBERS: usize = 5000;
/// A sign-up not confirmed within this long expires: its link stops working and it is
/// forgotten.
pub const PENDING_HOURS: i64 = 48;
/// One confirmation request per destination in this long: a repeat changes nothing.
pub const RESEND_MINUTES: i64 = 10;
/// The most sign-ups one page takes in an hour, from everyone together.
pub const SIGNUPS_PER_HOUR: usize = 60;

/// What becomes of a new sign-up, given the page's subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Store it and send its confirmation request.
    Admit,
    /// A request went to this destination a moment ago: answer as usual, change nothing,
    /// send nothing (fifty sign-ups of one address send one e-mail).
    AlreadyAsked,
    /// The page took its hour's sign-ups: try again after this many seconds.
    Busy { retry_after_secs: u64 },
    /// The page has its most confirmed subscribers.
    Full,
}

/// Decides on `new` against the page's `existing` subscribers at `now`: expired
/// sign-ups count for nothing.
pub fn admit(existing: &[Subscriber], new: &Subscriber, now: DateTime<Utc>) -> Admission {
    let live: Vec<&Subscriber> = existing.iter().filter(|s| !s.has_expired(now)).collect();
    let recent = |s: &&&Subscriber| !s.is_verified() && now - s.created_at < chrono::Duration::minutes(RESEND_MINUTES);
    if live
        .iter()
        .filter(recent)
        .any(|s| s.target.kind() == new.target.kind() && s.target.address() == new.target.address())
    {
        return Admission::AlreadyAsked;
    }
    let hour_ago = now - chrono::Duration::hours(1);
    let mut this_hour: Vec<DateTime<Utc>> = live.iter().map(|s| s.created_at).filter(|t| *t > hour_ago).collect();
    if this_hour.len() >= SIGNUPS_PER_HOUR {
        this_hour.sort();
        let frees_at = this_hour[this_hour.len() - SIGNUPS_PER_HOUR] + chrono::Duration::hours(1);
        return Admission::Busy { retry_after_secs: (frees_at - now).num_seconds().max(1) as u64 };
    }
    if live.iter().filter(|s| s.is_verified()).count() >= MAX_SUBSCRIBERS {
        return Admission::Full;
    }
    Admission::Admit
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriberError {
    #[error("choose at least one event: degraded, outage, maintenance, resolved")]
    NoEvents,
    #[error("the component filter names a component the page does not have")]
    UnknownComponent,
    #[error("the token is invalid or has expired")]
    BadToken,
}

/// The kinds of change a subscriber can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriberEvent {
    Degraded,
    Outage,
    Maintenance,
    Resolved,
}

impl SubscriberEvent {
    pub const ALL: [Self; 4] = [Self::Degraded, Self::Outage, Self::Maintenance, Self::Resolved];

    /// What a component going to `status` is, for a subscriber.
    pub fn of_status(status: ComponentStatus) -> Self {
        match status {
            ComponentStatus::Operational => Self::Resolved,
            ComponentStatus::UnderMaintenance => Self::Maintenance,
            ComponentStatus::DegradedPerformance => Self::Degraded,
            ComponentStatus::PartialOutage | ComponentStatus::MajorOutage => Self::Outage,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Degraded => "degraded",
            Self::Outage => "outage",
            Self::Maintenance => "maintenance",
            Self::Resolved => "resolved",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriberKind {
    Email,
    Webhook,
    Slack,
}

/// Where a subscriber's messages go. A webhook's deliveries are signed with a secret
/// made at subscription (shown once in the answer), as channel webhooks are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum SubscriberTarget {
    Email { address: Email },
    Webhook { url: WebhookUrl, secret: SigningSecret },
    Slack { webhook_url: WebhookUrl },
}

impl SubscriberTarget {
    pub fn kind(&self) -> SubscriberKind {
        match self {
            Self::Email { .. } => SubscriberKind::Email,
            Self::Webhook { .. } => SubscriberKind::Webhook,
            Self::Slack { .. } => SubscriberKind::Slack,
        }
    }

    /// The address itself, for telling two subscriptions to one place apart (the secret
    /// of a webhook does not count).
    pub fn address(&self) -> &str {
        match self {
            Self::Email { address } => address.as_str(),
            Self::Webhook { url, .. } => url.as_url().as_str(),
            Self::Slack { webhook_url } => webhook_url.as_url().as_str(),
        }
    }
}

/// `<subscriberId>.<random>`: the id finds the subscriber, the random part is checked
/// against the stored hash in constant time. Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct SubscriberToken {
    id: SubscriberId,
    secret: String,
}

impl SubscriberToken {
    fn generate(id: &SubscriberId) -> Self {
        Self { id: id.clone(), secret: random_secret("") }
    }

    /// Untrusted input: bounded, and shaped like a token, or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() > 128 {
            return None;
        }
        let (id, secret) = s.split_once('.')?;
        let plain = !secret.is_empty() && secret.len() <= 64 && secret.bytes().all(|b| b.is_ascii_alphanumeric());
        let id = SubscriberId::parse(id)?;
        plain.then(|| Self { id, secret: secret.to_owned() })
    }

    pub fn subscriber_id(&self) -> &SubscriberId {
        &self.id
    }

    /// The token as it goes into a link (ids and base-62: nothing to escape).
    pub fn reveal(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }

    fn hash(&self) -> SecretHash {
        SecretHash::of(&self.secret)
    }
}

impl fmt::Debug for SubscriberToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubscriberToken({}.***)", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber {
    pub id: SubscriberId,
    pub page_id: StatusPageId,
    pub target: SubscriberTarget,
    /// Empty: every component (and page-wide news).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub components: BTreeSet<ComponentId>,
    pub events: BTreeSet<SubscriberEvent>,
    pub created_at: DateTime<Utc>,
    /// Set when the address confirmed (double opt-in); nothing but the confirmation
    /// request is sent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
    /// Crate-visible only for the stores' record (`adapters::records`).
    pub(crate) verify_hash: SecretHash,
    /// The newest last; at most `KEPT_UNSUBSCRIBE_TOKENS`.
    pub(crate) unsubscribe_hashes: Vec<SecretHash>,
}

/// A new subscription and the tokens of its confirmation message.
pub struct NewSubscription {
    pub subscriber: Subscriber,
    pub verify: SubscriberToken,
    pub unsubscribe: SubscriberToken,
}

impl Subscriber {
    /// `components` must be components of the page it is for (checked by the caller
    /// with `check_components`).
    pub fn subscribe(
        page_id: StatusPageId,
        target: SubscriberTarget,
        components: BTreeSet<ComponentId>,
        events: BTreeSet<SubscriberEvent>,
        now: DateTime<Utc>,
    ) -> Result<NewSubscription, SubscriberError> {
        if events.is_empty() {
            return Err(SubscriberError::NoEvents);
        }
        let id = SubscriberId::generate();
        let verify = SubscriberToken::generate(&id);
        let mut subscriber = Self {
            page_id,
            target,
            components,
            events,
            created_at: now,
            verified_at: None,
            verify_hash: verify.hash(),
            unsubscribe_hashes: Vec::new(),
            id,
        };
        let unsubscribe = subscriber.issue_unsubscribe_token();
        Ok(NewSubscription { subscriber, verify, unsubscribe })
    }

    pub fn is_verified(&self) -> bool {
        self.verified_at.is_some()
    }

    /// A sign-up left unconfirmed past `PENDING_HOURS`.
    pub fn has_expired(&self, now: DateTime<Utc>) -> bool {
        !self.is_verified() && now - self.created_at >= chrono::Duration::hours(PENDING_HOURS)
    }

    /// Confirms the subscription; a repeated click of the same link is fine, a first one
    /// after the sign-up expired is not.
    pub fn verify(&mut self, token: &SubscriberToken, now: DateTime<Utc>) -> Result<(), SubscriberError> {
        if token.id != self.id || !self.verify_hash.matches(&token.secret) || self.has_expired(now) {
            return Err(SubscriberError::BadToken);
        }
        self.verified_at.get_or_insert(now);
        Ok(())
    }

    /// Whether `token` is one of the unsubscribe tokens this subscriber was sent lately.
    pub fn may_unsubscribe(&self, token: &SubscriberToken) -> bool {
        // Every kept hash is compared, so the time taken says nothing about which matched.
        token.id == self.id && self.unsubscribe_hashes.iter().fold(false, |found, h| h.matches(&token.secret) | found)
    }

    /// A fresh token for the next message's unsubscribe link; the subscriber must be
    /// stored again for it to work.
    pub fn issue_unsubscribe_token(&mut self) -> SubscriberToken {
        let token = SubscriberToken::generate(&self.id);
        self.unsubscribe_hashes.push(token.hash());
        let extra = self.unsubscribe_hashes.len().saturating_sub(KEPT_UNSUBSCRIBE_TOKENS);
        self.unsubscribe_hashes.drain(..extra);
        token
    }

    /// Whether this subscriber is sent `a`: verified, the kind of change wanted, and a
    /// component in its filter (news naming no component goes to everyone).
    pub fn wants(&self, a: &Announcement) -> bool {
        let component_ok = self.components.is_empty()
            || a.components.is_empty()
            || a.components.iter().any(|c| self.components.contains(c));
        self.is_verified() && self.events.contains(&a.event) && component_ok
    }
}

/// Whether every id in `filter` is a component of the page.
pub fn check_components(filter: &BTreeSet<ComponentId>, components: &[Component]) -> Result<(), SubscriberError> {
    let known = |id: &ComponentId| components.iter().any(|c| &c.id == id);
    filter.iter().all(known).then_some(()).ok_or(SubscriberError::UnknownComponent)
}

/// One piece of news for a page's subscribers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The same for every delivery of this news (a webhook's `Tokiflow-Event-Id`).
    pub id: String,
    pub event: SubscriberEvent,
    /// The components it concerns; empty for the whole page.
    pub components: Vec<ComponentId>,
    pub title: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

impl Announcement {
    /// A component's status moved from `from` to its current one.
    pub fn component_changed(component: &Component, from: ComponentStatus, at: DateTime<Utc>) -> Self {
        let to = component.status;
        let title = match to {
            ComponentStatus::Operational => format!("{} is operational again", component.name),
            other => format!("{}: {}", component.name, other.label().to_lowercase()),
        };
        Self {
            id: format!("{}#{}#{}", component.id, to.code(), at.timestamp_millis()),
            event: SubscriberEvent::of_status(to),
            components: vec![component.id.clone()],
            title,
            body: format!(
                "{} changed from {} to {}.",
                component.name,
                from.label().to_lowercase(),
                to.label().to_lowercase()
            ),
            at,
        }
    }

    /// A status incident was opened or given an update: its latest update is the news.
    pub fn status_incident(incident: &StatusIncident) -> Self {
        let last = incident.updates.last();
        let event = match (incident.state, incident.impact) {
            (IncidentState::Resolved, _) => SubscriberEvent::Resolved,
            (_, Impact::Minor) => SubscriberEvent::Degraded,
            (_, Impact::Major | Impact::Critical) => SubscriberEvent::Outage,
        };
        let update_id = last.map(|u| u.id.to_string()).unwrap_or_default();
        Self {
            id: format!("{}#{update_id}", incident.id),
            event,
            components: incident.affected.keys().cloned().collect(),
            title: format!("{}: {}", incident.state.label(), incident.name),
            body: last.map(|u| u.body.as_str().to_owned()).unwrap_or_default(),
            at: incident.updated_at(),
        }
    }

    /// Maintenance announced, changed or cancelled, as it stands at `now`.
    pub fn maintenance(m: &PageMaintenance, now: DateTime<Utc>) -> Self {
        let o = m.occurrence_at(now);
        let when = format!("{} to {} UTC", o.starts_at.format("%Y-%m-%d %H:%M"), o.ends_at.format("%Y-%m-%d %H:%M"));
        let body = match &m.description {
            Some(d) => format!("{when}. {}", d.as_str()),
            None => format!("{when}."),
        };
        let state = match o.state {
            MaintenanceState::Cancelled => "cancelled",
            MaintenanceState::Completed => "completed",
            MaintenanceState::InProgress => "in progress",
            MaintenanceState::Scheduled => "scheduled",
        };
        Self {
            id: format!("{}#{}#{}", m.id, o.state.code(), o.starts_at.timestamp()),
            event: SubscriberEvent::Maintenance,
            components: m.component_ids.clone(),
            title: format!("Maintenance {state}: {}", m.window.name),
            body,
            at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::Name;

    fn target() -> SubscriberTarget {
        SubscriberTarget::Email { address: Email::new("a@example.com").unwrap() }
    }

    fn announcement(event: SubscriberEvent, components: Vec<ComponentId>) -> Announcement {
        Announcement { id: "x".into(), event, components, title: "t".into(), body: "b".into(), at: Utc::now() }
    }

    #[test]
    fn tokens_verify_once_issued_and_reject_others() {
        let now = Utc::now();
        let events = BTreeSet::from([SubscriberEvent::Outage]);
        let NewSubscription { mut subscriber, verify, unsubscribe } =
            Subscriber::subscribe(StatusPageId::generate(), target(), BTreeSet::new(), events, now).unwrap();
        assert!(!subscriber.is_verified());
        let parsed = SubscriberToken::parse(&verify.reveal()).unwrap();
        assert_eq!(parsed, verify);
        assert!(!format!("{verify:?}").contains(&verify.secret), "Debug hides the secret");

        let forged = SubscriberToken { id: subscriber.id.clone(), secret: "x".repeat(26) };
        assert_eq!(subscriber.verify(&forged, now), Err(SubscriberError::BadToken));
        assert_eq!(
            subscriber.verify(&unsubscribe, now),
            Err(SubscriberError::BadToken),
            "the other token does not verify"
        );
        subscriber.verify(&parsed, now).unwrap();
        subscriber.verify(&parsed, now).unwrap();
        assert_eq!(subscriber.verified_at, Some(now));

        assert!(subscriber.may_unsubscribe(&unsubscribe));
        assert!(!subscriber.may_unsubscribe(&verify));
        let other = Subscriber::subscribe(
            StatusPageId::generate(),
            target(),
            BTreeSet::new(),
            BTreeSet::from([SubscriberEvent::Outage]),
            now,
        )
        .unwrap();
        let other = other.unsubscribe;
        assert!(!subscriber.may_unsubscribe(&other), "another subscriber's token");

        let newer: Vec<SubscriberToken> =
            (0..KEPT_UNSUBSCRIBE_TOKENS).map(|_| subscriber.issue_unsubscribe_token()).collect();
        assert!(newer.iter().all(|t| subscriber.may_unsubscribe(t)));
        assert!(!subscriber.may_unsubscribe(&unsubscribe), "the oldest token has rotated out");
    }

    fn signed_up(address: &str, at: DateTime<Utc>, page: &StatusPageId) -> NewSubscription {
        let target = SubscriberTarget::Email { address: Email::new(address).unwrap() };
        Subscriber::subscribe(page.clone(), target, BTreeSet::new(), BTreeSet::from([SubscriberEvent::Outage]), at)
            .unwrap()
    }

    #[test]
    fn a_repeat_within_minutes_asks_nothing_and_a_page_takes_an_hours_sign_ups() {
        let (page, now) = (StatusPageId::generate(), Utc::now());
        let first = signed_up("a@example.com", now, &page).subscriber;
        let again = signed_up("a@example.com", now + chrono::Duration::minutes(1), &page).subscriber;
        assert_eq!(admit(std::slice::from_ref(&first), &again, again.created_at), Admission::AlreadyAsked);
        let later = now + chrono::Duration::minutes(RESEND_MINUTES);
        assert_eq!(admit(std::slice::from_ref(&first), &again, later), Admission::Admit, "asked again after a while");

        let crowd: Vec<Subscriber> = (0..SIGNUPS_PER_HOUR)
            .map(|i| {
                signed_up(&format!("p{i}@example.com"), now + chrono::Duration::seconds(i as i64), &page).subscriber
            })
            .collect();
        let next = signed_up("late@example.com", now + chrono::Duration::minutes(30), &page).subscriber;
        assert_eq!(admit(&crowd, &next, next.created_at), Admission::Busy { retry_after_secs: 30 * 60 });
        assert_eq!(admit(&crowd, &next, now + chrono::Duration::minutes(61)), Admission::Admit);
    }

    #[test]
    fn expired_sign_ups_count_for_nothing_and_their_links_stop_working() {
        let (page, now) = (StatusPageId::generate(), Utc::now());
        let long_ago = now - chrono::Duration::hours(PENDING_HOURS);
        let stale: Vec<Subscriber> =
            (0..MAX_SUBSCRIBERS).map(|i| signed_up(&format!("s{i}@example.com"), long_ago, &page).subscriber).collect();
        let real = signed_up("real@example.com", now, &page).subscriber;
        assert_eq!(admit(&stale, &real, now), Admission::Admit, "never-confirmed sign-ups do not fill the page");
        let mut confirmed = stale.clone();
        for s in &mut confirmed {
            s.verified_at = Some(long_ago);
        }
        assert_eq!(admit(&confirmed, &real, now), Admission::Full);

        let NewSubscription { mut subscriber, verify, .. } = signed_up("slow@example.com", long_ago, &page);
        assert_eq!(subscriber.verify(&verify, now), Err(SubscriberError::BadToken), "expired");
        assert!(subscriber.verify(&verify, long_ago + chrono::Duration::hours(1)).is_ok());
        assert!(subscriber.verify(&verify, now).is_ok(), "confirmed stays confirmed");
    }

    #[test]
    fn token_parsing_is_bounded_and_strict() {
        let id = SubscriberId::generate();
        assert!(SubscriberToken::parse(&format!("{id}.abc123")).is_some());
        for bad in
            ["", "abc", &format!("{id}."), &format!("{id}.a-b"), "mon_1.abc", &format!("{id}.{}", "a".repeat(200))]
        {
            assert!(SubscriberToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn filters_match_events_and_components() {
        let (c1, c2) = (ComponentId::generate(), ComponentId::generate());
        let now = Utc::now();
        let mut s = Subscriber::subscribe(
            StatusPageId::generate(),
            target(),
            BTreeSet::from([c1.clone()]),
            BTreeSet::from([SubscriberEvent::Outage, SubscriberEvent::Resolved]),
            now,
        )
        .unwrap()
        .subscriber;
        assert!(!s.wants(&announcement(SubscriberEvent::Outage, vec![c1.clone()])), "unverified");
        s.verified_at = Some(now);
        assert!(s.wants(&announcement(SubscriberEvent::Outage, vec![c1.clone()])));
        assert!(s.wants(&announcement(SubscriberEvent::Resolved, vec![c2.clone(), c1.clone()])));
        assert!(s.wants(&announcement(SubscriberEvent::Outage, vec![])), "page-wide news");
        assert!(!s.wants(&announcement(SubscriberEvent::Outage, vec![c2.clone()])), "another component");
        assert!(!s.wants(&announcement(SubscriberEvent::Degraded, vec![c1.clone()])), "an event not chosen");
        s.components.clear();
        assert!(s.wants(&announcement(SubscriberEvent::Outage, vec![c2])), "no filter: every component");
        assert_eq!(
            Subscriber::subscribe(StatusPageId::generate(), target(), BTreeSet::new(), BTreeSet::new(), now).err(),
            Some(SubscriberError::NoEvents)
        );
    }

    #[test]
    fn statuses_map_to_events_and_components_are_checked() {
        assert_eq!(SubscriberEvent::of_status(ComponentStatus::MajorOutage), SubscriberEvent::Outage);
        assert_eq!(SubscriberEvent::of_status(ComponentStatus::PartialOutage), SubscriberEvent::Outage);
        assert_eq!(SubscriberEvent::of_status(ComponentStatus::DegradedPerformance), SubscriberEvent::Degraded);
        assert_eq!(SubscriberEvent::of_status(ComponentStatus::UnderMaintenance), SubscriberEvent::Maintenance);
        assert_eq!(SubscriberEvent::of_status(ComponentStatus::Operational), SubscriberEvent::Resolved);
        let c = Component {
            status: ComponentStatus::PartialOutage,
            ..Component::new(Name::new("API").unwrap(), 0, vec![])
        };
        assert!(check_components(&BTreeSet::from([c.id.clone()]), std::slice::from_ref(&c)).is_ok());
        assert_eq!(
            check_components(&BTreeSet::from([ComponentId::generate()]), std::slice::from_ref(&c)),
            Err(SubscriberError::UnknownComponent)
        );
        let a = Announcement::component_changed(&c, ComponentStatus::Operational, Utc::now());
        assert_eq!((a.event, a.title.as_str()), (SubscriberEvent::Outage, "API: partial outage"));
    }
}
