//! The one request pipeline (STYLE: "one request pipeline, written once"):
//!
//!   internal routes → API style → read body → decode → route → authenticate →
//!   authorize → handle (authorization and handler in one store transaction) → encode
//!
//! Two wire styles share it: RPC (RAM, IMS; routed by Version and Action) and SLS REST (routed by
//! method and path, project in the Host). The request's shape, not its Host, tells them apart.
//! Each stage is a named function below; every request ends in exactly one log line. The
//! signature is checked on the async worker against cached credentials (auth.rs); the store work
//! of a request (confirming those credentials, authorization, handler) is one job on a store
//! thread (executor.rs), so no lock or connection is ever held across an await.

use crate::actions::{Call, Context, RpcAction, RpcService};
use crate::auth::{Authenticated, Claim};
use crate::failure::Failure;
use crate::http::{response, Bytes, Incoming, Parts, Request, Response, StatusCode};
use crate::identity::now_ms;
use crate::rpc;
use crate::rpc::request::{self, Format, RpcRequest};
use crate::rpc::response::{self, Product};
use crate::state::AppState;
use localyun_core::error::{GatewayError, SlsError};
use localyun_core::policy::ConditionKeys;
use localyun_core::ApiError;
use localyun_store::{Mode, StoreError, Txn};
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// Upper-case UUID, like `6AC79B74-9A78-58E2-818B-1D38EDC64D67` in the seed. Drawn from the
/// thread's generator: `Uuid::new_v4` would make a `getrandom` system call per request.
pub fn new_request_id() -> String {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    uuid.hyphenated().encode_upper(&mut uuid::Uuid::encode_buffer()).to_string()
}

/// What the log line reports about a request besides its status.
#[derive(Default)]
struct Outcome {
    api: Option<String>,
    error_code: Option<String>,
    /// SLS uses its own request-ID shape.
    request_id: Option<String>,
}

/// SLS requests carry an SLS signature or `x-log-*` headers, or a path other than `/`; RPC
/// requests always go to `/` (ram.md 1, sls.md 1.4).
fn is_sls(parts: &Parts) -> bool {
    let auth = parts.headers.get(crate::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth.starts_with("LOG ") || auth.starts_with(localyun_core::sig::sls_v4::ALGORITHM) {
        return true;
    }
    if auth.starts_with("ACS3-") {
        return false;
    }
    parts.headers.keys().any(|k| k.as_str().starts_with("x-log-")) || parts.uri.path() != "/"
}

pub async fn handle(state: Arc<AppState>, peer: SocketAddr, req: Request) -> Response {
    let started = Instant::now();
    let request_id = new_request_id();
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let (resp, outcome) = if path.starts_with("/_localyun/") {
        (internal(&state, &parts).await, Outcome::default())
    } else if is_sls(&parts) {
        serve_sls(state, parts, body, peer).await
    } else {
        serve_rpc(state, parts, body, &request_id, peer).await
    };
    tracing::info!(
        target: "localyun::request",
        request_id = %outcome.request_id.as_deref().unwrap_or(&request_id),
        method = %method,
        path = %path,
        api = outcome.api.as_deref().unwrap_or("-"),
        status = resp.status().as_u16(),
        error = outcome.error_code.as_deref().unwrap_or("-"),
        micros = started.elapsed().as_micros() as u64,
    );
    resp
}

/// How long the health check waits for the store to answer.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// `/_localyun/health`'s readiness: the store answers now (a database that cannot be reached
/// makes it 503 "unavailable", so a load balancer stops sending requests to this process).
async fn store_ready(state: &AppState) -> bool {
    let store = state.store.clone();
    matches!(tokio::time::timeout(HEALTH_TIMEOUT, tokio::task::spawn_blocking(move || store.ping())).await, Ok(Ok(Ok(()))))
}

/// `/_localyun/...`: answered before any cloud parsing.
async fn internal(state: &AppState, parts: &Parts) -> Response {
    match parts.uri.path() {
        "/_localyun/health" => {
            let ready = store_ready(state).await;
            let body = serde_json::json!({
                "status": if ready { "ok" } else { "unavailable" },
                "version": env!("CARGO_PKG_VERSION"),
                "store": state.store.engine(),
                "durability": state.store.durability(),
                "formatVersion": state.store.format_version(),
                "region": state.settings.region,
            });
            let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            response(status, Some("application/json"), body.to_string())
        }
        _ => response(StatusCode::NOT_FOUND, Some("application/json"), r#"{"status":"not found"}"#),
    }
}

/// Past the body limit the rest is still read and discarded, up to this much and this long, so
/// that a client still sending its body can read the 413 rather than meet a reset connection.
const DRAIN_CAP_BYTES: usize = 64 << 20;

async fn read_body(parts: &Parts, body: Incoming, limit: usize, timeout: std::time::Duration) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt as _;
    let declared = parts.headers.get(crate::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let mut body = body;
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n.min(limit as u64) as usize));
    // Why reading stopped: a body that cannot be decoded (a malformed chunked encoding) is the
    // client's error, 400, not a size problem (issue 11 item 5).
    enum Read {
        Complete,
        TooLarge,
        Malformed,
    }
    let read = async {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return Read::Malformed };
            if let Ok(chunk) = frame.into_data() {
                seen = seen.saturating_add(chunk.len());
                if seen <= limit {
                    buf.extend_from_slice(&chunk);
                } else if seen > DRAIN_CAP_BYTES {
                    return Read::TooLarge;
                }
            }
        }
        if seen <= limit {
            Read::Complete
        } else {
            Read::TooLarge
        }
    };
    if declared.is_some_and(|n| n > DRAIN_CAP_BYTES as u64) {
        return Err(GatewayError::BodyTooLarge { limit }.into());
    }
    match tokio::time::timeout(timeout, read).await {
        Ok(Read::Complete) => Ok(Bytes::from(buf)),
        Ok(Read::TooLarge) => Err(GatewayError::BodyTooLarge { limit }.into()),
        Ok(Read::Malformed) => Err(GatewayError::malformed("the body is not valid in its transfer encoding").into()),
        Err(_) => Err(GatewayError::RequestTimeout.into()),
    }
}

async fn serve_rpc(state: Arc<AppState>, mut parts: Parts, body: Incoming, request_id: &str, peer: SocketAddr) -> (Response, Outcome) {
    let mut outcome = Outcome::default();
    let fail = |format: Format, product: Product, e: ApiError, outcome: &mut Outcome| {
        outcome.error_code = Some(e.code.to_string());
        response::error(format, request_id, product, &e)
    };

    let has_authorization = parts.headers.contains_key(crate::http::header::AUTHORIZATION);
    let bytes = match read_body(&parts, body, state.settings.max_body_bytes, state.settings.body_read_timeout).await {
        Ok(b) => b,
        Err(e) => return (fail(Format::Json, rpc::GATEWAY, e, &mut outcome), outcome),
    };
    let decoded = request::decode_params(&parts, &bytes);
    let format = request::response_format(decoded.as_ref().ok().map(|(_, p)| p), has_authorization);
    let headers = std::mem::take(&mut parts.headers);
    let req = match decoded.and_then(|(query_len, params)| request::parse(&parts, query_len, params, headers, bytes)) {
        Ok(r) => r,
        Err(e) => return (fail(format, rpc::GATEWAY, e, &mut outcome), outcome),
    };
    outcome.api = Some(format!("{}/{}", req.version, req.action));
    let Some(service) = crate::services::rpc_service(&req.version) else {
        return (fail(format, rpc::GATEWAY, ApiError::from(GatewayError::InvalidVersion), &mut outcome), outcome);
    };
    let Some(action) = service.action(&req.action) else {
        return (fail(format, service.product, ApiError::from(GatewayError::ActionNotFound), &mut outcome), outcome);
    };

    let action_name = action.name;
    let result = execute(&state, service, action, req, peer).await;
    let resp = match result {
        Ok(fields) => response::success(format, action_name, request_id, fields),
        Err(failure) => {
            if !matches!(failure, Failure::Api(_)) {
                tracing::error!(request_id = %request_id, error = %failure, "request failed inside the server");
            }
            fail(format, service.product, failure.to_api(), &mut outcome)
        }
    };
    (resp, outcome)
}

/// What an SLS request's store work needs, shared by its authentication and action jobs.
struct SlsParts {
    method: &'static str,
    path: String,
    /// The query's parameters (SLS has no form bodies).
    params: localyun_core::params::Params,
    headers: crate::http::HeaderMap,
    bytes: Bytes,
    /// The body parsed once, for authorization keys, resource ARNs and the handler.
    json: Value,
    region: String,
    project: Option<String>,
}

fn sls_claim(r: &SlsParts, now_ms: i64) -> Result<Claim, ApiError> {
    let headers = request::header_pairs(&r.headers);
    let signed = crate::sls::auth::Signed {
        method: r.method,
        path: &r.path,
        query: r.params.pairs(),
        headers: &headers,
        body: &r.bytes,
        region: &r.region,
    };
    crate::sls::auth::claim(&signed, now_ms)
}

fn sls_act(
    state: &AppState,
    txn: &mut dyn Txn,
    r: &SlsParts,
    action: &crate::sls::SlsAction,
    item: Option<&str>,
    keys: &ConditionKeys,
    who: &Authenticated,
) -> Result<crate::sls::Reply, Failure> {
    let caller = &*who.caller;
    let call = crate::sls::SlsCall {
        caller,
        region: &r.region,
        host_project: r.project.as_deref(),
        item,
        query: &r.params,
        body: &r.json,
        loaded: Default::default(),
    };
    let targets = crate::services::sls::targets(&call, txn, action)?;
    let log_action = format!("log:{}", action.name);
    crate::authz::authorize(&state.policies, txn, caller, who.generation, &log_action, &targets, keys)?
        .map_err(crate::authz::sls_denial)?;
    (action.handler)(&call, txn)
}

/// SLS bodies may be up to 10 MiB (`PostBodyTooLarge`, sls.md 5.1).
const SLS_MAX_BODY: usize = 10 * 1024 * 1024;

async fn serve_sls(state: Arc<AppState>, mut parts: Parts, body: Incoming, peer: SocketAddr) -> (Response, Outcome) {
    use crate::sls::{self, response as sls_response};
    let request_id = sls_response::new_request_id();
    let mut outcome = Outcome { request_id: Some(request_id.clone()), ..Outcome::default() };
    let fail = |e: ApiError, outcome: &mut Outcome| {
        outcome.error_code = Some(e.code.to_string());
        sls_response::error(&request_id, &e)
    };
    let bytes = match read_body(&parts, body, SLS_MAX_BODY, state.settings.body_read_timeout).await {
        Ok(b) => b,
        Err(e) if e.status == 413 => {
            return (fail(ApiError::from(SlsError::PostBodyTooLarge { size: SLS_MAX_BODY }), &mut outcome), outcome)
        }
        Err(e) if e.status == 400 => {
            return (fail(ApiError::from(SlsError::parameter_invalid("The request body is malformed.".to_string())), &mut outcome), outcome)
        }
        Err(e) => return (fail(e, &mut outcome), outcome),
    };
    let decoded = (|| {
        let path = localyun_core::encoding::path_unescape(parts.uri.path())
            .map_err(|e| ApiError::from(SlsError::parameter_invalid(format!("The path is malformed: {e}."))))?;
        let query = localyun_core::encoding::form_decode(parts.uri.query().unwrap_or("").as_bytes())
            .map_err(|e| ApiError::from(SlsError::parameter_invalid(format!("The query is malformed: {e}."))))?;
        let params =
            localyun_core::params::Params::from_pairs(query).map_err(|e| ApiError::from(SlsError::parameter_invalid(e.message)))?;
        Ok::<_, ApiError>((path, params))
    })();
    let (path, params) = match decoded {
        Ok(d) => d,
        Err(e) => return (fail(e, &mut outcome), outcome),
    };
    let method: &'static str = match parts.method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        _ => return (fail(ApiError::from(SlsError::InvalidMethod { path: (&path).into() }), &mut outcome), outcome),
    };
    let headers = std::mem::take(&mut parts.headers);
    // The Host header, or the authority of an absolute-form target (sls.md 1.3).
    let host = headers
        .get(crate::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let place = sls::request::place(&host);
    let region = place.region.clone().unwrap_or_else(|| state.settings.region.clone());

    // Routing is pure; its errors are still answered after authentication (sls.md 3.6).
    let resolved =
        sls::parse_route(&path).ok_or_else(|| ApiError::from(SlsError::PathNotFound { path: (&path).into() })).and_then(|(route, item)| {
            sls::resolve(crate::services::sls::ACTIONS, method, &path, route, place.project.is_some())
                .map(|a| (a, item.map(str::to_string)))
        });
    outcome.api = resolved.as_ref().ok().map(|(a, _)| a.name.to_string());
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let request = Arc::new(SlsParts { method, path, params, headers, bytes, json, region, project: place.project });
    // Authentication errors come first, then routing errors (sls.md 3.6).
    let now = now_ms();
    let result = match sls_claim(&request, now) {
        Err(e) => Err(Failure::Api(e)),
        Ok(mut claim) => {
            claim.vouch(&state.credentials, now);
            match resolved {
                Err(e) => {
                    let s = state.clone();
                    state.executor.run(Mode::Read, move |txn| claim.confirm(&s.credentials, txn, now)).await.and(Err(Failure::Api(e)))
                }
                Ok((action, item)) => {
                    let user_agent = request.headers.get(crate::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
                    let (tags, tag_keys) = crate::sls::request_tags(&request.json);
                    let keys = crate::authz::base_keys(Some(peer.ip()), now, user_agent, &tags, &tag_keys);
                    let (s, r) = (state.clone(), request.clone());
                    state
                        .executor
                        .run(action.mode, move |txn| {
                            let who = claim.confirm(&s.credentials, txn, now)?;
                            sls_act(&s, txn, &r, action, item.as_deref(), &keys, &who)
                        })
                        .await
                }
            }
        }
    };
    let resp = match result {
        Ok(reply) => sls_response::success(&request_id, reply),
        Err(failure) => {
            if !matches!(failure, Failure::Api(_)) {
                tracing::error!(request_id = %request_id, error = %failure, "request failed inside the server");
            }
            let api = match failure {
                Failure::Api(e) => e,
                // SLS clients retry 5xx ten times (sls.md 4.4); only real server faults get one.
                other if other.to_api().status == 503 => SlsError::ServerBusy.into(),
                _ => SlsError::InternalServerError.into(),
            };
            fail(api, &mut outcome)
        }
    };
    (resp, outcome)
}

/// Authenticate, authorize on the action's resources, run the handler. The signature is checked
/// here, on the async worker, against cached credentials; the rest runs in one write
/// transaction (confirming the credentials are current and recording the nonce, authorization,
/// the handler), so a failure at any step changes nothing but the replay ledger, and a call
/// costs one hop to the store threads. Every RPC call writes: its nonce must be refused by
/// every process from then on, also after a restart (issue 10).
async fn execute(
    state: &Arc<AppState>,
    service: &'static RpcService,
    action: &'static RpcAction,
    req: RpcRequest,
    peer: SocketAddr,
) -> Result<Map<String, Value>, Failure> {
    let now = now_ms();
    let mut claim = rpc::auth::claim(state, &req, now)?;
    claim.vouch(&state.credentials, now);
    let (tags, tag_keys) = rpc::decode::request_tags(&req.params);
    let keys = crate::authz::base_keys(Some(peer.ip()), now, req.header("user-agent"), &tags, &tag_keys);
    let s = state.clone();
    state
        .executor
        .run(Mode::Write, move |txn| {
            let who = claim.confirm(&s.credentials, txn, now)?;
            // A call that fails must still record its nonce (replayed later, it could succeed):
            // the call's own writes get a savepoint of their own, and the nonce is claimed after
            // them, last (an engine may check it only at commit). A store conflict fails the
            // whole job instead, which then runs again from the start.
            txn.savepoint()?;
            let outcome = match act(&s, txn, service, action, &req, &keys, &who) {
                Err(Failure::Store(e)) => return Err(Failure::Store(e)),
                Ok(fields) => {
                    txn.release_savepoint()?;
                    Ok(fields)
                }
                Err(failure) => {
                    txn.rollback_to_savepoint()?;
                    Err(failure)
                }
            };
            claim.claim_nonce(txn, now)?;
            Ok(outcome)
        })
        .await
        .map_err(|f| match f {
            Failure::Store(StoreError::NonceUsed) => Failure::Api(ApiError::from(GatewayError::NonceUsed)),
            other => other,
        })?
}

fn act(
    state: &AppState,
    txn: &mut dyn Txn,
    service: &RpcService,
    action: &RpcAction,
    req: &RpcRequest,
    keys: &ConditionKeys,
    who: &Authenticated,
) -> Result<Map<String, Value>, Failure> {
    let handler = action.handler.ok_or_else(|| ApiError::from(GatewayError::NotImplemented { action: (action.name).into() }))?;
    let caller = &*who.caller;
    let call = Call { params: &req.params, caller };
    let ram_action = format!("{}:{}", service.ram_namespace, action.name);
    let targets = crate::authz::arns::resolve(&action.resources, &call, txn)?;
    crate::authz::authorize(&state.policies, txn, caller, who.generation, &ram_action, &targets, keys)?
        .map_err(crate::authz::rpc_denial)?;
    handler(&req.params, &Context { caller }, txn)
}
