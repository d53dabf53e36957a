//! Slack incoming webhooks: a Block Kit message (header, description, facts, the last
//! output, buttons), with `text` as the fallback notifications and screen readers use.
use super::{Facts, clip, kind_label, severity_label};
use serde_json::{Value, json};

/// Slack caps header text at 150 characters and section text at 3000.
const HEADER_MAX: usize = 150;
const PREVIEW_MAX: usize = 1500;

pub(crate) fn payload(f: &Facts) -> Value {
    let i = f.incident();
    let field = |label: &str, value: String| json!({"type": "mrkdwn", "text": format!("*{label}*\n{value}")});
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": clip(&format!("{} {}", f.emoji(), f.title()), HEADER_MAX), "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": escape(&f.description())}}),
        json!({"type": "section", "fields": [
            field("Monitor", format!("<{}|{}>", f.monitor_url, escape(f.monitor()))),
            field("Kind", kind_label(i.kind).to_owned()),
            field("Severity", severity_label(i.severity).to_owned()),
            field("At", f.at()),
        ]}),
    ];
    if let Some(preview) = f.preview(PREVIEW_MAX) {
        // A fence inside the preview would end the code block early.
        let fenced = escape(&preview).replace("```", "`\u{200b}``");
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Last output*\n```{fenced}```")}}),
        );
    }
    blocks.push(json!({"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "View incident"}, "url": f.incident_url},
        {"type": "button", "text": {"type": "plain_text", "text": "View monitor"}, "url": f.monitor_url},
    ]}));
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Tokiflow · {}", escape(f.ctx.org_name.as_str()))}]}));
    json!({"text": f.title(), "blocks": blocks})
}

/// Slack's three control characters in mrkdwn; everything else is literal enough.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;
    use crate::domain::incident_event::IncidentChange;

    #[test]
    fn block_kit_message_has_the_documented_shape() {
        let e = event(IncidentChange::Opened);
        let n = Notice::from(&e);
        let c = ctx();
        let got = payload(&Facts::new(&n, &c));
        let want = json!({
            "text": "Incident opened: Nightly backup (missed)",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "🔴 Incident opened: Nightly backup (missed)", "emoji": true}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "No ping arrived by the deadline."}},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "text": "*Monitor*\n<https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e|Nightly backup>"},
                    {"type": "mrkdwn", "text": "*Kind*\nMissed"},
                    {"type": "mrkdwn", "text": "*Severity*\nHigh"},
                    {"type": "mrkdwn", "text": "*At*\n2026-11-23 10:00:00 UTC"},
                ]},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Last output*\n```pg_dump: error: connection refused```"}},
                {"type": "actions", "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "View incident"}, "url": "https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e"},
                    {"type": "button", "text": {"type": "plain_text", "text": "View monitor"}, "url": "https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e"},
                ]},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Tokiflow · Acme"}]},
            ]
        });
        assert_eq!(got, want);
    }

    #[test]
    fn user_text_cannot_inject_links_or_end_the_code_block() {
        let e = event(IncidentChange::Resolved);
        let n = Notice::from(&e);
        let mut c = ctx();
        c.monitor_name = crate::domain::text::Name::new("a <!channel> & <http://evil|x>").unwrap();
        c.output_preview = Some("```\n<@U123>".into());
        let got = payload(&Facts::new(&n, &c));
        let fields = got["blocks"][2]["fields"][0]["text"].as_str().unwrap();
        assert!(fields.ends_with("|a &lt;!channel&gt; &amp; &lt;http://evil|x&gt;>"), "{fields}");
        let preview = got["blocks"][3]["text"]["text"].as_str().unwrap();
        assert_eq!(preview, "*Last output*\n````\u{200b}``\n&lt;@U123&gt;```");
        assert_eq!(got["blocks"][0]["text"]["text"], "✅ Resolved: a <!channel> & <http://evil|x> (missed)");
    }
}
