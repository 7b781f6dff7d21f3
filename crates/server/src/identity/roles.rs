//! RAM roles with their trust policies (ram.md 6.3).

use super::{load, load_by_name, name_key, now_ms, random_digits16, record_key as key, save, scan_all, tables};
use crate::failure::Result;
use localyun_core::tags::TagSet;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

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
    ApiError::new(409, "EntityAlreadyExists.Role", "The role does already EXIST.")
}

pub fn by_id(txn: &mut dyn Txn, account: &str, id: &str) -> Result<Option<RoleRecord>> {
    load(txn, tables::ROLE, &key(account, id))
}

pub fn by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<RoleRecord>> {
    load_by_name(txn, tables::ROLE, tables::ROLE_BY_NAME, account, name)
}

pub fn require_by_name(txn: &mut dyn Txn, account: &str, name: &str) -> Result<RoleRecord> {
    by_name(txn, account, name)?.ok_or_else(|| ApiError::new(404, "EntityNotExist.Role", "The role does not exist.").into())
}

pub fn create(txn: &mut dyn Txn, account: &str, mut role: RoleRecord) -> Result<RoleRecord> {
    if txn.get(tables::ROLE_BY_NAME, &name_key(account, &role.name))?.is_some() {
        return Err(exists_error().into());
    }
    if txn.scan(tables::ROLE_BY_NAME, &format!("{account}/"), None, MAX_ROLES_PER_ACCOUNT)?.len() >= MAX_ROLES_PER_ACCOUNT {
        return Err(ApiError::new(409, "LimitExceeded.Role", "The count of roles beyond the current limits.").into());
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
    Ok(role)
}

pub fn update(txn: &mut dyn Txn, account: &str, mut role: RoleRecord) -> Result<RoleRecord> {
    role.updated_ms = now_ms();
    save(txn, tables::ROLE, &key(account, &role.id), &role)?;
    Ok(role)
}

/// Saves a tag change; `UpdateDate` stays.
pub fn save_tags(txn: &mut dyn Txn, account: &str, role: &RoleRecord) -> Result<()> {
    save(txn, tables::ROLE, &key(account, &role.id), role)
}

/// Refused while policies are attached (ram.md 6.3).
pub fn delete(txn: &mut dyn Txn, account: &str, role: &RoleRecord) -> Result<()> {
    if super::attachments::has_any(txn, account, super::attachments::Entity::Role, &role.id)? {
        return Err(
            ApiError::new(409, "DeleteConflict.Role.Policy", "The role CAN NOT has any attached policy while deleting the role.").into()
        );
    }
    txn.delete(tables::ROLE, &key(account, &role.id))?;
    txn.delete(tables::ROLE_BY_NAME, &name_key(account, &role.name))?;
    Ok(())
}

pub fn list(txn: &mut dyn Txn, account: &str) -> Result<Vec<RoleRecord>> {
    let mut roles: Vec<RoleRecord> = scan_all(txn, tables::ROLE, &format!("{account}/"))?;
    roles.sort_by_cached_key(RoleRecord::position);
    Ok(roles)
}
