//! `status-bench`: how long rendering a status page takes and how much it weighs, for a
//! page of 50 components with 90 days of history (targets: ≤ 2 ms, ≤ 30 KB of HTML+CSS).
//! Prints figures; it is not a test.
use anyhow::{Context, ensure};
use std::hint::black_box;
use std::time::{Duration, Instant};
use tokiflow_shared::domain::status_page::fixture;
use tokiflow_shared::domain::status_page::render::json::{self, Document};
use tokiflow_shared::domain::status_page::render::{feed, html};
use tokiflow_shared::domain::status_page::view::StatusView;

const USAGE: &str = "usage: status-bench [--components N] [--incidents K] [--seconds S]

  --components N  components on the page (default 50)
  --incidents K   monitor incidents per component over the 90 days (default 3)
  --seconds S     how long to measure each figure (default 2)";

/// Prints a line, ignoring a closed stdout (`| head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Runs `f` repeatedly for `budget`; returns the median and the 99th percentile.
fn measure(budget: Duration, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut samples = Vec::new();
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 10 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort();
    (samples[samples.len() / 2], samples[samples.len() * 99 / 100])
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let (mut components, mut incidents, mut seconds) = (50usize, 3usize, 2u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().context(USAGE)?.parse::<u64>().context(USAGE);
        match arg.as_str() {
            "--components" => components = value()? as usize,
            "--incidents" => incidents = value()? as usize,
            "--seconds" => seconds = value()?,
            _ => anyhow::bail!("{USAGE}"),
        }
    }
    ensure!((1..=200).contains(&components), "--components must be 1..=200");
    let budget = Duration::from_secs(seconds);

    let view = fixture::view(components, incidents);
    let page = html::render(&view);
    let days = view.components[0].days.len();
    out!(
        "status page: {components} components × {days} days, {incidents} monitor incidents each, 2 status incidents, 2 maintenance"
    );
    out!(
        "HTML weight: {} bytes ({:.1} KB, target ≤ 30 KB, inline CSS included)",
        page.body.len(),
        page.body.len() as f64 / 1024.0
    );
    let (p50, p99) = measure(budget, || {
        black_box(html::render(black_box(&view)));
    });
    out!("render HTML:          p50 {}  p99 {}  (target ≤ 2 ms)", ms(p50), ms(p99));
    let (p50, p99) = measure(budget, || {
        black_box(json::render(black_box(&view), Document::Summary));
    });
    let summary = json::render(&view, Document::Summary).body.len();
    out!("render summary.json:  p50 {}  p99 {}  ({summary} bytes)", ms(p50), ms(p99));
    let (p50, p99) = measure(budget, || {
        black_box(feed::atom(black_box(&view)));
    });
    out!("render feed.atom:     p50 {}  p99 {}", ms(p50), ms(p99));
    let (p50, p99) = measure(budget, || {
        black_box(fixture::view(components, incidents));
    });
    out!("build view (roll-up, 90-day history, RRULE; no store reads): p50 {}  p99 {}", ms(p50), ms(p99));
    let (p50, p99) = measure(budget, || {
        let v: StatusView = fixture::view(components, incidents);
        black_box(html::render(&v));
    });
    out!("build view + render HTML: p50 {}  p99 {}", ms(p50), ms(p99));
    Ok(())
}
