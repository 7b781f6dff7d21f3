//! RAM groups and their members (ram.md 6.2).

use super::{load, load_by_name, name_key, now_ms, record_key as key, save, scan_all, tables};
use crate::failure::Result;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// Groups per account and groups per user (ram.md 6.2, the limits page).
pub const MAX_GROUPS_PER_ACCOUNT: usize = 300;
pub const MAX_GROUPS_PER_USER: usize = 10;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
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
    found.ok_or_else(|| ApiError::new(404, "EntityNotExist.Group", "The group does not exist.").into())
}

pub fn create(txn: &mut dyn Txn, account: &str, name: &str, comments: Option<String>) -> Result<GroupRecord> {
    if txn.get(tables::GROUP_BY_NAME, &name_key(account, name))?.is_some() {
        return Err(ApiError::new(409, "EntityAlreadyExists.Group", "The group does already EXIST.").into());
    }
    if txn.scan(tables::GROUP_BY_NAME, &format!("{account}/"), None, MAX_GROUPS_PER_ACCOUNT)?.len() >= MAX_GROUPS_PER_ACCOUNT {
        return Err(ApiError::new(409, "LimitExceeded.Group", "The count of groups beyond the current limits.").into());
    }
    let id = loop {
        // `g-` and 16 alphanumerics, like `g-FpMEHiMysofp****` (ram.md 6.2).
        let candidate = format!("g-{}", super::random_alnum(16));
        if by_id(txn, account, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    let g = GroupRecord { id, name: name.to_string(), comments, created_ms: now, updated_ms: now };
    save(txn, tables::GROUP, &key(account, &g.id), &g)?;
    txn.put(tables::GROUP_BY_NAME, &name_key(account, name), g.id.as_bytes())?;
    Ok(g)
}

pub fn update(txn: &mut dyn Txn, account: &str, old: &GroupRecord, mut next: GroupRecord) -> Result<GroupRecord> {
    let (old_key, new_key) = (name_key(account, &old.name), name_key(account, &next.name));
    if old_key != new_key {
        if txn.get(tables::GROUP_BY_NAME, &new_key)?.is_some() {
            return Err(ApiError::new(409, "EntityAlreadyExists.Group", "The group does already EXIST.").into());
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
        return Err(
            ApiError::new(409, "DeleteConflict.Group.User", "The group CAN NOT has any user member while deleting the group.").into()
        );
    }
    if super::attachments::has_any(txn, account, super::attachments::Entity::Group, &g.id)? {
        return Err(ApiError::new(
            409,
            "DeleteConflict.Group.Policy",
            "The group CAN NOT has any attached policy while deleting the group.",
        )
        .into());
    }
    txn.delete(tables::GROUP, &key(account, &g.id))?;
    txn.delete(tables::GROUP_BY_NAME, &name_key(account, &g.name))?;
    Ok(())
}

pub fn list(txn: &mut dyn Txn, account: &str) -> Result<Vec<GroupRecord>> {
    let mut groups: Vec<GroupRecord> = scan_all(txn, tables::GROUP, &format!("{account}/"))?;
    groups.sort_by_cached_key(GroupRecord::position);
    Ok(groups)
}

pub fn add_user(txn: &mut dyn Txn, account: &str, g: &GroupRecord, user_id: &str) -> Result<()> {
    let member = format!("{account}/{}/{user_id}", g.id);
    if txn.get(tables::GROUP_MEMBER, &member)?.is_some() {
        return Err(ApiError::new(409, "EntityAlreadyExists.User.Group", "The user has already joined the group.").into());
    }
    if txn.scan(tables::USER_GROUPS, &format!("{account}/{user_id}/"), None, MAX_GROUPS_PER_USER)?.len() >= MAX_GROUPS_PER_USER {
        return Err(ApiError::new(
            409,
            "LimitExceeded.User.Group",
            "The count of groups the target user joined beyond the current limits.",
        )
        .into());
    }
    let joined = now_ms().to_string();
    txn.put(tables::GROUP_MEMBER, &member, joined.as_bytes())?;
    txn.put(tables::USER_GROUPS, &format!("{account}/{user_id}/{}", g.id), joined.as_bytes())?;
    super::bump_generation(txn, account)
}

pub fn remove_user(txn: &mut dyn Txn, account: &str, g: &GroupRecord, user_id: &str) -> Result<()> {
    if !txn.delete(tables::GROUP_MEMBER, &format!("{account}/{}/{user_id}", g.id))? {
        return Err(ApiError::new(404, "EntityNotExist.User.Group", "The user has not joined the group.").into());
    }
    txn.delete(tables::USER_GROUPS, &format!("{account}/{user_id}/{}", g.id))?;
    super::bump_generation(txn, account)
}

fn joined(rows: Vec<(String, Vec<u8>)>, prefix_len: usize) -> Vec<(String, i64)> {
    rows.into_iter().map(|(k, v)| (k[prefix_len..].to_string(), String::from_utf8_lossy(&v).parse().unwrap_or(0))).collect()
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

/// The user IDs in a group, with the join time, in join order.
pub fn members(txn: &mut dyn Txn, account: &str, group_id: &str) -> Result<Vec<(String, i64)>> {
    let prefix = format!("{account}/{group_id}/");
    let mut rows = joined(txn.scan(tables::GROUP_MEMBER, &prefix, None, usize::MAX)?, prefix.len());
    rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Ok(rows)
}
