//! `tokiflow-local`: run Tokiflow on a laptop or a small server. `--demo` seeds demo data
//! and prints its ping URLs and API key; `init` makes the first org and owner.
//! Logs go to stderr; what a person is meant to copy (URLs, keys) goes to stdout.
use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;
use tokiflow_shared::config::Config;
use tokiflow_shared::services::bootstrap::{BootstrapError, bootstrap};
use tokiflow_shared::services::seed::{DemoCredentials, seed_demo};
use tokio::net::TcpListener;

/// How long a stop (SIGTERM, SIGINT) waits for in-flight requests before it closes the
/// store anyway: well inside the 10 s that docker and systemd give before SIGKILL.
const DRAIN: Duration = Duration::from_secs(8);

#[derive(Parser)]
#[command(
    name = "tokiflow-local",
    version,
    about = "Tokiflow on one machine: the ping API, the management API and status pages on embedded storage."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Seed demo data (or re-issue its secrets) and print its ping URLs and API key.
    #[arg(long)]
    demo: bool,
    /// Address to serve on [env: TOKIFLOW_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Where the database, stored outputs and the status site live [env: TOKIFLOW_DATA_DIR] [default: ./data]
    #[arg(long, value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Log lines as text (colour only on a terminal) or as JSON objects; always on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, env = "TOKIFLOW_LOG_FORMAT", global = true)]
    log_format: LogFormat,
}

#[derive(Subcommand)]
enum Command {
    /// Create the first organisation and its owner on an empty data directory, and print
    /// the owner's first API key (once). Refuses, changing nothing, when an org exists.
    Init {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The owner's e-mail address.
        #[arg(long, value_name = "EMAIL")]
        owner: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // A closed stderr (a log reader that went away) must not take the server down: the
    // default reports a failed write with `eprintln!`, which panics on that same stderr.
    let logs =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).log_internal_errors(false);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let mut config = Config::from_env()?;
    if let Some(listen) = cli.listen {
        config.listen = listen;
    }
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    match cli.command {
        Some(Command::Init { org, owner }) => init(&config, &org, &owner).await,
        None => serve(config, cli.demo).await,
    }
}

/// `init`: the first owner, on the embedded store alone (no listener, no timers).
async fn init(config: &Config, org: &str, owner: &str) -> anyhow::Result<()> {
    let store = tokiflow_shared::adapters::embedded::EmbeddedStore::open(&config.data_dir)?;
    let made = bootstrap(&store, org, owner, Utc::now()).await;
    store.close();
    let made = match made {
        Ok(made) => made,
        Err(e @ (BootstrapError::AlreadyInitialised(_) | BootstrapError::Invalid { .. })) => {
            eprintln!("tokiflow-local init: {e}");
            std::process::exit(2);
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Created organisation {:?} ({}) with owner {}.",
        made.org.name.as_str(),
        made.org.id,
        made.owner.email.as_str()
    )?;
    writeln!(out, "Owner's API key (shown once; it is stored only as a hash): {}", made.secret.reveal())?;
    writeln!(out, "Data directory: {}", config.data_dir.display())?;
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let local = tokiflow_local::Local::open(&config)?;
    let store = local.store.clone();
    let listener =
        TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
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
    local.start_retention_sweep(Duration::from_secs(24 * 3600));
    local.start_notifier();
    local.start_reminders(Duration::from_secs(60));

    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signal = {
        let stopping = stopping.clone();
        async move {
            let which = stop_signal().await;
            tracing::info!(signal = which, "stopping: no new connections, finishing requests in flight");
            stopping.notify_one();
        }
    };
    let limits = tokiflow_local::ConnLimits::from_lookup(|k| std::env::var(k).ok())?;
    tracing::info!(max_connections = limits.max_connections, idle_secs = limits.idle.as_secs(), "connection limits");
    let served = tokiflow_local::serve_router(tokiflow_local::router(local.app.clone()), listener, limits, signal);
    tokio::pin!(served);
    tokio::select! {
        result = &mut served => result?,
        () = async { stopping.notified().await; tokio::time::sleep(DRAIN).await } => {
            tracing::warn!(after_secs = DRAIN.as_secs(), "requests still in flight at the drain deadline; closing anyway");
        }
    }
    // Every acknowledged write is committed already; this commits what is queued and stops the writer.
    store.close();
    tracing::info!("stopped");
    // The background loops (notifier, timers, sweeps) hold nothing the store has not
    // committed: end the process now rather than wait for each to reach an await point.
    std::process::exit(0)
}

/// The first of SIGTERM (docker, systemd) and SIGINT (Ctrl-C).
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Prints the demo's secrets. Write errors are ignored: a closed stdout (a piped reader
/// that went away) must not take the server down.
fn print_demo(creds: &DemoCredentials, base: &str) {
    let mut out = std::io::stdout().lock();
    let verb = if creds.created { "created" } else { "found; secrets re-issued" };
    let _ = writeln!(out, "Demo data {verb}. Ping URLs (curl any of them):");
    for (name, token) in &creds.monitors {
        let _ = writeln!(out, "  {name:<18} {base}/ping/{}", token.reveal());
    }
    let _ = writeln!(out, "Demo API key (shown once): {}", creds.api_key.reveal());
    let _ = writeln!(out, "Status page slug: {}", creds.status_page_slug);
    let _ =
        writeln!(out, "Schedule preview: {base}/api/v1/schedule/preview?cron=0%209%20*%20*%201-5&tz=America/New_York");
    let _ = out.flush();
}
