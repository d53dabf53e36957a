//! The management API against its own OpenAPI document: schemathesis (pinned in
//! infra/scripts/versions.sh, installed by install-tools.sh) generates requests from
//! `/api/v1/openapi.json` and sends them to a real local server with the demo API key.
//! Passing means no 5xx, and every status, content type and body as documented.
mod common;

use chrono::Utc;
use std::path::PathBuf;
use tokiflow_shared::services::seed::seed_demo;

fn schemathesis() -> PathBuf {
    let st = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/st");
    assert!(
        st.exists(),
        "schemathesis is missing: run ./infra/scripts/install-tools.sh"
    );
    st
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_conforms_to_its_openapi_document() {
    let st = schemathesis();
    // A rate limit well above what the run sends, so it tests the routes, not the limiter
    // (429 is documented, and tested in shared/tests/api_policy.rs).
    let server = common::TestServer::start_with(tempfile::tempdir().unwrap(), |c| {
        c.api_rate = tokiflow_shared::domain::rate_limit::RateLimit {
            capacity: 1e6,
            per_second: 1e6,
        };
    })
    .await;
    let demo = seed_demo(server.store.as_ref(), Utc::now()).await.unwrap();
    let mut cmd = std::process::Command::new(st);
    cmd
        .arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args(["-H", &format!("Authorization: Bearer {}", demo.api_key.reveal())])
        .args(["--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"])
        .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "10", "--seed", "1", "--workers", "1"])
        .env("NO_COLOR", "1")
        .current_dir(server.dir.path());
    // Blocking, off the runtime that serves the requests.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let summary: String = report
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
