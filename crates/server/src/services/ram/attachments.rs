//! Attaching policies to users, groups and roles, and listing both ways (ram.md 6.5). The
//! handlers are generic over the entity kind ([`AttachedEntity`]): one row per kind in the table.

use super::policies::find;
use super::wire::{
    AttachedEntity, AttachedGroup, AttachedPolicy, AttachedPolicyList, AttachedRole, AttachedUser, Attachment, EntityName, PolicyEntities,
    PolicyRef,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::attachments::{self, Entity};
use crate::identity::policies::{self, AnyPolicy};
use crate::identity::{groups, roles, users};
use localyun_store::Txn;

/// The stored ID of the entity a call names.
fn entity_id(txn: &mut dyn Txn, account: &str, kind: Entity, name: &str) -> Result<String> {
    Ok(match kind {
        Entity::User => users::require_by_name(txn, account, name)?.id,
        Entity::Group => groups::require_by_name(txn, account, name)?.id,
        Entity::Role => roles::require_by_name(txn, account, name)?.id,
    })
}

/// The policy, then the entity's ID.
fn resolve<E: AttachedEntity>(req: Attachment<E>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<(AnyPolicy, String)> {
    let policy = find(txn, cx.account(), &req.name.name, Some(req.name.kind))?;
    let id = entity_id(txn, cx.account(), E::KIND, &req.rest.take()?.name)?;
    Ok((policy, id))
}

pub fn attach<E: AttachedEntity>(req: Attachment<E>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (policy, id) = resolve(req, cx, txn)?;
    attachments::attach(txn, cx.account(), E::KIND, &id, policy.policy_type(), policy.name())
}

pub fn detach<E: AttachedEntity>(req: Attachment<E>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (policy, id) = resolve(req, cx, txn)?;
    attachments::detach(txn, cx.account(), E::KIND, &id, policy.policy_type(), policy.name())
}

pub fn list_policies_for<E: AttachedEntity>(req: EntityName<E>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AttachedPolicyList> {
    let account = cx.account();
    let id = entity_id(txn, account, E::KIND, &req.name)?;
    let mut items = Vec::new();
    for (t, name, at) in attachments::of_entity(txn, account, E::KIND, &id)? {
        // An attachment whose policy is gone is not listed.
        let Ok(p) = policies::require(txn, account, t, &name) else { continue };
        items.push(AttachedPolicy::of(&p, at));
    }
    Ok(AttachedPolicyList { policies: items.into() })
}

pub fn list_entities_for_policy(req: PolicyRef, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyEntities> {
    let account = cx.account();
    let p = find(txn, account, &req.name, req.kind)?;
    let (mut us, mut gs, mut rs) = (Vec::new(), Vec::new(), Vec::new());
    for (e, id, at) in attachments::of_policy(txn, account, p.policy_type(), p.name())? {
        match e {
            Entity::User => us.extend(users::by_id(txn, account, &id)?.map(|u| AttachedUser::of(u, at))),
            Entity::Group => gs.extend(groups::by_id(txn, account, &id)?.map(|g| AttachedGroup::of(g, at))),
            Entity::Role => rs.extend(roles::by_id(txn, account, &id)?.map(|r| AttachedRole::of(r, account, at))),
        }
    }
    Ok(PolicyEntities { users: us.into(), groups: gs.into(), roles: rs.into() })
}
