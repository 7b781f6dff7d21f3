//! SAML 2.0 for IMS SAML providers and STS AssumeRoleWithSAML: the IdP metadata a provider
//! holds (its entity ID and signing certificates) and the checks on a SAML response.
//!
//! Limitation (issue 14 allows it, documented in README): the XML signature is not verified
//! cryptographically. Verifying XML-DSig needs exclusive XML canonicalization, which no
//! maintained pure-Rust crate provides (the crates that do bind libxmlsec1), and a hand-written
//! canonicalizer is the classic source of signature-wrapping holes. What is checked: the
//! assertion (or the response) carries, as its own child, a `ds:Signature` whose one reference
//! names it by ID and whose certificate is one of the provider's signing certificates (a
//! forger who copies the public certificate passes this: localyun must not be reachable by
//! untrusted clients where SAML roles matter), the issuer is the provider's entity ID, the audience is Alibaba
//! Cloud's, the recipient and validity window hold, and the role attribute names the role
//! and the provider.

use crate::error::{ApiError, GatewayError, StsError};
use base64::Engine;
use roxmltree::{Document, Node};

const SAML_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAML_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const XML_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Alibaba Cloud as a SAML service provider (role-based SSO): its entity IDs and ACS URL.
pub const AUDIENCES: [&str; 2] = ["urn:alibaba:cloudcomputing", "urn:alibaba:cloudcomputing:international"];
pub const RECIPIENT: &str = "https://signin.aliyun.com/saml-role/sso";
pub const ROLE_ATTRIBUTE: &str = "https://www.aliyun.com/SAML-Role/Attributes/Role";
pub const SESSION_NAME_ATTRIBUTE: &str = "https://www.aliyun.com/SAML-Role/Attributes/RoleSessionName";
/// SAMLAssertion: 4 to 100,000 characters (AssumeRoleWithSAML reference).
const ASSERTION_CHARS: std::ops::RangeInclusive<usize> = 4..=100_000;

/// What a provider's metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub entity_id: String,
    /// Base64 DER of each signing certificate, whitespace removed.
    pub certificates: Vec<String>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn find<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
    let (ns, name) = (ns.to_string(), name.to_string());
    node.descendants().filter(move |n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ns.as_str()))
}

/// EncodedSAMLMetadataDocument: base64 of an `EntityDescriptor` with an `IDPSSODescriptor`
/// and at least one signing certificate; anything else is `InvalidParameter.EncodedSAMLMetadataDocument`.
pub fn parse_metadata(param: &str, encoded: &str) -> Result<Metadata, ApiError> {
    let bad = || ApiError::from(GatewayError::incorrect(param));
    let bytes = b64().decode(compact(encoded)).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let doc = Document::parse(&text).map_err(|_| bad())?;
    let root = doc.root_element();
    if root.tag_name().name() != "EntityDescriptor" || root.tag_name().namespace() != Some(SAML_METADATA) {
        return Err(bad());
    }
    let entity_id = root.attribute("entityID").filter(|e| !e.is_empty()).ok_or_else(bad)?.to_string();
    let idp = find(root, SAML_METADATA, "IDPSSODescriptor").next().ok_or_else(bad)?;
    let certificates: Vec<String> = find(idp, SAML_METADATA, "KeyDescriptor")
        .filter(|k| k.attribute("use").is_none_or(|u| u == "signing"))
        .flat_map(|k| find(k, XML_DSIG, "X509Certificate").filter_map(|c| c.text()).map(compact).collect::<Vec<_>>())
        .collect();
    if certificates.is_empty() {
        return Err(bad());
    }
    Ok(Metadata { entity_id, certificates })
}

/// What a checked SAML response says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAssertion {
    pub issuer: String,
    pub subject: String,
    pub subject_type: String,
    pub recipient: String,
    /// (role ARN, provider ARN) pairs of the role attribute.
    pub roles: Vec<(String, String)>,
    pub session_name: Option<String>,
}

fn invalid(why: &str) -> ApiError {
    StsError::SamlInvalid { why: why.to_string() }.into()
}

/// Unix seconds of an `xs:dateTime` such as `2024-01-01T00:00:00Z` (fractions allowed).
fn seconds(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp())
}

/// The shape a signed response has, short of verifying the signature: a `ds:Signature` that is
/// a child of the assertion or of the response, whose one `Reference` names that element by its
/// `ID` (`URI="#<ID>"`), with a `SignatureValue`, and whose `KeyInfo` certificate is one of the
/// provider's. A signature elsewhere, or one naming another element, does not count (the
/// wrapping attacks move a genuine signature next to forged claims).
fn signed_as_required(root: Node<'_, '_>, assertion: Node<'_, '_>, metadata: &Metadata) -> bool {
    let is_dsig =
        |n: &Node<'_, '_>, name: &str| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(XML_DSIG);
    [assertion, root].into_iter().any(|signed| {
        let Some(id) = signed.attribute("ID").filter(|id| !id.is_empty()) else { return false };
        signed.children().filter(|c| is_dsig(c, "Signature")).any(|sig| {
            let info = sig.children().find(|c| is_dsig(c, "SignedInfo"));
            let references: Vec<_> = info.map(|i| i.children().filter(|c| is_dsig(c, "Reference")).collect()).unwrap_or_default();
            let names_it = references.len() == 1 && references.first().and_then(|r| r.attribute("URI")) == Some(format!("#{id}").as_str());
            let has_value = sig.children().any(|c| is_dsig(&c, "SignatureValue") && c.text().is_some_and(|t| !t.trim().is_empty()));
            let certs: Vec<String> = find(sig, XML_DSIG, "X509Certificate").filter_map(|c| c.text()).map(compact).collect();
            names_it && has_value && !certs.is_empty() && certs.iter().all(|c| metadata.certificates.contains(c))
        })
    })
}

/// Checks a base64 SAML response against the provider's metadata at `now` (Unix seconds).
pub fn check_response(encoded: &str, metadata: &Metadata, now: i64) -> Result<CheckedAssertion, ApiError> {
    if !ASSERTION_CHARS.contains(&encoded.chars().count()) {
        return Err(invalid("The SAMLAssertion is not a SAML response."));
    }
    let bytes = b64().decode(compact(encoded)).map_err(|_| invalid("The SAMLAssertion is not base64."))?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("The SAMLAssertion is not XML."))?;
    let doc = Document::parse(&text).map_err(|_| invalid("The SAMLAssertion is not XML."))?;
    let root = doc.root_element();
    let mut assertions = find(root, SAML_ASSERTION, "Assertion");
    let assertion = assertions.next().ok_or_else(|| invalid("The SAML response holds no assertion."))?;
    // One assertion only: a second one is how signature wrapping smuggles claims in.
    if assertions.next().is_some() {
        return Err(invalid("The SAML response holds more than one assertion."));
    }
    if !signed_as_required(root, assertion, metadata) {
        return Err(StsError::SamlSignature.into());
    }
    let issuer = find(assertion, SAML_ASSERTION, "Issuer").next().and_then(|n| n.text()).unwrap_or("").trim().to_string();
    if issuer != metadata.entity_id {
        return Err(StsError::SamlIssuer.into());
    }
    let audiences: Vec<&str> = find(assertion, SAML_ASSERTION, "Audience").filter_map(|n| n.text()).map(str::trim).collect();
    if !audiences.iter().any(|a| AUDIENCES.contains(a)) {
        return Err(StsError::SamlAudience.into());
    }
    let subject_node = find(assertion, SAML_ASSERTION, "NameID").next();
    let subject = subject_node.and_then(|n| n.text()).unwrap_or("").trim().to_string();
    let subject_type = subject_node.and_then(|n| n.attribute("Format")).unwrap_or("").to_string();
    let confirmation = find(assertion, SAML_ASSERTION, "SubjectConfirmationData").next();
    let recipient = confirmation.and_then(|n| n.attribute("Recipient")).unwrap_or("").to_string();
    if recipient != RECIPIENT {
        return Err(invalid("The recipient of the SAML assertion is not Alibaba Cloud."));
    }
    let conditions = find(assertion, SAML_ASSERTION, "Conditions").next();
    let not_before = conditions.and_then(|c| c.attribute("NotBefore")).and_then(seconds);
    let not_after = [conditions.and_then(|c| c.attribute("NotOnOrAfter")), confirmation.and_then(|c| c.attribute("NotOnOrAfter"))]
        .into_iter()
        .flatten()
        .filter_map(seconds)
        .min();
    const SKEW: i64 = 60;
    if not_before.is_some_and(|t| now + SKEW < t) || not_after.is_none_or(|t| now >= t + SKEW) {
        return Err(StsError::SamlExpired.into());
    }
    let attribute = |name: &str| -> Vec<String> {
        find(assertion, SAML_ASSERTION, "Attribute")
            .filter(|a| a.attribute("Name") == Some(name))
            .flat_map(|a| {
                find(a, SAML_ASSERTION, "AttributeValue").filter_map(|v| v.text()).map(|t| t.trim().to_string()).collect::<Vec<_>>()
            })
            .collect()
    };
    let roles = attribute(ROLE_ATTRIBUTE)
        .iter()
        .filter_map(|v| {
            let (a, b) = v.split_once(',')?;
            let (a, b) = (a.trim().to_string(), b.trim().to_string());
            // Either order: role first as documented, provider first as some IdPs send it.
            if a.contains(":saml-provider/") {
                Some((b, a))
            } else {
                Some((a, b))
            }
        })
        .collect();
    let session_name = attribute(SESSION_NAME_ATTRIBUTE).into_iter().next();
    Ok(CheckedAssertion { issuer, subject, subject_type, recipient, roles, session_name })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(xml: &str) -> String {
        b64().encode(xml)
    }

    const META: &str = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp"><md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate> QUJD
 REVG </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"#;

    #[test]
    fn metadata_needs_an_idp_and_a_signing_certificate() {
        let m = parse_metadata("D", &enc(META)).unwrap();
        assert_eq!(m, Metadata { entity_id: "https://idp".into(), certificates: vec!["QUJDREVG".into()] });
        for bad in [
            "not base64!",
            &enc("<x/>"),
            &enc(&META.replace("IDPSSODescriptor", "SPSSODescriptor")),
            &enc(&META.replace("use=\"signing\"", "use=\"encryption\"")),
        ] {
            assert_eq!(parse_metadata("D", bad).unwrap_err().code, "InvalidParameter.D", "{bad}");
        }
    }

    #[test]
    fn a_second_assertion_is_refused() {
        let m = parse_metadata("D", &enc(META)).unwrap();
        let a =
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Issuer>https://idp</saml:Issuer></saml:Assertion>"#;
        let twice = format!(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">{a}{a}</samlp:Response>"#);
        let e = check_response(&enc(&twice), &m, 0).unwrap_err();
        assert_eq!(
            (e.code.as_ref(), e.message.as_str()),
            ("AuthenticationFail.SAMLAssertion.Invalid", "The SAML response holds more than one assertion.")
        );
        let unsigned = format!(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">{a}</samlp:Response>"#);
        assert_eq!(check_response(&enc(&unsigned), &m, 0).unwrap_err().code, "AuthenticationFail.SAMLAssertion.InvalidSignature");
        // a certificate lying loose in the response, outside a signature of the assertion
        let loose = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Certificate>QUJDREVG</ds:X509Certificate><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:Issuer>https://idp</saml:Issuer></saml:Assertion></samlp:Response>"#;
        assert_eq!(check_response(&enc(loose), &m, 0).unwrap_err().code, "AuthenticationFail.SAMLAssertion.InvalidSignature");
        // a signature that names another element
        let elsewhere = r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"><saml:Issuer>https://idp</saml:Issuer><ds:Signature><ds:SignedInfo><ds:Reference URI="#_other"/></ds:SignedInfo><ds:SignatureValue>c2ln</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>QUJDREVG</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature></saml:Assertion></samlp:Response>"##;
        assert_eq!(check_response(&enc(elsewhere), &m, 0).unwrap_err().code, "AuthenticationFail.SAMLAssertion.InvalidSignature");
        let proper = elsewhere.replace("#_other", "#_a");
        assert_eq!(check_response(&enc(&proper), &m, 0).unwrap_err().code, "AuthenticationFail.SAMLAssertion.AudienceNotMatch");
    }
}
