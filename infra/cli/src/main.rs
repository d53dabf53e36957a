//! `tokiflow`: wrap a job with pings, send a ping, and manage monitors and incidents.
//! This file is the binary's edge: it parses the command line (`cli`), picks the ping
//! target (`ping`), and turns what the commands return into an exit code: 2 for a usage
//! error, 1 for a failed call, and for `run` the job's own.
mod cli;
mod client;
mod manage;
mod ping;
mod run;

use bytes::Bytes;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use cli::{Cli, Command, Server, TargetArgs};
use client::Client;
use ping::{PingTarget, TargetError};

fn main() {
    // --help, --version and usage errors print and exit here, before any I/O is set up.
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let code = runtime.block_on(async {
        execute(cli).await.unwrap_or_else(|e| {
            eprintln!("tokiflow: {e:#}");
            1
        })
    });
    std::process::exit(code);
}

async fn execute(cli: Cli) -> anyhow::Result<i32> {
    let Some(command) = cli.command else {
        // A bare `tokiflow` has always printed the usage and succeeded.
        Cli::command().print_help()?;
        return Ok(0);
    };
    match command {
        Command::Run(args) => {
            let target = ping_target(&args.target, &cli.server, "run");
            let client = Client::new(target.base(), None)?;
            Ok(run::run(&client, &target, &args.command).await)
        }
        Command::Ping(args) => {
            let target = ping_target(&args.target, &cli.server, "ping");
            let body = Bytes::from(args.body.unwrap_or_default());
            Client::new(target.base(), None)?.ping(&target.path(args.kind), body).await?;
            Ok(0)
        }
        Command::Monitors(command) => {
            manage::monitors(&api(cli.server)?, command).await?;
            Ok(0)
        }
        Command::Incidents(command) => {
            manage::incidents(&api(cli.server)?, command).await?;
            Ok(0)
        }
    }
}

fn api(server: Server) -> anyhow::Result<Client> {
    Client::new(&server.url, server.api_key)
}

/// The ping target of `tokiflow SUBCOMMAND`. Missing or malformed, it is a usage error like
/// any other, so it exits through clap: the same `error:` line, usage and exit code 2.
fn ping_target(args: &TargetArgs, server: &Server, subcommand: &str) -> PingTarget {
    PingTarget::resolve(args.token.as_deref(), args.ping_url.as_deref(), &server.url, |name| std::env::var(name).ok())
        .unwrap_or_else(|e| {
            let kind = match e {
                TargetError::Missing => ErrorKind::MissingRequiredArgument,
                TargetError::BadUrl(_) | TargetError::BadToken(_) => ErrorKind::ValueValidation,
            };
            let mut cmd = Cli::command();
            // Built, so the usage line reads `tokiflow SUBCOMMAND …`.
            cmd.build();
            cmd.find_subcommand_mut(subcommand).expect("a declared subcommand").error(kind, e).exit()
        })
}
