//! STS 2015-04-01 (ram.md 8): AssumeRole issues temporary credentials for a role the caller is
//! trusted to assume; GetCallerIdentity says who the credentials stand for.

mod wire;

use crate::actions::{Context, Resources, RpcService};
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::{roles, sts};
use crate::rpc::encode::Date;
use crate::rpc::response::Product;
use crate::rpc_actions;
use localyun_core::error::{RamError, StsError};
use localyun_core::policy::document::{parse, DocumentKind};
use localyun_core::policy::{self, ConditionKeys, TrustCaller};
use localyun_core::ApiError;
use localyun_store::Txn;
use wire::{AssumeRole, AssumeRoleAnswer, AssumedRoleUser, CallerIdentity, Credentials, IdentityType};

pub static SERVICE: RpcService = RpcService {
    version: "2015-04-01",
    product: Product { name: "Sts", host: "sts.aliyuncs.com" },
    ram_namespace: "sts",
    actions: rpc_actions![
        "AssumeRole" => Write(assume_role) on Resources::Arn("RoleArn"),
        "GetCallerIdentity" => Read(get_caller_identity) on Resources::Unchecked,
        "AssumeRoleWithSAML" => Write,
        "AssumeRoleWithOIDC" => Write,
        "GenerateSessionAccessKey" => Write,
    ],
};

fn no_permission(message: &str) -> ApiError {
    ApiError::from(StsError::NoPermission { why: message.to_string() })
}

pub fn assume_role(req: AssumeRole, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AssumeRoleAnswer> {
    let caller = cx.caller;
    // The account root may not assume roles (ram.md 8, corrected from docs).
    if caller.identity == Identity::Root {
        return Err(no_permission("Roles may not be assumed by root accounts.").into());
    }
    let options = req.session.take()?;
    let role = roles::require_by_name(txn, &req.role_account, &req.role_name)?;
    let duration = req.duration.within(role.max_session_duration)?;
    // The trust policy must name the caller (policy.md 5.3 step 2); a role in another account
    // is reachable only this way.
    let trust = parse(&role.trust_policy, DocumentKind::Trust).map_err(RamError::from)?;
    let mut keys = ConditionKeys::default();
    if let Some(ext) = &options.external_id {
        keys.set("sts:ExternalId", vec![ext.clone()]);
    }
    let caller_arn = caller.arn();
    let caller_role_arn = match &caller.identity {
        Identity::RoleSession { role_name, .. } => Some(format!("acs:ram::{}:role/{role_name}", caller.account_id)),
        _ => None,
    };
    let who = TrustCaller { account_id: &caller.account_id, arn: &caller_arn, role_arn: caller_role_arn.as_deref() };
    if !policy::trust_allows(&trust, &who, &keys) {
        let role_arn = &req.role_arn;
        let message =
            format!("No permission perform sts:AssumeRole on this Role. The trust policy of {role_arn} does not allow {caller_arn}.");
        let mut e = no_permission(&message);
        e.denied = Some(Box::new(crate::authz::trust_denial(caller, role_arn)));
        return Err(e.into());
    }
    let session_name = req.session_name;
    let cred = sts::issue(
        txn,
        sts::NewSession {
            account_id: req.role_account.clone(),
            role_id: role.id.clone(),
            role_name: role.name.clone(),
            session_name: session_name.clone(),
            session_policy: options.policy,
            source_arn: caller_arn,
            duration_seconds: duration,
        },
    )?;
    Ok(AssumeRoleAnswer {
        assumed_role_user: AssumedRoleUser {
            arn: format!("{}/{session_name}", role.arn(&req.role_account)),
            assumed_role_id: format!("{}:{session_name}", role.id),
        },
        credentials: Credentials {
            access_key_id: cred.access_key_id.clone(),
            access_key_secret: cred.secret.expose().to_string(),
            security_token: cred.token.expose().to_string(),
            expiration: Date(cred.expires_ms),
        },
    })
}

/// No permission is needed to ask who one is (ram.md 8).
pub fn get_caller_identity(_req: (), cx: &Context<'_>, _txn: &mut dyn Txn) -> Result<CallerIdentity> {
    let c = cx.caller;
    let (identity_type, principal_id, user_id, role_id) = match &c.identity {
        Identity::Root => (IdentityType::Account, c.account_id.clone(), None, None),
        Identity::User { user_id, .. } => (IdentityType::RamUser, user_id.clone(), Some(user_id.clone()), None),
        Identity::RoleSession { role_id, session_name, .. } => {
            (IdentityType::AssumedRoleUser, format!("{role_id}:{session_name}"), None, Some(role_id.clone()))
        }
    };
    Ok(CallerIdentity { account_id: c.account_id.clone(), arn: c.arn(), identity_type, principal_id, user_id, role_id })
}
