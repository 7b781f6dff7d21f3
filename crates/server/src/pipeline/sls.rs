//! The SLS REST style in the pipeline: the SLS codec (`crate::sls`) joined with the log
//! service's action table (`crate::services::sls::ACTIONS`).

use super::{Api, Peer};
use crate::auth::Claim;
use crate::authz::Target;
use crate::caller::Caller;
use crate::failure::Failure;
use crate::http::header_pairs;
use crate::http::{Bytes, HeaderMap, Parts, Response};
use crate::logservice::Loaded;
use crate::sls::{self as codec, response as sls_response, Reply, SlsAction, SlsCall};
use crate::state::Settings;
use localyun_core::error::SlsError;
use localyun_core::params::Params;
use localyun_core::policy::ConditionKeys;
use localyun_core::{AccessDenied, ApiError};
use localyun_store::{Mode, Txn};
use serde_json::Value;
use std::cell::RefCell;

pub struct SlsApi;

/// A routed SLS call: the row of the table and the item name its path carries.
#[derive(Clone, Copy)]
pub struct SlsRoute {
    action: &'static SlsAction,
}

/// An SLS request as the codec decoded it.
pub struct Parsed {
    method: &'static str,
    path: String,
    /// The query's parameters (SLS has no form bodies).
    params: Params,
    headers: HeaderMap,
    bytes: Bytes,
    /// The body parsed once, for authorization keys, resource ARNs and the handler.
    json: Value,
    region: String,
    project: Option<String>,
    /// The `{name}` of an item path such as `/logstores/{name}`.
    item: Option<String>,
}

impl Parsed {
    fn call<'a>(&'a self, caller: &'a Caller, loaded: Loaded) -> SlsCall<'a> {
        SlsCall {
            caller,
            region: &self.region,
            host_project: self.project.as_deref(),
            item: self.item.as_deref(),
            query: &self.params,
            body: &self.json,
            loaded: RefCell::new(loaded),
        }
    }
}

fn malformed(what: &str, e: impl std::fmt::Display) -> ApiError {
    SlsError::parameter_invalid(format!("The {what} is malformed: {e}.")).into()
}

impl SlsApi {
    /// The query and the JSON body, the handlers' inputs.
    pub fn inputs(req: &Parsed) -> (&Params, &Value) {
        (&req.params, &req.json)
    }
}

impl Api for SlsApi {
    type Request = Parsed;
    type Route = SlsRoute;
    type Answer = Reply;
    type Shape = ();
    type Scratch = Loaded;

    const AUTHENTICATE_BEFORE_ROUTING_ERRORS: bool = true;

    /// 24 upper-case hex characters, like the seed's.
    fn request_id() -> String {
        sls_response::new_request_id()
    }

    fn body_limit(settings: &Settings) -> usize {
        settings.sls_max_body_bytes
    }

    fn body_error(e: ApiError, limit: usize) -> ApiError {
        match e.status {
            413 => SlsError::PostBodyTooLarge { size: limit }.into(),
            400 => SlsError::parameter_invalid("The request body is malformed.").into(),
            _ => e,
        }
    }

    fn parse(settings: &Settings, mut parts: Parts, bytes: Bytes) -> Result<Parsed, (ApiError, ())> {
        let path = localyun_core::encoding::path_unescape(parts.uri.path()).map_err(|e| (malformed("path", e), ()))?;
        let query =
            localyun_core::encoding::form_decode(parts.uri.query().unwrap_or("").as_bytes()).map_err(|e| (malformed("query", e), ()))?;
        let params = Params::from_pairs(query).map_err(|e| (SlsError::parameter_invalid(e.message).into(), ()))?;
        let method: &'static str = match parts.method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            _ => return Err((SlsError::InvalidMethod { path }.into(), ())),
        };
        let headers = std::mem::take(&mut parts.headers);
        // The Host header, or the authority of an absolute-form target (sls.md 1.3).
        let host = headers
            .get(crate::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| parts.uri.authority().map(|a| a.to_string()))
            .unwrap_or_default();
        let place = codec::request::place(&host);
        let region = place.region.clone().unwrap_or_else(|| settings.region.clone());
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let item = codec::parse_route(&path).and_then(|(_, item)| item.map(str::to_string));
        Ok(Parsed { method, path, params, headers, bytes, json, region, project: place.project, item })
    }

    /// Routing is pure; its errors are still answered after authentication (sls.md 3.6).
    fn route(req: &Parsed) -> Result<SlsRoute, ApiError> {
        let (route, _) = codec::parse_route(&req.path).ok_or_else(|| ApiError::from(SlsError::PathNotFound { path: req.path.clone() }))?;
        let action = codec::resolve(crate::services::sls::ACTIONS, req.method, &req.path, route, req.project.is_some())?;
        Ok(SlsRoute { action })
    }

    fn api_name(_req: &Parsed, route: Option<SlsRoute>) -> Option<String> {
        route.map(|r| r.action.name.to_string())
    }

    fn shape(_req: &Parsed, _route: Option<SlsRoute>) {}

    fn authenticate(settings: &Settings, r: &Parsed, now_ms: i64) -> Result<Claim, ApiError> {
        let headers = header_pairs(&r.headers);
        let signed = codec::auth::Signed {
            method: r.method,
            path: &r.path,
            query: r.params.pairs(),
            headers: &headers,
            body: &r.bytes,
            region: &r.region,
        };
        codec::auth::claim(&signed, now_ms, settings.clock_window_ms)
    }

    fn service_name(_route: SlsRoute) -> &'static str {
        "log"
    }

    fn mode(route: SlsRoute) -> Mode {
        route.action.mode
    }

    fn condition_keys(req: &Parsed, peer: Peer, now_ms: i64) -> ConditionKeys {
        let user_agent = req.headers.get(crate::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
        let (tags, tag_keys) = codec::request_tags(&req.json);
        crate::authz::base_keys(Some(peer.addr.ip()), peer.secure, now_ms, user_agent, &tags, &tag_keys)
    }

    fn resources(
        req: &Parsed,
        route: SlsRoute,
        caller: &Caller,
        txn: &mut dyn Txn,
        scratch: &mut Loaded,
    ) -> Result<(String, Vec<Target>), Failure> {
        let call = req.call(caller, std::mem::take(scratch));
        let targets = crate::services::sls::targets(&call, txn, route.action);
        *scratch = call.loaded.into_inner();
        Ok((format!("log:{}", route.action.name), targets?))
    }

    fn denial(d: Box<AccessDenied>) -> ApiError {
        crate::authz::sls_denial(d)
    }

    fn handle(req: &Parsed, route: SlsRoute, caller: &Caller, txn: &mut dyn Txn, scratch: Loaded) -> Result<Reply, Failure> {
        (route.action.handler)(&req.call(caller, scratch), txn)
    }

    /// SLS clients retry 5xx ten times (sls.md 4.4); only real server faults get one.
    fn internal_error(f: &Failure) -> ApiError {
        if f.to_api().status == 503 {
            SlsError::ServerBusy.into()
        } else {
            SlsError::InternalServerError.into()
        }
    }

    fn encode(_req: &Parsed, _route: SlsRoute, request_id: &str, reply: Reply) -> Response {
        sls_response::success(request_id, reply)
    }

    fn encode_error(_: (), request_id: &str, e: &ApiError) -> Response {
        sls_response::error(request_id, e)
    }
}
