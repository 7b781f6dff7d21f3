//! The account's security preference, one per account and shared by RAM and IMS (the settings
//! and their rules are in localyun_core::preference; what they allow users is authz/self_service.rs).

use super::tables;
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::preference::SecurityPreference;
use localyun_store::Txn;

/// The account's preference; the default one until a SetSecurityPreference.
pub fn get(txn: &mut dyn Txn, account: &str) -> Result<SecurityPreference> {
    Ok(load(txn, tables::SECURITY_PREFERENCE, account)?.unwrap_or_default())
}

pub fn set(txn: &mut dyn Txn, account: &str, preference: &SecurityPreference) -> Result<()> {
    save(txn, tables::SECURITY_PREFERENCE, account, preference)
}
