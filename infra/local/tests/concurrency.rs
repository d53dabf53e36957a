//! Concurrent pings to one monitor lose no update.
mod common;

use common::TestServer;
use tokiflow_shared::ports::store::RunStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_pings_are_all_counted() {
    let s = std::sync::Arc::new(TestServer::start().await);
    let (m, token) = s.monitor(60).await;
    let n = 240;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (s, t) = (s.clone(), token.reveal().to_owned());
            // A mix of forms: starts and finishes paired by rid, failures, logs.
            let path = match i % 4 {
                0 => format!("/ping/{t}/start?rid=r{i}"),
                1 => format!("/ping/{t}?rid=r{}", i - 1),
                2 => format!("/ping/{t}/fail"),
                _ => format!("/ping/{t}/log"),
            };
            tokio::spawn(async move { s.send("POST", &path, format!("run {i}")).await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let after = s.reload(&m).await;
    assert_eq!(after.ping_count, n as u64);
    assert_eq!(s.store.run_count(&m.id).await.unwrap(), n as u64);
    let mut seen = std::collections::HashSet::new();
    let mut cursor = None;
    loop {
        let page = s.store.runs(&m.id, 100, cursor.as_ref()).await.unwrap();
        for run in &page.items {
            assert!(seen.insert(run.output.preview.clone()), "duplicate run {}", run.output.preview);
        }
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), n, "every run recorded exactly once");
}
