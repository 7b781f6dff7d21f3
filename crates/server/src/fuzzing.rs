//! Entry points for the fuzz targets (`fuzz/`): the pipeline's own stages (`crate::pipeline`)
//! of both API styles that need no store, from raw method, target, headers and body, in the
//! order the pipeline runs them. Nothing here touches the store or the clock, so a fuzzer can
//! drive it millions of times; what needs the store (key lookup, handlers) is left out. Not an
//! API: hidden from the docs.

use crate::http::Bytes;
use crate::http::Parts;
use crate::pipeline::{Api, RpcApi, SlsApi};
use crate::state::Settings;
use hyper::http::Request;
use localyun_core::params::Params;
use localyun_core::sls::parse_resource_id;
use localyun_core::tags::SLS_TAGS;
use serde_json::Value;

/// The request head as `http` would hand it over; `None` when `http` itself refuses it (the
/// server never sees such a request).
fn parts(method: &str, target: &str, headers: &[(&str, &str)]) -> Option<Parts> {
    let mut builder = Request::builder().method(method).uri(target);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).ok().map(|r| r.into_parts().0)
}

/// The RPC stages that need no store, as the pipeline runs them: parse, route, the condition
/// keys, authentication up to the key lookup (at the request's own time, so the signature path
/// is reached), and the decode stage of every action of every table.
pub fn rpc_request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) {
    let Some(parts) = parts(method, target, headers) else { return };
    let settings = Settings::default();
    let Ok(req) = RpcApi::parse(&settings, parts, Bytes::copy_from_slice(body)) else { return };
    let route = RpcApi::route(&req).ok();
    let _ = (RpcApi::api_name(&req, route), RpcApi::shape(&req, route));
    let _ = RpcApi::condition_keys(&req, PEER, 0);
    let now_ms = RpcApi::request_time(&req).unwrap_or(0);
    let _ = RpcApi::authenticate(&settings, &req, now_ms);
    let params = RpcApi::params(&req);
    for service in crate::services::RPC_SERVICES {
        for handler in service.actions.iter().filter_map(|a| a.handler) {
            let _ = (handler.decode)(params);
        }
    }
}

/// The SLS stages that need no store, as the pipeline runs them: parse, route, the condition
/// keys and authentication up to the key lookup, then the body readers of the handlers.
pub fn sls_request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8], region: &str, now_ms: i64) {
    let Some(parts) = parts(method, target, headers) else { return };
    let settings = Settings { region: region.to_string(), ..Settings::default() };
    let Ok(req) = SlsApi::parse(&settings, parts, Bytes::copy_from_slice(body)) else { return };
    let route = SlsApi::route(&req).ok();
    let _ = SlsApi::api_name(&req, route);
    let _ = SlsApi::condition_keys(&req, PEER, now_ms);
    let _ = SlsApi::authenticate(&settings, &req, now_ms);
    let (query, json) = SlsApi::inputs(&req);
    read_sls_body(query, json);
}

/// A peer for the condition keys.
const PEER: crate::pipeline::Peer =
    crate::pipeline::Peer { addr: std::net::SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 1)), secure: false };

/// The typed requests of every SLS action decoded from the query and the JSON body, then the
/// tag rules the handlers apply to what they carry.
fn read_sls_body(query: &Params, json: &Value) {
    let caller = crate::caller::Caller {
        account_id: "1234567890123456".into(),
        identity: crate::caller::Identity::Root,
        access_key_id: "LTAIfuzz".into(),
    };
    let call = crate::sls::SlsCall {
        caller: &caller,
        region: "cn-hangzhou",
        host_project: Some("proj"),
        item: Some("item"),
        query,
        body: json,
        loaded: Default::default(),
    };
    crate::services::sls::wire::decode_every_request(&call);
    let Value::Object(map) = json else { return };
    let kind = map.get("resourceType").and_then(Value::as_str).and_then(localyun_core::sls::ResourceKind::parse_tag_type);
    let ids: Vec<&str> = match map.get("resourceId") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if let Some(kind) = kind {
        for id in ids {
            if let Some(parsed) = parse_resource_id(kind, id) {
                let _ = kind.valid_name(parsed.name.unwrap_or(parsed.project));
            }
        }
    }
    let (tags, keys) = crate::sls::request_tags(json);
    let _ = SLS_TAGS.check_pairs(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for key in &keys {
        let _ = SLS_TAGS.check_key(key);
    }
}
