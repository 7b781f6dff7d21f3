//! RAM 2015-05-01 AccessKey operations (ram.md 6.6): `UserName` names a RAM user; without it the
//! call acts on the caller's own keys (the root's account-level keys for the root).

use crate::failure::Result;
use crate::identity::access_keys::{self, Owner};
use crate::identity::users;
use crate::rpc::Call;
use crate::services::{created_key_fields, delete_key, key_owner, list_keys, update_key};
use localyun_core::names::check_user_name;
use localyun_store::Txn;
use serde_json::{Map, Value};

fn owner(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Owner> {
    let named = match call.params.optional("UserName") {
        Some(name) => {
            check_user_name("UserName", name)?;
            Some(users::require_by_name(txn, &call.caller.account_id, name)?.id)
        }
        None => None,
    };
    Ok(key_owner(call.caller, named))
}

pub fn create_access_key(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    let key = access_keys::create(txn, &call.caller.account_id, owner)?;
    Ok(created_key_fields(&key))
}

pub fn list_access_keys(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    list_keys(txn, call.caller, &owner, false)
}

pub fn update_access_key(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    update_key(txn, call.caller, &owner, call.params)
}

pub fn delete_access_key(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    delete_key(txn, call.caller, &owner, call.params)
}
