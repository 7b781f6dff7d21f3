//! IMS TagResources / UntagResources / ListTagResources for `ResourceType=user`: the seed
//! (ram.md 7.2-7.4). Every resource of a call is resolved and every rule checked before anything
//! is written, and the call runs in one transaction: all or nothing.

use super::by_principal_name;
use super::wire::{borrowed, ListTagResources, ResourceRefs, TagPage, TagResource, TagResources, TagScope, UntagResources};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::users::{self, UserRecord};
use crate::services::next_marker;
use localyun_core::error::RamError;
use localyun_core::paging::page;
use localyun_core::tags::{matches_all, IMS_USER_TAGS};
use localyun_core::ApiError;
use localyun_store::Txn;

/// The users a call names, in request order without repeats; an unknown user fails the whole call.
fn named_users(txn: &mut dyn Txn, account: &str, refs: &ResourceRefs) -> Result<Vec<UserRecord>> {
    let mut found: Vec<UserRecord> = Vec::new();
    let mut add = |user: UserRecord| {
        if !found.iter().any(|u| u.id == user.id) {
            found.push(user);
        }
    };
    match refs {
        ResourceRefs::Ids(ids) => {
            for id in ids {
                add(users::require_by_id(txn, account, id)?);
            }
        }
        ResourceRefs::PrincipalNames(names) => {
            for upn in names {
                add(by_principal_name(txn, account, upn)?.ok_or_else(|| ApiError::from(RamError::UserNotFound))?);
            }
        }
    }
    Ok(found)
}

pub fn tag_resources(req: TagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let account = cx.account();
    let targets = named_users(txn, account, &req.users)?;
    let pairs = req.tags.take()?;
    let pairs = borrowed(&pairs);
    // Compute every new tag set first so that a limit violation on any user changes no user.
    let updated = targets
        .into_iter()
        .map(|u| IMS_USER_TAGS.merged(&u.tags, &pairs).map(|t| (u, t)).map_err(RamError::ims_tag))
        .collect::<Result<Vec<_>, _>>()?;
    for (mut u, tags) in updated {
        if tags != u.tags {
            users::set_tags(txn, account, &mut u, tags)?;
        }
    }
    Ok(())
}

/// With `keys` those keys go (absent keys are fine) and `all` is ignored; without them,
/// `all` removes every tag and otherwise nothing goes (seed, ram.md 7.2).
pub fn untag_resources(req: UntagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let account = cx.account();
    for mut u in named_users(txn, account, &req.users)? {
        let mut tags = u.tags.clone();
        if !req.keys.is_empty() {
            tags.retain(|k, _| !req.keys.contains(k));
        } else if req.all {
            tags.clear();
        }
        if tags.len() != u.tags.len() {
            users::set_tags(txn, account, &mut u, tags)?;
        }
    }
    Ok(())
}

/// One item per (user, tag) pair, users in listing order and tags by key, with `NextToken`
/// while truncated (ram.md 7.4).
pub fn list_tag_resources(req: ListTagResources, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<TagPage> {
    let account = cx.account();
    let filter = req.filter.pairs();
    let mut named = match &req.scope {
        TagScope::Named(refs) => named_users(txn, account, refs)?,
        TagScope::Tagged { key, value } => {
            return list_by_tag(txn, account, (key, value.as_deref()), &filter, req.after, req.page_size);
        }
    };
    named.sort_by_cached_key(UserRecord::position);
    let rows: Vec<Row> = named
        .iter()
        .filter(|u| matches_all(&u.tags, &filter))
        .flat_map(|u| u.tags.iter().map(move |(k, v)| (format!("{}\n{k}", u.position()), u.id.clone(), k.clone(), v.clone())))
        .collect();
    let (items, more) = page(rows, req.after.as_ref(), req.page_size, |(pos, ..)| pos.clone());
    Ok(tag_rows(items, more))
}

/// A (position, user ID, tag key, tag value) row of a listing.
type Row = (String, String, String, String);

/// A page of rows as the SDK model has it.
fn tag_rows(items: Vec<Row>, more: bool) -> TagPage {
    TagPage {
        is_truncated: more,
        next_token: next_marker(more, items.last().map(|(pos, ..)| pos.clone())),
        tag_resources: items.into_iter().map(|(_, id, k, v)| TagResource::user(id, k, v)).collect::<Vec<_>>().into(),
    }
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
    (first_key, first_value): (&str, Option<&str>),
    filter: &[(&str, Option<&str>)],
    after: Option<String>,
    size: usize,
) -> Result<TagPage> {
    let mut rows: Vec<Row> = Vec::with_capacity(size);
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
