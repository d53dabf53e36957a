//! Generic webhooks: a JSON body describing the incident, signed with the channel's secret
//! so the receiver can tell it came from us, unaltered and recently.
//!
//! `Tokiflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The
//! timestamp is signed with the body, so a captured request cannot be replayed after the
//! receiver's tolerance window. The README's "Webhook signatures" section shows a check.
use super::{Facts, HttpPost};
use crate::domain::channel::{SigningSecret, WebhookUrl};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "Tokiflow-Signature";
pub const EVENT_HEADER: &str = "Tokiflow-Event";
pub const EVENT_ID_HEADER: &str = "Tokiflow-Event-Id";
/// How old a signature `verify` accepts by default (either way, for clock skew).
pub const DEFAULT_TOLERANCE: Duration = Duration::minutes(5);
/// A bound on what `verify` parses from an untrusted header.
const MAX_HEADER_LEN: usize = 1024;

const PREVIEW_MAX: usize = 4096;

pub(crate) fn post(f: &Facts, url: &WebhookUrl, secret: &SigningSecret) -> HttpPost {
    let i = f.incident();
    let body = json!({
        "id": f.notice.id(),
        "type": f.notice.event_type(),
        "createdAt": f.notice.at,
        "org": {"id": i.org_id, "name": f.ctx.org_name},
        "monitor": {"id": i.monitor_id, "name": f.ctx.monitor_name, "url": f.monitor_url},
        "incident": i,
        "incidentUrl": f.incident_url,
        "outputPreview": f.preview(PREVIEW_MAX),
    });
    HttpPost {
        url: url.clone(),
        headers: vec![(EVENT_HEADER, f.notice.event_type().to_owned()), (EVENT_ID_HEADER, f.notice.id())],
        body: body.to_string(),
        sign_with: Some(secret.clone()),
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &SigningSecret, t: i64, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.expose_secret().as_bytes()).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `Tokiflow-Signature` value for `body` sent at `at`.
pub fn signature_header(secret: &SigningSecret, at: DateTime<Utc>, body: &[u8]) -> String {
    let t = at.timestamp();
    format!("t={t},v1={}", hex::encode(mac(secret, t, body).finalize().into_bytes()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature's timestamp is outside the tolerance window")]
    Stale,
    #[error("no signature matches the body")]
    Mismatch,
}

/// Checks a `Tokiflow-Signature` header against `body` as received (the raw bytes, before
/// any JSON parsing). Several `v1=` values are allowed, so a secret can be rotated; each is
/// compared in constant time.
pub fn verify(
    secret: &SigningSecret,
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    if header.len() > MAX_HEADER_LEN {
        return Err(SignatureError::Malformed);
    }
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => candidates.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            Some(_) => {} // later schemes, ignored as the format promises
            None => return Err(SignatureError::Malformed),
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now.timestamp() - t).abs() > tolerance.num_seconds() {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, t, body);
    if candidates.iter().any(|c| expected.clone().verify_slice(c).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;
    use crate::domain::incident_event::IncidentChange;

    fn secret() -> SigningSecret {
        SigningSecret::new("whsec_test_0123456789abcdef").unwrap()
    }

    #[test]
    fn body_and_headers() {
        let e = event(IncidentChange::Opened);
        let n = Notice::from(&e);
        let c = ctx();
        let url = WebhookUrl::new("https://hooks.example.com/tokiflow").unwrap();
        let post = post(&Facts::new(&n, &c), &url, &secret());
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        let want = json!({
            "id": "inc_0193a1b2c3d4e5f60718293a4b5c6d7e#OPENED",
            "type": "incident.opened",
            "createdAt": "2026-11-23T10:00:00Z",
            "org": {"id": "org_0193a1b2c3d4e5f60718293a4b5c6d7e", "name": "Acme"},
            "monitor": {"id": "mon_0193a1b2c3d4e5f60718293a4b5c6d7e", "name": "Nightly backup", "url": "https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e"},
            "incident": {
                "id": "inc_0193a1b2c3d4e5f60718293a4b5c6d7e",
                "orgId": "org_0193a1b2c3d4e5f60718293a4b5c6d7e",
                "monitorId": "mon_0193a1b2c3d4e5f60718293a4b5c6d7e",
                "kind": "MISSED",
                "severity": "HIGH",
                "status": "OPEN",
                "openedAt": "2026-11-23T10:00:00Z",
            },
            "incidentUrl": "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e",
            "outputPreview": "pg_dump: error: connection refused",
        });
        assert_eq!(body, want);
        assert_eq!(
            post.headers,
            vec![
                (EVENT_HEADER, "incident.opened".to_owned()),
                (EVENT_ID_HEADER, "inc_0193a1b2c3d4e5f60718293a4b5c6d7e#OPENED".to_owned())
            ]
        );
        assert_eq!(post.sign_with, Some(secret()));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_0123456789abcdef",b"1700000000.{\"a\":1}",hashlib.sha256).hexdigest())'
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let h = signature_header(&secret(), at, br#"{"a":1}"#);
        assert_eq!(h, "t=1700000000,v1=07728d7e7b1736bac3de36a46c9bc0b660d59aa4a6f251544124fede1dc42a6c");
    }

    #[test]
    fn verify_accepts_fresh_matching_signatures_only() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let body = br#"{"a":1}"#;
        let h = signature_header(&secret(), at, body);
        let ok = |header: &str, body: &[u8], now_offset: i64| {
            verify(&secret(), header, body, at + Duration::seconds(now_offset), DEFAULT_TOLERANCE)
        };
        assert_eq!(ok(&h, body, 0), Ok(()));
        assert_eq!(ok(&h, body, 300), Ok(()));
        assert_eq!(ok(&h, body, -300), Ok(()), "a receiver's clock may be behind");
        assert_eq!(ok(&h, body, 301), Err(SignatureError::Stale));
        assert_eq!(ok(&h, br#"{"a":2}"#, 0), Err(SignatureError::Mismatch));
        let other = SigningSecret::new("whsec_other_0123456789abcdef").unwrap();
        assert_eq!(verify(&other, &h, body, at, DEFAULT_TOLERANCE), Err(SignatureError::Mismatch));
        let rotated = format!("{},v1={}", h, "00".repeat(32));
        assert_eq!(ok(&rotated, body, 0), Ok(()), "any one v1 may match");
        let moved = h.replace("t=1700000000", "t=1700000001");
        assert_eq!(ok(&moved, body, 0), Err(SignatureError::Mismatch), "the timestamp is signed too");
        for bad in ["", "t=1700000000", "v1=00", "t=x,v1=00", "t=1700000000,v1=zz", "garbage"] {
            assert_eq!(ok(bad, body, 0), Err(SignatureError::Malformed), "{bad:?}");
        }
        assert_eq!(ok(&"t=1,".repeat(400), body, 0), Err(SignatureError::Malformed));
    }
}
