//! The server loop: one listener serving every API style over plain HTTP and over TLS (told
//! apart by a connection's first byte), HTTP/1.1 and HTTP/2 on both (told apart by the first bytes
//! inside), every connection under the deadlines of `connection.rs`, and a bounded shutdown. It drives hyper directly, as the benchmark's ceiling does: a router would
//! only add per-request boxing and an extension map for the one handler every request goes to.

use crate::connection::{Activity, Timeouts, Verdict, Watched};
use crate::pipeline::{self, Peer};
use crate::state::AppState;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

/// The limits the loop enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub connection: Timeouts,
    /// How long a stopping server lets requests in flight finish before it closes everything.
    pub shutdown_grace: Duration,
}

/// Termination signals received so far: the first drains, the second stops at once.
pub type Signals = watch::Receiver<u32>;

/// A failed `accept` (out of file descriptors, mostly) is retried after a pause that doubles up
/// to a second, so the loop neither spins nor floods the log while the condition lasts.
const ACCEPT_BACKOFF_START: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// How long a connection told to close gracefully may take before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Writes the AccessKey uses noted by requests (key_usage.rs), for as long as the server runs.
async fn flush_key_usage(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(crate::key_usage::FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        crate::key_usage::flush(&state.key_usage, &state.executor).await;
    }
}

/// Serves until the first signal; then stops accepting, lets requests in flight finish, closes
/// the other connections, and returns when all are closed, when `shutdown_grace` has passed, or
/// at a second signal. Every answer is sent after its commit, so returning at any point loses
/// nothing that was acknowledged.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    mut signals: Signals,
) -> std::io::Result<()> {
    let builder = Arc::new(auto::Builder::new(TokioExecutor::new()));
    let (drain_tx, drain_rx) = watch::channel(false);
    // Each connection task holds a sender; `recv` answers `None` once the last one has ended.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let mut backoff = ACCEPT_BACKOFF_START;
    let mut failures = 0u64;
    let usage = tokio::spawn(flush_key_usage(state.clone()));
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => {
                    if failures > 0 {
                        tracing::info!(failures, "accepting connections again");
                    }
                    backoff = ACCEPT_BACKOFF_START;
                    failures = 0;
                    conn
                }
                Err(e) => {
                    if failures == 0 {
                        tracing::warn!(error = %e, "accepting a connection failed; retrying with backoff");
                    }
                    failures += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            },
            _ = signals.wait_for(|n| *n >= 1) => break,
        };
        let conn = Conn {
            state: state.clone(),
            builder: builder.clone(),
            limits: limits.connection,
            drain: drain_rx.clone(),
            _alive: alive_tx.clone(),
            tls: tls.clone(),
        };
        tokio::spawn(conn.run(stream, peer));
    }
    drop(listener);
    let _ = drain_tx.send(true);
    drop(alive_tx);
    tracing::info!(grace_ms = limits.shutdown_grace.as_millis() as u64, "shutting down: finishing requests in flight");
    tokio::select! {
        _ = alive_rx.recv() => tracing::info!("every connection closed"),
        () = tokio::time::sleep(limits.shutdown_grace) => tracing::warn!("shutdown grace period over; closing the remaining connections"),
        _ = signals.wait_for(|n| *n >= 2) => tracing::warn!("second signal; closing the remaining connections now"),
    }
    usage.abort();
    crate::key_usage::flush(&state.key_usage, &state.executor).await;
    Ok(())
}

/// One accepted connection and what it needs (cloned into the tunnels a CONNECT opens).
#[derive(Clone)]
struct Conn {
    state: Arc<AppState>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    limits: Timeouts,
    drain: watch::Receiver<bool>,
    /// Held, never read: shutdown waits until every connection (and tunnel) has dropped its clone.
    _alive: mpsc::Sender<()>,
    tls: Option<TlsAcceptor>,
}

/// Counts a request in flight for as long as its service future lives (an HTTP/2 stream the
/// client resets drops it unfinished).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.request_started();
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

impl Conn {
    /// Plain HTTP or TLS, by the first byte (a TLS connection starts with a handshake record;
    /// no HTTP request starts with that byte). A client that sends nothing within the header
    /// deadline, or whose handshake does not finish within it, is dropped.
    async fn run(self, stream: TcpStream, peer: SocketAddr) {
        let _ = stream.set_nodelay(true);
        let mut first = [0u8; 1];
        let deadline = self.limits.header_read;
        let peeked = tokio::time::timeout(deadline, stream.peek(&mut first)).await;
        match (peeked, self.tls.clone()) {
            (Ok(Ok(1)), Some(tls)) if first == [crate::tls::HANDSHAKE_RECORD] => {
                match tokio::time::timeout(deadline, tls.accept(stream)).await {
                    Ok(Ok(stream)) => Box::pin(self.serve_io(stream, Peer { addr: peer, secure: true })).await,
                    Ok(Err(e)) => tracing::debug!(peer = %peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out"),
                }
            }
            // Plain HTTP inline, TLS boxed: the task of a silent connection is the size of the plain
            // connection's future, as before TLS (one allocation per connection, a few KiB).
            (Ok(Ok(n)), _) if n > 0 => self.serve_io(stream, Peer { addr: peer, secure: false }).await,
            _ => {}
        }
    }

    /// The proxy's CONNECT (issue 13): to a name localyun serves it answers 200 and terminates
    /// TLS inside the tunnel with a certificate for that name, serving the requests there as if
    /// sent directly (the Host inside names the service and region, as for plain proxying); any
    /// other target is refused and nothing is ever tunnelled elsewhere.
    fn connect(self, req: hyper::Request<hyper::body::Incoming>, peer: SocketAddr) -> crate::http::Response {
        use crate::http::{response, StatusCode};
        let host = req.uri().authority().map(|a| a.host().trim_start_matches('[').trim_end_matches(']').to_string());
        let (Some(host), Some(tls)) = (host, self.tls.clone()) else {
            return response(StatusCode::BAD_REQUEST, Some("text/plain"), "CONNECT needs a host:port target.\n");
        };
        if !localyun_core::endpoints::is_served_host(&host) {
            return response(
                StatusCode::FORBIDDEN,
                Some("text/plain"),
                "localyun proxies only the services it serves; this target is refused.\n",
            );
        }
        let deadline = self.limits.header_read;
        tokio::spawn(async move {
            let upgraded = match hyper::upgrade::on(req).await {
                Ok(u) => u,
                Err(e) => return tracing::debug!(peer = %peer, error = %e, "CONNECT tunnel not opened"),
            };
            match tokio::time::timeout(deadline, tls.accept(TokioIo::new(upgraded))).await {
                Ok(Ok(stream)) => Box::pin(self.serve_io(stream, Peer { addr: peer, secure: true })).await,
                Ok(Err(e)) => tracing::debug!(peer = %peer, host = %host, error = %e, "TLS handshake in a CONNECT tunnel failed"),
                Err(_) => tracing::debug!(peer = %peer, host = %host, "TLS handshake in a CONNECT tunnel timed out"),
            }
        });
        response(StatusCode::OK, None, "")
    }

    async fn serve_io<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(self, stream: S, peer: Peer) {
        let tunnels = self.clone();
        let mut this = self;
        let activity = Activity::new();
        let state = this.state.clone();
        let counted = activity.clone();
        // The peer address is the `acs:SourceIp` condition key, TLS `acs:SecureTransport`
        // (policy.md 4.3).
        let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let state = state.clone();
            let in_flight = InFlight::new(&counted);
            let tunnel = (req.method() == hyper::Method::CONNECT).then(|| tunnels.clone());
            async move {
                let resp = match tunnel {
                    Some(t) => t.connect(req, peer.addr),
                    None => pipeline::handle(state, peer, req).await,
                };
                drop(in_flight);
                Ok::<_, Infallible>(resp)
            }
        });
        let builder = this.builder.clone();
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(Watched::new(stream, activity.clone())), service);
        tokio::pin!(conn);
        let mut closing = false;
        let mut draining = *this.drain.borrow();
        if draining {
            return;
        }
        loop {
            let wait = match activity.verdict(&this.limits) {
                _ if closing => CLOSE_GRACE,
                Verdict::Wait(d) => d,
                Verdict::Stalled => return,
                Verdict::Idle => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                    CLOSE_GRACE
                }
            };
            tokio::select! {
                _ = conn.as_mut() => return,
                () = tokio::time::sleep(wait) => {
                    if closing {
                        return;
                    }
                }
                _ = this.drain.changed(), if !draining => {
                    draining = true;
                    // Requests in flight finish and are answered; then hyper closes.
                    conn.as_mut().graceful_shutdown();
                    if activity.is_quiet() {
                        closing = true;
                    }
                }
            }
        }
    }
}
