//! IMS 2019-08-15, the identity API that addresses users by `UserPrincipalName` and carries the
//! seed's UntagResources (ram.md 0.1, 7). It acts on the same users and keys as RAM 2015-05-01.

mod access_keys;
mod account;
mod groups;
mod login_profiles;
mod mfa;
mod oidc;
mod recycle_bin;
mod saml;
mod security;
mod service_credentials;
mod tags;
mod users;
mod wire;

use crate::actions::{Call, Resources, RpcService};
use crate::authz::{arns, Target};
use crate::failure::Result;
use crate::identity::access_keys::{self as key_store, Owner};
use crate::identity::accounts::logon_domain;
use crate::identity::users::{self as user_store, UserRecord};
use crate::rpc::response::Product;
use crate::rpc_actions;
use crate::services::access_keys as keys;
use crate::services::mfa as shared_mfa;
use localyun_core::error::RamError;
use localyun_store::Txn;
use wire::UserRef;

/// Add/RemoveUserFromGroup: the user and the group (RAM's authorization table, "RAM鉴权").
const MEMBERSHIP: Resources = Resources::Both(&Resources::Custom(ims_user), &Resources::Group("GroupName"));

pub static SERVICE: RpcService = RpcService {
    version: "2019-08-15",
    product: Product { name: "Ims", host: "ims.aliyuncs.com" },
    ram_namespace: "ram",
    actions: rpc_actions![
        "CreateUser" => Write(users::create_user) on Resources::Custom(ims_user),
        "GetUser" => Read(users::get_user) on Resources::Custom(ims_user),
        "UpdateUser" => Write(users::update_user) on Resources::Custom(ims_user),
        "DeleteUser" => Write(users::delete_user) on Resources::Custom(ims_user),
        "ListUsers" => Read(users::list_users),
        "GetDefaultDomain" => Read(users::get_default_domain),
        "TagResources" => Write(tags::tag_resources),
        "UntagResources" => Write(tags::untag_resources),
        "ListTagResources" => Read(tags::list_tag_resources),
        "CreateAccessKey" => Write(keys::create_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "ListAccessKeys" => Read(keys::list_access_keys::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "UpdateAccessKey" => Write(keys::update_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "DeleteAccessKey" => Write(keys::delete_access_key::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "AddClientIdToOIDCProvider" => Write(oidc::add_client_id) on Resources::Custom(arns::oidc_provider),
        "AddFingerprintToOIDCProvider" => Write(oidc::add_fingerprint) on Resources::Custom(arns::oidc_provider),
        "AddUserToGroup" => Write(groups::add_user_to_group) on MEMBERSHIP,
        "BindMFADevice" => Write(mfa::bind_mfa_device) on Resources::Custom(ims_user),
        "ChangePassword" => Write(crate::services::passwords::change_password) on Resources::Custom(crate::authz::arns::self_or_all),
        "CreateAppSecret" => Write,
        "CreateApplication" => Write,
        "CreateGroup" => Write(groups::create_group) on Resources::Group("GroupName"),
        "CreateLoginProfile" => Write(login_profiles::create_login_profile) on Resources::Custom(ims_user),
        "CreateOIDCProvider" => Write(oidc::create_oidc_provider) on Resources::Custom(arns::oidc_provider),
        "CreateSAMLProvider" => Write(saml::create_saml_provider) on Resources::Custom(arns::saml_provider),
        "CreateServiceCredential" => Write(service_credentials::create_service_credential) on Resources::Custom(ims_user),
        "CreateVirtualMFADevice" => Write(shared_mfa::create_virtual_mfa_device) on Resources::Custom(arns::mfa_device),
        "DeleteAccessKeyInRecycleBin" => Write(recycle_bin::delete_access_key_in_recycle_bin),
        "DeleteAppSecret" => Write,
        "DeleteApplication" => Write,
        "DeleteGroup" => Write(groups::delete_group) on Resources::Group("GroupName"),
        "DeleteLoginProfile" => Write(login_profiles::delete_login_profile) on Resources::Custom(ims_user),
        "DeleteOIDCProvider" => Write(oidc::delete_oidc_provider) on Resources::Custom(arns::oidc_provider),
        "DeletePasskey" => Write,
        "DeleteSAMLProvider" => Write(saml::delete_saml_provider) on Resources::Custom(arns::saml_provider),
        "DeleteServiceCredential" => Write(service_credentials::delete_service_credential) on Resources::Custom(ims_user),
        "DeleteUserInRecycleBin" => Write(recycle_bin::delete_user_in_recycle_bin),
        "DeleteVirtualMFADevice" => Write(shared_mfa::delete_virtual_mfa_device) on Resources::Custom(arns::mfa_device),
        "DeprovisionApplication" => Write,
        "DeprovisionExternalApplication" => Write,
        "DisableVirtualMFA" => Write(mfa::disable_virtual_mfa) on Resources::Custom(ims_user),
        "GenerateCredentialReport" => Write(account::generate_credential_report),
        "GenerateGovernanceReport" => Write,
        "GetAccessKeyInfoInRecycleBin" => Read(recycle_bin::get_access_key_info_in_recycle_bin),
        "GetAccessKeyLastUsed" => Read(keys::get_access_key_last_used::<access_keys::ByPrincipalName>) on Resources::Custom(ims_user),
        "GetAccessKeyPolicy" => Read(access_keys::get_access_key_policy) on Resources::Custom(ims_user),
        "GetAccessKeyPolicyForAccount" => Read(access_keys::get_access_key_policy_for_account),
        "GetAccountMFAInfo" => Read(mfa::get_account_mfa_info),
        "GetAccountSecurityPracticeReport" => Read,
        "GetAccountSummary" => Read(account::get_account_summary),
        "GetAppSecret" => Read,
        "GetApplication" => Read,
        "GetApplicationProvisionInfo" => Read,
        "GetCredentialReport" => Read(account::get_credential_report),
        "GetExternalApplication" => Read,
        "GetGovernanceItemReport" => Read,
        "GetGovernanceReportStatus" => Read,
        "GetGroup" => Read(groups::get_group) on Resources::Group("GroupName"),
        "GetLoginProfile" => Read(login_profiles::get_login_profile) on Resources::Custom(ims_user),
        "GetOIDCProvider" => Read(oidc::get_oidc_provider) on Resources::Custom(arns::oidc_provider),
        "GetPasswordPolicy" => Read(security::get_password_policy),
        "GetSAMLProvider" => Read(saml::get_saml_provider) on Resources::Custom(arns::saml_provider),
        "GetSecurityPreference" => Read(security::get_security_preference),
        "GetServiceCredential" => Read(service_credentials::get_service_credential) on Resources::Custom(ims_user),
        "GetUserInRecycleBin" => Read(recycle_bin::get_user_in_recycle_bin),
        "GetUserMFAInfo" => Read(mfa::get_user_mfa_info) on Resources::Custom(ims_user),
        "GetUserSsoSettings" => Read(security::get_user_sso_settings),
        "GetVerificationInfo" => Read,
        "ListAccessKeysInRecycleBin" => Read(recycle_bin::list_access_keys_in_recycle_bin),
        "ListAppSecretIds" => Read,
        "ListApplicationProvisionInfos" => Read,
        "ListApplications" => Read,
        "ListExternalApplications" => Read,
        "ListGroups" => Read(groups::list_groups),
        "ListGroupsForUser" => Read(groups::list_groups_for_user) on Resources::Custom(ims_user),
        "ListOIDCProviders" => Read(oidc::list_oidc_providers),
        "ListPasskeys" => Read,
        "ListPredefinedScopes" => Read,
        "ListRecentGovernanceMetrics" => Read,
        "ListSAMLProviders" => Read(saml::list_saml_providers),
        "ListServiceCredentials" => Read(service_credentials::list_service_credentials) on Resources::Custom(credential_listing),
        "ListUserBasicInfos" => Read(users::list_user_basic_infos),
        "ListUsersForGroup" => Read(groups::list_users_for_group) on Resources::Group("GroupName"),
        "ListUsersInRecycleBin" => Read(recycle_bin::list_users_in_recycle_bin),
        "ListVirtualMFADevices" => Read(mfa::list_virtual_mfa_devices) on Resources::Custom(arns::mfa_device),
        "ProvisionApplication" => Write,
        "ProvisionExternalApplication" => Write,
        "RemoveClientIdFromOIDCProvider" => Write(oidc::remove_client_id) on Resources::Custom(arns::oidc_provider),
        "RemoveFingerprintFromOIDCProvider" => Write(oidc::remove_fingerprint) on Resources::Custom(arns::oidc_provider),
        "RemoveUserFromGroup" => Write(groups::remove_user_from_group) on MEMBERSHIP,
        "RestoreAccessKeyFromRecycleBin" => Write(recycle_bin::restore_access_key_from_recycle_bin),
        "RestoreUserFromRecycleBin" => Write(recycle_bin::restore_user_from_recycle_bin),
        "SetAccessKeyPolicy" => Write(access_keys::set_access_key_policy) on Resources::Custom(ims_user),
        "SetAccessKeyPolicyForAccount" => Write(access_keys::set_access_key_policy_for_account),
        "SetDefaultDomain" => Write(users::set_default_domain),
        "SetPasswordPolicy" => Write(security::set_password_policy),
        "SetSecurityPreference" => Write(security::set_security_preference),
        "SetUserSsoSettings" => Write(security::set_user_sso_settings),
        "SetVerificationInfo" => Write,
        "UnbindMFADevice" => Write(mfa::unbind_mfa_device) on Resources::Custom(ims_user),
        "UnbindVerification" => Write,
        "UpdateApplication" => Write,
        "UpdateGroup" => Write(groups::update_group) on Resources::Group("GroupName"),
        "UpdateLoginProfile" => Write(login_profiles::update_login_profile) on Resources::Custom(ims_user),
        "UpdateOIDCProvider" => Write(oidc::update_oidc_provider) on Resources::Custom(arns::oidc_provider),
        "UpdatePasskey" => Write,
        "UpdateSAMLProvider" => Write(saml::update_saml_provider) on Resources::Custom(arns::saml_provider),
        "UpdateServiceCredential" => Write(service_credentials::update_service_credential) on Resources::Custom(ims_user),
    ],
};

/// The user with this logon name, if the domain is the account's and the name exists.
fn by_principal_name(txn: &mut dyn Txn, account: &str, upn: &str) -> Result<Option<UserRecord>> {
    let Some((name, domain)) = upn.rsplit_once('@') else { return Ok(None) };
    if !domain.eq_ignore_ascii_case(&logon_domain(txn, account)?) {
        return Ok(None);
    }
    user_store::by_name(txn, account, name)
}

/// The user owning the account's AccessKey `key_id`, if it is a user's.
fn by_access_key(txn: &mut dyn Txn, account: &str, key_id: &str) -> Result<Option<UserRecord>> {
    match key_store::get(txn, key_id)? {
        Some(k) if k.account_id == account => match k.owner {
            Owner::User(uid) => user_store::by_id(txn, account, &uid),
            Owner::Root => Ok(None),
        },
        _ => Ok(None),
    }
}

/// The user a GetUser/UpdateUser/DeleteUser call names (ram.md 7.1).
fn named_user(txn: &mut dyn Txn, account: &str, user: &UserRef) -> Result<UserRecord> {
    let found = match user {
        UserRef::PrincipalName(upn) => by_principal_name(txn, account, upn)?,
        UserRef::Id(id) => user_store::by_id(txn, account, id)?,
        UserRef::AccessKey(key_id) => by_access_key(txn, account, key_id)?,
    };
    found.ok_or_else(|| RamError::UserNotFound.into())
}

/// ListServiceCredentials with `AllUsers=true` lists every user's: it is authorized on
/// `acs:ram:*:<acct>:user/*`; otherwise on the user it names (or the caller).
fn credential_listing(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    match call.params.bool("AllUsers") {
        Ok(Some(true)) => Ok(vec![Target::arn(format!("acs:ram:*:{}:user/*", call.caller.account_id))]),
        _ => ims_user(call, txn),
    }
}

/// IMS names users by logon name, ID or AccessKey; the ARN uses the user name. A call naming
/// no user acts on the calling user itself.
fn ims_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Vec<Target>> {
    let account = &call.caller.account_id;
    let name = match UserRef::for_resource(call.params) {
        Some(UserRef::PrincipalName(upn)) => upn.split('@').next().map(str::to_string),
        Some(UserRef::Id(id)) => user_store::by_id(txn, account, &id)?.map(|u| u.name),
        Some(UserRef::AccessKey(key_id)) => by_access_key(txn, account, &key_id)?.map(|u| u.name),
        None => None,
    };
    match name {
        Some(n) => Ok(vec![arns::user(txn, account, &n)?]),
        None => arns::self_or_all(call, txn),
    }
}
