//! Attaching policies to users, groups and roles, and listing both ways (ram.md 6.5).

use super::policies::named_policy;
use crate::actions::Call;
use crate::failure::Result;
use crate::identity::attachments::{self, Entity};
use crate::identity::policies::{self, AnyPolicy};
use crate::identity::{groups, roles, users};
use crate::services::{wrapped, Fields};
use localyun_core::names::{check_role_name, check_user_name};
use localyun_store::Txn;
use serde_json::{Map, Value};

/// The entity a call names (`UserName`, `GroupName` or `RoleName`) as its stored ID.
fn entity_id(call: &Call<'_>, txn: &mut dyn Txn, e: Entity) -> Result<String> {
    let account = &call.caller.account_id;
    let p = call.params;
    Ok(match e {
        Entity::User => {
            let n = p.required("UserName")?;
            check_user_name("UserName", n)?;
            users::require_by_name(txn, account, n)?.id
        }
        Entity::Group => {
            let n = p.required("GroupName")?;
            check_user_name("GroupName", n)?;
            groups::require_by_name(txn, account, n)?.id
        }
        Entity::Role => {
            let n = p.required("RoleName")?;
            check_role_name("RoleName", n)?;
            roles::require_by_name(txn, account, n)?.id
        }
    })
}

fn attach(call: &Call<'_>, txn: &mut dyn Txn, e: Entity) -> Result<Map<String, Value>> {
    let policy = named_policy(call, txn, true)?;
    let id = entity_id(call, txn, e)?;
    attachments::attach(txn, &call.caller.account_id, e, &id, policy.policy_type(), policy.name())?;
    Ok(Map::new())
}

fn detach(call: &Call<'_>, txn: &mut dyn Txn, e: Entity) -> Result<Map<String, Value>> {
    let policy = named_policy(call, txn, true)?;
    let id = entity_id(call, txn, e)?;
    attachments::detach(txn, &call.caller.account_id, e, &id, policy.policy_type(), policy.name())?;
    Ok(Map::new())
}

fn list_for(call: &Call<'_>, txn: &mut dyn Txn, e: Entity) -> Result<Map<String, Value>> {
    let account = call.caller.account_id.clone();
    let id = entity_id(call, txn, e)?;
    let mut items = Vec::new();
    for (t, name, at) in attachments::of_entity(txn, &account, e, &id)? {
        let Ok(p) = policies::require(txn, &account, t, &name) else { continue };
        let (description, default) = match &p {
            AnyPolicy::System(s) => (Some(s.description.to_string()), "v1".to_string()),
            AnyPolicy::Custom(c) => (c.description.clone(), c.default_version.clone()),
        };
        items.push(
            Fields::new()
                .set("PolicyName", p.name().to_string())
                .set("PolicyType", t.as_str())
                .opt("Description", description)
                .set("DefaultVersion", default)
                .date("AttachDate", at)
                .into(),
        );
    }
    Ok(Fields::new().set("Policies", wrapped("Policy", items)).build())
}

pub fn attach_policy_to_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    attach(call, txn, Entity::User)
}
pub fn attach_policy_to_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    attach(call, txn, Entity::Group)
}
pub fn attach_policy_to_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    attach(call, txn, Entity::Role)
}
pub fn detach_policy_from_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    detach(call, txn, Entity::User)
}
pub fn detach_policy_from_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    detach(call, txn, Entity::Group)
}
pub fn detach_policy_from_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    detach(call, txn, Entity::Role)
}
pub fn list_policies_for_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    list_for(call, txn, Entity::User)
}
pub fn list_policies_for_group(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    list_for(call, txn, Entity::Group)
}
pub fn list_policies_for_role(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    list_for(call, txn, Entity::Role)
}

pub fn list_entities_for_policy(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let account = call.caller.account_id.clone();
    let p = named_policy(call, txn, false)?;
    let (mut us, mut gs, mut rs) = (Vec::new(), Vec::new(), Vec::new());
    for (e, id, at) in attachments::of_policy(txn, &account, p.policy_type(), p.name())? {
        match e {
            Entity::User => {
                if let Some(u) = users::by_id(txn, &account, &id)? {
                    us.push(
                        Fields::new()
                            .set("UserId", u.id)
                            .set("UserName", u.name)
                            .opt("DisplayName", u.display_name)
                            .date("AttachDate", at)
                            .into(),
                    );
                }
            }
            Entity::Group => {
                if let Some(g) = groups::by_id(txn, &account, &id)? {
                    gs.push(Fields::new().set("GroupName", g.name).opt("Comments", g.comments).date("AttachDate", at).into());
                }
            }
            Entity::Role => {
                if let Some(r) = roles::by_id(txn, &account, &id)? {
                    let arn = r.arn(&account);
                    rs.push(
                        Fields::new()
                            .set("RoleId", r.id)
                            .set("RoleName", r.name)
                            .set("Arn", arn)
                            .opt("Description", r.description)
                            .date("AttachDate", at)
                            .into(),
                    );
                }
            }
        }
    }
    Ok(Fields::new().set("Users", wrapped("User", us)).set("Groups", wrapped("Group", gs)).set("Roles", wrapped("Role", rs)).build())
}
