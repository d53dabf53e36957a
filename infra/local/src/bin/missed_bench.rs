//! `missed-bench`: the figures of missed detection in the local server.
//! 1. Scheduler calls per ping for a monitor pinged every minute with one hour of grace
//!    (a simulated day through the same domain rules the services follow).
//! 2. Detection delay over `--monitors` monitors (default 1,000) with deadlines staggered
//!    over a few seconds: from each deadline to its MISSED incident's `openedAt`, which
//!    the check stamps as it commits the incident row.
//! 3. Resident memory with `--armed` monitors (default 100,000) armed in the timer.
use anyhow::{Context, ensure};
use chrono::{DateTime, Duration, Utc};
use tokiflow_shared::domain::ids::RunId;
use tokiflow_shared::domain::incident::{IncidentKind, Severity};
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::ping::PingSignal;
use tokiflow_shared::domain::run::{RunOutput, RunState};
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{IncidentStore, MonitorStore, OrgStore};

const USAGE: &str = "usage: missed-bench [--monitors N] [--armed N]";

fn spec(period_secs: u64, grace: Duration) -> anyhow::Result<MonitorSpec> {
    Ok(MonitorSpec {
        name: Name::new("bench")?,
        schedule: Schedule::interval(period_secs)?,
        grace,
        severity: Severity::High,
        tags: Default::default(),
        max_runtime: None,
        probe: None,
    })
}

fn success(at: DateTime<Utc>) -> ReceivedPing {
    ReceivedPing {
        run_id: RunId::generate_at(at),
        signal: PingSignal { state: RunState::Success, exit_code: None, severity: None, rid: None },
        received_at: at,
        output: RunOutput::default(),
        source_ip: None,
        user_agent: None,
        via: Default::default(),
    }
}

/// A day of pings every minute, 1 h grace: each ping arms only if the domain says so,
/// and the armed check, when it fires, re-arms if the deadline moved.
fn scheduler_calls_per_ping() -> anyhow::Result<()> {
    let t0 = DateTime::UNIX_EPOCH;
    let mut m = Monitor::new(
        Org::new(Name::new("o")?, t0).id,
        spec(60, Duration::hours(1))?,
        PingToken::generate().hash(),
        t0,
    )?;
    m.armed_for = m.rearm();
    let (mut calls, pings) = (1u32, 24 * 60u32);
    for i in 1..=pings {
        let now = t0 + Duration::minutes(i64::from(i));
        if m.armed_for.is_some_and(|at| at <= now) {
            let out = m.check_due(now, None, None);
            calls += u32::from(out.arm.is_some());
            m = out.monitor;
        }
        let out = m.apply_ping(success(now));
        calls += u32::from(out.arm.is_some());
        m = out.monitor;
    }
    println!(
        "scheduler calls: {calls} for {pings} pings (every minute, 1 h grace, one day) = {:.4} per ping (target ≤ 0.05)",
        f64::from(calls) / f64::from(pings)
    );
    Ok(())
}

async fn open_local(name: &str) -> anyhow::Result<(tokiflow_local::Local, tokiflow_local::ScratchDir, Org)> {
    let dir = tokiflow_local::ScratchDir::new(&format!("missed-bench-{name}"))?;
    let local = tokiflow_local::Local::open(&dir.config()?)?;
    let org = Org::new(Name::new("missed-bench")?, Utc::now());
    local.store.create_org(&org).await?;
    Ok((local, dir, org))
}

/// Creates `n` never-pinged monitors whose deadlines fall at `first + i * step`, armed.
async fn create_armed(
    local: &tokiflow_local::Local,
    org: &Org,
    n: usize,
    first: DateTime<Utc>,
    step: Duration,
) -> anyhow::Result<Vec<Monitor>> {
    let (period, grace) = (3600, Duration::seconds(1));
    let mut monitors = Vec::with_capacity(n);
    for chunk_start in (0..n).step_by(512) {
        let chunk: Vec<Monitor> = (chunk_start..n.min(chunk_start + 512))
            .map(|i| {
                let deadline = first + step * i as i32;
                let created = deadline - grace - Duration::seconds(period as i64);
                let mut m = Monitor::new(org.id.clone(), spec(period, grace)?, PingToken::generate().hash(), created)?;
                ensure!(m.deadline() == Some(deadline), "deadline arithmetic");
                m.armed_for = m.rearm();
                Ok(m)
            })
            .collect::<anyhow::Result<_>>()?;
        // All at once: the store's writer commits whatever is queued in one transaction.
        let mut writes = tokio::task::JoinSet::new();
        for m in &chunk {
            let (store, m) = (local.store.clone(), m.clone());
            writes.spawn(async move { store.create_monitor(&m).await });
        }
        while let Some(written) = writes.join_next().await {
            written??;
        }
        monitors.extend(chunk);
    }
    Ok(monitors)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn detection_delay(n: usize) -> anyhow::Result<()> {
    let (local, _dir, org) = open_local("delay").await?;
    // Deadlines from 2 s ahead, spread over 5 s.
    let first = Utc::now() + Duration::seconds(2);
    let step = Duration::microseconds(5_000_000 / n.max(1) as i64);
    let monitors = create_armed(&local, &org, n, first, step).await?;
    local.start_timers().await?;
    let last = first + step * n as i32;
    tokio::time::sleep((last - Utc::now()).to_std().unwrap_or_default() + std::time::Duration::from_secs(2)).await;
    let mut delays = Vec::with_capacity(n);
    for m in &monitors {
        let incidents = local.store.incidents_of_monitor(&m.id).await?;
        ensure!(incidents.len() == 1, "monitor {} has {} incidents, want one", m.id, incidents.len());
        ensure!(incidents[0].kind == IncidentKind::Missed);
        delays.push(
            (incidents[0].opened_at - m.deadline().context("deadline")?).num_microseconds().context("delay")? as f64
                / 1000.0,
        );
    }
    delays.sort_by(f64::total_cmp);
    println!(
        "detection delay over {n} monitors (deadline → MISSED incident row): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 1000 ms)",
        percentile(&delays, 0.50),
        percentile(&delays, 0.99),
        delays[n - 1]
    );
    Ok(())
}

fn rss_mb() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .context("no VmRSS")?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kb / 1024.0)
}

async fn armed_memory(n: usize) -> anyhow::Result<()> {
    let (local, _dir, org) = open_local("rss").await?;
    // Far in the future: nothing fires while measuring.
    let first = Utc::now() + Duration::days(1);
    let monitors = create_armed(&local, &org, n, first, Duration::milliseconds(10)).await?;
    drop(monitors);
    let before = rss_mb()?;
    local.start_timers().await?;
    ensure!(local.timers.armed() == n, "{} armed, want {n}", local.timers.armed());
    println!(
        "resident memory with {n} monitors armed: {:.0} MB for the whole process (before restoring the timers: {before:.0} MB; target ≤ 200 MB)",
        rss_mb()?
    );
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut monitors, mut armed) = (1_000usize, 100_000usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().with_context(|| USAGE)?;
        match arg.as_str() {
            "--monitors" => monitors = value.parse().context(USAGE)?,
            "--armed" => armed = value.parse().context(USAGE)?,
            _ => anyhow::bail!(USAGE),
        }
    }
    scheduler_calls_per_ping()?;
    detection_delay(monitors).await?;
    armed_memory(armed).await?;
    Ok(())
}
