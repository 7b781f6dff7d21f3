//! Request signing as the official SDKs do it, built on localyun-core's signature functions
//! (which are themselves checked against vectors recorded from the SDKs).

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use localyun_core::encoding::pct_encode;
use localyun_core::sig::{rpc_v3, sha256_hex, sls_v1};
use localyun_core::Secret;
use md5::{Digest, Md5};

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
    let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
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
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", pct_encode(k), pct_encode(v))).collect();
    let mut b = Request::post(format!("/?{}", query.join("&")));
    for (n, v) in &headers {
        b = b.header(n.as_str(), v.as_str());
    }
    b.header("authorization", format!("{} Credential={ak},SignedHeaders={},Signature={signature}", rpc_v3::ALGORITHM, names.join(";")))
        .body(Full::new(Bytes::new()))
        .unwrap_or_default()
}

/// An SLS v1 request as the Tea SDK signs it (HMAC-SHA256, Content-MD5, `Date`).
pub fn sls_v1_request(method: &str, host: &str, path: &str, ak: &str, secret: &Secret, body: &[u8]) -> Request<Full<Bytes>> {
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let md5: String = if body.is_empty() { String::new() } else { Md5::digest(body).iter().map(|b| format!("{b:02X}")).collect() };
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
