//! AccessKey operations, written once for RAM 2015-05-01 and IMS 2019-08-15 (ram.md 6.6, 7.1):
//! the two differ only in how a call names the key's user ([`KeyOwnerParam`]). A call that names
//! no user acts on the caller's own keys (the account-level keys for the root).

use super::{access_key_fields, created_key_fields, key_status, wrapped, Fields};
use crate::actions::Call;
use crate::failure::Result;
use crate::identity::access_keys::{self, Owner};
use localyun_store::Txn;
use serde_json::{Map, Value};

/// How a service's AccessKey calls name the user whose keys they act on.
pub trait KeyOwnerParam {
    /// The named user's ID, `None` when the call names no user.
    fn named_user(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Option<String>>;
    /// IMS list items carry `UpdateDate`; RAM's do not (SDK models).
    const LIST_UPDATE_DATE: bool;
}

fn owner<P: KeyOwnerParam>(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Owner> {
    match P::named_user(call, txn)? {
        Some(id) => Ok(Owner::User(id)),
        // A role session owns no AccessKey: it must name a user.
        None => call.caller.owner().ok_or_else(|| localyun_core::GatewayError::missing("UserName").into()),
    }
}

pub fn create_access_key<P: KeyOwnerParam>(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner::<P>(call, txn)?;
    let key = access_keys::create(txn, &call.caller.account_id, owner)?;
    Ok(created_key_fields(&key))
}

pub fn list_access_keys<P: KeyOwnerParam>(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner::<P>(call, txn)?;
    let keys = access_keys::list(txn, &call.caller.account_id, &owner)?;
    let items = keys.iter().map(|k| access_key_fields(k, P::LIST_UPDATE_DATE)).collect();
    Ok(Fields::new().set("AccessKeys", wrapped("AccessKey", items)).build())
}

pub fn update_access_key<P: KeyOwnerParam>(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner::<P>(call, txn)?;
    let id = call.params.required("UserAccessKeyId")?;
    let status = key_status(call.params)?;
    let key = access_keys::require_owned(txn, &call.caller.account_id, &owner, id)?;
    access_keys::set_status(txn, key, status)?;
    Ok(Map::new())
}

pub fn delete_access_key<P: KeyOwnerParam>(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner::<P>(call, txn)?;
    let id = call.params.required("UserAccessKeyId")?;
    let key = access_keys::require_owned(txn, &call.caller.account_id, &owner, id)?;
    access_keys::delete(txn, &key)?;
    Ok(Map::new())
}
