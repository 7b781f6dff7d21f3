//! The POP gateway's codes, shared by every RPC service (RAM, IMS, STS): transport, decoding,
//! routing and authentication (ram.md 3.5, 5.1).

crate::error_codes! {
    pub enum GatewayError {
        /// The message pattern of the POP gateway for an absent required parameter.
        MissingParameter { name: String } => 400, "MissingParameter",
            "The input parameter \"{name}\" that is mandatory for processing this request is not supplied.";
        /// A malformed value of a named parameter (bad boolean, integer out of range, gap in `N`).
        InvalidParameter { name: String, why: String } => 400, "InvalidParameter",
            "The specified parameter \"{name}\" is not valid. {why}";
        /// RAM's dotted sub-codes, e.g. `InvalidParameter.UserName.InvalidChars` (ram.md 5.3).
        InvalidChars { name: String } => 400, "InvalidParameter.{name}.InvalidChars",
            "The parameter - \"{name}\" contains invalid chars.";
        InvalidLength { name: String } => 400, "InvalidParameter.{name}.Length",
            "The parameter - \"{name}\" beyond the length limit.";
        /// A value outside its enumeration (`Status`, `PolicyType`, `RotateStrategy`).
        IncorrectValue { name: String } => 400, "InvalidParameter.{name}",
            "The parameter - \"{name}\" is incorrect.";
        MalformedRequest { why: String } => 400, "InvalidParameter", "The request is malformed: {why}.";
        BodyTooLarge { limit: usize } => 413, "RequestEntityTooLarge", "The request body exceeds the limit of {limit} bytes.";
        RequestTimeout => 408, "RequestTimeout", "The request body was not received in time.";
        UnsupportedHttpMethod => 405, "UnsupportedHTTPMethod", "The HTTP method is not supported; use GET or POST.";
        ActionNotFound => 404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.";
        InvalidVersion => 400, "InvalidVersion", "Specified parameter Version is not valid.";
        NotImplemented { action: String } => 501, "NotImplemented", "The API {action} is not implemented by localyun yet.";
        Internal => 500, "InternalError", "An internal error occurred.";
        ServiceUnavailable => 503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.";

        IncompleteSignature { why: String } => 400, "IncompleteSignature",
            "The request signature does not conform to Aliyun standards. {why}";
        /// The old core SDK splits this message at `:` and compares part 1 with its own string
        /// to sign (ram.md 4.4), so exactly that shape is required: one colon, then the string.
        SignatureMismatch { string_to_sign: String } => 400, "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}";
        /// The V3 wording seen in real answers (research: alibabacloud-csharp-sdk issue 40); V3
        /// clients do not parse it, so the bracketed form is safe.
        SignatureMismatchV3 { string_to_sign: String } => 400, "SignatureDoesNotMatch",
            "Specified signature does not match our calculation. server StringToSign is [{string_to_sign}]";
        /// A V3 request whose `x-acs-content-sha256` is not the body's hash.
        ContentHashMismatch => 400, "SignatureDoesNotMatch",
            "Specified signature does not match our calculation: the x-acs-content-sha256 header is not the SHA-256 of the body.";
        MissingAccessKeyId => 400, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.";
        /// A request without `Timestamp` (research: aliyun-openapi-python-sdk issue 41).
        MissingTimestamp => 400, "IllegalTimestamp",
            "The input parameter \"Timestamp\" that is mandatory for processing this request is not supplied.";
        AccessKeyNotFound => 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.";
        /// A permanent key used from an address its network access restriction policy does not
        /// admit (IMS SetAccessKeyPolicy; the API reference documents no code for it).
        AccessKeyNetworkDenied { ip: String } => 403, "Forbidden.AccessKeyNetworkRestricted",
            "The AccessKey may not be used from {ip}: its network access restriction policy does not allow it.";
        AccessKeyInactive => 400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.";
        MissingSecurityToken => 400, "MissingSecurityToken", "SecurityToken is mandatory for this action.";
        SecurityTokenMismatch => 400, "InvalidSecurityToken.MismatchWithAccessKey",
            "The security token you provided does not match the access key.";
        SecurityTokenExpired => 400, "InvalidSecurityToken.Expired", "The security token you provided has expired.";
        NonceUsed => 400, "SignatureNonceUsed", "Specified signature nonce was used already.";
        TimestampExpired => 400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.";
        TimestampFormat => 400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.";
        /// RAM/IMS/STS authorization denial (ram.md 5.2); the pipeline adds AccessDeniedDetail.
        NoPermission { why: String } => 403, "NoPermission",
            "You are not authorized to do this action. You should be authorized by RAM. {why}";
    }
}

impl GatewayError {
    pub fn missing(name: &str) -> Self {
        Self::MissingParameter { name: name.to_string() }
    }

    pub fn invalid(name: &str, why: &str) -> Self {
        Self::InvalidParameter { name: name.to_string(), why: why.to_string() }
    }

    pub fn invalid_chars(name: &str) -> Self {
        Self::InvalidChars { name: name.to_string() }
    }

    pub fn invalid_length(name: &str) -> Self {
        Self::InvalidLength { name: name.to_string() }
    }

    pub fn incorrect(name: &str) -> Self {
        Self::IncorrectValue { name: name.to_string() }
    }

    pub fn malformed(why: &str) -> Self {
        Self::MalformedRequest { why: why.to_string() }
    }
}
