//! IMS's user recycle bin (identity/recycle_bin.rs): kept users and AccessKeys, restorable for a
//! month.

use super::wire::{
    RecycleBinListing, RecycledAccessKey, RecycledAccessKeyAnswer, RecycledAccessKeyList, RecycledKey, RecycledKeyId, RecycledUser,
    RecycledUserAnswer, RecycledUserId, RecycledUserPage, RecycledUserRef,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::{access_keys, users};
use crate::services::next_marker;
use localyun_store::Txn;

pub fn list_users_in_recycle_bin(req: RecycleBinListing, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RecycledUserPage> {
    let domain = logon_domain(txn, cx.account())?;
    let (page, more) = match &req.principal_name {
        // A filter names one logon name: the kept users with it (a name may have been deleted twice).
        Some(upn) => {
            let (all, _) = users::kept_page(txn, cx.account(), None, usize::MAX)?;
            (all.into_iter().filter(|r| r.item.principal_name(&domain).eq_ignore_ascii_case(upn)).collect(), false)
        }
        None => users::kept_page(txn, cx.account(), req.page.after.as_deref(), req.page.max)?,
    };
    let marker = next_marker(more, page.last().map(|r| r.item.id.clone()));
    Ok(RecycledUserPage { is_truncated: more, marker, users: page.iter().map(|r| RecycledUser::of(r, &domain)).collect::<Vec<_>>().into() })
}

pub fn get_user_in_recycle_bin(req: RecycledUserRef, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RecycledUserAnswer> {
    let user_id = match req {
        RecycledUserRef::Id(id) => id,
        RecycledUserRef::AccessKey(key) => access_keys::kept_by_id(txn, cx.account(), &key)?.item.owner_user_id().unwrap_or_default(),
    };
    let kept = users::require_kept(txn, cx.account(), &user_id)?;
    let domain = logon_domain(txn, cx.account())?;
    Ok(RecycledUserAnswer { user: RecycledUser::of(&kept, &domain) })
}

pub fn restore_user_from_recycle_bin(req: RecycledUserId, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    users::restore_kept(txn, cx.account(), &req.0).map(drop)
}

pub fn delete_user_in_recycle_bin(req: RecycledUserId, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    users::purge_kept(txn, cx.account(), &req.0)
}

pub fn list_access_keys_in_recycle_bin(req: RecycledUserId, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RecycledAccessKeyList> {
    let keys = access_keys::kept_of(txn, cx.account(), &req.0)?;
    Ok(RecycledAccessKeyList { access_keys: keys.iter().map(RecycledAccessKey::of).collect::<Vec<_>>().into() })
}

/// With the key's user: its logon name, and whether the user is in the bin too.
pub fn get_access_key_info_in_recycle_bin(req: RecycledKeyId, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<RecycledAccessKeyAnswer> {
    let kept = access_keys::kept_by_id(txn, cx.account(), &req.0)?;
    let user_id = kept.item.owner_user_id().unwrap_or_default();
    let domain = logon_domain(txn, cx.account())?;
    let (name, recycled) = match users::by_id(txn, cx.account(), &user_id)? {
        Some(u) => (u.principal_name(&domain), false),
        None => (users::kept(txn, cx.account(), &user_id)?.map(|r| r.item.principal_name(&domain)).unwrap_or_default(), true),
    };
    let mut key = RecycledAccessKey::of(&kept);
    (key.user_id, key.user_principal_name, key.user_recycled) = (Some(user_id), Some(name), Some(recycled));
    Ok(RecycledAccessKeyAnswer { access_key: key })
}

pub fn restore_access_key_from_recycle_bin(req: RecycledKey, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    // The key's user must be there, not in the bin itself.
    users::require_by_id(txn, cx.account(), &req.user_id)?;
    access_keys::restore_kept(txn, cx.account(), &req.user_id, &req.key_id)
}

pub fn delete_access_key_in_recycle_bin(req: RecycledKey, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    access_keys::purge_kept(txn, cx.account(), &req.user_id, &req.key_id)
}
