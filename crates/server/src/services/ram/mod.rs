//! RAM 2015-05-01 ("RAM classic", ram.md 6): users and AccessKeys are served; the rest of the
//! catalog is listed so that it answers "not implemented" under its real name.

mod access_keys;
mod attachments;
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
        "CreateUser" => Write(users::create_user),
        "GetUser" => Read(users::get_user),
        "UpdateUser" => Write(users::update_user),
        "DeleteUser" => Write(users::delete_user),
        "ListUsers" => Read(users::list_users),
        "CreateAccessKey" => Write(keys::create_access_key::<access_keys::ByUserName>),
        "ListAccessKeys" => Read(keys::list_access_keys::<access_keys::ByUserName>),
        "UpdateAccessKey" => Write(keys::update_access_key::<access_keys::ByUserName>),
        "DeleteAccessKey" => Write(keys::delete_access_key::<access_keys::ByUserName>),
        "AddUserToGroup" => Write(groups::add_user_to_group),
        "AttachPolicyToGroup" => Write(attachments::attach_policy_to_group),
        "AttachPolicyToRole" => Write(attachments::attach_policy_to_role),
        "AttachPolicyToUser" => Write(attachments::attach_policy_to_user),
        "BindMFADevice" => Write,
        "ChangePassword" => Write,
        "ClearAccountAlias" => Write,
        "CreateGroup" => Write(groups::create_group),
        "CreateLoginProfile" => Write,
        "CreatePolicy" => Write(policies::create_policy),
        "CreatePolicyVersion" => Write(policies::create_policy_version),
        "CreateRole" => Write(roles::create_role),
        "CreateServiceLinkedRole" => Write,
        "CreateVirtualMFADevice" => Write,
        "DecodeDiagnosticMessage" => Read,
        "DeleteGroup" => Write(groups::delete_group),
        "DeleteLoginProfile" => Write,
        "DeletePolicy" => Write(policies::delete_policy),
        "DeletePolicyVersion" => Write(policies::delete_policy_version),
        "DeleteRole" => Write(roles::delete_role),
        "DeleteServiceLinkedRole" => Write,
        "DeleteVirtualMFADevice" => Write,
        "DetachPolicyFromGroup" => Write(attachments::detach_policy_from_group),
        "DetachPolicyFromRole" => Write(attachments::detach_policy_from_role),
        "DetachPolicyFromUser" => Write(attachments::detach_policy_from_user),
        "GetAccessKeyLastUsed" => Read,
        "GetAccountAlias" => Read,
        "GetGroup" => Read(groups::get_group),
        "GetLoginProfile" => Read,
        "GetPasswordPolicy" => Read,
        "GetPolicy" => Read(policies::get_policy),
        "GetPolicyVersion" => Read(policies::get_policy_version),
        "GetRole" => Read(roles::get_role),
        "GetSecurityPreference" => Read,
        "GetServiceLinkedRoleTemplate" => Read,
        "GetUserMFAInfo" => Read,
        "ListEntitiesForPolicy" => Read(attachments::list_entities_for_policy),
        "ListGroups" => Read(groups::list_groups),
        "ListGroupsForUser" => Read(groups::list_groups_for_user),
        "ListPolicies" => Read(policies::list_policies),
        "ListPoliciesForGroup" => Read(attachments::list_policies_for_group),
        "ListPoliciesForRole" => Read(attachments::list_policies_for_role),
        "ListPoliciesForUser" => Read(attachments::list_policies_for_user),
        "ListPolicyVersions" => Read(policies::list_policy_versions),
        "ListRoles" => Read(roles::list_roles),
        "ListTagResources" => Read(tags::list_tag_resources),
        "ListUsersForGroup" => Read(groups::list_users_for_group),
        "ListVirtualMFADevices" => Read,
        "RemoveUserFromGroup" => Write(groups::remove_user_from_group),
        "SetAccountAlias" => Write,
        "SetDefaultPolicyVersion" => Write(policies::set_default_policy_version),
        "SetPasswordPolicy" => Write,
        "SetSecurityPreference" => Write,
        "TagResources" => Write(tags::tag_resources),
        "UnbindMFADevice" => Write,
        "UntagResources" => Write(tags::untag_resources),
        "UpdateGroup" => Write(groups::update_group),
        "UpdateLoginProfile" => Write,
        "UpdatePolicyDescription" => Write(policies::update_policy_description),
        "UpdateRole" => Write(roles::update_role),
    ],
};
