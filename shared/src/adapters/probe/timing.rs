//! Measuring phases: milliseconds between `Instant`s, and a stream wrapper that notes when
//! the request went out and when the answer's first byte came back (time to first byte).
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub(super) fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// When the request started going out and the first byte of the answer arrived, as seen
/// on the stream under the HTTP client (above TLS, so the handshake is not counted).
#[derive(Debug, Default)]
pub(super) struct FirstByte {
    request_at: OnceLock<Instant>,
    first_byte_at: OnceLock<Instant>,
}

impl FirstByte {
    pub(super) fn request_sent(&self) -> bool {
        self.request_at.get().is_some()
    }

    pub(super) fn ttfb_ms(&self) -> Option<f64> {
        let (sent, first) = (self.request_at.get()?, self.first_byte_at.get()?);
        Some(first.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
    }
}

/// A stream that reports its first write and its first read after that to a `FirstByte`.
pub(super) struct TimedStream<S> {
    inner: S,
    clock: Arc<FirstByte>,
}

impl<S> TimedStream<S> {
    pub(super) fn new(inner: S, clock: Arc<FirstByte>) -> Self {
        Self { inner, clock }
    }

    fn wrote(&self, n: usize) {
        if n > 0 {
            let _ = self.clock.request_at.set(Instant::now());
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TimedStream<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        // Bytes that arrive before the request went out are no answer to it.
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before && self.clock.request_sent() {
            let _ = self.clock.first_byte_at.set(Instant::now());
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TimedStream<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = polled {
            self.wrote(n);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = polled {
            self.wrote(n);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn the_first_byte_counts_only_after_the_request() {
        let (client, mut server) = tokio::io::duplex(64);
        let clock = Arc::new(FirstByte::default());
        let mut timed = TimedStream::new(client, clock.clone());
        server.write_all(b"early").await.unwrap();
        let mut buf = [0u8; 5];
        timed.read_exact(&mut buf).await.unwrap();
        assert!(!clock.request_sent() && clock.ttfb_ms().is_none());
        timed.write_all(b"GET").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        server.write_all(b"answer").await.unwrap();
        timed.read_exact(&mut buf).await.unwrap();
        let ttfb = clock.ttfb_ms().unwrap();
        assert!((30.0..200.0).contains(&ttfb), "{ttfb}");
    }
}
