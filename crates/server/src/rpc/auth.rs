//! Authentication of RPC requests: V1 HMAC-SHA1 in the parameters or V3 ACS3-HMAC-SHA256 in the
//! `Authorization` header (ram.md 3.2-3.5). The checks run in the order of ram.md 4.5 and 3.5:
//! clock, AccessKey, signature, then the nonce.

use super::request::RpcRequest;
use crate::auth::{check_clock, check_nonce, credentials, rpc_key_error};
use crate::caller::Caller;
use crate::failure::Result;
use crate::state::AppState;
use localyun_core::sig::{rpc_v1, rpc_v3, sha256_hex};
use localyun_core::time::parse_request_time;
use localyun_core::ApiError;
use localyun_store::Txn;

/// Nonces longer than this are not something an SDK sends; refusing them bounds the replay cache.
const MAX_NONCE_LEN: usize = 256;

pub fn authenticate(state: &AppState, txn: &mut dyn Txn, req: &RpcRequest, now_ms: i64) -> Result<Caller> {
    match req.header("authorization") {
        Some(auth) => authenticate_v3(state, txn, req, auth, now_ms),
        None => authenticate_v1(state, txn, req, now_ms),
    }
}

fn check_nonce_shape(nonce: &str) -> Result<(), ApiError> {
    if nonce.len() > MAX_NONCE_LEN {
        return Err(ApiError::invalid_parameter("SignatureNonce", "It is too long."));
    }
    Ok(())
}

fn authenticate_v1(state: &AppState, txn: &mut dyn Txn, req: &RpcRequest, now_ms: i64) -> Result<Caller> {
    let p = &req.params;
    let access_key_id = p.optional("AccessKeyId").ok_or_else(ApiError::missing_access_key_id)?;
    let signature = p.optional("Signature").ok_or_else(|| ApiError::incomplete_signature("The Signature parameter is missing."))?;
    match p.optional("SignatureMethod") {
        Some("HMAC-SHA1") => {}
        Some(_) => return Err(ApiError::incomplete_signature("Only the SignatureMethod HMAC-SHA1 is supported.").into()),
        None => return Err(ApiError::missing_parameter("SignatureMethod").into()),
    }
    if let Some(v) = p.optional("SignatureVersion") {
        if v != "1.0" {
            return Err(ApiError::incomplete_signature("Only the SignatureVersion 1.0 is supported.").into());
        }
    }
    let timestamp = p.optional("Timestamp").ok_or_else(ApiError::missing_timestamp)?;
    let nonce = p.optional("SignatureNonce").ok_or_else(|| ApiError::missing_parameter("SignatureNonce"))?;
    check_nonce_shape(nonce)?;
    let request_ms = parse_request_time(timestamp).ok_or_else(ApiError::timestamp_format)?;
    check_clock(now_ms, request_ms, state.settings.clock_window_ms)?;

    let creds = credentials(txn, access_key_id, p.optional("SecurityToken"), now_ms)?.map_err(rpc_key_error)?;
    let string_to_sign = rpc_v1::string_to_sign(req.method, p.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !rpc_v1::verify(&creds.secret, &string_to_sign, signature) {
        return Err(ApiError::signature_mismatch(&string_to_sign).into());
    }
    check_nonce(&state.nonces, access_key_id, nonce, now_ms, request_ms, state.settings.clock_window_ms)?;
    Ok(creds.caller)
}

fn authenticate_v3(state: &AppState, txn: &mut dyn Txn, req: &RpcRequest, authorization: &str, now_ms: i64) -> Result<Caller> {
    let auth = rpc_v3::parse_authorization(authorization).map_err(|e| ApiError::incomplete_signature(&format!("{e}.")))?;
    let date = req.header("x-acs-date").ok_or_else(|| ApiError::missing_parameter("x-acs-date"))?;
    let nonce = req.header("x-acs-signature-nonce").ok_or_else(|| ApiError::missing_parameter("x-acs-signature-nonce"))?;
    check_nonce_shape(nonce)?;
    let request_ms = parse_request_time(date).ok_or_else(ApiError::timestamp_format)?;
    check_clock(now_ms, request_ms, state.settings.clock_window_ms)?;

    let creds = credentials(txn, auth.credential, req.header("x-acs-security-token"), now_ms)?.map_err(rpc_key_error)?;
    // The signed payload hash must be the body's, or a signed request could carry another body.
    let content_hash = req.header("x-acs-content-sha256").unwrap_or_default();
    if !content_hash.eq_ignore_ascii_case(&sha256_hex(&req.body)) {
        return Err(ApiError::new(
            400,
            "SignatureDoesNotMatch",
            "Specified signature does not match our calculation: the x-acs-content-sha256 header is not the SHA-256 of the body.",
        )
        .into());
    }
    let canonical = rpc_v3::canonical_request(req.method, &req.path, &req.query, &req.headers, &auth.signed_headers, content_hash)
        .map_err(|e| ApiError::incomplete_signature(&format!("{e}.")))?;
    let string_to_sign = rpc_v3::string_to_sign(&canonical);
    if !rpc_v3::verify(&creds.secret, &string_to_sign, auth.signature) {
        return Err(ApiError::signature_mismatch_v3(&string_to_sign).into());
    }
    check_nonce(&state.nonces, auth.credential, nonce, now_ms, request_ms, state.settings.clock_window_ms)?;
    Ok(creds.caller)
}
