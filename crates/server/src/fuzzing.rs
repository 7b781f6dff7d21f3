//! Entry points for the fuzz targets (`fuzz/`): the pure request decoding of both front ends,
//! from raw method, target, headers and body, in the order the pipeline runs it. Nothing here
//! touches the store or the clock, so a fuzzer can drive it millions of times; what needs the
//! store (key lookup, handlers) is left out. Not an API: hidden from the docs.

use crate::http::Bytes;
use crate::http::Parts;
use crate::rpc::request::{decode_params, header_pairs, parse, response_format};
use hyper::http::Request;
use localyun_core::encoding::{form_decode, path_unescape};
use localyun_core::params::Params;
use localyun_core::sig::{rpc_v1, rpc_v3, sha256_hex};
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

/// RPC decoding: parameters from query and form body, routing fields, the parameter readers
/// handlers use, and both strings to sign (the claim itself needs the server state).
pub fn rpc_request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) {
    let Some(parts) = parts(method, target, headers) else { return };
    let Ok((query_len, params)) = decode_params(&parts, body) else { return };
    let has_authorization = parts.headers.contains_key(crate::http::header::AUTHORIZATION);
    let _ = response_format(Some(&params), has_authorization);
    let Ok(req) = parse(&parts, query_len, params, parts.headers.clone(), Bytes::copy_from_slice(body)) else { return };
    read_rpc_params(&req.params);
    let _ = rpc_v1::string_to_sign(req.method, req.params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(Ok(auth)) = req.header("authorization").map(rpc_v3::parse_authorization) {
        let hash = req.header("x-acs-content-sha256").unwrap_or_default();
        let _ = hash.eq_ignore_ascii_case(&sha256_hex(&req.body));
        if let Ok(canonical) =
            rpc_v3::canonical_request(req.method, &req.path, req.query(), &header_pairs(&req.headers), &auth.signed_headers, hash)
        {
            let _ = rpc_v3::string_to_sign(&canonical);
        }
    }
}

/// The typed reads of the RPC handlers and of the request's authorization keys.
fn read_rpc_params(p: &Params) {
    let _ = p.key_values("Tag", 50);
    let _ = p.list("TagKey", 50);
    let _ = p.list("ResourceId", 50);
    let _ = p.list("ResourcePrincipalName", 50);
    let _ = p.bool("All");
    let _ = p.int_in("MaxItems", 1, 1000);
    let _ = crate::services::json_tags(p, "Tag", 50);
    let _ = crate::services::json_strings(p, "TagKeys", 50);
    let _ = crate::services::json_strings(p, "ResourceNames", 50);
    let _ = crate::services::marker_params(p, 100);
    let _ = crate::services::position_param(p, "NextToken");
    let _ = crate::services::opt_text(p, "DisplayName", 24);
    let _ = crate::services::opt_contact(p, "Email");
    let _ = crate::services::key_status(p);
}

/// SLS decoding as `serve_sls` runs it: path, query, Host, route, JSON body, request tags and
/// the signature claim, then the body readers of the handlers.
pub fn sls_request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8], region: &str, now_ms: i64) {
    let Some(parts) = parts(method, target, headers) else { return };
    let Ok(path) = path_unescape(parts.uri.path()) else { return };
    let Ok(query) = form_decode(parts.uri.query().unwrap_or("").as_bytes()) else { return };
    let Ok(params) = Params::from_pairs(query) else { return };
    let host = parts
        .headers
        .get(crate::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let place = crate::sls::request::place(&host);
    let region = place.region.as_deref().unwrap_or(region);
    if let Some((route, _item)) = crate::sls::parse_route(&path) {
        let _ = crate::sls::resolve(crate::services::sls::ACTIONS, parts.method.as_str(), &path, route, place.project.is_some());
    }
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let _ = crate::sls::request_tags(&json);
    let pairs = header_pairs(&parts.headers);
    let signed =
        crate::sls::auth::Signed { method: parts.method.as_str(), path: &path, query: params.pairs(), headers: &pairs, body, region };
    let _ = crate::sls::auth::claim(&signed, now_ms);
    read_sls_body(&params, &json);
}

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
