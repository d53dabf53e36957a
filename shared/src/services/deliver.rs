//! Sending one rendered message to one channel: retried with exponential backoff and
//! jitter when the failure is temporary (429, 408, 5xx, timeouts, broken connections),
//! never when the receiver refused the message itself (other 4xx); recorded attempt by
//! attempt for the delivery log.
use crate::domain::channel::Channel;
use crate::domain::notification::delivery::{Delivery, DeliveryAttempt, DeliveryOutcome};
use crate::domain::notification::webhook::{SIGNATURE_HEADER, signature_header};
use crate::domain::notification::{Message, clip};
use crate::ports::transport::{EmailSender, HttpPoster, HttpReply, SmsSender, TransportError};
use bytes::Bytes;
use chrono::Utc;
use rand::Rng;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// The wait before the first retry; each further retry waits about twice as long.
    pub base: Duration,
    /// No single wait is longer; a `Retry-After` asking for more ends the delivery.
    pub max_delay: Duration,
    /// No retry starts after this much time in all (a Lambda has a deadline too).
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): "equal jitter", half of the
    /// exponential step fixed and half random, so many failed deliveries do not all come
    /// back at once; never less than the receiver's `Retry-After`.
    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Result<Duration, String> {
        let step = self.base.saturating_mul(1u32 << retry.saturating_sub(1).min(20)).min(self.max_delay);
        let half = step / 2;
        let jittered = half + half.mul_f64(rand::rng().random::<f64>());
        match retry_after {
            Some(asked) if asked > self.max_delay => Err(format!(
                "the receiver asked to retry after {}s, beyond the {}s limit",
                asked.as_secs(),
                self.max_delay.as_secs()
            )),
            Some(asked) => Ok(jittered.max(asked)),
            None => Ok(jittered),
        }
    }
}

/// The transports a delivery may use.
#[derive(Clone, Copy)]
pub struct Transports<'a> {
    pub http: &'a dyn HttpPoster,
    pub email: &'a dyn EmailSender,
    pub sms: &'a dyn SmsSender,
}

/// What one attempt came to.
enum Next {
    Done,
    Retry(Option<Duration>),
    GiveUp,
}

struct Tried {
    status: Option<u16>,
    error: Option<String>,
    next: Next,
}

/// Longest receiver text written to the operator's log.
const REPLY_KEPT: usize = 200;

impl Tried {
    fn done(status: Option<u16>) -> Self {
        Self { status, error: None, next: Next::Done }
    }

    /// The log (which a VIEWER reads, and a channel test answers) keeps the kind of
    /// failure only: socket errors would tell open ports from closed ones to whoever set
    /// the URL. The whole error goes to the operator's log.
    fn failed(e: TransportError) -> Self {
        tracing::info!(error = %e, "delivery attempt failed");
        let next = if e.is_retryable() { Next::Retry(None) } else { Next::GiveUp };
        Self { status: None, error: Some(e.category().to_owned()), next }
    }

    /// A webhook's answer: 2xx is done; 408, 429 and 5xx are worth another try; any
    /// other status means the receiver will not take this message.
    fn answered(reply: HttpReply) -> Self {
        if (200..300).contains(&reply.status) {
            return Self::done(Some(reply.status));
        }
        // The receiver's words stay out of the log: an SSRF probe must not read answers back.
        let said = reply.body_start.trim();
        if !said.is_empty() {
            tracing::info!(status = reply.status, reply = %clip(said, REPLY_KEPT), "receiver refused a delivery");
        }
        let error = format!("HTTP {}", reply.status);
        let next = match reply.status {
            408 | 429 | 500..=599 => Next::Retry(reply.retry_after),
            _ => Next::GiveUp,
        };
        Self { status: Some(reply.status), error: Some(error), next }
    }
}

async fn attempt(tx: &Transports<'_>, message: &Message) -> Tried {
    let sent = |r: Result<(), TransportError>| r.map_or_else(Tried::failed, |()| Tried::done(None));
    match message {
        Message::Email(m) => sent(tx.email.send_email(m).await),
        Message::Sms(m) => sent(tx.sms.send_sms(m).await),
        Message::Post(post) => {
            let mut headers = post.headers.clone();
            if let Some(secret) = &post.sign_with {
                // Signed now, not when rendered, so a retry carries a fresh timestamp.
                let signature = signature_header(secret, Utc::now(), post.body.as_bytes());
                headers.push((SIGNATURE_HEADER, signature));
            }
            let body = Bytes::from(post.body.clone());
            tx.http.post_json(post.url.as_url(), &headers, body).await.map_or_else(Tried::failed, Tried::answered)
        }
    }
}

/// Sends `message` to `channel`, retrying per `policy`, and says what happened.
#[tracing::instrument(skip_all, fields(channel_id = %channel.id, kind = ?channel.target.kind(), notice_id = %notice_id))]
pub async fn deliver(
    tx: &Transports<'_>,
    policy: &RetryPolicy,
    channel: &Channel,
    notice_id: &str,
    message: &Message,
) -> Delivery {
    let started_at = Utc::now();
    let (outcome, attempts) = send_with_retries(tx, policy, message).await;
    let delivery = Delivery {
        notice_id: notice_id.to_owned(),
        channel_id: channel.id.clone(),
        channel_kind: channel.target.kind(),
        outcome,
        attempts,
        started_at,
        finished_at: Utc::now(),
    };
    match delivery.outcome {
        DeliveryOutcome::Delivered => {
            tracing::info!(attempts = delivery.attempts.len(), "delivered")
        }
        DeliveryOutcome::Failed => {
            tracing::warn!(
                attempts = delivery.attempts.len(),
                status = delivery.last_status(),
                error = delivery.last_error(),
                "delivery failed"
            )
        }
    }
    delivery
}

/// Sends `message`, retrying per `policy`: the outcome and every attempt. What `deliver`
/// does for a channel, and the status page's subscriber messages use alone.
pub async fn send_with_retries(
    tx: &Transports<'_>,
    policy: &RetryPolicy,
    message: &Message,
) -> (DeliveryOutcome, Vec<DeliveryAttempt>) {
    let clock = Instant::now();
    let mut attempts: Vec<DeliveryAttempt> = Vec::new();
    let outcome = loop {
        let (at, t0) = (Utc::now(), Instant::now());
        let tried = attempt(tx, message).await;
        let elapsed_ms = u64::try_from(t0.elapsed().as_millis()).unwrap_or(u64::MAX);
        attempts.push(DeliveryAttempt { started_at: at, elapsed_ms, status: tried.status, error: tried.error });
        let n = attempts.len() as u32;
        match tried.next {
            Next::Done => break DeliveryOutcome::Delivered,
            Next::GiveUp => break DeliveryOutcome::Failed,
            Next::Retry(_) if n >= policy.max_attempts => break DeliveryOutcome::Failed,
            Next::Retry(retry_after) => {
                let wait = policy.delay(n, retry_after).and_then(|wait| {
                    let left = policy.budget.saturating_sub(clock.elapsed());
                    if wait < left {
                        Ok(wait)
                    } else {
                        Err(format!("out of time: {}s budget", policy.budget.as_secs()))
                    }
                });
                match wait {
                    Ok(wait) => {
                        tracing::info!(
                            attempt = n,
                            wait_ms = wait.as_millis() as u64,
                            status = tried.status,
                            "delivery will be retried"
                        );
                        tokio::time::sleep(wait).await;
                    }
                    Err(why) => {
                        if let Some(last) = attempts.last_mut() {
                            last.error = Some(format!("{}; {why}", last.error.as_deref().unwrap_or("failed")));
                        }
                        break DeliveryOutcome::Failed;
                    }
                }
            }
        }
    };
    (outcome, attempts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 10,
            base: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            budget: Duration::from_secs(10),
        };
        for _ in 0..50 {
            let d1 = p.delay(1, None).unwrap();
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&d1), "{d1:?}");
            let d3 = p.delay(3, None).unwrap();
            assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&d3), "{d3:?}");
            let capped = p.delay(30, None).unwrap();
            assert!(capped <= Duration::from_secs(1), "{capped:?}");
        }
        assert_eq!(p.delay(1, Some(Duration::from_millis(700))).unwrap(), Duration::from_millis(700));
        assert!(p.delay(1, Some(Duration::from_secs(5))).is_err(), "a wait past max_delay ends the delivery");
    }
}
