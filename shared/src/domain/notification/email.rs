//! Email: a one-line subject, a plain-text body and the same as simple HTML, with every
//! user-supplied string escaped.
use super::{EmailMessage, Facts, kind_label, severity_label};
use crate::domain::org::Email;
use crate::domain::text::escape;
use std::fmt::Write;

const PREVIEW_MAX: usize = 2000;

pub(crate) fn message(f: &Facts, to: &Email) -> EmailMessage {
    let i = f.incident();
    let at = f.at();
    let facts = [
        ("Monitor", f.monitor()),
        ("Kind", kind_label(i.kind)),
        ("Severity", severity_label(i.severity)),
        ("At", at.as_str()),
        ("Organization", f.ctx.org_name.as_str()),
    ];
    let preview = f.preview(PREVIEW_MAX);
    let title = f.title();
    let description = f.description();

    let mut text = format!("{title}\n\n{description}\n\n");
    for (label, value) in facts {
        let _ = writeln!(text, "{:<13} {value}", format!("{label}:"));
    }
    if let Some(p) = &preview {
        text.push_str("\nLast output:\n");
        for line in p.lines() {
            let _ = writeln!(text, "    {line}");
        }
    }
    let _ = write!(text, "\nView the incident: {}\nView the monitor:  {}\n", f.incident_url, f.monitor_url);

    let mut html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<h2>{}</h2>\n<p>{}</p>\n<table>\n",
        escape(&title),
        escape(&description)
    );
    for (label, value) in facts {
        let _ = writeln!(html, "<tr><th align=\"left\">{label}</th><td>{}</td></tr>", escape(value));
    }
    html.push_str("</table>\n");
    if let Some(p) = &preview {
        let _ = writeln!(html, "<h3>Last output</h3>\n<pre>{}</pre>", escape(p));
    }
    let _ = write!(
        html,
        "<p><a href=\"{}\">View the incident</a> · <a href=\"{}\">View the monitor</a></p>\n</body></html>\n",
        escape(&f.incident_url),
        escape(&f.monitor_url)
    );

    EmailMessage { to: to.clone(), subject: format!("[Tokiflow] {title}"), text, html }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{Facts, Notice};
    use super::*;
    use crate::domain::incident_event::IncidentChange;
    use crate::domain::text::Name;

    #[test]
    fn subject_text_and_html() {
        let e = event(IncidentChange::Opened);
        let n = Notice::from(&e);
        let c = ctx();
        let to = Email::new("ops@example.com").unwrap();
        let m = message(&Facts::new(&n, &c), &to);
        assert_eq!(m.to, to);
        assert_eq!(m.subject, "[Tokiflow] Incident opened: Nightly backup (missed)");
        assert_eq!(
            m.text,
            "Incident opened: Nightly backup (missed)\n\
             \n\
             No ping arrived by the deadline.\n\
             \n\
             Monitor:      Nightly backup\n\
             Kind:         Missed\n\
             Severity:     High\n\
             At:           2026-11-23 10:00:00 UTC\n\
             Organization: Acme\n\
             \n\
             Last output:\n    pg_dump: error: connection refused\n\
             \n\
             View the incident: https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e\n\
             View the monitor:  https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e\n"
        );
        assert_eq!(
            m.html,
            "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n\
             <h2>Incident opened: Nightly backup (missed)</h2>\n\
             <p>No ping arrived by the deadline.</p>\n<table>\n\
             <tr><th align=\"left\">Monitor</th><td>Nightly backup</td></tr>\n\
             <tr><th align=\"left\">Kind</th><td>Missed</td></tr>\n\
             <tr><th align=\"left\">Severity</th><td>High</td></tr>\n\
             <tr><th align=\"left\">At</th><td>2026-11-23 10:00:00 UTC</td></tr>\n\
             <tr><th align=\"left\">Organization</th><td>Acme</td></tr>\n\
             </table>\n\
             <h3>Last output</h3>\n<pre>pg_dump: error: connection refused</pre>\n\
             <p><a href=\"https://app.tokiflow.test/incidents/inc_0193a1b2c3d4e5f60718293a4b5c6d7e\">View the incident</a> · \
             <a href=\"https://app.tokiflow.test/monitors/mon_0193a1b2c3d4e5f60718293a4b5c6d7e\">View the monitor</a></p>\n\
             </body></html>\n"
        );
    }

    #[test]
    fn html_escapes_user_text() {
        let e = event(IncidentChange::Resolved);
        let n = Notice::from(&e);
        let mut c = ctx();
        c.monitor_name = Name::new("<script>alert('x')</script>").unwrap();
        c.output_preview = Some("a < b && \"c\"".into());
        let m = message(&Facts::new(&n, &c), &Email::new("ops@example.com").unwrap());
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(m.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(m.html.contains("<pre>a &lt; b &amp;&amp; &quot;c&quot;</pre>"));
        assert!(m.text.contains("<script>alert('x')</script>"), "plain text stays as written");
        assert!(!m.subject.contains('\n'));
    }
}
