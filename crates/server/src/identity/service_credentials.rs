//! Service credentials (IMS Create/Get/Update/Delete/ListServiceCredential[s]): API keys a RAM
//! user holds for one cloud service (e.g. Model Studio), with a name, a status and an optional
//! age. localyun keeps them (the services that take them are not served here); the secret is
//! answered once, at creation.

use super::{now_ms, random_alnum, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::Secret;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// Per user and service (no documented number; AWS's service-specific credentials allow 2).
pub const MAX_PER_USER_AND_SERVICE: usize = 2;
const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceCredentialRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub service: String,
    pub secret: Secret,
    pub active: bool,
    pub created_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<i64>,
}

impl ServiceCredentialRecord {
    /// `Active`, `Inactive`, or `Expired` once past its age.
    pub fn status(&self, now: i64) -> &'static str {
        match (self.active, self.expires_ms) {
            (_, Some(t)) if now >= t => "Expired",
            (true, _) => "Active",
            (false, _) => "Inactive",
        }
    }
}

fn key(account: &str, user_id: &str, id: &str) -> String {
    format!("{account}/{user_id}/{id}")
}

pub fn require(txn: &mut dyn Txn, account: &str, user_id: &str, id: &str) -> Result<ServiceCredentialRecord> {
    load(txn, tables::SERVICE_CREDENTIAL, &key(account, user_id, id))?.ok_or_else(|| RamError::ServiceCredentialNotFound.into())
}

/// The user's credentials (every user's when `user_id` is `None`), oldest first.
pub fn list(txn: &mut dyn Txn, account: &str, user_id: Option<&str>) -> Result<Vec<ServiceCredentialRecord>> {
    let prefix = match user_id {
        Some(u) => format!("{account}/{u}/"),
        None => format!("{account}/"),
    };
    let rows = txn.scan(tables::SERVICE_CREDENTIAL, &prefix, None, usize::MAX)?;
    let mut out = rows.iter().map(|(_, v)| decode(tables::SERVICE_CREDENTIAL, v)).collect::<Result<Vec<ServiceCredentialRecord>>>()?;
    out.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
    Ok(out)
}

pub fn create(
    txn: &mut dyn Txn,
    account: &str,
    user_id: &str,
    name: &str,
    service: &str,
    age_days: Option<i64>,
) -> Result<ServiceCredentialRecord> {
    let same_service = list(txn, account, Some(user_id))?.iter().filter(|c| c.service == service).count();
    if same_service >= MAX_PER_USER_AND_SERVICE {
        return Err(RamError::ServiceCredentialLimit.into());
    }
    let now = now_ms();
    let rec = ServiceCredentialRecord {
        id: format!("sc-{}", random_alnum(20).to_ascii_lowercase()),
        user_id: user_id.to_string(),
        name: name.to_string(),
        service: service.to_string(),
        secret: Secret::new(format!("sk-{}", random_alnum(32).to_ascii_lowercase())),
        active: true,
        created_ms: now,
        expires_ms: age_days.map(|d| now + d * DAY_MS),
    };
    save(txn, tables::SERVICE_CREDENTIAL, &key(account, user_id, &rec.id), &rec)?;
    Ok(rec)
}

pub fn save_changes(txn: &mut dyn Txn, account: &str, rec: &ServiceCredentialRecord) -> Result<()> {
    save(txn, tables::SERVICE_CREDENTIAL, &key(account, &rec.user_id, &rec.id), rec)
}

pub fn delete(txn: &mut dyn Txn, account: &str, user_id: &str, id: &str) -> Result<()> {
    require(txn, account, user_id, id)?;
    txn.delete(tables::SERVICE_CREDENTIAL, &key(account, user_id, id))?;
    Ok(())
}

/// A deleted user's credentials go with it.
pub fn delete_all_of(txn: &mut dyn Txn, account: &str, user_id: &str) -> Result<()> {
    for (k, _) in txn.scan(tables::SERVICE_CREDENTIAL, &format!("{account}/{user_id}/"), None, usize::MAX)? {
        txn.delete(tables::SERVICE_CREDENTIAL, &k)?;
    }
    Ok(())
}
