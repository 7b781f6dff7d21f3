//! The user recycle bin (IMS ListUsersInRecycleBin, GetUserInRecycleBin, RestoreUserFromRecycleBin,
//! DeleteUserInRecycleBin and the AccessKey counterparts): a deleted RAM user, and a deleted
//! AccessKey of a RAM user, is kept for [`RETENTION_MS`] and can be restored until then, with its
//! ID, creation date and (for a key) its secret. The API reference's examples keep entries one
//! month (RecycleDate 2020-10-12, DeleteDate 2020-11-12); an entry past its DeleteDate is gone.
//! Kept entries hold no name or key index: a deleted user's name may be reused at once, and a
//! kept key never authenticates.

use super::access_keys::{self, AccessKeyRecord, Owner};
use super::users::{self, UserRecord};
use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// 30 days.
pub const RETENTION_MS: i64 = 30 * 86_400_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recycled<T> {
    pub item: T,
    pub recycled_ms: i64,
    pub delete_ms: i64,
}

fn user_key(account: &str, user_id: &str) -> String {
    format!("{account}/{user_id}")
}

fn key_key(account: &str, user_id: &str, key_id: &str) -> String {
    format!("{account}/{user_id}/{key_id}")
}

fn fresh<T>(r: Option<Recycled<T>>, now: i64) -> Option<Recycled<T>> {
    r.filter(|r| r.delete_ms > now)
}

/// Keeps a user deleted now (users::delete, after its checks).
pub fn keep_user(txn: &mut dyn Txn, account: &str, user: &UserRecord) -> Result<()> {
    let now = now_ms();
    save(
        txn,
        tables::RECYCLED_USER,
        &user_key(account, &user.id),
        &Recycled { item: user.clone(), recycled_ms: now, delete_ms: now + RETENTION_MS },
    )
}

/// Keeps a RAM user's AccessKey deleted now (access_keys::delete); the root's keys are not kept.
pub fn keep_key(txn: &mut dyn Txn, key: &AccessKeyRecord) -> Result<()> {
    let Owner::User(user_id) = &key.owner else { return Ok(()) };
    let now = now_ms();
    let entry = Recycled { item: key.clone(), recycled_ms: now, delete_ms: now + RETENTION_MS };
    save(txn, tables::RECYCLED_KEY, &key_key(&key.account_id, user_id, &key.id), &entry)
}

pub fn user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Option<Recycled<UserRecord>>> {
    Ok(fresh(load(txn, tables::RECYCLED_USER, &user_key(account, user_id))?, now_ms()))
}

pub fn require_user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Recycled<UserRecord>> {
    user(txn, account, user_id)?.ok_or_else(|| RamError::UserNotFound.into())
}

/// Kept users in user-ID order after `after`, up to `limit`, and whether more follow.
pub fn users_page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<Recycled<UserRecord>>, bool)> {
    let now = now_ms();
    let prefix = format!("{account}/");
    let mut out = Vec::new();
    let mut cursor = after.map(|a| user_key(account, a));
    loop {
        let rows = txn.scan(tables::RECYCLED_USER, &prefix, cursor.as_deref(), 64)?;
        let done = rows.len() < 64;
        for (k, v) in rows {
            cursor = Some(k);
            let r: Recycled<UserRecord> = decode(tables::RECYCLED_USER, &v)?;
            if r.delete_ms <= now {
                continue;
            }
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push(r);
        }
        if done {
            return Ok((out, false));
        }
    }
}

/// Brings a kept user back under its name, refused while another user has the name or the
/// account is full.
pub fn restore_user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<UserRecord> {
    let kept = require_user(txn, account, user_id)?;
    users::reinstate(txn, account, kept.item.clone())?;
    txn.delete(tables::RECYCLED_USER, &user_key(account, user_id))?;
    Ok(kept.item)
}

pub fn delete_user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<()> {
    require_user(txn, account, user_id)?;
    txn.delete(tables::RECYCLED_USER, &user_key(account, user_id))?;
    Ok(())
}

/// Kept keys of a user (kept or not), oldest first.
pub fn keys_of(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Vec<Recycled<AccessKeyRecord>>> {
    let now = now_ms();
    let rows = txn.scan(tables::RECYCLED_KEY, &format!("{account}/{user_id}/"), None, usize::MAX)?;
    let mut out = rows.iter().map(|(_, v)| decode(tables::RECYCLED_KEY, v)).collect::<Result<Vec<Recycled<AccessKeyRecord>>>>()?;
    out.retain(|r| r.delete_ms > now);
    out.sort_by_key(|r| r.item.created_ms);
    Ok(out)
}

/// A kept key by its ID alone (GetAccessKeyInfoInRecycleBin names no user).
pub fn key_by_id(txn: &mut dyn Txn, account: &str, key_id: &str) -> Result<Recycled<AccessKeyRecord>> {
    let now = now_ms();
    for (k, v) in txn.scan(tables::RECYCLED_KEY, &format!("{account}/"), None, usize::MAX)? {
        if k.ends_with(&format!("/{key_id}")) {
            let r: Recycled<AccessKeyRecord> = decode(tables::RECYCLED_KEY, &v)?;
            if r.delete_ms > now {
                return Ok(r);
            }
        }
    }
    Err(RamError::AccessKeyOfUserNotFound.into())
}

fn require_key(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<Recycled<AccessKeyRecord>> {
    fresh(load(txn, tables::RECYCLED_KEY, &key_key(account, user_id, key_id))?, now_ms())
        .ok_or_else(|| RamError::AccessKeyOfUserNotFound.into())
}

/// Gives a kept key back to its user, who must exist (not be in the bin) and have room for it.
pub fn restore_key(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<()> {
    users::require_by_id(txn, account, user_id)?;
    let kept = require_key(txn, account, user_id, key_id)?;
    access_keys::reinstate(txn, kept.item)?;
    txn.delete(tables::RECYCLED_KEY, &key_key(account, user_id, key_id))?;
    Ok(())
}

pub fn delete_key(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<()> {
    require_key(txn, account, user_id, key_id)?;
    txn.delete(tables::RECYCLED_KEY, &key_key(account, user_id, key_id))?;
    Ok(())
}
