//! Simple Log Service codes (sls.md 5). SLS answers `{"errorCode","errorMessage"}`; the SLS
//! codec chooses that shape.

crate::error_codes! {
    pub enum SlsError {
        Unauthorized { why: String } => 401, "Unauthorized", "{why}";
        AccessKeyNotFound { id: String } => 401, "Unauthorized", "AccessKeyId not found: {id}";
        AccessKeyDisabled { id: String } => 401, "Unauthorized", "AccessKeyId is disabled: {id}";
        ProjectNotYours => 401, "Unauthorized", "The project does not belong to you.";
        SignatureNotMatch { signature: String } => 401, "SignatureNotMatch", "Signature {signature} not matched.";
        BadAuthorization { value: String } => 400, "ParameterInvalid", "Http extend authorization : {value} pair is invalid.";
        ParameterInvalid { why: String } => 400, "ParameterInvalid", "{why}";
        /// CreateMachineGroup and CreateConfig answer a body of the wrong shape with this code
        /// (note: not `ParameterInvalid`; sls.md 5.2).
        InvalidParameter { why: String } => 400, "InvalidParameter", "{why}";
        PostBodyInvalid => 400, "PostBodyInvalid", "The request body is not valid JSON object.";
        PostBodyTooLarge { size: usize } => 413, "PostBodyTooLarge", "Body size {size} must little than 10485760.";
        RequestTimeout => 408, "RequestTimeout", "The request body was not received in time.";
        MissingDate => 400, "MissingDate", "Date does not exist in http header.";
        InvalidRequestTime { value: String } => 400, "InvalidRequestTime", "Request time {value} not follow RFC822 spec.";
        RequestTimeExpired { request_time: String, server_time: String } => 400, "RequestTimeExpired",
            "Request time {request_time} has been expired while server time is {server_time}.";
        InvalidSignatureMethod { method: String } => 400, "InvalidSignatureMethod", "signature method {method} is unsupported.";
        InvalidContentMd5 => 400, "InvalidContentMD5", "The Content-MD5 header does not match the MD5 of the body.";
        InvalidContentSha256 => 400, "InvalidContentSha256", "The x-log-content-sha256 header does not match the SHA-256 of the body.";
        InvalidMethod { path: String } => 405, "InvalidMethod", "invalid request method: {path}";
        PathNotFound { path: String } => 404, "NotFound", "The requested path {path} is not found.";
        ProjectQuotaExceed => 400, "ProjectQuotaExceed", "Project Quota Exceed.";
        /// `ProjectNotExist`, `LogStoreNotExist`, ...: code and message from the resource kind's
        /// row of `localyun_core::sls`'s table (sls.md 5.2).
        NotExist { code: &'static str, message: String } => 404, "{code}", "{message}";
        /// `ProjectAlreadyExist`, `LogStoreAlreadyExist`, ...: all 400, from the same table (sls.md 5.2).
        AlreadyExist { code: &'static str, message: String } => 400, "{code}", "{message}";
        /// SLS clients retry 5xx ten times (sls.md 4.4): only real server faults get one.
        ServerBusy => 503, "ServerBusy", "The request has failed due to a temporary failure of the server.";
        InternalServerError => 500, "InternalServerError", "An internal error occurred.";
    }
}

impl SlsError {
    pub fn parameter_invalid(why: impl Into<String>) -> Self {
        Self::ParameterInvalid { why: why.into() }
    }

    pub fn unauthorized(why: impl Into<String>) -> Self {
        Self::Unauthorized { why: why.into() }
    }
}
