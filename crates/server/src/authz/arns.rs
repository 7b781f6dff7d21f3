//! The resources each RPC action is authorized on (ram.md 9, policy.md 3.3), named by the
//! action tables. `*` for actions without resource-level permission ("All Resources"); an
//! empty list for actions that need no permission at all.

use super::Target;
use crate::failure::Result;
use crate::identity::attachments::PolicyType;
use crate::identity::{access_keys, policies, roles, users};
use crate::rpc::Call;
use localyun_store::Txn;

/// How an action finds its resources.
pub type Resources = fn(&Call<'_>, &mut dyn Txn) -> Result<Vec<Target>>;

pub fn all(_: &Call<'_>, _: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok(vec![Target::all()])
}

/// No permission is needed (GetCallerIdentity).
pub fn none(_: &Call<'_>, _: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok(Vec::new())
}

fn user_target(call: &Call<'_>, txn: &mut dyn Txn, name: &str) -> Result<Target> {
    let account = &call.caller.account_id;
    let tags = users::by_name(txn, account, name)?.map(|u| u.tags);
    Ok(Target { arn: format!("acs:ram:*:{account}:user/{name}"), tags })
}

/// `acs:ram:*:<acct>:user/<UserName>`.
pub fn user_param(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    match call.params.optional("UserName") {
        Some(name) => Ok(vec![user_target(call, txn, name)?]),
        None => Ok(vec![Target::all()]),
    }
}

/// AccessKey calls: the named user, else the caller itself (ram.md 9: "AK ops on self use the
/// caller's user").
pub fn user_or_self(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    match (call.params.optional("UserName"), &call.caller.identity) {
        (Some(name), _) => Ok(vec![user_target(call, txn, name)?]),
        (None, crate::caller::Identity::User { user_name, .. }) => Ok(vec![user_target(call, txn, &user_name.clone())?]),
        (None, _) => Ok(vec![Target::all()]),
    }
}

/// IMS names users by logon name, ID or AccessKey; the ARN uses the user name.
pub fn ims_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    let p = call.params;
    let name = if let Some(upn) = p.optional("UserPrincipalName") {
        upn.split('@').next().map(str::to_string)
    } else if let Some(id) = p.optional("UserId") {
        users::by_id(txn, account, id)?.map(|u| u.name)
    } else if let Some(key) = p.optional("UserAccessKeyId").filter(|_| p.optional("Status").is_none()) {
        match access_keys::get(txn, key)? {
            Some(k) if k.account_id == *account => match k.owner {
                access_keys::Owner::User(uid) => users::by_id(txn, account, &uid)?.map(|u| u.name),
                access_keys::Owner::Root => None,
            },
            _ => None,
        }
    } else {
        None
    };
    match name {
        Some(n) => Ok(vec![user_target(call, txn, &n)?]),
        None => user_or_self_ims(call, txn),
    }
}

fn user_or_self_ims(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    match &call.caller.identity {
        crate::caller::Identity::User { user_name, .. } => Ok(vec![user_target(call, txn, &user_name.clone())?]),
        _ => Ok(vec![Target::all()]),
    }
}

pub fn group_param(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    Ok(vec![match call.params.optional("GroupName") {
        Some(name) => Target::arn(format!("acs:ram:*:{account}:group/{name}")),
        None => Target::all(),
    }])
}

pub fn role_param(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    Ok(vec![match call.params.optional("RoleName") {
        Some(name) => Target { arn: format!("acs:ram:*:{account}:role/{name}"), tags: roles::by_name(txn, account, name)?.map(|r| r.tags) },
        None => Target::all(),
    }])
}

/// Custom: `acs:ram:*:<acct>:policy/<name>`; system: `acs:ram:*:system:policy/<name>` (ram.md 9).
pub fn policy_param(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    let Some(name) = call.params.optional("PolicyName") else { return Ok(vec![Target::all()]) };
    let custom = policies::custom(txn, account, name)?;
    let system = match call.params.optional("PolicyType").and_then(PolicyType::parse) {
        Some(t) => t == PolicyType::System,
        None => custom.is_none() && policies::system(name).is_some(),
    };
    Ok(vec![if system {
        Target::arn(format!("acs:ram:*:system:policy/{name}"))
    } else {
        Target { arn: format!("acs:ram:*:{account}:policy/{name}"), tags: custom.map(|p| p.tags) }
    }])
}

/// Attach/Detach: both the entity and the policy are checked (ram.md 6.5).
pub fn user_and_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok([user_param(call, txn)?, policy_param(call, txn)?].concat())
}

pub fn group_and_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok([group_param(call, txn)?, policy_param(call, txn)?].concat())
}

pub fn role_and_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok([role_param(call, txn)?, policy_param(call, txn)?].concat())
}

/// AssumeRole: the role ARN as given (policy.md 5.3 step 1).
pub fn role_arn_param(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Vec<Target>> {
    Ok(vec![match call.params.optional("RoleArn") {
        Some(arn) => Target::arn(arn.to_string()),
        None => Target::all(),
    }])
}
