//! IMS login profiles and ChangePassword: the same profiles as RAM 2015-05-01's, named by logon
//! name, with IMS's `Status` and `PasswordStatus`.

use super::named_user;
use super::wire::{CreateLoginProfile, LoginProfile, LoginProfileAnswer, LogonNamedUser, UpdateLoginProfile};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts::logon_domain;
use crate::identity::login_profiles::{self, LoginProfileRecord};
use crate::identity::users::UserRecord;
use crate::identity::{now_ms, password_policy};
use localyun_store::Txn;

fn answer(txn: &mut dyn Txn, account: &str, user: &UserRecord, rec: &LoginProfileRecord) -> Result<LoginProfileAnswer> {
    let domain = logon_domain(txn, account)?;
    let policy = password_policy::get(txn, account)?;
    let status = login_profiles::password_status(rec, &policy, now_ms());
    Ok(LoginProfileAnswer { login_profile: LoginProfile::of(rec, user.principal_name(&domain), status) })
}

pub fn create_login_profile(req: CreateLoginProfile, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LoginProfileAnswer> {
    let user = named_user(txn, cx.account(), &req.0.user)?;
    let rec = login_profiles::create(txn, cx.account(), &user.id, &user.name, req.0.change)?;
    answer(txn, cx.account(), &user, &rec)
}

pub fn get_login_profile(req: LogonNamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LoginProfileAnswer> {
    let user = named_user(txn, cx.account(), &req.user)?;
    let rec = login_profiles::require(txn, cx.account(), &user.id)?;
    answer(txn, cx.account(), &user, &rec)
}

pub fn update_login_profile(req: UpdateLoginProfile, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<LoginProfileAnswer> {
    let user = named_user(txn, cx.account(), &req.0.user)?;
    let rec = login_profiles::update(txn, cx.account(), &user.id, &user.name, req.0.change)?;
    answer(txn, cx.account(), &user, &rec)
}

pub fn delete_login_profile(req: LogonNamedUser, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    let user = named_user(txn, cx.account(), &req.user)?;
    login_profiles::delete(txn, cx.account(), &user.id)
}
