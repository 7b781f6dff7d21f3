//! IMS 2019-08-15 user operations (ram.md 7.1).

use super::named_user;
use super::wire::{
    CreateUser, DefaultDomain, DeleteUser, GetUser, ListUsers, SetDefaultDomain, UpdateUser, User, UserAnswer, UserBasicInfo,
    UserBasicInfoPage, UserPage,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::users::{self, NewUser, UserRecord};
use crate::services::next_marker;
use localyun_core::tags::matches_all;
use localyun_store::Txn;

pub fn create_user(req: CreateUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let domain = logon_domain(txn, cx.account())?;
    let name = req.principal.name_in(&domain)?;
    let user = users::create(txn, cx.account(), NewUser { name, ..req.user.take()? })?;
    Ok(UserAnswer { user: User::of(&user, &domain) })
}

pub fn get_user(req: GetUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let user = named_user(txn, cx.account(), &req.user)?;
    let domain = logon_domain(txn, cx.account())?;
    Ok(UserAnswer { user: User::of(&user, &domain).with_name(&user) })
}

pub fn update_user(req: UpdateUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let old = named_user(txn, cx.account(), &req.user)?;
    let domain = logon_domain(txn, cx.account())?;
    let mut next = old.clone();
    if let Some(principal) = req.new_principal.take()? {
        next.name = principal.name_in(&domain)?;
    }
    let changes = req.changes.take()?;
    next.display_name = changes.display_name.or(next.display_name);
    next.comments = changes.comments.or(next.comments);
    next.email = changes.email.or(next.email);
    next.mobile_phone = changes.mobile_phone.or(next.mobile_phone);
    let user = users::update(txn, cx.account(), &old, next)?;
    Ok(UserAnswer { user: User::of(&user, &domain) })
}

pub fn delete_user(req: DeleteUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = named_user(txn, cx.account(), &req.user)?;
    users::delete(txn, cx.account(), &user)
}

/// Users in listing order, those carrying every filter tag.
/// The users a ListUsers/ListUserBasicInfos call asks for, a page at a time.
fn listed_users(req: ListUsers, account: &str, txn: &mut dyn Txn) -> Result<(Vec<UserRecord>, bool)> {
    let filter = req.filter.pairs();
    if !req.active {
        return Ok((Vec::new(), false));
    }
    // A filter on a tag with its value reads only the users carrying it (their tag index is in
    // listing order too); otherwise every user is read in order and filtered.
    let listing = match filter.first() {
        Some(&(key, Some(value))) => users::Listing::Tagged { key, value },
        _ => users::Listing::All,
    };
    let keep = |u: &UserRecord| matches_all(&u.tags, &filter);
    let keep = (!filter.is_empty()).then_some(&keep as &dyn Fn(&UserRecord) -> bool);
    users::page(txn, account, listing, req.page.after.as_deref(), req.page.max, keep)
}

pub fn list_users(req: ListUsers, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserPage> {
    let (items, more) = listed_users(req, cx.account(), txn)?;
    let domain = logon_domain(txn, cx.account())?;
    Ok(UserPage {
        is_truncated: more,
        marker: next_marker(more, items.last().map(UserRecord::position)),
        users: items.iter().map(|u| User::of(u, &domain).listed()).collect::<Vec<_>>().into(),
    })
}

/// ListUserBasicInfos: ListUsers' filters and paging, each user's logon name, ID, display name
/// and status only.
pub fn list_user_basic_infos(req: ListUsers, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserBasicInfoPage> {
    let (items, more) = listed_users(req, cx.account(), txn)?;
    let domain = logon_domain(txn, cx.account())?;
    Ok(UserBasicInfoPage {
        is_truncated: more,
        marker: next_marker(more, items.last().map(UserRecord::position)),
        infos: items.iter().map(|u| UserBasicInfo::of(u, &domain)).collect::<Vec<_>>().into(),
    })
}

pub fn get_default_domain(_req: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<DefaultDomain> {
    Ok(DefaultDomain { default_domain_name: logon_domain(txn, cx.account())? })
}

/// Unlike RAM SetAccountAlias, SetDefaultDomain "configures" the domain: it replaces one already set.
pub fn set_default_domain(req: SetDefaultDomain, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<DefaultDomain> {
    crate::identity::accounts::replace_alias(txn, cx.account(), &req.alias)?;
    get_default_domain((), cx, txn)
}
