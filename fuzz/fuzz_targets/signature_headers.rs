//! The signature inputs an attacker controls: `Authorization` values of all four schemes, the
//! SLS signature-method header, and the canonical forms built from method, path, query and
//! headers, through verification with a known secret.
//!
//! Input lines: Authorization, x-log-signaturemethod, method, path, query string, then headers
//! as `name: value`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localyun_core::encoding::form_decode;
use localyun_core::sig::{rpc_v1, rpc_v3, sls_v1, sls_v4};
use localyun_core::Secret;

fuzz_target!(|data: &[u8]| {
    let text = localyun_fuzz::text(data);
    let lines = localyun_fuzz::lines(&text, 64);
    let line = |i: usize| lines.get(i).copied().unwrap_or("");
    let (authorization, sig_method, method, path) = (line(0), line(1), line(2), line(3));
    let query = form_decode(line(4).as_bytes()).unwrap_or_default();
    let owned: Vec<(String, &str)> =
        lines.iter().skip(5).filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim().to_ascii_lowercase(), v)).collect();
    let headers: Vec<(&str, &str)> = owned.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.trim()).unwrap_or("");
    let secret = Secret::new("TestAccessKeySecret0123456789abc");

    // RPC V1: the signature travels as a parameter; here the Authorization line stands for it.
    let v1 = rpc_v1::string_to_sign(method, query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let _ = rpc_v1::verify(&secret, &v1, authorization);
    assert!(rpc_v1::verify(&secret, &v1, &rpc_v1::sign(&secret, &v1)));

    if let Ok(auth) = rpc_v3::parse_authorization(authorization) {
        let hash = header("x-acs-content-sha256");
        if let Ok(canonical) = rpc_v3::canonical_request(method, path, &query, &headers, &auth.signed_headers, hash) {
            let sts = rpc_v3::string_to_sign(&canonical);
            let _ = rpc_v3::verify(&secret, &sts, auth.signature);
            assert!(rpc_v3::verify(&secret, &sts, &rpc_v3::sign(&secret, &sts)));
        }
    }

    let hash = sls_v1::Hash::from_header(Some(sig_method).filter(|m| !m.is_empty()));
    if let (Some((_ak, signature)), Some(hash)) = (sls_v1::parse_authorization(authorization), hash) {
        let sts = sls_v1::string_to_sign(method, path, &query, &headers);
        let _ = sls_v1::verify(&secret, hash, &sts, signature);
        assert!(sls_v1::verify(&secret, hash, &sts, &sls_v1::sign(&secret, hash, &sts)));
    }

    if let Some(auth) = sls_v4::parse_authorization(authorization) {
        let canonical = sls_v4::canonical_request(method, path, &query, &headers, header("x-log-content-sha256"));
        let sts = sls_v4::string_to_sign(header("x-log-date"), auth.date, auth.region, &canonical);
        let _ = sls_v4::verify(&secret, auth.date, auth.region, &sts, auth.signature);
    }
});
