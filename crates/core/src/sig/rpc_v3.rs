//! The RPC "V3" signature `ACS3-HMAC-SHA256` carried in the `Authorization` header
//! (ram.md 2.4 and 3.3). The canonical headers come from the request's own `SignedHeaders`
//! list, never from a fixed set: Python and Node Tea sign different headers.

use super::{hmac_sha256, sha256_hex, unhex};
use crate::encoding::pct_encode_into;
use crate::secret::Secret;
use hmac::Mac;

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The parts of `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub algorithm: &'a str,
    pub credential: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationError {
    #[error("the Authorization header is malformed")]
    Malformed,
    #[error("the signature algorithm {0} is not supported")]
    UnsupportedAlgorithm(String),
    #[error("the signed header {0} is missing from the request")]
    MissingSignedHeader(String),
    #[error("the header {0} must be signed")]
    UnsignedRequiredHeader(&'static str),
}

/// Headers every SDK signs; a request that leaves one out could be replayed or re-targeted.
const MUST_SIGN: [&str; 6] = ["host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"];

pub fn parse_authorization(value: &str) -> Result<Authorization<'_>, AuthorizationError> {
    let (algorithm, rest) = value.trim().split_once(' ').ok_or(AuthorizationError::Malformed)?;
    if algorithm != ALGORITHM {
        return Err(AuthorizationError::UnsupportedAlgorithm(algorithm.to_string()));
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for field in rest.split(',') {
        let (k, v) = field.trim().split_once('=').ok_or(AuthorizationError::Malformed)?;
        let slot = match k.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => return Err(AuthorizationError::Malformed),
        };
        if slot.replace(v.trim()).is_some() {
            return Err(AuthorizationError::Malformed);
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(AuthorizationError::Malformed);
    };
    if credential.is_empty() || signed.is_empty() || signature.is_empty() {
        return Err(AuthorizationError::Malformed);
    }
    let signed_headers: Vec<&str> = signed.split(';').collect();
    if signed_headers.iter().any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase())) {
        return Err(AuthorizationError::Malformed);
    }
    for required in MUST_SIGN {
        if !signed_headers.contains(&required) {
            return Err(AuthorizationError::UnsignedRequiredHeader(required));
        }
    }
    Ok(Authorization { algorithm, credential, signed_headers, signature })
}

/// The canonical request of ram.md 3.3. `query` holds the decoded query parameters (not the
/// body's); `headers` the request headers as `(lower-case name, value)`.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(&str, &str)],
    signed_headers: &[&str],
    payload_hash: &str,
) -> Result<String, AuthorizationError> {
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
        pct_encode_into(&mut out, k);
        out.push('=');
        pct_encode_into(&mut out, v);
    }
    out.push('\n');
    let mut names: Vec<&str> = signed_headers.to_vec();
    names.sort_unstable();
    for name in &names {
        let mut values: Vec<&str> = headers.iter().filter(|(n, _)| n == name).map(|(_, v)| v.trim()).collect();
        if values.is_empty() {
            return Err(AuthorizationError::MissingSignedHeader(name.to_string()));
        }
        values.sort_unstable();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&names.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    Ok(out)
}

/// `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()))
}

/// Lower-case hex `HMAC-SHA256(secret, string_to_sign)`.
pub fn sign(secret: &Secret, string_to_sign: &str) -> String {
    hmac_sha256(secret.expose().as_bytes(), string_to_sign.as_bytes())
        .map(|mac| super::hex(&mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Verifies a hex signature in constant time.
pub fn verify(secret: &Secret, string_to_sign: &str, signature: &str) -> bool {
    let Some(provided) = unhex(signature) else { return false };
    hmac_sha256(secret.expose().as_bytes(), string_to_sign.as_bytes()).is_some_and(|mac| mac.verify_slice(&provided).is_ok())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::owned;
    use super::*;

    /// The vector of ram.md 3.3 (SDK function and an independent implementation agree).
    #[test]
    fn recorded_sdk_vector() {
        let query = owned(&[
            ("ResourceType", "user"),
            ("ResourcePrincipalName.1", "test@example.onaliyun.com"),
            ("TagKey.1", "owner"),
            ("TagKey.2", "cost center"),
            ("All", "false"),
        ]);
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let headers: &[(&str, &str)] = &[
            ("host", "ims.aliyuncs.com"),
            ("x-acs-action", "UntagResources"),
            ("x-acs-version", "2019-08-15"),
            ("x-acs-date", "2024-01-01T12:00:00Z"),
            ("x-acs-signature-nonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("x-acs-content-sha256", empty),
            ("user-agent", "unsigned"),
        ];
        let auth = parse_authorization("ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=6adc662040cbbddac9ce5512a3632fdbe1c5cc22b2c92af002958f4bf38d09f1").unwrap();
        assert_eq!(auth.credential, "testid");
        let creq = canonical_request("POST", "/", &query, headers, &auth.signed_headers, empty).unwrap();
        assert_eq!(
            creq,
            "POST\n/\nAll=false&ResourcePrincipalName.1=test%40example.onaliyun.com&ResourceType=user&TagKey.1=owner&TagKey.2=cost%20center\nhost:ims.aliyuncs.com\nx-acs-action:UntagResources\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2024-01-01T12:00:00Z\nx-acs-signature-nonce:3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\nx-acs-version:2019-08-15\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let sts = string_to_sign(&creq);
        assert_eq!(sts, "ACS3-HMAC-SHA256\ncbb5b6a34a4c27f320a7e5daaa72f92a3f941346b58136334538527ad4c98bac");
        let secret = Secret::new("testsecret");
        assert_eq!(sign(&secret, &sts), auth.signature);
        assert!(verify(&secret, &sts, auth.signature));
        assert!(!verify(&secret, &sts, "6adc662040cbbddac9ce5512a3632fdbe1c5cc22b2c92af002958f4bf38d09f0"));
        assert!(!verify(&secret, &sts, "zz"));
    }

    #[test]
    fn authorization_header_rules() {
        let ok =
            "Credential=a,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00";
        assert!(parse_authorization(&format!("ACS3-HMAC-SHA256 {ok}")).is_ok());
        assert!(parse_authorization(&format!("ACS3-HMAC-SHA256 {}", ok.replace(',', ", "))).is_ok());
        assert_eq!(
            parse_authorization(&format!("ACS3-HMAC-SM3 {ok}")),
            Err(AuthorizationError::UnsupportedAlgorithm("ACS3-HMAC-SM3".into()))
        );
        assert_eq!(
            parse_authorization("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00"),
            Err(AuthorizationError::UnsignedRequiredHeader("x-acs-action"))
        );
        for bad in ["", "ACS3-HMAC-SHA256", "ACS3-HMAC-SHA256 Credential=a", "ACS3-HMAC-SHA256 a,b,c"] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_signed_header_is_an_error() {
        let r = canonical_request("POST", "/", &[], &[("host", "h")], &["host", "x-acs-date"], "");
        assert_eq!(r, Err(AuthorizationError::MissingSignedHeader("x-acs-date".into())));
    }

    #[test]
    fn repeated_headers_are_sorted_and_joined() {
        let r = canonical_request("GET", "/", &[], &[("x-a", " b "), ("x-a", "a")], &["x-a"], "h").unwrap();
        assert_eq!(r, "GET\n/\n\nx-a:a,b\n\nx-a\nh");
    }
}
