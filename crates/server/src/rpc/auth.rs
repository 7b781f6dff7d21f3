//! Authentication of RPC requests: V1 HMAC-SHA1 in the parameters or V3 ACS3-HMAC-SHA256 in the
//! `Authorization` header (ram.md 3.2-3.5). The checks run in the order of ram.md 4.5 and 3.5:
//! clock, AccessKey, signature, then the nonce.

use super::request::RpcRequest;
use crate::auth::{check_clock, rpc_key_error, Claim, SignatureCheck};
use crate::http::header_pairs;
use crate::state::Settings;
use localyun_core::error::GatewayError;
use localyun_core::sig::{rpc_v1, rpc_v3, sha256_hex};
use localyun_core::time::parse_request_time;
use localyun_core::ApiError;

/// Nonces longer than this are not something an SDK sends; refusing them bounds the replay cache.
const MAX_NONCE_LEN: usize = 256;

/// The request's claim to be signed, checked as far as it can be without the key: shape, clock,
/// nonce shape. What follows the key lookup in the real service's order (body hash, canonical
/// form, signature) is in the claim's check.
pub fn claim(settings: &Settings, req: &RpcRequest, now_ms: i64) -> Result<Claim, ApiError> {
    match req.header("authorization") {
        Some(auth) => claim_v3(settings, req, auth, now_ms),
        None => claim_v1(settings, req, now_ms),
    }
}

fn check_nonce_shape(nonce: &str) -> Result<(), ApiError> {
    if nonce.len() > MAX_NONCE_LEN {
        return Err(GatewayError::invalid("SignatureNonce", "It is too long.").into());
    }
    Ok(())
}

fn claim_v1(settings: &Settings, req: &RpcRequest, now_ms: i64) -> Result<Claim, ApiError> {
    let p = &req.params;
    let access_key_id = p.optional("AccessKeyId").ok_or_else(|| ApiError::from(GatewayError::MissingAccessKeyId))?;
    let signature = p
        .optional("Signature")
        .ok_or_else(|| ApiError::from(GatewayError::IncompleteSignature { why: "The Signature parameter is missing.".into() }))?;
    match p.optional("SignatureMethod") {
        Some("HMAC-SHA1") => {}
        Some(_) => return Err(GatewayError::IncompleteSignature { why: "Only the SignatureMethod HMAC-SHA1 is supported.".into() }.into()),
        None => return Err(GatewayError::missing("SignatureMethod").into()),
    }
    if let Some(v) = p.optional("SignatureVersion") {
        if v != "1.0" {
            return Err(GatewayError::IncompleteSignature { why: "Only the SignatureVersion 1.0 is supported.".into() }.into());
        }
    }
    let timestamp = p.optional("Timestamp").ok_or_else(|| ApiError::from(GatewayError::MissingTimestamp))?;
    let nonce = p.optional("SignatureNonce").ok_or_else(|| ApiError::from(GatewayError::missing("SignatureNonce")))?;
    check_nonce_shape(nonce)?;
    let request_ms = parse_request_time(timestamp).ok_or_else(|| ApiError::from(GatewayError::TimestampFormat))?;
    check_clock(now_ms, request_ms, settings.clock_window_ms)?;

    let string_to_sign = rpc_v1::string_to_sign(req.method, p.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let signature = signature.to_string();
    let check: SignatureCheck = Box::new(move |secret| {
        if rpc_v1::verify(secret, &string_to_sign, &signature) {
            Ok(())
        } else {
            Err(GatewayError::SignatureMismatch { string_to_sign: string_to_sign.clone() }.into())
        }
    });
    Ok(Claim::new(access_key_id, p.optional("SecurityToken"), rpc_key_error, check).with_nonce(nonce, request_ms, settings.clock_window_ms))
}

fn claim_v3(settings: &Settings, req: &RpcRequest, authorization: &str, now_ms: i64) -> Result<Claim, ApiError> {
    let auth = rpc_v3::parse_authorization(authorization)
        .map_err(|e| ApiError::from(GatewayError::IncompleteSignature { why: format!("{e}.") }))?;
    let date = req.header("x-acs-date").ok_or_else(|| ApiError::from(GatewayError::missing("x-acs-date")))?;
    let nonce = req.header("x-acs-signature-nonce").ok_or_else(|| ApiError::from(GatewayError::missing("x-acs-signature-nonce")))?;
    check_nonce_shape(nonce)?;
    let request_ms = parse_request_time(date).ok_or_else(|| ApiError::from(GatewayError::TimestampFormat))?;
    check_clock(now_ms, request_ms, settings.clock_window_ms)?;

    // The signed payload hash must be the body's, or a signed request could carry another body.
    let content_hash = req.header("x-acs-content-sha256").unwrap_or_default();
    let string_to_sign = if !content_hash.eq_ignore_ascii_case(&sha256_hex(&req.body)) {
        Err(GatewayError::ContentHashMismatch.into())
    } else {
        rpc_v3::canonical_request(req.method, &req.path, req.query(), &header_pairs(&req.headers), &auth.signed_headers, content_hash)
            .map(|canonical| rpc_v3::string_to_sign(&canonical))
            .map_err(|e| ApiError::from(GatewayError::IncompleteSignature { why: format!("{e}.") }))
    };
    let signature = auth.signature.to_string();
    let check: SignatureCheck = Box::new(move |secret| {
        let string_to_sign = string_to_sign.as_ref().map_err(Clone::clone)?;
        if rpc_v3::verify(secret, string_to_sign, &signature) {
            Ok(())
        } else {
            Err(GatewayError::SignatureMismatchV3 { string_to_sign: string_to_sign.into() }.into())
        }
    });
    Ok(Claim::new(auth.credential, req.header("x-acs-security-token"), rpc_key_error, check).with_nonce(
        nonce,
        request_ms,
        settings.clock_window_ms,
    ))
}
