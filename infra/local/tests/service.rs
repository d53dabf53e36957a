//! The local binary as a service runs it: `init` for the first owner, SIGTERM that drains
//! requests in flight and loses no acknowledged ping, logs on stderr (JSON on request, no
//! colour off a terminal), and a panicking request that leaves the server serving.
mod common;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokiflow_shared::adapters::embedded::EmbeddedStore;
use tokiflow_shared::domain::secret::SecretHash;
use tokiflow_shared::ports::store::{MonitorStore, OrgStore, RunStore};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tokiflow-local"))
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn call(
    client: &Client<HttpConnector, Full<Bytes>>,
    method: &str,
    url: &str,
    key: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut req = http::Request::builder().method(method).uri(url);
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let res = client.request(req.body(Full::new(Bytes::from(body.to_owned()))).unwrap()).await.expect("request");
    let status = res.status().as_u16();
    let body = http_body_util::BodyExt::collect(res.into_body()).await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Waits for the child to exit, at most `limit`; kills it past that.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn signal(child: &Child, name: &str) {
    assert!(Command::new("kill").args(["-s", name, &child.id().to_string()]).status().unwrap().success());
}

/// The lines the demo prints on stdout, up to its API key line.
fn read_demo(stdout: impl Read) -> Vec<String> {
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        lines.push(line.clone());
        if line.starts_with("Demo API key (shown once): tf_") {
            return lines;
        }
    }
    panic!("the demo printed no API key: {lines:?}")
}

#[tokio::test]
async fn init_makes_the_first_owner_once_and_its_key_works() {
    let dir = tempfile::tempdir().unwrap();
    let init = |org: &str, owner: &str| {
        binary().args(["init", "--org", org, "--owner", owner, "--data-dir"]).arg(dir.path()).output().unwrap()
    };
    let bad = init("Acme", "not-an-address");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("owner"), "names the field");

    let made = init("Acme", "Ops@Acme.test");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let stdout = String::from_utf8(made.stdout).unwrap();
    let key = stdout.split_whitespace().find(|w| w.starts_with("tf_")).expect("the key is printed").to_owned();
    let stderr = String::from_utf8(made.stderr).unwrap();
    assert!(!stdout.contains("INFO") && stderr.contains("INFO"), "logs on stderr, the key on stdout");
    assert!(!stderr.contains('\u{1b}'), "no colour off a terminal: {stderr:?}");

    let again = init("Other", "someone@else.test");
    assert_eq!(again.status.code(), Some(2));
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(refusal.contains("already has an organisation") && refusal.contains("Acme"), "{refusal}");
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        let orgs = store.orgs().await.unwrap();
        assert_eq!(orgs.len(), 1, "the refusal changed nothing");
        assert_eq!(store.api_keys_of_org(&orgs[0].id).await.unwrap().len(), 1);
        store.close();
    }

    // The key is the owner's, on the server started on the same data.
    let mut server = binary()
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://{}", logged_address(server.stderr.take().unwrap()));
    let c = client();
    let (status, members) = call(&c, "GET", &format!("{base}/api/v1/members"), Some(&key), "").await;
    assert_eq!(status, 200, "{members}");
    assert!(members.contains("ops@acme.test") && members.contains("OWNER"), "{members}");
    let (status, body) = call(&c, "PATCH", &format!("{base}/api/v1/org"), Some(&key), r#"{"retentionDays": 60}"#).await;
    assert_eq!(status, 200, "an owner's key: {body}");
    signal(&server, "TERM");
    assert!(wait_exit(&mut server, Duration::from_secs(10)).is_some_and(|s| s.success()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_loses_no_acknowledged_ping_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = binary()
        .args(["--demo", "--log-format", "json", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let printed = read_demo(server.stdout.take().unwrap());
    assert!(
        printed.iter().all(|l| !l.contains('\u{1b}') && !l.contains("\"level\"")),
        "stdout holds only the demo: {printed:?}"
    );
    let url = printed.iter().find_map(|l| l.find("http://").map(|i| l[i..].trim().to_owned())).unwrap();
    let mut stderr = server.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut all = String::new();
        stderr.read_to_string(&mut all).unwrap();
        all
    });

    // Pings under load from 16 clients, each body unique; SIGTERM while they run.
    let c = client();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for n in 0..16 {
        let (c, url, stop) = (c.clone(), url.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                // Failures and recoveries in turn: incidents open and resolve, so the
                // notifier is busy when the signal comes.
                let body = format!("drain-{n}-{i}");
                let target = if i % 2 == 1 { format!("{url}/fail") } else { url.clone() };
                let req = http::Request::post(&target).body(Full::new(Bytes::from(body.clone()))).unwrap();
                match c.request(req).await {
                    Ok(res) if res.status() == 200 => acked.push(body),
                    Ok(res) => panic!("a ping was answered {} while serving", res.status()),
                    Err(_) => break, // the server stopped accepting: expected after SIGTERM
                }
            }
            acked
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let signalled = Instant::now();
    signal(&server, "TERM");
    let status = wait_exit(&mut server, Duration::from_secs(10));
    let took = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for client in clients {
        acked.extend(client.await.unwrap());
    }
    assert!(status.is_some_and(|s| s.success()), "exit 0 within 10 s of SIGTERM: {status:?} after {took:?}");
    assert!(acked.len() > 100, "the load ran: {} acknowledged", acked.len());

    let logs = logs.join().unwrap();
    for line in logs.lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(entry["level"].is_string(), "{line}");
    }
    assert!(logs.contains("SIGTERM") && logs.contains("\"stopped\""), "{logs}");

    // Every acknowledged ping is stored, after a restart on the same data.
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let token = url.rsplit('/').next().unwrap();
    let monitor = store.monitor_by_token(&SecretHash::of(token)).await.unwrap().unwrap();
    let mut stored = std::collections::HashSet::new();
    let mut cursor = None;
    loop {
        let page = store.runs(&monitor.id, 200, cursor.as_ref()).await.unwrap();
        stored.extend(page.items.into_iter().map(|r| r.output.preview));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let lost: Vec<_> = acked.iter().filter(|b| !stored.contains(*b)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged pings lost: {:?}",
        lost.len(),
        acked.len(),
        &lost[..lost.len().min(5)]
    );
    store.close();
}

#[tokio::test]
async fn a_panicking_request_answers_500_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = tokiflow_shared::config::Config::from_lookup(|_| None).unwrap();
    config.data_dir = dir.path().to_owned();
    let local = tokiflow_local::Local::open(&config).unwrap();
    let creds = tokiflow_shared::services::seed::seed_demo(local.store.as_ref(), chrono::Utc::now()).await.unwrap();
    // The real routes, and one that panics as a bug in a handler would.
    async fn poisoned() -> &'static str {
        panic!("a bug in a handler")
    }
    let router = tokiflow_local::router(local.app.clone()).route("/poisoned", axum::routing::get(poisoned));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(tokiflow_local::serve_router(
        router,
        listener,
        tokiflow_local::ConnLimits::default(),
        std::future::pending(),
    ));

    let c = client();
    let (status, body) = call(&c, "GET", &format!("{base}/poisoned"), None, "").await;
    assert_eq!(status, 500);
    assert!(body.contains("\"internal\""), "a JSON error: {body}");
    let ping = format!("{base}/ping/{}", creds.monitors[0].1.reveal());
    assert_eq!(call(&c, "GET", &ping, None, "").await.0, 200, "still serving after the panic");

    // The request that used to kill the server (hardening item 1) is now refused by name.
    let key = creds.api_key.reveal();
    for secs in ["9223372036854775807", "-9223372036854775808", "9223372036854775"] {
        let channel =
            format!(r#"{{"name":"x","target":{{"kind":"EMAIL","to":"ops@example.com"}},"realertAfterSecs":{secs}}}"#);
        let (status, body) = call(&c, "POST", &format!("{base}/api/v1/channels"), Some(key), &channel).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.contains("realertAfterSecs"), "{body}");
    }
    assert_eq!(call(&c, "GET", &ping, None, "").await.0, 200);
}

/// Reads the server's stderr until it logs its address; returns `host:port`.
fn logged_address(stderr: impl Read) -> String {
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if let Some(i) = line.find("addr=") {
            return line[i + 5..].split_whitespace().next().unwrap().to_owned();
        }
    }
    panic!("the server never logged its address")
}

/// Hardening: idle and trickling sockets, more of them than the process may open files,
/// time out and leave room: the server keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_idle_sockets_than_the_file_limit_do_not_starve_the_server() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "ulimit -n 256 && exec '{}' --listen 127.0.0.1:0 --data-dir '{}'",
        env!("CARGO_BIN_EXE_tokiflow-local"),
        dir.path().display()
    );
    let mut server = Command::new("bash")
        .args(["-c", &script])
        .env("TOKIFLOW_IDLE_TIMEOUT", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = logged_address(server.stderr.take().unwrap());

    // 400 sockets that never send a byte, and one that sends half a request.
    let idle: Vec<std::net::TcpStream> = (0..400).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    let mut trickle = std::net::TcpStream::connect(&addr).unwrap();
    trickle.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").unwrap();

    let c = client();
    let healthz =
        tokio::time::timeout(Duration::from_secs(60), call(&c, "GET", &format!("http://{addr}/healthz"), None, ""))
            .await;
    assert_eq!(healthz.expect("answered while 400 idle sockets were open").0, 200);

    // The half-sent request is closed by the server, not left holding a slot.
    trickle.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut rest = Vec::new();
    let closed = trickle.read_to_end(&mut rest);
    assert!(closed.is_ok(), "the server closed the trickling socket: {closed:?}");
    drop(idle);
    signal(&server, "TERM");
    assert!(wait_exit(&mut server, Duration::from_secs(10)).is_some_and(|s| s.success()));
}
