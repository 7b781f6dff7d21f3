//! RAM 2015-05-01 names a key's user by `UserName` (ram.md 6.6).

use super::wire::ByUserName;
use crate::failure::Result;
use crate::identity::users;
use crate::services::access_keys::KeyOwnerParam;
use localyun_store::Txn;

impl KeyOwnerParam for ByUserName {
    const IMS_FIELDS: bool = false;

    fn user_id(&self, account: &str, txn: &mut dyn Txn) -> Result<Option<String>> {
        match &self.0 {
            Some(name) => Ok(Some(users::require_by_name(txn, account, name)?.id)),
            None => Ok(None),
        }
    }
}
