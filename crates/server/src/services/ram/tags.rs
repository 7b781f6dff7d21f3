//! RAM 2015-05-01 TagResources / UntagResources / ListTagResources for roles and policies, with
//! the JSON-array encoding of this version (ram.md 6.8): `ResourceNames=["r1"]`,
//! `Tag=[{"Key":..,"Value":..}]`, `TagKeys=["k"]`; the list answer is a bare array.

use crate::actions::Call;
use crate::failure::Result;
use crate::identity::{policies, roles};
use crate::services::{json_strings, json_tags, position_param, tag_rows_page, Fields, TagRow};
use localyun_core::error::{GatewayError, RamError};
use localyun_core::paging::{encode_token, page};
use localyun_core::tags::{matches_all, TagError, TagSet, RAM_TAGS};
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{Map, Value};

const MAX_RESOURCES: usize = 50;

pub(super) fn tag_error(e: TagError) -> ApiError {
    match e {
        TagError::TooManyTags(max) => ApiError::from(RamError::TagLimit { max }),
        TagError::ValueTooLong(_) | TagError::ValueReserved(_) | TagError::ValueHasUrl | TagError::ValueHasControl => {
            ApiError::from(RamError::TagValueInvalid { why: e.to_string() })
        }
        _ => ApiError::from(RamError::TagKeyInvalid { why: e.to_string() }),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Role,
    Policy,
}

fn kind(call: &Call<'_>) -> Result<Kind> {
    match call.params.required("ResourceType")? {
        "role" => Ok(Kind::Role),
        "policy" => Ok(Kind::Policy),
        _ => Err(RamError::ResourceType { valid: "Valid values: role, policy." }.into()),
    }
}

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

fn find(txn: &mut dyn Txn, account: &str, kind: Kind, name: &str) -> Result<Tagged> {
    Ok(match kind {
        Kind::Role => Tagged::Role(roles::require_by_name(txn, account, name)?),
        Kind::Policy => Tagged::Policy(policies::require_custom(txn, account, name)?),
    })
}

fn named(call: &Call<'_>, txn: &mut dyn Txn, kind: Kind, required: bool) -> Result<Vec<Tagged>> {
    let names = json_strings(call.params, "ResourceNames", MAX_RESOURCES)?;
    if names.is_empty() && required {
        return Err(GatewayError::missing("ResourceNames").into());
    }
    let mut out: Vec<Tagged> = Vec::with_capacity(names.len());
    for n in &names {
        let t = find(txn, &call.caller.account_id, kind, n)?;
        if !out.iter().any(|o| o.name() == t.name()) {
            out.push(t);
        }
    }
    Ok(out)
}

pub fn tag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let kind = kind(call)?;
    let pairs: Vec<(String, String)> =
        json_tags(call.params, "Tag", RAM_TAGS.max_per_resource)?.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect();
    if pairs.is_empty() {
        return Err(GatewayError::missing("Tag").into());
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    RAM_TAGS.check_pairs(refs.iter().copied()).map_err(tag_error)?;
    let targets = named(call, txn, kind, true)?;
    let updated =
        targets.into_iter().map(|t| RAM_TAGS.merged(t.tags(), &refs).map(|n| (t, n)).map_err(tag_error)).collect::<Result<Vec<_>, _>>()?;
    for (t, tags) in updated {
        t.save(txn, &call.caller.account_id, tags)?;
    }
    Ok(Map::new())
}

pub fn untag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let kind = kind(call)?;
    let keys = json_strings(call.params, "TagKeys", RAM_TAGS.max_per_resource)?;
    let all = call.params.bool("All")?.unwrap_or(false);
    for t in named(call, txn, kind, true)? {
        let mut tags = t.tags().clone();
        if !keys.is_empty() {
            tags.retain(|k, _| !keys.contains(k));
        } else if all {
            tags.clear();
        }
        if tags.len() != t.tags().len() {
            t.save(txn, &call.caller.account_id, tags)?;
        }
    }
    Ok(Map::new())
}

/// One element per (resource, tag), resources by name and tags by key; `PageSize` 1-100
/// (default 100) and `NextToken` while more remain. Without `ResourceNames` the rows come from
/// the index of tagged roles or policies, in name order: a page loads only the resources of its
/// rows (with a tag filter, resources until the page is full and one more row matches).
pub fn list_tag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let kind = kind(call)?;
    let account = call.caller.account_id.clone();
    let size = call.params.int_in("PageSize", 1, 100)?.unwrap_or(100) as usize;
    let filter = json_tags(call.params, "Tag", 20)?;
    let refs: Vec<(&str, Option<&str>)> = filter.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
    let after = position_param(call.params, "NextToken")?;
    let mut targets = named(call, txn, kind, false)?;
    let (items, more) = if targets.is_empty() {
        let (table, base) = match kind {
            Kind::Role => (roles::ROLE_TAGGED, roles::tagged_prefix(&account)),
            Kind::Policy => (policies::POLICY_TAGGED, policies::tagged_prefix(&account)),
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
                    Kind::Role => roles::by_id(t, &account, &id)?.map(|r| r.tags),
                    Kind::Policy => policies::custom(t, &account, &id)?.map(|p| p.tags),
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
    let type_name = if kind == Kind::Role { "role" } else { "policy" };
    let mut f = Fields::new();
    if more {
        if let Some(last) = items.last() {
            f = f.set("NextToken", encode_token(&last.position));
        }
    }
    let list: Vec<Value> = items
        .into_iter()
        .map(|r| {
            Fields::new()
                .set("ResourceName", r.resource)
                .set("ResourceType", type_name)
                .set("TagKey", r.key)
                .set("TagValue", r.value)
                .into()
        })
        .collect();
    Ok(f.set("TagResources", list).build())
}
