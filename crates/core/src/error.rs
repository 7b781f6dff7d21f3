//! Errors as data: a code, its HTTP status and a message. Every constructor lives here, so the
//! wire codes of RAM/IMS (ram.md section 5) are written in exactly one place. The wire layer
//! only chooses the body shape (JSON or XML, RPC or SLS style).

use crate::sls::ResourceKind;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: Cow<'static, str>,
    pub status: u16,
    pub message: String,
    /// Set on authorization denials: what was asked and why it was refused.
    pub denied: Option<Box<AccessDenied>>,
}

/// The explanation of an access denial (ram.md 4.3 AccessDeniedDetail, and the decoded form of
/// DecodeDiagnosticMessage): the action, the resource, the principal, implicit or explicit, and
/// for an explicit deny the policy whose statement matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AccessDenied {
    pub action: String,
    pub resource: String,
    pub account_id: String,
    /// `SubUser`, `AssumedRoleUser`, `Account`.
    pub principal_type: String,
    /// A RAM user's ID, or `<RoleId>:<SessionName>`.
    pub principal_display_name: String,
    pub principal_arn: String,
    pub explicit: bool,
    /// `AccountLevelIdentityBasedPolicy`, `SessionPolicy` or `AssumeRolePolicy`.
    pub policy_type: String,
    pub matched: Option<MatchedPolicy>,
    /// The request's condition keys and values that took part in the decision.
    pub conditions: Vec<(String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MatchedPolicy {
    /// `System`, `Custom` or `SessionPolicy`.
    pub policy_type: String,
    pub name: String,
    pub version: String,
    /// `RamUser`, `RamGroup`, `RamRole` (empty for a session policy).
    pub attached_to: String,
    pub statement: usize,
}

impl AccessDenied {
    /// `EncodedDiagnosticMessage`: opaque to clients, decodable by DecodeDiagnosticMessage.
    pub fn encode(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(text: &str) -> Option<Self> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// One sentence saying why, appended to the error message.
    pub fn explain(&self) -> String {
        let why = match &self.matched {
            Some(m) if self.explicit => format!(
                "explicitly denied by statement {} of the {} policy {} ({}){}",
                m.statement + 1,
                m.policy_type,
                m.name,
                m.version,
                if m.attached_to.is_empty() { String::new() } else { format!(" attached to the {}", m.attached_to) }
            ),
            _ if self.policy_type == "SessionPolicy" => "implicitly denied: the session policy allows no such action".to_string(),
            _ => "implicitly denied: no policy allows it".to_string(),
        };
        format!("Action {} on resource {} by {} is {why}.", self.action, self.resource, self.principal_arn)
    }
}

type Code = Cow<'static, str>;

impl ApiError {
    pub fn new(status: u16, code: impl Into<Code>, message: impl Into<String>) -> Self {
        Self { code: code.into(), status, message: message.into(), denied: None }
    }

    // ---- transport and decoding (ram.md 5.1) ----

    /// The message pattern of the POP gateway for an absent required parameter.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!("The input parameter \"{name}\" that is mandatory for processing this request is not supplied."),
        )
    }

    /// A malformed value of a named parameter (bad boolean, integer out of range, gap in `N`).
    pub fn invalid_parameter(name: &str, why: &str) -> Self {
        Self::new(400, "InvalidParameter", format!("The specified parameter \"{name}\" is not valid. {why}"))
    }

    /// RAM's dotted sub-codes, e.g. `InvalidParameter.UserName.InvalidChars` (ram.md 5.3).
    pub fn invalid_chars(name: &str) -> Self {
        Self::new(400, format!("InvalidParameter.{name}.InvalidChars"), format!("The parameter - \"{name}\" contains invalid chars."))
    }

    pub fn invalid_length(name: &str) -> Self {
        Self::new(400, format!("InvalidParameter.{name}.Length"), format!("The parameter - \"{name}\" beyond the length limit."))
    }

    pub fn malformed_request(why: &str) -> Self {
        Self::new(400, "InvalidParameter", format!("The request is malformed: {why}."))
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(413, "RequestEntityTooLarge", format!("The request body exceeds the limit of {limit} bytes."))
    }

    pub fn action_not_found() -> Self {
        Self::new(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
    }

    pub fn missing_action() -> Self {
        Self::missing_parameter("Action")
    }

    pub fn invalid_version() -> Self {
        Self::new(400, "InvalidVersion", "Specified parameter Version is not valid.")
    }

    pub fn not_implemented(action: &str) -> Self {
        Self::new(501, "NotImplemented", format!("The API {action} is not implemented by localyun yet."))
    }

    pub fn internal() -> Self {
        Self::new(500, "InternalError", "An internal error occurred.")
    }

    pub fn service_unavailable() -> Self {
        Self::new(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
    }

    // ---- authentication (ram.md 3.5, 5.1) ----

    pub fn incomplete_signature(why: &str) -> Self {
        Self::new(400, "IncompleteSignature", format!("The request signature does not conform to Aliyun standards. {why}"))
    }

    /// The old core SDK splits this message at `:` and compares part 1 with its own string to
    /// sign (ram.md 4.4), so exactly that shape is required: one colon, then the string to sign.
    pub fn signature_mismatch(string_to_sign: &str) -> Self {
        Self::new(
            400,
            "SignatureDoesNotMatch",
            format!("Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"),
        )
    }

    /// The V3 wording seen in real answers (research: alibabacloud-csharp-sdk issue 40); V3
    /// clients do not parse it, so the bracketed form is safe.
    pub fn signature_mismatch_v3(string_to_sign: &str) -> Self {
        Self::new(
            400,
            "SignatureDoesNotMatch",
            format!("Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]"),
        )
    }

    pub fn missing_access_key_id() -> Self {
        Self::new(400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
    }

    /// A request without `Timestamp` (research: aliyun-openapi-python-sdk issue 41).
    pub fn missing_timestamp() -> Self {
        Self::new(
            400,
            "IllegalTimestamp",
            "The input parameter \"Timestamp\" that is mandatory for processing this request is not supplied.",
        )
    }

    pub fn access_key_not_found() -> Self {
        Self::new(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    }

    pub fn access_key_inactive() -> Self {
        Self::new(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
    }

    pub fn nonce_used() -> Self {
        Self::new(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    }

    pub fn timestamp_expired() -> Self {
        Self::new(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    }

    pub fn timestamp_format() -> Self {
        Self::new(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
    }

    // ---- RAM / IMS business errors (ram.md 5.3) ----

    pub fn user_not_found() -> Self {
        Self::new(404, "EntityNotExist.User", "The user does not exist.")
    }

    pub fn user_exists() -> Self {
        Self::new(409, "EntityAlreadyExists.User", "The user does already EXIST.")
    }

    pub fn access_key_of_user_not_found() -> Self {
        Self::new(404, "EntityNotExist.User.AccessKey", "The user access key does not exist.")
    }

    pub fn access_key_limit() -> Self {
        Self::new(409, "LimitExceeded.User.AccessKey", "The access key count of the user access keys beyond the current limits.")
    }

    pub fn user_limit() -> Self {
        Self::new(409, "LimitExceeded.User", "The count of users beyond the current limits.")
    }

    pub fn delete_conflict_user_access_key() -> Self {
        Self::new(409, "DeleteConflict.User.AccessKey", "The user CAN NOT has any access key while deleting the user.")
    }
}

/// Simple Log Service codes (sls.md 5). SLS answers `{"errorCode","errorMessage"}`; the wire
/// layer chooses that shape, the codes live here with the others.
impl ApiError {
    pub fn sls_unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "Unauthorized", message)
    }

    pub fn sls_access_key_not_found(id: &str) -> Self {
        Self::sls_unauthorized(format!("AccessKeyId not found: {id}"))
    }

    pub fn sls_access_key_disabled(id: &str) -> Self {
        Self::sls_unauthorized(format!("AccessKeyId is disabled: {id}"))
    }

    pub fn sls_project_not_yours() -> Self {
        Self::sls_unauthorized("The project does not belong to you.")
    }

    pub fn sls_signature_not_match(signature: &str) -> Self {
        Self::new(401, "SignatureNotMatch", format!("Signature {signature} not matched."))
    }

    pub fn sls_bad_authorization(value: &str) -> Self {
        Self::sls_parameter_invalid(format!("Http extend authorization : {value} pair is invalid."))
    }

    pub fn sls_parameter_invalid(message: impl Into<String>) -> Self {
        Self::new(400, "ParameterInvalid", message)
    }

    /// CreateMachineGroup and CreateConfig answer a body of the wrong shape with this code
    /// (note: not `ParameterInvalid`; sls.md 5.2).
    pub fn sls_invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidParameter", message)
    }

    pub fn sls_post_body_invalid() -> Self {
        Self::new(400, "PostBodyInvalid", "The request body is not valid JSON object.")
    }

    pub fn sls_post_body_too_large(size: usize) -> Self {
        Self::new(413, "PostBodyTooLarge", format!("Body size {size} must little than 10485760."))
    }

    pub fn sls_missing_date() -> Self {
        Self::new(400, "MissingDate", "Date does not exist in http header.")
    }

    pub fn sls_invalid_request_time(value: &str) -> Self {
        Self::new(400, "InvalidRequestTime", format!("Request time {value} not follow RFC822 spec."))
    }

    pub fn sls_request_time_expired(request_time: &str, server_time: &str) -> Self {
        Self::new(400, "RequestTimeExpired", format!("Request time {request_time} has been expired while server time is {server_time}."))
    }

    pub fn sls_invalid_signature_method(method: &str) -> Self {
        Self::new(400, "InvalidSignatureMethod", format!("signature method {method} is unsupported."))
    }

    pub fn sls_invalid_content_md5() -> Self {
        Self::new(400, "InvalidContentMD5", "The Content-MD5 header does not match the MD5 of the body.")
    }

    pub fn sls_invalid_content_sha256() -> Self {
        Self::new(400, "InvalidContentSha256", "The x-log-content-sha256 header does not match the SHA-256 of the body.")
    }

    pub fn sls_invalid_method(path: &str) -> Self {
        Self::new(405, "InvalidMethod", format!("invalid request method: {path}"))
    }

    pub fn sls_path_not_found(path: &str) -> Self {
        Self::new(404, "NotFound", format!("The requested path {path} is not found."))
    }

    pub fn sls_project_not_exist(project: &str) -> Self {
        Self::new(404, "ProjectNotExist", format!("The Project does not exist : {project}"))
    }

    pub fn sls_project_exists(project: &str) -> Self {
        Self::new(400, "ProjectAlreadyExist", format!("Project {project} already exist."))
    }

    /// `LogStoreNotExist`, `DashboardNotExist`, ... (sls.md 5.2).
    pub fn sls_not_exist(kind: ResourceKind, name: &str) -> Self {
        let (code, message) = match kind {
            ResourceKind::Project => return Self::sls_project_not_exist(name),
            ResourceKind::Logstore => ("LogStoreNotExist", format!("logstore {name} does not exist.")),
            ResourceKind::Dashboard => ("DashboardNotExist", format!("Dashboard {name} does not exist.")),
            ResourceKind::MachineGroup => ("MachineGroupNotExist", format!("MachineGroup {name} does not exist.")),
            ResourceKind::LogtailConfig => ("ConfigNotExist", format!("Config {name} does not exist.")),
        };
        Self::new(404, code, message)
    }

    /// `LogStoreAlreadyExist`, ... all 400 (sls.md 5.2).
    pub fn sls_already_exists(kind: ResourceKind, name: &str) -> Self {
        let (code, message) = match kind {
            ResourceKind::Project => return Self::sls_project_exists(name),
            ResourceKind::Logstore => ("LogStoreAlreadyExist", format!("logstore {name} already exists.")),
            ResourceKind::Dashboard => ("DashboardAlreadyExist", format!("Dashboard {name} already exists.")),
            ResourceKind::MachineGroup => ("MachineGroupAlreadyExist", format!("group {name} already exists.")),
            ResourceKind::LogtailConfig => ("ConfigAlreadyExist", format!("config {name} already exists.")),
        };
        Self::new(400, code, message)
    }

    pub fn sls_project_quota() -> Self {
        Self::new(400, "ProjectQuotaExceed", "Project Quota Exceed.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_message_has_exactly_one_colon_before_the_string_to_sign() {
        let e = ApiError::signature_mismatch("POST&%2F&a%3Db");
        let parts: Vec<&str> = e.message.split(':').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], "POST&%2F&a%3Db");
    }

    #[test]
    fn dotted_codes() {
        assert_eq!(ApiError::invalid_chars("UserName").code, "InvalidParameter.UserName.InvalidChars");
        assert_eq!(ApiError::invalid_length("DisplayName").status, 400);
    }
}
