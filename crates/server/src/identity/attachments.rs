//! Policy attachments to users, groups and roles (ram.md 6.5), indexed both ways.

use super::{now_ms, tables};
use crate::failure::Result;
use localyun_core::error::RamError;
use localyun_store::Txn;

/// `{account}/{policy type}/{policy name}` → how many users, groups and roles the policy is
/// attached to: the `AttachmentCount` of GetPolicy and of every ListPolicies item, read with one
/// get instead of a scan of the policy's attachments (format 3). Absent means none.
pub const ATTACHMENT_COUNT: &str = "attachment_count";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    User,
    Group,
    Role,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::User => "user",
            Entity::Group => "group",
            Entity::Role => "role",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Entity::User => "User",
            Entity::Group => "Group",
            Entity::Role => "Role",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Entity::User),
            "group" => Some(Entity::Group),
            "role" => Some(Entity::Role),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyType {
    System,
    Custom,
}

impl PolicyType {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::System => "System",
            PolicyType::Custom => "Custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "System" => Some(PolicyType::System),
            "Custom" => Some(PolicyType::Custom),
            _ => None,
        }
    }
}

/// Per user, group and role: 10 custom and 20 system policies (ram.md 6.5, corrected from docs).
pub const MAX_CUSTOM_PER_ENTITY: usize = 10;
pub const MAX_SYSTEM_PER_ENTITY: usize = 20;

fn quota(t: PolicyType) -> usize {
    match t {
        PolicyType::Custom => MAX_CUSTOM_PER_ENTITY,
        PolicyType::System => MAX_SYSTEM_PER_ENTITY,
    }
}

fn entity_key(account: &str, e: Entity, id: &str, t: PolicyType, name: &str) -> String {
    format!("{account}/{}/{id}/{}/{name}", e.as_str(), t.as_str())
}

fn policy_key(account: &str, t: PolicyType, name: &str, e: Entity, id: &str) -> String {
    format!("{account}/{}/{name}/{}/{id}", t.as_str(), e.as_str())
}

pub fn attach(txn: &mut dyn Txn, account: &str, e: Entity, id: &str, t: PolicyType, name: &str) -> Result<()> {
    let key = entity_key(account, e, id, t, name);
    if txn.get(tables::ATTACHMENT, &key)?.is_some() {
        return Err(RamError::AlreadyAttached { entity: e.code(), what: e.as_str() }.into());
    }
    let same_type = format!("{account}/{}/{id}/{}/", e.as_str(), t.as_str());
    if txn.scan(tables::ATTACHMENT, &same_type, None, quota(t))?.len() >= quota(t) {
        return Err(RamError::AttachmentLimit { entity: e.code(), what: e.as_str() }.into());
    }
    let at = now_ms().to_string();
    txn.put(tables::ATTACHMENT, &key, at.as_bytes())?;
    txn.put(tables::ATTACHMENT_BY_POLICY, &policy_key(account, t, name, e, id), at.as_bytes())?;
    let n = count_of_policy(txn, account, t, name)?;
    set_count(txn, &count_key(account, t, name), n + 1)?;
    super::bump_generation(txn, account)
}

pub fn detach(txn: &mut dyn Txn, account: &str, e: Entity, id: &str, t: PolicyType, name: &str) -> Result<()> {
    if !txn.delete(tables::ATTACHMENT, &entity_key(account, e, id, t, name))? {
        return Err(RamError::NotAttached { entity: e.code(), what: e.as_str() }.into());
    }
    txn.delete(tables::ATTACHMENT_BY_POLICY, &policy_key(account, t, name, e, id))?;
    let n = count_of_policy(txn, account, t, name)?;
    set_count(txn, &count_key(account, t, name), n.saturating_sub(1))?;
    super::bump_generation(txn, account)
}

fn count_key(account: &str, t: PolicyType, name: &str) -> String {
    format!("{account}/{}/{name}", t.as_str())
}

fn set_count(txn: &mut dyn Txn, key: &str, n: usize) -> Result<()> {
    if n == 0 {
        txn.delete(ATTACHMENT_COUNT, key)?;
    } else {
        txn.put(ATTACHMENT_COUNT, key, n.to_string().as_bytes())?;
    }
    Ok(())
}

/// How many entities the policy is attached to, from its counter.
pub fn count_of_policy(txn: &mut dyn Txn, account: &str, t: PolicyType, name: &str) -> Result<usize> {
    Ok(txn.get(ATTACHMENT_COUNT, &count_key(account, t, name))?.and_then(|v| String::from_utf8_lossy(&v).parse().ok()).unwrap_or(0))
}

/// The kind of one entity the policy is attached to, if any (reads one index entry).
pub fn first_of_policy(txn: &mut dyn Txn, account: &str, t: PolicyType, name: &str) -> Result<Option<Entity>> {
    let prefix = format!("{account}/{}/{name}/", t.as_str());
    let first = txn.scan(tables::ATTACHMENT_BY_POLICY, &prefix, None, 1)?;
    Ok(first.first().and_then(|(k, _)| Entity::parse(localyun_store::key_rest(k, &prefix).split_once('/')?.0)))
}

/// Format 3: the attachment counters, counted from the attachments of an older store.
pub fn build_counts(txn: &mut dyn Txn) -> Result<()> {
    use crate::record::{clear, for_each_row};
    clear(txn, ATTACHMENT_COUNT)?;
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for_each_row(txn, tables::ATTACHMENT_BY_POLICY, |_, k, _| {
        // `{account}/{policy type}/{policy name}/{entity kind}/{entity id}`: no part holds a `/`.
        if let Some(policy) = k.rsplitn(3, '/').nth(2) {
            *counts.entry(policy.to_string()).or_default() += 1;
        }
        Ok(())
    })?;
    for (key, n) in counts {
        set_count(txn, &key, n)?;
    }
    Ok(())
}

fn millis(v: &[u8]) -> i64 {
    String::from_utf8_lossy(v).parse().unwrap_or(0)
}

/// The policies attached to an entity: (type, name, attach time), oldest first.
pub fn of_entity(txn: &mut dyn Txn, account: &str, e: Entity, id: &str) -> Result<Vec<(PolicyType, String, i64)>> {
    let prefix = format!("{account}/{}/{id}/", e.as_str());
    let mut out: Vec<(PolicyType, String, i64)> = txn
        .scan(tables::ATTACHMENT, &prefix, None, usize::MAX)?
        .into_iter()
        .filter_map(|(k, v)| {
            let (t, name) = localyun_store::key_rest(&k, &prefix).split_once('/')?;
            Some((PolicyType::parse(t)?, name.to_string(), millis(&v)))
        })
        .collect();
    out.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
    Ok(out)
}

/// The entities a policy is attached to: (kind, entity id, attach time).
pub fn of_policy(txn: &mut dyn Txn, account: &str, t: PolicyType, name: &str) -> Result<Vec<(Entity, String, i64)>> {
    let prefix = format!("{account}/{}/{name}/", t.as_str());
    Ok(txn
        .scan(tables::ATTACHMENT_BY_POLICY, &prefix, None, usize::MAX)?
        .into_iter()
        .filter_map(|(k, v)| {
            let (e, id) = localyun_store::key_rest(&k, &prefix).split_once('/')?;
            Some((Entity::parse(e)?, id.to_string(), millis(&v)))
        })
        .collect())
}

pub fn has_any(txn: &mut dyn Txn, account: &str, e: Entity, id: &str) -> Result<bool> {
    Ok(!txn.scan(tables::ATTACHMENT, &format!("{account}/{}/{id}/", e.as_str()), None, 1)?.is_empty())
}
