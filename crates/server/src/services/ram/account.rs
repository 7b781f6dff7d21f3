//! RAM 2015-05-01 account operations (ram.md 6.7).

use super::wire::{
    AccountAlias, PasswordPolicyAnswer, SecurityPreferenceAnswer, SetAccountAlias, SetPasswordPolicy, SetSecurityPreference,
};
use crate::actions::Context;
use crate::failure::Result;
use crate::identity::accounts;
use crate::identity::{password_policy, security_preference};
use localyun_store::Txn;

pub fn get_account_alias(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<AccountAlias> {
    Ok(AccountAlias { account_alias: accounts::alias(txn, cx.account())? })
}

pub fn set_account_alias(req: SetAccountAlias, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    accounts::set_alias(txn, cx.account(), &req.account_alias)
}

pub fn clear_account_alias(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<()> {
    accounts::clear_alias(txn, cx.account())
}

pub fn get_password_policy(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    Ok((&password_policy::get(txn, cx.account())?).into())
}

pub fn set_password_policy(req: SetPasswordPolicy, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<PasswordPolicyAnswer> {
    let next = req.applied_to(password_policy::get(txn, cx.account())?);
    password_policy::set(txn, cx.account(), &next)?;
    Ok((&next).into())
}

pub fn get_security_preference(_: (), cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    Ok((&security_preference::get(txn, cx.account())?).into())
}

pub fn set_security_preference(req: SetSecurityPreference, cx: &Context<'_>, txn: &mut dyn Txn) -> Result<SecurityPreferenceAnswer> {
    let next = security_preference::get(txn, cx.account())?.updated(req.0);
    security_preference::set(txn, cx.account(), &next)?;
    Ok((&next).into())
}
