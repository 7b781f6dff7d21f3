//! IMS 2019-08-15, the identity API that addresses users by `UserPrincipalName` and carries the
//! seed's UntagResources (ram.md 0.1, 7). It acts on the same users and keys as RAM 2015-05-01.

mod access_keys;
mod tags;
mod users;

use crate::actions::{Call, Resources, RpcService};
use crate::authz::{arns, Target};
use crate::failure::Result;
use crate::identity::users::{self as user_store, UserRecord};
use crate::rpc::response::Product;
use crate::rpc_actions;
use crate::services::access_keys as keys;
use localyun_core::error::{GatewayError, RamError};
use localyun_core::names::default_domain;
use localyun_core::params::Params;
use localyun_store::Txn;

pub static SERVICE: RpcService = RpcService {
    version: "2019-08-15",
    product: Product { name: "Ims", host: "ims.aliyuncs.com" },
    ram_namespace: "ram",
    actions: rpc_actions![
        "CreateUser" => Write[users::create_user] on Resources::Custom(ims_user),
        "GetUser" => Read[users::get_user] on Resources::Custom(ims_user),
        "UpdateUser" => Write[users::update_user] on Resources::Custom(ims_user),
        "DeleteUser" => Write[users::delete_user] on Resources::Custom(ims_user),
        "ListUsers" => Read[users::list_users],
        "GetDefaultDomain" => Read[users::get_default_domain],
        "TagResources" => Write[tags::tag_resources],
        "UntagResources" => Write[tags::untag_resources],
        "ListTagResources" => Read[tags::list_tag_resources],
        "CreateAccessKey" => Write(keys::create_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "ListAccessKeys" => Read(keys::list_access_keys::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "UpdateAccessKey" => Write(keys::update_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "DeleteAccessKey" => Write(keys::delete_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "AddClientIdToOIDCProvider" => Write,
        "AddFingerprintToOIDCProvider" => Write,
        "AddUserToGroup" => Write,
        "BindMFADevice" => Write,
        "ChangePassword" => Write,
        "CreateAppSecret" => Write,
        "CreateApplication" => Write,
        "CreateGroup" => Write,
        "CreateLoginProfile" => Write,
        "CreateOIDCProvider" => Write,
        "CreateSAMLProvider" => Write,
        "CreateServiceCredential" => Write,
        "CreateVirtualMFADevice" => Write,
        "DeleteAccessKeyInRecycleBin" => Write,
        "DeleteAppSecret" => Write,
        "DeleteApplication" => Write,
        "DeleteGroup" => Write,
        "DeleteLoginProfile" => Write,
        "DeleteOIDCProvider" => Write,
        "DeletePasskey" => Write,
        "DeleteSAMLProvider" => Write,
        "DeleteServiceCredential" => Write,
        "DeleteUserInRecycleBin" => Write,
        "DeleteVirtualMFADevice" => Write,
        "DeprovisionApplication" => Write,
        "DeprovisionExternalApplication" => Write,
        "DisableVirtualMFA" => Write,
        "GenerateCredentialReport" => Write,
        "GenerateGovernanceReport" => Write,
        "GetAccessKeyInfoInRecycleBin" => Read,
        "GetAccessKeyLastUsed" => Read,
        "GetAccessKeyPolicy" => Read,
        "GetAccessKeyPolicyForAccount" => Read,
        "GetAccountMFAInfo" => Read,
        "GetAccountSecurityPracticeReport" => Read,
        "GetAccountSummary" => Read,
        "GetAppSecret" => Read,
        "GetApplication" => Read,
        "GetApplicationProvisionInfo" => Read,
        "GetCredentialReport" => Read,
        "GetExternalApplication" => Read,
        "GetGovernanceItemReport" => Read,
        "GetGovernanceReportStatus" => Read,
        "GetGroup" => Read,
        "GetLoginProfile" => Read,
        "GetOIDCProvider" => Read,
        "GetPasswordPolicy" => Read,
        "GetSAMLProvider" => Read,
        "GetSecurityPreference" => Read,
        "GetServiceCredential" => Read,
        "GetUserInRecycleBin" => Read,
        "GetUserMFAInfo" => Read,
        "GetUserSsoSettings" => Read,
        "GetVerificationInfo" => Read,
        "ListAccessKeysInRecycleBin" => Read,
        "ListAppSecretIds" => Read,
        "ListApplicationProvisionInfos" => Read,
        "ListApplications" => Read,
        "ListExternalApplications" => Read,
        "ListGroups" => Read,
        "ListGroupsForUser" => Read,
        "ListOIDCProviders" => Read,
        "ListPasskeys" => Read,
        "ListPredefinedScopes" => Read,
        "ListRecentGovernanceMetrics" => Read,
        "ListSAMLProviders" => Read,
        "ListServiceCredentials" => Read,
        "ListUserBasicInfos" => Read,
        "ListUsersForGroup" => Read,
        "ListUsersInRecycleBin" => Read,
        "ListVirtualMFADevices" => Read,
        "ProvisionApplication" => Write,
        "ProvisionExternalApplication" => Write,
        "RemoveClientIdFromOIDCProvider" => Write,
        "RemoveFingerprintFromOIDCProvider" => Write,
        "RemoveUserFromGroup" => Write,
        "RestoreAccessKeyFromRecycleBin" => Write,
        "RestoreUserFromRecycleBin" => Write,
        "SetAccessKeyPolicy" => Write,
        "SetAccessKeyPolicyForAccount" => Write,
        "SetDefaultDomain" => Write,
        "SetPasswordPolicy" => Write,
        "SetSecurityPreference" => Write,
        "SetUserSsoSettings" => Write,
        "SetVerificationInfo" => Write,
        "UnbindMFADevice" => Write,
        "UnbindVerification" => Write,
        "UpdateApplication" => Write,
        "UpdateGroup" => Write,
        "UpdateLoginProfile" => Write,
        "UpdateOIDCProvider" => Write,
        "UpdatePasskey" => Write,
        "UpdateSAMLProvider" => Write,
        "UpdateServiceCredential" => Write,
    ],
};

/// The user with this logon name, if the domain is the account's and the name exists.
fn by_principal_name(txn: &mut dyn Txn, account: &str, upn: &str) -> Result<Option<UserRecord>> {
    let Some((name, domain)) = upn.rsplit_once('@') else { return Ok(None) };
    if !domain.eq_ignore_ascii_case(&default_domain(account)) {
        return Ok(None);
    }
    user_store::by_name(txn, account, name)
}

/// The user named by exactly one of `UserPrincipalName` / `UserId` (and, where `by_key`,
/// `UserAccessKeyId`), as IMS GetUser/UpdateUser/DeleteUser take it (ram.md 7.1).
fn named_user(txn: &mut dyn Txn, account: &str, p: &Params, by_key: bool) -> Result<UserRecord> {
    let upn = p.optional("UserPrincipalName");
    let id = p.optional("UserId");
    let key = if by_key { p.optional("UserAccessKeyId") } else { None };
    let given = [upn.is_some(), id.is_some(), key.is_some()].iter().filter(|g| **g).count();
    if given > 1 {
        let names = if by_key { "UserPrincipalName, UserId and UserAccessKeyId" } else { "UserPrincipalName and UserId" };
        return Err(GatewayError::invalid("UserPrincipalName", &format!("Specify only one of {names}.")).into());
    }
    let found = match (upn, id, key) {
        (Some(upn), _, _) => by_principal_name(txn, account, upn)?,
        (_, Some(id), _) => user_store::by_id(txn, account, id)?,
        (_, _, Some(key_id)) => match crate::identity::access_keys::get(txn, key_id)? {
            Some(k) if k.account_id == account => match k.owner {
                crate::identity::access_keys::Owner::User(uid) => user_store::by_id(txn, account, &uid)?,
                crate::identity::access_keys::Owner::Root => None,
            },
            _ => None,
        },
        _ => return Err(GatewayError::missing("UserPrincipalName").into()),
    };
    found.ok_or_else(|| RamError::UserNotFound.into())
}

/// IMS names users by logon name, ID or AccessKey; the ARN uses the user name. A call naming
/// no user acts on the calling user itself.
fn ims_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    let p = call.params;
    let name = if let Some(upn) = p.optional("UserPrincipalName") {
        upn.split('@').next().map(str::to_string)
    } else if let Some(id) = p.optional("UserId") {
        user_store::by_id(txn, account, id)?.map(|u| u.name)
    } else if let Some(key) = p.optional("UserAccessKeyId").filter(|_| p.optional("Status").is_none()) {
        match crate::identity::access_keys::get(txn, key)? {
            Some(k) if k.account_id == *account => match k.owner {
                crate::identity::access_keys::Owner::User(uid) => user_store::by_id(txn, account, &uid)?.map(|u| u.name),
                crate::identity::access_keys::Owner::Root => None,
            },
            _ => None,
        }
    } else {
        None
    };
    match name {
        Some(n) => Ok(vec![arns::user(txn, account, &n)?]),
        None => arns::self_or_all(call, txn),
    }
}
