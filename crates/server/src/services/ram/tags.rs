//! RAM 2015-05-01 TagResources / UntagResources / ListTagResources for roles and policies, with
//! the JSON-array encoding of this version (ram.md 6.8): `ResourceNames=["r1"]`,
//! `Tag=[{"Key":..,"Value":..}]`, `TagKeys=["k"]`; the list answer is a bare array.

use super::wire::{ListTagResources, ResourceKind, TagResource, TagResourcePage, TagResources, UntagResources};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{policies, roles};
use crate::services::{next_marker, tag_rows_page, TagRow};
use localyun_core::error::RamError;
use localyun_core::paging::page;
use localyun_core::tags::{matches_all, TagSet, RAM_TAGS};
use localyun_store::Txn;

/// A named role or custom policy, with its tags; an unknown name fails the whole call.
enum Tagged {
    Role(roles::RoleRecord),
    Policy(policies::PolicyRecord),
}

impl Tagged {
    fn tags(&self) -> &TagSet {
        match self {
            Tagged::Role(r) => &r.tags,
            Tagged::Policy(p) => &p.tags,
        }
    }

    fn name(&self) -> &str {
        match self {
            Tagged::Role(r) => &r.name,
            Tagged::Policy(p) => &p.name,
        }
    }

    fn save(mut self, txn: &mut dyn Txn, account: &str, tags: TagSet) -> Result<()> {
        match &mut self {
            Tagged::Role(r) => {
                r.tags = tags;
                roles::save_tags(txn, account, r)
            }
            Tagged::Policy(p) => {
                p.tags = tags;
                policies::save_policy(txn, account, p)
            }
        }
    }
}

fn find(txn: &mut dyn Txn, account: &str, kind: ResourceKind, name: &str) -> Result<Tagged> {
    Ok(match kind {
        ResourceKind::Role => Tagged::Role(roles::require_by_name(txn, account, name)?),
        ResourceKind::Policy => Tagged::Policy(policies::require_custom(txn, account, name)?),
    })
}

/// The named resources, each once; an unknown name fails the whole call.
fn named(txn: &mut dyn Txn, account: &str, kind: ResourceKind, names: &[String]) -> Result<Vec<Tagged>> {
    let mut out: Vec<Tagged> = Vec::with_capacity(names.len());
    for n in names {
        let t = find(txn, account, kind, n)?;
        if !out.iter().any(|o| o.name() == t.name()) {
            out.push(t);
        }
    }
    Ok(out)
}

pub fn tag_resources(req: TagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let refs: Vec<(&str, &str)> = req.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let targets = named(txn, cx.account(), req.kind, &req.resource_names)?;
    let updated = targets
        .into_iter()
        .map(|t| RAM_TAGS.merged(t.tags(), &refs).map(|n| (t, n)).map_err(RamError::ram_tag))
        .collect::<Result<Vec<_>, _>>()?;
    for (t, tags) in updated {
        t.save(txn, cx.account(), tags)?;
    }
    Ok(())
}

pub fn untag_resources(req: UntagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    for t in named(txn, cx.account(), req.kind, &req.resource_names)? {
        let mut tags = t.tags().clone();
        if !req.tag_keys.is_empty() {
            tags.retain(|k, _| !req.tag_keys.contains(k));
        } else if req.all {
            tags.clear();
        }
        if tags.len() != t.tags().len() {
            t.save(txn, cx.account(), tags)?;
        }
    }
    Ok(())
}

/// One element per (resource, tag), resources by name and tags by key; `NextToken` while more
/// remain. Without resource names the rows come from the index of tagged roles or policies, in
/// name order: a page loads only the resources of its rows (with a tag filter, resources until
/// the page is full and one more row matches).
pub fn list_tag_resources(req: ListTagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<TagResourcePage> {
    let kind = req.kind;
    let account = cx.account();
    let size = req.page_size;
    let refs = req.filter.refs();
    let after = req.after;
    let mut targets = named(txn, account, kind, &req.resource_names)?;
    let (items, more) = if targets.is_empty() {
        let (table, base) = match kind {
            ResourceKind::Role => (roles::ROLE_TAGGED, roles::tagged_prefix(account)),
            ResourceKind::Policy => (policies::POLICY_TAGGED, policies::tagged_prefix(account)),
        };
        tag_rows_page(
            txn,
            table,
            &base,
            "",
            after.as_deref(),
            size,
            &refs,
            |_| true,
            |t, _, v| {
                let id = String::from_utf8_lossy(v);
                Ok(match kind {
                    ResourceKind::Role => roles::by_id(t, account, &id)?.map(|r| r.tags),
                    ResourceKind::Policy => policies::custom(t, account, &id)?.map(|p| p.tags),
                })
            },
        )?
    } else {
        // At most 50 named resources: sorted here.
        targets.sort_by(|a, b| a.name().cmp(b.name()));
        let rows: Vec<TagRow> = targets
            .iter()
            .filter(|t| matches_all(t.tags(), &refs))
            .flat_map(|t| {
                t.tags().iter().map(move |(k, v)| TagRow {
                    position: format!("{}\n{k}", t.name()),
                    resource: t.name().to_string(),
                    key: k.clone(),
                    value: v.clone(),
                })
            })
            .collect();
        page(rows, after.as_ref(), size, |r| r.position.clone())
    };
    let next_token = next_marker(more, items.last().map(|r| r.position.clone()));
    let tag_resources = items
        .into_iter()
        .map(|r| TagResource { resource_name: r.resource, resource_type: kind.as_str(), tag_key: r.key, tag_value: r.value })
        .collect();
    Ok(TagResourcePage { next_token, tag_resources })
}
