//! STS 2015-04-01's wire types (ram.md 8): each action's request, decoded from its parameters,
//! and its answer, encoded with the SDK models' field names. Handlers see only these.

use crate::failure::Result;
use crate::rpc::decode::{Deferred, FromParams};
use crate::rpc::encode::Date;
use localyun_core::error::StsError;
use localyun_core::params::Params;
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::ApiError;
use serde::Serialize;

/// The session duration when `DurationSeconds` is absent, at most the role's maximum.
const DEFAULT_DURATION: i64 = 3600;
/// The shortest session: 15 minutes.
const MIN_DURATION: i64 = 900;

/// AssumeRole. The session's policy and external ID are checked after the caller may assume
/// roles at all; the duration after the role is found, since the role bounds it.
pub struct AssumeRole {
    pub role_arn: String,
    pub role_account: String,
    pub role_name: String,
    pub session_name: String,
    pub session: Deferred<SessionOptions>,
    pub duration: DurationSeconds,
}

/// The optional parts of an AssumeRole session.
pub struct SessionOptions {
    /// A session policy, grammar checked.
    pub policy: Option<String>,
    pub external_id: Option<String>,
}

impl FromParams for AssumeRole {
    fn from_params(p: &Params) -> Result<Self> {
        let role_arn = p.required("RoleArn")?;
        let session_name = p.required("RoleSessionName")?;
        if !valid_session_name(session_name) {
            return Err(StsError::RoleSessionName.into());
        }
        let (role_account, role_name) = parse_role_arn(role_arn).ok_or_else(|| ApiError::from(StsError::RoleArn))?;
        let session = Deferred::decode(|| {
            let policy = session_policy(p)?;
            let external_id = p.optional("ExternalId");
            if let Some(ext) = external_id {
                let ok = (2..=1224).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
                if !ok {
                    return Err(StsError::ExternalId.into());
                }
            }
            Ok(SessionOptions { policy, external_id: external_id.map(str::to_string) })
        });
        Ok(Self {
            role_arn: role_arn.to_string(),
            role_account: role_account.to_string(),
            role_name: role_name.to_string(),
            session_name: session_name.to_string(),
            session,
            duration: DurationSeconds(p.optional("DurationSeconds").map(str::to_string)),
        })
    }
}

/// `Policy`, a session policy: grammar checked (ram.md 8).
fn session_policy(p: &Params) -> Result<Option<String>> {
    match p.optional("Policy") {
        Some(doc) => {
            parse(doc, DocumentKind::Session).map_err(|_| ApiError::from(StsError::PolicyGrammar))?;
            Ok(Some(doc.to_string()))
        }
        None => Ok(None),
    }
}

/// `acs:ram::<account>:role/<name>` (ram.md 8).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (account, role) = rest.split_once(":role/")?;
    (!account.is_empty() && !role.is_empty() && !role.contains('/')).then_some((account, role))
}

/// `RoleSessionName`: 2-64 characters of letters, digits, `.`, `@`, `-`, `_` (ram.md 8).
pub fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'-' | b'_'))
}

/// `DurationSeconds` as given; its bound is the role's maximum session duration.
pub struct DurationSeconds(Option<String>);

impl DurationSeconds {
    /// The session duration in seconds: as asked, from 15 minutes to `max`, or the default.
    pub fn within(&self, max: i64) -> Result<i64> {
        match &self.0 {
            None => Ok(DEFAULT_DURATION.min(max)),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (MIN_DURATION..=max).contains(&n) => Ok(n),
                _ => {
                    let message = format!("The Min/Max value of DurationSeconds is 15min/{max}s.");
                    Err(StsError::DurationSeconds { why: message }.into())
                }
            },
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    pub arn: String,
    pub assumed_role_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: String,
    pub expiration: Date,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleAnswer {
    pub assumed_role_user: AssumedRoleUser,
    pub credentials: Credentials,
}

/// GetCallerIdentity: who the credentials stand for (ram.md 8).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub identity_type: IdentityType,
    pub principal_id: String,
    /// A RAM user's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// An assumed role's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub enum IdentityType {
    Account,
    #[serde(rename = "RAMUser")]
    RamUser,
    AssumedRoleUser,
}

/// AssumeRoleWithOIDC: the provider, the role, the token; `RoleSessionName` is optional (the
/// token's subject names the session otherwise, SDK model: "automatically generated").
pub struct AssumeRoleWithOidc {
    pub provider_arn: String,
    pub role_arn: String,
    pub role_account: String,
    pub role_name: String,
    pub token: String,
    pub session_name: Option<String>,
    pub policy: Option<String>,
    pub duration: DurationSeconds,
}

impl FromParams for AssumeRoleWithOidc {
    fn from_params(p: &Params) -> Result<Self> {
        let provider_arn = p.required("OIDCProviderArn")?.to_string();
        let role_arn = p.required("RoleArn")?;
        let token = p.required("OIDCToken")?.to_string();
        let (role_account, role_name) = parse_role_arn(role_arn).ok_or_else(|| ApiError::from(StsError::RoleArn))?;
        let session_name = p.optional("RoleSessionName");
        if session_name.is_some_and(|s| !valid_session_name(s)) {
            return Err(StsError::RoleSessionName.into());
        }
        let policy = session_policy(p)?;
        Ok(Self {
            provider_arn,
            role_arn: role_arn.to_string(),
            role_account: role_account.to_string(),
            role_name: role_name.to_string(),
            token,
            session_name: session_name.map(str::to_string),
            policy,
            duration: DurationSeconds(p.optional("DurationSeconds").map(str::to_string)),
        })
    }
}

/// What the verified token said (AssumeRoleWithOIDC's `OIDCTokenInfo`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OidcTokenInfo {
    pub issuer: String,
    pub subject: String,
    pub client_ids: String,
    pub issuance_time: Date,
    pub expiration_time: Date,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleWithOidcAnswer {
    pub assumed_role_user: AssumedRoleUser,
    pub credentials: Credentials,
    #[serde(rename = "OIDCTokenInfo")]
    pub token_info: OidcTokenInfo,
}

/// AssumeRoleWithSAML: the provider, the role, the base64 SAML response.
pub struct AssumeRoleWithSaml {
    pub provider_arn: String,
    pub role_arn: String,
    pub role_account: String,
    pub role_name: String,
    pub assertion: String,
    pub policy: Option<String>,
    pub duration: DurationSeconds,
}

impl FromParams for AssumeRoleWithSaml {
    fn from_params(p: &Params) -> Result<Self> {
        let provider_arn = p.required("SAMLProviderArn")?.to_string();
        let role_arn = p.required("RoleArn")?;
        let assertion = p.required("SAMLAssertion")?.to_string();
        let (role_account, role_name) = parse_role_arn(role_arn).ok_or_else(|| ApiError::from(StsError::RoleArn))?;
        let policy = session_policy(p)?;
        Ok(Self {
            provider_arn,
            role_arn: role_arn.to_string(),
            role_account: role_account.to_string(),
            role_name: role_name.to_string(),
            assertion,
            policy,
            duration: DurationSeconds(p.optional("DurationSeconds").map(str::to_string)),
        })
    }
}

/// What the checked assertion said (AssumeRoleWithSAML's `SAMLAssertionInfo`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SamlAssertionInfo {
    pub issuer: String,
    pub subject: String,
    pub subject_type: String,
    pub recipient: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleWithSamlAnswer {
    pub assumed_role_user: AssumedRoleUser,
    pub credentials: Credentials,
    #[serde(rename = "SAMLAssertionInfo")]
    pub assertion_info: SamlAssertionInfo,
}

/// GenerateSessionAccessKey: `DurationSeconds` from 900 to 3600, default 3600.
pub struct SessionKeyRequest {
    pub duration_seconds: i64,
}

impl FromParams for SessionKeyRequest {
    fn from_params(p: &Params) -> Result<Self> {
        let duration_seconds = match p.optional("DurationSeconds") {
            None => 3600,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (900..=3600).contains(&n) => n,
                _ => return Err(StsError::DurationSeconds { why: "The Min/Max value of DurationSeconds is 15min/3600s.".into() }.into()),
            },
        };
        Ok(Self { duration_seconds })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionAccessKey {
    pub session_access_key_id: String,
    pub session_access_key_secret: String,
    pub expiration: Date,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionKeyAnswer {
    pub session_access_key: SessionAccessKey,
}
