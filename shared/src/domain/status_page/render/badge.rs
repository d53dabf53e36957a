//! SVG status badges in the familiar two-part style: a label on grey, the status on its
//! colour, with a `<title>` for screen readers.
use super::{Rendered, escape};
use crate::domain::status_page::ComponentStatus;
use crate::domain::status_page::rollup::Indicator;
use crate::domain::status_page::view::StatusView;
use std::fmt::Write;

/// The longest label a badge shows; longer names are cut.
const MAX_LABEL: usize = 40;

/// Colours chosen for white text at 4.5:1 or more.
fn colour(s: ComponentStatus) -> &'static str {
    match s {
        ComponentStatus::Operational => "#1a7f37",
        ComponentStatus::UnderMaintenance => "#0969da",
        ComponentStatus::DegradedPerformance => "#9a6700",
        ComponentStatus::PartialOutage => "#bc4c00",
        ComponentStatus::MajorOutage => "#cf222e",
    }
}

/// Roughly Verdana 11px: good enough to size the boxes without a font table.
fn text_width(s: &str) -> usize {
    s.chars().count() * 7 + 10
}

fn badge(label: &str, value: &str, fill: &str) -> Rendered {
    let label: String = label.chars().take(MAX_LABEL).collect();
    let (lw, vw) = (text_width(&label), text_width(value));
    let w = lw + vw;
    let (l, v) = (escape(&label), escape(value));
    let mut svg = String::with_capacity(768);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{l}: {v}\">\
         <title>{l}: {v}</title><rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{vw}\" height=\"20\" fill=\"{fill}\"/>\
         <g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\" text-anchor=\"middle\">\
         <text x=\"{lx}\" y=\"14\">{l}</text><text x=\"{vx}\" y=\"14\">{v}</text></g></svg>",
        lx = lw / 2,
        vx = lw + vw / 2,
    );
    Rendered::new(svg, "image/svg+xml")
}

fn indicator_status(i: Indicator) -> ComponentStatus {
    match i {
        Indicator::None => ComponentStatus::Operational,
        Indicator::Maintenance => ComponentStatus::UnderMaintenance,
        Indicator::Minor => ComponentStatus::DegradedPerformance,
        Indicator::Major => ComponentStatus::PartialOutage,
        Indicator::Critical => ComponentStatus::MajorOutage,
    }
}

/// The page's badge: its name and overall status.
pub fn page(view: &StatusView) -> Rendered {
    let status = indicator_status(view.indicator);
    let value = if view.indicator == Indicator::None {
        "operational".to_owned()
    } else {
        view.indicator.description().to_lowercase()
    };
    badge(view.page.name.as_str(), &value, colour(status))
}

/// One component's badge, or `None` if the page has no such component.
pub fn component(view: &StatusView, id: &str) -> Option<Rendered> {
    let c = view.component(id)?;
    let s = c.component.status;
    Some(badge(c.component.name.as_str(), &s.label().to_lowercase(), colour(s)))
}
