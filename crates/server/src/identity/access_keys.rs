//! AccessKeys of an account's root and of its RAM users (ram.md 6.6).

use super::random_alnum;
use super::recycle_bin::Recycled;
use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::error::RamError;
use localyun_core::Secret;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// At most two AccessKeys per RAM user (ram.md 6.6, the limits page). No limit is documented
/// for the root; the same two apply (research note 3).
pub const MAX_KEYS_PER_OWNER: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "user_id")]
pub enum Owner {
    Root,
    User(String),
}

impl Owner {
    fn index_part(&self) -> &str {
        match self {
            Owner::Root => "root",
            Owner::User(id) => id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "Active",
            KeyStatus::Inactive => "Inactive",
        }
    }

    /// `Active` / `Inactive`, exactly as documented.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(KeyStatus::Active),
            "Inactive" => Some(KeyStatus::Inactive),
            _ => None,
        }
    }
}

/// What a key is: an AccessKey (the default, and every key of an older store), an RSA key pair
/// of the account (its public key ID and private key; it signs GenerateSessionAccessKey only),
/// or a session AccessKey that call made (the root's, until it expires).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyKind {
    #[default]
    Access,
    KeyPair,
    Session,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKeyRecord {
    pub id: String,
    pub secret: Secret,
    pub account_id: String,
    pub owner: Owner,
    pub status: KeyStatus,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The key's network access restriction policy as set (IMS SetAccessKeyPolicy), normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policy: Option<String>,
    #[serde(default, skip_serializing_if = "is_access")]
    pub kind: KeyKind,
    /// Session AccessKeys: when they stop authenticating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<i64>,
}

fn is_access(k: &KeyKind) -> bool {
    *k == KeyKind::Access
}

impl AccessKeyRecord {
    /// The RAM user owning the key; `None` for the root's keys.
    pub fn owner_user_id(&self) -> Option<String> {
        match &self.owner {
            Owner::User(id) => Some(id.clone()),
            Owner::Root => None,
        }
    }
}

fn owner_key(account: &str, owner: &Owner, id: &str) -> String {
    format!("{account}/{}/{id}", owner.index_part())
}

fn owner_prefix(account: &str, owner: &Owner) -> String {
    format!("{account}/{}/", owner.index_part())
}

pub fn get(txn: &mut dyn Txn, id: &str) -> Result<Option<AccessKeyRecord>> {
    load(txn, tables::ACCESS_KEY, id)
}

/// Replaces an existing key (status, secret): cached credentials of the account become stale.
pub(crate) fn put(txn: &mut dyn Txn, rec: &AccessKeyRecord) -> Result<()> {
    save(txn, tables::ACCESS_KEY, &rec.id, rec)?;
    super::bump_generation(txn, &rec.account_id)
}

/// A key that did not exist: nothing cached can know it, so no generation bump.
pub(crate) fn insert(txn: &mut dyn Txn, rec: AccessKeyRecord) -> Result<AccessKeyRecord> {
    save(txn, tables::ACCESS_KEY, &rec.id, &rec)?;
    txn.put(tables::ACCESS_KEY_BY_OWNER, &owner_key(&rec.account_id, &rec.owner, &rec.id), b"")?;
    Ok(rec)
}

/// A new active key for `owner`, refused past the per-owner limit.
pub fn create(txn: &mut dyn Txn, account: &str, owner: Owner) -> Result<AccessKeyRecord> {
    if count(txn, account, &owner)? >= MAX_KEYS_PER_OWNER {
        return Err(RamError::AccessKeyLimit.into());
    }
    let id = loop {
        // `LTAI` + 20 alphanumerics, the shape of real AccessKey IDs (ram.md 6.6).
        let candidate = format!("LTAI{}", random_alnum(20));
        if get(txn, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    insert(
        txn,
        AccessKeyRecord {
            id,
            secret: Secret::new(random_alnum(30)),
            account_id: account.to_string(),
            owner,
            status: KeyStatus::Active,
            created_ms: now,
            updated_ms: now,
            network_policy: None,
            kind: KeyKind::Access,
            expires_ms: None,
        },
    )
}

/// An RSA key pair of the account's root (`localyun account key-pair import`): its public key
/// ID (`LTRSA` + 16 alphanumerics; no format is documented) and the private key text, which is
/// the secret the credentials SDKs sign GenerateSessionAccessKey with (HMAC-SHA1 keyed with the
/// private key, alibabacloud-credentials `RsaKeyPairCredentialsProvider`). Key pairs are not
/// AccessKeys: they are not listed, not counted and authenticate nothing else.
pub fn import_key_pair(txn: &mut dyn Txn, account: &str, private_key: Secret) -> Result<AccessKeyRecord> {
    special(txn, account, "LTRSA", 16, private_key, KeyKind::KeyPair, None)
}

/// A session AccessKey of the root (STS GenerateSessionAccessKey): `TMPSK.` and 26
/// alphanumerics, valid until `expires_ms`.
pub fn create_session_key(txn: &mut dyn Txn, account: &str, expires_ms: i64) -> Result<AccessKeyRecord> {
    special(txn, account, "TMPSK.", 26, Secret::new(random_alnum(30)), KeyKind::Session, Some(expires_ms))
}

fn special(
    txn: &mut dyn Txn,
    account: &str,
    prefix: &str,
    len: usize,
    secret: Secret,
    kind: KeyKind,
    expires_ms: Option<i64>,
) -> Result<AccessKeyRecord> {
    let id = loop {
        let candidate = format!("{prefix}{}", random_alnum(len));
        if get(txn, &candidate)?.is_none() {
            break candidate;
        }
    };
    let now = now_ms();
    let rec = AccessKeyRecord {
        id,
        secret,
        account_id: account.to_string(),
        owner: Owner::Root,
        status: KeyStatus::Active,
        created_ms: now,
        updated_ms: now,
        network_policy: None,
        kind,
        expires_ms,
    };
    // Not in the owner index: ListAccessKeys, the key limit and credential reports see
    // AccessKeys only.
    save(txn, tables::ACCESS_KEY, &rec.id, &rec)?;
    Ok(rec)
}

fn kept_key(account: &str, user_id: &str, key_id: &str) -> String {
    format!("{account}/{user_id}/{key_id}")
}

/// A user's kept keys (recycle_bin.rs), oldest first.
pub fn kept_of(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<Vec<Recycled<AccessKeyRecord>>> {
    let (rows, _) = super::recycle_bin::page(txn, tables::RECYCLED_KEY, &format!("{account}/{user_id}/"), None, usize::MAX)?;
    let mut out: Vec<Recycled<AccessKeyRecord>> = rows.into_iter().map(|(_, r)| r).collect();
    out.sort_by_key(|r| r.item.created_ms);
    Ok(out)
}

/// A kept key by its ID alone (GetAccessKeyInfoInRecycleBin names no user).
pub fn kept_by_id(txn: &mut dyn Txn, account: &str, key_id: &str) -> Result<Recycled<AccessKeyRecord>> {
    let (rows, _) = super::recycle_bin::page::<AccessKeyRecord>(txn, tables::RECYCLED_KEY, &format!("{account}/"), None, usize::MAX)?;
    rows.into_iter().map(|(_, r)| r).find(|r| r.item.id == key_id).ok_or_else(|| RamError::AccessKeyOfUserNotFound.into())
}

fn require_kept(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<Recycled<AccessKeyRecord>> {
    super::recycle_bin::get(txn, tables::RECYCLED_KEY, &kept_key(account, user_id, key_id))?
        .ok_or_else(|| RamError::AccessKeyOfUserNotFound.into())
}

/// Gives a kept key back to its user (whose existence the caller has checked), within the
/// user's limit.
pub fn restore_kept(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<()> {
    let kept = require_kept(txn, account, user_id, key_id)?;
    reinstate(txn, kept.item)?;
    super::recycle_bin::remove(txn, tables::RECYCLED_KEY, &kept_key(account, user_id, key_id))
}

pub fn purge_kept(txn: &mut dyn Txn, account: &str, user_id: &str, key_id: &str) -> Result<()> {
    require_kept(txn, account, user_id, key_id)?;
    super::recycle_bin::remove(txn, tables::RECYCLED_KEY, &kept_key(account, user_id, key_id))
}

/// One chunk of the key table after `after`: expired session AccessKeys are deleted with their
/// last-use rows. Returns how many, and where the next chunk starts (`None`: done).
pub fn purge_expired_sessions(txn: &mut dyn Txn, after: Option<&str>, limit: usize, now_ms: i64) -> Result<(usize, Option<String>)> {
    #[derive(Deserialize)]
    struct Expiring {
        #[serde(default)]
        expires_ms: Option<i64>,
    }
    let rows = txn.scan(tables::ACCESS_KEY, "", after, limit)?;
    let next = if rows.len() < limit { None } else { rows.last().map(|(k, _)| k.clone()) };
    let mut purged = 0;
    for (key, bytes) in &rows {
        let e: Expiring = crate::record::decode(tables::ACCESS_KEY, bytes)?;
        if e.expires_ms.is_some_and(|t| now_ms >= t) {
            txn.delete(tables::ACCESS_KEY, key)?;
            txn.delete(tables::ACCESS_KEY_LAST_USED, key)?;
            purged += 1;
        }
    }
    Ok((purged, next))
}

/// Every kept key of a user (its own purge from the recycle bin takes them with it).
pub fn purge_all_kept(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<()> {
    for (k, _) in txn.scan(tables::RECYCLED_KEY, &format!("{account}/{user_id}/"), None, usize::MAX)? {
        txn.delete(tables::RECYCLED_KEY, &k)?;
    }
    Ok(())
}

/// A key back from the recycle bin, with its ID, secret and dates; within the owner's limit.
fn reinstate(txn: &mut dyn Txn, rec: AccessKeyRecord) -> Result<()> {
    if count(txn, &rec.account_id, &rec.owner)? >= MAX_KEYS_PER_OWNER {
        return Err(RamError::AccessKeyLimit.into());
    }
    if get(txn, &rec.id)?.is_some() {
        return Err(RamError::AccessKeyTaken { id: rec.id.clone() }.into());
    }
    insert(txn, rec).map(drop)
}

fn count(txn: &mut dyn Txn, account: &str, owner: &Owner) -> Result<usize> {
    Ok(txn.scan(tables::ACCESS_KEY_BY_OWNER, &owner_prefix(account, owner), None, usize::MAX)?.len())
}

/// The owner's keys, oldest first.
pub fn list(txn: &mut dyn Txn, account: &str, owner: &Owner) -> Result<Vec<AccessKeyRecord>> {
    let prefix = owner_prefix(account, owner);
    let ids: Vec<String> = txn
        .scan(tables::ACCESS_KEY_BY_OWNER, &prefix, None, usize::MAX)?
        .into_iter()
        .map(|(k, _)| localyun_store::key_rest(&k, &prefix).to_string())
        .collect();
    let mut keys = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(k) = get(txn, &id)? {
            keys.push(k);
        }
    }
    keys.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(keys)
}

pub fn has_any(txn: &mut dyn Txn, account: &str, owner: &Owner) -> Result<bool> {
    Ok(!txn.scan(tables::ACCESS_KEY_BY_OWNER, &owner_prefix(account, owner), None, 1)?.is_empty())
}

/// The key `id` of `owner`; another owner's key is as absent as an unknown one.
pub fn require_owned(txn: &mut dyn Txn, account: &str, owner: &Owner, id: &str) -> Result<AccessKeyRecord> {
    match get(txn, id)? {
        // Key pairs and session keys are no AccessKeys to the AccessKey actions.
        Some(k) if k.account_id == account && &k.owner == owner && k.kind == KeyKind::Access => Ok(k),
        _ => Err(RamError::AccessKeyOfUserNotFound.into()),
    }
}

pub fn set_status(txn: &mut dyn Txn, mut key: AccessKeyRecord, status: KeyStatus) -> Result<()> {
    key.status = status;
    key.updated_ms = now_ms();
    put(txn, &key)
}

/// Deletes a key; a RAM user's key is kept in the recycle bin (recycle_bin.rs).
pub fn delete(txn: &mut dyn Txn, key: &AccessKeyRecord) -> Result<()> {
    // A RAM user's key is kept in the recycle bin; the root's are not.
    if let Owner::User(user_id) = &key.owner {
        super::recycle_bin::keep(txn, tables::RECYCLED_KEY, &kept_key(&key.account_id, user_id, &key.id), key)?;
    }
    txn.delete(tables::ACCESS_KEY, &key.id)?;
    txn.delete(tables::ACCESS_KEY_LAST_USED, &key.id)?;
    txn.delete(tables::ACCESS_KEY_BY_OWNER, &owner_key(&key.account_id, &key.owner, &key.id))?;
    super::bump_generation(txn, &key.account_id)
}

/// When a key was last used, and with which service (RAM's namespace of the call: `ram`,
/// `sts`, `log`); written by key_usage.rs in batches, read by GetAccessKeyLastUsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUse {
    pub at_ms: i64,
    pub service: String,
}

pub fn last_use(txn: &mut dyn Txn, id: &str) -> Result<Option<LastUse>> {
    load(txn, tables::ACCESS_KEY_LAST_USED, id)
}

/// Records a use of a key that still exists, unless a later one is recorded already (another
/// process may have written a later use first).
pub fn record_use(txn: &mut dyn Txn, id: &str, at_ms: i64, service: &str) -> Result<()> {
    if txn.get(tables::ACCESS_KEY, id)?.is_none() {
        return Ok(());
    }
    if last_use(txn, id)?.is_some_and(|u| u.at_ms >= at_ms) {
        return Ok(());
    }
    save(txn, tables::ACCESS_KEY_LAST_USED, id, &LastUse { at_ms, service: service.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let rec = AccessKeyRecord {
            id: "LTAIid".into(),
            secret: Secret::new("s3cr3t-value"),
            account_id: "1234567890123456".into(),
            owner: Owner::Root,
            status: KeyStatus::Active,
            created_ms: 0,
            updated_ms: 0,
            network_policy: None,
            kind: KeyKind::Access,
            expires_ms: None,
        };
        let shown = format!("{rec:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
        // The store must still keep it, to verify signatures.
        assert!(serde_json::to_string(&rec).unwrap().contains("s3cr3t-value"));
    }
}
