//! Data survives a restart, and a `kill -9` loses no acknowledged ping. The second test
//! runs the real binary the README tells users to run, with `--demo`.
mod common;

use common::TestServer;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::domain::secret::SecretHash;
use tokiflow_shared::ports::store::{MonitorStore, RunStore};

#[tokio::test]
async fn data_survives_a_restart() {
    let s = TestServer::start().await;
    let (m, token) = s.monitor(60).await;
    for _ in 0..10 {
        assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200);
    }
    let dir = s.shutdown().await;
    let s = TestServer::start_in(dir).await;
    assert_eq!(s.reload(&m).await.ping_count, 10);
    assert_eq!(s.store.run_count(&m.id).await.unwrap(), 10);
    assert_eq!(s.get(&format!("/ping/{}", token.reveal())).await.status, 200, "same token still works");
}

/// Reads the demo's printed ping URLs until the API key line.
fn demo_urls(stdout: impl std::io::Read) -> Vec<String> {
    let mut urls = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.starts_with("Demo API key") {
            assert!(line.contains(" tf_"), "{line}");
            break;
        }
        if let Some(i) = line.find("http://") {
            urls.push(line[i..].trim().to_owned());
        }
    }
    urls
}

/// Starts the binary as the README does, on a free port, and reads its ping URLs.
fn spawn_demo(dir: &std::path::Path) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokiflow-local"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let urls = demo_urls(child.stdout.take().unwrap());
    (child, urls)
}

#[tokio::test]
async fn demo_binary_answers_pings_and_kill_9_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, urls) = spawn_demo(dir.path());
    assert_eq!(urls.len(), 3, "three demo monitors: {urls:?}");

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let n = 50;
    for i in 0..n {
        let req = http::Request::post(&urls[0])
            .body(http_body_util::Full::new(bytes::Bytes::from(format!("kill-test {i}"))))
            .unwrap();
        let res = client.request(req).await.unwrap();
        assert_eq!(res.status(), 200, "acknowledged");
    }
    child.kill().unwrap(); // SIGKILL: no shutdown path runs
    child.wait().unwrap();

    let store = EmbeddedStore::open(dir.path()).unwrap();
    let token = urls[0].rsplit('/').next().unwrap();
    let m = store.monitor_by_token(&SecretHash::of(token)).await.unwrap().expect("monitor");
    let runs = store.runs(&m.id, 200, None).await.unwrap().items;
    for i in 0..n {
        let want = format!("kill-test {i}");
        assert!(runs.iter().any(|r| r.output.preview == want), "lost {want}");
    }

    // A second --demo start re-issues the secrets: the old URL is dead, the new one works.
    drop(store);
    let (mut again, new_urls) = spawn_demo(dir.path());
    let status = |url: &str| {
        let req = http::Request::get(url).body(http_body_util::Full::new(bytes::Bytes::new())).unwrap();
        client.request(req)
    };
    assert_eq!(status(&new_urls[0]).await.unwrap().status(), 200);
    let old_on_new_port = format!("{}/ping/{token}", new_urls[0].rsplit_once("/ping/").unwrap().0);
    assert_eq!(status(&old_on_new_port).await.unwrap().status(), 404);
    again.kill().unwrap();
    again.wait().unwrap();
}
