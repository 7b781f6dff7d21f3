//! SLS's own "v1" signature, `Authorization: LOG <AccessKeyId>:<base64 HMAC>` (sls.md 3.2).
//! Both SDKs sign the same string; aliyun-log-python-sdk hashes with SHA1, the Tea SDK with
//! SHA256, and `x-log-signaturemethod` says which.

use super::{hmac_sha1, hmac_sha256};
use crate::secret::Secret;
use base64::Engine as _;
use hmac::Mac;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha1,
    Sha256,
}

impl Hash {
    /// `hmac-sha1` (or no header: what aliyun-log-python-sdk always meant) or `hmac-sha256`.
    pub fn from_header(value: Option<&str>) -> Option<Self> {
        match value.map(|v| v.trim().to_ascii_lowercase()) {
            None => Some(Hash::Sha1),
            Some(v) if v == "hmac-sha1" => Some(Hash::Sha1),
            Some(v) if v == "hmac-sha256" => Some(Hash::Sha256),
            Some(_) => None,
        }
    }
}

/// Splits `LOG <AccessKeyId>:<signature>` at the last colon.
pub fn parse_authorization(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("LOG ")?.trim();
    let (ak, sig) = rest.rsplit_once(':')?;
    (!ak.is_empty() && !sig.is_empty()).then_some((ak.trim(), sig.trim()))
}

/// The headers of the canonical header block: `x-log-*` and `x-acs-*`, except `x-log-date`
/// (aliyun-log-python-sdk adds it after signing; sls.md 0.1 point 3) and `x-log-meta-*`.
fn is_canonical_header(name: &str) -> bool {
    (name.starts_with("x-log-") || name.starts_with("x-acs-")) && name != "x-log-date" && !name.starts_with("x-log-meta-")
}

/// The string to sign. `headers` are `(lower-case name, value)`; `query` the decoded pairs.
pub fn string_to_sign(method: &str, path: &str, query: &[(String, String)], headers: &[(&str, &str)]) -> String {
    let header = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.trim()).unwrap_or("");
    let date = match header("date") {
        "" => header("x-log-date"),
        d => d,
    };
    let mut out = String::with_capacity(256);
    for line in [method, header("content-md5"), header("content-type"), date] {
        out.push_str(line);
        out.push('\n');
    }
    let mut canonical: Vec<(&str, &str)> = headers.iter().filter(|(n, _)| is_canonical_header(n)).map(|(n, v)| (*n, v.trim())).collect();
    canonical.sort_unstable();
    for (n, v) in canonical {
        out.push_str(n);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out.push_str(path);
    if !query.is_empty() {
        let mut sorted: Vec<&(String, String)> = query.iter().collect();
        sorted.sort_unstable();
        out.push('?');
        for (i, (k, v)) in sorted.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

pub fn sign(secret: &Secret, hash: Hash, string_to_sign: &str) -> String {
    let raw = match hash {
        Hash::Sha1 => hmac_sha1(secret.expose().as_bytes(), string_to_sign.as_bytes()).map(|m| m.finalize().into_bytes().to_vec()),
        Hash::Sha256 => hmac_sha256(secret.expose().as_bytes(), string_to_sign.as_bytes()).map(|m| m.finalize().into_bytes().to_vec()),
    };
    raw.map(|b| base64::engine::general_purpose::STANDARD.encode(b)).unwrap_or_default()
}

/// Constant-time check of a base64 signature.
pub fn verify(secret: &Secret, hash: Hash, string_to_sign: &str, signature: &str) -> bool {
    let Ok(provided) = base64::engine::general_purpose::STANDARD.decode(signature) else { return false };
    let (key, data) = (secret.expose().as_bytes(), string_to_sign.as_bytes());
    match hash {
        Hash::Sha1 => hmac_sha1(key, data).is_some_and(|m| m.verify_slice(&provided).is_ok()),
        Hash::Sha256 => hmac_sha256(key, data).is_some_and(|m| m.verify_slice(&provided).is_ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::owned;
    use super::*;

    const SECRET: &str = "TestAccessKeySecret0123456789abc";

    /// sls.md 3.2, aliyun-log-python-sdk 0.9.52 CreateProject (HMAC-SHA1), captured.
    #[test]
    fn log_client_vector() {
        let headers: &[(&str, &str)] = &[
            ("user-agent", "log-python-sdk-v-0.9.52"),
            ("content-type", "application/json"),
            ("x-log-bodyrawsize", "75"),
            ("content-length", "75"),
            ("x-log-apiversion", "0.6.0"),
            ("host", "proj-a.127.0.0.1"),
            ("x-log-signaturemethod", "hmac-sha1"),
            ("date", "Wed, 25 Nov 2026 17:51:31 GMT"),
            ("content-md5", "192AE23A3FDAF7E287CAA348BB884386"),
            ("authorization", "LOG LTAI5tTestAccessKeyId:CFr723iFgmSGruq/QGhkxbMh7UQ="),
            ("x-log-date", "Wed, 25 Nov 2026 17:51:31 GMT"),
        ];
        let sts = string_to_sign("POST", "/", &[], headers);
        assert_eq!(
            sts,
            "POST\n192AE23A3FDAF7E287CAA348BB884386\napplication/json\nWed, 25 Nov 2026 17:51:31 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:75\nx-log-signaturemethod:hmac-sha1\n/"
        );
        let secret = Secret::new(SECRET);
        assert_eq!(sign(&secret, Hash::Sha1, &sts), "CFr723iFgmSGruq/QGhkxbMh7UQ=");
        assert!(verify(&secret, Hash::Sha1, &sts, "CFr723iFgmSGruq/QGhkxbMh7UQ="));
        assert!(!verify(&secret, Hash::Sha256, &sts, "CFr723iFgmSGruq/QGhkxbMh7UQ="));
        assert_eq!(
            parse_authorization("LOG LTAI5tTestAccessKeyId:CFr723iFgmSGruq/QGhkxbMh7UQ="),
            Some(("LTAI5tTestAccessKeyId", "CFr723iFgmSGruq/QGhkxbMh7UQ="))
        );
    }

    /// sls.md 3.2, Tea 5.15.1 UntagResources (HMAC-SHA256), captured.
    #[test]
    fn tea_vector() {
        let headers: &[(&str, &str)] = &[
            ("accept", "application/json"),
            ("host", "127.0.0.1:52581"),
            ("x-log-apiversion", "0.6.0"),
            ("content-type", "application/json"),
            ("x-log-bodyrawsize", "61"),
            ("x-log-signaturemethod", "hmac-sha256"),
            ("date", "Wed, 25 Nov 2026 17:52:17 GMT"),
            ("content-md5", "1C5B2CFEF306658A2E732CD803B1A360"),
        ];
        let sts = string_to_sign("POST", "/untag", &[], headers);
        assert_eq!(sts, "POST\n1C5B2CFEF306658A2E732CD803B1A360\napplication/json\nWed, 25 Nov 2026 17:52:17 GMT\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:61\nx-log-signaturemethod:hmac-sha256\n/untag");
        assert_eq!(sign(&Secret::new(SECRET), Hash::Sha256, &sts), "E21VG3+Irr2zYJ7pnfCw4CWEwB8LO7aT5isq5PD9Yh8=");
    }

    /// sls.md 3.2: decoded query values, sorted, empty values keep `=`.
    #[test]
    fn canonical_resource_with_query() {
        let query = owned(&[
            ("resourceType", "project"),
            ("tags", "[{\"key\": \"env\", \"value\": \"dev\"}]"),
            ("nextToken", ""),
            ("resourceId", "[\"proj-a\"]"),
        ]);
        let sts = string_to_sign("GET", "/tags", &query, &[]);
        assert!(
            sts.ends_with("/tags?nextToken=&resourceId=[\"proj-a\"]&resourceType=project&tags=[{\"key\": \"env\", \"value\": \"dev\"}]"),
            "{sts}"
        );
    }

    #[test]
    fn signature_method_header() {
        assert_eq!(Hash::from_header(None), Some(Hash::Sha1));
        assert_eq!(Hash::from_header(Some("HMAC-SHA256")), Some(Hash::Sha256));
        assert_eq!(Hash::from_header(Some("md5")), None);
        assert_eq!(parse_authorization("LOG :x"), None);
        assert_eq!(parse_authorization("ACS3 a:b"), None);
    }
}
