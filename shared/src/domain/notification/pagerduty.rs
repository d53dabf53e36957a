//! PagerDuty Events API v2: `trigger` when an incident opens, escalates or is still open,
//! `acknowledge` and `resolve` after; the incident id is the `dedup_key`, so every event
//! of one incident lands on one PagerDuty alert.
use super::{Facts, Occasion, clip};
use crate::domain::channel::RoutingKey;
use crate::domain::incident::Severity;
use crate::domain::incident_event::IncidentChange;
use serde_json::{Value, json};

/// PagerDuty's limit on `payload.summary`.
const SUMMARY_MAX: usize = 1024;
const PREVIEW_MAX: usize = 1000;

pub(crate) fn payload(f: &Facts, routing_key: &RoutingKey) -> Value {
    let i = f.incident();
    let action = match f.notice.occasion {
        Occasion::Change(IncidentChange::Opened | IncidentChange::Escalated)
        | Occasion::Reminder(_)
        | Occasion::Test => "trigger",
        Occasion::Change(IncidentChange::Acknowledged) => "acknowledge",
        Occasion::Change(IncidentChange::Resolved) => "resolve",
    };
    let mut event = json!({
        "routing_key": routing_key.expose_secret(),
        "event_action": action,
        "dedup_key": i.id.as_str(),
    });
    // Only a trigger carries a payload; acknowledge and resolve name the alert alone.
    if action == "trigger" {
        let mut details = json!({
            "incident_id": i.id.as_str(),
            "monitor_id": i.monitor_id.as_str(),
            "kind": i.kind,
            "severity": i.severity,
            "description": f.description(),
        });
        if let Some(preview) = f.preview(PREVIEW_MAX) {
            details["output_preview"] = preview.into();
        }
        if let Some(reason) = &i.cascade_reason {
            details["cascade_reason"] = reason.as_str().into();
        }
        let summary = format!("{} is {}: {}", f.monitor(), status_word(i.kind), f.description());
        event["payload"] = json!({
            "summary": clip(&summary, SUMMARY_MAX),
            "source": f.monitor(),
            "severity": pd_severity(i.severity),
            "timestamp": i.opened_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "component": f.monitor(),
            "group": f.ctx.org_name.as_str(),
            "class": format!("{:?}", i.kind).to_lowercase(),
            "custom_details": details,
        });
        event["client"] = "Tokiflow".into();
        event["client_url"] = f.incident_url.clone().into();
        event["links"] = json!([{"href": f.incident_url, "text": "View incident in Tokiflow"}]);
    }
    event
}

fn status_word(kind: crate::domain::incident::IncidentKind) -> &'static str {
    use crate::domain::incident::IncidentKind::*;
    match kind {
        Missed => "missing",
        Late => "late",
        Fail => "failing",
        Degraded => "degraded",
        Down => "down",
        CertExpiry => "near certificate expiry",
    }
}

/// PagerDuty's four severities, one for each of ours.
fn pd_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;

    fn key() -> RoutingKey {
        RoutingKey::new("R0UT1NGKEY0123456789abcdefghijkl").unwrap()
    }

    #[test]
    fn trigger_on_open_with_payload() {
        let e = event(IncidentChange::Opened);
        let n = Notice::from(&e);
        let c = ctx();
        let got = payload(&Facts::new(&n, &c), &key());
        let want = json!({
            "routing_key": "R0UT1NGKEY0123456789abcdefghijkl",
            "event_action": "trigger",
            "dedup_key": "inc_0193a1b2c3d4e5f60718293a4b5c6d7e",
            "payload": {
                "summary": "Nightly backup is missing: No ping arrived by the deadline.",
                "source": "Nightly backup",
                "severity": "error",
                "timestamp": "2026-11-23T10:00:00Z",
                "component": "Nightly backup",
                "group": "Acme",
                "class": "missed",
                "custom_details": {
                    "incident_id": "inc_0193a1b2c3d4e5f60718293a4b5c6d7e",
                    "monitor_id": "mon_0193a1b2c3d4e5f60718293a4b5c6d7e",
                    "kind": "MISSED",
                    "severity": "HIGH",
                    "description": "No ping arrived by the deadline.",
                    "output_preview": "pg_dump: error: connection refused",
                },
            },
            "client": "Tokiflow",
            "client_url": "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e",
            "links": [{"href": "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e", "text": "View incident in Tokiflow"}],
        });
        assert_eq!(got, want);
    }

    #[test]
    fn acknowledge_and_resolve_name_the_alert_only() {
        let c = ctx();
        for (change, action) in [(IncidentChange::Acknowledged, "acknowledge"), (IncidentChange::Resolved, "resolve")] {
            let e = event(change);
            let n = Notice::from(&e);
            let got = payload(&Facts::new(&n, &c), &key());
            assert_eq!(
                got,
                json!({"routing_key": "R0UT1NGKEY0123456789abcdefghijkl", "event_action": action, "dedup_key": "inc_0193a1b2c3d4e5f60718293a4b5c6d7e"})
            );
        }
    }

    #[test]
    fn escalation_and_reminders_re_trigger_with_the_new_severity() {
        let c = ctx();
        let mut e = event(IncidentChange::Escalated);
        e.incident.severity = Severity::Critical;
        let n = Notice::from(&e);
        let got = payload(&Facts::new(&n, &c), &key());
        assert_eq!(
            (got["event_action"].as_str(), got["payload"]["severity"].as_str()),
            (Some("trigger"), Some("critical"))
        );
        let n = Notice::reminder(&e.incident, 1, at("2026-11-23T12:00:00Z"));
        let got = payload(&Facts::new(&n, &c), &key());
        assert_eq!(got["event_action"], "trigger");
        assert_eq!(got["dedup_key"], "inc_0193a1b2c3d4e5f60718293a4b5c6d7e");
    }
}
