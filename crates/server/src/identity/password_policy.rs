//! The account's password policy, one per account and shared by RAM and IMS (the rules are in
//! localyun_core::password).

use super::tables;
use crate::failure::Result;
use crate::record::{load, save};
use localyun_core::password::PasswordPolicy;
use localyun_store::Txn;

/// The account's policy; the default one until a SetPasswordPolicy.
pub fn get(txn: &mut dyn Txn, account: &str) -> Result<PasswordPolicy> {
    Ok(load(txn, tables::PASSWORD_POLICY, account)?.unwrap_or_default())
}

pub fn set(txn: &mut dyn Txn, account: &str, policy: &PasswordPolicy) -> Result<()> {
    save(txn, tables::PASSWORD_POLICY, account, policy)
}
