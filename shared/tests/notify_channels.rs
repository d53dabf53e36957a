//! Notification channels for real: HTTP receivers on loopback stand in for Slack, Teams,
//! PagerDuty and a generic webhook and record what arrives; moto server plays SES and SNS.
//! Every message goes the way the notifier sends it: rendered, then `deliver`ed through
//! the real transports.
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Empty};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokiflow_shared::adapters::egress::EgressPolicy;
use tokiflow_shared::adapters::http_transport::{HttpTransportConfig, HyperTransport};
use tokiflow_shared::adapters::mailbox::{Mailbox, MailboxEntry};
use tokiflow_shared::domain::channel::{Channel, ChannelTarget, PhoneNumber, RoutingKey, SigningSecret, WebhookUrl};
use tokiflow_shared::domain::ids::{MonitorId, OrgId};
use tokiflow_shared::domain::incident::{Incident, IncidentKind, Severity};
use tokiflow_shared::domain::incident_event::IncidentEvent;
use tokiflow_shared::domain::notification::delivery::{Delivery, DeliveryOutcome};
use tokiflow_shared::domain::notification::webhook::{self, DEFAULT_TOLERANCE};
use tokiflow_shared::domain::notification::{Message, Notice, NotifyContext, render};
use tokiflow_shared::domain::org::Email;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::transport::{HttpPoster, TransportError};
use tokiflow_shared::services::deliver::{RetryPolicy, Transports, deliver};

mod support;

/// What one receiver answers, in order; once the script runs out, 200.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: &'static str,
    /// Wait this long before answering (to make the sender time out).
    delay: Duration,
}

fn status(status: u16) -> Reply {
    Reply { status, headers: vec![], body: "", delay: Duration::ZERO }
}

struct Received {
    path: String,
    headers: http::HeaderMap,
    body: Bytes,
}

/// An HTTP server on 127.0.0.1 that records every request and answers from a script.
struct Receiver {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(script: Vec<Reply>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let (rec, scr) = (received.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (rec, scr) = (rec.clone(), scr.clone());
                tokio::spawn(async move {
                    let _ = serve_one(stream, rec, scr).await;
                });
            }
        });
        Self { addr, received }
    }

    fn url(&self, path: &str) -> WebhookUrl {
        WebhookUrl::new(&format!("http://{}{path}", self.addr)).unwrap()
    }

    fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }

    fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

/// Reads one HTTP/1.1 request (headers, then a Content-Length body), records it, answers
/// from the script and closes the connection: all a webhook sender needs of a receiver.
async fn serve_one(
    mut stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_owned();
    let mut headers = http::HeaderMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').expect("a header line");
        headers.append(http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(), value.trim().parse().unwrap());
    }
    let length: usize = headers.get("content-length").map_or(0, |v| v.to_str().unwrap().parse().unwrap());
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    received.lock().unwrap().push(Received { path, headers, body: Bytes::from(body) });
    let reply = script.lock().unwrap().pop_front().unwrap_or(status(200));
    tokio::time::sleep(reply.delay).await;
    let mut out =
        format!("HTTP/1.1 {} Scripted\r\nContent-Length: {}\r\nConnection: close\r\n", reply.status, reply.body.len());
    for (k, v) in reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(reply.body);
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await
}

fn transport(egress: EgressPolicy) -> HyperTransport {
    let config =
        HttpTransportConfig { timeout: Duration::from_millis(1500), connect_timeout: Duration::from_secs(1), egress };
    HyperTransport::new(config).unwrap()
}

/// Quick retries, so the tests do not wait on backoff.
fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
        budget: Duration::from_secs(20),
    }
}

fn incident() -> Incident {
    let mut i =
        Incident::open(OrgId::generate(), MonitorId::generate(), IncidentKind::Fail, Severity::Critical, Utc::now());
    i.summary = Some("exit code 2: pg_dump: connection refused".into());
    i
}

fn ctx(receiver: &Receiver) -> NotifyContext {
    let mut c = NotifyContext::new(
        Name::new("Acme").unwrap(),
        Name::new("Nightly backup").unwrap(),
        "https://app.tokiflow.test".parse().unwrap(),
    );
    c.output_preview = Some("pg_dump: error: connection to server failed".into());
    c.pagerduty_url = receiver.url("/pagerduty/v2/enqueue");
    c
}

fn channel(org: &OrgId, target: ChannelTarget) -> Channel {
    Channel::new(org.clone(), Name::new("ops").unwrap(), target, Severity::Low)
}

/// Renders `event` for `channel` and delivers it through real transports.
async fn send(
    http: &dyn HttpPoster,
    mailbox: &Mailbox,
    channel: &Channel,
    event: &IncidentEvent,
    ctx: &NotifyContext,
) -> (Message, Delivery) {
    let notice = Notice::from(event);
    let message = render(&notice, &channel.target, ctx);
    let tx = Transports { http, email: mailbox, sms: mailbox };
    let delivery = deliver(&tx, &fast(), channel, &notice.id(), &message).await;
    (message, delivery)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn rendered_body(m: &Message) -> serde_json::Value {
    match m {
        Message::Post(p) => serde_json::from_str(&p.body).unwrap(),
        other => panic!("expected a POST, got {other:?}"),
    }
}

#[tokio::test]
async fn each_webhook_service_receives_its_documented_payload() {
    let receiver = Receiver::start(vec![]).await;
    let http = transport(EgressPolicy::AllowPrivate);
    let dir = tempfile::tempdir().unwrap();
    let mailbox = Mailbox::new(dir.path());
    let inc = incident();
    let c = ctx(&receiver);
    let secret = SigningSecret::new("whsec_0123456789abcdefghij").unwrap();
    let key = RoutingKey::new("PDKEY000111222333444555666777888").unwrap();
    let targets = [
        ChannelTarget::Slack { webhook_url: receiver.url("/slack/T0/B0/secretpath") },
        ChannelTarget::Teams { webhook_url: receiver.url("/teams/workflow") },
        ChannelTarget::Pagerduty { routing_key: key },
        ChannelTarget::Webhook { url: receiver.url("/hook"), secret: secret.clone() },
    ];
    let opened = IncidentEvent::opened(&inc);
    for target in targets {
        let ch = channel(&inc.org_id, target);
        let (message, delivery) = send(&http, &mailbox, &ch, &opened, &c).await;
        assert_eq!(delivery.outcome, DeliveryOutcome::Delivered, "{delivery:?}");
        assert_eq!(delivery.attempts.len(), 1);
        assert_eq!(delivery.last_status(), Some(200));
        let got = receiver.take();
        assert_eq!(got.len(), 1, "exactly one request for {:?}", ch.target.kind());
        let req = &got[0];
        assert_eq!(req.headers["content-type"], "application/json");
        assert_eq!(json(&req.body), rendered_body(&message), "the receiver got what was rendered");
        let body = json(&req.body);
        match &ch.target {
            ChannelTarget::Slack { .. } => {
                assert_eq!(req.path, "/slack/T0/B0/secretpath");
                assert_eq!(body["text"], "Incident opened: Nightly backup (failed)");
                assert_eq!(body["blocks"][0]["type"], "header");
                assert_eq!(
                    body["blocks"][3]["text"]["text"],
                    "*Last output*\n```pg_dump: error: connection to server failed```"
                );
            }
            ChannelTarget::Teams { .. } => {
                assert_eq!(body["type"], "message");
                let attachment = &body["attachments"][0];
                assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
                assert_eq!(attachment["content"]["type"], "AdaptiveCard");
                assert_eq!(attachment["content"]["body"][0]["text"], "Incident opened: Nightly backup (failed)");
            }
            ChannelTarget::Pagerduty { .. } => {
                assert_eq!(req.path, "/pagerduty/v2/enqueue");
                assert_eq!(body["routing_key"], "PDKEY000111222333444555666777888");
                assert_eq!(body["event_action"], "trigger");
                assert_eq!(body["dedup_key"], inc.id.as_str());
                assert_eq!(body["payload"]["severity"], "critical");
            }
            ChannelTarget::Webhook { .. } => {
                assert_eq!(body["type"], "incident.opened");
                assert_eq!(body["incident"]["id"], inc.id.as_str());
                assert_eq!(req.headers["tokiflow-event"], "incident.opened");
                assert_eq!(req.headers["tokiflow-event-id"], opened.key().as_str());
                let signature = req.headers["tokiflow-signature"].to_str().unwrap();
                assert_eq!(webhook::verify(&secret, signature, &req.body, Utc::now(), DEFAULT_TOLERANCE), Ok(()));
                let other = SigningSecret::new("whsec_not_the_right_one_at_all").unwrap();
                assert!(webhook::verify(&other, signature, &req.body, Utc::now(), DEFAULT_TOLERANCE).is_err());
            }
            _ => unreachable!(),
        }
    }

    // The resolution reaches PagerDuty as a resolve of the same alert.
    let mut resolved = inc.clone();
    resolved.resolve(Utc::now()).unwrap();
    let pd = channel(
        &inc.org_id,
        ChannelTarget::Pagerduty { routing_key: RoutingKey::new("PDKEY000111222333444555666777888").unwrap() },
    );
    let (_, delivery) = send(&http, &mailbox, &pd, &IncidentEvent::resolved(&resolved, Utc::now()), &c).await;
    assert!(delivery.delivered());
    let got = receiver.take();
    assert_eq!(
        json(&got[0].body),
        serde_json::json!({"routing_key": "PDKEY000111222333444555666777888", "event_action": "resolve", "dedup_key": inc.id.as_str()})
    );
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_message_once_after_retries() {
    let receiver = Receiver::start(vec![status(500), status(503), status(200)]).await;
    let http = transport(EgressPolicy::AllowPrivate);
    let mailbox = Mailbox::new(tempfile::tempdir().unwrap().path());
    let inc = incident();
    let secret = SigningSecret::new("whsec_0123456789abcdefghij").unwrap();
    let ch = channel(&inc.org_id, ChannelTarget::Webhook { url: receiver.url("/hook"), secret: secret.clone() });
    let (_, delivery) = send(&http, &mailbox, &ch, &IncidentEvent::opened(&inc), &ctx(&receiver)).await;

    assert_eq!(delivery.outcome, DeliveryOutcome::Delivered);
    let statuses: Vec<_> = delivery.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(503), Some(200)]);
    assert_eq!(delivery.attempts[0].error.as_deref(), Some("HTTP 500"));
    assert_eq!(delivery.attempts[2].error, None);
    let got = receiver.take();
    assert_eq!(got.len(), 3, "two failures and the one accepted delivery");
    for req in &got {
        assert_eq!(req.body, got[0].body, "every attempt carries the same message");
        assert_eq!(req.headers["tokiflow-event-id"], got[0].headers["tokiflow-event-id"]);
        let signature = req.headers["tokiflow-signature"].to_str().unwrap();
        assert_eq!(webhook::verify(&secret, signature, &req.body, Utc::now(), DEFAULT_TOLERANCE), Ok(()));
    }
}

#[tokio::test]
async fn client_errors_are_final_and_retry_after_is_honoured() {
    let inc = incident();
    let http = transport(EgressPolicy::AllowPrivate);
    let mailbox = Mailbox::new(tempfile::tempdir().unwrap().path());
    let event = IncidentEvent::opened(&inc);

    let rejecting = Receiver::start(vec![Reply { body: "invalid_payload", ..status(400) }]).await;
    let ch = channel(&inc.org_id, ChannelTarget::Slack { webhook_url: rejecting.url("/slack/T0/B0/XSECRETX") });
    let (_, d) = send(&http, &mailbox, &ch, &event, &ctx(&rejecting)).await;
    assert_eq!((d.outcome, d.attempts.len(), d.last_status()), (DeliveryOutcome::Failed, 1, Some(400)));
    assert_eq!(d.last_error(), Some("HTTP 400"), "the receiver's words stay out of the log");
    assert!(!serde_json::to_string(&d).unwrap().contains("XSECRETX"), "the log holds no URL");
    assert_eq!(rejecting.count(), 1);

    let throttling = Receiver::start(vec![Reply { headers: vec![("retry-after", "1")], ..status(429) }]).await;
    let ch = channel(&inc.org_id, ChannelTarget::Teams { webhook_url: throttling.url("/teams") });
    let (_, d) = send(&http, &mailbox, &ch, &event, &ctx(&throttling)).await;
    assert_eq!(d.outcome, DeliveryOutcome::Delivered);
    assert_eq!(d.attempts.iter().map(|a| a.status).collect::<Vec<_>>(), [Some(429), Some(200)]);
    let waited = d.attempts[1].started_at - d.attempts[0].started_at;
    assert!(waited >= chrono::Duration::seconds(1), "retried after {waited}, before Retry-After");

    let far = Receiver::start(vec![Reply { headers: vec![("retry-after", "3600")], ..status(429) }]).await;
    let ch = channel(&inc.org_id, ChannelTarget::Teams { webhook_url: far.url("/teams") });
    let (_, d) = send(&http, &mailbox, &ch, &event, &ctx(&far)).await;
    assert_eq!((d.outcome, d.attempts.len()), (DeliveryOutcome::Failed, 1));
    assert!(d.last_error().unwrap().contains("retry after 3600s"), "{d:?}");
}

#[tokio::test]
async fn timeouts_are_retried() {
    let slow = Reply { delay: Duration::from_secs(5), ..status(200) };
    let receiver = Receiver::start(vec![slow]).await;
    let http = transport(EgressPolicy::AllowPrivate);
    let mailbox = Mailbox::new(tempfile::tempdir().unwrap().path());
    let inc = incident();
    let ch = channel(&inc.org_id, ChannelTarget::Slack { webhook_url: receiver.url("/slack") });
    let (_, d) = send(&http, &mailbox, &ch, &IncidentEvent::opened(&inc), &ctx(&receiver)).await;
    assert_eq!(d.outcome, DeliveryOutcome::Delivered);
    assert_eq!(d.attempts.len(), 2);
    assert_eq!(d.attempts[0].status, None);
    assert!(d.attempts[0].error.as_deref().unwrap().starts_with("timed out"), "{d:?}");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_internal_addresses() {
    let receiver = Receiver::start(vec![]).await;
    let port = receiver.addr.port();
    let guarded = transport(EgressPolicy::PublicOnly);
    let body = Bytes::from_static(b"{}");
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://0x7f.1:{port}/hook"),
        "http://10.0.0.1/hook".to_owned(),
        "http://192.168.1.1/hook".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let result = guarded.post_json(&url.parse().unwrap(), &[], body.clone()).await;
        assert!(matches!(result, Err(TransportError::Refused(_))), "{url}: {result:?}");
    }
    assert_eq!(receiver.count(), 0, "nothing reached the receiver");

    // A refusal is final: not retried.
    let inc = incident();
    let mailbox = Mailbox::new(tempfile::tempdir().unwrap().path());
    let ch = channel(
        &inc.org_id,
        ChannelTarget::Slack { webhook_url: WebhookUrl::new(&format!("http://localhost:{port}/x")).unwrap() },
    );
    let (_, d) = send(&guarded, &mailbox, &ch, &IncidentEvent::opened(&inc), &ctx(&receiver)).await;
    assert_eq!((d.outcome, d.attempts.len()), (DeliveryOutcome::Failed, 1));
    assert_eq!(d.last_error(), Some("refused"), "{d:?}");

    // The local server's setting lets loopback receivers through, never the metadata service.
    let local = transport(EgressPolicy::AllowPrivate);
    let ok = local.post_json(&format!("http://localhost:{port}/hook").parse().unwrap(), &[], body.clone()).await;
    assert_eq!(ok.map(|r| r.status), Ok(200));
    let metadata = local.post_json(&"http://169.254.169.254/latest/meta-data/".parse().unwrap(), &[], body).await;
    assert!(matches!(metadata, Err(TransportError::Refused(_))), "{metadata:?}");
}

#[tokio::test]
async fn email_and_sms_go_to_the_mailbox_locally() {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = Mailbox::new(dir.path().join("mailbox"));
    let receiver = Receiver::start(vec![]).await;
    let http = transport(EgressPolicy::AllowPrivate);
    let inc = incident();
    let c = ctx(&receiver);
    let email = channel(&inc.org_id, ChannelTarget::Email { to: Email::new("ops@example.com").unwrap() });
    let sms = channel(&inc.org_id, ChannelTarget::Sms { phone: PhoneNumber::new("+14155550100").unwrap() });
    let event = IncidentEvent::opened(&inc);
    assert!(send(&http, &mailbox, &email, &event, &c).await.1.delivered());
    assert!(send(&http, &mailbox, &sms, &event, &c).await.1.delivered());
    let entries = mailbox.entries().unwrap();
    assert_eq!(entries.len(), 2);
    match &entries[0] {
        MailboxEntry::Email { to, subject, text, html, .. } => {
            assert_eq!(to.as_str(), "ops@example.com");
            assert_eq!(subject, "[Tokiflow] Incident opened: Nightly backup (failed)");
            assert!(text.contains("pg_dump: error: connection to server failed"));
            assert!(html.contains("<h2>Incident opened: Nightly backup (failed)</h2>"));
        }
        other => panic!("expected the email first, got {other:?}"),
    }
    match &entries[1] {
        MailboxEntry::Sms { to, text, .. } => {
            assert_eq!(to.as_str(), "+14155550100");
            assert!(text.starts_with("Tokiflow: Incident opened - Nightly backup failed, critical."), "{text}");
            assert!(text.chars().count() <= 160);
        }
        other => panic!("expected the SMS second, got {other:?}"),
    }
}

/// What moto recorded, from its model inspection endpoint.
async fn moto_models(endpoint: &str) -> serde_json::Value {
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client.get(format!("{endpoint}/moto-api/data.json").parse().unwrap()).await.unwrap();
    assert_eq!(resp.status(), 200);
    json(&resp.into_body().collect().await.unwrap().to_bytes())
}

#[tokio::test]
async fn ses_and_sns_send_through_moto() {
    use tokiflow_shared::adapters::ses::SesEmail;
    use tokiflow_shared::adapters::sns::SnsSms;
    use tokiflow_shared::domain::notification::{EmailMessage, SmsMessage};
    use tokiflow_shared::ports::transport::{EmailSender, SmsSender};

    let endpoint = support::emulator(support::emulators::moto).await;
    let sdk = support::sdk_config(endpoint.clone());
    let sender = format!("alerts-{}@tokiflow.test", support::unique(""));
    aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(&sender).send().await.unwrap();

    let subject = format!("[Tokiflow] {}", support::unique("subject-"));
    let email = EmailMessage {
        to: Email::new("ops@example.com").unwrap(),
        subject: subject.clone(),
        text: "plain text".into(),
        html: "<p>html &amp; text</p>".into(),
    };
    SesEmail::new(&sdk, sender.clone(), None).send_email(&email).await.unwrap();
    let unverified = SesEmail::new(&sdk, "nobody@unverified.test", None).send_email(&email).await;
    assert!(matches!(&unverified, Err(TransportError::Rejected(_))), "{unverified:?}");
    assert!(!unverified.unwrap_err().is_retryable());

    let text = support::unique("Tokiflow: Incident opened ");
    SnsSms::new(&sdk)
        .send_sms(&SmsMessage { to: PhoneNumber::new("+14155550100").unwrap(), text: text.clone() })
        .await
        .unwrap();

    let models = moto_models(&endpoint).await;
    let sent: Vec<_> =
        models["ses"]["Message"].as_array().unwrap().iter().filter(|m| m["subject"] == subject.as_str()).collect();
    assert_eq!(sent.len(), 1, "{:?}", models["ses"]);
    assert_eq!(sent[0]["source"], sender.as_str());
    assert_eq!(sent[0]["destinations"]["ToAddresses"], serde_json::json!(["ops@example.com"]));
    assert_eq!(sent[0]["body"], "<p>html &amp; text</p>", "moto keeps the HTML part");
    let sms: Vec<_> =
        models["sns"]["SMS"].as_array().unwrap().iter().filter(|m| m["message"] == text.as_str()).collect();
    assert_eq!(sms.len(), 1, "{:?}", models["sns"]);
    assert_eq!(sms[0]["phone_number"], "+14155550100");
}
