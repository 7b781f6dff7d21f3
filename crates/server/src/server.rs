//! The server loop: one listener serving every API style over HTTP/1.1, shut down gracefully on
//! a signal. It drives hyper directly, as the benchmark's ceiling does: a router would only add
//! per-request boxing and an extension map for the one handler every request goes to.

use crate::pipeline;
use crate::state::AppState;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves until `shutdown` resolves; then stops accepting, lets requests in flight finish and
/// closes idle connections.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let state = state.clone();
        // The peer address is the `acs:SourceIp` condition key (policy.md 4.3).
        let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let state = state.clone();
            async move { Ok::<_, Infallible>(pipeline::handle(state, peer, req.map(axum::body::Body::new)).await) }
        });
        let conn = graceful.watch(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
