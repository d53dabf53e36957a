//! `tokiflow run`: ping start, run the job with its output streamed through, ping its
//! exit code with the tail of its output. The job's exit code is passed on unchanged,
//! whatever happens to the pings.
use crate::client::Client;
use crate::ping::{PingKind, PingTarget};
use bytes::Bytes;
use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::process::Command;

/// How much of the end of the output goes with the final ping.
pub const TAIL_BYTES: usize = 10 * 1024;

/// The last `TAIL_BYTES` of everything the job wrote, both streams interleaved.
#[derive(Default)]
struct Tail(VecDeque<u8>);

impl Tail {
    fn push(&mut self, chunk: &[u8]) {
        self.0.extend(chunk);
        let excess = self.0.len().saturating_sub(TAIL_BYTES);
        self.0.drain(..excess);
    }
}

async fn tee(mut from: impl AsyncRead + Unpin, mut to: impl AsyncWrite + Unpin, tail: Arc<Mutex<Tail>>) {
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                // Our own stdout going away must not stop the job: keep draining it.
                let _ = to.write_all(&buf[..n]).await;
                let _ = to.flush().await;
                tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(&buf[..n]);
            }
        }
    }
}

/// Runs `cmd`, returns the exit code to exit with.
pub async fn run(client: &Client, target: &PingTarget, cmd: &[String]) -> i32 {
    let rid = uuid::Uuid::new_v4().simple().to_string();
    let ping_path = |kind| format!("{}?rid={rid}", target.path(kind));
    if let Err(e) = client.ping(&ping_path(PingKind::Start), Bytes::new()).await {
        eprintln!("tokiflow: start ping failed: {e:#}");
    }
    let spawned = Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let message = format!("tokiflow: cannot run {:?}: {e}", cmd[0]);
            eprintln!("{message}");
            // 127: what a shell answers for a command it cannot run.
            let _ = client.ping(&ping_path(PingKind::Exit(127)), Bytes::from(message)).await;
            return 127;
        }
    };
    let tail = Arc::new(Mutex::new(Tail::default()));
    let out = tokio::spawn(tee(child.stdout.take().expect("piped"), tokio::io::stdout(), tail.clone()));
    let err = tokio::spawn(tee(child.stderr.take().expect("piped"), tokio::io::stderr(), tail.clone()));
    let status = child.wait().await;
    let _ = tokio::join!(out, err);
    let code = match status {
        Ok(s) => exit_code(s),
        Err(e) => {
            eprintln!("tokiflow: waiting for the job failed: {e}");
            1
        }
    };
    let body: Vec<u8> = tail.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0.iter().copied().collect();
    // Exit codes above 255 do not exist on Unix; a signal is reported as 128 + its number.
    let reported = PingKind::Exit(code.clamp(0, 255) as u8);
    if let Err(e) = client.ping(&ping_path(reported), Bytes::from(body)).await {
        eprintln!("tokiflow: final ping failed: {e:#}");
    }
    code
}

#[cfg(unix)]
fn exit_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

#[cfg(not(unix))]
fn exit_code(s: std::process::ExitStatus) -> i32 {
    s.code().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end() {
        let mut t = Tail::default();
        t.push(&vec![b'a'; TAIL_BYTES]);
        t.push(b"end");
        assert_eq!(t.0.len(), TAIL_BYTES);
        assert!(t.0.iter().rev().take(3).eq(b"dne".iter()));
    }
}
