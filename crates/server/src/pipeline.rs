//! The one request pipeline (STYLE: "one request pipeline, written once"):
//!
//!   internal routes → read body → decode → route (Version, Action) → authenticate →
//!   (authorize: a later issue) → handle in one store transaction → encode
//!
//! Each stage is a named function below; the request ID is made first and every request ends
//! in exactly one log line. The store work of a request (authentication lookup and handler) runs
//! on one blocking thread, so no lock or connection is ever held across an await.

use crate::failure::Failure;
use crate::identity::now_ms;
use crate::rpc::request::{self, Format, RpcRequest};
use crate::rpc::response::{self, Product};
use crate::rpc::{self, Call, RpcAction};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use localyun_core::ApiError;
use localyun_store::{transact, Mode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// Upper-case UUID, like `6AC79B74-9A78-58E2-818B-1D38EDC64D67` in the seed.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().hyphenated().encode_upper(&mut uuid::Uuid::encode_buffer()).to_string()
}

/// What the log line reports about a request besides its status.
#[derive(Default)]
struct Outcome {
    api: Option<String>,
    error_code: Option<String>,
}

pub async fn handle(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let (resp, outcome) = if path.starts_with("/_localyun/") {
        (internal(&state, &parts), Outcome::default())
    } else {
        serve_rpc(state, parts, body, &request_id).await
    };
    tracing::info!(
        target: "localyun::request",
        request_id = %request_id,
        method = %method,
        path = %path,
        api = outcome.api.as_deref().unwrap_or("-"),
        status = resp.status().as_u16(),
        error = outcome.error_code.as_deref().unwrap_or("-"),
        micros = started.elapsed().as_micros() as u64,
    );
    resp
}

/// `/_localyun/...`: answered before any cloud parsing.
fn internal(state: &AppState, parts: &Parts) -> Response {
    match parts.uri.path() {
        "/_localyun/health" => {
            let body = serde_json::json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "store": state.store.engine(),
                "formatVersion": state.store.format_version(),
                "region": state.settings.region,
            });
            (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
        }
        _ => (StatusCode::NOT_FOUND, [(axum::http::header::CONTENT_TYPE, "application/json")], r#"{"status":"not found"}"#).into_response(),
    }
}

/// Past the body limit the rest is still read and discarded, up to this much and this long, so
/// that a client still sending its body can read the 413 rather than meet a reset connection.
const DRAIN_CAP_BYTES: usize = 64 << 20;
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

async fn read_body(parts: &Parts, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt as _;
    let declared = parts.headers.get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let mut body = body;
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n.min(limit as u64) as usize));
    let read = async {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Ok(chunk) = frame.into_data() {
                seen = seen.saturating_add(chunk.len());
                if seen <= limit {
                    buf.extend_from_slice(&chunk);
                } else if seen > DRAIN_CAP_BYTES {
                    return false;
                }
            }
        }
        seen <= limit
    };
    if declared.is_some_and(|n| n > DRAIN_CAP_BYTES as u64) {
        return Err(ApiError::body_too_large(limit));
    }
    match tokio::time::timeout(DRAIN_TIMEOUT, read).await {
        Ok(true) => Ok(Bytes::from(buf)),
        Ok(false) => Err(ApiError::body_too_large(limit)),
        Err(_) => Err(ApiError::new(408, "RequestTimeout", "The request body was not received in time.")),
    }
}

async fn serve_rpc(state: Arc<AppState>, parts: Parts, body: Body, request_id: &str) -> (Response, Outcome) {
    let mut outcome = Outcome::default();
    let fail = |format: Format, product: Product, e: ApiError, outcome: &mut Outcome| {
        outcome.error_code = Some(e.code.to_string());
        response::error(format, request_id, product, &e)
    };

    let has_authorization = parts.headers.contains_key(axum::http::header::AUTHORIZATION);
    let bytes = match read_body(&parts, body, state.settings.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => return (fail(Format::Json, rpc::GATEWAY, e, &mut outcome), outcome),
    };
    let decoded = request::decode_params(&parts, &bytes);
    let format = request::response_format(decoded.as_ref().ok().map(|(_, p)| p), has_authorization);
    let req = match decoded.and_then(|(query, params)| request::parse(&parts, query, params, request::collect_headers(&parts), bytes)) {
        Ok(r) => r,
        Err(e) => return (fail(format, rpc::GATEWAY, e, &mut outcome), outcome),
    };
    outcome.api = Some(format!("{}/{}", req.version, req.action));
    let Some(service) = rpc::service(&req.version) else {
        return (fail(format, rpc::GATEWAY, ApiError::invalid_version(), &mut outcome), outcome);
    };
    let Some(action) = service.action(&req.action) else {
        return (fail(format, service.product, ApiError::action_not_found(), &mut outcome), outcome);
    };

    let action_name = action.name;
    let worker_state = state.clone();
    let result = tokio::task::spawn_blocking(move || execute(&worker_state, action, &req)).await;
    let resp = match result {
        Ok(Ok(fields)) => response::success(format, action_name, request_id, fields),
        Ok(Err(failure)) => {
            if !matches!(failure, Failure::Api(_)) {
                tracing::error!(request_id = %request_id, error = %failure, "request failed inside the server");
            }
            fail(format, service.product, failure.to_api(), &mut outcome)
        }
        Err(join) => {
            tracing::error!(request_id = %request_id, error = %join, "request worker failed");
            fail(format, service.product, ApiError::internal(), &mut outcome)
        }
    };
    (resp, outcome)
}

/// Authenticate, then run the handler in its own transaction: a failing handler changes nothing.
fn execute(state: &AppState, action: &RpcAction, req: &RpcRequest) -> Result<Map<String, Value>, Failure> {
    let now = now_ms();
    let store = state.store.as_ref();
    let caller = transact(store, Mode::Read, |txn| rpc::auth::authenticate(state, txn, req, now))?;
    let handler = action.handler.ok_or_else(|| ApiError::not_implemented(action.name))?;
    let call = Call { params: &req.params, caller: &caller };
    transact(store, action.mode, |txn| handler(&call, txn))
}
