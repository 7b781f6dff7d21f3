//! OIDC ID tokens for STS AssumeRoleWithOIDC: the checks the real service makes, in its order
//! and with its codes (STS error codes page): a well-formed JWT, an asymmetric algorithm, a
//! signature by one of the issuer's published keys (its JWKS), then the issuer, the audience
//! (one of the provider's client IDs), the expiry and the issuance limit. The keys are given
//! (fetched by the server); nothing here does I/O. Signatures are verified by `jsonwebtoken`.

use crate::error::{ApiError, StsError};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// OIDCToken: 4 to 20,000 characters (AssumeRoleWithOIDC reference).
const TOKEN_CHARS: std::ops::RangeInclusive<usize> = 4..=20_000;
/// Clock skew allowed on `exp` and `iat`, in seconds.
const LEEWAY_S: i64 = 60;

/// What a verified token says about its subject (the `oidc:` condition keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedToken {
    pub issuer: String,
    pub subject: String,
    pub audience: Vec<String>,
    pub issued_at: i64,
    pub expires_at: i64,
}

/// The provider a token is checked against.
pub struct Provider<'a> {
    pub issuer_url: &'a str,
    pub client_ids: &'a [String],
    /// Hours a token may be old at most (IssuanceLimitTime); 0: no limit.
    pub issuance_limit_hours: u32,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    iat: Option<i64>,
    exp: Option<i64>,
}

/// The `kid` a token's header names, read without verifying anything (to pick the key set).
pub fn key_id(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok().and_then(|h| h.kid)
}

/// A session name from a token's subject when the call gives none: its characters that
/// RoleSessionName allows, 2 to 64 of them (`oidc-session` when too few are left).
pub fn session_name(subject: &str) -> String {
    let kept: String = subject.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_')).take(64).collect();
    if kept.len() >= 2 {
        kept
    } else {
        "oidc-session".to_string()
    }
}

fn invalid(why: &str) -> ApiError {
    StsError::OidcTokenInvalid { why: why.to_string() }.into()
}

/// Verifies `token` with the issuer's key set `jwks` (the JSON of its `jwks_uri`) at `now`
/// (Unix seconds).
pub fn verify(token: &str, jwks: &str, provider: &Provider<'_>, now: i64) -> Result<VerifiedToken, ApiError> {
    if token.is_empty() {
        return Err(invalid("The OIDCToken can not empty."));
    }
    if !TOKEN_CHARS.contains(&token.chars().count()) || token.split('.').count() != 3 {
        return Err(invalid("The number of Jwt field should be divided into 3 parts with '.' ."));
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("Cannot decode base64 encoded response(format invalided)."))?;
    let alg = header.alg;
    if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        return Err(invalid(&format!("The algorithm {alg:?} that be specified in Jwt header is unknown.")));
    }
    let keys: JwkSet =
        serde_json::from_str(jwks).map_err(|_| StsError::OidcKeysUnavailable { why: "The issuer's JWKS is not valid JSON.".into() })?;
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or(StsError::OidcTokenSignature)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| StsError::OidcTokenSignature)?;
    // The signature only: the claims are checked below, each with its own code.
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => {
            ApiError::from(StsError::OidcTokenSignature)
        }
        _ => invalid("The Jwt content is invalid that cannot be recognized."),
    })?;
    let c = data.claims;
    let issuer = c.iss.unwrap_or_default();
    if issuer.trim_end_matches('/') != provider.issuer_url.trim_end_matches('/') {
        return Err(StsError::OidcIssuer.into());
    }
    let audience = match c.aud {
        Some(Audience::One(a)) => vec![a],
        Some(Audience::Many(list)) => list,
        None => Vec::new(),
    };
    if !audience.iter().any(|a| provider.client_ids.contains(a)) {
        return Err(StsError::OidcAudience.into());
    }
    // Saturating: the values come from the token (signed, but by anyone the issuer signs for).
    let unrecognized = || invalid("The Jwt content is invalid that cannot be recognized.");
    let expires_at = c.exp.ok_or_else(unrecognized)?;
    if expires_at.saturating_add(LEEWAY_S) < now {
        return Err(StsError::OidcTokenExpired.into());
    }
    // IssuanceLimitTime needs the issue time: a token without one, or issued in the future, is
    // refused rather than let past the limit.
    let issued_at = c.iat.ok_or_else(unrecognized)?;
    if issued_at > now.saturating_add(LEEWAY_S) {
        return Err(unrecognized());
    }
    let limit = i64::from(provider.issuance_limit_hours) * 3600;
    if limit > 0 && issued_at.saturating_add(limit).saturating_add(LEEWAY_S) < now {
        return Err(StsError::OidcTokenExpired.into());
    }
    Ok(VerifiedToken { issuer, subject: c.sub.unwrap_or_default(), audience, issued_at, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    const JWKS: &str = r#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#;

    fn provider() -> (Vec<String>, &'static str) {
        (vec!["client".to_string()], "https://issuer.example.com")
    }

    #[test]
    fn malformed_and_symmetric_tokens_are_invalid() {
        let (ids, url) = provider();
        let p = Provider { issuer_url: url, client_ids: &ids, issuance_limit_hours: 0 };
        for token in ["", "abc", "a.b", "a.b.c.d"] {
            assert_eq!(verify(token, JWKS, &p, 0).unwrap_err().code, "AuthenticationFail.OIDCToken.Invalid", "{token:?}");
        }
        let hs = format!("{}.{}.sig", b64(r#"{"alg":"HS256","typ":"JWT"}"#), b64(r#"{"iss":"x"}"#));
        let e = verify(&hs, JWKS, &p, 0).unwrap_err();
        assert_eq!(
            (e.code.as_ref(), e.message.as_str()),
            ("AuthenticationFail.OIDCToken.Invalid", "The algorithm HS256 that be specified in Jwt header is unknown.")
        );
    }

    #[test]
    fn a_bad_signature_or_an_unknown_key_is_an_invalid_signature() {
        let (ids, url) = provider();
        let p = Provider { issuer_url: url, client_ids: &ids, issuance_limit_hours: 0 };
        let claims = b64(r#"{"iss":"https://issuer.example.com","aud":"client","sub":"s","exp":4102444800}"#);
        for kid in ["k1", "k9"] {
            let token = format!("{}.{claims}.{}", b64(&format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#)), b64("not a signature"));
            assert_eq!(verify(&token, JWKS, &p, 0).unwrap_err().code, "AuthenticationFail.OIDCToken.InvalidSignature", "{kid}");
        }
        assert_eq!(key_id(&format!("{}.{claims}.x", b64(r#"{"alg":"RS256","kid":"k9"}"#))).as_deref(), Some("k9"));
    }

    #[test]
    fn session_names_come_from_the_subject() {
        assert_eq!(session_name("repo:acme/app:ref:refs/heads/main"), "repoacmeapprefrefsheadsmain");
        assert_eq!(session_name("alice@example.com"), "alice@example.com");
        assert_eq!(session_name("::"), "oidc-session");
    }
}
