//! IMS TagResources / UntagResources / ListTagResources for `ResourceType=user`: the seed
//! (ram.md 7.2-7.4). Every resource of a call is resolved and every rule checked before anything
//! is written, and the call runs in one transaction: all or nothing.

use super::by_principal_name;
use super::users::tags_param;
use crate::actions::Call;
use crate::failure::Result;
use crate::identity::users::{self, UserRecord};
use crate::services::{position_param, truncation, wrapped, Fields};
use localyun_core::error::{GatewayError, RamError};
use localyun_core::paging::page;
use localyun_core::params::Params;
use localyun_core::tags::{matches_all, TagError, IMS_USER_TAGS};
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{Map, Value};

/// `ResourceId.N` / `ResourcePrincipalName.N`: N from 1 to 50 (seed).
const MAX_RESOURCES: usize = 50;
/// `TagKey.N`: N from 1 to 20, consecutive (seed).
const MAX_TAG_KEYS: usize = 20;

/// IMS documents no codes for tag-rule violations (research note 1); these follow the Tag
/// service conventions that sibling products answer with.
pub(super) fn tag_error(e: TagError) -> ApiError {
    match e {
        TagError::EmptyKey | TagError::KeyTooLong(_) | TagError::KeyReserved(_) | TagError::KeyHasUrl | TagError::KeyHasControl => {
            ApiError::from(RamError::ImsTagKeyInvalid { why: e.to_string() })
        }
        TagError::ValueTooLong(_) | TagError::ValueReserved(_) | TagError::ValueHasUrl | TagError::ValueHasControl => {
            ApiError::from(RamError::ImsTagValueInvalid { why: e.to_string() })
        }
        TagError::TooManyTags(max) => ApiError::from(RamError::TagLimit { max }),
    }
}

/// `ResourceType`: only `user`; absent means `user`, its only value (ram.md 7.2 rule 1).
fn check_resource_type(p: &Params) -> Result<()> {
    match p.optional("ResourceType") {
        None | Some("user") => Ok(()),
        Some(_) => Err(RamError::ResourceType { valid: "Valid value: user." }.into()),
    }
}

/// The users a call names, in request order without repeats; `None` when it names none.
/// Exactly one of the two lists may be given (seed); an unknown user fails the whole call.
fn named_users(txn: &mut dyn Txn, account: &str, p: &Params) -> Result<Option<Vec<UserRecord>>> {
    let ids = p.list("ResourceId", MAX_RESOURCES)?;
    let names = p.list("ResourcePrincipalName", MAX_RESOURCES)?;
    if !ids.is_empty() && !names.is_empty() {
        return Err(GatewayError::invalid("ResourceId", "You must specify only one of ResourceId and ResourcePrincipalName.").into());
    }
    if ids.is_empty() && names.is_empty() {
        return Ok(None);
    }
    let mut found: Vec<UserRecord> = Vec::with_capacity(ids.len() + names.len());
    for id in &ids {
        let user = users::require_by_id(txn, account, id)?;
        if !found.iter().any(|u| u.id == user.id) {
            found.push(user);
        }
    }
    for upn in &names {
        let user = by_principal_name(txn, account, upn)?.ok_or_else(|| ApiError::from(RamError::UserNotFound))?;
        if !found.iter().any(|u| u.id == user.id) {
            found.push(user);
        }
    }
    Ok(Some(found))
}

fn required_users(txn: &mut dyn Txn, account: &str, p: &Params) -> Result<Vec<UserRecord>> {
    named_users(txn, account, p)?.ok_or_else(|| GatewayError::missing("ResourceId").into())
}

pub fn tag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    check_resource_type(p)?;
    let targets = required_users(txn, account, p)?;
    let pairs = tags_param(p)?;
    if pairs.is_empty() {
        return Err(GatewayError::missing("Tag.1.Key").into());
    }
    // Compute every new tag set first so that a limit violation on any user changes no user.
    let updated = targets
        .into_iter()
        .map(|u| IMS_USER_TAGS.merged(&u.tags, &pairs).map(|t| (u, t)).map_err(tag_error))
        .collect::<Result<Vec<_>, _>>()?;
    for (mut u, tags) in updated {
        if tags != u.tags {
            users::set_tags(txn, account, &mut u, tags)?;
        }
    }
    Ok(Map::new())
}

/// With `TagKey.N` those keys go (absent keys are fine) and `All` is ignored; without it,
/// `All=true` removes every tag and `All` absent or false removes nothing (seed, ram.md 7.2).
pub fn untag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    check_resource_type(p)?;
    let keys = p.list("TagKey", MAX_TAG_KEYS)?;
    let all = p.bool("All")?.unwrap_or(false);
    let targets = required_users(txn, account, p)?;
    for mut u in targets {
        let mut tags = u.tags.clone();
        if !keys.is_empty() {
            tags.retain(|k, _| !keys.contains(&k.as_str()));
        } else if all {
            tags.clear();
        }
        if tags.len() != u.tags.len() {
            users::set_tags(txn, account, &mut u, tags)?;
        }
    }
    Ok(Map::new())
}

/// One item per (user, tag) pair, users in listing order and tags by key; `PageSize` 1-100
/// (default 100) with `NextToken` while truncated (ram.md 7.4).
pub fn list_tag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    check_resource_type(p)?;
    let size = p.int_in("PageSize", 1, 100)?.unwrap_or(100) as usize;
    let filter = p.key_values("Tag", 20)?;
    let after = position_param(p, "NextToken")?;
    // The doc requires a resource list or a tag filter (research note 1).
    let mut named = match named_users(txn, account, p)? {
        Some(named) => named,
        None if !filter.is_empty() => return list_by_tag(txn, account, &filter, after, size),
        None => return Err(GatewayError::missing("ResourceId").into()),
    };
    named.sort_by_cached_key(UserRecord::position);
    let rows: Vec<(String, String, String, String)> = named
        .iter()
        .filter(|u| matches_all(&u.tags, &filter))
        .flat_map(|u| u.tags.iter().map(move |(k, v)| (format!("{}\n{k}", u.position()), u.id.clone(), k.clone(), v.clone())))
        .collect();
    let (items, more) = page(rows, after.as_ref(), size, |(pos, ..)| pos.clone());
    Ok(tag_rows(items, more))
}

/// A page of (position, user ID, tag key, tag value) rows as the SDK model has it.
fn tag_rows(items: Vec<(String, String, String, String)>, more: bool) -> Map<String, Value> {
    let f = truncation(more, "NextToken", items.last().map(|(pos, ..)| pos.clone()));
    let list: Vec<Value> = items
        .into_iter()
        .map(|(_, id, k, v)| Fields::new().set("ResourceId", id).set("ResourceType", "user").set("TagKey", k).set("TagValue", v).into())
        .collect();
    f.set("TagResources", wrapped("TagResource", list)).build()
}

/// Index entries read per scan on the tag-filter path; user records are loaded one by one only
/// while the page still needs rows.
const INDEX_BATCH: usize = 32;

/// ListTagResources by tag filter alone: the users come from the tag index of the first filter
/// tag, in index order, so the cost follows the page size and the matches, not the number of
/// users (issue 6: 1M users). A row's position is `<index key>\u{2}<tag key>`.
fn list_by_tag(
    txn: &mut dyn Txn,
    account: &str,
    filter: &[(&str, Option<&str>)],
    after: Option<String>,
    size: usize,
) -> Result<Map<String, Value>> {
    let Some(&(first_key, first_value)) = filter.first() else { return Ok(Map::new()) };
    let mut rows: Vec<(String, String, String, String)> = Vec::with_capacity(size);
    let mut more = false;
    let (mut after_index, skip_tag) = match after.as_deref().and_then(|t| t.split_once('\u{2}')) {
        Some((ik, tk)) => (Some(ik.to_string()), Some(tk.to_string())),
        None => (None, None),
    };
    // Resuming inside a user's tags: the rest of that user comes first.
    let mut pending: Vec<(String, String)> = Vec::new();
    if let (Some(ik), Some(_)) = (&after_index, &skip_tag) {
        if let Some(id) = txn.get(crate::identity::tables::USER_TAG, ik)? {
            pending.push((ik.clone(), String::from_utf8_lossy(&id).into_owned()));
        }
    }
    let resume_at = after_index.clone();
    'pages: loop {
        for (ikey, user_id) in pending.drain(..) {
            let Some(user) = users::by_id(txn, account, &user_id)? else { continue };
            if !matches_all(&user.tags, filter) {
                continue;
            }
            let resume = if Some(&ikey) == resume_at.as_ref() { skip_tag.as_deref() } else { None };
            for (k, v) in user.tags.iter().filter(|(k, _)| resume.is_none_or(|s| k.as_str() > s)) {
                if rows.len() == size {
                    more = true;
                    break 'pages;
                }
                rows.push((format!("{ikey}\u{2}{k}"), user.id.clone(), k.clone(), v.clone()));
            }
        }
        let batch = users::by_tag(txn, account, first_key, first_value, after_index.as_deref(), INDEX_BATCH)?;
        if batch.is_empty() {
            break;
        }
        after_index = batch.last().map(|(k, _)| k.clone());
        pending = batch;
    }
    Ok(tag_rows(rows, more))
}
