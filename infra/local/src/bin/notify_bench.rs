//! `notify-bench`: from an incident opening to a webhook receiver (a real HTTP server on
//! loopback) having the message, in the local server: the outbox, the notifier, the
//! signed webhook delivery. Prints p50/p99/max over `--incidents` incidents (default 200)
//! opened `--gap-ms` apart (default 10).
use anyhow::{Context, ensure};
use axum::extract::State;
use axum::routing::post;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokiflow_shared::domain::channel::{Channel, ChannelTarget, SigningSecret, WebhookUrl};
use tokiflow_shared::domain::ids::RunId;
use tokiflow_shared::domain::incident::Severity;
use tokiflow_shared::domain::monitor::{Monitor, MonitorSpec, ReceivedPing};
use tokiflow_shared::domain::org::Org;
use tokiflow_shared::domain::ping::PingSignal;
use tokiflow_shared::domain::run::{RunOutput, RunState};
use tokiflow_shared::domain::schedule::Schedule;
use tokiflow_shared::domain::secret::PingToken;
use tokiflow_shared::domain::text::Name;
use tokiflow_shared::ports::store::{ConfigStore, MonitorStore, OrgStore, PingStore};

const USAGE: &str = "usage: notify-bench [--incidents N] [--gap-ms MS]";

/// When each incident's message arrived, by incident id.
type Arrivals = Arc<Mutex<HashMap<String, DateTime<Utc>>>>;

async fn receiver() -> anyhow::Result<(String, Arrivals)> {
    let arrivals: Arrivals = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(|State(a): State<Arrivals>, body: axum::body::Bytes| async move {
                let at = Utc::now();
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body)
                    && let Some(id) = v["incident"]["id"].as_str()
                {
                    a.lock().unwrap().insert(id.to_owned(), at);
                }
                "ok"
            }),
        )
        .with_state(arrivals.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, arrivals))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (mut incidents, mut gap_ms) = (200usize, 10u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().context(USAGE)?;
        match arg.as_str() {
            "--incidents" => incidents = value.parse().context(USAGE)?,
            "--gap-ms" => gap_ms = value.parse().context(USAGE)?,
            _ => anyhow::bail!(USAGE),
        }
    }
    let dir = tokiflow_local::ScratchDir::new("notify-bench")?;
    let local = tokiflow_local::Local::open(&dir.config()?)?;
    local.start_notifier();
    let (url, arrivals) = receiver().await?;
    let org = Org::new(Name::new("notify-bench")?, Utc::now());
    local.store.create_org(&org).await?;
    let target = ChannelTarget::Webhook { url: WebhookUrl::new(&url)?, secret: SigningSecret::generate() };
    local.store.put_channel(&Channel::new(org.id.clone(), Name::new("hook")?, target, Severity::Low)).await?;

    let mut opened = HashMap::new();
    for _ in 0..incidents {
        let spec = MonitorSpec {
            name: Name::new("bench job")?,
            schedule: Schedule::interval(3600)?,
            grace: chrono::Duration::minutes(5),
            severity: Severity::High,
            tags: Default::default(),
            max_runtime: None,
            probe: None,
        };
        let m = Monitor::new(org.id.clone(), spec, PingToken::generate().hash(), Utc::now())?;
        local.store.create_monitor(&m).await?;
        let now = Utc::now();
        let ping = ReceivedPing {
            run_id: RunId::generate_at(now),
            signal: PingSignal { state: RunState::Fail, exit_code: Some(1), severity: None, rid: None },
            received_at: now,
            output: RunOutput::default(),
            source_ip: None,
            user_agent: None,
            via: Default::default(),
        };
        let out = m.apply_ping(ping);
        local.store.commit_ping(&out, m.version).await?;
        opened.insert(out.opened[0].id.to_string(), out.opened[0].opened_at);
        tokio::time::sleep(std::time::Duration::from_millis(gap_ms)).await;
    }
    for _ in 0..200 {
        if arrivals.lock().unwrap().len() == incidents {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let arrived = arrivals.lock().unwrap().clone();
    ensure!(arrived.len() == incidents, "{} of {incidents} messages arrived", arrived.len());
    let mut ms: Vec<f64> = opened
        .iter()
        .map(|(id, at)| (arrived[id] - *at).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "incident opened → webhook receiver has the message, {incidents} incidents {gap_ms} ms apart: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 ≤ 500 ms)",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
    Ok(())
}
