//! IMS 2019-08-15 names a key's user by `UserPrincipalName` (ram.md 7.1).

use super::by_principal_name;
use crate::failure::Result;
use crate::rpc::decode::FromParams;
use crate::services::access_keys::KeyOwnerParam;
use localyun_core::error::RamError;
use localyun_core::params::Params;
use localyun_core::ApiError;
use localyun_store::Txn;

/// The key's user by an optional `UserPrincipalName`; without it, the caller's own keys. A
/// logon name of another domain, or of no user, answers "user not found".
// The request type of IMS's wire module, kept here while that module is converted apart.
pub struct ByPrincipalName(pub Option<String>);

impl FromParams for ByPrincipalName {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(p.optional("UserPrincipalName").map(str::to_string)))
    }
}

impl KeyOwnerParam for ByPrincipalName {
    const IMS_FIELDS: bool = true;

    fn user_id(&self, account: &str, txn: &mut dyn Txn) -> Result<Option<String>> {
        match &self.0 {
            Some(upn) => Ok(Some(by_principal_name(txn, account, upn)?.ok_or_else(|| ApiError::from(RamError::UserNotFound))?.id)),
            None => Ok(None),
        }
    }
}
