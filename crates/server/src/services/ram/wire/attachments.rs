//! Attaching policies to users, groups and roles, and listing both ways (ram.md 6.5).

use super::{GroupName, NamedUser, RoleName, TypedPolicyRef, FIRST_VERSION};
use crate::failure::Result;
use crate::identity::attachments::Entity;
use crate::identity::policies::AnyPolicy;
use crate::identity::{groups::GroupRecord, roles::RoleRecord, users::UserRecord};
use crate::rpc::decode::{FromParams, Named};
use crate::rpc::encode::Date;
use localyun_core::params::Params;
use serde::Serialize;
use std::marker::PhantomData;

/// The kind of entity a policy is attached to, and the parameter naming it.
pub trait AttachedEntity {
    const KIND: Entity;
    fn read_name(p: &Params) -> Result<String>;
}

/// `UserName`.
pub struct OfUser;
/// `GroupName` (the user-name rule).
pub struct OfGroup;
/// `RoleName`.
pub struct OfRole;

impl AttachedEntity for OfUser {
    const KIND: Entity = Entity::User;
    fn read_name(p: &Params) -> Result<String> {
        Ok(NamedUser::from_params(p)?.user_name)
    }
}

impl AttachedEntity for OfGroup {
    const KIND: Entity = Entity::Group;
    fn read_name(p: &Params) -> Result<String> {
        Ok(GroupName::from_params(p)?.0)
    }
}

impl AttachedEntity for OfRole {
    const KIND: Entity = Entity::Role;
    fn read_name(p: &Params) -> Result<String> {
        Ok(RoleName::from_params(p)?.0)
    }
}

/// The user, group or role a call names (ListPoliciesForUser/Group/Role).
pub struct EntityName<E> {
    pub name: String,
    kind: PhantomData<E>,
}

impl<E: AttachedEntity> FromParams for EntityName<E> {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { name: E::read_name(p)?, kind: PhantomData })
    }
}

/// Attach*/Detach*: the policy, then the entity (a missing policy answers before a malformed
/// or missing entity name).
pub type Attachment<E> = Named<TypedPolicyRef, EntityName<E>>;

/// A policy attached to the entity of ListPoliciesForUser/Group/Role.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub default_version: String,
    pub attach_date: Date,
}

impl AttachedPolicy {
    pub fn of(p: &AnyPolicy, at_ms: i64) -> Self {
        let (description, default_version) = match p {
            AnyPolicy::System(s) => (Some(s.description.to_string()), FIRST_VERSION.to_string()),
            AnyPolicy::Custom(c) => (c.description.clone(), c.default_version.clone()),
        };
        Self {
            policy_name: p.name().to_string(),
            policy_type: p.policy_type().as_str(),
            description,
            default_version,
            attach_date: Date(at_ms),
        }
    }
}

crate::wrapper!(AttachedPolicies, "Policy", AttachedPolicy);

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicyList {
    pub policies: AttachedPolicies,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedUser {
    pub user_id: String,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub attach_date: Date,
}

impl AttachedUser {
    pub fn of(u: UserRecord, at_ms: i64) -> Self {
        Self { user_id: u.id, user_name: u.name, display_name: u.display_name, attach_date: Date(at_ms) }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedGroup {
    pub group_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub attach_date: Date,
}

impl AttachedGroup {
    pub fn of(g: GroupRecord, at_ms: i64) -> Self {
        Self { group_name: g.name, comments: g.comments, attach_date: Date(at_ms) }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedRole {
    pub role_id: String,
    pub role_name: String,
    pub arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub attach_date: Date,
}

impl AttachedRole {
    pub fn of(r: RoleRecord, account: &str, at_ms: i64) -> Self {
        let arn = r.arn(account);
        Self { role_id: r.id, role_name: r.name, arn, description: r.description, attach_date: Date(at_ms) }
    }
}

crate::wrapper!(AttachedUsers, "User", AttachedUser);
crate::wrapper!(AttachedGroups, "Group", AttachedGroup);
crate::wrapper!(AttachedRoles, "Role", AttachedRole);

/// ListEntitiesForPolicy.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyEntities {
    pub users: AttachedUsers,
    pub groups: AttachedGroups,
    pub roles: AttachedRoles,
}
