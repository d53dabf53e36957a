//! The status page as one HTML document: no JavaScript, one inline stylesheet, semantic
//! and accessible (landmarks, headings, text for every colour, AA contrast), every value
//! escaped. The 90-day bars are run-length encoded (one element per run of equal days)
//! so 50 components stay well under 30 KB.
use super::{Rendered, percent, push_escaped};
use crate::domain::status_page::ComponentStatus;
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::maintenance::MaintenanceState;
use crate::domain::status_page::rollup::Indicator;
use crate::domain::status_page::uptime::Day;
use crate::domain::status_page::view::{CHART_DAYS, ComponentView, MaintenanceView, StatusView};
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Text colours are GitHub Primer's, each at least 4.5:1 against white (WCAG AA), and
/// the banner puts white text on the same colours.
const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;background:#fff}\
header,main,footer{max-width:52rem;margin:0 auto;padding:0 1rem}\
header{padding-top:1.5rem}\
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .75rem}h3{font-size:1rem;margin:0}\
p{margin:.25rem 0}a{color:#0969da}.mu,footer{color:#59636e}\
.banner{color:#fff;border-radius:6px;padding:1rem 1.25rem;margin-top:1.5rem;font-size:1.25rem;font-weight:600}\
.i-none,.s-operational{--c:#1a7f37}.i-maintenance,.s-under_maintenance{--c:#0969da}\
.i-minor,.s-degraded_performance{--c:#9a6700}.i-major,.s-partial_outage{--c:#bc4c00}\
.i-critical,.s-major_outage{--c:#cf222e}\
.banner{background:var(--c)}.st{color:var(--c);font-weight:600;white-space:nowrap}\
ul,ol{list-style:none;margin:0;padding:0}\
.cs>li{border:1px solid #d1d9e0;border-radius:6px;padding:.75rem 1rem;margin-bottom:.5rem}\
.ch{display:flex;justify-content:space-between;gap:1rem}\
.bar{display:flex;height:2rem;gap:1px;margin:.5rem 0 .25rem}.bar li{flex:1;border-radius:2px;background:#2da44e}\
.bar .m{background:#0969da}.bar .d{background:#d4a72c}.bar .p{background:#e16f24}.bar .x{background:#cf222e}\
.leg{display:flex;justify-content:space-between;font-size:.8rem;color:#59636e}.up{font-size:.875rem;color:#59636e;text-align:right}\
article{border-left:4px solid var(--c,#d1d9e0);padding:.25rem 0 .25rem 1rem;margin-bottom:1rem}\
.cs svg{display:block;width:100%}.cs path{fill:none;stroke:#0969da;stroke-width:1.5}\
.tl li{margin-top:.5rem}footer{margin-top:2rem;padding-bottom:2rem;font-size:.875rem}\
";

fn time(out: &mut String, t: DateTime<Utc>) {
    let _ = write!(out, "<time datetime=\"{}\">{}</time>", t.to_rfc3339(), t.format("%Y-%m-%d %H:%M UTC"));
}

/// Only absolute http(s) URLs are put in `src`/`href`: anything else (`javascript:`)
/// is dropped.
fn safe_url(url: &str) -> Option<&str> {
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

/// A day's status in a bar's tooltip: the label, shortened where the colour legend
/// already says the rest (pages of many components stay small).
fn short_label(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::UnderMaintenance => "maintenance",
        ComponentStatus::DegradedPerformance => "degraded",
        ComponentStatus::PartialOutage => "partial outage",
        ComponentStatus::MajorOutage => "major outage",
        ComponentStatus::Operational => "operational",
    }
}

fn day_class(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "",
        ComponentStatus::UnderMaintenance => "m",
        ComponentStatus::DegradedPerformance => "d",
        ComponentStatus::PartialOutage => "p",
        ComponentStatus::MajorOutage => "x",
    }
}

/// One list item per run of days with the same worst status (the `</li>` end tags are
/// optional in HTML, so they are left out); operational runs take the list's default
/// colour, others carry their dates and status as a tooltip.
fn bars(out: &mut String, days: &[Day]) {
    let mut i = 0;
    while i < days.len() {
        let worst = days[i].worst;
        let run = days[i..].iter().take_while(|d| d.worst == worst).count();
        out.push_str("<li");
        if worst != ComponentStatus::Operational {
            let (first, last) = (days[i].date, days[i + run - 1].date);
            let _ = write!(out, " class={} title=\"", day_class(worst));
            let _ = if run == 1 {
                write!(out, "{}", first.format("%b %-d"))
            } else {
                write!(out, "{} to {}", first.format("%b %-d"), last.format("%b %-d"))
            };
            let _ = write!(out, " {}\"", short_label(worst));
        }
        // One day is the default width (`.bar li{flex:1}`): most runs of trouble are one day.
        if run == 1 {
            out.push('>');
        } else {
            let _ = write!(out, " style=flex:{run}>");
        }
        i += run;
    }
}

fn component(out: &mut String, c: &ComponentView) {
    let s = c.component.status;
    out.push_str("<li><div class=ch><h3>");
    push_escaped(out, c.component.name.as_str());
    let _ = write!(out, "</h3><span class=\"st s-{}\">{}</span></div>", s.code(), s.label());
    if let Some(d) = &c.component.description {
        out.push_str("<p class=mu>");
        push_escaped(out, d);
        out.push_str("</p>");
    }
    let uptime = percent(c.uptime);
    // The bars are a picture of what the text after them says.
    out.push_str("<ol class=bar aria-hidden=true>");
    bars(out, &c.days);
    out.push_str("</ol>");
    // Last in its item, so its end tag is implied.
    let _ = match chart(out, &c.latency) {
        Some((min, max)) => write!(
            out,
            "<p class=up>{uptime} uptime in {days} days · {CHART_DAYS}-day median {min}–{max} ms</li>",
            days = c.days.len()
        ),
        None => write!(out, "<p class=up>{uptime} uptime in {} days</li>", c.days.len()),
    };
}

/// The chart's height in SVG units: medians are drawn in ten steps, all a sparkline
/// shows, which keeps each point to a few bytes.
const CHART_STEPS: u64 = 9;
/// SVG units per day: the view box is about as wide as the chart is drawn (13:1), so it
/// scales without distortion, and every step is one digit.
const CHART_DAY: i64 = 9;

/// The daily median response time as one inline SVG path, about 120 bytes (a page of
/// 50 probed components stays under 30 KB), scaled to the slowest day. Its range is
/// written out after it, so the picture itself is hidden from screen readers.
fn chart(out: &mut String, latency: &[(chrono::NaiveDate, u64)]) -> Option<(u64, u64)> {
    let max = latency.iter().map(|(_, ms)| *ms).max()?;
    let min = latency.iter().map(|(_, ms)| *ms).min().unwrap_or(max);
    let last = latency[latency.len() - 1].0;
    let first_day = last - chrono::Duration::days(CHART_DAYS - 1);
    let _ =
        write!(out, "<svg viewBox=\"0 0 {} {CHART_STEPS}\" aria-hidden=true><path d=\"", (CHART_DAYS - 1) * CHART_DAY);
    let mut prev: Option<(i64, i64)> = None;
    for (day, ms) in latency.iter().filter(|(day, _)| *day >= first_day) {
        let x = (*day - first_day).num_days() * CHART_DAY;
        let y = (CHART_STEPS - ms * CHART_STEPS / max.max(1)) as i64;
        let _ = match prev {
            None => write!(out, "M{x} {y}l"),
            // A minus sign separates numbers itself.
            Some((px, py)) if y < py => write!(out, "{}{} ", x - px, y - py),
            Some((px, py)) => write!(out, "{} {} ", x - px, y - py),
        };
        prev = Some((x, y));
    }
    out.truncate(out.trim_end().len());
    out.push_str("\"/></svg>");
    Some((min, max))
}

fn incident(out: &mut String, view: &StatusView, i: &StatusIncident) {
    // The same colour classes as the banner: an incident's impact is its indicator.
    let level = if i.is_resolved() { Indicator::None } else { Indicator::of(ComponentStatus::Operational, [i.impact]) };
    let _ = write!(out, "<article id=\"{}\" class=i-{}><h3>", i.id, level.code());
    push_escaped(out, i.name.as_str());
    let _ = write!(out, "</h3><p class=mu>{} · {} impact · ", i.state.label(), i.impact.code());
    let names: Vec<&str> = i
        .updates
        .iter()
        .flat_map(|u| u.changes.iter())
        .filter_map(|c| view.component(c.component_id.as_str()))
        .map(|c| c.component.name.as_str())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    if !seen.is_empty() {
        out.push_str("affects ");
        push_escaped(out, &seen.join(", "));
        out.push_str(" · ");
    }
    out.push_str("since ");
    time(out, i.created_at);
    out.push_str("</p><ol class=tl reversed>");
    for u in i.updates.iter().rev() {
        let _ = write!(out, "<li><strong>{}</strong> — ", u.state.label());
        time(out, u.at);
        out.push_str("<p>");
        push_escaped(out, u.body.as_str());
        out.push_str("</p></li>");
    }
    out.push_str("</ol></article>");
}

fn maintenance(out: &mut String, view: &StatusView, m: &MaintenanceView) {
    let (mt, o) = (&m.maintenance, m.occurrence);
    let _ = write!(out, "<article id=\"{}\" class=i-maintenance><h3>", mt.id);
    push_escaped(out, mt.window.name.as_str());
    let _ = write!(out, "</h3><p class=mu>{} · ", o.state.label());
    time(out, o.starts_at);
    out.push_str(" to ");
    time(out, o.ends_at);
    if mt.window.recurrence.is_some() {
        out.push_str(" · recurring");
    }
    out.push_str("</p>");
    let names: Vec<&str> =
        mt.component_ids.iter().filter_map(|c| view.component(c.as_str())).map(|c| c.component.name.as_str()).collect();
    if !names.is_empty() {
        out.push_str("<p>Affects ");
        push_escaped(out, &names.join(", "));
        out.push_str("</p>");
    }
    if let Some(d) = &mt.description {
        out.push_str("<p>");
        push_escaped(out, d.as_str());
        out.push_str("</p>");
    }
    out.push_str("</article>");
}

/// A section with a heading; `body` writes its content.
fn section(out: &mut String, id: &str, title: &str, body: impl FnOnce(&mut String)) {
    let _ = write!(out, "<section aria-labelledby={id}><h2 id={id}>{title}</h2>");
    body(out);
    out.push_str("</section>");
}

pub fn render(view: &StatusView) -> Rendered {
    let page = &view.page;
    let loc = &view.location;
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>");
    push_escaped(&mut out, page.name.as_str());
    let _ = write!(
        out,
        " status</title><link rel=alternate type=application/atom+xml title=Incidents href=\"{}\">",
        loc.path("/feed.atom")
    );
    // Without an icon of its own, an empty one: browsers would otherwise fetch
    // /favicon.ico, which is not the page's.
    out.push_str("<link rel=icon href=\"");
    push_escaped(&mut out, page.theme.favicon_url.as_deref().and_then(safe_url).unwrap_or("data:,"));
    out.push_str("\">");
    // The brand colour is a validated #rrggbb, and only decorates (no text on it).
    let _ = write!(
        out,
        "<style>{CSS}header{{border-top:6px solid {}}}</style></head><body><header>",
        page.theme.brand_colour.as_str()
    );
    if let Some(logo) = page.theme.logo_url.as_deref().and_then(safe_url) {
        out.push_str("<img src=\"");
        push_escaped(&mut out, logo);
        out.push_str("\" alt=\"\" height=40>");
    }
    out.push_str("<h1>");
    push_escaped(&mut out, page.name.as_str());
    out.push_str("</h1>");
    if let Some(d) = &page.description {
        out.push_str("<p class=mu>");
        push_escaped(&mut out, d);
        out.push_str("</p>");
    }
    out.push_str("</header><main>");
    let _ = write!(
        out,
        "<p class=\"banner i-{}\" id=banner role=status>{}</p>",
        view.indicator.code(),
        view.indicator.description()
    );

    let active: Vec<&StatusIncident> = view.unresolved().collect();
    if !active.is_empty() {
        section(&mut out, "active", "Active incidents", |out| active.iter().for_each(|i| incident(out, view, i)));
    }
    let upcoming: Vec<&MaintenanceView> = view.upcoming().collect();
    if !upcoming.is_empty() {
        section(&mut out, "maintenance", "Scheduled maintenance", |out| {
            upcoming.iter().for_each(|m| maintenance(out, view, m))
        });
    }
    section(&mut out, "components", "Components", |out| {
        let days = view.components.first().map_or(0, |c| c.days.len());
        let _ = write!(
            out,
            "<p class=leg aria-hidden=true><span>{days} days ago</span><span>Today</span></p><ul class=cs>"
        );
        view.components.iter().for_each(|c| component(out, c));
        out.push_str("</ul>");
    });
    section(&mut out, "past", "Past incidents", |out| {
        let mut any = false;
        for i in view.resolved() {
            incident(out, view, i);
            any = true;
        }
        for m in view.maintenance.iter().filter(|m| m.occurrence.state == MaintenanceState::Completed) {
            maintenance(out, view, m);
            any = true;
        }
        if !any {
            out.push_str("<p class=mu>No incidents reported.</p>");
        }
    });
    out.push_str("</main><footer><p>Last change ");
    time(&mut out, view.updated_at());
    let _ = write!(
        out,
        " · <a href=\"{}\">Atom</a> · <a href=\"{}\">RSS</a> · <a href=\"{}\">JSON</a></p></footer></body></html>",
        loc.path("/feed.atom"),
        loc.path("/feed.rss"),
        loc.path("/api/v2/summary.json")
    );
    Rendered::new(out, "text/html; charset=utf-8")
}
