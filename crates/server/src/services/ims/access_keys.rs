//! IMS 2019-08-15 AccessKey operations: like RAM's, with the user named by `UserPrincipalName`.

use super::by_principal_name;
use crate::failure::Result;
use crate::identity::access_keys::{self, Owner};
use crate::rpc::Call;
use crate::services::{created_key_fields, delete_key, key_owner, list_keys, update_key};
use localyun_core::ApiError;
use localyun_store::Txn;
use serde_json::{Map, Value};

fn owner(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Owner> {
    let named = match call.params.optional("UserPrincipalName") {
        Some(upn) => Some(by_principal_name(txn, &call.caller.account_id, upn)?.ok_or_else(ApiError::user_not_found)?.id),
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
    list_keys(txn, call.caller, &owner, true)
}

pub fn update_access_key(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    update_key(txn, call.caller, &owner, call.params)
}

pub fn delete_access_key(call: &Call<'_>, txn: &mut dyn Txn) -> Result<Map<String, Value>> {
    let owner = owner(call, txn)?;
    delete_key(txn, call.caller, &owner, call.params)
}
