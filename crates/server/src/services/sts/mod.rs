//! STS 2015-04-01 (ram.md 8): AssumeRole issues temporary credentials for a role the caller is
//! trusted to assume; GetCallerIdentity says who the credentials stand for.

use crate::actions::{Call, Resources, RpcService};
use crate::caller::{Caller, Identity};
use crate::failure::Result;
use crate::identity::{roles, sts};
use crate::rpc::response::Product;
use crate::rpc_actions;
use crate::services::{malformed_policy, Fields};
use localyun_core::error::StsError;
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::policy::{self, ConditionKeys, TrustCaller};
use localyun_core::time::format_iso8601;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{Map, Value};

pub static SERVICE: RpcService = RpcService {
    version: "2015-04-01",
    product: Product { name: "Sts", host: "sts.aliyuncs.com" },
    ram_namespace: "sts",
    actions: rpc_actions![
        "AssumeRole" => Write[assume_role] on Resources::Arn("RoleArn"),
        "GetCallerIdentity" => Read[get_caller_identity] on Resources::Unchecked,
        "AssumeRoleWithSAML" => Write,
        "AssumeRoleWithOIDC" => Write,
        "GenerateSessionAccessKey" => Write,
    ],
};

fn no_permission(message: &str) -> ApiError {
    ApiError::from(StsError::NoPermission { why: message.to_string() })
}

/// `acs:ram::<account>:role/<name>` (ram.md 8).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (account, role) = rest.split_once(":role/")?;
    (!account.is_empty() && !role.is_empty() && !role.contains('/')).then_some((account, role))
}

/// `RoleSessionName`: 2-64 characters of letters, digits, `.`, `@`, `-`, `_` (ram.md 8).
fn valid_session_name(s: &str) -> bool {
    (2..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'@' | b'-' | b'_'))
}

pub fn assume_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let caller = call.caller;
    let role_arn = p.required("RoleArn")?;
    let session_name = p.required("RoleSessionName")?;
    if !valid_session_name(session_name) {
        return Err(StsError::RoleSessionName.into());
    }
    let (role_account, role_name) = parse_role_arn(role_arn).ok_or_else(|| ApiError::from(StsError::RoleArn))?;
    // The account root may not assume roles (ram.md 8, corrected from docs).
    if caller.identity == Identity::Root {
        return Err(no_permission("Roles may not be assumed by root accounts.").into());
    }
    let session_policy = match p.optional("Policy") {
        Some(doc) => {
            parse(doc, DocumentKind::Session).map_err(|_| ApiError::from(StsError::PolicyGrammar))?;
            Some(doc.to_string())
        }
        None => None,
    };
    if let Some(ext) = p.optional("ExternalId") {
        let ok = (2..=1224).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@:/-".contains(&b));
        if !ok {
            return Err(StsError::ExternalId.into());
        }
    }
    let role = roles::require_by_name(txn, role_account, role_name)?;
    let duration = match p.optional("DurationSeconds") {
        None => 3600.min(role.max_session_duration),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (900..=role.max_session_duration).contains(&n) => n,
            _ => {
                let message = format!("The Min/Max value of DurationSeconds is 15min/{}s.", role.max_session_duration);
                return Err(StsError::DurationSeconds { why: message }.into());
            }
        },
    };
    // The trust policy must name the caller (policy.md 5.3 step 2); a role in another account
    // is reachable only this way.
    let trust = parse(&role.trust_policy, DocumentKind::Trust).map_err(malformed_policy)?;
    let mut keys = ConditionKeys::default();
    if let Some(ext) = p.optional("ExternalId") {
        keys.set("sts:ExternalId", vec![ext.to_string()]);
    }
    let caller_arn = caller.arn();
    let caller_role_arn = match &caller.identity {
        Identity::RoleSession { role_name, .. } => Some(format!("acs:ram::{}:role/{role_name}", caller.account_id)),
        _ => None,
    };
    let who = TrustCaller { account_id: &caller.account_id, arn: &caller_arn, role_arn: caller_role_arn.as_deref() };
    if !policy::trust_allows(&trust, &who, &keys) {
        let message =
            format!("No permission perform sts:AssumeRole on this Role. The trust policy of {role_arn} does not allow {caller_arn}.");
        let mut e = no_permission(&message);
        e.denied = Some(Box::new(crate::authz::trust_denial(caller, role_arn)));
        return Err(e.into());
    }
    let cred = sts::issue(
        txn,
        sts::NewSession {
            account_id: role_account.to_string(),
            role_id: role.id.clone(),
            role_name: role.name.clone(),
            session_name: session_name.to_string(),
            session_policy,
            source_arn: caller_arn,
            duration_seconds: duration,
        },
    )?;
    let user = Fields::new()
        .set("Arn", format!("{}/{session_name}", role.arn(role_account)))
        .set("AssumedRoleId", format!("{}:{session_name}", role.id));
    let creds = Fields::new()
        .set("AccessKeyId", cred.access_key_id.clone())
        .set("AccessKeySecret", cred.secret.expose())
        .set("SecurityToken", cred.token.expose())
        .set("Expiration", format_iso8601(cred.expires_ms));
    Ok(Fields::new().set("AssumedRoleUser", user).set("Credentials", creds).build())
}

/// No permission is needed to ask who one is (ram.md 8).
pub fn get_caller_identity(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let c: &Caller = call.caller;
    let f = Fields::new().set("AccountId", c.account_id.clone()).set("Arn", c.arn());
    let f = match &c.identity {
        Identity::Root => f.set("IdentityType", "Account").set("PrincipalId", c.account_id.clone()),
        Identity::User { user_id, .. } => {
            f.set("IdentityType", "RAMUser").set("PrincipalId", user_id.clone()).set("UserId", user_id.clone())
        }
        Identity::RoleSession { role_id, session_name, .. } => {
            f.set("IdentityType", "AssumedRoleUser").set("PrincipalId", format!("{role_id}:{session_name}")).set("RoleId", role_id.clone())
        }
    };
    Ok(f.build())
}
