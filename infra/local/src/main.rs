//! `tokiflow-local`: run Tokiflow on a laptop. `--demo` seeds demo data and prints its
//! ping URLs and API key.
use anyhow::Context;
use chrono::Utc;
use tokio::net::TcpListener;
use tokiflow_shared::config::Config;
use tokiflow_shared::services::seed::{DemoCredentials, seed_demo};

const USAGE: &str = "usage: tokiflow-local [--demo] [--listen ADDR] [--data-dir DIR]

  --demo           seed demo data (or re-issue its secrets) and print its ping URLs and API key
  --listen ADDR    address to serve on (default 127.0.0.1:8080, env TOKIFLOW_LISTEN)
  --data-dir DIR   where the database and blobs live (default ./data, env TOKIFLOW_DATA_DIR)";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tokiflow=info".into()),
        )
        .init();
    let mut config = Config::from_env()?;
    let mut demo = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => demo = true,
            "--listen" => config.listen = args.next().context(USAGE)?.parse().context("--listen: bad address")?,
            "--data-dir" => config.data_dir = args.next().context(USAGE)?.into(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }

    let local = tokiflow_local::Local::open(&config)?;
    let store = local.store.clone();
    let listener = TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = config.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "tokiflow-local listening");

    if demo {
        let creds = seed_demo(store.as_ref(), Utc::now()).await?;
        print_demo(&creds, &base);
    }

    let published = local.publisher.publish_all(Utc::now()).await?;
    tracing::info!(published, site = %local.site.root().display(), "status pages published");
    let armed = local.start_timers().await?;
    tracing::info!(armed, "missed-check timers armed");
    local.start_retention_sweep(std::time::Duration::from_secs(24 * 3600));
    local.start_notifier();
    local.start_reminders(std::time::Duration::from_secs(60));
    tokiflow_local::serve(local.app.clone(), listener, async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    store.close();
    Ok(())
}

/// Prints the demo's secrets. Write errors are ignored: a closed stdout (a piped reader
/// that went away) must not take the server down.
fn print_demo(creds: &DemoCredentials, base: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let verb = if creds.created { "created" } else { "found; secrets re-issued" };
    let _ = writeln!(out, "Demo data {verb}. Ping URLs (curl any of them):");
    for (name, token) in &creds.monitors {
        let _ = writeln!(out, "  {name:<18} {base}/ping/{}", token.reveal());
    }
    let _ = writeln!(out, "Demo API key (shown once): {}", creds.api_key.reveal());
    let _ = writeln!(out, "Status page slug: {}", creds.status_page_slug);
    let _ = writeln!(out, "Schedule preview: {base}/api/v1/schedule/preview?cron=0%209%20*%20*%201-5&tz=America/New_York");
    let _ = out.flush();
}
