//! Decoding an HTTP request into an RPC call: parameters from the query and a form body, the
//! (Version, Action) pair, the response format and the signature style (ram.md 1, 2.2-2.4).

use crate::http::Parts;
use hyper::http::{HeaderMap, Method};
use localyun_core::encoding::{form_decode, FormError};
use localyun_core::error::GatewayError;
use localyun_core::params::Params;
use localyun_core::ApiError;

/// JSON until the request says otherwise (errors met before its parameters are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Json,
    Xml,
}

#[derive(Debug)]
pub struct RpcRequest {
    pub method: &'static str,
    pub path: String,
    /// Query and form-body parameters together, the query's first.
    pub params: Params,
    /// How many of `params` came from the query: the V3 canonical query is built from those.
    pub query_len: usize,
    /// The request's headers as received (names are lower-case in `http`).
    pub headers: HeaderMap,
    pub body: crate::http::Bytes,
    pub action: String,
    pub version: String,
}

impl RpcRequest {
    /// The decoded query parameters alone.
    pub fn query(&self) -> &[(String, String)] {
        let pairs = self.params.pairs();
        pairs.get(..self.query_len).unwrap_or(pairs)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn form_error(e: FormError) -> ApiError {
    ApiError::from(GatewayError::malformed(&e.to_string()))
}

/// The response format asked for: `Format` (any case) in V1 requests, JSON for V3 requests. RPC
/// common-parameter pages name XML the default when `Format` is omitted (ram.md 2.3).
pub fn response_format(params: Option<&Params>, has_authorization_header: bool) -> Format {
    if has_authorization_header {
        return Format::Json;
    }
    match params.and_then(|p| p.get("Format")) {
        Some(f) if f.eq_ignore_ascii_case("xml") => Format::Xml,
        Some(_) => Format::Json,
        None if params.is_some() => Format::Xml,
        None => Format::Json,
    }
}

/// Decodes the request's parameters, the query's first, and says how many came from the
/// query. Errors here are the client's (400).
pub fn decode_params(parts: &Parts, body: &[u8]) -> Result<(usize, Params), ApiError> {
    let mut all = form_decode(parts.uri.query().unwrap_or("").as_bytes()).map_err(form_error)?;
    let query_len = all.len();
    let is_form = parts
        .headers
        .get(crate::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    // pop-core POST and the older Tea SDKs send their parameters as a form body (ram.md 2.1).
    if parts.method == Method::POST && is_form && !body.is_empty() {
        all.extend(form_decode(body).map_err(form_error)?);
    }
    let params = Params::from_pairs(all)?;
    Ok((query_len, params))
}

/// Builds the RPC request, routing on `Action`/`Version` from the parameters or, for V3,
/// the `x-acs-action` / `x-acs-version` headers (ram.md 1).
pub fn parse(
    parts: &Parts,
    query_len: usize,
    params: Params,
    headers: HeaderMap,
    body: crate::http::Bytes,
) -> Result<RpcRequest, ApiError> {
    let method = match parts.method {
        Method::GET => "GET",
        Method::POST => "POST",
        _ => return Err(GatewayError::UnsupportedHttpMethod.into()),
    };
    let from_header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let action = params.optional("Action").map(str::to_string).or_else(|| from_header("x-acs-action")).filter(|a| !a.is_empty());
    let version = params.optional("Version").map(str::to_string).or_else(|| from_header("x-acs-version")).filter(|v| !v.is_empty());
    let action = action.ok_or_else(|| ApiError::from(GatewayError::missing("Action")))?;
    let version = version.ok_or_else(|| ApiError::from(GatewayError::missing("Version")))?;
    Ok(RpcRequest { method, path: parts.uri.path().to_string(), params, query_len, headers, body, action, version })
}
