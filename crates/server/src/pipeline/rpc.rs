//! The RPC style in the pipeline: the RPC codec (`crate::rpc`) joined with the services'
//! action tables (`crate::services::RPC_SERVICES`).

use super::{Api, Peer};
use crate::actions::{Call, Context, RpcAction, RpcService};
use crate::auth::Claim;
use crate::authz::Target;
use crate::caller::Caller;
use crate::failure::Failure;
use crate::http::{Bytes, Parts, Response};
use crate::rpc::request::{self, Format, RpcRequest};
use crate::rpc::response::{self, Product};
use crate::rpc::{self as codec, decode};
use crate::state::{AppState, Settings};
use localyun_core::error::GatewayError;
use localyun_core::params::Params;
use localyun_core::policy::ConditionKeys;
use localyun_core::{AccessDenied, ApiError};
use localyun_store::{Mode, Txn};
use serde_json::{Map, Value};
use std::sync::Arc;

pub struct RpcApi;

/// A routed RPC call: the service version and the row of its table.
#[derive(Clone, Copy)]
pub struct RpcRoute {
    service: &'static RpcService,
    action: &'static RpcAction,
}

/// An RPC request with the format its answers take.
pub struct Parsed {
    request: RpcRequest,
    format: Format,
}

impl RpcApi {
    /// The request's parameters (the decode stage's input).
    pub fn params(req: &Parsed) -> &Params {
        &req.request.params
    }

    /// The time the request says it was signed at.
    pub fn request_time(req: &Parsed) -> Option<i64> {
        let shown = req.request.params.optional("Timestamp").or_else(|| req.request.header("x-acs-date"))?;
        localyun_core::time::parse_request_time(shown)
    }
}

impl Api for RpcApi {
    type Request = Parsed;
    type Route = RpcRoute;
    type Answer = Map<String, Value>;
    type Shape = (Format, Product);
    type Scratch = ();

    const AUTHENTICATE_BEFORE_ROUTING_ERRORS: bool = false;

    fn request_id() -> String {
        super::new_request_id()
    }

    fn body_limit(settings: &Settings) -> usize {
        settings.max_body_bytes
    }

    fn body_error(e: ApiError, _limit: usize) -> ApiError {
        e
    }

    fn parse(_settings: &Settings, mut parts: Parts, bytes: Bytes) -> Result<Parsed, (ApiError, (Format, Product))> {
        let has_authorization = parts.headers.contains_key(crate::http::header::AUTHORIZATION);
        let decoded = request::decode_params(&parts, &bytes);
        let format = request::response_format(decoded.as_ref().ok().map(|(_, p)| p), has_authorization);
        let headers = std::mem::take(&mut parts.headers);
        decoded
            .and_then(|(query_len, params)| request::parse(&parts, query_len, params, headers, bytes))
            .map(|request| Parsed { request, format })
            .map_err(|e| (e, (format, codec::GATEWAY)))
    }

    fn route(req: &Parsed) -> Result<RpcRoute, ApiError> {
        let service = crate::services::rpc_service(&req.request.version).ok_or(GatewayError::InvalidVersion)?;
        let action = service.action(&req.request.action).ok_or(GatewayError::ActionNotFound)?;
        Ok(RpcRoute { service, action })
    }

    fn api_name(req: &Parsed, _route: Option<RpcRoute>) -> Option<String> {
        Some(format!("{}/{}", req.request.version, req.request.action))
    }

    fn shape(req: &Parsed, route: Option<RpcRoute>) -> (Format, Product) {
        // An unknown action is answered by its service; an unknown version by the gateway.
        let product = match route {
            Some(r) => r.service.product,
            None => crate::services::rpc_service(&req.request.version).map_or(codec::GATEWAY, |s| s.product),
        };
        (req.format, product)
    }

    fn authenticate(settings: &Settings, req: &Parsed, now_ms: i64) -> Result<Claim, ApiError> {
        codec::auth::claim(settings, &req.request, now_ms)
    }

    /// Every RPC call writes: it claims its nonce (issue 10).
    fn service_name(route: RpcRoute) -> &'static str {
        route.service.ram_namespace
    }

    fn key_pair_action(route: RpcRoute) -> bool {
        matches!(route.action.resources, crate::actions::Resources::KeyPair)
    }

    fn anonymous(route: RpcRoute) -> bool {
        matches!(route.action.resources, crate::actions::Resources::Anonymous)
    }

    fn prepare(
        state: Arc<AppState>,
        req: Arc<Parsed>,
        route: RpcRoute,
    ) -> impl std::future::Future<Output = Result<(), Failure>> + Send + 'static {
        let action = route.action.name;
        async move { crate::services::sts::prepare_anonymous(&state, action, &req.request.params).await }
    }

    fn mode(_route: RpcRoute) -> Mode {
        Mode::Write
    }

    fn condition_keys(req: &Parsed, peer: Peer, now_ms: i64) -> ConditionKeys {
        let (tags, tag_keys) = decode::request_tags(&req.request.params);
        crate::authz::base_keys(Some(peer.addr.ip()), peer.secure, now_ms, req.request.header("user-agent"), &tags, &tag_keys)
    }

    fn resources(req: &Parsed, route: RpcRoute, caller: &Caller, txn: &mut dyn Txn, _: &mut ()) -> Result<(String, Vec<Target>), Failure> {
        // An action the table names without a handler answers "not implemented" before any
        // authorization, under its real name.
        if route.action.handler.is_none() {
            return Err(GatewayError::NotImplemented { action: route.action.name.into() }.into());
        }
        let call = Call { params: &req.request.params, caller };
        let ram_action = format!("{}:{}", route.service.ram_namespace, route.action.name);
        Ok((ram_action, crate::authz::arns::resolve(&route.action.resources, &call, txn)?))
    }

    fn denial(d: Box<AccessDenied>) -> ApiError {
        crate::authz::rpc_denial(d)
    }

    fn handle(req: &Parsed, route: RpcRoute, caller: &Caller, txn: &mut dyn Txn, _: ()) -> Result<Map<String, Value>, Failure> {
        let handler =
            route.action.handler.ok_or_else(|| ApiError::from(GatewayError::NotImplemented { action: route.action.name.into() }))?;
        (handler.run)(&req.request.params, &Context { caller }, txn)
    }

    fn internal_error(f: &Failure) -> ApiError {
        f.to_api()
    }

    fn encode(req: &Parsed, route: RpcRoute, request_id: &str, fields: Map<String, Value>) -> Response {
        response::success(req.format, route.action.name, request_id, fields)
    }

    fn encode_error((format, product): (Format, Product), request_id: &str, e: &ApiError) -> Response {
        response::error(format, request_id, product, e)
    }
}
