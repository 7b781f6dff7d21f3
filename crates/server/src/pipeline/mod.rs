//! The one request pipeline (STYLE: "one request pipeline, written once"). Every request, of
//! either API style, goes through the same named stages, in this order, in [`serve`]:
//!
//!   read      the body, within the limit and the time allowed            [`read_body`]
//!   parse     the wire envelope: parameters, path, headers               [`Api::parse`]
//!   route     to an action of the service's table                       [`Api::route`]
//!   authenticate  the signature, against cached credentials             [`Api::authenticate`]
//!   ── in one store transaction, on a store thread (executor.rs) ──
//!   confirm   the credentials are current (and claim the nonce, last)   [`Claim::confirm`]
//!   resolve   the action's RAM name and resource ARNs                    [`Api::resources`]
//!   authorize with the caller's policies                                 [`crate::authz::authorize`]
//!   decode → handle   the typed request, the handler                     [`Api::handle`]
//!   ──
//!   encode    the answer or the error in the style's shape               [`Api::encode`], [`Api::encode_error`]
//!
//! Two styles plug in ([`Api`]): RPC (RAM, IMS, STS; routed by Version and Action, `rpc.rs`)
//! and SLS REST (routed by method and path, project in the Host, `sls.rs`); the request's
//! shape, not its Host, tells them apart. Internal routes (`/_localyun/...`) are answered
//! before any cloud parsing. Every request runs in one tracing span and ends in exactly one
//! log line. No lock or connection is held across an await: the signature is checked on the
//! async worker, the store work is one job on a store thread.

mod rpc;
mod sls;

use crate::auth::Claim;
use crate::authz::Target;
use crate::caller::Caller;
use crate::failure::Failure;
use crate::http::{response, Bytes, Incoming, Parts, Request, Response, StatusCode};
use crate::identity::now_ms;
use crate::state::{AppState, Settings};
use localyun_core::error::GatewayError;
use localyun_core::policy::ConditionKeys;
use localyun_core::{AccessDenied, ApiError};
use localyun_store::{Mode, StoreError, Txn};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument as _;

pub use rpc::RpcApi;
pub use sls::SlsApi;

/// An API style plugged into the pipeline (Garage's `ApiHandler`): its codec stages and the
/// part of the store work that depends on the style.
pub trait Api: Sized + Send + Sync + 'static {
    /// The parsed wire envelope.
    type Request: Send + Sync + 'static;
    /// An action of a service's table.
    type Route: Copy + Send + Sync + 'static;
    /// A handler's answer, before encoding.
    type Answer: Send + 'static;
    /// How errors are answered (RPC: format and product; SLS: always the same).
    type Shape: Copy + Default;
    /// What the resolve stage read that the handler reuses (SLS: the records authorization
    /// loaded), so a request reads each record once.
    type Scratch: Default;

    /// SLS answers authentication errors before routing errors (sls.md 3.6); RPC routes first.
    const AUTHENTICATE_BEFORE_ROUTING_ERRORS: bool;

    fn request_id() -> String;
    fn body_limit(settings: &Settings) -> usize;
    /// A body-reading error in the style's codes.
    fn body_error(e: ApiError, limit: usize) -> ApiError;
    fn parse(settings: &Settings, parts: Parts, body: Bytes) -> Result<Self::Request, (ApiError, Self::Shape)>;
    fn route(req: &Self::Request) -> Result<Self::Route, ApiError>;
    /// The API name for the log line (`2015-05-01/CreateUser`, `UntagResources`).
    fn api_name(req: &Self::Request, route: Option<Self::Route>) -> Option<String>;
    fn shape(req: &Self::Request, route: Option<Self::Route>) -> Self::Shape;
    fn authenticate(settings: &Settings, req: &Self::Request, now_ms: i64) -> Result<Claim, ApiError>;
    fn mode(route: Self::Route) -> Mode;
    /// Actions that take unsigned calls (STS AssumeRoleWithOIDC: the token is the credential):
    /// no signature is checked and no policy decides; the handler checks the call's own
    /// credential and the role's trust policy.
    fn anonymous(_route: Self::Route) -> bool {
        false
    }
    /// Actions signed with an RSA key pair (STS GenerateSessionAccessKey), which sign nothing else.
    fn key_pair_action(_route: Self::Route) -> bool {
        false
    }
    /// The I/O an anonymous action needs before its store transaction (an issuer's keys).
    fn prepare(
        _state: Arc<AppState>,
        _req: Arc<Self::Request>,
        _route: Self::Route,
    ) -> impl std::future::Future<Output = Result<(), Failure>> + Send + 'static {
        async { Ok(()) }
    }
    /// The service a call uses its AccessKey with, as GetAccessKeyLastUsed names it: the RAM
    /// namespace of its actions (`ram`, `sts`, `log`).
    fn service_name(route: Self::Route) -> &'static str;
    /// The request's own condition keys (source IP, time, user agent, request tags).
    fn condition_keys(req: &Self::Request, peer: Peer, now_ms: i64) -> ConditionKeys;
    /// The RAM action (`ram:CreateUser`, `log:UntagResources`) and the resources it is
    /// authorized on.
    fn resources(
        req: &Self::Request,
        route: Self::Route,
        caller: &Caller,
        txn: &mut dyn Txn,
        scratch: &mut Self::Scratch,
    ) -> Result<(String, Vec<Target>), Failure>;
    fn denial(d: Box<AccessDenied>) -> ApiError;
    fn handle(
        req: &Self::Request,
        route: Self::Route,
        caller: &Caller,
        txn: &mut dyn Txn,
        scratch: Self::Scratch,
    ) -> Result<Self::Answer, Failure>;
    /// A failure of the server itself (the store) in the style's codes.
    fn internal_error(f: &Failure) -> ApiError;
    fn encode(req: &Self::Request, route: Self::Route, request_id: &str, answer: Self::Answer) -> Response;
    fn encode_error(shape: Self::Shape, request_id: &str, e: &ApiError) -> Response;
}

/// Where a request came from: the TCP peer (`acs:SourceIp`) and whether it arrived over TLS,
/// directly or inside a CONNECT tunnel (`acs:SecureTransport`).
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub addr: SocketAddr,
    pub secure: bool,
}

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

pub async fn handle(state: Arc<AppState>, peer: Peer, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    if parts.uri.path().starts_with("/_localyun/") {
        return internal(&state, &parts).await;
    }
    if is_sls(&parts) {
        serve::<SlsApi>(state, parts, body, peer).await
    } else {
        serve::<RpcApi>(state, parts, body, peer).await
    }
}

/// Every stage of a request of style `A`, in one span, ending in one log line.
async fn serve<A: Api>(state: Arc<AppState>, parts: Parts, body: Incoming, peer: Peer) -> Response {
    let started = Instant::now();
    let request_id = A::request_id();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let span = tracing::info_span!("request", request_id = %request_id);
    let (resp, outcome) = stages::<A>(&state, parts, body, peer, &request_id).instrument(span.clone()).await;
    let _entered = span.enter();
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

async fn stages<A: Api>(state: &Arc<AppState>, parts: Parts, body: Incoming, peer: Peer, request_id: &str) -> (Response, Outcome) {
    let mut outcome = Outcome::default();
    let fail = |shape: A::Shape, e: ApiError, outcome: &mut Outcome| {
        outcome.error_code = Some(e.code.to_string());
        A::encode_error(shape, request_id, &e)
    };
    // read
    let limit = A::body_limit(&state.settings);
    let bytes = match read_body(&parts, body, limit, state.settings.body_read_timeout).await {
        Ok(b) => b,
        Err(e) => return (fail(A::Shape::default(), A::body_error(e, limit), &mut outcome), outcome),
    };
    // parse
    let req = match A::parse(&state.settings, parts, bytes) {
        Ok(r) => Arc::new(r),
        Err((e, shape)) => return (fail(shape, e, &mut outcome), outcome),
    };
    // route
    let routed = A::route(&req);
    outcome.api = A::api_name(&req, routed.as_ref().ok().copied());
    let route = match routed {
        Ok(route) => route,
        Err(e) if !A::AUTHENTICATE_BEFORE_ROUTING_ERRORS => return (fail(A::shape(&req, None), e, &mut outcome), outcome),
        Err(e) => {
            let result = authenticate_only::<A>(state, &req).await.and_then(|()| Err(Failure::Api(e)));
            return (answer::<A>(&req, None, request_id, result, &mut outcome), outcome);
        }
    };
    // authenticate, then the store work
    let result = act::<A>(state, &req, route, peer).await;
    (answer::<A>(&req, Some(route), request_id, result.map(Some), &mut outcome), outcome)
}

/// Encodes a result; a failure of the server is logged with its source and answered with the
/// style's generic code.
fn answer<A: Api>(
    req: &A::Request,
    route: Option<A::Route>,
    request_id: &str,
    result: Result<Option<A::Answer>, Failure>,
    outcome: &mut Outcome,
) -> Response {
    let e = match (result, route) {
        (Ok(Some(a)), Some(route)) => return A::encode(req, route, request_id, a),
        (Ok(_), _) => ApiError::from(GatewayError::Internal),
        (Err(Failure::Api(e)), _) => e,
        (Err(f), _) => {
            tracing::error!(request_id = %request_id, error = %f, "request failed inside the server");
            A::internal_error(&f)
        }
    };
    outcome.error_code = Some(e.code.to_string());
    A::encode_error(A::shape(req, route), request_id, &e)
}

/// Authentication of a request whose routing failed (SLS answers its authentication errors
/// first, sls.md 3.6): the signature, then the credentials confirmed in a read transaction.
async fn authenticate_only<A: Api>(state: &Arc<AppState>, req: &Arc<A::Request>) -> Result<(), Failure> {
    let now = now_ms();
    let mut claim = A::authenticate(&state.settings, req, now)?;
    claim.vouch(&state.credentials, now);
    let s = state.clone();
    state.executor.run(Mode::Read, move |txn| claim.confirm(&s.credentials, txn, now).map(|_| ())).await
}

/// authenticate → (one store transaction:) confirm → resolve → authorize → decode → handle.
/// A request carrying a nonce (every RPC call, whose style runs it in a write transaction) must
/// have it refused by every process from then on, also after a restart (issue 10), and a call
/// that fails must still record it (replayed later, it could succeed). So the call's own writes get a
/// savepoint, and the nonce is claimed after them, last (an engine may check it only at
/// commit). A store conflict fails the whole job instead, which then runs again from the start.
async fn act<A: Api>(state: &Arc<AppState>, req: &Arc<A::Request>, route: A::Route, peer: Peer) -> Result<A::Answer, Failure> {
    if A::anonymous(route) {
        return anonymous::<A>(state, req, route).await;
    }
    let now = now_ms();
    let mut claim = A::authenticate(&state.settings, req, now)?;
    claim.vouch(&state.credentials, now);
    let keys = A::condition_keys(req, peer, now);
    let (s, r) = (state.clone(), req.clone());
    state
        .executor
        .run(A::mode(route), move |txn| {
            let who = claim.confirm(&s.credentials, txn, now)?;
            // A key pair signs GenerateSessionAccessKey only, which takes nothing else: to every
            // other action its public key ID is no AccessKey.
            if who.key_pair != A::key_pair_action(route) {
                claim.claim_nonce(txn, now)?;
                let refused: ApiError = if who.key_pair {
                    claim.not_found()
                } else {
                    localyun_core::StsError::NoPermission { why: "GenerateSessionAccessKey must be signed with an RSA key pair.".into() }
                        .into()
                };
                return Ok(Err(refused.into()));
            }
            // The key's network policy (IMS SetAccessKeyPolicy): refused, but its nonce is spent
            // like any signed call's, so the request cannot be replayed from an admitted address.
            if who.network.as_ref().is_some_and(|n| !n.allows(peer.addr.ip())) {
                claim.claim_nonce(txn, now)?;
                return Ok(Err(GatewayError::AccessKeyNetworkDenied { ip: peer.addr.ip().to_string() }.into()));
            }
            // Noted once the request's transaction has committed: a replay refused at commit
            // (NonceUsed) used nothing.
            if who.caller.has_permanent_key() {
                let (state, caller, service) = (s.clone(), who.caller.clone(), A::service_name(route));
                crate::executor::after_commit(move || state.key_usage.note(&caller.access_key_id, service, now));
            }
            if !claim.has_nonce() {
                return authorized_handle::<A>(&s, txn, &r, route, &keys, &who).map(Ok);
            }
            txn.savepoint()?;
            let outcome = match authorized_handle::<A>(&s, txn, &r, route, &keys, &who) {
                Err(Failure::Store(e)) => return Err(Failure::Store(e)),
                Ok(answer) => {
                    txn.release_savepoint()?;
                    Ok(answer)
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
            Failure::Store(StoreError::NonceUsed) => Failure::Api(GatewayError::NonceUsed.into()),
            other => other,
        })?
}

/// prepare → (one store transaction:) handle, for the actions that take unsigned calls. There
/// is no nonce to claim: an anonymous call carries no signature that a replay could reuse.
async fn anonymous<A: Api>(state: &Arc<AppState>, req: &Arc<A::Request>, route: A::Route) -> Result<A::Answer, Failure> {
    A::prepare(state.clone(), req.clone(), route).await?;
    let r = req.clone();
    let caller = crate::caller::Caller::anonymous();
    state.executor.run(A::mode(route), move |txn| A::handle(&r, route, &caller, txn, A::Scratch::default())).await
}

/// resolve → authorize → decode → handle, inside the request's transaction.
fn authorized_handle<A: Api>(
    state: &AppState,
    txn: &mut dyn Txn,
    req: &A::Request,
    route: A::Route,
    keys: &ConditionKeys,
    who: &crate::auth::Authenticated,
) -> Result<A::Answer, Failure> {
    let caller = &*who.caller;
    let mut scratch = A::Scratch::default();
    let (ram_action, targets) = A::resources(req, route, caller, txn, &mut scratch)?;
    crate::authz::authorize(&state.policies, txn, caller, who.generation, &ram_action, &targets, keys)?.map_err(A::denial)?;
    A::handle(req, route, caller, txn, scratch)
}

/// `/_localyun/...`: answered before any cloud parsing.
async fn internal(state: &AppState, parts: &Parts) -> Response {
    match parts.uri.path() {
        "/_localyun/health" => {
            // A database that cannot be reached makes it 503 "unavailable", so a load balancer stops
            // sending requests to this process.
            let ready = state.readiness.check(&state.store).await;
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

/// The read stage: the whole body, at most `limit` bytes, within `timeout`.
pub async fn read_body(parts: &Parts, body: Incoming, limit: usize, timeout: std::time::Duration) -> Result<Bytes, ApiError> {
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
