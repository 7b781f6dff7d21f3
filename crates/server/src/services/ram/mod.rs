//! RAM 2015-05-01 ("RAM classic", ram.md 6): users and AccessKeys are served; the rest of the
//! catalog is listed so that it answers "not implemented" under its real name.

mod access_keys;
mod attachments;
mod diagnostics;
mod groups;
mod policies;
mod roles;
mod tags;
mod users;

use crate::rpc::response::Product;
use crate::rpc::RpcService;
use crate::rpc_actions;
use crate::services::access_keys as keys;

pub static SERVICE: RpcService = RpcService {
    version: "2015-05-01",
    product: Product { name: "Ram", host: "ram.aliyuncs.com" },
    ram_namespace: "ram",
    actions: rpc_actions![
        "CreateUser" => Write(users::create_user) on crate::authz::arns::user_param,
        "GetUser" => Read(users::get_user) on crate::authz::arns::user_param,
        "UpdateUser" => Write(users::update_user) on crate::authz::arns::user_param,
        "DeleteUser" => Write(users::delete_user) on crate::authz::arns::user_param,
        "ListUsers" => Read(users::list_users),
        "CreateAccessKey" => Write(keys::create_access_key::<access_keys::ByUserName>) on crate::authz::arns::user_or_self,
        "ListAccessKeys" => Read(keys::list_access_keys::<access_keys::ByUserName>) on crate::authz::arns::user_or_self,
        "UpdateAccessKey" => Write(keys::update_access_key::<access_keys::ByUserName>) on crate::authz::arns::user_or_self,
        "DeleteAccessKey" => Write(keys::delete_access_key::<access_keys::ByUserName>) on crate::authz::arns::user_or_self,
        "AddUserToGroup" => Write(groups::add_user_to_group) on crate::authz::arns::group_param,
        "AttachPolicyToGroup" => Write(attachments::attach_policy_to_group) on crate::authz::arns::group_and_policy,
        "AttachPolicyToRole" => Write(attachments::attach_policy_to_role) on crate::authz::arns::role_and_policy,
        "AttachPolicyToUser" => Write(attachments::attach_policy_to_user) on crate::authz::arns::user_and_policy,
        "BindMFADevice" => Write,
        "ChangePassword" => Write,
        "ClearAccountAlias" => Write,
        "CreateGroup" => Write(groups::create_group) on crate::authz::arns::group_param,
        "CreateLoginProfile" => Write,
        "CreatePolicy" => Write(policies::create_policy) on crate::authz::arns::policy_param,
        "CreatePolicyVersion" => Write(policies::create_policy_version) on crate::authz::arns::policy_param,
        "CreateRole" => Write(roles::create_role) on crate::authz::arns::role_param,
        "CreateServiceLinkedRole" => Write,
        "CreateVirtualMFADevice" => Write,
        "DecodeDiagnosticMessage" => Read(diagnostics::decode_diagnostic_message),
        "DeleteGroup" => Write(groups::delete_group) on crate::authz::arns::group_param,
        "DeleteLoginProfile" => Write,
        "DeletePolicy" => Write(policies::delete_policy) on crate::authz::arns::policy_param,
        "DeletePolicyVersion" => Write(policies::delete_policy_version) on crate::authz::arns::policy_param,
        "DeleteRole" => Write(roles::delete_role) on crate::authz::arns::role_param,
        "DeleteServiceLinkedRole" => Write,
        "DeleteVirtualMFADevice" => Write,
        "DetachPolicyFromGroup" => Write(attachments::detach_policy_from_group) on crate::authz::arns::group_and_policy,
        "DetachPolicyFromRole" => Write(attachments::detach_policy_from_role) on crate::authz::arns::role_and_policy,
        "DetachPolicyFromUser" => Write(attachments::detach_policy_from_user) on crate::authz::arns::user_and_policy,
        "GetAccessKeyLastUsed" => Read,
        "GetAccountAlias" => Read,
        "GetGroup" => Read(groups::get_group) on crate::authz::arns::group_param,
        "GetLoginProfile" => Read,
        "GetPasswordPolicy" => Read,
        "GetPolicy" => Read(policies::get_policy) on crate::authz::arns::policy_param,
        "GetPolicyVersion" => Read(policies::get_policy_version) on crate::authz::arns::policy_param,
        "GetRole" => Read(roles::get_role) on crate::authz::arns::role_param,
        "GetSecurityPreference" => Read,
        "GetServiceLinkedRoleTemplate" => Read,
        "GetUserMFAInfo" => Read,
        "ListEntitiesForPolicy" => Read(attachments::list_entities_for_policy) on crate::authz::arns::policy_param,
        "ListGroups" => Read(groups::list_groups),
        "ListGroupsForUser" => Read(groups::list_groups_for_user) on crate::authz::arns::user_param,
        "ListPolicies" => Read(policies::list_policies),
        "ListPoliciesForGroup" => Read(attachments::list_policies_for_group) on crate::authz::arns::group_param,
        "ListPoliciesForRole" => Read(attachments::list_policies_for_role) on crate::authz::arns::role_param,
        "ListPoliciesForUser" => Read(attachments::list_policies_for_user) on crate::authz::arns::user_param,
        "ListPolicyVersions" => Read(policies::list_policy_versions) on crate::authz::arns::policy_param,
        "ListRoles" => Read(roles::list_roles),
        "ListTagResources" => Read(tags::list_tag_resources),
        "ListUsersForGroup" => Read(groups::list_users_for_group) on crate::authz::arns::group_param,
        "ListVirtualMFADevices" => Read,
        "RemoveUserFromGroup" => Write(groups::remove_user_from_group) on crate::authz::arns::group_param,
        "SetAccountAlias" => Write,
        "SetDefaultPolicyVersion" => Write(policies::set_default_policy_version) on crate::authz::arns::policy_param,
        "SetPasswordPolicy" => Write,
        "SetSecurityPreference" => Write,
        "TagResources" => Write(tags::tag_resources),
        "UnbindMFADevice" => Write,
        "UntagResources" => Write(tags::untag_resources),
        "UpdateGroup" => Write(groups::update_group) on crate::authz::arns::group_param,
        "UpdateLoginProfile" => Write,
        "UpdatePolicyDescription" => Write(policies::update_policy_description) on crate::authz::arns::policy_param,
        "UpdateRole" => Write(roles::update_role) on crate::authz::arns::role_param,
    ],
};
