//! RAM 2015-05-01 login profiles (ChangePassword is shared with IMS: services/passwords.rs).

use super::wire::{CreateLoginProfile, LoginProfile, LoginProfileAnswer, NamedUser, UpdateLoginProfile};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{login_profiles, users};
use localyun_store::Txn;

pub fn create_login_profile(req: CreateLoginProfile, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LoginProfileAnswer> {
    let user = users::require_by_name(txn, cx.account(), &req.0.user_name)?;
    let rec = login_profiles::create(txn, cx.account(), &user.id, &user.name, req.0.change)?;
    Ok(LoginProfileAnswer { login_profile: LoginProfile::of(&rec, &user.name) })
}

pub fn get_login_profile(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LoginProfileAnswer> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    let rec = login_profiles::require(txn, cx.account(), &user.id)?;
    Ok(LoginProfileAnswer { login_profile: LoginProfile::of(&rec, &user.name) })
}

/// The SDK model's answer is the RequestId only.
pub fn update_login_profile(req: UpdateLoginProfile, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = users::require_by_name(txn, cx.account(), &req.0.user_name)?;
    login_profiles::update(txn, cx.account(), &user.id, &user.name, req.0.change).map(drop)
}

pub fn delete_login_profile(req: NamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = users::require_by_name(txn, cx.account(), &req.user_name)?;
    login_profiles::delete(txn, cx.account(), &user.id)
}
