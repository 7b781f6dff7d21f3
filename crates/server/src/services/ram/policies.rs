//! RAM 2015-05-01 policies and policy versions (ram.md 6.4, policy.md 8): documents are
//! validated on write (`MalformedPolicyDocument`) and returned verbatim.

use super::wire::{
    CreatePolicy, CreatePolicyVersion, DeletePolicy, GetPolicyAnswer, GetPolicyVersion, ListPolicies, NamedVersion, Policy, PolicyAnswer,
    PolicyPage, PolicyRef, PolicyVersion, PolicyVersionAnswer, PolicyVersionList, UpdatePolicyDescription,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::attachments::{self, PolicyType};
use crate::identity::policies::{self, AnyPolicy, PolicyRecord, SYSTEM_POLICIES};
use localyun_core::error::RamError;
use localyun_core::tags::matches_all;
use localyun_store::Txn;

/// The policy a call names; without a type, a custom policy of that name, else a system one.
pub(super) fn find(txn: &mut dyn Txn, account: &str, name: &str, kind: Option<PolicyType>) -> Result<AnyPolicy> {
    match kind {
        Some(t) => policies::require(txn, account, t, name),
        None => match policies::custom(txn, account, name)? {
            Some(p) => Ok(AnyPolicy::Custom(p)),
            None => policies::system(name).map(AnyPolicy::System).ok_or_else(|| policies::not_found().into()),
        },
    }
}

/// A policy as Get and List answer it, with its attachment count.
fn answered(txn: &mut dyn Txn, account: &str, p: &AnyPolicy) -> Result<Policy> {
    let count = attachments::count_of_policy(txn, account, p.policy_type(), p.name())?;
    Ok(Policy::of(p, count))
}

pub fn create_policy(req: CreatePolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyAnswer> {
    let record = policies::create(txn, cx.account(), &req.policy_name, req.description, &req.policy_document, req.tags)?;
    Ok(PolicyAnswer { policy: Policy::created(&record) })
}

pub fn get_policy(req: PolicyRef, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<GetPolicyAnswer> {
    let p = find(txn, cx.account(), &req.name, req.kind)?;
    let default_policy_version = PolicyVersion::default_of(&p);
    Ok(GetPolicyAnswer { policy: answered(txn, cx.account(), &p)?, default_policy_version })
}

pub fn update_policy_description(req: UpdatePolicyDescription, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyAnswer> {
    let mut p = policies::require_custom(txn, cx.account(), &req.name.0)?;
    p.description = req.rest.take()?.0;
    p.updated_ms = crate::identity::now_ms();
    policies::save_policy(txn, cx.account(), &p)?;
    Ok(PolicyAnswer { policy: answered(txn, cx.account(), &AnyPolicy::Custom(p))? })
}

pub fn delete_policy(req: DeletePolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let p = policies::require_custom(txn, cx.account(), &req.name.0)?;
    let cascading = req.rest.take()?.0;
    policies::delete(txn, cx.account(), &p, cascading)
}

/// System policies first (fixed order), then custom ones by creation; `PolicyType` filters,
/// `Tag` filters custom policies (system policies carry no tags). Positions are `0/{index}` for
/// system policies and `1/{creation}/{lower-case name}` for custom ones; the custom part of a
/// page is read from the position index, so a page loads only its own policies (with a tag
/// filter, policies in listing order until the page is full and one more matches).
pub fn list_policies(req: ListPolicies, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyPage> {
    let wanted = req.kind;
    let refs = req.filter.refs();
    let (max, after) = (req.paging.0.max, req.paging.0.after.as_deref());
    let mut page: Vec<(String, AnyPolicy)> = Vec::new();
    let mut more = false;
    if wanted != Some(PolicyType::Custom) && refs.is_empty() {
        for (i, s) in SYSTEM_POLICIES.iter().enumerate() {
            let pos = format!("0/{i:04}");
            if after.is_some_and(|a| pos.as_str() <= a) {
                continue;
            }
            if page.len() == max {
                more = true;
                break;
            }
            page.push((pos, AnyPolicy::System(s)));
        }
    }
    if !more && wanted != Some(PolicyType::System) {
        if let Some(custom_after) = custom_after(after) {
            let keep = |c: &PolicyRecord| matches_all(&c.tags, &refs);
            let keep: Option<&dyn Fn(&PolicyRecord) -> bool> = if refs.is_empty() { None } else { Some(&keep) };
            let (custom, more_custom) = policies::page_custom(txn, cx.account(), custom_after, max - page.len(), keep)?;
            page.extend(custom.into_iter().map(|c| (format!("1/{}", c.position()), AnyPolicy::Custom(c))));
            more = more_custom;
        }
    }
    let mut items = Vec::with_capacity(page.len());
    for (_, p) in &page {
        items.push(answered(txn, cx.account(), p)?.with_tags(p));
    }
    Ok(PolicyPage::new(more, page.last().map(|(pos, _)| pos.clone()), items))
}

/// Where the custom policies resume after the position `after` (a custom position is `1/` and
/// the index position): `Some(None)` from the first, `Some(Some(p))` after index position `p`,
/// `None` when every custom position comes before `after`.
fn custom_after(after: Option<&str>) -> Option<Option<&str>> {
    match after {
        None => Some(None),
        Some(a) if a < "1/" => Some(None),
        Some(a) => a.strip_prefix("1/").map(Some),
    }
}

pub fn create_policy_version(req: CreatePolicyVersion, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyVersionAnswer> {
    let p = policies::require_custom(txn, cx.account(), &req.name.0)?;
    let new = req.rest.take()?;
    let (p, v) = policies::add_version(txn, cx.account(), p, &new.policy_document, new.set_as_default, new.rotate)?;
    Ok(PolicyVersionAnswer { policy_version: PolicyVersion::of(&v, &p.default_version) })
}

pub fn get_policy_version(req: GetPolicyVersion, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyVersionAnswer> {
    let id = req.version_id.0;
    let policy_version = match find(txn, cx.account(), &req.policy.name, req.policy.kind)? {
        AnyPolicy::System(s) if id == "v1" => PolicyVersion::system(s),
        AnyPolicy::System(_) => return Err(policies::version_not_found().into()),
        AnyPolicy::Custom(c) => PolicyVersion::of(c.version(&id).ok_or_else(policies::version_not_found)?, &c.default_version),
    };
    Ok(PolicyVersionAnswer { policy_version })
}

pub fn list_policy_versions(req: PolicyRef, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PolicyVersionList> {
    let p = find(txn, cx.account(), &req.name, req.kind)?;
    Ok(PolicyVersionList { policy_versions: PolicyVersion::all_of(&p).into() })
}

/// The custom policy and one of its versions.
fn named_version(req: NamedVersion, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<(PolicyRecord, String)> {
    let p = policies::require_custom(txn, cx.account(), &req.name.0)?;
    let id = req.rest.take()?.0;
    if p.version(&id).is_none() {
        return Err(policies::version_not_found().into());
    }
    Ok((p, id))
}

pub fn set_default_policy_version(req: NamedVersion, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (mut p, id) = named_version(req, cx, txn)?;
    p.default_version = id;
    p.updated_ms = crate::identity::now_ms();
    policies::save_policy(txn, cx.account(), &p)
}

pub fn delete_policy_version(req: NamedVersion, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let (mut p, id) = named_version(req, cx, txn)?;
    if p.default_version == id {
        return Err(RamError::DefaultVersionDelete.into());
    }
    p.versions.retain(|v| v.id != id);
    policies::save_policy(txn, cx.account(), &p)
}
