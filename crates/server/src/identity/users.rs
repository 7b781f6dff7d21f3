//! RAM users, shared by RAM 2015-05-01 (addressed by `UserName`) and IMS 2019-08-15 (addressed by
//! `UserPrincipalName` = `<UserName>@<default domain>` or `UserId`). Tags live in the record so a
//! user's tags go with it (ram.md 6.1: tags are deleted with the user).

use super::access_keys::{self, Owner};
use super::recycle_bin::Recycled;
use super::{load_by_name, name_key, now_ms, record_key as key, tables};
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::error::RamError;
use localyun_core::paging::walk;
use localyun_core::tags::TagSet;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// Users per account (ram.md 5.3, the limits page).
pub const MAX_USERS_PER_ACCOUNT: usize = 5000;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
}

impl UserRecord {
    /// The IMS logon name, `<UserName>@<logon domain>`, given the account's [`super::accounts::logon_domain`].
    pub fn principal_name(&self, domain: &str) -> String {
        format!("{}@{domain}", self.name)
    }

    /// Listing order: creation time, then ID; also the paging position.
    pub fn position(&self) -> String {
        format!("{:016}/{}", self.created_ms, self.id)
    }
}

pub fn by_id(txn: &mut dyn Txn, account: &str, id: &str) -> Result<Option<UserRecord>> {
    load(txn, tables::USER, &key(account, id))
}

pub fn by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<UserRecord>> {
    load_by_name(txn, tables::USER, tables::USER_BY_NAME, account, name)
}

pub fn require_by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<UserRecord> {
    by_name(txn, account, name)?.ok_or_else(|| RamError::UserNotFound.into())
}

pub fn require_by_id(txn: &mut dyn Txn, account: &str, id: &str) -> Result<UserRecord> {
    by_id(txn, account, id)?.ok_or_else(|| RamError::UserNotFound.into())
}

/// The fields a new user starts with (already validated by the wire layer).
#[derive(Debug, Default)]
pub struct NewUser {
    pub name: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub mobile_phone: Option<String>,
    pub comments: Option<String>,
    pub tags: TagSet,
}

/// The key of one (tag, user) pair in the tag index; `value: None` gives the prefix of a key.
pub fn tag_index_prefix(account: &str, key: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{account}/{key}\u{1}{v}\u{1}"),
        None => format!("{account}/{key}\u{1}"),
    }
}

fn index_tags(txn: &mut dyn Txn, account: &str, user: &UserRecord, tags: &TagSet, add: bool) -> Result<()> {
    let position = user.position();
    for (k, v) in tags {
        let key = format!("{}{position}", tag_index_prefix(account, k, Some(v)));
        if add {
            txn.put(tables::USER_TAG, &key, user.id.as_bytes())?;
        } else {
            txn.delete(tables::USER_TAG, &key)?;
        }
    }
    Ok(())
}

/// The account's number of users (kept in a counter row, not counted).
pub fn count(txn: &mut dyn Txn, account: &str) -> Result<usize> {
    Ok(txn.get(tables::USER_COUNT, account)?.and_then(|v| String::from_utf8_lossy(&v).parse().ok()).unwrap_or(0))
}

fn set_count(txn: &mut dyn Txn, account: &str, n: usize) -> Result<()> {
    Ok(txn.put(tables::USER_COUNT, account, n.to_string().as_bytes())?)
}

/// Creates a user within the account's quota (`MAX_USERS_PER_ACCOUNT` for API calls).
pub fn create(txn: &mut dyn Txn, account: &str, new: NewUser) -> Result<UserRecord> {
    create_within(txn, account, new, MAX_USERS_PER_ACCOUNT)
}

pub fn create_within(txn: &mut dyn Txn, account: &str, new: NewUser, quota: usize) -> Result<UserRecord> {
    if txn.get(tables::USER_BY_NAME, &name_key(account, &new.name))?.is_some() {
        return Err(RamError::UserExists.into());
    }
    let users = count(txn, account)?;
    if users >= quota {
        return Err(RamError::UserLimit.into());
    }
    let id = loop {
        // 16 digits, like `122748924538****` in the SDK examples.
        let candidate = super::random_digits16();
        if by_id(txn, account, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    let user = UserRecord {
        id,
        name: new.name,
        display_name: new.display_name,
        email: new.email,
        mobile_phone: new.mobile_phone,
        comments: new.comments,
        created_ms: now,
        updated_ms: now,
        tags: new.tags,
    };
    save(txn, tables::USER, &key(account, &user.id), &user)?;
    txn.put(tables::USER_BY_NAME, &name_key(account, &user.name), user.id.as_bytes())?;
    txn.put(tables::USER_BY_POSITION, &position_key(account, &user), user.id.as_bytes())?;
    index_tags(txn, account, &user, &user.tags, true)?;
    set_count(txn, account, users + 1)?;
    Ok(user)
}

/// A deleted user kept in the recycle bin (recycle_bin.rs).
pub fn kept(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Option<Recycled<UserRecord>>> {
    super::recycle_bin::get(txn, tables::RECYCLED_USER, &key(account, user_id))
}

pub fn require_kept(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Recycled<UserRecord>> {
    kept(txn, account, user_id)?.ok_or_else(|| RamError::UserNotFound.into())
}

/// Kept users in user-ID order after the user `after`, up to `limit`, and whether more follow.
pub fn kept_page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<Recycled<UserRecord>>, bool)> {
    let after = after.map(|id| key(account, id));
    let (rows, more) = super::recycle_bin::page(txn, tables::RECYCLED_USER, &format!("{account}/"), after.as_deref(), limit)?;
    Ok((rows.into_iter().map(|(_, r)| r).collect(), more))
}

/// Brings a kept user back under its name, with its ID, dates and tags.
pub fn restore_kept(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<UserRecord> {
    let kept = require_kept(txn, account, user_id)?;
    reinstate(txn, account, kept.item.clone())?;
    super::recycle_bin::remove(txn, tables::RECYCLED_USER, &key(account, user_id))?;
    Ok(kept.item)
}

/// Deletes a kept user for good, with its kept AccessKeys (their secrets must not outlive it).
pub fn purge_kept(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<()> {
    require_kept(txn, account, user_id)?;
    access_keys::purge_all_kept(txn, account, user_id)?;
    super::recycle_bin::remove(txn, tables::RECYCLED_USER, &key(account, user_id))
}

/// A user back from the recycle bin: refused while another user has its name, or the account
/// is full.
fn reinstate(txn: &mut dyn Txn, account: &str, user: UserRecord) -> Result<()> {
    if txn.get(tables::USER_BY_NAME, &name_key(account, &user.name))?.is_some() {
        return Err(RamError::UserExists.into());
    }
    let users = count(txn, account)?;
    if users >= MAX_USERS_PER_ACCOUNT {
        return Err(RamError::UserLimit.into());
    }
    save(txn, tables::USER, &key(account, &user.id), &user)?;
    txn.put(tables::USER_BY_NAME, &name_key(account, &user.name), user.id.as_bytes())?;
    txn.put(tables::USER_BY_POSITION, &position_key(account, &user), user.id.as_bytes())?;
    index_tags(txn, account, &user, &user.tags, true)?;
    set_count(txn, account, users + 1)
}

/// Stores `updated` in place of `old` (same ID), moving the name index on a rename.
pub fn update(txn: &mut dyn Txn, account: &str, old: &UserRecord, mut updated: UserRecord) -> Result<UserRecord> {
    let old_key = name_key(account, &old.name);
    let new_key = name_key(account, &updated.name);
    if old_key != new_key {
        if txn.get(tables::USER_BY_NAME, &new_key)?.is_some() {
            return Err(RamError::UserExists.into());
        }
        txn.delete(tables::USER_BY_NAME, &old_key)?;
        txn.put(tables::USER_BY_NAME, &new_key, updated.id.as_bytes())?;
    }
    if old.name != updated.name {
        // Cached credentials carry the user's name (its ARN in policies and denials).
        super::bump_generation(txn, account)?;
    }
    updated.updated_ms = now_ms();
    save(txn, tables::USER, &key(account, &updated.id), &updated)?;
    Ok(updated)
}

/// Replaces a user's tags, keeping the tag index in step; `UpdateDate` stays (a tag change is
/// not a profile update).
pub fn set_tags(txn: &mut dyn Txn, account: &str, user: &mut UserRecord, tags: TagSet) -> Result<()> {
    let removed: TagSet = user.tags.iter().filter(|(k, v)| tags.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let added: TagSet = tags.iter().filter(|(k, v)| user.tags.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    index_tags(txn, account, user, &removed, false)?;
    index_tags(txn, account, user, &added, true)?;
    user.tags = tags;
    save(txn, tables::USER, &key(account, &user.id), user)
}

/// Deletes a user, who is kept in the recycle bin (recycle_bin.rs). Refused while the user is in
/// a group, has an AccessKey, an attached policy, a login profile or an MFA device, checked in
/// that order (ram.md 6.1, DOC 28683; the error center's DeleteConflict.User.LoginProfile and
/// .MFADevice).
pub fn delete(txn: &mut dyn Txn, account: &str, user: &UserRecord) -> Result<()> {
    if !txn.scan(tables::USER_GROUPS, &format!("{account}/{}/", user.id), None, 1)?.is_empty() {
        return Err(RamError::UserInGroup.into());
    }
    if access_keys::has_any(txn, account, &Owner::User(user.id.clone()))? {
        return Err(RamError::UserHasAccessKey.into());
    }
    if super::attachments::has_any(txn, account, super::attachments::Entity::User, &user.id)? {
        return Err(RamError::UserHasPolicy.into());
    }
    if super::login_profiles::exists(txn, account, &user.id)? {
        return Err(RamError::UserHasLoginProfile.into());
    }
    if super::mfa_devices::has_device(txn, account, &user.id)? {
        return Err(RamError::UserHasMfa.into());
    }
    super::recycle_bin::keep(txn, tables::RECYCLED_USER, &key(account, &user.id), user)?;
    super::service_credentials::delete_all_of(txn, account, &user.id)?;
    txn.delete(tables::USER, &key(account, &user.id))?;
    txn.delete(tables::USER_BY_NAME, &name_key(account, &user.name))?;
    txn.delete(tables::USER_BY_POSITION, &position_key(account, user))?;
    index_tags(txn, account, user, &user.tags, false)?;
    let users = count(txn, account)?;
    set_count(txn, account, users.saturating_sub(1))
}

/// Users carrying the tag `key` (with `value`, when given), from the tag index in its order,
/// after the index key `after`: up to `limit` (index key, user ID) pairs. Records are loaded by
/// the caller, only as many as a page needs.
pub fn by_tag(
    txn: &mut dyn Txn,
    account: &str,
    key: &str,
    value: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<(String, String)>> {
    let rows = txn.scan(tables::USER_TAG, &tag_index_prefix(account, key, value), after, limit)?;
    Ok(rows.into_iter().map(|(k, id)| (k, String::from_utf8_lossy(&id).into_owned())).collect())
}

fn position_key(account: &str, user: &UserRecord) -> String {
    format!("{account}/{}", user.position())
}

/// An index whose keys end in a user's position and whose values are user IDs: the position
/// index, or the users of one tag with one value (in listing order too).
pub enum Listing<'a> {
    All,
    Tagged { key: &'a str, value: &'a str },
}

/// Up to `limit` users that `keep` accepts, in listing order after the position `after`,
/// read from an index a batch at a time, and whether more follow. `keep: None` takes every
/// user: then a page reads exactly its own users and one more index entry.
pub fn page(
    txn: &mut dyn Txn,
    account: &str,
    listing: Listing<'_>,
    after: Option<&str>,
    limit: usize,
    keep: Option<&dyn Fn(&UserRecord) -> bool>,
) -> Result<(Vec<UserRecord>, bool)> {
    let (table, prefix) = match listing {
        Listing::All => (tables::USER_BY_POSITION, format!("{account}/")),
        Listing::Tagged { key, value } => (tables::USER_TAG, tag_index_prefix(account, key, Some(value))),
    };
    walk(
        txn,
        |t, a, n| Ok(t.scan(table, &prefix, a, n)?),
        after.map(|a| format!("{prefix}{a}")),
        limit,
        keep.is_none(),
        |t, _, id| Ok(by_id(t, account, &String::from_utf8_lossy(id))?.filter(|u| keep.is_none_or(|f| f(u)))),
    )
}

/// Every user of the account in listing order.
pub fn list(txn: &mut dyn Txn, account: &str) -> Result<Vec<UserRecord>> {
    Ok(page(txn, account, Listing::All, None, usize::MAX - 1, None)?.0)
}

/// Format 2: the position index, built from the user records of an older store.
pub fn build_position_index(txn: &mut dyn Txn) -> Result<()> {
    crate::record::for_each_row(txn, tables::USER, |t, k, v| {
        let user: UserRecord = crate::record::decode(tables::USER, v)?;
        let account = k.split_once('/').map_or("", |(a, _)| a);
        Ok(t.put(tables::USER_BY_POSITION, &position_key(account, &user), user.id.as_bytes())?)
    })
}
