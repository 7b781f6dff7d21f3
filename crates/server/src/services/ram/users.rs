//! RAM 2015-05-01 user operations (ram.md 6.1).

use super::wire::{CreateUser, NamedUser, Paging, UpdateUser, User, UserAnswer, UserPage};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::users::{self, UserRecord};
use localyun_store::Txn;

pub fn create_user(req: CreateUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let user = users::create(txn, cx.account(), req.0)?;
    Ok(UserAnswer { user: User::of(&user, false) })
}

pub fn get_user(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    Ok(UserAnswer { user: User::of(&user, true) })
}

pub fn update_user(req: UpdateUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserAnswer> {
    let old = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let mut next = old.clone();
    next.name = req.new_user_name.unwrap_or(next.name);
    next.display_name = req.new_display_name.or(next.display_name);
    next.mobile_phone = req.new_mobile_phone.or(next.mobile_phone);
    next.email = req.new_email.or(next.email);
    next.comments = req.new_comments.or(next.comments);
    let user = users::update(txn, cx.account(), &old, next)?;
    Ok(UserAnswer { user: User::of(&user, true) })
}

pub fn delete_user(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    users::delete(txn, cx.account(), &user)
}

pub fn list_users(req: Paging, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<UserPage> {
    let (items, more) = users::page(txn, cx.account(), users::Listing::All, req.0.after.as_deref(), req.0.max, None)?;
    Ok(UserPage::new(more, items.last().map(UserRecord::position), items.iter().map(|u| User::of(u, true)).collect::<Vec<_>>()))
}
