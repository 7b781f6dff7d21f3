//! RAM 2015-05-01 names a key's user by `UserName` (ram.md 6.6).

use crate::actions::Call;
use crate::failure::Result;
use crate::identity::users;
use crate::services::access_keys::KeyOwnerParam;
use localyun_core::names::check_user_name;
use localyun_store::Txn;

pub struct ByUserName;

impl KeyOwnerParam for ByUserName {
    const LIST_UPDATE_DATE: bool = false;

    fn named_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Option<String>> {
        match call.params.optional("UserName") {
            Some(name) => {
                check_user_name("UserName", name)?;
                Ok(Some(users::require_by_name(txn, &call.caller.account_id, name)?.id))
            }
            None => Ok(None),
        }
    }
}
