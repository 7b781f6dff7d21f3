//! RAM groups and their members (ram.md 6.2).

use super::users::{self, UserRecord};
use super::{load_by_name, name_key, now_ms, record_key as key, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::paging::walk;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// `{account}/{group position}` → group ID: groups in listing order (creation time, then ID), so
/// a page of `ListGroups` reads only its own groups (format 3).
pub const GROUP_BY_POSITION: &str = "group_by_position";
/// `{account}/{group id}/{join time:016}/{user id}` → user ID: a group's members in join order,
/// so a page of `ListUsersForGroup` reads only its own users (format 3).
pub const GROUP_MEMBER_BY_JOIN: &str = "group_member_by_join";

/// Groups per account and groups per user (ram.md 6.2, the limits page).
pub const MAX_GROUPS_PER_ACCOUNT: usize = 300;
pub const MAX_GROUPS_PER_USER: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// IMS only (its CreateGroup/UpdateGroup); RAM 2015-05-01 neither sets nor answers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl GroupRecord {
    pub fn position(&self) -> String {
        format!("{:016}/{}", self.created_ms, self.id)
    }
}

pub fn by_id(txn: &mut dyn Txn, account: &str, id: &str) -> Result<Option<GroupRecord>> {
    load(txn, tables::GROUP, &key(account, id))
}

pub fn require_by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<GroupRecord> {
    let found = load_by_name(txn, tables::GROUP, tables::GROUP_BY_NAME, account, name)?;
    found.ok_or_else(|| RamError::GroupNotFound.into())
}

/// The fields a new group starts with (validated by the wire layer).
pub struct NewGroup {
    pub name: String,
    pub comments: Option<String>,
    pub display_name: Option<String>,
}

pub fn create(txn: &mut dyn Txn, account: &str, new: NewGroup) -> Result<GroupRecord> {
    let NewGroup { name, comments, display_name } = new;
    let name = name.as_str();
    if txn.get(tables::GROUP_BY_NAME, &name_key(account, name))?.is_some() {
        return Err(RamError::GroupExists.into());
    }
    if txn.scan(tables::GROUP_BY_NAME, &format!("{account}/"), None, MAX_GROUPS_PER_ACCOUNT)?.len() >= MAX_GROUPS_PER_ACCOUNT {
        return Err(RamError::GroupLimit.into());
    }
    let id = loop {
        // `g-` and 16 alphanumerics, like `g-FpMEHiMysofp****` (ram.md 6.2).
        let candidate = format!("g-{}", super::random_alnum(16));
        if by_id(txn, account, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    let g = GroupRecord { id, name: name.to_string(), comments, display_name, created_ms: now, updated_ms: now };
    save(txn, tables::GROUP, &key(account, &g.id), &g)?;
    txn.put(tables::GROUP_BY_NAME, &name_key(account, name), g.id.as_bytes())?;
    txn.put(GROUP_BY_POSITION, &position_key(account, &g), g.id.as_bytes())?;
    Ok(g)
}

pub fn update(txn: &mut dyn Txn, account: &str, old: &GroupRecord, mut next: GroupRecord) -> Result<GroupRecord> {
    let (old_key, new_key) = (name_key(account, &old.name), name_key(account, &next.name));
    if old_key != new_key {
        if txn.get(tables::GROUP_BY_NAME, &new_key)?.is_some() {
            return Err(RamError::GroupExists.into());
        }
        txn.delete(tables::GROUP_BY_NAME, &old_key)?;
        txn.put(tables::GROUP_BY_NAME, &new_key, next.id.as_bytes())?;
    }
    next.updated_ms = now_ms();
    save(txn, tables::GROUP, &key(account, &next.id), &next)?;
    Ok(next)
}

/// Refused while the group has members or attached policies (ram.md 6.2).
pub fn delete(txn: &mut dyn Txn, account: &str, g: &GroupRecord) -> Result<()> {
    if !txn.scan(tables::GROUP_MEMBER, &format!("{account}/{}/", g.id), None, 1)?.is_empty() {
        return Err(RamError::GroupHasUser.into());
    }
    if super::attachments::has_any(txn, account, super::attachments::Entity::Group, &g.id)? {
        return Err(RamError::GroupHasPolicy.into());
    }
    txn.delete(tables::GROUP, &key(account, &g.id))?;
    txn.delete(tables::GROUP_BY_NAME, &name_key(account, &g.name))?;
    txn.delete(GROUP_BY_POSITION, &position_key(account, g))?;
    Ok(())
}

fn position_key(account: &str, g: &GroupRecord) -> String {
    format!("{account}/{}", g.position())
}

/// Up to `limit` groups in listing order after the position `after`, and whether more follow:
/// read from the position index, so a page loads only its own groups.
pub fn page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<GroupRecord>, bool)> {
    let prefix = format!("{account}/");
    walk(
        txn,
        |t, a, n| Ok(t.scan(GROUP_BY_POSITION, &prefix, a, n)?),
        after.map(|a| format!("{prefix}{a}")),
        limit,
        true,
        |t, _, id| by_id(t, account, &String::from_utf8_lossy(id)),
    )
}

pub fn add_user(txn: &mut dyn Txn, account: &str, g: &GroupRecord, user_id: &str) -> Result<()> {
    let member = format!("{account}/{}/{user_id}", g.id);
    if txn.get(tables::GROUP_MEMBER, &member)?.is_some() {
        return Err(RamError::AlreadyInGroup.into());
    }
    if txn.scan(tables::USER_GROUPS, &format!("{account}/{user_id}/"), None, MAX_GROUPS_PER_USER)?.len() >= MAX_GROUPS_PER_USER {
        return Err(RamError::GroupsOfUserLimit.into());
    }
    let at = now_ms();
    let joined = at.to_string();
    txn.put(tables::GROUP_MEMBER, &member, joined.as_bytes())?;
    txn.put(tables::USER_GROUPS, &format!("{account}/{user_id}/{}", g.id), joined.as_bytes())?;
    txn.put(GROUP_MEMBER_BY_JOIN, &join_key(account, &g.id, at, user_id), user_id.as_bytes())?;
    super::bump_generation(txn, account)
}

pub fn remove_user(txn: &mut dyn Txn, account: &str, g: &GroupRecord, user_id: &str) -> Result<()> {
    let member = format!("{account}/{}/{user_id}", g.id);
    let Some(joined) = txn.get(tables::GROUP_MEMBER, &member)? else {
        return Err(RamError::NotInGroup.into());
    };
    txn.delete(tables::GROUP_MEMBER, &member)?;
    txn.delete(tables::USER_GROUPS, &format!("{account}/{user_id}/{}", g.id))?;
    txn.delete(GROUP_MEMBER_BY_JOIN, &join_key(account, &g.id, millis(&joined), user_id))?;
    super::bump_generation(txn, account)
}

fn millis(v: &[u8]) -> i64 {
    String::from_utf8_lossy(v).parse().unwrap_or(0)
}

/// A member's key in the join-order index; its part after `{account}/{group id}/` is the
/// member's paging position in `ListUsersForGroup`.
fn join_key(account: &str, group_id: &str, joined: i64, user_id: &str) -> String {
    format!("{account}/{group_id}/{joined:016}/{user_id}")
}

fn joined(rows: Vec<(String, Vec<u8>)>, prefix_len: usize) -> Vec<(String, i64)> {
    rows.into_iter().map(|(k, v)| (k.get(prefix_len..).unwrap_or_default().to_string(), millis(&v))).collect()
}

/// The groups a user is in, with the join time.
pub fn groups_of_user(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Vec<(GroupRecord, i64)>> {
    let prefix = format!("{account}/{user_id}/");
    let rows = joined(txn.scan(tables::USER_GROUPS, &prefix, None, usize::MAX)?, prefix.len());
    let mut out = Vec::with_capacity(rows.len());
    for (gid, at) in rows {
        if let Some(g) = by_id(txn, account, &gid)? {
            out.push((g, at));
        }
    }
    out.sort_by_key(|(g, _)| g.position());
    Ok(out)
}

/// A member of a group as `ListUsersForGroup` lists it: the user and the join time.
pub struct Member {
    pub user: UserRecord,
    pub joined: i64,
}

impl Member {
    /// Listing order within the group: join time, then user ID; also the paging position.
    pub fn position(&self) -> String {
        format!("{:016}/{}", self.joined, self.user.id)
    }
}

/// Up to `limit` members of a group in join order after the position `after`, and whether more
/// follow: read from the join-order index, so a page loads only its own users.
pub fn members_page(txn: &mut dyn Txn, account: &str, group_id: &str, after: Option<&str>, limit: usize) -> Result<(Vec<Member>, bool)> {
    let prefix = format!("{account}/{group_id}/");
    walk(
        txn,
        |t, a, n| Ok(t.scan(GROUP_MEMBER_BY_JOIN, &prefix, a, n)?),
        after.map(|a| format!("{prefix}{a}")),
        limit,
        true,
        |t, k, id| {
            let joined = localyun_store::key_rest(k, &prefix).split_once('/').and_then(|(at, _)| at.parse().ok()).unwrap_or(0);
            Ok(users::by_id(t, account, &String::from_utf8_lossy(id))?.map(|user| Member { user, joined }))
        },
    )
}

/// Format 3: the position index of groups and the join-order index of members, built from the
/// group records and memberships of an older store.
pub fn build_indexes(txn: &mut dyn Txn) -> Result<()> {
    use crate::record::{clear, for_each_row};
    clear(txn, GROUP_BY_POSITION)?;
    for_each_row(txn, tables::GROUP, |t, k, v| {
        let g: GroupRecord = decode(tables::GROUP, v)?;
        let account = k.split_once('/').map_or("", |(a, _)| a);
        Ok(t.put(GROUP_BY_POSITION, &position_key(account, &g), g.id.as_bytes())?)
    })?;
    clear(txn, GROUP_MEMBER_BY_JOIN)?;
    for_each_row(txn, tables::GROUP_MEMBER, |t, k, v| {
        // `{account}/{group id}/{user id}`: none of the three holds a `/`.
        let mut parts = k.splitn(3, '/');
        if let (Some(account), Some(group), Some(user)) = (parts.next(), parts.next(), parts.next()) {
            t.put(GROUP_MEMBER_BY_JOIN, &join_key(account, group, millis(v), user), user.as_bytes())?;
        }
        Ok(())
    })
}
