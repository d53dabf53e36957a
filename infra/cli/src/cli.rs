//! The command line, declared for clap: help for every subcommand, `--version`, the
//! environment variables, and range checks on numbers, so a typo is a usage error (exit 2)
//! before anything is sent.
use crate::ping::PingKind;
use clap::builder::PossibleValue;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// The server's own limits (`MAX_PERIOD_SECS` and `MAX_GRACE_SECS` in tokiflow-shared,
/// which this binary does not link), checked here too so a slip of the finger fails at once
/// with the usage; the tests hold the two equal.
pub const MAX_INTERVAL_SECS: u64 = 366 * 24 * 3600;
pub const MAX_GRACE_SECS: u64 = 30 * 24 * 3600;

const PING_TARGET_HELP: &str = "\
The ping target is the first of: --token (pinged at TOKIFLOW_URL), --url, \
$TOKIFLOW_PING_URL (a full ping URL), $TOKIFLOW_PING_TOKEN (pinged at TOKIFLOW_URL).
Prefer the environment: a flag's value shows in `ps` and in the crontab line.";

#[derive(Parser)]
#[command(name = "tokiflow", version, about = "Wrap cron jobs with pings, and manage Tokiflow monitors and incidents.")]
pub struct Cli {
    #[command(flatten)]
    pub server: Server,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the server is and how to call its management API; `global` so they may follow
/// any subcommand, and under a heading of their own in every subcommand's help.
#[derive(Args)]
#[command(next_help_heading = "Server")]
pub struct Server {
    /// Base URL of the Tokiflow server
    #[arg(
        long = "server",
        value_name = "URL",
        env = "TOKIFLOW_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub url: String,
    /// API key for monitors and incidents (tf_…); prefer the environment to the flag
    #[arg(long, value_name = "KEY", env = "TOKIFLOW_API_KEY", hide_env_values = true, global = true)]
    pub api_key: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run a job: ping its start, stream its output, ping its exit code with the output's end
    #[command(after_help = PING_TARGET_HELP)]
    Run(RunArgs),
    /// Send one ping: a success, a start, a failure, a log line or an exit code
    #[command(after_help = PING_TARGET_HELP)]
    Ping(PingArgs),
    /// List, create, pause and resume monitors
    #[command(subcommand)]
    Monitors(Monitors),
    /// List, acknowledge and resolve incidents, and show their history
    #[command(subcommand)]
    Incidents(Incidents),
}

/// Which monitor to ping; the environment's part is read by `PingTarget::resolve`, which
/// needs to know whether a value came from a flag or a variable.
#[derive(Args)]
pub struct TargetArgs {
    /// The monitor's ping token
    #[arg(long, value_name = "TOKEN", conflicts_with = "ping_url")]
    pub token: Option<String>,
    /// The monitor's full ping URL, e.g. https://HOST/ping/TOKEN
    #[arg(long = "url", value_name = "PING_URL")]
    pub ping_url: Option<String>,
}

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The job's command line; everything after `--` is passed on untouched
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Args)]
pub struct PingArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// start, success, fail, log, or an exit code 0-255 (0 is a success)
    #[arg(value_name = "KIND", default_value = "success")]
    pub kind: PingKind,
    /// Output to send with the ping
    #[arg(long, value_name = "TEXT")]
    pub body: Option<String>,
}

#[derive(Subcommand)]
pub enum Monitors {
    /// List every monitor: id, status, name
    List,
    /// Create a monitor and print its ping token (shown only once)
    Create(CreateMonitor),
    /// Pause a monitor: no LATE or MISSED incidents until it is resumed or pinged
    Pause(MonitorRef),
    /// Resume a paused monitor
    Resume(MonitorRef),
}

#[derive(Args)]
#[command(group(ArgGroup::new("schedule").required(true).args(["interval", "cron"])))]
pub struct CreateMonitor {
    /// The monitor's name
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Expect a ping every SECONDS (at most 366 days)
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_INTERVAL_SECS)
    )]
    pub interval: Option<u64>,
    /// Expect a ping on this cron schedule, e.g. "0 2 * * *"
    #[arg(long, value_name = "EXPR")]
    pub cron: Option<String>,
    /// The cron schedule's time zone, e.g. Europe/Riga
    #[arg(long, value_name = "ZONE", conflicts_with = "interval", default_value = "UTC")]
    pub tz: String,
    /// How late a ping may be before the monitor is LATE (at most 30 days)
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(0..=MAX_GRACE_SECS)
    )]
    pub grace: Option<u64>,
}

#[derive(Args)]
pub struct MonitorRef {
    /// The monitor's id (mon_…), as `monitors list` shows it
    #[arg(value_name = "MONITOR_ID")]
    pub id: String,
}

#[derive(Subcommand)]
pub enum Incidents {
    /// List incidents: id, status, kind, severity, monitor, summary
    List(ListIncidents),
    /// Acknowledge an incident: someone is on it, so reminders stop
    Ack(IncidentRef),
    /// Resolve an incident
    Resolve(IncidentRef),
    /// Show an incident's history: opened, escalated, acknowledged, resolved
    Events(IncidentRef),
}

#[derive(Args)]
pub struct ListIncidents {
    /// Only incidents in this state
    #[arg(long, ignore_case = true)]
    pub status: Option<IncidentStatus>,
    /// Only this monitor's incidents
    #[arg(long, value_name = "MONITOR_ID")]
    pub monitor: Option<String>,
}

#[derive(Args)]
pub struct IncidentRef {
    /// The incident's id (inc_…), as `incidents list` shows it
    #[arg(value_name = "INCIDENT_ID")]
    pub id: String,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum IncidentStatus {
    Open,
    Acknowledged,
    Resolved,
}

impl IncidentStatus {
    /// The API's `status` query value: the name clap accepts.
    pub fn as_query(self) -> String {
        self.to_possible_value().as_ref().map(PossibleValue::get_name).unwrap_or_default().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_declaration_is_consistent() {
        // clap's own checks (unique names, groups naming real arguments…) run here.
        Cli::command().debug_assert();
    }
}
