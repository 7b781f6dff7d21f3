//! What one connection is doing, so that a silent or stalled client cannot hold it for ever.
//!
//! A connection is in one of three phases:
//! - **awaiting** a request: just accepted, or the first bytes of a next request have arrived;
//!   the whole header must follow within the header-read timeout (slowloris);
//! - **busy**: a request is being served; its body is bounded by the body-read timeout in the
//!   pipeline, the handler by the store;
//! - **idle** between keep-alive requests, closed after the idle timeout (Alibaba Cloud's load
//!   balancers close idle connections after 15 s by default, and every SDK reconnects).
//!
//! hyper's own header-read timer starts when it waits for a head, which includes the idle time
//! of a keep-alive connection, so it cannot tell the two limits apart; the stream is watched
//! here instead (reads move an idle connection to awaiting) and the server loop enforces the
//! deadlines. HTTP/2 multiplexes control frames on an idle connection, so there only requests
//! in flight count.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The limits a connection lives under.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From accepting a connection, or from the first byte of a next request, to its full header.
    pub header_read: Duration,
    /// Between the end of one response and the first byte of the next request.
    pub idle: Duration,
}

const AWAITING: u8 = 0;
const IDLE: u8 = 1;

/// The first bytes of an HTTP/2 prior-knowledge connection (RFC 9113 3.4).
const H2_PREFACE_START: &[u8] = b"PRI * HTTP/2.0";

/// Shared by the stream (reads), the service (requests) and the server loop (deadlines).
#[derive(Default)]
pub struct Activity {
    in_flight: AtomicU32,
    phase: AtomicU8,
    /// Milliseconds since the process's epoch when the phase began.
    since_ms: AtomicU64,
    saw_first_read: AtomicBool,
    http2: AtomicBool,
}

/// What the server loop should do about a connection now.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Look again after this long.
    Wait(Duration),
    /// A client silent mid-request, or never sending one: close without an answer.
    Stalled,
    /// Idle past the keep-alive timeout: close it gracefully.
    Idle,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl Activity {
    /// A connection just accepted: awaiting its first request.
    pub fn new() -> Arc<Self> {
        let a = Self::default();
        a.since_ms.store(now_ms(), Ordering::Relaxed);
        Arc::new(a)
    }

    /// A request reached the service.
    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    /// Its response was produced: when it was the last in flight, the connection idles.
    pub fn request_finished(&self) {
        self.since_ms.store(now_ms(), Ordering::Relaxed);
        self.phase.store(IDLE, Ordering::Release);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    fn bytes_read(&self, first: &[u8]) {
        // Plain loads on the common path: only the connection's own task reads its stream.
        if !self.saw_first_read.load(Ordering::Relaxed) {
            self.saw_first_read.store(true, Ordering::Relaxed);
            if first.starts_with(H2_PREFACE_START) {
                self.http2.store(true, Ordering::Relaxed);
            }
        }
        if self.phase.load(Ordering::Relaxed) == IDLE
            && !self.http2.load(Ordering::Relaxed)
            && self.phase.compare_exchange(IDLE, AWAITING, Ordering::AcqRel, Ordering::Relaxed).is_ok()
        {
            self.since_ms.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// Whether no request is being served (a draining server closes such connections at once).
    pub fn is_quiet(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// The deadline that applies now.
    pub fn verdict(&self, limits: &Timeouts) -> Verdict {
        if !self.is_quiet() {
            // Looked at again later: a request ends without telling the loop.
            return Verdict::Wait(limits.header_read.min(limits.idle).max(Duration::from_millis(20)));
        }
        let (limit, expired) = match self.phase.load(Ordering::Acquire) {
            IDLE => (limits.idle, Verdict::Idle),
            _ => (limits.header_read, Verdict::Stalled),
        };
        let since = Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        let elapsed = Duration::from_millis(now_ms()).saturating_sub(since);
        match limit.checked_sub(elapsed) {
            Some(left) if !left.is_zero() => Verdict::Wait(left),
            _ => expired,
        }
    }
}

/// A stream that reports its reads to the connection's [`Activity`].
pub struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    pub fn new(inner: S, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Some(new) = buf.filled().get(before..).filter(|b| !b.is_empty()) {
            self.activity.bytes_read(new);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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

    const LIMITS: Timeouts = Timeouts { header_read: Duration::from_secs(10), idle: Duration::from_secs(15) };

    fn waits(v: Verdict) -> Duration {
        match v {
            Verdict::Wait(d) => d,
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn a_new_connection_has_the_header_timeout_and_an_idle_one_the_idle_timeout() {
        let a = Activity::new();
        assert!(waits(a.verdict(&LIMITS)) <= LIMITS.header_read);
        assert!(waits(a.verdict(&LIMITS)) > LIMITS.header_read - Duration::from_secs(1));
        a.request_started();
        a.request_finished();
        assert!(waits(a.verdict(&LIMITS)) > LIMITS.header_read, "idle, not awaiting");
    }

    #[test]
    fn bytes_of_a_next_request_start_the_header_clock_but_not_on_http2() {
        let a = Activity::new();
        a.bytes_read(b"GET / HTTP/1.1\r\n");
        a.request_started();
        a.request_finished();
        a.bytes_read(b"GET /");
        assert!(waits(a.verdict(&LIMITS)) <= LIMITS.header_read);

        let h2 = Activity::new();
        h2.bytes_read(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        h2.request_started();
        h2.request_finished();
        h2.bytes_read(b"\0\0\0\x04\x01\0\0\0\0"); // a SETTINGS ack
        assert!(waits(h2.verdict(&LIMITS)) > LIMITS.header_read);
    }

    #[test]
    fn expired_deadlines_say_why() {
        let zero = Timeouts { header_read: Duration::ZERO, idle: Duration::ZERO };
        let a = Activity::new();
        assert_eq!(a.verdict(&zero), Verdict::Stalled);
        a.request_started();
        assert!(matches!(a.verdict(&zero), Verdict::Wait(_)), "a request in flight is never cut here");
        a.request_finished();
        assert_eq!(a.verdict(&zero), Verdict::Idle);
    }
}
