//! RAM 2015-05-01 ("RAM classic", ram.md 6): every action of the catalog is served (users,
//! groups, roles, service-linked roles, policies and their attachments, tags, AccessKeys, login
//! profiles, MFA devices, account settings, diagnostics).

mod access_keys;
mod account;
mod attachments;
mod diagnostics;
mod groups;
mod login_profiles;
mod mfa;
mod policies;
mod roles;
mod tags;
mod users;
mod wire;

use crate::actions::{Resources, RpcService};
use crate::rpc::response::Product;
use crate::rpc_actions;
use crate::services::access_keys as keys;
use crate::services::mfa as shared_mfa;

/// A custom or system policy, named by `PolicyName` and `PolicyType` (ram.md 9).
const POLICY: Resources = Resources::Policy { name: "PolicyName", kind: "PolicyType" };
/// Add/RemoveUserFromGroup: the user and the group (RAM's authorization table, "RAM鉴权").
const MEMBERSHIP: Resources = Resources::Both(&Resources::User("UserName"), &Resources::Group("GroupName"));

pub static SERVICE: RpcService = RpcService {
    version: "2015-05-01",
    product: Product { name: "Ram", host: "ram.aliyuncs.com" },
    ram_namespace: "ram",
    actions: rpc_actions![
        "CreateUser" => Write(users::create_user) on Resources::User("UserName"),
        "GetUser" => Read(users::get_user) on Resources::User("UserName"),
        "UpdateUser" => Write(users::update_user) on Resources::User("UserName"),
        "DeleteUser" => Write(users::delete_user) on Resources::User("UserName"),
        "ListUsers" => Read(users::list_users),
        "CreateAccessKey" => Write(keys::create_access_key::<wire::ByUserName>) on Resources::UserOrSelf("UserName"),
        "ListAccessKeys" => Read(keys::list_access_keys::<wire::ByUserName>) on Resources::UserOrSelf("UserName"),
        "UpdateAccessKey" => Write(keys::update_access_key::<wire::ByUserName>) on Resources::UserOrSelf("UserName"),
        "DeleteAccessKey" => Write(keys::delete_access_key::<wire::ByUserName>) on Resources::UserOrSelf("UserName"),
        "AddUserToGroup" => Write(groups::add_user_to_group) on MEMBERSHIP,
        "AttachPolicyToGroup" => Write(attachments::attach::<wire::OfGroup>) on Resources::Both(&Resources::Group("GroupName"), &POLICY),
        "AttachPolicyToRole" => Write(attachments::attach::<wire::OfRole>) on Resources::Both(&Resources::Role("RoleName"), &POLICY),
        "AttachPolicyToUser" => Write(attachments::attach::<wire::OfUser>) on Resources::Both(&Resources::User("UserName"), &POLICY),
        "BindMFADevice" => Write(mfa::bind_mfa_device) on Resources::User("UserName"),
        "ChangePassword" => Write(crate::services::passwords::change_password) on Resources::Custom(crate::authz::arns::self_or_all),
        "ClearAccountAlias" => Write(account::clear_account_alias),
        "CreateGroup" => Write(groups::create_group) on Resources::Group("GroupName"),
        "CreateLoginProfile" => Write(login_profiles::create_login_profile) on Resources::User("UserName"),
        "CreatePolicy" => Write(policies::create_policy) on POLICY,
        "CreatePolicyVersion" => Write(policies::create_policy_version) on POLICY,
        "CreateRole" => Write(roles::create_role) on Resources::Role("RoleName"),
        "CreateServiceLinkedRole" => Write(roles::create_service_linked_role),
        "CreateVirtualMFADevice" => Write(shared_mfa::create_virtual_mfa_device) on Resources::Custom(crate::authz::arns::mfa_device),
        "DecodeDiagnosticMessage" => Read(diagnostics::decode_diagnostic_message),
        "DeleteGroup" => Write(groups::delete_group) on Resources::Group("GroupName"),
        "DeleteLoginProfile" => Write(login_profiles::delete_login_profile) on Resources::User("UserName"),
        "DeletePolicy" => Write(policies::delete_policy) on POLICY,
        "DeletePolicyVersion" => Write(policies::delete_policy_version) on POLICY,
        "DeleteRole" => Write(roles::delete_role) on Resources::Role("RoleName"),
        "DeleteServiceLinkedRole" => Write(roles::delete_service_linked_role) on Resources::Role("RoleName"),
        "DeleteVirtualMFADevice" => Write(shared_mfa::delete_virtual_mfa_device) on Resources::Custom(crate::authz::arns::mfa_device),
        "DetachPolicyFromGroup" => Write(attachments::detach::<wire::OfGroup>) on Resources::Both(&Resources::Group("GroupName"), &POLICY),
        "DetachPolicyFromRole" => Write(attachments::detach::<wire::OfRole>) on Resources::Both(&Resources::Role("RoleName"), &POLICY),
        "DetachPolicyFromUser" => Write(attachments::detach::<wire::OfUser>) on Resources::Both(&Resources::User("UserName"), &POLICY),
        "GetAccessKeyLastUsed" => Read(keys::get_access_key_last_used::<wire::ByUserName>) on Resources::UserOrSelf("UserName"),
        "GetAccountAlias" => Read(account::get_account_alias),
        "GetGroup" => Read(groups::get_group) on Resources::Group("GroupName"),
        "GetLoginProfile" => Read(login_profiles::get_login_profile) on Resources::User("UserName"),
        "GetPasswordPolicy" => Read(account::get_password_policy),
        "GetPolicy" => Read(policies::get_policy) on POLICY,
        "GetPolicyVersion" => Read(policies::get_policy_version) on POLICY,
        "GetRole" => Read(roles::get_role) on Resources::Role("RoleName"),
        "GetSecurityPreference" => Read(account::get_security_preference),
        "GetServiceLinkedRoleTemplate" => Read(roles::get_service_linked_role_template),
        "GetUserMFAInfo" => Read(mfa::get_user_mfa_info) on Resources::User("UserName"),
        "ListEntitiesForPolicy" => Read(attachments::list_entities_for_policy) on POLICY,
        "ListGroups" => Read(groups::list_groups),
        "ListGroupsForUser" => Read(groups::list_groups_for_user) on Resources::User("UserName"),
        "ListPolicies" => Read(policies::list_policies),
        "ListPoliciesForGroup" => Read(attachments::list_policies_for::<wire::OfGroup>) on Resources::Group("GroupName"),
        "ListPoliciesForRole" => Read(attachments::list_policies_for::<wire::OfRole>) on Resources::Role("RoleName"),
        "ListPoliciesForUser" => Read(attachments::list_policies_for::<wire::OfUser>) on Resources::User("UserName"),
        "ListPolicyVersions" => Read(policies::list_policy_versions) on POLICY,
        "ListRoles" => Read(roles::list_roles),
        "ListTagResources" => Read(tags::list_tag_resources),
        "ListUsersForGroup" => Read(groups::list_users_for_group) on Resources::Group("GroupName"),
        "ListVirtualMFADevices" => Read(mfa::list_virtual_mfa_devices) on Resources::Custom(crate::authz::arns::mfa_device),
        "RemoveUserFromGroup" => Write(groups::remove_user_from_group) on MEMBERSHIP,
        "SetAccountAlias" => Write(account::set_account_alias),
        "SetDefaultPolicyVersion" => Write(policies::set_default_policy_version) on POLICY,
        "SetPasswordPolicy" => Write(account::set_password_policy),
        "SetSecurityPreference" => Write(account::set_security_preference),
        "TagResources" => Write(tags::tag_resources),
        "UnbindMFADevice" => Write(mfa::unbind_mfa_device) on Resources::User("UserName"),
        "UntagResources" => Write(tags::untag_resources),
        "UpdateGroup" => Write(groups::update_group) on Resources::Group("GroupName"),
        "UpdateLoginProfile" => Write(login_profiles::update_login_profile) on Resources::User("UserName"),
        "UpdatePolicyDescription" => Write(policies::update_policy_description) on POLICY,
        "UpdateRole" => Write(roles::update_role) on Resources::Role("RoleName"),
    ],
};
