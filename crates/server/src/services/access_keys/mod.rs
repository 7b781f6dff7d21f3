//! AccessKey operations, written once for RAM 2015-05-01 and IMS 2019-08-15 (ram.md 6.6, 7.1):
//! the two differ only in how a call names the key's user ([`KeyOwnerParam`]). A call that names
//! no user acts on the caller's own keys (the account-level keys for the root).

pub mod wire;

use crate::actions::Context;
use crate::failure::Result;
use crate::identity::access_keys::{self, Owner};
use crate::rpc::decode::FromParams;
use localyun_store::Txn;
use wire::{AccessKey, AccessKeyList, CreatedAccessKey, DeleteAccessKey, LastUsedAnswer, LastUsedQuery, UpdateAccessKey};

/// How a service's AccessKey calls name the user whose keys they act on: the request parameter
/// (decoded by its service's wire types) and how it finds the user.
pub trait KeyOwnerParam: FromParams {
    /// IMS list items carry `UpdateDate`, and its GetAccessKeyLastUsed `ServiceName`; RAM's
    /// models have neither.
    const IMS_FIELDS: bool;
    /// The named user's ID, `None` when the call names no user.
    fn user_id(&self, account: &str, txn: &mut dyn Txn) -> Result<Option<String>>;
}

fn owner<P: KeyOwnerParam>(named: &P, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<Owner> {
    match named.user_id(cx.account(), txn)? {
        Some(id) => Ok(Owner::User(id)),
        // A role session owns no AccessKey: it must name a user.
        None => cx.caller.owner().ok_or_else(wire::owner_missing),
    }
}

pub fn create_access_key<P: KeyOwnerParam>(req: P, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<CreatedAccessKey> {
    let owner = owner(&req, cx, txn)?;
    let key = access_keys::create(txn, cx.account(), owner)?;
    Ok(CreatedAccessKey::of(&key))
}

pub fn list_access_keys<P: KeyOwnerParam>(req: P, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccessKeyList> {
    let owner = owner(&req, cx, txn)?;
    let keys = access_keys::list(txn, cx.account(), &owner)?;
    Ok(AccessKeyList { access_keys: keys.iter().map(|k| AccessKey::of(k, P::IMS_FIELDS)).collect::<Vec<_>>().into() })
}

pub fn update_access_key<P: KeyOwnerParam>(req: UpdateAccessKey<P>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let owner = owner(&req.name, cx, txn)?;
    let change = req.rest.take()?;
    let key = access_keys::require_owned(txn, cx.account(), &owner, &change.key_id)?;
    access_keys::set_status(txn, key, change.status)
}

pub fn delete_access_key<P: KeyOwnerParam>(req: DeleteAccessKey<P>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let owner = owner(&req.name, cx, txn)?;
    let key = access_keys::require_owned(txn, cx.account(), &owner, &req.rest.take()?.0)?;
    access_keys::delete(txn, &key)
}

/// The caller's own key, or a key of the named user. Uses are recorded in batches
/// (key_usage.rs): one a moment old may not be answered yet.
pub fn get_access_key_last_used<P: KeyOwnerParam>(req: LastUsedQuery<P>, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LastUsedAnswer> {
    let owner = owner(&req.name, cx, txn)?;
    let key = access_keys::require_owned(txn, cx.account(), &owner, &req.rest.take()?.0)?;
    Ok(LastUsedAnswer::of(access_keys::last_use(txn, &key.id)?, P::IMS_FIELDS))
}

/// The key `key_id` of the user the call names (or of the caller), as the key-level calls
/// (IMS Get/SetAccessKeyPolicy) find it.
pub fn owned_key<P: KeyOwnerParam>(named: &P, key_id: &str, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<access_keys::AccessKeyRecord> {
    let owner = owner(named, cx, txn)?;
    access_keys::require_owned(txn, cx.account(), &owner, key_id)
}
