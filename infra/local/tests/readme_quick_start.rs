//! The README's quick start, run exactly as written: its run command must start the
//! server with demo data (a newcomer's first step), and its test command must be what
//! `.ci/run` calls. Only `TOKIFLOW_DATA_DIR` and `TOKIFLOW_LISTEN` are set around it.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The commands of the first `sh` code block under `## Quick start`, comments dropped.
fn quick_start_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let section = readme.split("\n## Quick start").nth(1).expect("README.md has a Quick start section");
    let block =
        section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a ```sh block in the Quick start");
    block
        .lines()
        .map(|l| l.split(" #").next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Kills the command's whole process group (cargo and the server it started) on drop.
struct Group(std::process::Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-s", "TERM", "--", &group]).status();
        for _ in 0..150 {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.0.wait();
    }
}

#[test]
fn the_test_command_is_what_ci_runs() {
    let commands = quick_start_commands();
    let test = commands.iter().find(|c| c.contains("test")).expect("a test command in the Quick start");
    let ci = std::fs::read_to_string(workspace_root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim().ends_with(test.as_str())), ".ci/run does not run the README's {test:?}:\n{ci}");
    assert!(workspace_root().join(test.trim_start_matches("./")).exists(), "{test} does not exist");
}

#[tokio::test]
async fn the_run_command_serves_the_demo_as_written() {
    use std::os::unix::process::CommandExt;
    let commands = quick_start_commands();
    let run =
        commands.iter().find(|c| c.contains("--demo")).expect("a run command with --demo in the Quick start").clone();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("stderr.log");
    let child = Command::new("bash")
        .args(["-c", &run])
        .current_dir(workspace_root())
        .env("TOKIFLOW_DATA_DIR", data.path().join("data"))
        .env("TOKIFLOW_LISTEN", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let mut group = Group(child);

    // It may compile first: wait up to 20 minutes for the demo's lines.
    let (tx, rx) = mpsc::channel();
    let stdout = group.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut printed = Vec::new();
    let key = loop {
        match rx.recv_timeout(Duration::from_secs(20 * 60)) {
            Ok(line) => {
                if let Some(key) = line.strip_prefix("Demo API key (shown once): ") {
                    break key.to_owned();
                }
                printed.push(line);
            }
            Err(_) => panic!(
                "`{run}` printed no demo API key: {printed:?}\nits stderr: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ),
        }
    };
    let url = printed.iter().find_map(|l| l.find("http://").map(|i| l[i..].trim().to_owned())).expect("a ping URL");
    assert!(url.contains("/ping/"), "{url}");

    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let get = |url: String, key: Option<String>| {
        let mut req = http::Request::get(url);
        if let Some(key) = key {
            req = req.header("authorization", format!("Bearer {key}"));
        }
        client.request(req.body(http_body_util::Full::new(bytes::Bytes::new())).unwrap())
    };
    assert_eq!(get(url.clone(), None).await.unwrap().status(), 200, "the printed ping URL answers");
    let base = url.split("/ping/").next().unwrap();
    let res = get(format!("{base}/api/v1/monitors"), Some(key)).await.unwrap();
    assert_eq!(res.status(), 200, "the printed key is accepted");
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    let monitors = String::from_utf8_lossy(&body);
    for name in ["API heartbeat", "Database backup", "Morning report"] {
        assert!(monitors.contains(name), "{name} missing from {monitors}");
    }
}
