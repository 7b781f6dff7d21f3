//! RAM roles with their trust policies (ram.md 6.3).

use super::{load_by_name, name_key, now_ms, random_digits16, record_key as key, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::paging::walk;
use localyun_core::tags::TagSet;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// `{account}/{role position}` → role ID: roles in listing order (creation time, then ID), so a
/// page of `ListRoles` reads only its own roles (format 3).
pub const ROLE_BY_POSITION: &str = "role_by_position";
/// `{account}/{role name}` → role ID, for the roles carrying at least one tag: the resources of
/// RAM `ListTagResources` in its order (the exact name, byte order), and no role without rows
/// (format 3). Role names never change (UpdateRole has no new name).
pub const ROLE_TAGGED: &str = "role_tagged";

pub const MAX_ROLES_PER_ACCOUNT: usize = 1000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRecord {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Stored verbatim (policy.md 1); validated when written.
    pub trust_policy: String,
    pub max_session_duration: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    #[serde(default)]
    pub tags: TagSet,
    /// The service of a service-linked role (service_roles.rs); `None` for other roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
}

impl RoleRecord {
    /// `acs:ram::<accountId>:role/<RoleName>`, keeping the name's case (ram.md 6.3).
    pub fn arn(&self, account: &str) -> String {
        format!("acs:ram::{account}:role/{}", self.name)
    }

    pub fn position(&self) -> String {
        format!("{:016}/{}", self.created_ms, self.id)
    }
}

fn exists_error() -> ApiError {
    ApiError::from(RamError::RoleExists)
}

pub fn by_id(txn: &mut dyn Txn, account: &str, id: &str) -> Result<Option<RoleRecord>> {
    load(txn, tables::ROLE, &key(account, id))
}

pub fn by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<RoleRecord>> {
    load_by_name(txn, tables::ROLE, tables::ROLE_BY_NAME, account, name)
}

pub fn require_by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<RoleRecord> {
    by_name(txn, account, name)?.ok_or_else(|| RamError::RoleNotFound.into())
}

pub fn create(txn: &mut dyn Txn, account: &str, mut role: RoleRecord) -> Result<RoleRecord> {
    if txn.get(tables::ROLE_BY_NAME, &name_key(account, &role.name))?.is_some() {
        return Err(exists_error().into());
    }
    if txn.scan(tables::ROLE_BY_NAME, &format!("{account}/"), None, MAX_ROLES_PER_ACCOUNT)?.len() >= MAX_ROLES_PER_ACCOUNT {
        return Err(RamError::RoleLimit.into());
    }
    role.id = loop {
        let candidate = random_digits16();
        if by_id(txn, account, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    (role.created_ms, role.updated_ms) = (now, now);
    save(txn, tables::ROLE, &key(account, &role.id), &role)?;
    txn.put(tables::ROLE_BY_NAME, &name_key(account, &role.name), role.id.as_bytes())?;
    txn.put(ROLE_BY_POSITION, &position_key(account, &role), role.id.as_bytes())?;
    index_tagged(txn, account, &role)?;
    Ok(role)
}

pub fn update(txn: &mut dyn Txn, account: &str, mut role: RoleRecord) -> Result<RoleRecord> {
    role.updated_ms = now_ms();
    save(txn, tables::ROLE, &key(account, &role.id), &role)?;
    Ok(role)
}

/// Saves a tag change; `UpdateDate` stays.
pub fn save_tags(txn: &mut dyn Txn, account: &str, role: &RoleRecord) -> Result<()> {
    save(txn, tables::ROLE, &key(account, &role.id), role)?;
    index_tagged(txn, account, role)
}

/// Keeps the role's entry in [`ROLE_TAGGED`] in step with whether it carries tags.
fn index_tagged(txn: &mut dyn Txn, account: &str, role: &RoleRecord) -> Result<()> {
    let k = tagged_key(account, &role.name);
    if role.tags.is_empty() {
        txn.delete(ROLE_TAGGED, &k)?;
    } else {
        txn.put(ROLE_TAGGED, &k, role.id.as_bytes())?;
    }
    Ok(())
}

fn tagged_key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

fn position_key(account: &str, role: &RoleRecord) -> String {
    format!("{account}/{}", role.position())
}

/// Refused while policies are attached (ram.md 6.3).
pub fn delete(txn: &mut dyn Txn, account: &str, role: &RoleRecord) -> Result<()> {
    if super::attachments::has_any(txn, account, super::attachments::Entity::Role, &role.id)? {
        return Err(RamError::RoleHasPolicy.into());
    }
    txn.delete(tables::ROLE, &key(account, &role.id))?;
    txn.delete(tables::ROLE_BY_NAME, &name_key(account, &role.name))?;
    txn.delete(ROLE_BY_POSITION, &position_key(account, role))?;
    txn.delete(ROLE_TAGGED, &tagged_key(account, &role.name))?;
    Ok(())
}

/// Up to `limit` roles that `keep` accepts, in listing order after the position `after`, and
/// whether more follow, read from the position index a batch at a time. `keep: None` takes
/// every role: then a page loads only its own roles.
pub fn page(
    txn: &mut dyn Txn,
    account: &str,
    after: Option<&str>,
    limit: usize,
    keep: Option<&dyn Fn(&RoleRecord) -> bool>,
) -> Result<(Vec<RoleRecord>, bool)> {
    let prefix = format!("{account}/");
    walk(
        txn,
        |t, a, n| Ok(t.scan(ROLE_BY_POSITION, &prefix, a, n)?),
        after.map(|a| format!("{prefix}{a}")),
        limit,
        keep.is_none(),
        |t, _, id| Ok(by_id(t, account, &String::from_utf8_lossy(id))?.filter(|r| keep.is_none_or(|f| f(r)))),
    )
}

/// The prefix of the account's entries in [`ROLE_TAGGED`]; an entry's key is the prefix and the
/// role name, its value the role ID.
pub fn tagged_prefix(account: &str) -> String {
    format!("{account}/")
}

/// Format 3: the position and tagged-role indexes, built from the role records of an older store.
pub fn build_indexes(txn: &mut dyn Txn) -> Result<()> {
    use crate::record::{clear, for_each_row};
    clear(txn, ROLE_BY_POSITION)?;
    clear(txn, ROLE_TAGGED)?;
    for_each_row(txn, tables::ROLE, |t, k, v| {
        let role: RoleRecord = decode(tables::ROLE, v)?;
        let account = k.split_once('/').map_or("", |(a, _)| a);
        t.put(ROLE_BY_POSITION, &position_key(account, &role), role.id.as_bytes())?;
        index_tagged(t, account, &role)
    })
}
