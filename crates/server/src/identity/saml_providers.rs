//! SAML identity providers of an account (IMS Create/Get/Update/Delete/ListSAMLProviders),
//! trusted by roles for STS AssumeRoleWithSAML. The metadata document is kept as given and as
//! parsed (localyun_core::saml).

use super::{now_ms, tables};
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_core::saml::Metadata;
use localyun_store::Txn;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SamlProviderRecord {
    pub name: String,
    /// EncodedSAMLMetadataDocument as given.
    pub metadata_document: String,
    pub entity_id: String,
    pub certificates: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `rsa-sha1` (default) or `rsa-sha256`.
    pub authn_sign_algo: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl SamlProviderRecord {
    pub fn arn(&self, account: &str) -> String {
        format!("acs:ram::{account}:saml-provider/{}", self.name)
    }

    pub fn metadata(&self) -> Metadata {
        Metadata { entity_id: self.entity_id.clone(), certificates: self.certificates.clone() }
    }
}

fn key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

pub fn get(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<SamlProviderRecord>> {
    load(txn, tables::SAML_PROVIDER, &key(account, name))
}

pub fn require(txn: &mut dyn Txn, account: &str, name: &str) -> Result<SamlProviderRecord> {
    get(txn, account, name)?.ok_or_else(|| RamError::SamlProviderNotFound.into())
}

/// The provider an ARN `acs:ram::<account>:saml-provider/<name>` names, with its account.
pub fn by_arn(txn: &mut dyn Txn, arn: &str) -> Result<Option<(String, SamlProviderRecord)>> {
    let Some((account, name)) = arn.strip_prefix("acs:ram::").and_then(|r| r.split_once(":saml-provider/")) else { return Ok(None) };
    Ok(get(txn, account, name)?.map(|p| (account.to_string(), p)))
}

pub fn create(txn: &mut dyn Txn, account: &str, mut rec: SamlProviderRecord) -> Result<SamlProviderRecord> {
    if get(txn, account, &rec.name)?.is_some() {
        return Err(RamError::SamlProviderExists.into());
    }
    let now = now_ms();
    (rec.created_ms, rec.updated_ms) = (now, now);
    save(txn, tables::SAML_PROVIDER, &key(account, &rec.name), &rec)?;
    Ok(rec)
}

pub fn update(txn: &mut dyn Txn, account: &str, mut rec: SamlProviderRecord) -> Result<SamlProviderRecord> {
    rec.updated_ms = now_ms();
    save(txn, tables::SAML_PROVIDER, &key(account, &rec.name), &rec)?;
    Ok(rec)
}

pub fn delete(txn: &mut dyn Txn, account: &str, name: &str) -> Result<()> {
    if !txn.delete(tables::SAML_PROVIDER, &key(account, name))? {
        return Err(RamError::SamlProviderNotFound.into());
    }
    Ok(())
}

/// Up to `limit` providers in name order after the provider `after`, and whether more follow.
pub fn page(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<SamlProviderRecord>, bool)> {
    let after = after.map(|name| key(account, name));
    let rows = txn.scan(tables::SAML_PROVIDER, &format!("{account}/"), after.as_deref(), limit.saturating_add(1))?;
    let more = rows.len() > limit;
    let items = rows.iter().take(limit).map(|(_, v)| decode(tables::SAML_PROVIDER, v)).collect::<Result<Vec<_>>>()?;
    Ok((items, more))
}
