//! Identity providers of an account, OIDC and SAML alike (IMS Create/Get/Update/Delete/List of
//! each; STS AssumeRoleWith* finds them by ARN): records at `{account}/{name}` of their table,
//! named in ARNs `acs:ram::<account>:<kind>/<name>`. oidc_providers.rs and saml_providers.rs say
//! what each kind holds.

use super::now_ms;
use crate::failure::Result;
use crate::record::{decode, load, save};
use localyun_core::error::RamError;
use localyun_store::Txn;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub trait Provider: Serialize + DeserializeOwned {
    const TABLE: &'static str;
    /// The ARN's resource type: `oidc-provider`, `saml-provider`.
    const KIND: &'static str;
    const NOT_FOUND: RamError;
    const EXISTS: RamError;
    fn name(&self) -> &str;
    /// Sets the creation date (when given) and the update date.
    fn stamp(&mut self, created_ms: Option<i64>, updated_ms: i64);
}

fn key(account: &str, name: &str) -> String {
    format!("{account}/{name}")
}

pub fn arn<P: Provider>(account: &str, name: &str) -> String {
    format!("acs:ram::{account}:{}/{name}", P::KIND)
}

pub fn get<P: Provider>(txn: &mut dyn Txn, account: &str, name: &str) -> Result<Option<P>> {
    load(txn, P::TABLE, &key(account, name))
}

pub fn require<P: Provider>(txn: &mut dyn Txn, account: &str, name: &str) -> Result<P> {
    get(txn, account, name)?.ok_or_else(|| P::NOT_FOUND.into())
}

/// The provider an ARN `acs:ram::<account>:<kind>/<name>` names, with its account.
pub fn by_arn<P: Provider>(txn: &mut dyn Txn, arn: &str) -> Result<Option<(String, P)>> {
    let sep = format!(":{}/", P::KIND);
    let Some((account, name)) = arn.strip_prefix("acs:ram::").and_then(|r| r.split_once(sep.as_str())) else { return Ok(None) };
    Ok(get::<P>(txn, account, name)?.map(|p| (account.to_string(), p)))
}

/// Every provider of the kind in the account (the uniqueness checks of a create).
pub fn all<P: Provider>(txn: &mut dyn Txn, account: &str) -> Result<Vec<P>> {
    Ok(page(txn, account, None, usize::MAX - 1)?.0)
}

/// A new provider; `EXISTS` when the name is taken.
pub fn insert<P: Provider>(txn: &mut dyn Txn, account: &str, mut rec: P) -> Result<P> {
    if get::<P>(txn, account, rec.name())?.is_some() {
        return Err(P::EXISTS.into());
    }
    let now = now_ms();
    rec.stamp(Some(now), now);
    save(txn, P::TABLE, &key(account, rec.name()), &rec)?;
    Ok(rec)
}

pub fn update<P: Provider>(txn: &mut dyn Txn, account: &str, mut rec: P) -> Result<P> {
    rec.stamp(None, now_ms());
    save(txn, P::TABLE, &key(account, rec.name()), &rec)?;
    Ok(rec)
}

pub fn delete<P: Provider>(txn: &mut dyn Txn, account: &str, name: &str) -> Result<()> {
    if !txn.delete(P::TABLE, &key(account, name))? {
        return Err(P::NOT_FOUND.into());
    }
    Ok(())
}

/// Up to `limit` providers in name order after the provider `after`, and whether more follow.
pub fn page<P: Provider>(txn: &mut dyn Txn, account: &str, after: Option<&str>, limit: usize) -> Result<(Vec<P>, bool)> {
    let after = after.map(|name| key(account, name));
    let rows = txn.scan(P::TABLE, &format!("{account}/"), after.as_deref(), limit.saturating_add(1))?;
    let more = rows.len() > limit;
    let items = rows.iter().take(limit).map(|(_, v)| decode(P::TABLE, v)).collect::<Result<Vec<_>>>()?;
    Ok((items, more))
}
