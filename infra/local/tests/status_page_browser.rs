//! End to end in a real browser: `tokiflow-local --demo` on a free loopback port, the
//! demo page `dev-status` rendered by Debian's headless Chromium (driven by
//! playwright-core through `infra/scripts/status-page-browser.cjs`), checked for its
//! banner, components and active incident, with a screenshot saved as a test artifact
//! under `target/artifacts/`. Missing tools fail the test (they are never skipped):
//! `infra/scripts/install-tools.sh` installs playwright-core, `apt-get install chromium`
//! the browser.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts the server with `--demo` and waits until it has printed the demo (it listens
/// before it seeds, so the page is served from then on).
fn start_demo(data: &Path) -> (Server, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokiflow-local"))
        .args(["--demo", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tokiflow-local");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("Status page slug:") {
            return (server, format!("http://127.0.0.1:{port}"));
        }
    }
    panic!("tokiflow-local --demo ended before printing the demo:\n{printed}");
}

#[test]
fn demo_status_page_renders_in_headless_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "this test needs Debian's Chromium at /usr/bin/chromium: sudo apt-get install chromium"
    );
    let root = root();
    assert!(
        root.join("infra/.tools/npm/node_modules/playwright-core/package.json").exists(),
        "playwright-core is missing: run infra/scripts/install-tools.sh"
    );
    let data = tempfile::tempdir().unwrap();
    let (_server, base) = start_demo(data.path());
    let artifacts = root.join("target/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("status-page-dev-status.png");
    let _ = std::fs::remove_file(&shot);

    let out = Command::new("node")
        .arg(root.join("infra/scripts/status-page-browser.cjs"))
        .arg(format!("{base}/status/dev-status"))
        .arg(&shot)
        .stderr(Stdio::inherit())
        .output()
        .expect("run node (Node 20 must be on PATH)");
    assert!(out.status.success(), "the browser script failed: {:?}", out.status);
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));

    assert_eq!(seen["title"], "Tokiflow Demo Status status");
    // The demo monitors are not pinged after seeding, so the server's missed checks may
    // already have opened incidents: the banner is the worst of what the page shows.
    let banner = seen["banner"].as_str().unwrap();
    let colour = match banner {
        "Partially Degraded Service" => "rgb(154, 103, 0)",
        "Partial System Outage" => "rgb(188, 76, 0)",
        "Major System Outage" => "rgb(207, 34, 46)",
        other => panic!("unexpected banner {other:?}: the active demo incident is at least minor"),
    };
    assert_eq!(seen["bannerColour"], colour, "the stylesheet applied");
    let components = seen["components"].as_array().unwrap();
    let names: Vec<&str> = components.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["API heartbeat", "Database backup", "Morning report"]);
    let labels = ["Operational", "Under maintenance", "Degraded performance", "Partial outage", "Major outage"];
    for c in components {
        assert!(labels.contains(&c["status"].as_str().unwrap()), "{c}");
    }
    assert_ne!(components[0]["status"], "Operational", "the active incident degrades the API");
    assert_eq!(seen["incidents"], serde_json::json!(["Elevated API latency"]));
    assert_eq!(seen["maintenance"], serde_json::json!(["Weekly database maintenance"]));
    assert_eq!(seen["scripts"], 0, "the page needs no JavaScript");
    assert_eq!(seen["consoleErrors"], serde_json::json!([]));
    let png = std::fs::read(&shot).expect("screenshot saved");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real screenshot ({} bytes)", png.len());
}
