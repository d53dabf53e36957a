//! `tokiflow`: wrap a job with pings, send a ping, and manage monitors and incidents.
//! Configured by `TOKIFLOW_URL` (default http://127.0.0.1:8080) and `TOKIFLOW_API_KEY`.
mod client;
mod run;

use anyhow::{Context, bail};
use bytes::Bytes;
use client::Client;
use http::Method;
use serde_json::{Value, json};

const USAGE: &str = "usage:
  tokiflow run --token TOKEN -- COMMAND [ARGS…]   run a job, pinging start and its exit code
  tokiflow ping --token TOKEN [start|success|fail|log|0-255] [--body TEXT]
  tokiflow monitors list
  tokiflow monitors create --name NAME (--interval SECONDS | --cron EXPR [--tz ZONE]) [--grace SECONDS]
  tokiflow monitors pause|resume MONITOR_ID
  tokiflow incidents list [--status open|acknowledged|resolved] [--monitor MONITOR_ID]
  tokiflow incidents ack|resolve INCIDENT_ID
  tokiflow incidents events INCIDENT_ID

environment:
  TOKIFLOW_URL       base URL of Tokiflow (default http://127.0.0.1:8080)
  TOKIFLOW_API_KEY   API key for monitors and incidents (tf_…)";

/// `--name value` options and the remaining positional words.
struct Args {
    words: Vec<String>,
    options: Vec<(String, String)>,
}

impl Args {
    fn parse(raw: impl IntoIterator<Item = String>) -> anyhow::Result<Self> {
        let (mut words, mut options) = (Vec::new(), Vec::new());
        let mut it = raw.into_iter();
        while let Some(a) = it.next() {
            match a.strip_prefix("--") {
                Some(name) => options.push((
                    name.to_owned(),
                    it.next()
                        .with_context(|| format!("--{name} needs a value"))?,
                )),
                None => words.push(a),
            }
        }
        Ok(Self { words, options })
    }

    fn opt(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn need(&self, name: &str) -> anyhow::Result<&str> {
        self.opt(name)
            .with_context(|| format!("--{name} is required\n\n{USAGE}"))
    }

    fn word(&self, i: usize) -> anyhow::Result<&str> {
        self.words
            .get(i)
            .map(String::as_str)
            .with_context(|| USAGE.to_owned())
    }
}

fn client() -> anyhow::Result<Client> {
    let base = std::env::var("TOKIFLOW_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    Client::new(&base, std::env::var("TOKIFLOW_API_KEY").ok())
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = runtime.block_on(async {
        match real_main().await {
            Ok(code) => code,
            Err(e) => {
                eprintln!("tokiflow: {e:#}");
                2
            }
        }
    });
    std::process::exit(code);
}

async fn real_main() -> anyhow::Result<i32> {
    let mut raw: Vec<String> = std::env::args().skip(1).collect();
    // Everything after `--` is the job's own command line, untouched.
    let job = raw
        .iter()
        .position(|a| a == "--")
        .map(|i| raw.split_off(i)[1..].to_vec());
    let args = Args::parse(raw)?;
    match args.words.first().map(String::as_str) {
        Some("run") => {
            let job = job
                .filter(|j| !j.is_empty())
                .with_context(|| format!("give the command after --\n\n{USAGE}"))?;
            Ok(run::run(&client()?, args.need("token")?, &job).await)
        }
        Some("ping") => {
            let kind = args.words.get(1).map(String::as_str).unwrap_or("success");
            let suffix = match kind {
                "success" => String::new(),
                "start" | "fail" | "log" => format!("/{kind}"),
                code if code.parse::<u8>().is_ok() => format!("/{code}"),
                other => bail!("unknown ping {other:?}\n\n{USAGE}"),
            };
            let body = Bytes::from(args.opt("body").unwrap_or_default().to_owned());
            client()?
                .ping(&format!("/ping/{}{suffix}", args.need("token")?), body)
                .await?;
            Ok(0)
        }
        Some("monitors") => monitors(&args).await.map(|()| 0),
        Some("incidents") => incidents(&args).await.map(|()| 0),
        Some("help") | None => {
            println!("{USAGE}");
            Ok(0)
        }
        Some(other) => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

/// Follows `nextCursor` to the end of a listing.
async fn all_pages(c: &Client, path: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut url = path.to_owned();
    loop {
        let page = c.api(Method::GET, &url, None).await?;
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["nextCursor"].as_str() {
            Some(cursor) => url = format!("{path}{sep}cursor={cursor}"),
            None => return Ok(items),
        }
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("-")
}

async fn monitors(args: &Args) -> anyhow::Result<()> {
    let c = client()?;
    match args.word(1)? {
        "list" => {
            for m in all_pages(&c, "/api/v1/monitors?limit=200").await? {
                println!("{}  {:<8} {}", s(&m["id"]), s(&m["status"]), s(&m["name"]));
            }
        }
        "create" => {
            let schedule = match (args.opt("interval"), args.opt("cron")) {
                (Some(secs), None) => {
                    json!({"kind": "interval", "seconds": secs.parse::<u64>().context("--interval: seconds")?})
                }
                (None, Some(expr)) => {
                    json!({"kind": "cron", "expr": expr, "tz": args.opt("tz").unwrap_or("UTC")})
                }
                _ => bail!("give exactly one of --interval and --cron\n\n{USAGE}"),
            };
            let mut body = json!({"name": args.need("name")?, "schedule": schedule});
            if let Some(g) = args.opt("grace") {
                body["grace"] = json!(g.parse::<u64>().context("--grace: seconds")?);
            }
            let m = c.api(Method::POST, "/api/v1/monitors", Some(body)).await?;
            println!(
                "created {}\nping token (shown once): {}",
                s(&m["id"]),
                s(&m["pingToken"])
            );
        }
        verb @ ("pause" | "resume") => {
            let m = c
                .api(
                    Method::POST,
                    &format!("/api/v1/monitors/{}/{verb}", args.word(2)?),
                    None,
                )
                .await?;
            println!("{}  {}", s(&m["id"]), s(&m["status"]));
        }
        other => bail!("unknown monitors command {other:?}\n\n{USAGE}"),
    }
    Ok(())
}

async fn incidents(args: &Args) -> anyhow::Result<()> {
    let c = client()?;
    match args.word(1)? {
        "list" => {
            let mut path = "/api/v1/incidents?limit=200".to_owned();
            for (opt, param) in [("status", "status"), ("monitor", "monitorId")] {
                if let Some(v) = args.opt(opt) {
                    path.push_str(&format!("&{param}={v}"));
                }
            }
            for i in all_pages(&c, &path).await? {
                println!(
                    "{}  {:<12} {:<8} {:<8} {}  {}",
                    s(&i["id"]),
                    s(&i["status"]),
                    s(&i["kind"]),
                    s(&i["severity"]),
                    s(&i["monitorId"]),
                    s(&i["summary"])
                );
            }
        }
        verb @ ("ack" | "resolve") => {
            let action = if verb == "ack" {
                "acknowledge"
            } else {
                "resolve"
            };
            let i = c
                .api(
                    Method::POST,
                    &format!("/api/v1/incidents/{}/{action}", args.word(2)?),
                    None,
                )
                .await?;
            println!("{}  {}", s(&i["id"]), s(&i["status"]));
        }
        "events" => {
            let path = format!("/api/v1/incidents/{}/events", args.word(2)?);
            let events = c.api(Method::GET, &path, None).await?;
            for e in events["items"].as_array().into_iter().flatten() {
                println!(
                    "{}  {:<12} {:<12} {}",
                    s(&e["at"]),
                    s(&e["change"]),
                    s(&e["status"]),
                    s(&e["severity"])
                );
            }
        }
        other => bail!("unknown incidents command {other:?}\n\n{USAGE}"),
    }
    Ok(())
}
