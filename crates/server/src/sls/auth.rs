//! Authentication of SLS requests: v1 `LOG ak:sig` (HMAC-SHA1 or HMAC-SHA256 by
//! `x-log-signaturemethod`) or v4 `SLS4-HMAC-SHA256` (sls.md 3). There is no nonce in SLS; the
//! clock window is the replay protection (sls.md 3.5).

use crate::auth::{credentials, KeyProblem, DEFAULT_CLOCK_WINDOW_MS};
use crate::caller::Caller;
use crate::failure::Result;
use localyun_core::sig::{sha256_hex, sls_v1, sls_v4};
use localyun_core::time::{format_iso8601, parse_compact_time, parse_http_date};
use localyun_core::{ApiError, Secret};
use localyun_store::Txn;
use md5::{Digest, Md5};

/// What authentication needs from the request.
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The region the request is addressed to; v4 credentials must be scoped to it.
    pub region: &'a str,
}

impl Signed<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim())
    }
}

fn check_clock(shown: &str, request_ms: i64, now_ms: i64, window_ms: i64) -> Result<(), ApiError> {
    if (now_ms - request_ms).abs() > window_ms {
        return Err(ApiError::sls_request_time_expired(shown, &format_iso8601(now_ms)));
    }
    Ok(())
}

/// The credentials of the request, with SLS's wording of every problem: all `Unauthorized`
/// 401 (sls.md 3.4, 5.1).
fn key_secret(txn: &mut dyn Txn, req: &Signed<'_>, access_key_id: &str, now_ms: i64) -> Result<(Secret, Caller)> {
    let token = req.header("x-acs-security-token");
    match credentials(txn, access_key_id, token, now_ms)? {
        Ok(c) => Ok((c.secret, c.caller)),
        Err(KeyProblem::NotFound) => Err(ApiError::sls_access_key_not_found(access_key_id).into()),
        Err(KeyProblem::Inactive) => Err(ApiError::sls_access_key_disabled(access_key_id).into()),
        Err(KeyProblem::Expired) => Err(ApiError::sls_unauthorized("The security token you provided has expired.").into()),
        Err(KeyProblem::MissingToken | KeyProblem::InvalidToken) => {
            Err(ApiError::sls_unauthorized("The security token you provided is invalid.").into())
        }
    }
}

pub fn authenticate(txn: &mut dyn Txn, req: &Signed<'_>, now_ms: i64) -> Result<Caller> {
    let Some(authorization) = req.header("authorization") else {
        return Err(ApiError::sls_unauthorized("The Authorization header is missing.").into());
    };
    if authorization.starts_with("LOG ") {
        authenticate_v1(txn, req, authorization, now_ms)
    } else if authorization.starts_with(sls_v4::ALGORITHM) {
        authenticate_v4(txn, req, authorization, now_ms)
    } else {
        Err(ApiError::sls_bad_authorization(authorization).into())
    }
}

fn authenticate_v1(txn: &mut dyn Txn, req: &Signed<'_>, authorization: &str, now_ms: i64) -> Result<Caller> {
    let (access_key_id, signature) =
        sls_v1::parse_authorization(authorization).ok_or_else(|| ApiError::sls_bad_authorization(authorization))?;
    let date = req.header("date").or_else(|| req.header("x-log-date")).ok_or_else(ApiError::sls_missing_date)?;
    let request_ms = parse_http_date(date).ok_or_else(|| ApiError::sls_invalid_request_time(date))?;
    check_clock(date, request_ms, now_ms, DEFAULT_CLOCK_WINDOW_MS)?;
    let method_header = req.header("x-log-signaturemethod");
    let hash =
        sls_v1::Hash::from_header(method_header).ok_or_else(|| ApiError::sls_invalid_signature_method(method_header.unwrap_or("")))?;
    let (secret, caller) = key_secret(txn, req, access_key_id, now_ms)?;
    // Content-MD5 is upper-case hex of the body (sls.md 3.2); an empty header is no header.
    if let Some(md5) = req.header("content-md5").filter(|v| !v.is_empty()) {
        let actual = Md5::digest(req.body);
        let actual_hex: String = actual.iter().map(|b| format!("{b:02X}")).collect();
        if !md5.eq_ignore_ascii_case(&actual_hex) {
            return Err(ApiError::sls_invalid_content_md5().into());
        }
    }
    let string_to_sign = sls_v1::string_to_sign(req.method, req.path, req.query, req.headers);
    if !sls_v1::verify(&secret, hash, &string_to_sign, signature) {
        return Err(ApiError::sls_signature_not_match(signature).into());
    }
    Ok(caller)
}

fn authenticate_v4(txn: &mut dyn Txn, req: &Signed<'_>, authorization: &str, now_ms: i64) -> Result<Caller> {
    let auth = sls_v4::parse_authorization(authorization).ok_or_else(|| ApiError::sls_bad_authorization(authorization))?;
    let log_date = req.header("x-log-date").ok_or_else(ApiError::sls_missing_date)?;
    let request_ms = parse_compact_time(log_date).ok_or_else(|| ApiError::sls_invalid_request_time(log_date))?;
    check_clock(log_date, request_ms, now_ms, DEFAULT_CLOCK_WINDOW_MS)?;
    let (secret, caller) = key_secret(txn, req, auth.access_key_id, now_ms)?;
    // The credential scope must be the request's own day and region (sls.md 3.3 steps 1 and 8).
    if !log_date.starts_with(auth.date) || auth.region != req.region {
        return Err(ApiError::sls_signature_not_match(auth.signature).into());
    }
    let payload_hash = req
        .header("x-log-content-sha256")
        .ok_or_else(|| ApiError::sls_parameter_invalid("x-log-content-sha256 does not exist in http header."))?;
    if !payload_hash.eq_ignore_ascii_case(&sha256_hex(req.body)) {
        return Err(ApiError::sls_invalid_content_sha256().into());
    }
    let canonical = sls_v4::canonical_request(req.method, req.path, req.query, req.headers, payload_hash);
    let string_to_sign = sls_v4::string_to_sign(log_date, auth.date, auth.region, &canonical);
    if !sls_v4::verify(&secret, auth.date, auth.region, &string_to_sign, auth.signature) {
        return Err(ApiError::sls_signature_not_match(auth.signature).into());
    }
    Ok(caller)
}
