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
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-acs-action".into(), action.into()),
        ("x-acs-version".into(), version.into()),
        ("x-acs-date".into(), date),
        ("x-acs-signature-nonce".into(), nonce),
        ("x-acs-content-sha256".into(), empty.clone()),
    ];
    if let Some(t) = token {
        headers.push(("x-acs-security-token".into(), t.into()));
        headers.push(("x-acs-accesskey-id".into(), ak.into()));
    }
    let mut names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
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
    let mut b = Request::post(uri);
    for (n, v) in &headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.header("authorization", format!("{} Credential={ak},SignedHeaders={},Signature={signature}", rpc_v3::ALGORITHM, names.join(";")))
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

/// An SLS v1 request as the Tea SDK signs it (HMAC-SHA256, Content-MD5, `Date`).
pub fn sls_v1_request(method: &str, host: &str, path: &str, ak: &str, secret: &Secret, body: &[u8]) -> Request<Full<Bytes>> {
    let date = localyun_core::time::format_http_date(now_ms());
    let md5: String = if body.is_empty() { String::new() } else { localyun_core::sig::hex(&Md5::digest(body)).to_ascii_uppercase() };
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-log-apiversion".into(), "0.6.0".into()),
        ("x-log-signaturemethod".into(), "hmac-sha256".into()),
        ("x-log-bodyrawsize".into(), body.len().to_string()),
        ("date".into(), date),
        ("content-type".into(), "application/json".into()),
    ];
    if !md5.is_empty() {
        headers.push(("content-md5".into(), md5));
    }
    let sts = sls_v1::string_to_sign(method, path, &[], &headers);
    let signature = sls_v1::sign(secret, sls_v1::Hash::Sha256, &sts);
    let mut b = Request::builder().method(method).uri(path);
    for (n, v) in &headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.header("authorization", format!("LOG {ak}:{signature}")).body(Full::new(Bytes::copy_from_slice(body))).unwrap_or_default()
}
