//! IMS security settings: the account's password policy and security preference (the same ones
//! RAM 2015-05-01 reads and sets, with the settings only IMS has).

use super::wire::{PasswordPolicyAnswer, SecurityPreferenceAnswer, SetPasswordPolicy, SetSecurityPreference};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::{password_policy, security_preference};
use localyun_store::Txn;

pub fn get_password_policy(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    Ok((&password_policy::get(txn, cx.account())?).into())
}

pub fn set_password_policy(req: SetPasswordPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    password_policy::set(txn, cx.account(), &req.0)?;
    Ok((&req.0).into())
}

pub fn get_security_preference(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    Ok((&security_preference::get(txn, cx.account())?).into())
}

pub fn set_security_preference(req: SetSecurityPreference, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    let next = security_preference::get(txn, cx.account())?.updated(req.0);
    security_preference::set(txn, cx.account(), &next)?;
    Ok((&next).into())
}
