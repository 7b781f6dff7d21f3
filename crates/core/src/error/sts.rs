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
    }
}
