//! IMS TagResources / UntagResources / ListTagResources for `ResourceType=user`: the seed
//! (ram.md 7.2-7.4). Every resource of a call is resolved and every rule checked before anything
//! is written, and the call runs in one transaction: all or nothing.

use super::by_principal_name;
use super::users::tags_param;
use crate::failure::Result;
use crate::identity::users::{self, UserRecord};
use crate::rpc::Call;
use crate::services::{position_param, truncation, wrapped, Fields};
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
        TagError::EmptyKey | TagError::KeyTooLong(_) | TagError::KeyReserved(_) | TagError::KeyHasUrl => {
            ApiError::new(400, "InvalidParameter.TagKey", format!("The Tag.N.Key parameter is invalid: {e}."))
        }
        TagError::ValueTooLong(_) | TagError::ValueReserved(_) | TagError::ValueHasUrl => {
            ApiError::new(400, "InvalidParameter.TagValue", format!("The Tag.N.Value parameter is invalid: {e}."))
        }
        TagError::TooManyTags(max) => {
            ApiError::new(400, "QuotaExceeded.TagNum", format!("The number of tags of the resource is exceeded. The maximum is {max}."))
        }
    }
}

/// `ResourceType`: only `user`; absent means `user`, its only value (ram.md 7.2 rule 1).
fn check_resource_type(p: &Params) -> Result<()> {
    match p.optional("ResourceType") {
        None | Some("user") => Ok(()),
        Some(_) => {
            Err(ApiError::new(400, "InvalidParameter.ResourceType", "The parameter - \"ResourceType\" is incorrect. Valid value: user.")
                .into())
        }
    }
}

/// The users a call names, in request order without repeats; `None` when it names none.
/// Exactly one of the two lists may be given (seed); an unknown user fails the whole call.
fn named_users(txn: &mut dyn Txn, account: &str, p: &Params) -> Result<Option<Vec<UserRecord>>> {
    let ids = p.list("ResourceId", MAX_RESOURCES)?;
    let names = p.list("ResourcePrincipalName", MAX_RESOURCES)?;
    if !ids.is_empty() && !names.is_empty() {
        return Err(ApiError::invalid_parameter("ResourceId", "You must specify only one of ResourceId and ResourcePrincipalName.").into());
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
        let user = by_principal_name(txn, account, upn)?.ok_or_else(ApiError::user_not_found)?;
        if !found.iter().any(|u| u.id == user.id) {
            found.push(user);
        }
    }
    Ok(Some(found))
}

fn required_users(txn: &mut dyn Txn, account: &str, p: &Params) -> Result<Vec<UserRecord>> {
    named_users(txn, account, p)?.ok_or_else(|| ApiError::missing_parameter("ResourceId").into())
}

pub fn tag_resources(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let p = call.params;
    let account = &call.caller.account_id;
    check_resource_type(p)?;
    let targets = required_users(txn, account, p)?;
    let pairs = tags_param(p)?;
    if pairs.is_empty() {
        return Err(ApiError::missing_parameter("Tag.1.Key").into());
    }
    // Compute every new tag set first so that a limit violation on any user changes no user.
    let updated = targets
        .into_iter()
        .map(|mut u| {
            u.tags = IMS_USER_TAGS.merged(&u.tags, &pairs).map_err(tag_error)?;
            Ok(u)
        })
        .collect::<Result<Vec<_>>>()?;
    for u in &updated {
        users::save_tags(txn, account, u)?;
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
        let before = u.tags.len();
        if !keys.is_empty() {
            u.tags.retain(|k, _| !keys.contains(&k.as_str()));
        } else if all {
            u.tags.clear();
        }
        if u.tags.len() != before {
            users::save_tags(txn, account, &u)?;
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
    let candidates = match named_users(txn, account, p)? {
        Some(mut named) => {
            named.sort_by_cached_key(UserRecord::position);
            named
        }
        None if !filter.is_empty() => users::list(txn, account)?,
        None => return Err(ApiError::missing_parameter("ResourceId").into()),
    };
    let pairs: Vec<(String, &UserRecord, &String, &String)> = candidates
        .iter()
        .filter(|u| matches_all(&u.tags, &filter))
        .flat_map(|u| u.tags.iter().map(move |(k, v)| (format!("{}\n{k}", u.position()), u, k, v)))
        .collect();
    let (items, more) = page(pairs, after.as_ref(), size, |(pos, ..)| pos.clone());
    let f = truncation(more, "NextToken", items.last().map(|(pos, ..)| pos.clone()));
    let list: Vec<Value> = items
        .iter()
        .map(|(_, u, k, v)| {
            Fields::new()
                .set("ResourceId", u.id.clone())
                .set("ResourceType", "user")
                .set("TagKey", (*k).clone())
                .set("TagValue", (*v).clone())
                .into()
        })
        .collect();
    Ok(f.set("TagResources", wrapped("TagResource", list)).build())
}
