//! Microsoft Teams workflow webhooks ("Post to a channel when a webhook request is
//! received"): a message carrying one Adaptive Card (schema 1.4).
use super::{Facts, kind_label, severity_label};
use serde_json::{Value, json};

const PREVIEW_MAX: usize = 1500;

pub(crate) fn payload(f: &Facts) -> Value {
    let i = f.incident();
    let fact = |title: &str, value: &str| json!({"title": title, "value": value});
    let mut body = vec![
        json!({"type": "TextBlock", "text": f.title(), "size": "Large", "weight": "Bolder", "wrap": true,
               "color": if f.is_good_news() { "Good" } else { "Attention" }}),
        json!({"type": "TextBlock", "text": f.description(), "wrap": true}),
        json!({"type": "FactSet", "facts": [
            fact("Monitor", f.monitor()),
            fact("Kind", kind_label(i.kind)),
            fact("Severity", severity_label(i.severity)),
            fact("At", &f.at()),
            fact("Organization", f.ctx.org_name.as_str()),
        ]}),
    ];
    if let Some(preview) = f.preview(PREVIEW_MAX) {
        body.push(json!({"type": "TextBlock", "text": "Last output", "weight": "Bolder", "wrap": true}));
        body.push(json!({"type": "TextBlock", "text": preview, "fontType": "Monospace", "wrap": true}));
    }
    let card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [
            {"type": "Action.OpenUrl", "title": "View incident", "url": f.incident_url},
            {"type": "Action.OpenUrl", "title": "View monitor", "url": f.monitor_url},
        ],
    });
    json!({
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": card}],
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;
    use crate::domain::incident_event::IncidentChange;

    #[test]
    fn adaptive_card_message_has_the_documented_shape() {
        let e = event(IncidentChange::Resolved);
        let n = Notice::from(&e);
        let mut c = ctx();
        c.output_preview = None;
        let got = payload(&Facts::new(&n, &c));
        let want = json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {"type": "TextBlock", "text": "Resolved: Nightly backup (missed)", "size": "Large", "weight": "Bolder", "wrap": true, "color": "Good"},
                        {"type": "TextBlock", "text": "No ping arrived by the deadline.", "wrap": true},
                        {"type": "FactSet", "facts": [
                            {"title": "Monitor", "value": "Nightly backup"},
                            {"title": "Kind", "value": "Missed"},
                            {"title": "Severity", "value": "High"},
                            {"title": "At", "value": "2026-11-23 10:00:00 UTC"},
                            {"title": "Organization", "value": "Acme"},
                        ]},
                    ],
                    "actions": [
                        {"type": "Action.OpenUrl", "title": "View incident", "url": "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e"},
                        {"type": "Action.OpenUrl", "title": "View monitor", "url": "https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e"},
                    ],
                },
            }],
        });
        assert_eq!(got, want);
    }

    #[test]
    fn an_open_incident_with_output_is_red_and_shows_it() {
        let e = event(IncidentChange::Opened);
        let n = Notice::from(&e);
        let c = ctx();
        let got = payload(&Facts::new(&n, &c));
        let body = &got["attachments"][0]["content"]["body"];
        assert_eq!(body[0]["color"], "Attention");
        assert_eq!(
            body[4],
            json!({"type": "TextBlock", "text": "pg_dump: error: connection refused", "fontType": "Monospace", "wrap": true})
        );
    }
}
