//! Authentication of SLS requests: v1 `LOG ak:sig` (HMAC-SHA1 or HMAC-SHA256 by
//! `x-log-signaturemethod`) or v4 `SLS4-HMAC-SHA256` (sls.md 3). There is no nonce in SLS; the
//! clock window is the replay protection (sls.md 3.5).

use crate::auth::{Claim, KeyProblem, SignatureCheck};
use localyun_core::error::SlsError;
use localyun_core::sig::{sha256_hex, sls_v1, sls_v4};
use localyun_core::time::{format_iso8601, parse_compact_time, parse_http_date};
use localyun_core::ApiError;

/// What authentication needs from the request.
pub struct Signed<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
    /// The region the request is addressed to; v4 credentials must be scoped to it.
    pub region: &'a str,
}

impl Signed<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.trim())
    }
}

fn check_clock(shown: &str, request_ms: i64, now_ms: i64, window_ms: i64) -> Result<(), ApiError> {
    if (now_ms - request_ms).abs() > window_ms {
        return Err(SlsError::RequestTimeExpired { request_time: shown.into(), server_time: (&format_iso8601(now_ms)).into() }.into());
    }
    Ok(())
}

/// SLS's wording of every credential problem: all `Unauthorized` 401 (sls.md 3.4, 5.1).
fn key_error(problem: KeyProblem, access_key_id: &str) -> ApiError {
    match problem {
        KeyProblem::NotFound => ApiError::from(SlsError::AccessKeyNotFound { id: access_key_id.into() }),
        KeyProblem::Inactive => ApiError::from(SlsError::AccessKeyDisabled { id: access_key_id.into() }),
        KeyProblem::Expired => ApiError::from(SlsError::unauthorized("The security token you provided has expired.")),
        KeyProblem::MissingToken | KeyProblem::InvalidToken => {
            ApiError::from(SlsError::unauthorized("The security token you provided is invalid."))
        }
    }
}

/// The request's claim to be signed, checked as far as it can be without the key; the
/// checks the service makes once the key is known (body digests, scope, signature) are in the
/// claim's check, in their order.
/// `window_ms`: the clock skew allowed either way (the server's setting, as for RPC).
pub fn claim(req: &Signed<'_>, now_ms: i64, window_ms: i64) -> Result<Claim, ApiError> {
    let Some(authorization) = req.header("authorization") else {
        return Err(SlsError::unauthorized("The Authorization header is missing.").into());
    };
    if authorization.starts_with("LOG ") {
        claim_v1(req, authorization, now_ms, window_ms)
    } else if authorization.starts_with(sls_v4::ALGORITHM) {
        claim_v4(req, authorization, now_ms, window_ms)
    } else {
        Err(SlsError::BadAuthorization { value: authorization.into() }.into())
    }
}

fn claim_v1(req: &Signed<'_>, authorization: &str, now_ms: i64, window_ms: i64) -> Result<Claim, ApiError> {
    let (access_key_id, signature) = sls_v1::parse_authorization(authorization)
        .ok_or_else(|| ApiError::from(SlsError::BadAuthorization { value: authorization.into() }))?;
    let date = req.header("date").or_else(|| req.header("x-log-date")).ok_or_else(|| ApiError::from(SlsError::MissingDate))?;
    let request_ms = parse_http_date(date).ok_or_else(|| ApiError::from(SlsError::InvalidRequestTime { value: date.into() }))?;
    check_clock(date, request_ms, now_ms, window_ms)?;
    let method_header = req.header("x-log-signaturemethod");
    let hash = sls_v1::Hash::from_header(method_header)
        .ok_or_else(|| ApiError::from(SlsError::InvalidSignatureMethod { method: (method_header.unwrap_or("")).into() }))?;
    // Content-MD5 is upper-case hex of the body (sls.md 3.2); an empty header is no header.
    let md5_ok = match req.header("content-md5").filter(|v| !v.is_empty()) {
        Some(md5) => md5.eq_ignore_ascii_case(&localyun_core::sig::md5_hex(req.body)),
        None => true,
    };
    let string_to_sign = sls_v1::string_to_sign(req.method, req.path, req.query, req.headers);
    let signature = signature.to_string();
    let check: SignatureCheck = Box::new(move |secret| {
        if !md5_ok {
            return Err(SlsError::InvalidContentMd5.into());
        }
        if !sls_v1::verify(secret, hash, &string_to_sign, &signature) {
            return Err(ApiError::from(SlsError::SignatureNotMatch { signature: signature.clone() }));
        }
        Ok(())
    });
    Ok(Claim::new(access_key_id, req.header("x-acs-security-token"), key_error, check))
}

fn claim_v4(req: &Signed<'_>, authorization: &str, now_ms: i64, window_ms: i64) -> Result<Claim, ApiError> {
    let auth = sls_v4::parse_authorization(authorization)
        .ok_or_else(|| ApiError::from(SlsError::BadAuthorization { value: authorization.into() }))?;
    let log_date = req.header("x-log-date").ok_or_else(|| ApiError::from(SlsError::MissingDate))?;
    let request_ms = parse_compact_time(log_date).ok_or_else(|| ApiError::from(SlsError::InvalidRequestTime { value: log_date.into() }))?;
    check_clock(log_date, request_ms, now_ms, window_ms)?;
    let signature = auth.signature.to_string();
    // After the key: the credential scope must be the request's own day and region (sls.md 3.3
    // steps 1 and 8), then the payload hash must be the body's.
    let prepared = if !log_date.starts_with(auth.date) || auth.region != req.region {
        Err(ApiError::from(SlsError::SignatureNotMatch { signature: signature.clone() }))
    } else {
        match req.header("x-log-content-sha256") {
            None => Err(SlsError::parameter_invalid("x-log-content-sha256 does not exist in http header.").into()),
            Some(h) if !h.eq_ignore_ascii_case(&sha256_hex(req.body)) => Err(SlsError::InvalidContentSha256.into()),
            Some(h) => {
                let canonical = sls_v4::canonical_request(req.method, req.path, req.query, req.headers, h);
                Ok(sls_v4::string_to_sign(log_date, auth.date, auth.region, &canonical))
            }
        }
    };
    let (date, region) = (auth.date.to_string(), auth.region.to_string());
    let check: SignatureCheck = Box::new(move |secret| {
        let string_to_sign = prepared.as_ref().map_err(Clone::clone)?;
        if !sls_v4::verify(secret, &date, &region, string_to_sign, &signature) {
            return Err(ApiError::from(SlsError::SignatureNotMatch { signature: signature.clone() }));
        }
        Ok(())
    });
    Ok(Claim::new(auth.access_key_id, req.header("x-acs-security-token"), key_error, check))
}
