//! The management API against its own OpenAPI document: schemathesis (pinned in
//! infra/scripts/versions.sh, installed by install-tools.sh) generates requests from
//! `/api/v1/openapi.json` and sends them to a real local server with the demo API key.
//! Passing means no 5xx, and every status, content type and body as documented.
//!
//! Two things this test learned the hard way:
//! - schemathesis reuses ids it has seen in responses, so it can invite a second owner and
//!   then remove the demo owner, demote it, or revoke the demo key: every later request is
//!   then a 401 (documented, so nothing fails, but nothing is tested either). The
//!   operations that can take the caller's own credential away therefore run in a second
//!   pass, after the first is checked to have kept the key working.
//! - It runs with one worker: with two, hypothesis describes strategies with `ast.parse`
//!   from both worker threads at once, and CPython 3.11's AST converter keeps its
//!   recursion depth in interpreter-wide state (python/cpython#106905), so a run now and
//!   then dies with "SystemError: AST constructor recursion depth mismatch" — a fault of
//!   the tool, not of the server (six runs with two workers: no server-side failure).
mod common;

use chrono::Utc;
use std::path::PathBuf;
use std::process::Output;
use tokiflow_shared::services::seed::seed_demo;

/// The operations that can remove, demote or revoke the caller's own key or member.
const SELF_LOCKOUT: &str = "^(removeMember|updateMember|revokeApiKey)$";

fn schemathesis() -> PathBuf {
    let st = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/st");
    assert!(st.exists(), "schemathesis is missing: run ./infra/scripts/install-tools.sh");
    st
}

/// One schemathesis run over the operations `filter` selects; panics with its report
/// when it finds failures.
async fn run(server: &common::TestServer, key: &str, filter: [&str; 2]) -> Output {
    let mut cmd = std::process::Command::new(schemathesis());
    cmd.arg("run")
        .arg(format!("{}/api/v1/openapi.json", server.base))
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing", "--max-examples", "10", "--seed", "1", "--workers", "1"])
        .args(filter)
        .env("NO_COLOR", "1")
        .current_dir(server.dir.path());
    // Blocking, off the runtime that serves the requests.
    let out = tokio::task::spawn_blocking(move || cmd.output()).await.unwrap().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = report.lines().collect();
    println!("{}", lines[lines.len().saturating_sub(40)..].join("\n"));
    assert!(out.status.success(), "schemathesis found failures:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_conforms_to_its_openapi_document() {
    // A rate limit well above what the run sends, so it tests the routes, not the limiter
    // (429 is documented, and tested in shared/tests/api_policy.rs).
    let server = common::TestServer::start_with(tempfile::tempdir().unwrap(), |c| {
        c.api_rate = tokiflow_shared::domain::rate_limit::RateLimit { capacity: 1e6, per_second: 1e6 };
    })
    .await;
    let demo = seed_demo(server.store.as_ref(), Utc::now()).await.unwrap();
    let key = demo.api_key.reveal();

    let first = run(&server, key, ["--exclude-operation-id-regex", SELF_LOCKOUT]).await;
    let bearer = format!("Bearer {key}");
    let still = server.send_with("GET", "/api/v1/monitors", &[("authorization", &bearer)]).await;
    assert_eq!(
        still.status,
        200,
        "the first pass must leave the demo key working, or it tested little:\n{}",
        String::from_utf8_lossy(&first.stdout)
    );
    run(&server, key, ["--include-operation-id-regex", SELF_LOCKOUT]).await;
}
