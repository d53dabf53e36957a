//! Status page rendering: the Statuspage v2 JSON against golden files (same field names
//! and shapes as Atlassian Statuspage), and the HTML, feeds and badges for what they
//! must and must not contain. `TOKIFLOW_UPDATE_GOLDEN=1` rewrites the golden files (then
//! review the diff: they are the contract).
use std::path::PathBuf;
use tokiflow_shared::domain::status_page::fixture;
use tokiflow_shared::domain::status_page::render::json::Document;
use tokiflow_shared::domain::status_page::render::{self, Resource, badge, feed, html, json};
use tokiflow_shared::domain::status_page::view::StatusView;

fn golden(name: &str, actual: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    let actual: serde_json::Value = serde_json::from_slice(actual).expect("renders JSON");
    if std::env::var_os("TOKIFLOW_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
        return;
    }
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (TOKIFLOW_UPDATE_GOLDEN=1 writes it)", path.display()));
    let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

fn small() -> StatusView {
    fixture::view(4, 2)
}

#[test]
fn statuspage_json_matches_golden_files() {
    let v = small();
    for (doc, file) in [
        (Document::Summary, "summary.json"),
        (Document::Status, "status.json"),
        (Document::Components, "components.json"),
        (Document::Incidents, "incidents.json"),
        (Document::UnresolvedIncidents, "incidents-unresolved.json"),
        (Document::ScheduledMaintenances, "scheduled-maintenances.json"),
        (Document::UpcomingMaintenances, "scheduled-maintenances-upcoming.json"),
        (Document::ActiveMaintenances, "scheduled-maintenances-active.json"),
    ] {
        let r = json::render(&v, doc);
        assert_eq!(r.content_type, "application/json");
        golden(file, &r.body);
    }
}

#[test]
fn summary_has_statuspage_shape() {
    // Independent of the golden files: the keys Statuspage clients read.
    let v: serde_json::Value = serde_json::from_slice(&json::render(&small(), Document::Summary).body).unwrap();
    let keys = |o: &serde_json::Value| o.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&v), ["components", "incidents", "page", "scheduled_maintenances", "status"]);
    assert_eq!(keys(&v["page"]), ["id", "name", "time_zone", "updated_at", "url"]);
    assert_eq!(v["status"], serde_json::json!({"indicator": "major", "description": "Partial System Outage"}));
    assert_eq!(v["components"][0]["status"], "partial_outage");
    let incident = &v["incidents"][0];
    for key in [
        "id",
        "name",
        "status",
        "impact",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "shortlink",
        "started_at",
        "page_id",
        "incident_updates",
        "components",
    ] {
        assert!(incident.get(key).is_some(), "incident lacks {key}");
    }
    assert_eq!(incident["status"], "identified");
    assert_eq!(incident["incident_updates"][0]["status"], "identified", "newest update first");
    let m = &v["scheduled_maintenances"][0];
    assert_eq!((m["status"].as_str(), m["impact"].as_str()), (Some("scheduled"), Some("maintenance")));
    assert_eq!(m["scheduled_for"], "2026-04-02T02:00:00.000Z");
}

#[test]
fn html_page_shows_banner_components_incidents_and_maintenance() {
    let v = small();
    let r = html::render(&v);
    assert_eq!(r.content_type, "text/html; charset=utf-8");
    let page = String::from_utf8(r.body).unwrap();
    assert!(page.starts_with("<!doctype html><html lang=en>"));
    assert!(page.contains("id=banner role=status>Partial System Outage</p>"));
    for name in ["API", "Dashboard", "Database", "Webhooks"] {
        assert!(page.contains(&format!("<h3>{name}</h3>")), "component {name}");
    }
    assert!(page.contains("Elevated API error rates") && page.contains("Delayed webhook deliveries"));
    assert!(page.contains("Weekly database patching"));
    assert!(page.contains("Public REST API &amp; webhooks &lt;v2&gt;"), "descriptions are escaped");
    assert!(!page.to_ascii_lowercase().contains("<script"), "no JavaScript");
    assert_eq!(page.matches("<style>").count(), 1, "one inline stylesheet");
    assert!(!page.contains("<link rel=stylesheet"));
    assert_eq!(page.matches("<ol class=bar aria-hidden=true>").count(), 4, "one bar per component");
    assert_eq!(page.matches("uptime in 90 days</li>").count(), 4, "its uptime in words after it");
}

#[test]
fn html_escapes_hostile_names() {
    let mut v = small();
    v.page.name = tokiflow_shared::domain::text::Name::new("<script>alert(1)</script>").unwrap();
    v.components[0].component.name =
        tokiflow_shared::domain::text::Name::new("\"><img src=x onerror=alert(1)>").unwrap();
    let page = String::from_utf8(html::render(&v).body).unwrap();
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img src=x"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn fifty_components_with_ninety_days_and_response_time_charts_stay_under_30_kb() {
    let mut v = fixture::view(50, 3);
    assert_eq!(v.components[0].days.len(), 90);
    // Every component a probe with a median every day, the worst case for size.
    let today = v.at.date_naive();
    for c in &mut v.components {
        c.latency = (0..14).map(|d| (today - chrono::Duration::days(13 - d), 100 + (d as u64 * 67) % 900)).collect();
    }
    let page = String::from_utf8(html::render(&v).body).unwrap();
    assert!(page.len() < 30 * 1024, "page is {} bytes", page.len());
    assert_eq!(page.matches("<svg ").count(), 50, "a chart per probed component");
    let first = &page[page.find("<svg ").unwrap()..];
    let chart = &first[..first.find("</svg>").unwrap()];
    assert!(first.contains("</svg><p class=up>99.93% uptime in 90 days · 14-day median 100–971 ms</li>"), "{first}");
    let path = &chart[chart.find("d=\"").unwrap() + 3..chart.rfind('"').unwrap()];
    assert!(path.starts_with('M') && path.contains('l'), "{path}");
    let moves: Vec<i64> = path[path.find('l').unwrap() + 1..]
        .replace('-', " -")
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(moves.len(), 26, "a relative move per day after the first: {path}");
    assert!(!page.to_ascii_lowercase().contains("<script"), "still no JavaScript");
}

#[test]
fn rendering_is_deterministic_so_etags_are_stable() {
    let (a, b) = (small(), small());
    for resource in
        [Resource::Html, Resource::Json(Document::Summary), Resource::Atom, Resource::Rss, Resource::PageBadge]
    {
        let (ra, rb) = (render::render(&a, &resource).unwrap(), render::render(&b, &resource).unwrap());
        assert_eq!(ra.etag, rb.etag, "{resource:?}");
        assert_eq!(ra.etag, render::etag(&ra.body));
    }
}

/// Checks that `xml` is well-formed (balanced elements, one root) and returns the element
/// names in document order.
fn elements(xml: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut roots = 0;
    for token in xmlparser::Tokenizer::from(xml) {
        match token.unwrap_or_else(|e| panic!("not well-formed: {e}")) {
            xmlparser::Token::ElementStart { local, .. } => {
                if stack.is_empty() {
                    roots += 1;
                }
                stack.push(local.to_string());
                names.push(local.to_string());
            }
            xmlparser::Token::ElementEnd { end, .. } => match end {
                xmlparser::ElementEnd::Open => {}
                xmlparser::ElementEnd::Close(_, local) => {
                    assert_eq!(stack.pop().as_deref(), Some(local.as_str()), "mismatched </{local}>")
                }
                xmlparser::ElementEnd::Empty => {
                    stack.pop();
                }
            },
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert_eq!(roots, 1);
    names
}

#[test]
fn feeds_are_well_formed_with_one_entry_per_incident() {
    let v = small();
    let atom = feed::atom(&v);
    assert_eq!(atom.content_type, "application/atom+xml; charset=utf-8");
    let atom = String::from_utf8(atom.body).unwrap();
    let names = elements(&atom);
    assert_eq!(names[0], "feed");
    assert_eq!(names.iter().filter(|n| *n == "entry").count(), 2);
    assert!(atom.contains("<title>[Identified] Elevated API error rates</title>"));
    assert!(atom.contains("&lt;strong&gt;Resolved&lt;/strong&gt;"), "timeline HTML is escaped into the text");

    let rss = String::from_utf8(feed::rss(&v).body).unwrap();
    let names = elements(&rss);
    assert_eq!(names[..2], ["rss", "channel"]);
    assert_eq!(names.iter().filter(|n| *n == "item").count(), 2);
    assert!(rss.contains("<pubDate>Tue, 31 Mar 2026 11:20:00 +0000</pubDate>"));
}

#[test]
fn badges_are_svg_with_a_text_alternative() {
    let v = small();
    let page = String::from_utf8(badge::page(&v).body).unwrap();
    assert_eq!(elements(&page)[0], "svg");
    assert!(page.contains("aria-label=\"Acme Cloud: partial system outage\""));
    let id = v.components[1].component.id.to_string();
    let c = String::from_utf8(badge::component(&v, &id).unwrap().body).unwrap();
    assert!(c.contains("<title>Dashboard: operational</title>"));
    assert!(badge::component(&v, "cmp_nope").is_none());
}
