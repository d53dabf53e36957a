//! `ping-bench`: loads `/ping/{token}` over keep-alive HTTP/1.1 on loopback; reports throughput and latency.
use anyhow::{Context, bail, ensure};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Method, Request, StatusCode, Uri, header};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec};
use tokiflow_shared::domain::{incident::Severity, org::Org, schedule::Schedule, secret::PingToken, text::Name};
use tokiflow_shared::ports::store::{MonitorStore, OrgStore, RunStore};
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str =
    "usage: ping-bench [--concurrency N] [--seconds S] [--monitors M] [--url BASE --token T [--token T ...]]

  --concurrency N  keep-alive connections, one worker each (default 64)
  --seconds S      measured duration, after a 1 s warm-up (default 10)
  --monitors M     monitors to create in the embedded store (default 100)
  --url BASE       target a running server on loopback (e.g. http://127.0.0.1:8080) instead
  --token T        a ping token of that server; repeat to spread the load";

/// Prints a line, ignoring a closed stdout (`| head`): with `panic = "abort"` a failed
/// `println!` would skip removing the temporary data directory.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

const WARM_UP: Duration = Duration::from_secs(1);
/// Every 10th request is a POST with this body, so body reading and previews are exercised.
const POST_BODY: &[u8; 200] = &[b'.'; 200];

type Conn = SendRequest<Full<Bytes>>;

/// Where the load goes: the server's address and the tokens to ping in turn.
struct Target {
    addr: SocketAddr,
    host: String,
    prefix: String,
    tokens: Vec<String>,
}

/// One worker's results. Failures count over the whole run, warm-up included, so
/// nothing that went wrong is hidden; latencies and `measured` cover the window only.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    measured: u64,
    ok_total: u64,
    non_200: u64,
    errors: u64,
    first_failure: Option<String>,
}

impl Tally {
    fn fail(&mut self, what: String) {
        self.first_failure.get_or_insert(what);
    }

    fn merge(&mut self, t: Tally) {
        self.latencies_us.extend(t.latencies_us);
        (self.measured, self.ok_total) = (self.measured + t.measured, self.ok_total + t.ok_total);
        (self.non_200, self.errors) = (self.non_200 + t.non_200, self.errors + t.errors);
        self.first_failure = self.first_failure.take().or(t.first_failure);
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<ExitCode> {
    let (mut concurrency, mut seconds, mut monitors) = (64usize, 10u64, 100usize);
    let (mut url, mut tokens) = (None::<String>, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().context(USAGE);
        match arg.as_str() {
            "--concurrency" => concurrency = value()?.parse().context("--concurrency: expected a number")?,
            "--seconds" => seconds = value()?.parse().context("--seconds: expected a number")?,
            "--monitors" => monitors = value()?.parse().context("--monitors: expected a number")?,
            "--url" => url = Some(value()?),
            "--token" => tokens.push(value()?),
            "-h" | "--help" => {
                out!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    ensure!(concurrency > 0 && seconds > 0 && monitors > 0, "--concurrency, --seconds and --monitors must be positive");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let Some(url) = url else {
        ensure!(tokens.is_empty(), "--token needs --url");
        return embedded(concurrency, seconds, monitors, cores).await;
    };
    ensure!(!tokens.is_empty(), "--url needs at least one --token");
    let target = remote_target(&url, tokens).await?;
    let n = target.tokens.len();
    out!(
        "ping-bench: {url}, {concurrency} connections, {n} tokens, {seconds} s ({cores} cores, shared with the server if local)"
    );
    let mut tally = run_load(Arc::new(target), concurrency, seconds).await;
    Ok(if report(&mut tally, seconds) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Default mode: a fresh server in this process, `monitors` monitors, then the load,
/// then a check that every 200 left exactly one run in the store.
async fn embedded(concurrency: usize, seconds: u64, monitors: usize, cores: usize) -> anyhow::Result<ExitCode> {
    // Removed however this returns.
    let dir = tokiflow_local::ScratchDir::new("ping-bench")?;
    let local = tokiflow_local::Local::open(&dir.config()?)?;
    let store = local.store.clone();

    let now = chrono::Utc::now();
    let org = Org::new(Name::new("ping-bench")?, now);
    store.create_org(&org).await?;
    let (mut ids, mut tokens) = (Vec::new(), Vec::new());
    for i in 0..monitors {
        let token = PingToken::generate();
        let spec = MonitorSpec {
            name: Name::new(&format!("bench {i}"))?,
            // Hourly with an hour's grace: no missed check can fire during a run
            // (and the timers aren't started anyway), so only pings touch the store.
            schedule: Schedule::interval(3600)?,
            grace: chrono::Duration::hours(1),
            severity: Severity::Medium,
            tags: Default::default(),
            max_runtime: None,
            probe: None,
        };
        let monitor = Monitor::new(org.id.clone(), spec, token.hash(), now)?;
        store.create_monitor(&monitor).await?;
        ids.push(monitor.id);
        tokens.push(token.reveal().to_owned());
    }

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server =
        tokio::spawn(tokiflow_local::serve(local.app.clone(), listener, async { stopped.await.unwrap_or(()) }));

    out!(
        "ping-bench: embedded store, {concurrency} connections, {monitors} monitors, {seconds} s \
         (server, store writer and load generator share one process on {cores} cores)"
    );
    let target = Target { addr, host: addr.to_string(), prefix: String::new(), tokens };
    let wal = WalWatch::start(store.wal_path());
    let mut tally = run_load(Arc::new(target), concurrency, seconds).await;
    let mut ok = report(&mut tally, seconds);
    wal.report();

    // Every 200 is acknowledged only after its commit, so all runs are visible by now.
    let mut runs = 0;
    for id in &ids {
        runs += store.run_count(id).await?;
    }
    if runs == tally.ok_total {
        out!("runs recorded: {runs} (matches)");
    } else {
        out!("runs recorded: {runs} (MISMATCH: {} pings answered 200, warm-up included)", tally.ok_total);
        ok = false;
    }

    let _ = stop.send(());
    // The workers have dropped their connections, so graceful shutdown is quick.
    tokio::time::timeout(Duration::from_secs(5), server).await.context("server did not shut down")???;
    store.close();
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Samples the size of the store's WAL file during the load: it must stay bounded
/// however long the load lasts.
struct WalWatch {
    path: std::path::PathBuf,
    peak: Arc<AtomicU64>,
    sampler: tokio::task::JoinHandle<()>,
}

impl WalWatch {
    const EVERY: Duration = Duration::from_millis(100);

    fn start(path: std::path::PathBuf) -> Self {
        let peak = Arc::new(AtomicU64::new(0));
        let (sampled, seen) = (path.clone(), peak.clone());
        let sampler = tokio::spawn(async move {
            loop {
                seen.fetch_max(file_len(&sampled), Ordering::Relaxed);
                tokio::time::sleep(Self::EVERY).await;
            }
        });
        Self { path, peak, sampler }
    }

    /// Prints the largest size sampled and the size now.
    fn report(self) {
        self.sampler.abort();
        let now = file_len(&self.path);
        let peak = self.peak.load(Ordering::Relaxed).max(now);
        out!("WAL: peak {:.1} MB, at the end {:.1} MB", peak as f64 / 1e6, now as f64 / 1e6);
    }
}

/// A missing file (no WAL yet) counts as empty.
fn file_len(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Parses `--url` and refuses anything but loopback: this tool is not for loading other hosts.
async fn remote_target(url: &str, tokens: Vec<String>) -> anyhow::Result<Target> {
    let uri: Uri = url.parse().with_context(|| format!("--url: {url:?} is not a URL"))?;
    ensure!(uri.scheme_str() == Some("http"), "--url: only http:// is supported");
    let authority = uri.authority().context("--url: no host")?;
    let port = authority.port_u16().unwrap_or(80);
    let mut addrs = tokio::net::lookup_host((authority.host(), port)).await?;
    let addr = addrs.next().with_context(|| format!("--url: cannot resolve {}", authority.host()))?;
    ensure!(addr.ip().is_loopback(), "--url: {addr} is not a loopback address; ping-bench only loads local servers");
    let prefix = uri.path().trim_end_matches('/').to_owned();
    Ok(Target { addr, host: authority.to_string(), prefix, tokens })
}

/// Runs the workers for the warm-up plus `seconds` and merges their tallies.
async fn run_load(target: Arc<Target>, concurrency: usize, seconds: u64) -> Tally {
    let warm_end = Instant::now() + WARM_UP;
    let end = warm_end + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency).map(|id| tokio::spawn(worker(id, target.clone(), warm_end, end))).collect();
    let mut total = Tally::default();
    for w in workers {
        total.merge(w.await.expect("workers do not panic"));
    }
    total
}

/// One keep-alive connection sending pings back to back. Each cycle of 10 requests has
/// one POST with a body and one `/start` followed by its finish on the same token; the
/// rest are plain GETs. After an error it counts it and reconnects.
async fn worker(id: usize, target: Arc<Target>, warm_end: Instant, end: Instant) -> Tally {
    let mut t = Tally::default();
    let n = target.tokens.len();
    let (mut next, mut conn) = (id % n, None);
    // Each worker starts at a different point of the cycle, so POSTs and starts are spread out.
    for i in id as u64.. {
        let step = i % 10;
        if step != 5 {
            next = (next + 1) % n; // step 5 finishes the run step 4 started
        }
        let (method, suffix, body) = match step {
            4 => (Method::GET, "/start", Bytes::new()),
            9 => (Method::POST, "", Bytes::from_static(POST_BODY)),
            _ => (Method::GET, "", Bytes::new()),
        };
        let req = Request::builder()
            .method(method)
            .uri(format!("{}/ping/{}{suffix}", target.prefix, target.tokens[next]))
            .header(header::HOST, &target.host)
            .header(header::USER_AGENT, "tokiflow-ping-bench")
            .body(Full::new(body))
            .expect("valid request");
        let started = Instant::now();
        if started >= end {
            break;
        }
        match send(&mut conn, target.addr, req).await {
            Ok(StatusCode::OK) => t.ok_total += 1,
            Ok(status) => {
                t.non_200 += 1;
                t.fail(format!("status {status}"));
            }
            Err(e) => {
                (t.errors, conn) = (t.errors + 1, None);
                t.fail(format!("{e:#}"));
                // Don't spin if the server is gone; the run has failed anyway.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        }
        if started >= warm_end {
            t.measured += 1;
            t.latencies_us.push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        }
    }
    t
}

/// Sends one request (connecting first if needed) and reads the whole response, so the
/// connection can be reused.
async fn send(conn: &mut Option<Conn>, addr: SocketAddr, req: Request<Full<Bytes>>) -> anyhow::Result<StatusCode> {
    let sender = match conn {
        Some(sender) => sender,
        None => {
            let stream = TcpStream::connect(addr).await.context("connect")?;
            // Requests are small; without this Nagle can hold a write back for an ACK.
            stream.set_nodelay(true)?;
            let (sender, driver) = http1::handshake(TokioIo::new(stream)).await.context("handshake")?;
            // Connection errors surface through `sender`, so the driver's result can be dropped.
            tokio::spawn(driver);
            conn.insert(sender)
        }
    };
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    res.into_body().collect().await?;
    Ok(status)
}

/// Prints the figures; false when any request failed, so a broken run can't pass for a slow one.
fn report(t: &mut Tally, seconds: u64) -> bool {
    out!("requests: {}  errors: {}  non-200: {}", t.measured, t.errors, t.non_200);
    out!("throughput: {:.0} pings/s", t.measured as f64 / seconds as f64);
    t.latencies_us.sort_unstable();
    let lat = &t.latencies_us;
    if !lat.is_empty() {
        // Nearest rank in milliseconds; q = 1 is the maximum.
        let ms = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
        let (p50, p90, p99, max) = (ms(0.5), ms(0.9), ms(0.99), ms(1.0));
        out!("latency: p50 {p50:.2} ms  p90 {p90:.2} ms  p99 {p99:.2} ms  max {max:.2} ms");
    }
    if let Some(f) = &t.first_failure {
        out!("first failure: {f}");
    }
    t.errors == 0 && t.non_200 == 0 && t.measured > 0
}
