//! `probe-bench`: the figures of active probes in the local server. `--monitors` HTTP
//! monitors (default 5,000) checking every `--interval` seconds (default 30) a loopback
//! target this bench starts (a child process, so its work is not counted as the
//! server's), created through `ManageService` with the timers already running, then
//! watched for `--seconds` (default 300, or `PROBE_BENCH_SECONDS`). Reports checks per
//! second; scheduling lateness (a check's `checkedAt` minus its due time,
//! `createdAt + jitter(id, interval) + k·interval`); resident memory; CPU per 1,000
//! checks; and checks that were not UP.
use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use tokiflow_shared::domain::ids::MonitorId;
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::probe::check::CheckStatus;
use tokiflow_shared::domain::probe::spec::MonitorKind;
use tokiflow_shared::domain::probe::state::jitter;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::scheduler::Scheduler;
use tokiflow_shared::ports::store::{CheckQuery, MAX_PAGE, OrgStore, ProbeStore};
use tokiflow_shared::services::manage::MonitorInput;

const USAGE: &str = "usage: probe-bench [--monitors N] [--interval S] [--seconds S]

  --monitors N   HTTP monitors to create (default 5000)
  --interval S   seconds between each monitor's checks (default 30; at least 10)
  --seconds S    how long to watch once every monitor exists (default 300, or PROBE_BENCH_SECONDS)";

/// What the child process started with `--serve-target` is: the probes' target.
const SERVE_TARGET: &str = "--serve-target";
/// Monitors created at once (the store's writer commits what is queued in one transaction).
const CREATE_BATCH: usize = 256;
/// Due times this close to the end may not have fired yet: not counted as skipped.
const SETTLE: Duration = Duration::seconds(2);
/// `/proc/self/stat` counts CPU time in USER_HZ ticks, 100 a second on Linux.
const TICKS_PER_SEC: f64 = 100.0;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(SERVE_TARGET) {
        return serve_target();
    }
    let (mut monitors, mut interval, mut seconds) = (5_000usize, 30u32, 300u64);
    if let Ok(s) = std::env::var("PROBE_BENCH_SECONDS") {
        seconds = s.parse().context("PROBE_BENCH_SECONDS: expected a number")?;
    }
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().context(USAGE);
        match arg.as_str() {
            "--monitors" => monitors = value()?.parse().context("--monitors: expected a number")?,
            "--interval" => interval = value()?.parse().context("--interval: expected a number")?,
            "--seconds" => seconds = value()?.parse().context("--seconds: expected a number")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    ensure!(monitors > 0 && seconds > 0, "--monitors and --seconds must be positive");
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".parse().expect("filter")),
        )
        .with_writer(std::io::stderr)
        .init();
    let target = Target::start()?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(bench(
        monitors,
        interval,
        seconds,
        &target.url,
    ))
}

/// The loopback target, in a child process: it answers every request `200 OK` with a
/// short body, and ends when this process closes its stdin (or kills it).
struct Target {
    child: Child,
    url: String,
}

impl Target {
    fn start() -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SERVE_TARGET)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the target")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("target stdout")?).read_line(&mut line)?;
        let port: u16 = line.trim().parse().with_context(|| format!("the target said {line:?}, not its port"))?;
        Ok(Self { child, url: format!("http://127.0.0.1:{port}/health") })
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child: one thread, HTTP/1.1 on a loopback port, printed on stdout.
fn serve_target() -> anyhow::Result<()> {
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    // Until the parent goes: its end of our stdin closes then.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?.port());
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            tokio::spawn(async move {
                let answer = service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(
                        Bytes::from_static(b"ok\n"),
                    )))
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), answer).await;
            });
        }
    })
}

async fn bench(monitors: usize, interval: u32, seconds: u64, url: &str) -> anyhow::Result<()> {
    let dir = tokiflow_local::ScratchDir::new("probe-bench")?;
    let local = tokiflow_local::Local::open(&dir.config()?)?;
    let org = Org::new(Name::new("probe-bench")?, Utc::now());
    local.store.create_org(&org).await?;
    // Running before the first monitor exists, as in a server people add monitors to:
    // no first check waits for the others to be created.
    local.start_timers().await?;

    let created_from = std::time::Instant::now();
    let mut first_due: Vec<(MonitorId, DateTime<Utc>)> = Vec::with_capacity(monitors);
    for start in (0..monitors).step_by(CREATE_BATCH) {
        let mut batch = tokio::task::JoinSet::new();
        for i in start..monitors.min(start + CREATE_BATCH) {
            let (app, org) = (local.app.clone(), org.clone());
            let input = MonitorInput {
                kind: Some(MonitorKind::Http),
                name: Some(format!("site {i}")),
                url: Some(url.to_owned()),
                interval: Some(u64::from(interval)),
                ..Default::default()
            };
            batch.spawn(async move { app.manage.create_monitor(&org, input, Utc::now()).await });
        }
        while let Some(created) = batch.join_next().await {
            let m = created??.monitor;
            let due = m.created_at + jitter(&m.id, interval);
            ensure!(m.next_check_at() == Some(due), "the first check is due at createdAt + jitter");
            first_due.push((m.id, due));
        }
    }
    println!(
        "probe-bench: {monitors} http monitors every {interval} s against {url} (a child process), created \
         through ManageService in {:.1} s with the timers running",
        created_from.elapsed().as_secs_f64()
    );

    let (start, cpu_start) = (Utc::now(), cpu_seconds()?);
    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    let (end, cpu_end) = (Utc::now(), cpu_seconds()?);
    let (rss_end, rss_peak) = (status_mb("VmRSS:")?, status_mb("VmHWM:")?);
    // Quiet from here: the checks in flight re-arm a whole interval on.
    for (id, _) in &first_due {
        local.timers.disarm(id).await?;
    }

    let step = Duration::seconds(i64::from(interval));
    let (mut late_ms, mut not_up, mut all, mut skipped, mut twice) = (Vec::new(), Vec::new(), 0usize, 0usize, 0usize);
    let mut first_error = None;
    for (id, first) in &first_due {
        let mut due_indexes = Vec::new();
        for (at, status, error) in checks_until(&local, id, end).await? {
            all += 1;
            if status != CheckStatus::Up {
                not_up.push(status);
                first_error = first_error.or(error);
            }
            // Never early; a check a whole interval late would be counted as skipped.
            let k = (at - *first).num_milliseconds().div_euclid(step.num_milliseconds());
            let due = *first + step * k as i32;
            due_indexes.push(k);
            if at >= start {
                late_ms.push((at - due).num_microseconds().context("lateness")? as f64 / 1000.0);
            }
        }
        due_indexes.sort_unstable();
        let distinct = {
            let mut d = due_indexes.clone();
            d.dedup();
            d
        };
        twice += due_indexes.len() - distinct.len();
        // Due times up to shortly before the end: each should have its check.
        let settled = end - SETTLE;
        if *first <= settled {
            let expected = (settled - *first).num_milliseconds() / step.num_milliseconds() + 1;
            skipped += (0..expected).filter(|k| distinct.binary_search(k).is_err()).count();
        }
    }
    ensure!(!late_ms.is_empty(), "no check ran in {seconds} s");
    late_ms.sort_by(f64::total_cmp);
    let measured = late_ms.len();
    let span = (end - start).num_milliseconds() as f64 / 1000.0;
    println!("monitors: {monitors}");
    println!("duration: {span:.1} s (measured once every monitor existed)");
    println!("checks recorded: {measured} in the duration ({all} in all), {:.1} checks/s", measured as f64 / span);
    println!(
        "scheduling lateness (checkedAt - due): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal p99 ≤ 1000 ms)",
        percentile(&late_ms, 0.50),
        percentile(&late_ms, 0.95),
        percentile(&late_ms, 0.99),
        late_ms[measured - 1]
    );
    println!("due times without a check: {skipped}; checked twice: {twice} (should be 0 and 0)");
    println!("process RSS: {rss_end:.0} MB at the end, {rss_peak:.0} MB peak (goal ≤ 300 MB)");
    println!(
        "CPU: {:.1} s user+system in the duration = {:.3} s per 1,000 checks ({:.0}% of one core)",
        cpu_end - cpu_start,
        (cpu_end - cpu_start) * 1000.0 / measured as f64,
        (cpu_end - cpu_start) * 100.0 / span
    );
    let mut kinds: Vec<String> = Vec::new();
    for s in [CheckStatus::Down, CheckStatus::Degraded, CheckStatus::Unknown] {
        let n = not_up.iter().filter(|x| **x == s).count();
        if n > 0 {
            kinds.push(format!("{n} {s:?}"));
        }
    }
    println!(
        "checks not UP: {} (should be 0){}",
        not_up.len(),
        if kinds.is_empty() { String::new() } else { format!(": {}", kinds.join(", ")) }
    );
    if let Some(e) = first_error {
        println!("  the first one's error: {e}");
    }
    // The checks in flight at the end commit before the store closes.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    local.store.close();
    Ok(())
}

/// The monitor's checks up to `end`: when each ran, what it found, and why not UP.
async fn checks_until(
    local: &tokiflow_local::Local,
    id: &MonitorId,
    end: DateTime<Utc>,
) -> anyhow::Result<Vec<(DateTime<Utc>, CheckStatus, Option<String>)>> {
    let mut found = Vec::new();
    let mut before = None;
    loop {
        let q = CheckQuery { from: None, to: Some(end), status: None, limit: MAX_PAGE, before };
        let page = local.store.checks(id, &q).await?;
        found.extend(page.items.into_iter().map(|c| (c.checked_at, c.status, c.error)));
        match page.next {
            Some(next) => before = Some(next),
            None => return Ok(found),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A `/proc/self/status` figure given in kB, in MB.
fn status_mb(field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .with_context(|| format!("no {field}"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kb / 1024.0)
}

/// This process's user + system CPU time so far.
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // After the command name (which may hold spaces) in parentheses: state is field 3,
    // utime and stime fields 14 and 15.
    let rest = stat.rsplit_once(')').context("/proc/self/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<f64> { Ok(fields.get(i - 3).context("/proc/self/stat")?.parse()?) };
    Ok((ticks(14)? + ticks(15)?) / TICKS_PER_SEC)
}
