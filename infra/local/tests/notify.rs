//! The notifier end to end in the local server: a missed ping reaches a Slack receiver
//! (a real HTTP server on loopback) and the mailbox (e-mail) once each; the recovery sends
//! the resolve messages to the same channels.
mod common;

use axum::extract::State;
use axum::routing::post;
use common::{TestServer, wait_for};
use std::sync::{Arc, Mutex};
use tokiflow_shared::adapters::mailbox::MailboxEntry;
use tokiflow_shared::domain::channel::{Channel, ChannelTarget, WebhookUrl};
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::notification::NoticeKind;
use tokiflow_shared::domain::notification::record::DeliveryStatus;
use tokiflow_shared::domain::org::Email;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{ConfigStore, DeliveryStore, IncidentStore};

type Received = Arc<Mutex<Vec<serde_json::Value>>>;

/// A Slack incoming-webhook stand-in: records each JSON body, answers `ok` as Slack does.
async fn slack_receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/services/T000/B000/XXXX",
            post(|State(r): State<Received>, body: axum::body::Bytes| async move {
                r.lock().unwrap().push(serde_json::from_slice(&body).expect("Slack gets JSON"));
                "ok"
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/services/T000/B000/XXXX", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn emails(s: &TestServer) -> Vec<(String, String)> {
    s.mailbox
        .entries()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            MailboxEntry::Email { to, subject, .. } => Some((to.to_string(), subject)),
            MailboxEntry::Sms { .. } => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_ping_reaches_slack_and_email_once_and_the_recovery_resolves_both() {
    let s = TestServer::start().await;
    let org = s.org().await;
    let (slack_url, slack) = slack_receiver().await;
    let to_slack = ChannelTarget::Slack { webhook_url: WebhookUrl::new(&slack_url).unwrap() };
    let to_email = ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() };
    for (name, target) in [("ops slack", to_slack), ("ops email", to_email)] {
        s.store
            .put_channel(&Channel::new(org.id.clone(), Name::new(name).unwrap(), target, Severity::Low))
            .await
            .unwrap();
    }
    let (m, token) = s.monitor_in(&org, "nightly backup", 2, 1).await;
    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);

    wait_for("the MISSED message on Slack", || slack.lock().unwrap().len() == 1).await;
    wait_for("the MISSED e-mail", || emails(&s).len() == 1).await;
    let opened = slack.lock().unwrap()[0].clone();
    let text = opened.to_string();
    assert!(opened["blocks"].is_array(), "a Block Kit message: {opened}");
    assert!(text.contains("nightly backup") && text.to_lowercase().contains("missed"), "{text}");
    assert!(emails(&s)[0].1.contains("nightly backup"), "{:?}", emails(&s));

    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200, "the job recovers");
    wait_for("the resolve message on Slack", || slack.lock().unwrap().len() == 2).await;
    wait_for("the resolve e-mail", || emails(&s).len() == 2).await;
    let resolved = slack.lock().unwrap()[1].to_string();
    assert!(resolved.to_lowercase().contains("resolved"), "{resolved}");

    // Exactly one message per change and channel, all logged as delivered.
    let incident = s.store.incidents_of_monitor(&m.id).await.unwrap().remove(0);
    // The receiver has the message a moment before the delivery log records it.
    let mut log = s.store.deliveries_of_incident(&incident.id).await.unwrap();
    for _ in 0..100 {
        if log.iter().all(|r| r.status != DeliveryStatus::InFlight) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        log = s.store.deliveries_of_incident(&incident.id).await.unwrap();
    }
    let mut seen: Vec<_> = log.iter().map(|r| (r.change, r.channel_kind, r.status)).collect();
    seen.sort_by_key(|(c, k, _)| (*c, format!("{k:?}")));
    use tokiflow_shared::domain::channel::ChannelKind::{Email as E, Slack as S};
    let d = DeliveryStatus::Delivered;
    assert_eq!(
        seen,
        [
            (NoticeKind::Opened, E, d),
            (NoticeKind::Opened, S, d),
            (NoticeKind::Resolved, E, d),
            (NoticeKind::Resolved, S, d)
        ]
    );
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(slack.lock().unwrap().len(), 2, "nothing sent twice");
    assert_eq!(emails(&s).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_left_open_is_sent_again_after_the_channels_interval_until_acknowledged() {
    use tokiflow_shared::domain::channel::RealertInterval;
    use tokiflow_shared::domain::incident::IncidentStatus;
    let s = TestServer::start().await;
    let org = s.org().await;
    let (slack_url, slack) = slack_receiver().await;
    let target = ChannelTarget::Slack { webhook_url: WebhookUrl::new(&slack_url).unwrap() };
    let mut channel = Channel::new(org.id.clone(), Name::new("ops slack").unwrap(), target, Severity::Low);
    channel.realert_after = Some(RealertInterval::try_from(3600).unwrap());
    s.store.put_channel(&channel).await.unwrap();
    let quiet = Channel::new(
        org.id.clone(),
        Name::new("ops email").unwrap(),
        ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() },
        Severity::Low,
    );
    s.store.put_channel(&quiet).await.unwrap();
    let (m, token) = s.monitor_in(&org, "nightly backup", 2, 1).await;
    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    wait_for("the MISSED message on Slack", || slack.lock().unwrap().len() == 1).await;
    wait_for("the MISSED e-mail", || emails(&s).len() == 1).await;
    let opened_at = chrono::Utc::now();

    let early = s.notifier.remind(opened_at + chrono::Duration::minutes(59)).await.unwrap();
    assert!(early.is_empty(), "not due yet: {early:?}");
    let hour = opened_at + chrono::Duration::minutes(61);
    let first = s.notifier.remind(hour).await.unwrap();
    assert_eq!(first.delivered, [channel.id.clone()], "only the channel that asks for re-alerts");
    assert_eq!(slack.lock().unwrap().len(), 2);
    let reminder = slack.lock().unwrap()[1].to_string();
    assert!(reminder.contains("Still open") && reminder.contains("nightly backup"), "{reminder}");
    assert!(s.notifier.remind(hour).await.unwrap().is_empty(), "a second sweep finds nothing due");
    assert!(
        s.notifier.remind(hour + chrono::Duration::minutes(59)).await.unwrap().is_empty(),
        "spaced from the reminder"
    );
    let second = s.notifier.remind(hour + chrono::Duration::minutes(61)).await.unwrap();
    assert_eq!(second.delivered.len(), 1);
    assert_eq!(emails(&s).len(), 1, "the e-mail channel set no interval");

    let incident = s.store.incidents_of_monitor(&m.id).await.unwrap().remove(0);
    let log = s.store.deliveries_of_incident(&incident.id).await.unwrap();
    let reminders: Vec<_> =
        log.iter().filter(|r| r.change == NoticeKind::Reminder).map(|r| r.event_key.clone()).collect();
    assert_eq!(reminders, [format!("{}#REMINDER#1", incident.id), format!("{}#REMINDER#2", incident.id)]);

    let mut acked = incident.clone();
    acked.acknowledge(chrono::Utc::now()).unwrap();
    s.store.update_incident(&acked, IncidentStatus::Open, None).await.unwrap();
    wait_for("the acknowledgement on Slack", || slack.lock().unwrap().len() == 4).await;
    let later = s.notifier.remind(hour + chrono::Duration::hours(24)).await.unwrap();
    assert!(later.is_empty(), "someone is on it: {later:?}");
    assert_eq!(slack.lock().unwrap().len(), 4);
}
