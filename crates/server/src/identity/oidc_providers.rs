//! OIDC identity providers of an account (IMS Create/Get/Update/Delete/ListOIDCProviders and
//! the client-ID and fingerprint actions), trusted by roles for STS AssumeRoleWithOIDC. Names
//! are unique in the account, and so are issuer URLs ("The URL of the issuer must be unique
//! within an Alibaba Cloud account", SDK model).

use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::GatewayError;
use localyun_core::ApiError;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

/// Client IDs and fingerprints per provider (no documented limit; AWS's are 100 and 5).
pub const MAX_CLIENT_IDS: usize = 50;
pub const MAX_FINGERPRINTS: usize = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OidcProviderRecord {
    pub name: String,
    pub issuer_url: String,
    pub client_ids: Vec<String>,
    pub fingerprints: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hours (1 to 168); IssuanceLimitTime.
    pub issuance_limit_hours: u32,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl OidcProviderRecord {
    pub fn arn(&self, account: &str) -> String {
        format!("acs:ram::{account}:oidc-provider/{}", self.name)
    }
}

fn key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

pub fn get(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<OidcProviderRecord>> {
    load(txn, tables::OIDC_PROVIDER, &key(account, name))
}

pub fn not_found() -> ApiError {
    ApiError::from(localyun_core::error::RamError::OidcProviderNotFound)
}

pub fn require(txn: &mut dyn Txn, account: &str, name: &str) -> Result<OidcProviderRecord> {
    get(txn, account, name)?.ok_or_else(|| not_found().into())
}

/// The provider an ARN `acs:ram::<account>:oidc-provider/<name>` names, with its account.
pub fn by_arn(txn: &mut dyn Txn, arn: &str) -> Result<Option<(String, OidcProviderRecord)>> {
    let Some((account, name)) = arn.strip_prefix("acs:ram::").and_then(|r| r.split_once(":oidc-provider/")) else { return Ok(None) };
    Ok(get(txn, account, name)?.map(|p| (account.to_string(), p)))
}

pub fn create(txn: &mut dyn Txn, account: &str, mut rec: OidcProviderRecord) -> Result<OidcProviderRecord> {
    if get(txn, account, &rec.name)?.is_some() {
        return Err(localyun_core::error::RamError::OidcProviderExists.into());
    }
    let issuer_taken = txn
        .scan(tables::OIDC_PROVIDER, &format!("{account}/"), None, usize::MAX)?
        .iter()
        .any(|(_, v)| decode::<OidcProviderRecord>(tables::OIDC_PROVIDER, v).is_ok_and(|p| p.issuer_url == rec.issuer_url));
    if issuer_taken {
        return Err(GatewayError::invalid("IssuerUrl", "The URL of the issuer must be unique within the account.").into());
    }
    let now = now_ms();
    (rec.created_ms, rec.updated_ms) = (now, now);
    save(txn, tables::OIDC_PROVIDER, &key(account, &rec.name), &rec)?;
    Ok(rec)
}

pub fn update(txn: &mut dyn Txn, account: &str, mut rec: OidcProviderRecord) -> Result<OidcProviderRecord> {
    rec.updated_ms = now_ms();
    save(txn, tables::OIDC_PROVIDER, &key(account, &rec.name), &rec)?;
    Ok(rec)
}

pub fn delete(txn: &mut dyn Txn, account: &str, name: &str) -> Result<()> {
    if !txn.delete(tables::OIDC_PROVIDER, &key(account, name))? {
        return Err(not_found().into());
    }
    Ok(())
}

/// Up to `limit` providers in name order after the provider `after`, and whether more follow.
pub fn page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<OidcProviderRecord>, bool)> {
    let after = after.map(|name| key(account, name));
    let rows = txn.scan(tables::OIDC_PROVIDER, &format!("{account}/"), after.as_deref(), limit.saturating_add(1))?;
    let more = rows.len() > limit;
    let items = rows.iter().take(limit).map(|(_, v)| decode(tables::OIDC_PROVIDER, v)).collect::<Result<Vec<_>>>()?;
    Ok((items, more))
}
