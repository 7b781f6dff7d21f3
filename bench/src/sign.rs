//! Request signing as the official SDKs do it, built on localyun-core's signature functions
//! (which are themselves checked against vectors recorded from the SDKs).

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use localyun_core::encoding::pct_encode_into;
use localyun_core::sig::{rpc_v3, sha256_hex, sls_v1};
use localyun_core::Secret;
use md5::{Digest, Md5};

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// 128 random bits as 32 hex characters, like the SDKs' nonces, from the thread's generator
/// (a UUID v4 would cost a `getrandom` system call per request).
fn fresh_nonce() -> String {
    localyun_core::sig::hex(&rand::random::<[u8; 16]>())
}

/// An ACS3-HMAC-SHA256 RPC request (Tea's default): business parameters in the query,
/// `Action`/`Version` in headers, a fresh nonce and date.
pub fn rpc_v3_request(
    host: &str,
    ak: &str,
    secret: &Secret,
    action: &str,
    version: &str,
    params: &[(String, String)],
    token: Option<&str>,
) -> Request<Full<Bytes>> {
    let date = localyun_core::time::format_iso8601(now_ms());
    let nonce = fresh_nonce();
    let empty = sha256_hex(b"");
    let mut headers: Vec<(&str, &str)> = vec![
        ("host", host),
        ("x-acs-action", action),
        ("x-acs-version", version),
        ("x-acs-date", &date),
        ("x-acs-signature-nonce", &nonce),
        ("x-acs-content-sha256", &empty),
    ];
    if let Some(t) = token {
        headers.push(("x-acs-security-token", t));
        headers.push(("x-acs-accesskey-id", ak));
    }
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    let canonical = rpc_v3::canonical_request("POST", "/", params, &headers, &names, &empty).unwrap_or_default();
    let signature = rpc_v3::sign(secret, &rpc_v3::string_to_sign(&canonical));
    let mut uri = String::with_capacity(128);
    for (i, (k, v)) in params.iter().enumerate() {
        uri.push_str(if i == 0 { "/?" } else { "&" });
        pct_encode_into(&mut uri, k);
        uri.push('=');
        pct_encode_into(&mut uri, v);
    }
    let authorization = format!("{} Credential={ak},SignedHeaders={},Signature={signature}", rpc_v3::ALGORITHM, names.join(";"));
    request(Request::post(uri), &headers, &authorization, Bytes::new())
}

/// The request with its headers; names are the lower-case ones signed, so they are valid.
fn request(mut b: hyper::http::request::Builder, headers: &[(&str, &str)], authorization: &str, body: Bytes) -> Request<Full<Bytes>> {
    if let Some(map) = b.headers_mut() {
        map.reserve(headers.len() + 1);
        for (n, v) in headers {
            if let (Ok(n), Ok(v)) = (hyper::header::HeaderName::from_bytes(n.as_bytes()), hyper::header::HeaderValue::from_str(v)) {
                map.append(n, v);
            }
        }
        if let Ok(v) = hyper::header::HeaderValue::from_str(authorization) {
            map.append(hyper::header::AUTHORIZATION, v);
        }
    }
    b.body(Full::new(body)).unwrap_or_default()
}

/// An SLS v1 request as the Tea SDK signs it (HMAC-SHA256, Content-MD5, `Date`).
pub fn sls_v1_request(method: &str, host: &str, path: &str, ak: &str, secret: &Secret, body: &[u8]) -> Request<Full<Bytes>> {
    let date = localyun_core::time::format_http_date(now_ms());
    let md5: String = if body.is_empty() { String::new() } else { localyun_core::sig::hex(&Md5::digest(body)).to_ascii_uppercase() };
    let size = body.len().to_string();
    let mut headers: Vec<(&str, &str)> = vec![
        ("host", host),
        ("x-log-apiversion", "0.6.0"),
        ("x-log-signaturemethod", "hmac-sha256"),
        ("x-log-bodyrawsize", &size),
        ("date", &date),
        ("content-type", "application/json"),
    ];
    if !md5.is_empty() {
        headers.push(("content-md5", &md5));
    }
    let sts = sls_v1::string_to_sign(method, path, &[], &headers);
    let signature = sls_v1::sign(secret, sls_v1::Hash::Sha256, &sts);
    request(Request::builder().method(method).uri(path), &headers, &format!("LOG {ak}:{signature}"), Bytes::copy_from_slice(body))
}
