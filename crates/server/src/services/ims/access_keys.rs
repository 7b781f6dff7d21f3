//! IMS 2019-08-15 names a key's user by `UserPrincipalName` (ram.md 7.1).

use super::by_principal_name;
use crate::actions::Call;
use crate::failure::Result;
use crate::services::access_keys::KeyOwnerParam;
use localyun_core::error::RamError;
use localyun_core::ApiError;
use localyun_store::Txn;

pub struct ByPrincipalName;

impl KeyOwnerParam for ByPrincipalName {
    const LIST_UPDATE_DATE: bool = true;

    fn named_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Option<String>> {
        match call.params.optional("UserPrincipalName") {
            Some(upn) => {
                Ok(Some(by_principal_name(txn, &call.caller.account_id, upn)?.ok_or_else(|| ApiError::from(RamError::UserNotFound))?.id))
            }
            None => Ok(None),
        }
    }
}
