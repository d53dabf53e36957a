//! Benchmark (not a test): the ping-ingest function's release binary size and its cold
//! start under `cargo lambda watch` — from process start to the first handled event, as
//! the function logs it (`cold_start_ms`) — against DynamoDB Local and moto.
//! Run it through `infra/scripts/bench-lambda.sh`, which starts those.
use std::time::{Duration, Instant};
use tokiflow_lambda_tests::{Backends, EVENTS_TOKEN, Watch, WatchOptions, workspace_root};
use tokiflow_shared::domain::secret::PingToken;

const COLD_STARTS: usize = 5;

fn cold_start_ms(log: &str) -> Vec<f64> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v["cold_start_ms"].as_f64())
        .collect()
}

#[tokio::main]
async fn main() {
    let b = Backends::create("bench-").await;
    b.monitor(None, &PingToken::from_untrusted(EVENTS_TOKEN).unwrap(), chrono::Utc::now()).await;
    let dir = workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let mut starts = Vec::new();
    // A new watch per sample: each one starts the function process afresh.
    for i in 0..COLD_STARTS {
        let log = dir.join(format!("lambda-watch-{i}.log"));
        let watch = Watch::start_with(&b.env, WatchOptions { release: true, log: Some(log.clone()) });
        let t = Instant::now();
        let answer = watch.invoke("ping-ingest", "ping-success.json");
        let first_invoke = t.elapsed();
        assert_eq!(answer["statusCode"], 200, "{answer}");
        let warm: Vec<Duration> = (0..10)
            .map(|_| {
                let t = Instant::now();
                watch.invoke("ping-ingest", "ping-success.json");
                t.elapsed()
            })
            .collect();
        drop(watch);
        let ms = cold_start_ms(&std::fs::read_to_string(&log).unwrap());
        let cold = *ms.first().unwrap_or_else(|| panic!("no cold_start_ms in {}", log.display()));
        println!(
            "sample {i}: cold start {cold:.1} ms (process start → first event handled); first invoke round trip {:.0} ms; warm invoke (incl. the `cargo lambda invoke` process) median {:.0} ms",
            first_invoke.as_secs_f64() * 1000.0,
            median(warm).as_secs_f64() * 1000.0
        );
        starts.push(cold);
    }
    starts.sort_by(f64::total_cmp);
    let size = std::fs::metadata(workspace_root().join("target/release/ping-ingest")).unwrap().len();
    println!("ping-ingest release binary: {:.2} MB ({size} bytes, stripped, x86_64)", size as f64 / 1_048_576.0);
    println!(
        "cold start over {COLD_STARTS} samples: median {:.1} ms, worst {:.1} ms",
        starts[COLD_STARTS / 2],
        starts[COLD_STARTS - 1]
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}
