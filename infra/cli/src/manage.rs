//! `tokiflow monitors …` and `tokiflow incidents …`: management API calls, printed one
//! line per item so the output greps and `cut`s well.
use crate::cli::{CreateMonitor, Incidents, ListIncidents, Monitors};
use crate::client::Client;
use http::Method;
use serde_json::{Value, json};

pub async fn monitors(c: &Client, command: Monitors) -> anyhow::Result<()> {
    match command {
        Monitors::List => {
            for m in all_pages(c, "/api/v1/monitors?limit=200").await? {
                println!("{}  {:<8} {}", s(&m["id"]), s(&m["status"]), s(&m["name"]));
            }
        }
        Monitors::Create(args) => {
            let m = c.api(Method::POST, "/api/v1/monitors", Some(create_body(args))).await?;
            println!("created {}\nping token (shown once): {}", s(&m["id"]), s(&m["pingToken"]));
        }
        Monitors::Pause(m) => change(c, format!("/api/v1/monitors/{}/pause", m.id)).await?,
        Monitors::Resume(m) => change(c, format!("/api/v1/monitors/{}/resume", m.id)).await?,
    }
    Ok(())
}

fn create_body(args: CreateMonitor) -> Value {
    // clap's group guarantees exactly one of the two.
    let schedule = match (args.interval, args.cron) {
        (Some(seconds), _) => json!({"kind": "interval", "seconds": seconds}),
        (None, expr) => json!({"kind": "cron", "expr": expr, "tz": args.tz}),
    };
    let mut body = json!({"name": args.name, "schedule": schedule});
    if let Some(grace) = args.grace {
        body["grace"] = json!(grace);
    }
    body
}

/// A state change (pause, acknowledge…): prints the item's id and its new status.
async fn change(c: &Client, path: String) -> anyhow::Result<()> {
    let item = c.api(Method::POST, &path, None).await?;
    println!("{}  {}", s(&item["id"]), s(&item["status"]));
    Ok(())
}

pub async fn incidents(c: &Client, command: Incidents) -> anyhow::Result<()> {
    match command {
        Incidents::List(filter) => {
            for i in all_pages(c, &incidents_path(&filter)).await? {
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
        Incidents::Ack(i) => change(c, format!("/api/v1/incidents/{}/acknowledge", i.id)).await?,
        Incidents::Resolve(i) => change(c, format!("/api/v1/incidents/{}/resolve", i.id)).await?,
        Incidents::Events(i) => {
            let path = format!("/api/v1/incidents/{}/events", i.id);
            let events = c.api(Method::GET, &path, None).await?;
            for e in events["items"].as_array().into_iter().flatten() {
                println!("{}  {:<12} {:<12} {}", s(&e["at"]), s(&e["change"]), s(&e["status"]), s(&e["severity"]));
            }
        }
    }
    Ok(())
}

fn incidents_path(filter: &ListIncidents) -> String {
    let mut path = "/api/v1/incidents?limit=200".to_owned();
    if let Some(status) = filter.status {
        path.push_str(&format!("&status={}", status.as_query()));
    }
    if let Some(monitor) = &filter.monitor {
        path.push_str(&format!("&monitorId={monitor}"));
    }
    path
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

/// A field as text, `-` where the API left it out.
fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("-")
}
