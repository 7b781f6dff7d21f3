//! The resources each RPC action is authorized on (ram.md 9, policy.md 3.3): the ARNs of the
//! action tables' [`Resources`] rules. `*` for actions without resource-level permission ("All
//! Resources"); an empty list for actions that need no permission at all.

use super::Target;
use crate::actions::{Call, Resources};
use crate::caller::Identity;
use crate::failure::Result;
use crate::identity::attachments::PolicyType;
use crate::identity::{policies, roles, users};
use localyun_store::Txn;

/// The targets of a rule for this call.
pub fn resolve(rule: &Resources, call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    let p = call.params;
    Ok(match *rule {
        Resources::All => vec![Target::all()],
        Resources::Unchecked | Resources::Anonymous | Resources::KeyPair => Vec::new(),
        Resources::User(param) => vec![match p.optional(param) {
            Some(name) => user(txn, account, name)?,
            None => Target::all(),
        }],
        Resources::UserOrSelf(param) => match p.optional(param) {
            Some(name) => vec![user(txn, account, name)?],
            None => self_or_all(call, txn)?,
        },
        Resources::Group(param) => vec![match p.optional(param) {
            Some(name) => Target::arn(format!("acs:ram:*:{account}:group/{name}")),
            None => Target::all(),
        }],
        Resources::Role(param) => vec![match p.optional(param) {
            Some(name) => {
                Target { arn: format!("acs:ram:*:{account}:role/{name}"), tags: roles::by_name(txn, account, name)?.map(|r| r.tags) }
            }
            None => Target::all(),
        }],
        Resources::Policy { name, kind } => vec![match p.optional(name) {
            Some(name) => policy(txn, account, name, p.optional(kind).and_then(PolicyType::parse))?,
            None => Target::all(),
        }],
        Resources::Arn(param) => vec![match p.optional(param) {
            Some(arn) => Target::arn(arn.to_string()),
            None => Target::all(),
        }],
        Resources::Both(a, b) => [resolve(a, call, txn)?, resolve(b, call, txn)?].concat(),
        Resources::Custom(rule) => rule(call, txn)?,
    })
}

/// `acs:ram:*:<acct>:user/<name>`, with the user's tags when it exists.
pub fn user(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Target> {
    let tags = users::by_name(txn, account, name)?.map(|u| u.tags);
    Ok(Target { arn: format!("acs:ram:*:{account}:user/{name}"), tags })
}

/// A call naming no user acts on the calling user itself (ram.md 9: "AK ops on self use the
/// caller's user"); for other callers the resource is `*`.
pub fn self_or_all(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    match &call.caller.identity {
        Identity::User { user_name, .. } => Ok(vec![user(txn, &call.caller.account_id, user_name)?]),
        _ => Ok(vec![Target::all()]),
    }
}

/// Custom: `acs:ram:*:<acct>:policy/<name>`; system: `acs:ram:*:system:policy/<name>` (ram.md 9).
/// Without a type, a name that is no custom policy but a system one is the system policy.
fn policy(txn: &mut dyn Txn, account: &str, name: &str, kind: Option<PolicyType>) -> Result<Target> {
    let custom = policies::custom(txn, account, name)?;
    let system = match kind {
        Some(t) => t == PolicyType::System,
        None => custom.is_none() && policies::system(name).is_some(),
    };
    Ok(if system {
        Target::arn(format!("acs:ram:*:system:policy/{name}"))
    } else {
        Target { arn: format!("acs:ram:*:{account}:policy/{name}"), tags: custom.map(|p| p.tags) }
    })
}

/// Virtual MFA devices, as RAM's authorization table names them ("RAM鉴权", AlibabaCloudDocs):
/// CreateVirtualMFADevice and ListVirtualMFADevices on `acs:ram:*:<acct>:mfa/*`,
/// DeleteVirtualMFADevice on the `SerialNumber` itself (`acs:ram::<acct>:mfa/<name>`).
pub fn mfa_device(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    // A serial number of the account in either spelling (`acs:ram::` or `acs:ram:*:`) is
    // authorized in the one form serial numbers take, so a Deny on it cannot be sidestepped.
    Ok(vec![match call.params.optional("SerialNumber") {
        Some(serial) => match localyun_core::mfa::device_name(account, serial) {
            Some(name) => Target::arn(localyun_core::mfa::serial_number(account, name)),
            None => Target::arn(serial.to_string()),
        },
        None => Target::arn(format!("acs:ram:*:{account}:mfa/*")),
    }])
}

/// OIDC identity providers: `acs:ram::<acct>:oidc-provider/<name>` (IMS reference: the ARN
/// CreateOIDCProvider answers).
pub fn oidc_provider(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    Ok(vec![match call.params.optional("OIDCProviderName") {
        Some(n) => Target::arn(format!("acs:ram::{account}:oidc-provider/{n}")),
        None => Target::all(),
    }])
}

/// SAML identity providers: `acs:ram::<acct>:saml-provider/<name>`.
pub fn saml_provider(call: &Call<'_>, _txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    Ok(vec![match call.params.optional("SAMLProviderName") {
        Some(n) => Target::arn(format!("acs:ram::{account}:saml-provider/{n}")),
        None => Target::all(),
    }])
}
