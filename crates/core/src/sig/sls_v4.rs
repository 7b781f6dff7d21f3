//! SLS's "v4" signature `SLS4-HMAC-SHA256` (sls.md 3.3): a date/region-scoped key chain, and
//! signed headers the server recomputes from what it received (the list is not transmitted).

use super::{hex, hmac_sha256, sha256_hex, unhex};
use crate::encoding::pct_encode_into;
use crate::secret::Secret;
use hmac::Mac;

pub const ALGORITHM: &str = "SLS4-HMAC-SHA256";
const TERMINATOR: &str = "aliyun_v4_request";

/// `Credential=<ak>/<yyyymmdd>/<region>/sls/aliyun_v4_request,Signature=<hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access_key_id: &'a str,
    pub date: &'a str,
    pub region: &'a str,
    pub signature: &'a str,
}

pub fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signature) = (None, None);
    for field in rest.split(',') {
        let (k, v) = field.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let mut parts = credential?.split('/');
    let access_key_id = parts.next().filter(|s| !s.is_empty())?;
    let date = parts.next().filter(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))?;
    // LogClient with an empty region sends `yyyymmdd//sls/...` (sls.md 3.3 step 8).
    let region = parts.next()?;
    if parts.next()? != "sls" || parts.next()? != TERMINATOR || parts.next().is_some() {
        return None;
    }
    Some(Authorization { access_key_id, date, region, signature: signature.filter(|s| !s.is_empty())? })
}

fn is_signed_header(name: &str) -> bool {
    name == "host"
        || name == "content-type"
        || ((name.starts_with("x-log-") || name.starts_with("x-acs-")) && !name.starts_with("x-log-meta-"))
}

/// The canonical request of sls.md 3.3 step 5.
pub fn canonical_request(method: &str, path: &str, query: &[(String, String)], headers: &[(&str, &str)], payload_hash: &str) -> String {
    let mut out = String::with_capacity(512);
    out.push_str(method);
    out.push('\n');
    out.push_str(path);
    out.push('\n');
    let mut sorted: Vec<&(String, String)> = query.iter().collect();
    sorted.sort_unstable();
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            pct_encode_into(&mut out, v);
        }
    }
    out.push('\n');
    let mut signed: Vec<(&str, &str)> = headers.iter().filter(|(n, _)| is_signed_header(n)).map(|(n, v)| (*n, v.trim())).collect();
    signed.sort_unstable();
    for (n, v) in &signed {
        out.push_str(n);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out.push('\n');
    let names: Vec<&str> = signed.iter().map(|(n, _)| *n).collect();
    out.push_str(&names.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

pub fn string_to_sign(log_date: &str, scope_date: &str, region: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{log_date}\n{scope_date}/{region}/sls/{TERMINATOR}\n{}", sha256_hex(canonical_request.as_bytes()))
}

fn signing_key(secret: &Secret, date: &str, region: &str) -> Option<Vec<u8>> {
    let k1 = hmac_sha256(format!("aliyun_v4{}", secret.expose()).as_bytes(), date.as_bytes())?.finalize().into_bytes();
    let k2 = hmac_sha256(&k1, region.as_bytes())?.finalize().into_bytes();
    let k3 = hmac_sha256(&k2, b"sls")?.finalize().into_bytes();
    Some(hmac_sha256(&k3, TERMINATOR.as_bytes())?.finalize().into_bytes().to_vec())
}

pub fn sign(secret: &Secret, date: &str, region: &str, string_to_sign: &str) -> String {
    signing_key(secret, date, region)
        .and_then(|key| hmac_sha256(&key, string_to_sign.as_bytes()))
        .map(|mac| hex(&mac.finalize().into_bytes()))
        .unwrap_or_default()
}

pub fn verify(secret: &Secret, date: &str, region: &str, string_to_sign: &str, signature: &str) -> bool {
    let Some(provided) = unhex(signature) else { return false };
    signing_key(secret, date, region)
        .and_then(|key| hmac_sha256(&key, string_to_sign.as_bytes()))
        .is_some_and(|mac| mac.verify_slice(&provided).is_ok())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::owned;
    use super::*;

    /// sls.md 3.3, aliyun-log-python-sdk v4 ListTagResources, captured.
    #[test]
    fn log_client_vector() {
        let auth = parse_authorization("SLS4-HMAC-SHA256 Credential=LTAI5tTestAccessKeyId/20261125/cn-hangzhou/sls/aliyun_v4_request,Signature=f705cd5f9ce3bd0e99cd7708258d01b86bbd3fb7434124f07cc0378effe6023f").unwrap();
        assert_eq!((auth.access_key_id, auth.date, auth.region), ("LTAI5tTestAccessKeyId", "20261125", "cn-hangzhou"));
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let query = owned(&[
            ("resourceType", "project"),
            ("tags", "[{\"key\": \"env\", \"value\": \"dev\"}]"),
            ("nextToken", ""),
            ("resourceId", "[\"proj-a\"]"),
        ]);
        let headers: &[(&str, &str)] = &[
            ("user-agent", "log-python-sdk-v-0.9.52"),
            ("accept-encoding", "gzip, deflate"),
            ("accept", "*/*"),
            ("connection", "keep-alive"),
            ("content-length", "0"),
            ("x-log-bodyrawsize", "0"),
            ("x-log-apiversion", "0.6.0"),
            ("host", "proj-a.127.0.0.1"),
            ("x-log-content-sha256", empty),
            ("x-log-date", "20261125T175131Z"),
        ];
        let creq = canonical_request("GET", "/tags", &query, headers, empty);
        assert_eq!(
            creq,
            "GET\n/tags\nnextToken&resourceId=%5B%22proj-a%22%5D&resourceType=project&tags=%5B%7B%22key%22%3A%20%22env%22%2C%20%22value%22%3A%20%22dev%22%7D%5D\nhost:proj-a.127.0.0.1\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-log-date:20261125T175131Z\n\nhost;x-log-apiversion;x-log-bodyrawsize;x-log-content-sha256;x-log-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = string_to_sign("20261125T175131Z", "20261125", "cn-hangzhou", &creq);
        assert!(sts.starts_with("SLS4-HMAC-SHA256\n20261125T175131Z\n20261125/cn-hangzhou/sls/aliyun_v4_request\nbbe5a8a1"), "{sts}");
        let secret = Secret::new("TestAccessKeySecret0123456789abc");
        assert_eq!(sign(&secret, "20261125", "cn-hangzhou", &sts), auth.signature);
        assert!(verify(&secret, "20261125", "cn-hangzhou", &sts, auth.signature));
        assert!(!verify(&secret, "20261126", "cn-hangzhou", &sts, auth.signature), "the date is part of the key");
        assert!(!verify(&secret, "20261125", "cn-shanghai", &sts, auth.signature), "the region is part of the key");
    }

    #[test]
    fn malformed_authorizations() {
        for bad in [
            "SLS4-HMAC-SHA256 Credential=ak/2026112/cn/sls/aliyun_v4_request,Signature=00",
            "SLS4-HMAC-SHA256 Credential=ak/20261125/cn/xx/aliyun_v4_request,Signature=00",
            "SLS4-HMAC-SHA256 Credential=ak/20261125/cn/sls/aliyun_v4_request",
            "SLS4-HMAC-SHA256 Credential=/20261125/cn/sls/aliyun_v4_request,Signature=00",
            "SLS4-HMAC-SHA256Credential=ak/20261125/cn/sls/aliyun_v4_request,Signature=00",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
        assert!(parse_authorization("SLS4-HMAC-SHA256 Credential=ak/20261125//sls/aliyun_v4_request,Signature=00").is_some());
    }
}
