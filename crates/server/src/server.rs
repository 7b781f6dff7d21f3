//! The server loop: one listener serving every API style, shut down gracefully on a signal.

use crate::pipeline;
use crate::state::AppState;
use axum::Router;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(pipeline::handle).with_state(state)
}

/// Serves until `shutdown` resolves; requests in flight are finished first.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address is the `acs:SourceIp` condition key (policy.md 4.3).
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
