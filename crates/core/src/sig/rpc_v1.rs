//! The RPC "V1" signature: HMAC-SHA1 over the sorted, doubly percent-encoded parameters
//! (ram.md 3.2; Tea's `signature_algorithm='v2'`, aliyun-python-sdk-core, pop-core).

use super::hmac_sha1;
use crate::encoding::pct_encode_into;
use crate::secret::Secret;
use base64::Engine as _;
use hmac::Mac;

/// `METHOD&%2F&pct(canonical)` where canonical is the sorted `pct(k)=pct(v)` pairs joined by `&`,
/// leaving out `Signature` itself.
pub fn string_to_sign<'a>(method: &str, params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut items: Vec<(&str, &str)> = params.into_iter().filter(|(k, _)| *k != "Signature").collect();
    // Byte-wise order of the names, then of the values (names are unique in practice).
    items.sort_unstable();
    let mut canonical = String::with_capacity(items.len() * 32);
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            canonical.push('&');
        }
        pct_encode_into(&mut canonical, k);
        canonical.push('=');
        pct_encode_into(&mut canonical, v);
    }
    let mut out = String::with_capacity(method.len() + 4 + canonical.len() * 3 / 2);
    out.push_str(method);
    out.push_str("&%2F&");
    pct_encode_into(&mut out, &canonical);
    out
}

/// `base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub fn sign(secret: &Secret, string_to_sign: &str) -> String {
    let key = format!("{}&", secret.expose());
    hmac_sha1(key.as_bytes(), string_to_sign.as_bytes())
        .map(|mac| base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Verifies a base64 signature in constant time (`Mac::verify_slice`).
pub fn verify(secret: &Secret, string_to_sign: &str, signature: &str) -> bool {
    let Ok(provided) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    let key = format!("{}&", secret.expose());
    hmac_sha1(key.as_bytes(), string_to_sign.as_bytes()).is_some_and(|mac| mac.verify_slice(&provided).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector of ram.md 3.2, computed with the SDK's own function.
    const PARAMS: &[(&str, &str)] = &[
        ("Action", "UntagResources"),
        ("Version", "2019-08-15"),
        ("Format", "JSON"),
        ("AccessKeyId", "testid"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("Timestamp", "2024-01-01T12:00:00Z"),
        ("ResourceType", "user"),
        ("ResourcePrincipalName.1", "test@example.onaliyun.com"),
        ("TagKey.1", "owner"),
        ("TagKey.2", "cost center"),
    ];

    #[test]
    fn recorded_sdk_vector() {
        let sts = string_to_sign("POST", PARAMS.iter().copied());
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DUntagResources%26Format%3DJSON%26ResourcePrincipalName.1%3Dtest%2540example.onaliyun.com%26ResourceType%3Duser%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26TagKey.1%3Downer%26TagKey.2%3Dcost%2520center%26Timestamp%3D2024-01-01T12%253A00%253A00Z%26Version%3D2019-08-15"
        );
        let secret = Secret::new("testsecret");
        assert_eq!(sign(&secret, &sts), "sTmmNTCKJrS7VoMx4aKwynhqm/4=");
        assert!(verify(&secret, &sts, "sTmmNTCKJrS7VoMx4aKwynhqm/4="));
    }

    #[test]
    fn signature_parameter_is_excluded_and_tampering_detected() {
        let mut with_sig = PARAMS.to_vec();
        with_sig.push(("Signature", "whatever"));
        let sts = string_to_sign("POST", with_sig.iter().copied());
        assert_eq!(sts, string_to_sign("POST", PARAMS.iter().copied()));
        let secret = Secret::new("testsecret");
        assert!(!verify(&secret, &sts, "sTmmNTCKJrS7VoMx4aKwynhqm/5="));
        assert!(!verify(&secret, &sts, "not base64!"));
        assert!(!verify(&Secret::new("other"), &sts, "sTmmNTCKJrS7VoMx4aKwynhqm/4="));
        assert!(!verify(&secret, &string_to_sign("GET", PARAMS.iter().copied()), "sTmmNTCKJrS7VoMx4aKwynhqm/4="));
    }

    proptest::proptest! {
        /// Whatever the parameters, a signature verifies, and changing any value breaks it.
        #[test]
        fn sign_verify_and_tamper(values in proptest::collection::vec("\\PC{0,12}", 1..6), secret in "[ -~]{1,40}") {
            let params: Vec<(String, String)> = values.iter().enumerate().map(|(i, v)| (format!("P{i}"), v.clone())).collect();
            let secret = Secret::new(secret);
            let sts = string_to_sign("POST", params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let sig = sign(&secret, &sts);
            proptest::prop_assert!(verify(&secret, &sts, &sig));
            let mut tampered = params.clone();
            tampered[0].1.push('x');
            let sts2 = string_to_sign("POST", tampered.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            proptest::prop_assert!(!verify(&secret, &sts2, &sig));
        }
    }
}
