//! Errors as data: a code, its HTTP status and a message. Every constructor lives here, so the
//! wire codes of RAM/IMS (ram.md section 5) are written in exactly one place. The wire layer
//! only chooses the body shape (JSON or XML, RPC or SLS style).

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

    /// `AccessDeniedDetail`: the seven documented fields (ram.md 4.3); SLS sends the same object
    /// as `accessDeniedDetail`.
    pub fn detail(&self) -> serde_json::Value {
        serde_json::json!({
            "PolicyType": self.policy_type,
            "AuthPrincipalOwnerId": self.account_id,
            "AuthPrincipalType": self.principal_type,
            "AuthPrincipalDisplayName": self.principal_display_name,
            "NoPermissionType": if self.explicit { "ExplicitDeny" } else { "ImplicitDeny" },
            "AuthAction": self.action,
            "EncodedDiagnosticMessage": self.encode(),
        })
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
    /// Only [`error_codes!`] builds errors: every code is a variant of a service's enum.
    #[doc(hidden)]
    pub fn from_parts(status: u16, code: Code, message: String) -> Self {
        Self { code, status, message, denied: None }
    }

    /// An authorization denial carrying its explanation.
    pub fn with_denial(mut self, denied: Box<AccessDenied>) -> Self {
        self.denied = Some(denied);
        self
    }
}

/// A code given as a format string: borrowed when it has no arguments (most codes), formatted
/// when it names a parameter (`InvalidParameter.{name}.Length`).
#[doc(hidden)]
pub fn code_from(args: std::fmt::Arguments<'_>) -> Code {
    match args.as_str() {
        Some(code) => Cow::Borrowed(code),
        None => Cow::Owned(args.to_string()),
    }
}

/// One enum of error codes per service (STYLE: "errors as data", s3s's `S3ErrorCode`): each
/// variant names its HTTP status, its wire code and its message, both format strings over the
/// variant's fields. The enum converts into [`ApiError`], which each codec renders in its own
/// shape (RPC JSON or XML, SLS JSON).
///
/// ```
/// localyun_core::error_codes! {
///     pub enum DemoError {
///         NotFound => 404, "EntityNotExist.Demo", "The demo does not exist.";
///         BadName { name: String } => 400, "InvalidParameter.{name}", "The name {name} is bad.";
///     }
/// }
/// let e: localyun_core::ApiError = DemoError::BadName { name: "X".into() }.into();
/// assert_eq!((e.status, e.code.as_ref()), (400, "InvalidParameter.X"));
/// ```
#[macro_export]
macro_rules! error_codes {
    ($(#[$meta:meta])* $vis:vis enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident $({ $($field:ident : $fty:ty),* $(,)? })? => $status:literal, $code:literal, $message:literal;)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant $({ $($field: $fty),* })?,)*
        }

        impl $name {
            pub fn status(&self) -> u16 {
                match self {
                    $(Self::$variant { .. } => $status,)*
                }
            }

            #[allow(unused_variables)]
            pub fn code(&self) -> ::std::borrow::Cow<'static, str> {
                match self {
                    $(Self::$variant $({ $($field),* })? => $crate::error::code_from(format_args!($code)),)*
                }
            }

            #[allow(unused_variables)]
            pub fn message(&self) -> String {
                match self {
                    $(Self::$variant $({ $($field),* })? => format!($message),)*
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{} ({}): {}", self.code(), self.status(), self.message())
            }
        }

        impl From<$name> for $crate::error::ApiError {
            fn from(e: $name) -> Self {
                $crate::error::ApiError::from_parts(e.status(), e.code(), e.message())
            }
        }
    };
}

mod gateway;
mod ram;
mod sls;
mod sts;

pub use gateway::GatewayError;
pub use ram::RamError;
pub use sls::SlsError;
pub use sts::StsError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_message_has_exactly_one_colon_before_the_string_to_sign() {
        let e: ApiError = GatewayError::SignatureMismatch { string_to_sign: "POST&%2F&a%3Db".into() }.into();
        let parts: Vec<&str> = e.message.split(':').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], "POST&%2F&a%3Db");
    }

    #[test]
    fn dotted_codes() {
        let chars: ApiError = GatewayError::InvalidChars { name: "UserName".into() }.into();
        assert_eq!(chars.code, "InvalidParameter.UserName.InvalidChars");
        assert!(matches!(chars.code, Cow::Owned(_)));
        let fixed: ApiError = GatewayError::ActionNotFound.into();
        assert!(matches!(fixed.code, Cow::Borrowed("InvalidAction.NotFound")));
        assert_eq!(ApiError::from(GatewayError::InvalidLength { name: "DisplayName".into() }).status, 400);
    }
}
