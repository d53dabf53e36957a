//! Atom (RFC 4287) and RSS 2.0 feeds of a page's incidents, newest first; each entry
//! carries the incident's timeline as escaped HTML.
use super::{Rendered, escape, push_escaped};
use crate::domain::status_page::incident::StatusIncident;
use crate::domain::status_page::view::StatusView;
use std::fmt::Write;

/// The incident's timeline, newest update first, as HTML (to be escaped once more into
/// the feed's text).
fn timeline_html(i: &StatusIncident) -> String {
    let mut html = String::new();
    for u in i.updates.iter().rev() {
        let _ = write!(html, "<p><strong>{}</strong> ({}) — ", u.state.label(), u.at.format("%Y-%m-%d %H:%M UTC"));
        push_escaped(&mut html, u.body.as_str());
        html.push_str("</p>");
    }
    html
}

fn title(i: &StatusIncident) -> String {
    format!("[{}] {}", i.state.label(), i.name.as_str())
}

pub fn atom(view: &StatusView) -> Rendered {
    let url = view.location.url("");
    let mut out = String::with_capacity(4096);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">",
    );
    let _ = write!(
        out,
        "<id>{u}</id><title>{n} status</title><updated>{t}</updated><author><name>{n}</name></author>\
         <link rel=\"alternate\" type=\"text/html\" href=\"{u}\"/><link rel=\"self\" href=\"{u}/feed.atom\"/>",
        u = escape(&url),
        n = escape(view.page.name.as_str()),
        t = view.updated_at().to_rfc3339()
    );
    for i in &view.incidents {
        let link = escape(&view.location.url(&format!("#{}", i.id)));
        let _ = write!(
            out,
            "<entry><id>{link}</id><title>{}</title><published>{}</published><updated>{}</updated>\
             <link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/><content type=\"html\">{}</content></entry>",
            escape(&title(i)),
            i.created_at.to_rfc3339(),
            i.updated_at().to_rfc3339(),
            escape(&timeline_html(i))
        );
    }
    out.push_str("</feed>");
    Rendered::new(out, "application/atom+xml; charset=utf-8")
}

pub fn rss(view: &StatusView) -> Rendered {
    let url = view.location.url("");
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>");
    let _ = write!(
        out,
        "<title>{n} status</title><link>{u}</link><description>Incidents of {n}</description><lastBuildDate>{t}</lastBuildDate>",
        u = escape(&url),
        n = escape(view.page.name.as_str()),
        t = view.updated_at().to_rfc2822()
    );
    for i in &view.incidents {
        let _ = write!(
            out,
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"false\">{}</guid><pubDate>{}</pubDate><description>{}</description></item>",
            escape(&title(i)),
            escape(&view.location.url(&format!("#{}", i.id))),
            i.id,
            i.created_at.to_rfc2822(),
            escape(&timeline_html(i))
        );
    }
    out.push_str("</channel></rss>");
    Rendered::new(out, "application/rss+xml; charset=utf-8")
}
