//! STS 2015-04-01 codes (ram.md 8).

crate::error_codes! {
    pub enum StsError {
        /// The caller may not assume the role: its trust policy or the caller's own policies.
        NoPermission { why: String } => 403, "NoPermission", "{why}";
        RoleSessionName => 400, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed.";
        RoleArn => 400, "InvalidParameter.RoleArn", "The parameter RoleArn is wrongly formed.";
        PolicyGrammar => 400, "InvalidParameter.PolicyGrammar", "The parameter Policy has not passed grammar check.";
        ExternalId => 400, "InvalidParameter.ExternalId", "The parameter ExternalId is wrongly formed.";
        DurationSeconds { why: String } => 400, "InvalidParameter.DurationSeconds", "{why}";

        /// AssumeRoleWithOIDC (STS error codes page, help.aliyun.com api-sts-2015-04-01-errorcodes).
        NoSuchOidcProvider => 401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.";
        /// The role does not trust the provider, or its conditions on `oidc:` keys fail.
        FederationDenied => 401, "AuthenticationFail.NoPermission", "There is no permission";
        OidcTokenInvalid { why: String } => 401, "AuthenticationFail.OIDCToken.Invalid", "{why}";
        OidcTokenSignature => 401, "AuthenticationFail.OIDCToken.InvalidSignature", "OIDC token validate failed: invalid signature.";
        OidcTokenExpired => 401, "AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired.";
        OidcAudience => 401, "AuthenticationFail.OIDCToken.AudienceNotMatch", "Invalid audience.";
        /// Not on the codes page; named after its siblings.
        OidcIssuer => 401, "AuthenticationFail.OIDCToken.IssuerNotMatch", "Invalid issuer.";
        /// AssumeRoleWithSAML (the codes page lists its family as AuthenticationFail.SAML*; the
        /// specific names follow the OIDC ones).
        NoSuchSamlProvider => 401, "AuthenticationFail.NoPermission", "No such SAML Provider registered.";
        SamlInvalid { why: String } => 401, "AuthenticationFail.SAMLAssertion.Invalid", "{why}";
        SamlSignature => 401, "AuthenticationFail.SAMLAssertion.InvalidSignature", "SAML assertion validate failed: invalid signature.";
        SamlIssuer => 401, "AuthenticationFail.SAMLAssertion.IssuerNotMatch", "Invalid issuer.";
        SamlAudience => 401, "AuthenticationFail.SAMLAssertion.AudienceNotMatch", "Invalid audience.";
        SamlExpired => 401, "AuthenticationFail.SAMLAssertion.Expired", "The SAML assertion is expired.";
        /// The provider's keys could not be fetched from its issuer (not on the codes page).
        OidcKeysUnavailable { why: String } => 401, "AuthenticationFail.OIDCToken.JWKSUnavailable", "{why}";
    }
}
